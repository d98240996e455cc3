"""The product's jobs, as the CLI, the Processing algorithms and the dock all run them.

Each front end fills a job dataclass and calls run_*(); the sequencing (open, check, rasterise,
train, save; for inference: resolve the target, check the outputs, run, place and roll back the files)
lives here once, not three times.
"""
from __future__ import annotations

import contextlib
import functools
import json
import os
import shutil
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Collection, Optional, Sequence

from .errors import Cancelled, LabelsError, LcxError
from .models.spec import ARCHS, ATTENTION_VARIANTS
from .runtime import DEVICES

ProgressFn = Optional[Callable[..., None]]
CancelFn = Optional[Callable[[], bool]]


@dataclass
class TrainJob:
    """One training run: stack, labels (raster or field data), the model file to write and the settings."""

    stack_paths: Sequence[str]
    labels_path: str                      # a label raster on the stack grid, or field data (vector)
    out_model: str
    class_field: Optional[str] = None     # required for field data
    name_field: Optional[str] = None      # optional field with class names beside numeric ids
    layer: Optional[str] = None           # layer name inside a multi-layer vector file
    report_path: Optional[str] = None     # JSON training report
    class_names_path: Optional[str] = None  # CSV "id,name" that names (or renames) the classes
    config: object = None                 # training.TrainConfig (default when None)


@dataclass
class ValidateJob:
    """One accuracy assessment: a class map against field data, with optional CSV / HTML reports."""

    classification_path: str
    field_data_path: str
    class_field: str
    layer: Optional[str] = None
    name_field: Optional[str] = None
    csv_path: Optional[str] = None
    html_path: Optional[str] = None
    overwrite: bool = False               # replace existing report files (else refused before any work)


def clean_up_on_terminate(function):
    """Run ``function`` under ``io.outputs.clean_up_on_terminate``: SIGTERM in a host that leaves it at its
    default (``qgis_process``) removes what the run wrote before the process ends."""
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        from .io.outputs import clean_up_on_terminate as guard

        with guard():
            return function(*args, **kwargs)
    return wrapper


def is_vector(path: str) -> bool:
    """True when GDAL opens the path as vector data (points / polygons), False for a raster."""
    from osgeo import gdal

    if not os.path.exists(path):
        raise LabelsError(f"Labels / field data not found: {path}. Check the path.")
    def opened(flags):  # None when GDAL cannot open it so (whether or not GDAL raises exceptions)
        try:
            return gdal.OpenEx(str(path), flags)
        except RuntimeError:
            return None

    dataset = opened(gdal.OF_VECTOR)
    if dataset is not None and dataset.GetLayerCount() > 0:
        return True
    dataset = opened(gdal.OF_RASTER)
    if dataset is not None:
        return False
    raise LabelsError(
        f"{path} is neither a raster nor a vector file GDAL can read. Give a label raster on the stack's grid, "
        "or field data (GeoPackage, Shapefile, GeoJSON ...) with a class field."
    )


def load_training_labels(job: TrainJob, grid):
    """Label array on the stack grid from a label raster or from field data."""
    from .io.labels import rasterize_field_data, read_label_raster

    if is_vector(job.labels_path):
        if not job.class_field:
            raise LabelsError(
                f"{job.labels_path} is field data: say which field holds the class (--class-field NAME)."
            )
        return rasterize_field_data(job.labels_path, grid, job.class_field, layer=job.layer,
                                    name_field=job.name_field)
    return read_label_raster(job.labels_path, grid)


