"""What every Land Cover XAI Processing algorithm shares.

- ``LcxAlgorithm``: group / icon / createInstance / tr(), and ``processAlgorithm`` turning the engine's
  user-facing errors (``LcxError``) into ``QgsProcessingException`` so the message reaches the user (Toolbox
  log, ``processing.run`` caller, ``qgis_process`` stderr).
- Adapters from ``QgsProcessingFeedback`` to the engine's ``progress`` / ``is_cancelled`` callables.
- Input helpers: the file a raster layer reads (the engine reads files with GDAL, not QGIS layers), and field
  data as a file OGR can open (memory layers, filtered layers and "selected features only" are exported to a
  temporary GeoPackage by QGIS).
- Parameter blocks every inference algorithm repeats (time series, model, device, batch size, target, method,
  destinations), as EnMAP-Box's ``addParameter...`` helpers do: ``add_stack_parameter`` ...
- ``run_job``: the engine's ``InferenceJob`` with the feedback's progress / cancel; the job stages the files
  beside the destinations and moves the chosen ones, with their ``.qml`` styles renamed to match, to the paths
  the user chose (or QGIS's TEMPORARY_OUTPUT paths), and leaves nothing on failure.
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
from pathlib import Path
from typing import Callable, Optional

from qgis.core import (
    QgsProcessingAlgorithm,
    QgsProcessingException,
    QgsProcessingLayerPostProcessorInterface,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFile,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterDestination,
    QgsProcessingParameterRasterLayer,
    QgsProcessingParameterString,
    QgsVectorFileWriter,
)
from qgis.PyQt.QtCore import QCoreApplication
from qgis.PyQt.QtGui import QIcon

from ..engine.errors import LcxError
from ..engine.jobs import StagedFiles, companion_paths
from ..engine.runtime import DEVICES

PLUGIN_DIR = Path(__file__).resolve().parent.parent
ICON = PLUGIN_DIR / "resources" / "icon.svg"
HELP_URL = "https://github.com/land-cover-xai/land_cover_xai_plugin/blob/main/docs/PROCESSING.md"
MODEL_EXTENSION = "lcx"
RASTER_EXTENSIONS = (".tif", ".tiff")
# The engine's staging of output files (hidden folder beside the destination, moved on success)
StagedOutputs = StagedFiles


def tr(text: str) -> str:
    """Strings of this module; the algorithms' own strings go through ``self.tr`` (context: their class name)."""
    return QCoreApplication.translate("LcxAlgorithm", text)


def registry_label(text: str) -> str:
    """An English label of the engine's explainer registry in QGIS's language: the catalogue keeps them in the
    context the dock's layer titles use (LandCoverXaiLayers), so both front ends share one translation."""
    return QCoreApplication.translate("LandCoverXaiLayers", text)


def registry_description(text: str) -> str:
    """An explainer's English description (and the registry's "Only for ... models." limit) in QGIS's language:
    the catalogue of engine texts the dock uses too (context LandCoverXaiEngine, gui/i18n.py)."""
    whole = QCoreApplication.translate("LandCoverXaiEngine", str(text))
    if whole != str(text):
        return whole
    head, only, archs = str(text).partition(" Only for ")
    out = QCoreApplication.translate("LandCoverXaiEngine", head)
    if only and archs.endswith(" models."):
        out += " " + QCoreApplication.translate("LandCoverXaiEngine", "Only for {archs} models.").format(
            archs=archs[: -len(" models.")])
    return out


def one_line(message: str) -> str:
    """A message on one line (what the Processing log shows)."""
    return " ".join(part.strip() for part in str(message).strip().splitlines() if part.strip())


def architecture_names() -> list[str]:
    """ARCHITECTURE enum names, in engine.jobs.architecture_choices() order (the train algorithm's indices):
    the architecture, with the attention variant when it is not the first one ('attention_softmax')."""
    from ..engine.jobs import architecture_choices
    from ..engine.models.spec import ATTENTION_VARIANTS

    return [arch if variant == ATTENTION_VARIANTS[0] else f"{arch}_{variant}"
            for arch, variant in architecture_choices()]


