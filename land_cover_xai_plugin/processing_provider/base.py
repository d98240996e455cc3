"""What every Land Cover XAI Processing algorithm shares.

- ``LcxAlgorithm``: group / icon / createInstance / tr(), and ``processAlgorithm`` turning the engine's
  user-facing errors (``LcxError``) into ``QgsProcessingException`` so the message reaches the user (Toolbox
  log, ``processing.run`` caller, ``qgis_process`` stderr).
- Adapters from ``QgsProcessingFeedback`` to the engine's ``progress`` / ``is_cancelled`` callables.
- Input helpers: the file a raster layer reads (the engine reads files with GDAL, not QGIS layers), and field
  data as a file OGR can open (memory layers, filtered layers and "selected features only" are exported to a
  temporary GeoPackage by QGIS).
- ``StagedOutputs``: the engine writes fixed names (prediction.tif, confidence.tif, gradcam.tif ...) into a
  folder; we run it into a hidden temporary folder beside the destination and move the finished files, with
  their ``.qml`` styles renamed to match, to the paths the user chose (or QGIS's TEMPORARY_OUTPUT paths).
- ``StyleLoader``: Processing loads output layers *without* their default style (``loadDefaultStyle = false``
  in ``QgsProcessingUtils::mapLayerFromString``; checked on 3.22: a confidence raster opens as single-band
  grey through Processing but pseudocolour as a plain QgsRasterLayer), so the ``.qml`` beside each output is
  applied by a layer post-processor when the user ticks "Open output file after running".

Threading: the algorithms run in Processing's background thread (no ``FlagNoThreading``). They hand only
file paths to the engine, which opens its own GDAL handles and never touches a QGIS layer or Qt object;
torch runs happily off the main thread (the dock's QgsTask does the same). Layer styling happens in the
post-processor, which QGIS calls on the main thread.
"""
from __future__ import annotations

import collections
import os
import shutil
import tempfile
from pathlib import Path
from typing import Callable, Optional

from qgis.core import (
    QgsProcessingAlgorithm,
    QgsProcessingException,
    QgsProcessingLayerPostProcessorInterface,
    QgsVectorFileWriter,
)
from qgis.PyQt.QtCore import QCoreApplication
from qgis.PyQt.QtGui import QIcon

from ..engine.errors import LcxError

PLUGIN_DIR = Path(__file__).resolve().parent.parent
ICON = PLUGIN_DIR / "resources" / "icon.svg"
HELP_URL = "https://github.com/land-cover-xai/land_cover_xai_plugin/blob/main/docs/PROCESSING.md"
MODEL_EXTENSION = "lcx"
RASTER_EXTENSIONS = (".tif", ".tiff")
DEVICES = ("auto", "cpu", "cuda")


def tr(text: str) -> str:
    """Strings of this module; the algorithms' own strings go through ``self.tr`` (context: their class name)."""
    return QCoreApplication.translate("LcxAlgorithm", text)


def one_line(message: str) -> str:
    return " ".join(part.strip() for part in str(message).strip().splitlines() if part.strip())


class LcxAlgorithm(QgsProcessingAlgorithm):
    """Base of the provider's algorithms. Subclasses define ``name``, ``displayName``, ``GROUP``,
    ``initAlgorithm``, ``shortHelpString`` and ``process(parameters, context, feedback) -> dict``."""

    GROUP = "classification"  # groupId: "classification" | "explanation" | "accuracy"

    # tr(): the translation context is the class name, the one pylupdate5 gives to self.tr("...") calls.
    def tr(self, text: str) -> str:
        return QCoreApplication.translate(type(self).__name__, text)

    def createInstance(self):  # noqa: N802 - name fixed by QGIS
        return type(self)()

    def groupId(self):  # noqa: N802
        return self.GROUP

    def group(self):
        return {"classification": tr("Classification"), "explanation": tr("Explanation"),
                "accuracy": tr("Accuracy assessment")}[self.GROUP]

    def icon(self):
        return QIcon(str(ICON))

    def helpUrl(self):  # noqa: N802
        return HELP_URL

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        try:
            return self.process(parameters, context, feedback)
        except LcxError as error:
            raise QgsProcessingException(one_line(str(error))) from error

    def process(self, parameters, context, feedback) -> dict:  # pragma: no cover - abstract
        raise NotImplementedError

    # --- parameter checks shared by several algorithms ---------------------------------------------------

    @staticmethod
    def check_model_path(path: str) -> Optional[str]:
        """None when ``path`` looks like a model file, else the message to show."""
        if not path:
            return tr("Choose a model file (.lcx), for example one written by 'Train a land cover model'.")
        if not path.lower().endswith("." + MODEL_EXTENSION):
            return tr("The model must be a Land Cover XAI model file ending in .lcx; got {0}.").format(path)
        if not os.path.isfile(path):
            return tr("Model file not found: {0}. Check the path, or train a model first.").format(path)
        return None

    @staticmethod
    def destination_value(parameters, name: str) -> str:
        """A destination parameter's path as given (before QGIS resolves TEMPORARY_OUTPUT), '' when none;
        without side effects (parameterAsOutputLayer would register the layer for loading)."""
        value = parameters.get(name)
        sink = getattr(value, "sink", None)
        if sink is not None:
            value = sink.staticValue()
        return value if isinstance(value, str) else ""

    @staticmethod
    def check_raster_destinations(named_paths: dict) -> Optional[str]:
        """GeoTIFF destinations, all different. ``named_paths``: parameter description -> path ('' = skipped)."""
        seen = {}
        for label, path in named_paths.items():
            if not path or path == "TEMPORARY_OUTPUT":
                continue
            if not path.lower().endswith(RASTER_EXTENSIONS):
                return tr("{0}: the outputs are GeoTIFF files; give a file name ending in .tif ({1}).").format(
                    label, path)
            key = os.path.normcase(os.path.abspath(path))
            if key in seen:
                return tr("{0} and {1} point to the same file ({2}): give each output its own file.").format(
                    seen[key], label, path)
            seen[key] = label
        return None


