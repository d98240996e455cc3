"""Model files (.lcx): a zip of ``model.json`` and one ``.npy`` per weight tensor. Never a pickle.

``model.json`` holds the format name and version, the ModelSpec, the bands and dates the model was
trained on, the classes (id, name, colour), the reflectance scaling of the training stack, the
training report and the index of the weight arrays (name -> member, shape, dtype). Loading refuses
anything else with a ModelFileError that says what is wrong and what to do.
"""
from __future__ import annotations

import contextlib
import datetime as _dt
import io
import json
import math
import os
import re
import stat
import tempfile
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Optional

import numpy as np

from ..data.calendar import TemporalGrid, coverage_problem, grid_from_dates
from ..data.validity import ValidityConfig
from ..errors import LcxError, ModelFileError, StackMismatchError
from .spec import ModelSpec

if TYPE_CHECKING:  # the type only: io sits below models
    from ..io.stack import StackInfo

FORMAT_NAME = "land-cover-xai-model"
FORMAT_VERSION = 1
MODEL_JSON = "model.json"
ARRAY_DIR = "weights/"
FILE_EXTENSION = ".lcx"
# Caps checked before anything is decompressed (zip bombs, absurd claims).
MAX_TOTAL_UNCOMPRESSED_BYTES = 2 * 1024**3
MAX_JSON_BYTES = 16 * 1024**2
MAX_MEMBERS = 10_000
MAX_FILE_BYTES = 2 * 1024**3  # checked on the open file before a byte is read
MAX_JSON_DEPTH = 32  # a model description nests ~6 levels; a deeper one is hostile
MAX_BANDS = 1000  # hyperspectral stacks have a few hundred bands
MAX_DATES = 1000  # a daily series over almost three years
MAX_CLASS_ID = 65534  # the largest id a uint16 class map holds beside its no-data value
_NPY_HEADER_MAX = 4096  # bytes of a .npy header beyond its payload
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
ALLOWED_DTYPES = ("float32", "float64", "float16", "int64", "int32")
_HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")

# Colours by class-name keyword (English and French), checked in order; first match wins.
_KEYWORD_COLOURS: list[tuple[tuple[str, ...], str]] = [
    (("water", "eau", "river", "lake", "sea", "rivière", "lac", "mer"), "#1f78b4"),
    (("wetland", "marsh", "humide", "marais"), "#6baed6"),
    (("forest", "forêt", "foret", "wood", "bois", "tree"), "#1b7837"),
    (("shrub", "schrub", "arbust", "maquis", "lande", "scrub"), "#808000"),
    (("grass", "prairie", "pasture", "meadow", "herb", "pâturage"), "#a6d96a"),
    (("cultivat", "crop", "cultur", "arable", "agri", "field", "champ", "cereal", "céréale"), "#ffd92f"),
    (("artificial", "urban", "built", "artificiel", "urbain", "bâti", "road", "route", "building"), "#e31a1c"),
    (("bare", "rock", "sol nu", "roche", "sand", "sable", "soil"), "#bf8f5f"),
    (("snow", "ice", "neige", "glace"), "#f0f0f0"),
    (("cloud", "nuage"), "#bdbdbd"),
]
# Qualitative fallback (ColorBrewer Set1 / Dark2 mix), readable on light and dark backgrounds.
_QUALITATIVE = [
    "#e41a1c", "#377eb8", "#4daf4a", "#984ea3", "#ff7f00", "#a65628", "#f781bf", "#999999",
    "#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666",
]


def default_class_color(name: str, index: int = 0) -> str:
    """A readable colour for a class: by name keyword (forest green, water blue...), else a palette."""
    lowered = (name or "").lower()
    for keywords, colour in _KEYWORD_COLOURS:
        if any(k in lowered for k in keywords):
            return colour
    return _QUALITATIVE[index % len(_QUALITATIVE)]


@dataclass
class ClassInfo:
    """One land-cover class of a model: id, name (as the training data named it) and display colour;
    ``display_name``: the user's name for it ('' = none), kept beside the original in the model file."""

    id: int
    name: str
    color: str  # "#rrggbb"
    display_name: str = ""

    def to_dict(self) -> dict[str, Any]:
        """This class as plain JSON types (``display_name`` only when the user gave one: older readers ignore it)."""
        out = {"id": int(self.id), "name": str(self.name), "color": str(self.color)}
        if self.display_name:
            out["display_name"] = str(self.display_name)
        return out


def classes_from_names(class_names: dict[int, str]) -> list[ClassInfo]:
    """ClassInfo list in id order, colours from the default palette."""
    return [
        ClassInfo(int(cid), str(name), default_class_color(str(name), i))
        for i, (cid, name) in enumerate(sorted(class_names.items()))
    ]


