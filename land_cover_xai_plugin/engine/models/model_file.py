"""Model files (.lcx): a zip of ``model.json`` and one ``.npy`` per weight tensor. Never a pickle.

``model.json`` holds the format name and version, the ModelSpec, the bands and dates the model was
trained on, the classes (id, name, colour), the reflectance scaling of the training stack, the
training report and the index of the weight arrays (name -> member, shape, dtype). Loading refuses
anything else with a ModelFileError that says what is wrong and what to do.
"""
from __future__ import annotations

import datetime as _dt
import io
import json
import os
import re
import tempfile
import zipfile
from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np

from ..errors import LcxError, ModelFileError, StackMismatchError
from .spec import ModelSpec

FORMAT_NAME = "land-cover-xai-model"
FORMAT_VERSION = 1
MODEL_JSON = "model.json"
ARRAY_DIR = "weights/"
FILE_EXTENSION = ".lcx"
# Caps checked before anything is decompressed (zip bombs, absurd claims).
MAX_TOTAL_UNCOMPRESSED_BYTES = 2 * 1024**3
MAX_JSON_BYTES = 16 * 1024**2
MAX_MEMBERS = 10_000
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
    id: int
    name: str
    color: str  # "#rrggbb"

    def to_dict(self) -> dict[str, Any]:
        return {"id": int(self.id), "name": str(self.name), "color": str(self.color)}


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

    @property
    def class_ids(self) -> list[int]:
        return [c.id for c in self.classes]

    @property
    def class_names(self) -> dict[int, str]:
        return {c.id: c.name for c in self.classes}

    @property
    def day_of_year(self) -> list[int]:
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
        from . import build_model  # noqa: PLC0415 - torch imported lazily
        from ..runtime import import_torch  # noqa: PLC0415

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
        """Raise StackMismatchError naming the missing / extra bands and the date counts."""
        stack_bands = list(stack.bands)
        missing = [b for b in self.bands if b not in stack_bands]
        extra = [b for b in stack_bands if b not in self.bands]
        n_dates = int(getattr(stack, "n_dates", len(stack.dates)))
        problems = []
        if missing:
            problems.append(
                f"the stack lacks band(s) {', '.join(missing)} (model bands: {', '.join(self.bands)}; "
                f"stack bands: {', '.join(stack_bands)}"
                + (f"; extra stack bands {', '.join(extra)} are ignored)" if extra else ")")
            )
        if n_dates != self.spec.n_dates:
            problems.append(
                f"the model needs {self.spec.n_dates} dates ({', '.join(self.dates)}) but the stack has {n_dates}"
            )
        if problems:
            raise StackMismatchError(
                "This stack does not fit the model: " + "; ".join(problems) + ". Build a stack with the model's "
                "bands and the same number of dates (same season), or train a model on this stack."
            )

    def describe(self) -> dict[str, Any]:
        report = self.report or {}
        n_params = int(sum(int(np.prod(a.shape)) for a in self.state_dict.values()))
        return {
            "format": FORMAT_NAME,
            "format_version": self.format_version,
            "arch": self.spec.arch,
            "attention": self.spec.attention if self.spec.arch == "attention" else None,
            "patch_size": self.spec.patch_size,
            "n_bands": self.spec.n_bands,
            "n_dates": self.spec.n_dates,
            "bands": list(self.bands),
            "dates": list(self.dates),
            "band_groups": self.spec.band_groups,
            "classes": [c.to_dict() for c in self.classes],
            "scaling": dict(self.scaling),
            "n_weights": n_params,
            "test_metrics": report.get("test"),
            "best_epoch": report.get("best_epoch"),
        }


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
        "classes": [c.to_dict() for c in bundle.classes],
        "scaling": scaling_to_dict(bundle.scaling),
        "report": _json_safe(bundle.report),
        "arrays": arrays_index,
        "saved": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".lcx-", suffix=".tmp", dir=folder)
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
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


# --- loading --------------------------------------------------------------------------------
def _refuse(path: str, what: str, todo: str = "use the original file, or retrain the model") -> ModelFileError:
    return ModelFileError(f"Cannot load model file '{os.path.basename(path)}': {what}. Please {todo}.")