@clean_up_on_terminate
def run_train_job(job: TrainJob, progress: ProgressFn = None, is_cancelled: CancelFn = None):
    """Open the stack, burn the labels onto its grid, train, save the model (and report). -> ModelBundle

    The destinations are checked first (a folder, a path under a file, a folder that cannot be written): such a
    run could only fail after the training."""
    from .io.stack import open_stack
    from .training.trainer import TrainConfig, train_model

    for path, what in ((job.out_model, "model file"), (job.report_path, "training report")):
        if path:
            check_file_destination(path, what)
    config = job.config or TrainConfig()
    stack = open_stack(list(job.stack_paths))
    try:
        labels = load_training_labels(job, stack.grid)
        class_names = dict(labels.class_names)
        if job.class_names_path:
            class_names.update({cid: name for cid, name in read_class_names(job.class_names_path).items()
                                if cid in class_names or not class_names})
        bundle = train_model(stack, labels.labels, class_names, config,
                             progress=progress, is_cancelled=is_cancelled,
                             groups=labels.polygon_ids)  # field data: whole polygons to one side
    finally:
        stack.close()
    from .accuracy.provenance import labels_fingerprint

    # what the model was trained on: validation warns when its field data are these (issue 11)
    bundle.report["training_data"] = labels_fingerprint(job.labels_path, job.layer, job.class_field,
                                                        labels=labels.labels, grid=stack.grid)
    from .io.outputs import OutputError

    try:
        Path(job.out_model).parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"Cannot create the folder of the model file {job.out_model}: {exc.strerror or exc}. "
                          "Choose a folder you can write to.") from exc
    save_model_with_report(job.out_model, bundle, job.report_path)
    return bundle


def check_file_destination(path: str, what: str = "output file") -> None:
    """``path`` can become a file: not a folder, and its folder is (or can become) a writable folder.
    OutputError naming ``what`` and the fix; nothing is created."""
    from .io.outputs import OutputError, check_output_folder

    absolute = os.path.abspath(path)
    if os.path.isdir(absolute):
        raise OutputError(f"The {what} {path} is a folder: give a file name inside it.")
    try:
        check_output_folder(os.path.dirname(absolute), [])
    except OutputError as error:
        raise OutputError(f"Cannot write the {what} {path}: {error}") from None


def save_model_with_report(model_path: str, bundle, report_path: Optional[str] = None) -> None:
    """The model file and its JSON report written as one unit: the report is staged first (a full disk or a
    bad path fails before the model is touched), then the model is saved atomically and the report moved into
    place; if that fails, the model just written is removed and an earlier model at that path is put back."""
    from .io.outputs import OutputError
    from .models.model_file import save_model

    report_tmp = _stage_json(report_path, bundle.report) if report_path else None
    backup = None
    existed = os.path.lexists(model_path)
    try:
        if existed and os.path.isfile(model_path):
            backup = _hidden_sibling(model_path, "previous")
            try:
                os.link(model_path, backup)  # the earlier model stays in place until the new one replaces it
            except OSError:
                try:
                    shutil.copy2(model_path, backup)
                except OSError as exc:
                    raise OutputError(f"Cannot keep a copy of the earlier model {model_path} while saving the new "
                                      f"one: {exc.strerror or exc}. Check the free space of the folder; nothing "
                                      "was changed.") from exc
        save_model(model_path, bundle)
        if report_tmp:
            try:
                os.replace(report_tmp, report_path)
            except OSError as exc:
                raise OutputError(f"Cannot write the training report {report_path}: {exc.strerror or exc}. The "
                                  "model was not saved either (an earlier model file is kept). Choose another "
                                  "report path.") from exc
    except BaseException:
        if backup and os.path.exists(backup):
            with contextlib.suppress(OSError):
                os.replace(backup, model_path)
        elif not existed and os.path.lexists(model_path):
            with contextlib.suppress(OSError):
                os.remove(model_path)
        raise
    finally:
        for leftover in (backup, report_tmp):
            if leftover and os.path.lexists(leftover):
                with contextlib.suppress(OSError):
                    os.remove(leftover)


def _hidden_sibling(path: str, role: str) -> str:
    """A hidden file name beside ``path`` for this process (``.lcx-<pid>-...tmp``: the next model save in that
    folder removes it if this process dies before it does)."""
    folder, name = os.path.split(os.path.abspath(path))
    return os.path.join(folder, f".lcx-{os.getpid()}-{uuid.uuid4().hex[:8]}-{role}-{name}.tmp")


