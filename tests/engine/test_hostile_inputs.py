"""Hostile and broken inputs: each is refused at once with one clear LcxError, never read without bound.

Model files (special files, zip tricks, deep JSON, bad scaling, implausible weights), input stacks whose scale is
off by orders of magnitude, and report text that a spreadsheet or matplotlib would interpret.
"""
import json
import os
import struct
import time
import zipfile
from datetime import date

import numpy as np
import pytest

from land_cover_xai_plugin.engine.errors import ModelFileError
from land_cover_xai_plugin.engine.models import ModelSpec, build_model
from land_cover_xai_plugin.engine.models.model_file import ClassInfo, bundle_from_module, load_model, save_model

torch = pytest.importorskip("torch")

BANDS = ["B02", "B03", "B04", "B08"]
DATES = ["2015-07-11", "2015-08-30", "2015-09-09"]


def small_bundle(arch="tempcnn"):
    torch.manual_seed(0)
    spec = ModelSpec(arch=arch, n_bands=4, n_dates=3, n_classes=3, norm_mean=[0.05, 0.07, 0.06, 0.3],
                     norm_std=[0.02, 0.02, 0.03, 0.1], conv_width=4, dense_width=8, band_width=4, fusion_width=4)
    classes = [ClassInfo(2, "forest", "#1b7837"), ClassInfo(3, "grassland", "#a6d96a"),
               ClassInfo(8, "artificial", "#e31a1c")]
    return bundle_from_module(build_model(spec), spec, BANDS, [date.fromisoformat(d) for d in DATES], classes,
                              scaling={"scale": 1e-4, "offset": 0.0})


@pytest.fixture
def model_path(tmp_path):
    path = str(tmp_path / "good.lcx")
    save_model(path, small_bundle())
    return path


def members_of(path):
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def write_members(path, members):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return str(path)


def with_document(src, out, mutate):
    members = members_of(src)
    doc = json.loads(members["model.json"])
    mutate(doc)
    members["model.json"] = json.dumps(doc).encode()
    return write_members(out, members)


def refused_quickly(path, match, seconds=5.0):
    t0 = time.perf_counter()
    with pytest.raises(ModelFileError, match=match):
        load_model(str(path))
    assert time.perf_counter() - t0 < seconds


# --- special files ---------------------------------------------------------------------------------------

def test_symlink_to_endless_device_refused_at_once(tmp_path):
    link = tmp_path / "zero.lcx"
    os.symlink("/dev/zero", link)
    refused_quickly(link, "not a regular file", seconds=1.0)


def test_fifo_named_lcx_refused_without_hanging(tmp_path):
    fifo = tmp_path / "pipe.lcx"
    os.mkfifo(fifo)
    refused_quickly(fifo, "named pipe", seconds=1.0)


def test_directory_refused(tmp_path):
    folder = tmp_path / "folder.lcx"
    folder.mkdir()
    refused_quickly(folder, "folder")


def test_oversized_file_refused_before_reading(model_path, monkeypatch):
    from land_cover_xai_plugin.engine.models import model_file

    monkeypatch.setattr(model_file, "MAX_FILE_BYTES", 100)
    refused_quickly(model_path, "far larger than a model file")


# --- zip tricks ----------------------------------------------------------------------------------------------

def _set_encrypted_flag(path, member):
    """Mark ``member`` as encrypted in its local and central headers (what `zip -e` writes)."""
    data = bytearray(open(path, "rb").read())
    name = member.encode()
    for signature, flag_at, name_at in ((b"PK\x03\x04", 6, 30), (b"PK\x01\x02", 8, 46)):
        start = 0
        while (start := data.find(signature, start)) >= 0:
            if data[start + name_at: start + name_at + len(name)] == name:
                flags = struct.unpack_from("<H", data, start + flag_at)[0]
                struct.pack_into("<H", data, start + flag_at, flags | 0x1)
            start += 4
    open(path, "wb").write(bytes(data))


def test_encrypted_member_refused(model_path, tmp_path):
    path = write_members(tmp_path / "enc.lcx", members_of(model_path))
    _set_encrypted_flag(path, "model.json")
    refused_quickly(path, "encrypted")