_TORCH_HINT = (
    "export it with the plugin's own trainer (Land Cover XAI > Train) or convert its state_dict with "
    "land_cover_xai_plugin.engine.models.model_file.save_model"
)


def _looks_like_torch_zip(names: list[str]) -> bool:
    return any(n.endswith("data.pkl") or n.endswith("/version") or "/data/" in n for n in names)


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, path: str) -> bytes:
    """Read at most the declared size (+1 byte to catch a lying header)."""
    try:
        with zf.open(info) as fh:
            data = fh.read(info.file_size + 1)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
        raise _refuse(path, f"member '{info.filename}' is damaged ({exc})") from exc
    if len(data) != info.file_size:
        raise _refuse(path, f"member '{info.filename}' does not have its declared size (tampered archive)")
    return data


def load_model(path: str) -> ModelBundle:
    """Read a .lcx file; refuse (ModelFileError) anything that is not a sound file of a known version."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(4)
    except OSError as exc:
        raise _refuse(path, f"it cannot be opened ({exc.strerror or exc})", "check the path") from exc
    if head[:1] == b"\x80":  # pickle protocol 2+ opcode: a legacy torch.save file
        raise _refuse(path, "this looks like a PyTorch pickle; Land Cover XAI never unpickles model files", _TORCH_HINT)
    if not zipfile.is_zipfile(path):
        raise _refuse(path, "it is not a Land Cover XAI model (not a zip archive, or a truncated one)",
                      "choose a .lcx file written by this plugin")
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _refuse(path, f"the archive is damaged ({exc})") from exc
    with zf:
        infos = zf.infolist()
        names = [i.filename for i in infos]
        if MODEL_JSON not in names:
            if _looks_like_torch_zip(names):
                raise _refuse(path, "this looks like a PyTorch pickle (torch.save archive); Land Cover XAI never "
                              "unpickles model files", _TORCH_HINT)
            raise _refuse(path, f"it lacks '{MODEL_JSON}' (not a Land Cover XAI model)",
                          "choose a .lcx file written by this plugin")
        if len(infos) > MAX_MEMBERS:
            raise _refuse(path, f"it holds {len(infos)} members, far more than a model has")
        total = sum(i.file_size for i in infos)
        if total > MAX_TOTAL_UNCOMPRESSED_BYTES:
            raise _refuse(path, f"it claims {total / 1024**3:.1f} GiB uncompressed (limit "
                          f"{MAX_TOTAL_UNCOMPRESSED_BYTES / 1024**3:.1f} GiB): refused as a possible zip bomb")
        json_info = zf.getinfo(MODEL_JSON)
        if json_info.file_size > MAX_JSON_BYTES:
            raise _refuse(path, f"'{MODEL_JSON}' is {json_info.file_size} bytes, far larger than a model description")
        try:
            document = json.loads(_read_member(zf, json_info, path).decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise _refuse(path, f"'{MODEL_JSON}' is not valid JSON ({exc})") from exc
        if not isinstance(document, dict) or document.get("format") != FORMAT_NAME:
            raise _refuse(path, f"'{MODEL_JSON}' does not describe a Land Cover XAI model",
                          "choose a .lcx file written by this plugin")
        version = document.get("format_version")
        if not isinstance(version, int) or isinstance(version, bool):
            raise _refuse(path, f"its format version {version!r} is not a number")
        if version > FORMAT_VERSION:
            raise _refuse(path, f"it uses model format version {version}, but this plugin reads up to version "
                          f"{FORMAT_VERSION}", "update the Land Cover XAI plugin to a newer version")
        if version < 1:
            raise _refuse(path, f"its format version {version} is invalid")
        return _bundle_from_document(zf, document, path)


def _bundle_from_document(zf: zipfile.ZipFile, document: dict, path: str) -> ModelBundle:
    try:
        spec = ModelSpec.from_dict(document.get("spec"))
    except ValueError as exc:
        raise _refuse(path, f"its architecture description is invalid ({exc})") from exc
    bands, dates = document.get("bands"), document.get("dates")
    if not isinstance(bands, list) or len(bands) != spec.n_bands or not all(isinstance(b, str) for b in bands):
        raise _refuse(path, f"it should list {spec.n_bands} band names")
    if not isinstance(dates, list) or len(dates) != spec.n_dates:
        raise _refuse(path, f"it should list {spec.n_dates} dates")
    try:
        for d in dates:
            _dt.date.fromisoformat(d)
    except (TypeError, ValueError) as exc:
        raise _refuse(path, f"a date is not an ISO date ({exc})") from exc
    try:
        classes = [ClassInfo(int(c["id"]), str(c["name"]), str(c.get("color") or "")) for c in document.get("classes")]
    except (TypeError, KeyError, ValueError, AttributeError) as exc:
        raise _refuse(path, f"its class list is malformed ({exc})") from exc
    for i, info in enumerate(classes):  # a colour is cosmetic: repair rather than refuse
        if not _HEX_COLOUR.fullmatch(info.color):
            info.color = default_class_color(info.name, i)
    if len(classes) != spec.n_classes:
        raise _refuse(path, f"it lists {len(classes)} classes for a model with {spec.n_classes} outputs")
    index = document.get("arrays")
    if not isinstance(index, dict):
        raise _refuse(path, "its weight index is missing")
    expected = expected_weight_shapes(spec)
    if expected is not None:
        missing = sorted(set(expected) - set(index))
        unexpected = sorted(set(index) - set(expected))
        if missing or unexpected:
            raise _refuse(path, "its weights do not match its architecture ("
                          + (f"missing: {', '.join(missing[:5])}" if missing else "")
                          + ("; " if missing and unexpected else "")
                          + (f"unexpected: {', '.join(unexpected[:5])}" if unexpected else "") + ")")
    state = {}
    for name, entry in index.items():
        try:
            member, shape, dtype = entry["file"], tuple(int(s) for s in entry["shape"]), str(entry["dtype"])
        except (TypeError, KeyError, ValueError) as exc:
            raise _refuse(path, f"the index entry of weight '{name}' is malformed") from exc
        if expected is not None and tuple(expected[name]) != shape:
            raise _refuse(path, f"weight '{name}' has shape {list(shape)} but the architecture needs "
                          f"{list(expected[name])} (tampered or damaged file)")
        try:
            info = zf.getinfo(member)
        except KeyError as exc:
            raise _refuse(path, f"the weight array '{member}' is missing from the archive") from exc
        try:
            array = np.load(io.BytesIO(_read_member(zf, info, path)), allow_pickle=False)
        except ModelFileError:
            raise
        except (ValueError, OSError, EOFError) as exc:
            raise _refuse(path, f"weight '{name}' is not a plain numeric array ({exc})") from exc
        if not isinstance(array, np.ndarray) or array.shape != shape or array.dtype.name != dtype \
                or dtype not in ALLOWED_DTYPES:
            raise _refuse(path, f"weight '{name}' does not match its declared shape / dtype (tampered file)")
        state[name] = array
    return ModelBundle(
        spec=spec,
        bands=list(bands),
        dates=list(dates),
        classes=classes,
        scaling=scaling_to_dict(document.get("scaling")),
        report=document.get("report") or {},
        state_dict=state,
        format_version=int(document["format_version"]),
    )


def expected_weight_shapes(spec: ModelSpec) -> dict[str, tuple[int, ...]] | None:
    """Name -> shape of every saved tensor of ``spec``'s architecture; None when torch is missing
    (the check then happens in ``ModelBundle.build``)."""
    try:
        from . import build_model  # noqa: PLC0415
        from ..runtime import import_torch  # noqa: PLC0415

        torch = import_torch()
    except Exception:  # noqa: BLE001 - DependencyError or a broken torch: describe without checking
        return None
    # On the meta device nothing is allocated: a tampered spec claiming a giant network costs nothing here,
    # and its arrays (bounded by the archive size cap) then fail the shape check.
    with torch.device("meta"):
        model = build_model(spec)
    return {name: tuple(t.shape) for name, t in model.state_dict().items()}


def bundle_from_module(model, spec: ModelSpec, bands, dates, classes, scaling=None, report=None) -> ModelBundle:
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
    )
