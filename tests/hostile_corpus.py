"""One list of hostile and unusual inputs (issue 11), and how each front end is fed one.

``CASES`` is the table: each case builds its inputs into a private folder (``build``) from a small set of good
inputs (``good_inputs``: the tiny sample stack, a model trained on it, field polygons, its class map), names the
command it breaks (predict / train / validate) and what must happen: ``refused`` with a message matching
``message`` (the same words through every entry point), or ``succeeds`` (the input is merely unusual) with a
``check`` of the result. The runners are in tests/cli/test_cli_corpus.py, tests/processing/test_processing_corpus.py
and tests/gui/test_dock_corpus.py.
"""
from __future__ import annotations

import csv
import json
import os
import shutil
import struct
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

import numpy as np
from osgeo import gdal

import land_cover_xai_plugin

SAMPLE = Path(land_cover_xai_plugin.__file__).resolve().parent / "sample_data"
TINY_STACK = SAMPLE / "tiny" / "s2_l1c_tiny.tif"
TINY_LABELS = SAMPLE / "tiny" / "labels_lulc_tiny.tif"
POLYGONS = SAMPLE / "lulc_field_polygons.gpkg"
# Files a front end may create beside its inputs without it counting as "left behind": GeoPackage journals,
# the statistics sidecar GDAL / QGIS writes for a raster it opened.
IGNORED_SUFFIXES = ("-wal", "-shm", ".aux.xml")


@dataclass
class Inputs:
    """What one run is given (paths; None = the front end's default / not used)."""

    stack: Optional[str] = None
    model: Optional[str] = None
    labels: Optional[str] = None       # train: labels / field data
    class_field: Optional[str] = None
    classification: Optional[str] = None  # validate
    field_data: Optional[str] = None
    out: Optional[str] = None          # predict: output folder; train: model file
    csv: Optional[str] = None
    html: Optional[str] = None
    extra: list = field(default_factory=list)  # further command-line options (CLI only)
    report: Optional[str] = None       # train: the JSON training report


@dataclass
class Case:
    """One hostile input: ``build(good, folder) -> Inputs``; ``command``: predict | train | validate."""

    id: str
    command: str
    build: Callable[["Inputs", Path], Inputs]
    message: Optional[str] = None      # regex the one-line refusal matches (case-insensitive)
    outcome: str = "refused"           # or "succeeds"
    processing_outcome: Optional[str] = None  # where Processing differs (None: the same outcome)
    check: Optional[Callable[[Inputs], None]] = None  # for "succeeds": what the result must be
    processing: bool = True            # Processing has a parameter for it (e.g. label rasters: not in train)
    dock: bool = False                 # cheap enough for the dock's classify start-up


# --- good inputs --------------------------------------------------------------------------------------------

def good_inputs(folder: Path) -> Inputs:
    """The tiny sample stack, a TempCNN trained on it (1 epoch, tiny widths: seconds), the field polygons and the
    model's class map of the stack, in ``folder``."""
    from land_cover_xai_plugin.engine.jobs import InferenceJob, TrainJob, run_inference_job, run_train_job
    from land_cover_xai_plugin.engine.training.trainer import TrainConfig

    folder.mkdir(parents=True, exist_ok=True)
    stack = str(shutil.copy(TINY_STACK, folder / "stack.tif"))
    if Path(str(TINY_STACK) + ".aux.xml").exists():
        shutil.copy(str(TINY_STACK) + ".aux.xml", folder / "stack.tif.aux.xml")
    polygons = str(shutil.copy(POLYGONS, folder / "fields.gpkg"))
    model = str(folder / "good.lcx")
    config = TrainConfig(arch="tempcnn", epochs=1, conv_width=4, dense_width=8, device="cpu", threads=1)
    run_train_job(TrainJob([stack], str(TINY_LABELS), model, config=config))
    result = run_inference_job(InferenceJob(stack_paths=[stack], model_path=model, out_dir=str(folder / "map"),
                                            device="cpu", batch_size=256, threads=1))
    prediction = next(d.path for d in result.outputs if d.kind == "prediction")
    return Inputs(stack=stack, model=model, labels=polygons, class_field="LULC_ID", classification=prediction,
                  field_data=polygons)