def test_one_member_referenced_by_many_weights_refused_before_decompressing(model_path, tmp_path):
    members = members_of(model_path)
    doc = json.loads(members["model.json"])
    first = next(iter(doc["arrays"].values()))["file"]
    for entry in doc["arrays"].values():
        entry["file"] = first
    members["model.json"] = json.dumps(doc).encode()
    refused_quickly(write_members(tmp_path / "shared.lcx", members), "same member|not the size of")


def test_two_members_of_one_name_refused(model_path, tmp_path):
    members = members_of(model_path)
    with zipfile.ZipFile(tmp_path / "twice.lcx", "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
        with pytest.warns(UserWarning):
            zf.writestr("model.json", members["model.json"])  # a second member of the same name
    refused_quickly(tmp_path / "twice.lcx", "same name")


def test_deeply_nested_json_refused(model_path, tmp_path):
    members = members_of(model_path)
    doc = json.loads(members["model.json"])
    text = json.dumps(doc)[:-1] + ', "deep": ' + "[" * 50_000 + "]" * 50_000 + "}"
    members["model.json"] = text.encode()
    refused_quickly(write_members(tmp_path / "deep.lcx", members), "nested")


def test_brackets_inside_strings_do_not_count_as_depth(model_path, tmp_path):
    path = with_document(model_path, tmp_path / "str.lcx", lambda d: d["report"].update(note="[[[[" * 100))
    assert load_model(path).report["note"].startswith("[[[[")


@pytest.mark.parametrize("scaling", [{"scale": None}, {"scale": "abc"}, [1, 2], "x", {"scale": 0},
                                     {"scale": 1e-4, "offset": float("inf")}, {"scale": 1e-4, "bogus": 1}])
def test_bad_scaling_entries_refused(model_path, tmp_path, scaling):
    members = members_of(model_path)
    doc = json.loads(members["model.json"])
    doc["scaling"] = scaling
    members["model.json"] = json.dumps(doc).encode()  # allow_nan: Infinity, as a hand-edited file may hold
    refused_quickly(write_members(tmp_path / "bad.lcx", members), "its .?scaling|not a JSON number")


def test_huge_band_count_refused_in_a_second(model_path, tmp_path):
    def mutate(doc):
        doc["spec"].update(n_bands=100_000, band_groups=[], norm_mean=[], norm_std=[])
        doc["bands"] = [f"B{i}" for i in range(100_000)]

    refused_quickly(with_document(model_path, tmp_path / "wide.lcx", mutate), "100000 bands", seconds=2.0)


# --- implausible weights / descriptions --------------------------------------------------------------------

def _save_tampered(tmp_path, name, tamper, arch="tempcnn"):
    bundle = small_bundle(arch)
    tamper(bundle)
    path = str(tmp_path / name)
    save_model(path, bundle)
    return path


def test_nan_or_inf_weights_refused(tmp_path):
    def nan(b):
        b.state_dict["classifier.weight"] = np.full_like(b.state_dict["classifier.weight"], np.nan)

    def inf(b):
        first = next(k for k, v in b.state_dict.items() if v.dtype.kind == "f" and v.size)
        b.state_dict[first] = b.state_dict[first].copy()
        b.state_dict[first].flat[0] = np.inf

    refused_quickly(_save_tampered(tmp_path, "nan.lcx", nan), "NaN / infinite")
    refused_quickly(_save_tampered(tmp_path, "inf.lcx", inf), "NaN / infinite")


@pytest.mark.parametrize("arch", ["tempcnn", "attention"])
def test_zero_or_inconsistent_normalisation_refused(tmp_path, arch):
    def zero_std(b):
        name = next(k for k in b.state_dict if k.endswith("norm_std"))
        b.state_dict[name] = np.zeros_like(b.state_dict[name])

    def other_mean(b):
        name = next(k for k in b.state_dict if k.endswith("norm_mean"))
        b.state_dict[name] = b.state_dict[name] * 10

    refused_quickly(_save_tampered(tmp_path, "std0.lcx", zero_std, arch), "normalisation .* <= 0")
    refused_quickly(_save_tampered(tmp_path, "mean.lcx", other_mean, arch), "differs from")


def test_duplicate_class_ids_refused(model_path, tmp_path):
    def mutate(doc):
        doc["classes"][1]["id"] = doc["classes"][0]["id"]

    refused_quickly(with_document(model_path, tmp_path / "dupcls.lcx", mutate), "class id.*twice")


def test_fractional_or_boolean_class_id_refused(model_path, tmp_path):
    refused_quickly(with_document(model_path, tmp_path / "frac.lcx",
                                  lambda d: d["classes"][0].update(id=2.5)), "class list is malformed")
    refused_quickly(with_document(model_path, tmp_path / "bool.lcx",
                                  lambda d: d["classes"][0].update(id=True)), "class list is malformed")


def test_duplicate_band_names_refused(model_path, tmp_path):
    def mutate(doc):
        doc["bands"][1] = doc["bands"][0]

    refused_quickly(with_document(model_path, tmp_path / "dupband.lcx", mutate), "band name.*twice")


def test_non_object_report_refused(model_path, tmp_path):
    refused_quickly(with_document(model_path, tmp_path / "rep.lcx", lambda d: d.update(report=[1, 2])),
                    "training report")


def test_the_good_file_still_loads(model_path):
    bundle = load_model(model_path)
    assert bundle.bands == BANDS and bundle.class_ids == [2, 3, 8]


# --- stacks on the wrong scale -------------------------------------------------------------------------------

SAMPLE_MODEL = None


def _sample_model():
    from pathlib import Path

    import land_cover_xai_plugin

    global SAMPLE_MODEL
    if SAMPLE_MODEL is None:
        SAMPLE_MODEL = load_model(str(Path(land_cover_xai_plugin.__file__).parent / "sample_data" / "sample_model.lcx"))
    return SAMPLE_MODEL


SAMPLE_BAND_NAMES = ["B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B09", "B10", "B11", "B12"]
SAMPLE_DATE_LIST = ["2015-07-11", "2015-07-31", "2015-08-20", "2015-08-30", "2015-09-09"]


def _stack_like_sample(tmp_path, write_raster, sample_crop, transform, dtype, scale_offset=None):
    data = transform(sample_crop.astype(np.float64)).astype(dtype)
    descriptions = [f"{d} {b}" for d in SAMPLE_DATE_LIST for b in SAMPLE_BAND_NAMES]
    path = write_raster(tmp_path / f"stack_{np.dtype(dtype).name}.tif", data.reshape(-1, *data.shape[2:]),
                        descriptions, scale_offset=scale_offset)
    from land_cover_xai_plugin.engine.io.stack import open_stack

    return open_stack([path])


def _check(stack):
    from land_cover_xai_plugin.engine.models.input_scale import check_input_scale, sample_stack_values

    bundle = _sample_model()
    return check_input_scale(bundle, sample_stack_values(stack, bundle.band_order_for(stack)), stack)


def test_the_training_like_stack_passes(tmp_path, write_raster, sample_crop):
    stack = _stack_like_sample(tmp_path, write_raster, sample_crop, lambda a: a, np.uint16)
    assert _check(stack) == []
    float_reflectance = _stack_like_sample(tmp_path, write_raster, sample_crop, lambda a: a * 1e-4, np.float32)
    assert _check(float_reflectance) == []  # float 0..1 is read as reflectance: the same input


@pytest.mark.parametrize("case,transform,dtype,scale_offset,message", [
    ("0-1 reflectance declaring a DN scale", lambda a: a * 1e-4, np.float32, (1e-4, 0.0),
     "reflectance 0-1 scaled once more"),
    ("float DN without its scale", lambda a: a, np.float32, None, "DN 0-10000 read as reflectance"),
    ("8-bit export", lambda a: np.clip(a / 16, 0, 255), np.uint8, None, "8-bit image"),
    ("int16 with negatives", lambda a: a - 3000, np.int16, None, "clearly negative"),
])
def test_stacks_off_by_orders_of_magnitude_are_refused_naming_the_cause(tmp_path, write_raster, sample_crop, case,
                                                                        transform, dtype, scale_offset, message):
    from land_cover_xai_plugin.engine.errors import StackMismatchError

    stack = _stack_like_sample(tmp_path, write_raster, sample_crop, transform, dtype, scale_offset)
    with pytest.raises(StackMismatchError, match=message) as caught:
        _check(stack)
    assert "The model expects Sentinel-2 reflectance 0-1" in str(caught.value), case


def test_a_mildly_off_stack_is_flagged_not_refused(tmp_path, write_raster, sample_crop):
    stack = _stack_like_sample(tmp_path, write_raster, sample_crop, lambda a: a * 5, np.uint16)
    warnings = _check(stack)
    assert len(warnings) == 1 and "x the model" in warnings[0] and "unreliable" in warnings[0]


def test_inference_refuses_a_wrongly_scaled_stack_before_writing_anything(tmp_path, write_raster, sample_crop):
    from land_cover_xai_plugin.engine.errors import StackMismatchError
    from land_cover_xai_plugin.engine.inference.streaming import InferenceRequest, run_inference

    stack = _stack_like_sample(tmp_path, write_raster, sample_crop, lambda a: a, np.float32)
    out = tmp_path / "out"
    with pytest.raises(StackMismatchError, match="0.0001 scale factor is missing"):
        run_inference(InferenceRequest(stack=stack, bundle=_sample_model(), out_dir=str(out)))
    assert not out.exists()


# --- training on one class ---------------------------------------------------------------------------------

def test_training_on_a_single_class_is_refused_before_reading_pixels(tmp_path, write_raster, sample_crop):
    from land_cover_xai_plugin.engine.errors import LabelsError
    from land_cover_xai_plugin.engine.training.trainer import train_model, train_on_arrays

    stack = _stack_like_sample(tmp_path, write_raster, sample_crop, lambda a: a, np.uint16)
    labels = np.zeros((stack.height, stack.width), np.int32)
    labels[2:10, 3:12] = 2
    t0 = time.perf_counter()
    with pytest.raises(LabelsError, match=r"single class, 2 \(forest\).*at least two"):
        train_model(stack, labels, {2: "forest"})
    assert time.perf_counter() - t0 < 1.0
    x = np.random.default_rng(0).random((40, 4, 3)).astype(np.float32)
    with pytest.raises(LabelsError, match="single class, 7"):
        train_on_arrays(x, np.full(40, 7))


# --- saving ------------------------------------------------------------------------------------------------

def test_save_into_a_missing_folder_or_onto_a_folder_is_one_clear_error(tmp_path):
    with pytest.raises(ModelFileError, match="does not exist"):
        save_model(str(tmp_path / "missing" / "m.lcx"), small_bundle())
    with pytest.raises(ModelFileError, match="is a folder"):
        save_model(str(tmp_path), small_bundle())


def test_a_full_disk_during_save_leaves_nothing_and_says_so(tmp_path, monkeypatch):
    def full(self, *args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(zipfile.ZipFile, "writestr", full)
    with pytest.raises(ModelFileError, match="No space left on device.*nothing was written"):
        save_model(str(tmp_path / "m.lcx"), small_bundle())
    assert os.listdir(tmp_path) == []


def test_the_leftover_of_a_killed_save_is_removed_by_the_next(tmp_path):
    import subprocess
    import sys

    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    stale = tmp_path / f".lcx-{child.pid}-abcd.tmp"
    stale.write_bytes(b"half a zip")
    live = tmp_path / f".lcx-{os.getppid()}-efgh.tmp"  # a save still running elsewhere is left alone
    live.write_bytes(b"being written")
    save_model(str(tmp_path / "m.lcx"), small_bundle())
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([live.name, "m.lcx"])


def test_a_model_under_another_extension_is_still_described_as_a_model(model_path, tmp_path):
    from land_cover_xai_plugin.engine.jobs import describe_path
    from land_cover_xai_plugin.engine.models.model_file import is_model_file

    renamed = tmp_path / "model.bin"
    renamed.write_bytes(open(model_path, "rb").read())
    assert is_model_file(str(renamed)) and not is_model_file(str(tmp_path))
    assert describe_path(str(renamed))["model"] == str(renamed)


def test_describe_is_plain_json_even_with_undefined_metrics():
    bundle = small_bundle()
    bundle.report = {"test": {"kappa": float("nan"), "oa": np.float32(0.5), "f1": float("inf")}}
    text = json.dumps(bundle.describe(), allow_nan=False)
    assert '"kappa": null' in text and '"oa": 0.5' in text


def test_json_report_on_a_full_disk_or_under_a_file_leaves_nothing(tmp_path, monkeypatch):
    from pathlib import Path

    from land_cover_xai_plugin.engine.io.outputs import OutputError
    from land_cover_xai_plugin.engine.jobs import write_json_atomic

    (tmp_path / "afile").write_text("x")
    with pytest.raises(OutputError, match="Cannot write"):
        write_json_atomic(str(tmp_path / "afile" / "report.json"), {"a": 1})
    real = Path.write_text

    def full(self, *args, **kwargs):
        real(self, "{half", encoding="utf-8")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "write_text", full)
    with pytest.raises(OutputError, match="No space left"):
        write_json_atomic(str(tmp_path / "report.json"), {"kappa": float("nan")})
    monkeypatch.undo()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]
    write_json_atomic(str(tmp_path / "report.json"), {"kappa": float("nan")})
    assert json.loads((tmp_path / "report.json").read_text()) == {"kappa": None}