def _stage_json(path: str, payload: dict) -> str:
    """``payload`` written as plain JSON into a hidden file beside ``path``; returns that file (OutputError,
    nothing left, when it cannot be written)."""
    from .io.outputs import OutputError
    from .models.model_file import _json_safe

    tmp = None  # (a report path that is a folder fails at the final rename, and the model is rolled back)
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        tmp = _hidden_sibling(path, "report")
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(json.dumps(_json_safe(payload), indent=2, default=_json_default, allow_nan=False))
    except OSError as exc:
        if tmp and os.path.lexists(tmp):
            os.remove(tmp)
        raise OutputError(f"Cannot write {path}: {exc.strerror or exc}. Check the folder, its free space and "
                          "permissions; nothing was written.") from exc
    return tmp


def read_class_names(path: str) -> dict[int, str]:
    """Class names from a CSV whose first two columns are id and name (a header row is allowed)."""
    import csv

    names: dict[int, str] = {}
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            for row in csv.reader(handle):
                if len(row) >= 2 and row[0].strip().lstrip("-").isdigit() and row[1].strip():
                    names[int(row[0])] = row[1].strip()
    except OSError as exc:
        raise LabelsError(f"Cannot read the class-name file {path}: {exc.strerror}. Check the path.") from exc
    if not names:
        raise LabelsError(f"{path} holds no 'id,name' rows. Write one class per line, e.g. '2,forest'.")
    return names


@clean_up_on_terminate
def run_validate_job(job: ValidateJob):
    """Compare a class map with field data; write CSV / HTML when asked, both or neither (an existing report
    is refused before any work unless ``job.overwrite``). -> AccuracyReport"""
    from .accuracy.validation import check_report_path, report_csv_text, report_html_text, validate_map
    from .accuracy.validation import write_text_files

    targets = [p for p in (job.csv_path, job.html_path) if p]
    if len(targets) == 2 and os.path.abspath(targets[0]) == os.path.abspath(targets[1]):
        raise LcxError(f"The CSV and the HTML report point to the same file ({targets[0]}): give each its own "
                       "file.")
    for path in targets:
        check_report_path(path, overwrite=job.overwrite)
    report = validate_map(job.classification_path, job.field_data_path, job.class_field,
                          layer=job.layer, name_field=job.name_field)
    contents = {}
    if job.csv_path:
        contents[job.csv_path] = report_csv_text(report)
    if job.html_path:
        contents[job.html_path] = report_html_text(report)
    if contents:
        write_text_files(contents, overwrite=job.overwrite)
    return report


def describe_path(path: str) -> dict:
    """What `info` prints: a model file's contents, or a stack's dates / bands / grid."""
    from .models.model_file import is_model_file, load_model
    from .io.stack import open_stack

    if str(path).endswith(".lcx") or is_model_file(path):  # a model saved under another name is still one
        return {"model": str(path), **load_model(path).describe()}
    stack = open_stack([path])
    try:
        return {"stack": str(path), **stack.describe()}
    finally:
        stack.close()


def write_json_atomic(path: str, payload: dict) -> None:
    """``payload`` as plain JSON (NaN / inf as null) into ``path`` through a temporary file; on failure (a full
    disk, a path under a file) nothing is left behind and an OutputError says what to do."""
    from .io.outputs import OutputError
    from .models.model_file import _json_safe

    path = Path(path)
    tmp = path.with_name(path.name + ".partial")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps(_json_safe(payload), indent=2, default=_json_default, allow_nan=False),
                       encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        if tmp.is_file():
            tmp.unlink()
        raise OutputError(f"Cannot write {path}: {exc.strerror or exc}. Check the folder, its free space and "
                          "permissions.") from exc