def _with(good: Inputs, folder: Path, **changes) -> Inputs:
    """The good inputs with ``changes``, outputs inside ``folder``."""
    base = dict(good.__dict__)
    base.update(out=str(folder / "out"), csv=None, html=None)
    base.update(changes)
    return Inputs(**base)


# --- model files ---------------------------------------------------------------------------------------------

def _members(path) -> dict:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _write_members(path: Path, members: dict) -> str:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return str(path)


def _model_document(good: Inputs, folder: Path, mutate, name="bad.lcx") -> str:
    members = _members(good.model)
    document = json.loads(members["model.json"])
    mutate(document)
    members["model.json"] = json.dumps(document).encode()
    return _write_members(folder / name, members)


def _model_weights(good: Inputs, folder: Path, tamper, name="bad.lcx") -> str:
    from land_cover_xai_plugin.engine.models.model_file import load_model, save_model

    bundle = load_model(good.model)
    tamper(bundle.state_dict)
    path = str(folder / name)
    save_model(path, bundle)
    return path


def _nan_weights(state):
    key = next(k for k, v in state.items() if v.dtype.kind == "f" and v.size and "norm" not in k)
    state[key] = np.full_like(state[key], np.nan)


def _inf_weight(state):
    key = next(k for k, v in state.items() if v.dtype.kind == "f" and v.size and "norm" not in k)
    state[key] = state[key].copy()
    state[key].flat[0] = np.inf


def _zero_std(state):
    key = next(k for k in state if k.endswith("norm_std"))
    state[key] = np.zeros_like(state[key])


def _encrypted(good: Inputs, folder: Path) -> str:
    """model.json marked as encrypted in its local and central zip headers (what `zip -e` writes)."""
    path = folder / "encrypted.lcx"
    shutil.copy(good.model, path)
    data = bytearray(path.read_bytes())
    name = b"model.json"
    for signature, flag_at, name_at in ((b"PK\x03\x04", 6, 30), (b"PK\x01\x02", 8, 46)):
        start = 0
        while (start := data.find(signature, start)) >= 0:
            if data[start + name_at: start + name_at + len(name)] == name:
                flags = struct.unpack_from("<H", data, start + flag_at)[0]
                struct.pack_into("<H", data, start + flag_at, flags | 0x1)
            start += 4
    path.write_bytes(bytes(data))
    return str(path)


def _deep_json(good: Inputs, folder: Path) -> str:
    members = _members(good.model)
    text = members["model.json"].decode()
    members["model.json"] = (text.rstrip()[:-1] + ', "deep": ' + "[" * 50_000 + "]" * 50_000 + "}").encode()
    return _write_members(folder / "deep.lcx", members)


def _fifo(good: Inputs, folder: Path) -> str:
    path = folder / "fifo.lcx"
    os.mkfifo(path)
    return str(path)


def _symlink_to_device(good: Inputs, folder: Path) -> str:
    path = folder / "endless.lcx"
    os.symlink("/dev/zero", path)
    return str(path)


# --- stacks --------------------------------------------------------------------------------------------------

def _stack_copy(good: Inputs, folder: Path, transform, dtype, name: str, scale=None, dates=None) -> str:
    """The good stack rewritten: values ``transform(DN)`` as ``dtype``, optionally a declared band scale and
    other dates (tags and band descriptions)."""
    src = gdal.Open(good.stack)
    data = src.ReadAsArray().astype(np.float64)
    gdal_type = {np.uint8: gdal.GDT_Byte, np.int16: gdal.GDT_Int16, np.float32: gdal.GDT_Float32,
                 np.uint16: gdal.GDT_UInt16}[dtype]
    path = str(folder / name)
    out = gdal.GetDriverByName("GTiff").Create(path, src.RasterXSize, src.RasterYSize, src.RasterCount, gdal_type)
    out.SetGeoTransform(src.GetGeoTransform())
    out.SetProjection(src.GetProjection())
    metadata = dict(src.GetMetadata())
    replace = dict(zip(metadata["DATES"].split(","), dates)) if dates else {}
    if dates:
        metadata["DATES"] = ",".join(dates)
    out.SetMetadata(metadata)
    values = transform(data).astype(dtype)
    for i in range(src.RasterCount):
        band = out.GetRasterBand(i + 1)
        band.WriteArray(values[i])
        description = src.GetRasterBand(i + 1).GetDescription()
        for old, new in replace.items():
            description = description.replace(old, new)
        band.SetDescription(description)
        if scale is not None:
            band.SetScale(scale)
            band.SetOffset(0.0)
    out = None
    return path


