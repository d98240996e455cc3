"""Model files: round trip, hostile / damaged files refused, stack fitting, colours."""
import io
import json
import os
import types
import zipfile
from datetime import date

import numpy as np
import pytest

from land_cover_xai_plugin.engine.models import model_file
from land_cover_xai_plugin.engine.errors import ModelFileError, StackMismatchError
from land_cover_xai_plugin.engine.models.model_file import (
    ClassInfo, bundle_from_module, default_class_color, load_model, save_model)
from land_cover_xai_plugin.engine.models import ModelSpec, build_model

torch = pytest.importorskip("torch")

BANDS = ["B02", "B03", "B04", "B08"]
DATES = ["2015-07-11", "2015-08-30", "2015-09-09"]


def make_bundle(arch="attention", attention="se", patch_size=1):
    torch.manual_seed(3)
    spec = ModelSpec(arch=arch, n_bands=4, n_dates=3, n_classes=3, attention=attention, patch_size=patch_size,
                     band_groups=[[0, 1, 2], [3]], norm_mean=[0.05, 0.07, 0.06, 0.3], norm_std=[0.02, 0.02, 0.03, 0.1],
                     conv_width=8, dense_width=16, fusion_width=8, band_width=4)
    model = build_model(spec)
    # Non-trivial BatchNorm statistics so the round trip covers buffers too.
    model.train()
    with torch.no_grad():
        model(torch.rand((32, 4, 3) + ((patch_size, patch_size) if patch_size > 1 else ())))
    classes = [ClassInfo(2, "forest", "#1b7837"), ClassInfo(3, "grassland", "#a6d96a"),
               ClassInfo(8, "artificial", "#e31a1c")]
    return bundle_from_module(model, spec, BANDS, [date.fromisoformat(d) for d in DATES], classes,
                              scaling={"scale": 1e-4, "offset": 0.0}, report={"best_epoch": 3, "f1": np.float32(0.5)})


@pytest.fixture
def saved(tmp_path):
    bundle = make_bundle()
    path = str(tmp_path / "m.lcx")
    save_model(path, bundle)
    return path, bundle


@pytest.mark.parametrize("arch,attention,patch", [("attention", "se", 1), ("attention", "softmax", 3),
                                                  ("tempcnn", "se", 1), ("tempcnn", "se", 3)])
def test_round_trip_gives_identical_outputs(tmp_path, arch, attention, patch):
    bundle = make_bundle(arch, attention, patch)
    path = str(tmp_path / "m.lcx")
    save_model(path, bundle)
    loaded = load_model(path)
    x = torch.rand((10, 4, 3) + ((patch, patch) if patch > 1 else ()))
    with torch.no_grad():
        assert torch.equal(bundle.build()(x), loaded.build()(x))
    assert loaded.spec == bundle.spec and loaded.bands == BANDS and loaded.dates == DATES
    assert loaded.class_ids == [2, 3, 8] and loaded.classes[0].color == "#1b7837"
    assert loaded.scaling == {"scale": 1e-4, "offset": 0.0}
    assert loaded.report["best_epoch"] == 3
    assert not loaded.build().training
    json.dumps(loaded.describe())
    assert [f for f in os.listdir(tmp_path) if f.endswith(".tmp")] == []


def test_json_holds_day_of_year_and_format(saved):
    path, _ = saved
    with zipfile.ZipFile(path) as zf:
        doc = json.loads(zf.read("model.json"))
    assert doc["format"] == "land-cover-xai-model" and doc["format_version"] == 1
    assert doc["day_of_year"] == [192, 242, 252]


def rewrite(path, out, mutate_json=None, mutate_members=None):
    """Copy a model file, changing its JSON and / or members."""
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    doc = json.loads(members["model.json"])
    if mutate_json:
        mutate_json(doc)
    members["model.json"] = json.dumps(doc).encode()
    if mutate_members:
        mutate_members(members)
    with zipfile.ZipFile(out, "w") as zf:
        for n, data in members.items():
            zf.writestr(n, data)
    return str(out)


def refused(path, match):
    with pytest.raises(ModelFileError, match=match):
        load_model(str(path))


def test_random_bytes_refused(tmp_path):
    p = tmp_path / "junk.lcx"
    p.write_bytes(np.random.default_rng(0).bytes(5000))
    refused(p, "not a zip")


def test_missing_file_refused(tmp_path):
    refused(tmp_path / "nope.lcx", "cannot be opened")