# --- inputs ------------------------------------------------------------------------------------------------

def raster_file(algorithm: QgsProcessingAlgorithm, parameters, name: str, context) -> str:
    """The file (GDAL data source) behind a raster layer parameter; the engine reads it with GDAL."""
    layer = algorithm.parameterAsRasterLayer(parameters, name, context)
    if layer is None:
        raise QgsProcessingException(algorithm.invalidRasterError(parameters, name))
    if layer.providerType() != "gdal":
        raise QgsProcessingException(tr(
            "{0} is a '{1}' layer; Land Cover XAI reads raster files (GeoTIFF, VRT, ...) with GDAL. Save the layer "
            "as a GeoTIFF first (Export > Save As...) and use that file.").format(layer.name(), layer.providerType()))
    return layer.source()


def vector_file(algorithm: QgsProcessingAlgorithm, parameters, name: str, context, feedback) -> tuple[str, str]:
    """(path, layer name) of field data as a file OGR opens. A file-based layer is used as it is; a memory /
    database / filtered layer, or "selected features only", is exported by QGIS to a temporary GeoPackage."""
    formats = [ext.lower() for ext in QgsVectorFileWriter.supportedFormatExtensions()]
    path, layer_name = algorithm.parameterAsCompatibleSourceLayerPathAndLayerName(
        parameters, name, context, formats, "gpkg", feedback)
    if not path:
        raise QgsProcessingException(algorithm.invalidSourceError(parameters, name))
    return path, (layer_name or None)


# --- feedback adapters -------------------------------------------------------------------------------------

def progress_adapter(feedback, start: float = 0.0, end: float = 100.0) -> Callable[[float], None]:
    """Engine fraction 0..1 -> feedback.setProgress(start..end)."""
    def progress(fraction: float) -> None:
        fraction = min(1.0, max(0.0, float(fraction)))
        feedback.setProgress(start + (end - start) * fraction)
    return progress


def cancel_adapter(feedback) -> Callable[[], bool]:
    return lambda: bool(feedback is not None and feedback.isCanceled())


# --- outputs -----------------------------------------------------------------------------------------------

def companion_paths(tif: str) -> dict[str, str]:
    """The files that travel with a raster: its .aux.xml and its .qml style (QGIS's default-style name)."""
    stem, _ = os.path.splitext(tif)
    return {"aux": tif + ".aux.xml", "qml": stem + ".qml"}