def _stack(transform, dtype, name, scale=None, dates=None):
    def build(good: Inputs, folder: Path) -> Inputs:
        return _with(good, folder, stack=_stack_copy(good, folder, transform, dtype, name, scale, dates))
    return build


def _bad_layout(good: Inputs, folder: Path) -> Inputs:
    stack = str(shutil.copy(good.stack, folder / "stack.tif"))
    Path(stack + ".layout.json").write_text('{"dates": "not a list", "bands": 7')
    return _with(good, folder, stack=stack)


# --- labels / field data / maps --------------------------------------------------------------------------------

def _single_class_polygons(good: Inputs, folder: Path) -> Inputs:
    path = str(folder / "one_class.gpkg")
    source = gdal.OpenEx(good.field_data)
    layer_name = source.GetLayer(0).GetName()
    source = None
    gdal.VectorTranslate(path, good.field_data, SQLStatement=f"SELECT geom, 2 AS LULC_ID FROM \"{layer_name}\"",
                         SQLDialect="SQLITE")
    return _with(good, folder, labels=path, class_field="LULC_ID", out=str(folder / "m.lcx"))


def _csv_without_geometry(good: Inputs, folder: Path) -> Inputs:
    path = folder / "classes.csv"
    path.write_text("LULC_ID,LULC_NAME\n2,forest\n3,grassland\n")
    return _with(good, folder, labels=str(path), field_data=str(path), out=str(folder / "m.lcx"),
                 csv=str(folder / "r.csv"))


def _empty_field_data(good: Inputs, folder: Path) -> Inputs:
    path = str(folder / "empty.gpkg")
    gdal.VectorTranslate(path, good.field_data, where="fid < 0")
    return _with(good, folder, labels=path, field_data=path, out=str(folder / "m.lcx"), csv=str(folder / "r.csv"))


def _class_map_like(good: Inputs, path: Path, names: dict, remap=None) -> str:
    """The good class map rewritten with other category names (and ids remapped)."""
    src = gdal.Open(good.classification)
    values = src.GetRasterBand(1).ReadAsArray()
    if remap:
        lookup = np.arange(256)
        for old, new in remap.items():
            lookup[old] = new
        values = lookup[values].astype(np.uint8)
    out = gdal.GetDriverByName("GTiff").Create(str(path), src.RasterXSize, src.RasterYSize, 1, gdal.GDT_Byte)
    out.SetGeoTransform(src.GetGeoTransform())
    out.SetProjection(src.GetProjection())
    band = out.GetRasterBand(1)
    band.WriteArray(values)
    band.SetNoDataValue(src.GetRasterBand(1).GetNoDataValue() or 0)
    category = [""] * (max(names) + 1)
    for cid, name in names.items():
        category[cid] = name
    band.SetCategoryNames(category)
    out = None
    return str(path)


def _map_ids(good: Inputs) -> list[int]:
    dataset = gdal.Open(good.classification)  # kept in a variable: GDAL frees a dataset before its band
    values = dataset.GetRasterBand(1).ReadAsArray()
    return sorted(int(v) for v in np.unique(values) if v)


def _map_trained_on_names(good: Inputs, folder: Path) -> Inputs:
    """A map as a model trained on the LULC_NAME field writes it: ids 1..K in name order, with the names."""
    dataset = gdal.OpenEx(good.field_data)
    names = {int(f.GetField("LULC_ID")): " ".join(str(f.GetField("LULC_NAME")).split())
             for f in dataset.GetLayer(0)}
    dataset = None
    by_name = {name: i + 1 for i, name in enumerate(sorted(set(names.values())))}
    remap = {cid: by_name[names[cid]] for cid in _map_ids(good) if cid in names}
    path = _class_map_like(good, folder / "named_map.tif", {by_name[n]: n for n in by_name}, remap)
    return _with(good, folder, classification=path, csv=str(folder / "r.csv"))