class NamedEnum(QgsProcessingParameterEnum):
    """An enum parameter that takes an option's name (``METHOD=gradcam`` on the qgis_process command line, or in
    ``processing.run``) as well as its index, while the dialog shows the translated labels.

    QGIS 3.22's own ``setUsesStaticStrings(True)`` makes the option *labels* the values: the dialog would show
    ``gradcam`` instead of the translated label, and indices (every existing script, model and history entry)
    would be refused (``checkValueIsAcceptable(1)`` is False). So the values stay indices, and a name is accepted
    and turned into its index (``index_of``; ``LcxAlgorithm.parameterAsEnum`` reads both).
    """

    def __init__(self, name: str, description: str, labels, names, defaultValue=0, optional: bool = False):  # noqa: N803 - QGIS keyword
        super().__init__(name, description, options=list(labels), defaultValue=defaultValue, optional=optional)
        self.names = [str(n) for n in names]
        if len(self.names) != len(self.options()):
            raise ValueError(f"{name}: {len(self.names)} names for {len(self.options())} options")
        self.setHelp(tr("By name: {0}; or by index 0..{1}.").format(", ".join(self.names), len(self.names) - 1))

    def index_of(self, value) -> Optional[int]:
        """The option index of ``value``: an index (int or digits), a name (any case) or a label; None if none."""
        if isinstance(value, bool) or value is None:
            return None
        if isinstance(value, (int, float)) and float(value).is_integer():
            index = int(value)
            return index if 0 <= index < len(self.names) else None
        text = str(value).strip()
        if text.lstrip("-").isdigit():
            return self.index_of(int(text))
        folded = text.casefold()
        for index, candidate in enumerate(self.names):
            if candidate.casefold() == folded:
                return index
        for index, label in enumerate(self.options()):
            if label.casefold() == folded:
                return index
        return None

    def checkValueIsAcceptable(self, value, context=None):
        if isinstance(value, str) and self.index_of(value) is not None:
            return True
        return super().checkValueIsAcceptable(value, context)

    def valueAsPythonString(self, value, context):  # QGIS virtual (history, batch, modeller)
        if isinstance(value, str) and not value.strip().lstrip("-").isdigit() and self.index_of(value) is not None:
            return str(self.index_of(value))
        return super().valueAsPythonString(value, context)



def _not_a_file_kind(path: str) -> Optional[str]:
    """What ``path`` is when it exists but is no regular file ("a folder", "a FIFO (named pipe)", "a device",
    "a socket"; a symbolic link is followed), else None. Only stat: a FIFO is never opened."""
    import stat

    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None
    if stat.S_ISDIR(mode):
        return tr("a folder")
    if stat.S_ISFIFO(mode):
        return tr("a FIFO (named pipe)")
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return tr("a device")
    if stat.S_ISSOCK(mode):
        return tr("a socket")
    return None