def _json_default(value):
    import numpy as np

    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


# --- inference ------------------------------------------------------------------------------------------

@dataclass
class InferenceJob:
    """One classification / explanation run, as the CLI, Processing and the dock fill it.

    Inputs: ``stack_paths`` (one multi-band raster or single-date rasters; ``layout``: an
    ``io.stack.StackLayout`` correcting the detected dates / bands) or an open ``stack``; ``model_path`` or a
    loaded ``bundle``. ``outputs``: names of the optional outputs (``explain.registry.names()``; the class
    map and confidence are always written). ``target``: 'predicted', a class id or a class name.

    Where the files go: into ``out_dir`` under fixed names (prediction.tif, confidence.tif, gradcam_3.tif ...;
    a folder this run creates is removed again on failure / cancel), or, when ``destinations`` is given
    (output kind -> file path, e.g. {"prediction": "/data/map.tif"}), staged beside the first destination
    and only those files moved into place with their styles (the others are dropped)."""

    stack_paths: Sequence[str] = ()
    model_path: Optional[str] = None
    out_dir: Optional[str] = None
    outputs: Collection[str] = ()
    target: object = "predicted"
    device: str = "auto"
    batch_size: Optional[int] = None
    destinations: dict = field(default_factory=dict)
    layout: object = None
    stack: object = None
    bundle: object = None
    region: Optional[tuple] = None
    window_size: Optional[int] = None
    threads: Optional[int] = None
    shap_samples: int = 8
    ig_steps: int = 32
    validity: object = None  # data.validity.ValidityConfig; None: the settings the model was trained with
    overwrite: bool = False  # replace results already in out_dir (else refused)


def load_job_model(job: InferenceJob):
    """The job's ModelBundle: the one given, or the model file loaded (ModelFileError when unusable)."""
    if job.bundle is not None:
        return job.bundle
    if not job.model_path:
        raise LcxError("No model given: choose a model file (.lcx).")
    from .models.model_file import load_model

    return load_model(job.model_path)


@clean_up_on_terminate
def run_inference_job(job: InferenceJob, progress: ProgressFn = None, is_cancelled: CancelFn = None):
    """Check, run and place one inference job. -> ``inference.streaming.InferenceResult`` whose
    ``outputs`` (typed descriptors) point at the files where they now are.

    Cheap checks first (model, target, outputs, destinations), then the stack is opened and streamed.
    Nothing of this run is left behind when it fails or is cancelled (``Cancelled`` is raised, also when
    the cancel arrives just after the last batch)."""
    from .inference.streaming import InferenceRequest, plan_outputs, run_inference

    bundle = load_job_model(job)
    target_id, _ = bundle.resolve_target(job.target)  # the one resolution of the run
    planned = plan_outputs(bundle, set(job.outputs or ()), target_id)  # unknown / unsupported outputs refused
    wanted = {kind: str(path) for kind, path in (job.destinations or {}).items() if path}
    known = {d.kind for _, decls in planned.methods for d in decls}
    missing = sorted(set(wanted) - known)
    if missing:
        raise LcxError(f"No output {', '.join(missing)} in this run: it writes {', '.join(sorted(known))}. "
                       "Ask for the method that writes it.")
    if not wanted and not job.out_dir:
        raise LcxError("No output folder given: choose where the maps are written.")

    stack = job.stack
    if stack is None:
        if not job.stack_paths:
            raise LcxError("No stack given: choose the Sentinel-2 time-series raster(s).")
        from .io.stack import open_stack

        stack = open_stack(list(job.stack_paths), layout=job.layout)
    try:
        placement = (StagedFiles(list(wanted.values()), overwrite=job.overwrite) if wanted
                     else CreatedFolder(job.out_dir))
        with placement:
            request = InferenceRequest(
                stack=stack, bundle=bundle, out_dir=placement.dir, methods=set(job.outputs or ()),
                target=target_id if target_id is not None else "predicted", device=job.device,
                batch_size=job.batch_size or None, region=job.region, window_size=job.window_size,
                threads=job.threads, shap_samples=job.shap_samples, ig_steps=job.ig_steps, validity=job.validity,
                overwrite=job.overwrite)
            result = run_inference(request, progress, is_cancelled)
            if is_cancelled is not None and is_cancelled():  # cancelled after the last batch: drop the maps
                remove_outputs(result.outputs)
                raise Cancelled("Inference cancelled; no output was kept. Run it again to produce the maps.")
            if wanted:
                by_kind = {d.kind: d for d in result.outputs}
                moved = placement.commit({by_kind[kind].path: dest for kind, dest in wanted.items()})
                result.outputs = [d.moved_to(moved[d.path]) for d in result.outputs if d.path in moved]
            placement.keep()
        return result
    finally:
        if job.stack is None:
            stack.close()