def _check_matched_by_name(inputs: Inputs) -> None:
    text = Path(inputs.csv).read_text(encoding="utf-8")
    assert "matched to the map's classes by their names" in text, text[-800:]


HYPERLINK = '=HYPERLINK("http://evil.example","click")'


def _formula_names(good: Inputs, folder: Path) -> Inputs:
    ids = _map_ids(good)
    names = {cid: (HYPERLINK if k == 0 else f"@SUM(A{k}:A9)") for k, cid in enumerate(ids)}
    path = _class_map_like(good, folder / "formula_map.tif", names)
    return _with(good, folder, classification=path, csv=str(folder / "r.csv"))


def _check_formulas_neutralised(inputs: Inputs) -> None:
    with open(inputs.csv, newline="", encoding="utf-8") as fh:
        cells = [c for row in csv.reader(fh) for c in row]
    assert any(c.startswith("'" + HYPERLINK) for c in cells), cells[:20]
    for cell in cells:
        if cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
            float(cell)  # only numbers may start so


def _maths_names(good: Inputs, folder: Path) -> Inputs:
    ids = _map_ids(good)
    names = {cid: ("$x$" if k == 0 else "$\\frac{1}{$ broken") for k, cid in enumerate(ids)}
    path = _class_map_like(good, folder / "maths_map.tif", names)
    return _with(good, folder, classification=path, html=str(folder / "r.html"))


def _check_maths_as_text(inputs: Inputs) -> None:
    page = Path(inputs.html).read_text(encoding="utf-8")
    assert "$x$" in page and "data:image/png;base64," in page


def _check_same_map_as_from_dn(inputs: Inputs) -> None:
    """The class map of the reflectance stack is the class map of the DN stack it came from."""
    name = "prediction.tif" if (Path(inputs.out) / "prediction.tif").exists() else "map.tif"  # CLI / Processing
    produced = gdal.Open(str(Path(inputs.out) / name))
    expected = gdal.Open(inputs.classification)
    a, b = produced.GetRasterBand(1).ReadAsArray(), expected.GetRasterBand(1).ReadAsArray()
    assert a.shape == b.shape and (a == b).mean() > 0.99, (a == b).mean()


def _out_dir_is_a_file(good: Inputs, folder: Path) -> Inputs:
    blocker = folder / "afile"
    blocker.write_text("x")
    return _with(good, folder, out=str(blocker))


def _model_out_under_a_file(good: Inputs, folder: Path) -> Inputs:
    blocker = folder / "afile"
    blocker.write_text("x")
    return _with(good, folder, out=str(blocker / "m.lcx"))


def _training_report_is_a_folder(good: Inputs, folder: Path) -> Inputs:
    (folder / "report.json").mkdir()
    return _with(good, folder, out=str(folder / "m.lcx"), report=str(folder / "report.json"))


def _report_into_missing_folder(good: Inputs, folder: Path) -> Inputs:
    return _with(good, folder, csv=str(folder / "missing" / "r.csv"))


def _report_exists(good: Inputs, folder: Path) -> Inputs:
    existing = folder / "r.csv"
    existing.write_text("earlier")
    return _with(good, folder, csv=str(existing))


def _model_case(id_, build_model, message, dock=True):
    return Case(id_, "predict", lambda good, folder: _with(good, folder, model=build_model(good, folder)), message,
                dock=dock)