def test_an_architecture_that_cannot_run_is_refused_at_load(model_path, tmp_path):
    refused_quickly(with_document(model_path, tmp_path / "even.lcx",
                                  lambda d: d["spec"].update(kernel_size=4)), "cannot run|shape")


@pytest.mark.parametrize("bad_id", [-3, 70_000])
def test_class_ids_a_class_map_cannot_hold_are_refused(model_path, tmp_path, bad_id):
    refused_quickly(with_document(model_path, tmp_path / "ids.lcx",
                                  lambda d: d["classes"][0].update(id=bad_id)), "outside 0..65534")


@pytest.mark.parametrize("arch", ["tempcnn", "attention"])
def test_architecture_problem_is_found_by_a_dry_run(arch):
    from land_cover_xai_plugin.engine.models.model_file import architecture_problem

    good = ModelSpec(arch=arch, n_bands=3, n_dates=5, n_classes=2, conv_width=4, dense_width=4, band_width=4,
                     fusion_width=4)
    assert architecture_problem(good) is None
    even = ModelSpec(arch=arch, n_bands=3, n_dates=5, n_classes=2, kernel_size=4, conv_width=4, dense_width=4,
                     band_width=4, fusion_width=4)
    assert architecture_problem(even)


def test_a_mildly_off_stack_runs_and_the_result_carries_the_warning(tmp_path, write_raster, sample_crop):
    from land_cover_xai_plugin.engine.inference.streaming import InferenceRequest, run_inference

    stack = _stack_like_sample(tmp_path, write_raster, sample_crop, lambda a: a * 5, np.uint16)
    result = run_inference(InferenceRequest(stack=stack, bundle=_sample_model(), out_dir=str(tmp_path / "out"),
                                            device="cpu", threads=1, batch_size=256))
    assert len(result.warnings) == 1 and "unreliable" in result.warnings[0]
    (tmp_path / "clean").mkdir()
    clean = _stack_like_sample(tmp_path / "clean", write_raster, sample_crop, lambda a: a, np.uint16)
    assert run_inference(InferenceRequest(stack=clean, bundle=_sample_model(), out_dir=str(tmp_path / "out2"),
                                          device="cpu", threads=1, batch_size=256)).warnings == []


def test_the_dry_run_allocates_nothing_for_a_spec_claiming_a_giant_network():
    from land_cover_xai_plugin.engine.models import model_file

    small = ModelSpec(arch="mlp", n_bands=10, n_dates=20, n_classes=5, n_members=5)
    giant = ModelSpec(arch="attention", n_bands=3, n_dates=100_000, n_classes=2, conv_width=100_000,
                      dense_width=4, band_width=4, fusion_width=4)
    assert model_file._dry_run_device(small) == "cpu"  # a real 2-sample forward: no meta-device set-up
    assert model_file._dry_run_device(giant) == "meta"  # a CPU forward would need ~80 GB
    assert model_file.architecture_problem(small) is None
    giant_even = ModelSpec(arch="attention", n_bands=3, n_dates=100_000, n_classes=2, kernel_size=4,
                           conv_width=100_000, dense_width=4, band_width=4, fusion_width=4)
    assert model_file.architecture_problem(giant_even)