class LcxAlgorithm(QgsProcessingAlgorithm):
    """Base of the provider's algorithms. Subclasses define ``name``, ``displayName``, ``GROUP``,
    ``initAlgorithm``, ``shortHelpString`` and ``process(parameters, context, feedback) -> dict``."""

    GROUP = "classification"  # groupId: "classification" | "explanation" | "accuracy"

    # tr(): the translation context is the class name, the one pylupdate5 gives to self.tr("...") calls.
    def tr(self, text: str) -> str:
        return QCoreApplication.translate(type(self).__name__, text)

    def createInstance(self):
        return type(self)()

    # Enum parameters by name as well as by index (NamedEnum). ENUM_NAMES: parameter name -> option names, for
    # enums whose labels are not their names; an enum whose labels are plain identifiers is named by them.
    @staticmethod
    def enum_names(parameter: QgsProcessingParameterEnum) -> Optional[list[str]]:
        """The names NamedEnum accepts for an enum parameter's options (None: leave it as it is)."""
        options = list(parameter.options())
        if parameter.name() == "DEVICE" and len(options) == len(DEVICES):
            return list(DEVICES)
        if parameter.name() == "ARCHITECTURE":
            names = architecture_names()
            return names if len(names) == len(options) else None
        if all(o.replace("_", "").replace("-", "").isalnum() and o.isascii() for o in options):
            return options
        return None

    def addParameter(self, parameter, createOutput=True):  # noqa: N803 - QGIS API
        """QgsProcessingAlgorithm.addParameter; a plain single-choice enum becomes a NamedEnum (by name or index)."""
        if (type(parameter) is QgsProcessingParameterEnum and not parameter.allowMultiple()
                and not parameter.usesStaticStrings()):
            names = self.enum_names(parameter)
            if names is not None:
                named = NamedEnum(parameter.name(), parameter.description(), parameter.options(), names,
                                  defaultValue=parameter.defaultValue(),
                                  optional=bool(parameter.flags() & QgsProcessingParameterDefinition.FlagOptional))
                named.setFlags(parameter.flags())
                parameter = named
        return super().addParameter(parameter, createOutput)

    def parameterAsEnum(self, parameters, name, context):
        """The option index of an enum parameter given by index or, for a NamedEnum, by name."""
        definition = self.parameterDefinition(name)
        if isinstance(definition, NamedEnum):
            value = parameters.get(name) if hasattr(parameters, "get") else None
            if isinstance(value, str) and value.strip():
                index = definition.index_of(value)
                if index is not None:
                    return index
        return super().parameterAsEnum(parameters, name, context)

    def groupId(self):
        return self.GROUP

    def group(self):
        return {"classification": tr("Classification"), "explanation": tr("Explanation"),
                "accuracy": tr("Accuracy assessment")}[self.GROUP]

    def icon(self):
        return QIcon(str(ICON))

    def helpUrl(self):
        return HELP_URL

    def processAlgorithm(self, parameters, context, feedback):
        try:
            return self.process(parameters, context, feedback)
        except LcxError as error:
            raise QgsProcessingException(one_line(str(error))) from error
        except QgsProcessingException:
            raise
        except Exception as error:  # a bug, not bad input: one message, the traceback in the log only
            import traceback

            if feedback is not None:
                feedback.pushDebugInfo(traceback.format_exc())
            raise QgsProcessingException(tr("Unexpected error: {0}: {1} (the log holds the details).").format(
                type(error).__name__, one_line(str(error)))) from error

    def process(self, parameters, context, feedback) -> dict:  # pragma: no cover - abstract
        raise NotImplementedError

    # --- parameter blocks of the inference algorithms (one definition each) ------------------------------

    INPUT, MODEL, DEVICE, BATCH_SIZE, TARGET = "INPUT", "MODEL", "DEVICE", "BATCH_SIZE", "TARGET"
    OVERWRITE = "OVERWRITE"

    def add_stack_parameter(self) -> None:
        """INPUT: the Sentinel-2 time series (a raster layer read as a file)."""
        self.addParameter(QgsProcessingParameterRasterLayer(self.INPUT, self.tr("Sentinel-2 time series")))

    def add_model_parameter(self) -> None:
        """MODEL: a .lcx model file."""
        self.addParameter(QgsProcessingParameterFile(
            self.MODEL, self.tr("Model file"), behavior=QgsProcessingParameterFile.File,
            fileFilter=self.tr("Land Cover XAI model (*.lcx)") + ";;" + self.tr("All files (*.*)")))

    def add_device_parameter(self, advanced: bool = False) -> None:
        """DEVICE: engine.runtime.DEVICES (auto, cpu, cuda)."""
        parameter = QgsProcessingParameterEnum(self.DEVICE, self.tr("Device"), options=list(DEVICES), defaultValue=0,
                                               optional=advanced)
        self.add_parameter(parameter, advanced)

    def add_batch_size_parameter(self, default: int = 0, minimum: int = 0, label: Optional[str] = None) -> None:
        """BATCH_SIZE (advanced): pixels per batch; 0 = measured on this machine."""
        self.add_parameter(QgsProcessingParameterNumber(
            self.BATCH_SIZE, label or self.tr("Batch size (pixels; 0 = measured)"),
            QgsProcessingParameterNumber.Integer, defaultValue=default, optional=True, minValue=minimum), advanced=True)

    def add_overwrite_parameter(self) -> None:
        """OVERWRITE: replace output files that exist already (default: refuse, naming them)."""
        self.addParameter(QgsProcessingParameterBoolean(
            self.OVERWRITE, self.tr("Overwrite existing output files"), defaultValue=False, optional=True))

    def overwrite(self, parameters, context) -> bool:
        """The OVERWRITE parameter (False for an algorithm without it, or when not given)."""
        return self.parameterDefinition(self.OVERWRITE) is not None and bool(
            self.parameterAsBoolean(parameters, self.OVERWRITE, context))

    @staticmethod
    def check_not_overwritten(paths, overwrite: bool) -> None:
        """Refuse (LcxError) output files that exist already unless ``overwrite``: before any work."""
        taken = [p for p in paths if p and p != "TEMPORARY_OUTPUT" and os.path.lexists(p)]
        if taken and not overwrite:
            raise LcxError(tr("{0} exists already: choose another file name, or tick 'Overwrite existing output "
                              "files' (OVERWRITE=true).").format(", ".join(taken)))

    def add_target_parameter(self) -> None:
        """TARGET: 'predicted', a class id or a class name (resolved by ModelBundle.resolve_target)."""
        self.addParameter(QgsProcessingParameterString(
            self.TARGET, self.tr("Target class ('predicted', a class id or a class name)"), defaultValue="predicted"))

    def add_method_parameter(self, name: str, explainers) -> None:
        """An enum of registry methods (index -> explainers[index]), labelled by the registry, also taken by the
        explainer's name (METHOD=gradcam)."""
        options = [registry_label(e.label) for e in explainers]
        self.addParameter(NamedEnum(name, self.tr("Method"), options, [e.name for e in explainers], defaultValue=0))

    def add_raster_output(self, name: str, label: str, optional: bool = False) -> None:
        """A GeoTIFF destination; optional ones are not created unless asked for."""
        self.addParameter(QgsProcessingParameterRasterDestination(
            name, label, optional=optional, createByDefault=not optional))

    def add_parameter(self, parameter, advanced: bool = False) -> None:
        """addParameter, flagged advanced when asked."""
        if advanced:
            parameter.setFlags(parameter.flags() | QgsProcessingParameterDefinition.FlagAdvanced)
        self.addParameter(parameter)

    def inference_job(self, parameters, context, outputs=(), target="predicted"):
        """The engine's InferenceJob from the shared parameter blocks (destinations are added by run_job)."""
        from ..engine.jobs import InferenceJob

        return InferenceJob(stack_paths=[raster_file(self, parameters, self.INPUT, context)],
                            model_path=self.parameterAsFile(parameters, self.MODEL, context), outputs=set(outputs),
                            target=target, device=DEVICES[self.parameterAsEnum(parameters, self.DEVICE, context)],
                            batch_size=self.parameterAsInt(parameters, self.BATCH_SIZE, context) or None,
                            overwrite=self.overwrite(parameters, context))

    def common_help(self) -> str:
        """Help items of the shared parameter blocks (one wording for every algorithm)."""
        items = [
            (self.tr("Sentinel-2 time series"),
             self.tr("the raster file, with the bands the model was trained on and dates that cover its season.")),
            (self.tr("Model file"), self.tr("a .lcx file written by 'Train a land cover model'.")),
            (self.tr("Device"), " / ".join(DEVICES) + " " + self.tr("(auto: the GPU when torch sees one).")),
            (self.tr("Batch size"), self.tr("(advanced) pixels per batch; 0 = measured on this machine.")),
        ]
        return "".join(f"<li><b>{name}</b>: {text}</li>" for name, text in items)

    # --- parameter checks shared by several algorithms ---------------------------------------------------

    @staticmethod
    def check_model_path(path: str) -> Optional[str]:
        """None when ``path`` looks like a model file, else the message to show."""
        if not path:
            return tr("Choose a model file (.lcx), for example one written by 'Train a land cover model'.")
        if not path.lower().endswith("." + MODEL_EXTENSION):
            return tr("The model must be a Land Cover XAI model file ending in .lcx; got {0}.").format(path)
        if not os.path.isfile(path):
            kind = _not_a_file_kind(path)
            if kind:
                return tr("The model {0} is {1}, not a regular file: choose a model file (.lcx).").format(path, kind)
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
    """feedback.isCanceled() as the engine's ``is_cancelled`` callable."""
    return lambda: bool(feedback is not None and feedback.isCanceled())