CASES: list[Case] = [
    _model_case("nan-weights", lambda g, f: _model_weights(g, f, _nan_weights), r"NaN / infinite"),
    _model_case("inf-weight", lambda g, f: _model_weights(g, f, _inf_weight), r"NaN / infinite"),
    _model_case("zero-normalisation", lambda g, f: _model_weights(g, f, _zero_std), r"normalisation.*<= 0"),
    _model_case("duplicate-class-ids", lambda g, f: _model_document(
        g, f, lambda d: d["classes"][1].update(id=d["classes"][0]["id"])), r"class id.*twice"),
    _model_case("duplicate-band-names", lambda g, f: _model_document(
        g, f, lambda d: d["bands"].__setitem__(1, d["bands"][0])), r"band name.*twice"),
    _model_case("deep-json", _deep_json, r"nested"),
    _model_case("encrypted-member", _encrypted, r"encrypted"),
    _model_case("fifo-model", _fifo, r"not a regular file|regular file"),
    _model_case("symlink-to-device", _symlink_to_device, r"not a regular file|regular file"),
    Case("reflectance-0-1-declaring-a-dn-scale", "predict",
         _stack(lambda a: a * 1e-4, np.float32, "refl_scaled.tif", scale=1e-4), r"reflectance 0-1 scaled once more",
         dock=True),
    Case("reflectance-0-1-float", "predict", _stack(lambda a: a * 1e-4, np.float32, "refl.tif"),
         outcome="succeeds", check=_check_same_map_as_from_dn),
    Case("8-bit-stack", "predict", _stack(lambda a: np.clip(a / 16, 0, 255), np.uint8, "byte.tif"), r"8-bit",
         dock=True),
    Case("int16-negatives", "predict", _stack(lambda a: a - 3000, np.int16, "int16.tif"), r"clearly negative",
         dock=True),
    Case("wrong-season", "predict", _stack(lambda a: a, np.uint16, "winter.tif",
                                           dates=["2015-01-11", "2015-02-28", "2015-03-09"]),
         r"season|calendar|dates", dock=True),
    Case("bad-layout-sidecar", "predict", _bad_layout, r"layout"),
    Case("out-dir-is-a-file", "predict", _out_dir_is_a_file, r"is a file"),
    Case("single-class-labels", "train", _single_class_polygons, r"single class"),
    Case("model-out-under-a-file", "train", _model_out_under_a_file, r"is a file"),
    Case("training-report-is-a-folder", "train", _training_report_is_a_folder, r"is a folder"),
    Case("patch-size-33", "train", lambda g, f: _with(g, f, out=str(f / "m.lcx"), extra=["--patch-size", "33"]),
         r"patch.size must be odd.*\b31\b", processing=False),  # Processing's parameter stops at 15
    # Processing: a table without geometry is not offered for a points / polygons parameter (QGIS refuses it)
    Case("csv-without-geometry-train", "train", _csv_without_geometry, r"has no geometry", processing=False),
    Case("csv-without-geometry-validate", "validate", _csv_without_geometry, r"has no geometry",
         processing=False),
    Case("empty-field-data-train", "train", _empty_field_data, r"holds no features"),
    Case("empty-field-data-validate", "validate", _empty_field_data, r"holds no features"),
    Case("label-raster-off-grid", "train", lambda g, f: _with(g, f, labels=str(SAMPLE / "labels_lulc.tif"),
                                                              class_field=None, out=str(f / "m.lcx")),
         r"not on the stack's grid.*gdalwarp", processing=False),  # Processing trains on field data only
    Case("reference-raster-off-grid", "validate", lambda g, f: _with(
        g, f, field_data=str(SAMPLE / "labels_lulc.tif"), class_field=None, csv=str(f / "r.csv")),
        r"not on the class map's grid.*gdalwarp", processing=False),
    Case("class-names-map-vs-id-field", "validate", _map_trained_on_names, outcome="succeeds",
         check=_check_matched_by_name),
    # a missing folder of a destination: the CLI refuses; Processing creates it, as for its raster destinations
    Case("report-into-missing-folder", "validate", _report_into_missing_folder, r"does not exist|missing",
         processing_outcome="succeeds", check=lambda inputs: Path(inputs.csv).read_text(encoding="utf-8")),
    Case("report-exists", "validate", _report_exists, r"exists already.*overwrit"),
    Case("hyperlink-class-names-in-csv", "validate", _formula_names, outcome="succeeds",
         check=_check_formulas_neutralised),
    Case("dollar-class-names-in-figure", "validate", _maths_names, outcome="succeeds", check=_check_maths_as_text),
]


def snapshot(folder: Path) -> dict:
    """Every file and folder under ``folder`` (relative name -> size, mtime), sidecars of opened inputs aside."""
    return {str(p.relative_to(folder)): (p.is_dir() or p.lstat().st_size, p.lstat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if not p.name.endswith(IGNORED_SUFFIXES) and not p.is_fifo()}


def leftovers(folder: Path) -> list:
    """Names under ``folder`` a run in progress writes (staging, partial files, locks)."""
    marks = (".partial", ".part", ".lcx-", ".tmp")
    return [str(p.relative_to(folder)) for p in folder.rglob("*") if any(m in p.name for m in marks)]