def describe_folder(bundle, outputs: Collection[str], target, out_dir: str) -> list:
    """The OutputDescriptors of a folder a run with ``outputs`` and ``target`` wrote (e.g. by the CLI), for
    loading it later; only the files such a run declares are described, the existing ones."""
    from .inference.streaming import plan_outputs

    target_id, _ = bundle.resolve_target(target)
    planned = plan_outputs(bundle, set(outputs or ()), target_id)
    paths = {spec.name: os.path.join(str(out_dir), spec.name + ".tif") for spec in planned.specs}
    return [d for d in planned.describe(paths) if os.path.exists(d.path)]


def remove_outputs(outputs) -> None:
    """Delete the files of ``outputs`` (OutputDescriptors) and their .aux.xml / .qml companions."""
    for descriptor in outputs:
        for path in (descriptor.path, *companion_paths(descriptor.path).values()):
            if os.path.exists(path):
                os.remove(path)


class CreatedFolder:
    """The output folder of a run: created when missing (and its missing parents), removed again unless
    ``keep()`` is called before the block ends (failure, cancel) — but only while empty: the run's own files
    are removed by its OutputSet, and whatever another run put there meanwhile (its lock, its staging) stays."""

    def __init__(self, out_dir: str):
        self.dir = os.path.abspath(str(out_dir))
        self._created: Optional[str] = None
        if not os.path.isdir(self.dir):
            top = self.dir  # the highest folder this run creates
            while not os.path.exists(os.path.dirname(top)) and os.path.dirname(top) != top:
                top = os.path.dirname(top)
            try:
                os.makedirs(self.dir, exist_ok=True)
            except OSError as error:
                raise LcxError(f"Cannot create the output folder {self.dir} ({error.strerror or error}). "
                               "Choose a folder you can write to.") from error
            self._created = top
        self._kept = False

    def keep(self) -> None:
        """The run succeeded: keep the folder and its files."""
        self._kept = True

    def __enter__(self) -> "CreatedFolder":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if self._kept or not self._created:
            return
        folder = self.dir
        while True:  # from the output folder up to the highest one this run created, each only if empty
            try:
                os.rmdir(folder)
            except OSError:
                return
            if folder == self._created or os.path.dirname(folder) == folder:
                return
            folder = os.path.dirname(folder)


def companion_paths(path: str) -> dict[str, str]:
    """The files that travel with a raster: its .aux.xml and its .qml style (QGIS's default-style name)."""
    stem, _ = os.path.splitext(path)
    return {"aux": path + ".aux.xml", "qml": stem + ".qml"}