# --- outputs -----------------------------------------------------------------------------------------------

class StyleLoader(QgsProcessingLayerPostProcessorInterface):
    """Applies the .qml style written beside an output to the layer Processing opens on completion."""

    # setPostProcessor() hands the object to QGIS (deleted with the context). Keeping a Python reference as
    # well guards against the known pitfall of a post-processor collected before QGIS calls it.
    _alive: collections.deque = collections.deque(maxlen=256)

    def __init__(self, qml_path: str):
        super().__init__()
        self.qml_path = qml_path

    def postProcessLayer(self, layer, context, feedback):
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

def run_job(feedback, context, job, destinations: dict):
    """Run the engine's ``InferenceJob`` with ``destinations`` (output kind -> path chosen by the user; '' =
    not wanted) and style the layers QGIS opens afterwards. Returns the InferenceResult."""
    from ..engine.jobs import run_inference_job

    job.destinations = {kind: path for kind, path in destinations.items() if path}
    LcxAlgorithm.check_not_overwritten(job.destinations.values(), job.overwrite)  # before the stack is read
    result = run_inference_job(job, progress_adapter(feedback, 0.0, 99.0), cancel_adapter(feedback))
    for path in job.destinations.values():
        StyleLoader.attach(context, path)
    if feedback is not None:
        feedback.setProgress(100)
        feedback.pushInfo(tr("{0} pixels ({1} without enough observations) in {2:.1f} s on {3}, batch {4}").format(
            result.n_pixels, result.n_nodata, result.seconds, result.device, result.batch_size))
    return result