def test_truncated_zip_refused(saved, tmp_path):
    path, _ = saved
    data = open(path, "rb").read()
    p = tmp_path / "cut.lcx"
    p.write_bytes(data[: len(data) // 2])
    refused(p, "truncated|damaged")


def test_torch_pickle_refused(tmp_path):
    model = build_model(ModelSpec(arch="tempcnn", n_bands=4, n_dates=3, n_classes=3, conv_width=4, dense_width=4))
    p = tmp_path / "model.pt"
    torch.save(model.state_dict(), str(p))
    refused(p, "PyTorch pickle")
    legacy = tmp_path / "legacy.pt"
    torch.save(model.state_dict(), str(legacy), _use_new_zipfile_serialization=False)
    refused(legacy, "PyTorch pickle")


def test_future_version_refused(saved, tmp_path):
    path, _ = saved
    p = rewrite(path, tmp_path / "future.lcx", lambda d: d.update(format_version=7))
    with pytest.raises(ModelFileError, match="version 7.*update"):
        load_model(p)


def test_tampered_shape_refused(saved, tmp_path):
    path, _ = saved

    def grow(doc):
        name = "classifier.weight"
        doc["arrays"][name]["shape"][0] += 1

    refused(rewrite(path, tmp_path / "shape.lcx", grow), "shape")

    def swap_array(members):  # index says one thing, the .npy holds another
        with zipfile.ZipFile(path) as zf:
            doc = json.loads(zf.read("model.json"))
        buf = io.BytesIO()
        np.save(buf, np.zeros((2, 2), np.float32))
        members[doc["arrays"]["classifier.weight"]["file"]] = buf.getvalue()

    refused(rewrite(path, tmp_path / "swap.lcx", mutate_members=swap_array), "declared shape|not the size of")


def test_missing_member_and_unknown_weight_refused(saved, tmp_path):
    path, _ = saved
    with zipfile.ZipFile(path) as zf:
        doc = json.loads(zf.read("model.json"))
    member = doc["arrays"]["classifier.bias"]["file"]
    refused(rewrite(path, tmp_path / "gone.lcx", mutate_members=lambda m: m.pop(member)), "missing")
    refused(rewrite(path, tmp_path / "extra.lcx",
                    lambda d: d["arrays"].update(evil={"file": member, "shape": [3], "dtype": "float32"})),
            "unexpected: evil|same member")
    refused(rewrite(path, tmp_path / "nojson.lcx", mutate_members=lambda m: m.pop("model.json")), "lacks")


def test_object_array_refused(saved, tmp_path):
    path, _ = saved
    with zipfile.ZipFile(path) as zf:
        doc = json.loads(zf.read("model.json"))
    member = doc["arrays"]["classifier.bias"]["file"]

    def pickled(members):
        buf = io.BytesIO()
        np.save(buf, np.array([{"a": 1}, None, 3], dtype=object), allow_pickle=True)
        members[member] = buf.getvalue()

    refused(rewrite(path, tmp_path / "obj.lcx", mutate_members=pickled), "not a plain numeric array")


def test_zip_bomb_refused(saved, tmp_path, monkeypatch):
    path, _ = saved
    # A member of 3 MB of zeros compresses to a few KB; with the cap lowered it must be refused unread.
    bomb = tmp_path / "bomb.lcx"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as dst:
        for n in src.namelist():
            dst.writestr(n, src.read(n))
        dst.writestr("padding.bin", b"\0" * 3_000_000)
    assert os.path.getsize(bomb) < 100_000
    monkeypatch.setattr(model_file, "MAX_TOTAL_UNCOMPRESSED_BYTES", 1_000_000)
    refused(bomb, "zip bomb")


def test_garbage_json_refused(saved, tmp_path):
    path, _ = saved
    refused(rewrite(path, tmp_path / "spec.lcx", lambda d: d["spec"].update(n_bands="many")), "architecture")

    def bad_json(members):
        members["model.json"] = b"{not json"

    refused(rewrite(path, tmp_path / "json.lcx", mutate_members=bad_json), "not valid JSON")
    refused(rewrite(path, tmp_path / "fmt.lcx", lambda d: d.update(format="other")), "does not describe")


def test_save_is_atomic(tmp_path, monkeypatch):
    bundle = make_bundle()
    path = str(tmp_path / "m.lcx")
    save_model(path, bundle)
    before = open(path, "rb").read()
    bundle.state_dict["classifier.bias"] = np.zeros(3, dtype=object)  # unsaveable
    with pytest.raises(ModelFileError):
        save_model(path, bundle)
    assert open(path, "rb").read() == before
    assert sorted(os.listdir(tmp_path)) == ["m.lcx"]


def fake_stack(bands, n_dates=3):
    return types.SimpleNamespace(bands=bands, n_dates=n_dates, dates=[date(2015, 7, 11)] * n_dates)


def test_check_fits_and_band_order():
    bundle = make_bundle()
    stack = fake_stack(["B08", "B04", "B03", "B02", "B11"])
    bundle.check_fits(stack)
    assert bundle.band_order_for(stack) == [3, 2, 1, 0]
    with pytest.raises(StackMismatchError, match="lacks band.*B04.*B08") as err:
        bundle.check_fits(fake_stack(["B02", "B03"]))
    assert "B02" in str(err.value)
    # 5 dates, all in July: the model's season (its dates, resampled by day) is not covered
    with pytest.raises(StackMismatchError, match="does not cover the model's season.*2015-09-09"):
        bundle.check_fits(fake_stack(BANDS, n_dates=5))


def test_default_colours():
    assert default_class_color("forest") == "#1b7837"
    assert default_class_color("Water bodies") == "#1f78b4"
    assert default_class_color("schrubland") == default_class_color("shrubland")
    assert default_class_color("cultivated land") != default_class_color("grassland")
    others = {default_class_color(f"class {i}", i) for i in range(8)}
    assert len(others) == 8 and all(c.startswith("#") and len(c) == 7 for c in others)


def test_giant_spec_is_refused_without_allocating(saved, tmp_path):
    path, _ = saved
    p = rewrite(path, tmp_path / "giant.lcx", lambda d: d["spec"].update(fusion_width=90_000, band_width=90_000))
    refused(p, "do not match|shape")


def test_bad_colour_is_repaired(saved, tmp_path):
    path, _ = saved
    p = rewrite(path, tmp_path / "colour.lcx", lambda d: d["classes"][0].update(color="javascript:alert(1)"))
    assert load_model(p).classes[0].color == "#1b7837"