class StagedFiles:
    """A hidden temporary folder beside the first destination to write into; ``commit`` moves the chosen
    files into place (a raster with its .aux.xml and .qml, renamed after its destination); leaving the block
    removes the folder and whatever was not moved. If moving fails half-way, the files already moved are
    removed again, so a failed run leaves no output behind."""

    RASTER_EXTENSIONS = (".tif", ".tiff")

    def __init__(self, destinations: list[str], overwrite: bool = False):
        wanted = [d for d in destinations if d]
        self.overwrite = overwrite  # else a destination that exists (or appears during the run) is refused
        base = os.path.dirname(os.path.abspath(wanted[0])) if wanted else tempfile.gettempdir()
        from .io.outputs import check_output_folder, new_staging_dir, remove_stale_staging

        self._created: list[str] = []  # folders this run made (removed again, when empty, if nothing was kept)
        self._committed = False
        for destination in wanted:  # a destination under a file / in a folder that cannot be written: say so
            check_output_folder(os.path.dirname(os.path.abspath(destination)), [])
        try:
            self._created = _make_folders(base)
            remove_stale_staging(base)  # left by a run that was killed (qgis_process, SIGKILL)
            self.dir = new_staging_dir(base)
        except OSError as error:
            self._remove_created()
            raise LcxError(f"Cannot write in the output folder {base} ({error.strerror or error}). Choose a "
                           "folder you can write to.") from error

    def keep(self) -> None:
        """Nothing to keep in the staging folder itself: what was committed is in place already."""

    def __enter__(self) -> "StagedFiles":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.cleanup()

    def cleanup(self) -> None:
        """Remove the staging folder and whatever was not moved out of it (and, when nothing was committed, the
        empty folders this run created for its destinations)."""
        shutil.rmtree(self.dir, ignore_errors=True)
        if not self._committed:
            self._remove_created()

    def _remove_created(self) -> None:
        for folder in reversed(self._created):
            with contextlib.suppress(OSError):
                os.rmdir(folder)  # only when empty: never what someone else put there meanwhile
        self._created = []

    def commit(self, moves: dict[str, str]) -> dict[str, str]:
        """``moves``: staged file -> destination. Returns staged -> absolute destination of what moved."""
        done: list[str] = []
        try:
            for staged, destination in moves.items():
                if not destination:
                    continue
                destination = os.path.abspath(destination)
                if not self.overwrite and os.path.lexists(destination):
                    raise LcxError(f"{destination} exists already (it appeared during the run): nothing was "
                                   "overwritten. Choose another file name, or allow overwriting.")
                self._created += _make_folders(os.path.dirname(destination))
                pairs = [(staged, destination)]
                if staged.lower().endswith(self.RASTER_EXTENSIONS):
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
                raise LcxError(f"Cannot write {error.filename or 'the output'} ({error.strerror or error}). If "
                               "the file is open in QGIS or another program, remove it there or choose another "
                               "file name.") from error
            raise
        self._committed = True
        return {s: os.path.abspath(d) for s, d in moves.items() if d}


def _make_folders(folder: str) -> list[str]:
    """``os.makedirs(folder)``; returns the folders it created, outermost first."""
    missing, current = [], os.path.abspath(folder)
    while not os.path.exists(current) and os.path.dirname(current) != current:
        missing.append(current)
        current = os.path.dirname(current)
    created = []
    for path in reversed(missing):
        try:
            os.mkdir(path)
        except FileExistsError:
            continue  # made meanwhile by someone else: not ours to remove
        created.append(path)
    return created


# --- choices every front end offers ---------------------------------------------------------------------

def architecture_choices() -> list[tuple[str, str]]:
    """(arch, attention variant) pairs a model can be trained with: each attention variant, then the others."""
    return [(arch, variant) for arch in ARCHS
            for variant in (ATTENTION_VARIANTS if arch == "attention" else (ATTENTION_VARIANTS[0],))]


__all__ = ["TrainJob", "ValidateJob", "InferenceJob", "check_file_destination", "save_model_with_report",
           "run_train_job", "run_validate_job", "run_inference_job",
           "load_job_model", "describe_folder", "describe_path", "is_vector", "read_class_names", "write_json_atomic",
           "CreatedFolder", "StagedFiles", "companion_paths", "remove_outputs", "architecture_choices", "DEVICES"]