@dataclass
class ModelBundle:
    """A trained model with everything needed to run it on a stack and read its output."""

    spec: ModelSpec
    bands: list[str]
    dates: list[str]  # ISO dates of the training stack, chronological
    classes: list[ClassInfo]  # in output order: logit i is classes[i]
    scaling: dict[str, float] = field(default_factory=lambda: {"scale": 1.0, "offset": 0.0})
    report: dict[str, Any] = field(default_factory=dict)
    state_dict: dict[str, np.ndarray] = field(default_factory=dict)
    format_version: int = FORMAT_VERSION
    # The days the model reads (data.calendar); None: a model saved before temporal grids, which reads a stack
    # of its number of dates date by date and other stacks resampled onto its own dates.
    temporal_grid: Optional[TemporalGrid] = None
    # Which observations count as missing (the cloud-fraction threshold and mask rule it was trained with).
    validity: ValidityConfig = field(default_factory=ValidityConfig)
    # benchmarks/xai.py's verdict per explanation method ({"source", "methods": {name: {"verdict", "summary"}}})
    explanation_quality: dict[str, Any] = field(default_factory=dict)

    @property
    def grid(self) -> TemporalGrid:
        """The model's temporal grid: the stored one, or its own training dates for an older model."""
        return self.temporal_grid if self.temporal_grid is not None else grid_from_dates(self.dates)

    @property
    def reads_dates_by_position(self) -> bool:
        """True for a model saved before temporal grids: a stack of its number of dates is read as it is."""
        return self.temporal_grid is None

    @property
    def class_ids(self) -> list[int]:
        """Class ids in the model's output order."""
        return [c.id for c in self.classes]

    @property
    def class_names(self) -> dict[int, str]:
        """Class id -> name."""
        return {c.id: c.name for c in self.classes}

    @property
    def day_of_year(self) -> list[int]:
        """Day of year of each of the model's dates."""
        return [_dt.date.fromisoformat(d).timetuple().tm_yday for d in self.dates]

    def resolve_target(self, target) -> tuple[Optional[int], Optional[int]]:
        """The explanation target as (class id, output index); (None, None) for each pixel's predicted class.

        ``target``: None, '' or 'predicted'; a class id (int or digits); or a class name (case-insensitive).
        The one target resolution of the CLI, Processing, the dock and the pixel view."""
        if target is None or str(target).strip().lower() in ("", "predicted"):
            return None, None
        ids = self.class_ids
        text = str(target).strip()
        by_name = {str(c.name).strip().lower(): int(c.id) for c in self.classes}
        class_id = int(text) if text.lstrip("-").isdigit() else by_name.get(text.lower())
        if class_id not in ids:
            choices = ", ".join(f"{c.id} ({c.name})" for c in self.classes)
            raise LcxError(f"Target class {target!r} is not a class of this model: choose 'predicted' or one of "
                           f"{choices}.")
        return class_id, ids.index(class_id)

    def build(self, device: str = "cpu"):
        """The torch module in eval mode with these weights, on ``device``."""
        from . import build_model
        from ..runtime import import_torch

        torch = import_torch()
        model = build_model(self.spec)
        tensors = {name: torch.from_numpy(np.array(arr, copy=True)) for name, arr in self.state_dict.items()}
        try:
            model.load_state_dict(tensors, strict=True)
        except RuntimeError as exc:
            raise ModelFileError(
                f"The model's weights do not match its architecture ({str(exc).splitlines()[0]}). The file is "
                "damaged or was edited: retrain the model or use the original file."
            ) from exc
        return model.to(device).eval()

    # --- fitting a stack --------------------------------------------------------------------
    def band_order_for(self, stack) -> list[int]:
        """Index in ``stack.bands`` of each model band, in model order (stacks may order bands differently)."""
        self.check_fits(stack)
        position = {name: i for i, name in enumerate(stack.bands)}
        return [position[name] for name in self.bands]

    def check_fits(self, stack) -> None:
        """Raise StackMismatchError when ``stack`` (an open stack or its StackInfo) does not fit the model:
        ``require_compatible``, the check inference, the pixel view and the dock share."""
        require_compatible(self, stack)

    def describe(self) -> dict[str, Any]:
        """A JSON-safe summary of the model file (architecture, data, training report) for display."""
        report = self.report or {}
        n_params = int(sum(int(np.prod(a.shape)) for a in self.state_dict.values()))
        return _json_safe({  # plain JSON: a NaN metric prints as null, never as NaN
            "format": FORMAT_NAME,
            "format_version": self.format_version,
            "arch": self.spec.arch,
            "attention": self.spec.attention if self.spec.has_band_attention else None,
            "n_members": self.spec.n_members,
            "patch_size": self.spec.patch_size,
            "n_bands": self.spec.n_bands,
            "n_dates": self.spec.n_dates,
            "bands": list(self.bands),
            "dates": list(self.dates),
            "temporal_grid": {**self.grid.to_dict(), "by_position": self.reads_dates_by_position},
            "validity": self.validity.to_dict(),
            "band_groups": self.spec.band_groups,
            "classes": [c.to_dict() for c in self.classes],
            "scaling": dict(self.scaling),
            "n_weights": n_params,
            "test_metrics": report.get("test"),
            "best_epoch": report.get("best_epoch"),
            "explanation_quality": self.explanation_quality or None,
        })