class StagedOutputs:
    """A hidden temporary folder beside the first destination for the engine to write into; ``commit`` moves
    the chosen files into place; ``cleanup`` removes the folder (and whatever the user did not ask for).

    Use as a context manager. If moving fails half-way, the files already moved are removed again, so a failed
    run leaves no output behind."""

    def __init__(self, destinations: list[str]):
        wanted = [d for d in destinations if d]
        base = os.path.dirname(os.path.abspath(wanted[0])) if wanted else tempfile.gettempdir()
        try:
            os.makedirs(base, exist_ok=True)
            self.dir = tempfile.mkdtemp(prefix=".lcx-", dir=base)
        except OSError as error:
            raise LcxError(tr("Cannot write in the output folder {0} ({1}). Choose a folder you can write to.")
                           .format(base, error.strerror or error)) from error

    def __enter__(self) -> "StagedOutputs":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.cleanup()

    def cleanup(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)

    def commit(self, moves: dict[str, str]) -> dict[str, str]:
        """``moves``: staged file -> destination (a raster .tif, or any file). Returns staged -> destination
        for what was moved. Rasters bring their .aux.xml and .qml along, renamed after the destination."""
        done: list[str] = []
        try:
            for staged, destination in moves.items():
                if not destination:
                    continue
                destination = os.path.abspath(destination)
                os.makedirs(os.path.dirname(destination), exist_ok=True)
                pairs = [(staged, destination)]
                if staged.lower().endswith(RASTER_EXTENSIONS):
                    src, dst = companion_paths(staged), companion_paths(destination)
                    pairs += [(src[k], dst[k]) for k in ("aux", "qml")]
                    # a stale style / statistics file of an earlier output must not describe the new one
                    for k in ("aux", "qml"):
                        if not os.path.exists(src[k]) and os.path.exists(dst[k]):
                            os.remove(dst[k])
                for src_path, dst_path in pairs:
                    if os.path.exists(src_path):
                        shutil.move(src_path, dst_path)
                        done.append(dst_path)
        except BaseException as error:
            for path in done:
                try:
                    os.remove(path)
                except OSError:
                    pass
            if isinstance(error, OSError):
                raise LcxError(tr("Cannot write {0} ({1}). If the file is open in QGIS or another program, "
                                  "remove it there or choose another file name.").format(
                    error.filename or "the output", error.strerror or error)) from error
            raise
        return {s: d for s, d in moves.items() if d}


def pick_output(paths: dict, stem: str) -> Optional[str]:
    """The engine's output called ``stem`` (``gradcam``) or ``stem_<target id>`` (``gradcam_3``)."""
    if stem in paths:
        return paths[stem]
    for key, value in paths.items():
        suffix = key[len(stem) + 1:] if key.startswith(stem + "_") else ""
        if suffix and suffix.lstrip("-").isdigit():
            return value
    return None


class StyleLoader(QgsProcessingLayerPostProcessorInterface):
    """Applies the .qml style written beside an output to the layer Processing opens on completion."""

    # setPostProcessor() hands the object to QGIS (deleted with the context). Keeping a Python reference as
    # well guards against the known pitfall of a post-processor collected before QGIS calls it.
    _alive: collections.deque = collections.deque(maxlen=256)

    def __init__(self, qml_path: str):
        super().__init__()
        self.qml_path = qml_path

    def postProcessLayer(self, layer, context, feedback):  # noqa: N802 - name fixed by QGIS
        if layer is None:
            return
        if os.path.exists(self.qml_path):
            message, ok = layer.loadNamedStyle(self.qml_path)
            if not ok and feedback is not None:
                feedback.reportError(tr("Could not apply the style {0}: {1}").format(self.qml_path, message))
        layer.triggerRepaint()

    @classmethod
    def attach(cls, context, destination: str) -> Optional["StyleLoader"]:
        """If QGIS will open ``destination`` when the algorithm finishes, style it from its .qml."""
        if not destination or not context.willLoadLayerOnCompletion(destination):
            return None
        loader = cls(companion_paths(destination)["qml"])
        cls._alive.append(loader)
        context.layerToLoadOnCompletionDetails(destination).setPostProcessor(loader)
        return loader


# --- inference shared by classify / explain ----------------------------------------------------------------

def run_inference_into(feedback, stack: str, model: str, methods: set, destinations: dict, target="predicted",
                       device: str = "auto", batch_size: Optional[int] = None):
    """Run the engine's streaming pass into a staging folder and move the outputs asked for into place.

    ``destinations``: engine output stem ("prediction", "confidence", "gradcam", "shap_bands" ...) -> the path
    the user chose ('' or None: not wanted, deleted with the staging folder). Returns the InferenceResult."""
    from ..engine.inference.streaming import InferenceRequest, run_inference

    wanted = {stem: dest for stem, dest in destinations.items() if dest}
    with StagedOutputs(list(wanted.values())) as stage:
        request = InferenceRequest(stack_paths=[stack], model_path=model, out_dir=stage.dir, methods=set(methods),
                                   target=target, device=device, batch_size=batch_size or None)
        result = run_inference(request, progress_adapter(feedback, 0.0, 99.0), cancel_adapter(feedback))
        if feedback is not None and feedback.isCanceled():
            raise LcxError(tr("Cancelled; no output was kept."))
        moves = {}
        for stem, dest in wanted.items():
            staged = pick_output(result.paths, stem)
            if staged is None:  # a contract break between engine and provider: keep the traceback
                raise RuntimeError(f"the engine wrote no '{stem}' output (it wrote {sorted(result.paths)})")
            moves[staged] = dest
        stage.commit(moves)
    if feedback is not None:
        feedback.setProgress(100)
        feedback.pushInfo(tr("{0} pixels ({1} without enough observations) in {2:.1f} s on {3}, batch {4}").format(
            result.n_pixels, result.n_nodata, result.seconds, result.device, result.batch_size))
    return result