def _stack_facts(stack):
    """A StackInfo from an open stack (its ``info()``); a StackInfo (or anything with ``bands`` and
    ``n_dates`` / ``dates``) as it is."""
    info = getattr(stack, "info", None)
    return info() if callable(info) else stack


def check_compatible(bundle: ModelBundle, info: StackInfo) -> list[str]:
    """What keeps the stack described by ``info`` from running through ``bundle``, one problem per entry
    (empty when it fits): bands the model needs and the stack lacks, a part of the model's season no
    acquisition covers (``data.calendar``). Extra stack bands are fine (the model's bands are picked by name),
    and so are other dates within the season (resampled onto the model's days). ``info``: a StackInfo
    (``read_stack_info``, cheap) or an open stack."""
    info = _stack_facts(info)
    stack_bands = list(info.bands)
    missing = [b for b in bundle.bands if b not in stack_bands]
    extra = [b for b in stack_bands if b not in bundle.bands]
    n_dates = int(getattr(info, "n_dates", None) or len(info.dates))
    problems = []
    if missing:
        problems.append(
            f"the stack lacks band(s) {', '.join(missing)} (model bands: {', '.join(bundle.bands)}; "
            f"stack bands: {', '.join(stack_bands)}"
            + (f"; extra stack bands {', '.join(extra)} are ignored)" if extra else ")")
        )
    dates = list(getattr(info, "dates", None) or [])
    by_position_only = bundle.grid.n_dates != bundle.spec.n_dates  # an older model trained on repeated dates
    if (not dates or by_position_only) and n_dates != bundle.spec.n_dates:  # only the count can be checked
        problems.append(
            f"the model needs {bundle.spec.n_dates} dates ({', '.join(bundle.dates)}) but the stack has {n_dates}"
        )
    elif dates and not by_position_only:  # dates covering the model's season: resampled onto its grid (data.calendar)
        problem = coverage_problem(bundle.grid, dates, bundle.reads_dates_by_position, bundle.spec.n_dates)
        if problem:
            problems.append(problem)
    return problems


def require_compatible(bundle: ModelBundle, info: StackInfo) -> None:
    """Raise StackMismatchError naming what differs (``check_compatible``) and what to do; None when it fits."""
    problems = check_compatible(bundle, info)
    if problems:
        raise StackMismatchError(
            "This stack does not fit the model: " + "; ".join(problems) + ". Build a stack with the model's "
            "bands whose dates cover the model's season (any year), or train a model on this stack."
        )


def scaling_to_dict(scaling) -> dict[str, float]:
    """Accept a stack ``Scaling`` (scale, offset), a dict or None."""
    if scaling is None:
        return {"scale": 1.0, "offset": 0.0}
    if isinstance(scaling, dict):
        return {"scale": float(scaling.get("scale", 1.0)), "offset": float(scaling.get("offset", 0.0))}
    return {"scale": float(scaling.scale), "offset": float(scaling.offset)}


# --- saving ---------------------------------------------------------------------------------
def _json_safe(value):
    """Numpy scalars / arrays and tuples to plain JSON types (reports carry numpy values)."""
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, np.ndarray):
        return _json_safe(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    return value


def save_model(path: str, bundle: ModelBundle) -> None:
    """Write ``bundle`` to ``path`` atomically (temporary file in the same folder, then rename)."""
    arrays_index = {}
    members = {}
    for i, (name, array) in enumerate(bundle.state_dict.items()):
        array = np.asarray(array, order="C")  # (ascontiguousarray would turn 0-d into 1-d)
        if array.dtype.name not in ALLOWED_DTYPES:
            raise ModelFileError(f"weight '{name}' has dtype {array.dtype}, which model files cannot hold.")
        member = f"{ARRAY_DIR}{i:04d}.npy"
        buffer = io.BytesIO()
        np.save(buffer, array, allow_pickle=False)
        members[member] = buffer.getvalue()
        arrays_index[name] = {"file": member, "shape": list(array.shape), "dtype": array.dtype.name}
    document = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "spec": bundle.spec.to_dict(),
        "bands": list(bundle.bands),
        "dates": list(bundle.dates),
        "day_of_year": bundle.day_of_year,
        **({} if bundle.temporal_grid is None else {"temporal_grid": bundle.temporal_grid.to_dict()}),
        "validity": bundle.validity.model_settings().to_dict(),
        "classes": [c.to_dict() for c in bundle.classes],
        "scaling": scaling_to_dict(bundle.scaling),
        "report": _json_safe(bundle.report),
        **({"explanation_quality": _json_safe(bundle.explanation_quality)} if bundle.explanation_quality else {}),
        "arrays": arrays_index,
        "saved": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise ModelFileError(f"Cannot save the model to {path}: it is a folder. Give a file name ending in "
                             f"{FILE_EXTENSION}.")
    if not os.path.isdir(folder):
        raise ModelFileError(f"Cannot save the model to {path}: the folder {folder} does not exist. Create it or "
                             "choose another path.")
    _remove_stale_temporaries(folder)
    try:  # the pid in the name lets a later save recognise the leftover of a killed process
        fd, tmp = tempfile.mkstemp(prefix=f"{_TMP_PREFIX}{os.getpid()}-", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise ModelFileError(f"Cannot save the model into {folder}: {exc.strerror or exc}. Choose a folder you can "
                             "write to.") from exc
    try:
        with os.fdopen(fd, "wb") as fh, zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(MODEL_JSON, json.dumps(document, indent=1, allow_nan=False))
            for member, data in members.items():
                zf.writestr(member, data)
        # mkstemp creates 0600; a model file is meant to be shared like any other output.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException as exc:
        if os.path.exists(tmp):
            os.remove(tmp)
        if isinstance(exc, OSError):
            raise ModelFileError(f"Cannot save the model to {path}: {exc.strerror or exc}. Check the free space "
                                 "and permissions of the folder; nothing was written.") from exc
        raise


_TMP_PREFIX = ".lcx-"
_TMP_NAME = re.compile(r"\.lcx-(\d+)-.*\.tmp")


def _remove_stale_temporaries(folder: str) -> None:
    """Half-written model files of processes that died (killed during a save) are removed by the next save."""
    from ..io.outputs import pid_alive

    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        match = _TMP_NAME.fullmatch(name)
        if match and int(match.group(1)) != os.getpid() and not pid_alive(int(match.group(1))):
            with contextlib.suppress(OSError):
                os.remove(os.path.join(folder, name))


# --- loading --------------------------------------------------------------------------------
def _refuse(path: str, what: str, todo: str = "use the original file, or retrain the model") -> ModelFileError:
    return ModelFileError(f"Cannot load model file '{os.path.basename(path)}': {what}. Please {todo}.")


_TORCH_HINT = (
    "export it with the plugin's own trainer (Land Cover XAI > Train) or convert its state_dict with "
    "land_cover_xai_plugin.engine.models.model_file.save_model"
)
_CHOOSE_LCX = "choose a .lcx file written by this plugin"


def _looks_like_torch_zip(names: list[str]) -> bool:
    return any(n.endswith("data.pkl") or n.endswith("/version") or "/data/" in n for n in names)


def _open_regular_file(path: str):
    """Open ``path`` for reading only if it is a regular file of bounded size.

    Opened non-blocking and checked on the open descriptor (no race between the check and the read): a FIFO
    would otherwise block forever, a symlink to /dev/zero read until memory runs out."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except IsADirectoryError as exc:
        raise _refuse(path, "it is a folder, not a model file", _CHOOSE_LCX) from exc
    except OSError as exc:
        raise _refuse(path, f"it cannot be opened ({exc.strerror or exc})", "check the path") from exc
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise _refuse(path, "it is a folder, not a model file", _CHOOSE_LCX)
        if not stat.S_ISREG(info.st_mode):
            kind = "a named pipe (FIFO)" if stat.S_ISFIFO(info.st_mode) else "a device or special file"
            raise _refuse(path, f"it is {kind}, not a regular file", _CHOOSE_LCX)
        if info.st_size > MAX_FILE_BYTES:
            raise _refuse(path, f"it is {info.st_size / 1024**3:.1f} GiB, far larger than a model file (limit "
                          f"{MAX_FILE_BYTES / 1024**3:.1f} GiB)", _CHOOSE_LCX)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _json_depth(text: str) -> int:
    """Deepest nesting of arrays / objects in a JSON text (brackets inside strings not counted)."""
    stripped = _JSON_STRING.sub('""', text).encode("utf-8", "replace")
    codes = np.frombuffer(stripped, dtype=np.uint8)
    steps = np.isin(codes, (91, 123)).astype(np.int32) - np.isin(codes, (93, 125)).astype(np.int32)
    return int(np.cumsum(steps).max(initial=0))


class _MemberReader:
    """Reads archive members, each at most once, within one budget of decompressed bytes for the file."""

    def __init__(self, zf: zipfile.ZipFile, path: str):
        self.zf, self.path = zf, path
        self.budget = MAX_TOTAL_UNCOMPRESSED_BYTES
        self.seen: set[str] = set()

    def read(self, info: zipfile.ZipInfo) -> bytes:
        if info.filename in self.seen:
            raise _refuse(self.path, f"member '{info.filename}' is referenced twice (tampered archive)")
        self.seen.add(info.filename)
        if info.file_size > self.budget:
            raise _refuse(self.path, "its members decompress to more than "
                          f"{MAX_TOTAL_UNCOMPRESSED_BYTES / 1024**3:.1f} GiB: refused as a possible zip bomb")
        data = _read_member(self.zf, info, self.path)
        self.budget -= len(data)
        return data


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, path: str) -> bytes:
    """Read at most the declared size (+1 byte to catch a lying header)."""
    if info.flag_bits & 0x1:
        raise _refuse(path, f"member '{info.filename}' is encrypted (password-protected); model files never are")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise _refuse(path, f"member '{info.filename}' uses compression method {info.compress_type}; model files "
                      "are stored or deflated")
    try:
        with zf.open(info) as fh:
            data = fh.read(info.file_size + 1)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, RuntimeError,
            zlib.error) as exc:
        raise _refuse(path, f"member '{info.filename}' is damaged ({exc})") from exc
    if len(data) != info.file_size:
        raise _refuse(path, f"member '{info.filename}' does not have its declared size (tampered archive)")
    return data


def load_model(path: str) -> ModelBundle:
    """Read a .lcx file; refuse (ModelFileError) anything that is not a sound file of a known version.

    Cheap checks come first: a regular file of bounded size, a zip whose member count and declared sizes are
    bounded, a small JSON of bounded depth; every weight's index entry is checked against the architecture
    before any weight is decompressed, each member is decompressed at most once, and the weights must be
    finite and consistent with the spec (see ``_check_plausible``)."""
    with _open_regular_file(path) as fh:
        head = fh.read(4)
        if head[:1] == b"\x80":  # pickle protocol 2+ opcode: a legacy torch.save file
            raise _refuse(path, "this looks like a PyTorch pickle; Land Cover XAI never unpickles model files",
                          _TORCH_HINT)
        fh.seek(0)
        if not zipfile.is_zipfile(fh):
            raise _refuse(path, "it is not a Land Cover XAI model (not a zip archive, or a truncated one)", _CHOOSE_LCX)
        fh.seek(0)
        try:
            zf = zipfile.ZipFile(fh)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            raise _refuse(path, f"the archive is damaged ({exc})") from exc
        with zf:
            return _load_archive(zf, path)


def is_model_file(path: str) -> bool:
    """Cheap sniffing, whatever the file's extension: a regular file holding a zip with ``model.json``."""
    try:
        with _open_regular_file(path) as fh:
            if not zipfile.is_zipfile(fh):
                return False
            fh.seek(0)
            with zipfile.ZipFile(fh) as zf:
                return MODEL_JSON in zf.namelist()
    except (ModelFileError, OSError, zipfile.BadZipFile, ValueError, EOFError):
        return False


def _load_archive(zf: zipfile.ZipFile, path: str) -> ModelBundle:
    infos = zf.infolist()
    names = [i.filename for i in infos]
    if MODEL_JSON not in names:
        if _looks_like_torch_zip(names):
            raise _refuse(path, "this looks like a PyTorch pickle (torch.save archive); Land Cover XAI never "
                          "unpickles model files", _TORCH_HINT)
        raise _refuse(path, f"it lacks '{MODEL_JSON}' (not a Land Cover XAI model)", _CHOOSE_LCX)
    if len(infos) > MAX_MEMBERS:
        raise _refuse(path, f"it holds {len(infos)} members, far more than a model has")
    if len(set(names)) != len(names):
        raise _refuse(path, "it holds two members of the same name (tampered archive)")
    total = sum(i.file_size for i in infos)
    if total > MAX_TOTAL_UNCOMPRESSED_BYTES:
        raise _refuse(path, f"it claims {total / 1024**3:.1f} GiB uncompressed (limit "
                      f"{MAX_TOTAL_UNCOMPRESSED_BYTES / 1024**3:.1f} GiB): refused as a possible zip bomb")
    json_info = zf.getinfo(MODEL_JSON)
    if json_info.file_size > MAX_JSON_BYTES:
        raise _refuse(path, f"'{MODEL_JSON}' is {json_info.file_size} bytes, far larger than a model description")
    reader = _MemberReader(zf, path)
    try:
        text = reader.read(json_info).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _refuse(path, f"'{MODEL_JSON}' is not UTF-8 text ({exc})") from exc
    depth = _json_depth(text)
    if depth > MAX_JSON_DEPTH:
        raise _refuse(path, f"'{MODEL_JSON}' is nested {depth} levels deep (a model description needs at most "
                      f"{MAX_JSON_DEPTH})")
    try:
        document = json.loads(text, parse_constant=_no_constant)
    except (json.JSONDecodeError, ValueError, RecursionError) as exc:
        raise _refuse(path, f"'{MODEL_JSON}' is not valid JSON ({exc})") from exc
    if not isinstance(document, dict) or document.get("format") != FORMAT_NAME:
        raise _refuse(path, f"'{MODEL_JSON}' does not describe a Land Cover XAI model", _CHOOSE_LCX)
    version = document.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise _refuse(path, f"its format version {version!r} is not a number")
    if version > FORMAT_VERSION:
        raise _refuse(path, f"it uses model format version {version}, but this plugin reads up to version "
                      f"{FORMAT_VERSION}", "update the Land Cover XAI plugin to a newer version")
    if version < 1:
        raise _refuse(path, f"its format version {version} is invalid")
    return _bundle_from_document(zf, document, path, reader)


def _no_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def _checked_scaling(value, path: str) -> dict[str, float]:
    """The training stack's DN -> reflectance scaling: a finite, non-zero scale and a finite offset."""
    if value is None:
        return {"scale": 1.0, "offset": 0.0}
    if not isinstance(value, dict) or set(value) - {"scale", "offset"}:
        raise _refuse(path, f"its 'scaling' entry {str(value)[:80]!r} is not {{\"scale\": s, \"offset\": o}}")
    out = {}
    for key, default in (("scale", 1.0), ("offset", 0.0)):
        number = value.get(key, default)
        if not isinstance(number, (int, float)) or isinstance(number, bool) or not math.isfinite(number):
            raise _refuse(path, f"its scaling {key} {number!r} is not a finite number")
        out[key] = float(number)
    if out["scale"] == 0:
        raise _refuse(path, "its scaling factor is 0 (every input would read as the same value)")
    return out


def _checked_classes(value, spec: ModelSpec, path: str) -> list[ClassInfo]:
    if not isinstance(value, list):
        raise _refuse(path, "its class list is missing or not a list")
    try:
        classes = [ClassInfo(_int_id(c["id"]), str(c["name"]), str(c.get("color") or ""),
                             " ".join(str(c.get("display_name") or "").split())) for c in value]
    except (TypeError, KeyError, ValueError, AttributeError) as exc:
        raise _refuse(path, f"its class list is malformed ({exc})") from exc
    ids = [c.id for c in classes]
    out_of_range = [i for i in ids if not 0 <= i <= MAX_CLASS_ID]
    if out_of_range:
        raise _refuse(path, f"class id(s) {', '.join(map(str, out_of_range[:5]))} lie outside 0..{MAX_CLASS_ID} (a "
                      "class map cannot hold them)")
    duplicated = sorted({i for i in ids if ids.count(i) > 1})
    if duplicated:
        raise _refuse(path, f"class id(s) {', '.join(map(str, duplicated))} appear twice in its class list (two "
                      "outputs would be merged into one class)")
    for i, info in enumerate(classes):  # a colour is cosmetic: repair rather than refuse
        if not _HEX_COLOUR.fullmatch(info.color):
            info.color = default_class_color(info.name, i)
    if len(classes) != spec.n_classes:
        raise _refuse(path, f"it lists {len(classes)} classes for a model with {spec.n_classes} outputs")
    return classes


def _int_id(value) -> int:
    """A class id: an integer (or an integral number), never a bool or a fraction."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value):
        raise ValueError(f"class id {value!r} is not an integer")
    return int(value)


def _checked_bands_and_dates(document: dict, spec: ModelSpec, path: str) -> tuple[list[str], list[str]]:
    bands, dates = document.get("bands"), document.get("dates")
    if not isinstance(bands, list) or len(bands) != spec.n_bands or not all(isinstance(b, str) for b in bands):
        raise _refuse(path, f"it should list {spec.n_bands} band names")
    duplicated = sorted({b for b in bands if bands.count(b) > 1})
    if duplicated:
        raise _refuse(path, f"band name(s) {', '.join(duplicated)} appear twice (one stack band would be fed "
                      "twice and another never)")
    if not isinstance(dates, list) or len(dates) != spec.n_dates:
        raise _refuse(path, f"it should list {spec.n_dates} dates")
    try:
        for d in dates:
            _dt.date.fromisoformat(d)
    except (TypeError, ValueError) as exc:
        raise _refuse(path, f"a date is not an ISO date ({exc})") from exc
    return list(bands), list(dates)


def _checked_index(index, spec: ModelSpec, zf: zipfile.ZipFile, path: str) -> dict[str, tuple]:
    """name -> (ZipInfo, shape, dtype) for every weight, checked before any weight is decompressed: entries
    well-formed, dtypes allowed, one member per weight, member sizes those of the declared arrays, then the
    names and shapes the architecture needs."""
    if not isinstance(index, dict):
        raise _refuse(path, "its weight index is missing")
    if len(spec.band_groups) > len(index):  # each group has its own weights: a cheap bound before building
        raise _refuse(path, f"its architecture claims {len(spec.band_groups)} band groups but it holds only "
                      f"{len(index)} weight arrays")
    entries: dict[str, tuple] = {}
    members: dict[str, str] = {}
    for name, entry in index.items():
        try:
            member, shape, dtype = entry["file"], tuple(int(s) for s in entry["shape"]), str(entry["dtype"])
            if not isinstance(member, str) or any(s < 0 for s in shape):
                raise ValueError(member)
        except (TypeError, KeyError, ValueError, OverflowError) as exc:
            raise _refuse(path, f"the index entry of weight '{name}' is malformed") from exc
        if dtype not in ALLOWED_DTYPES:
            raise _refuse(path, f"weight '{name}' has dtype {dtype!r}, which model files cannot hold")
        if member in members:
            raise _refuse(path, f"weights '{members[member]}' and '{name}' point to the same member '{member}' "
                          "(tampered archive)")
        members[member] = name
        try:
            info = zf.getinfo(member)
        except KeyError as exc:
            raise _refuse(path, f"the weight array '{member}' is missing from the archive") from exc
        payload = math.prod(shape) * np.dtype(dtype).itemsize
        if not payload <= info.file_size <= payload + _NPY_HEADER_MAX:
            raise _refuse(path, f"member '{member}' is {info.file_size} bytes, not the size of a {dtype} array of "
                          f"shape {list(shape)} (tampered archive)")
        entries[name] = (info, shape, dtype)
    # then against the architecture (builds it on the meta device: imports torch, so after the checks above)
    expected = expected_weight_shapes(spec)
    if expected is not None:
        missing = sorted(set(expected) - set(index))
        unexpected = sorted(set(index) - set(expected))
        if missing or unexpected:
            raise _refuse(path, "its weights do not match its architecture ("
                          + (f"missing: {', '.join(missing[:5])}" if missing else "")
                          + ("; " if missing and unexpected else "")
                          + (f"unexpected: {', '.join(unexpected[:5])}" if unexpected else "") + ")")
        for name, (_info, shape, _dtype) in entries.items():
            if tuple(expected[name]) != shape:
                raise _refuse(path, f"weight '{name}' has shape {list(shape)} but the architecture needs "
                              f"{list(expected[name])} (tampered or damaged file)")
        problem = architecture_problem(spec)
        if problem:
            raise _refuse(path, f"its architecture cannot run on {spec.n_bands} bands x {spec.n_dates} dates "
                          f"({problem})")
    return entries


def _bundle_from_document(zf: zipfile.ZipFile, document: dict, path: str,
                          reader: Optional[_MemberReader] = None) -> ModelBundle:
    reader = reader or _MemberReader(zf, path)
    spec_dict = document.get("spec")
    if isinstance(spec_dict, dict):  # cheap bounds before the architecture is built (even on the meta device)
        for key, limit in (("n_bands", MAX_BANDS), ("n_dates", MAX_DATES)):
            claimed = spec_dict.get(key)
            if isinstance(claimed, int) and claimed > limit:
                raise _refuse(path, f"its architecture claims {claimed} {key[2:]} (at most {limit} are supported)")
    try:
        spec = ModelSpec.from_dict(spec_dict)
    except ValueError as exc:
        raise _refuse(path, f"its architecture description is invalid ({exc})") from exc
    bands, dates = _checked_bands_and_dates(document, spec, path)
    classes = _checked_classes(document.get("classes"), spec, path)
    scaling = _checked_scaling(document.get("scaling"), path)
    report = document.get("report") or {}
    if not isinstance(report, dict):
        raise _refuse(path, "its training report is not a JSON object")
    quality = document.get("explanation_quality") or {}
    if not isinstance(quality, dict):
        raise _refuse(path, "its explanation quality is not a JSON object")
    state = {}
    for name, (info, shape, dtype) in _checked_index(document.get("arrays"), spec, zf, path).items():
        try:
            array = np.load(io.BytesIO(reader.read(info)), allow_pickle=False)
        except (ValueError, OSError, EOFError) as exc:
            raise _refuse(path, f"weight '{name}' is not a plain numeric array ({exc})") from exc
        if not isinstance(array, np.ndarray) or array.shape != shape or array.dtype.name != dtype:
            raise _refuse(path, f"weight '{name}' does not match its declared shape / dtype (tampered file)")
        state[name] = array
    _check_plausible(spec, state, path)
    grid, validity = _checked_calendar(document, spec, path)
    return ModelBundle(
        spec=spec,
        bands=bands,
        dates=dates,
        classes=classes,
        scaling=scaling,
        report=report,
        state_dict=state,
        format_version=int(document["format_version"]),
        temporal_grid=grid,
        validity=validity,
        explanation_quality=quality,
    )


def _checked_calendar(document: dict, spec: ModelSpec, path: str) -> tuple[Optional[TemporalGrid], ValidityConfig]:
    """The stored temporal grid (None in files written before grids) and validity settings, checked."""
    grid = None
    if document.get("temporal_grid") is not None:
        try:
            grid = TemporalGrid.from_dict(document["temporal_grid"])
        except (ValueError, TypeError) as exc:
            raise _refuse(path, f"its temporal grid is invalid ({exc})") from exc
        if grid.n_dates != spec.n_dates:
            raise _refuse(path, f"its temporal grid has {grid.n_dates} dates for a model of {spec.n_dates}")
    try:
        validity = ValidityConfig.from_dict(document.get("validity"))
    except (LcxError, ValueError, TypeError, KeyError) as exc:
        raise _refuse(path, f"its validity settings are invalid ({exc})") from exc
    return grid, validity.model_settings()


def _check_plausible(spec: ModelSpec, state: dict[str, np.ndarray], path: str) -> None:
    """Weights that would give confident nonsense are refused: NaN / Inf anywhere, a negative BatchNorm
    variance, and normalisation buffers that differ from the spec's (or are not > 0)."""
    for name, array in state.items():
        if array.dtype.kind == "f" and not np.isfinite(array).all():
            bad = int((~np.isfinite(array)).sum())
            raise _refuse(path, f"weight '{name}' holds {bad} NaN / infinite value(s): the model would map "
                          "nonsense (a training run that diverged, or a damaged file)", "retrain the model")
        if name.endswith("running_var") and (array < 0).any():
            raise _refuse(path, f"weight '{name}' holds negative variances (damaged or edited file)")
    for key in ("norm_mean", "norm_std"):
        wanted = np.asarray(getattr(spec, key), dtype=np.float64)
        for name, array in state.items():
            if name.rsplit(".", 1)[-1] != key:
                continue
            values = np.asarray(array, dtype=np.float64).reshape(-1)
            if key == "norm_std" and (values <= 0).any():
                raise _refuse(path, f"the normalisation '{name}' holds values <= 0 (every input would be "
                              "divided by zero)", "retrain the model")
            if values.shape != wanted.shape or not np.allclose(values, wanted, rtol=1e-4, atol=1e-7):
                raise _refuse(path, f"the normalisation '{name}' differs from the one in the model description "
                              "(edited file)")


def expected_weight_shapes(spec: ModelSpec) -> dict[str, tuple[int, ...]] | None:
    """Name -> shape of every saved tensor of ``spec``'s architecture; None when torch is missing
    (the check then happens in ``ModelBundle.build``)."""
    try:
        from . import build_model
        from ..runtime import import_torch

        torch = import_torch()
    except Exception:  # noqa: BLE001 - DependencyError or a broken torch: describe without checking
        return None
    # On the meta device nothing is allocated: a tampered spec claiming a giant network costs nothing here,
    # and its arrays (bounded by the archive size cap) then fail the shape check.
    with torch.device("meta"):
        model = build_model(spec)
    return {name: tuple(t.shape) for name, t in model.state_dict().items()}


# Above this many activation values (a generous bound, see _dry_run_device) the dry run runs on the meta device.
_CPU_DRY_RUN_VALUES = 1 << 24


def _dry_run_device(spec: ModelSpec) -> str:
    """"cpu" when a forward of 2 samples is certainly small (a bound on any layer's activations: members x
    bands x dates x patch area x the widest layer), else "meta" (no memory whatever the spec claims). The
    meta device's first forward costs ~1.4 s of one-off set-up in a fresh process, a real 2-sample forward
    ~0.05 s: model files are loaded at the start of every pass."""
    widths = [getattr(spec, name, 1) or 1 for name in (
        "band_width", "fusion_width", "conv_width", "dense_width", "embed_width", "hidden_width")]
    bound = 2 * spec.n_members * spec.n_bands * spec.n_dates * spec.patch_size ** 2 * max(widths + [spec.n_classes])
    return "cpu" if bound <= _CPU_DRY_RUN_VALUES else "meta"


def architecture_problem(spec: ModelSpec) -> str | None:
    """Why ``spec``'s network cannot classify an input of its own shape (e.g. an even kernel size the layers do
    not line up with), found by one forward pass of 2 zero samples (on the CPU when that is certainly small,
    else on the meta device: no memory, no arithmetic); None when it runs or torch is missing."""
    try:
        from . import build_model
        from ..runtime import import_torch

        torch = import_torch()
    except Exception:  # noqa: BLE001 - DependencyError or a broken torch: nothing to check with
        return None
    k = spec.patch_size
    shape = (2, spec.n_bands, spec.n_dates) + ((k, k) if k > 1 else ())
    try:
        with torch.device(_dry_run_device(spec)), torch.inference_mode():
            model = build_model(spec).eval()
            out = model(torch.zeros(shape))
    except (RuntimeError, ValueError, IndexError) as exc:
        return str(exc).splitlines()[0][:160]
    if tuple(out.shape) != (2, spec.n_classes):
        return f"it gives outputs of shape {list(out.shape)[1:]} instead of {spec.n_classes} class scores"
    return None


def bundle_from_module(model, spec: ModelSpec, bands, dates, classes, scaling=None, report=None,
                       temporal_grid: Optional[TemporalGrid] = None,
                       validity: Optional[ValidityConfig] = None) -> ModelBundle:
    """Snapshot a torch module's weights into a ModelBundle (arrays copied to CPU numpy)."""
    state = {name: t.detach().cpu().numpy().copy() for name, t in model.state_dict().items()}
    return ModelBundle(
        spec=spec,
        bands=list(bands),
        dates=[d.isoformat() if hasattr(d, "isoformat") else str(d) for d in dates],
        classes=list(classes),
        scaling=scaling_to_dict(scaling),
        report=report or {},
        state_dict=state,
        temporal_grid=temporal_grid,
        validity=(validity or ValidityConfig()).model_settings(),
    )
