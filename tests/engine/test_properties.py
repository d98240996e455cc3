"""Property-based tests (hypothesis) of the inference pass on random small stacks written with GDAL.

- streaming is tiling-invariant: any window size, batch size, block layout, band / date order inside the file
  gives the single-window (whole raster in memory) result; on pixels observed at every date the class map is the
  model applied directly to the raw values (an in-memory computation that shares no code with the pass);
- a fixed model is deterministic: the same request twice gives bit-identical rasters;
- no-data never becomes a class, and every pixel with enough observed dates gets one of the model's classes;
- the output folder after any failure (cancel or error at any point) equals the folder before it.
Examples are few and small (2 shared cores): max_examples is low, deadline off.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from datetime import date

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
torch = pytest.importorskip("torch")
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from osgeo import gdal

from land_cover_xai_plugin.engine.errors import Cancelled
from land_cover_xai_plugin.engine.inference.streaming import InferenceRequest, run_inference
from land_cover_xai_plugin.engine.io.stack import open_stack
from land_cover_xai_plugin.engine.models import ModelSpec, build_model
from land_cover_xai_plugin.engine.models.model_file import (
    ClassInfo, bundle_from_module, load_model, save_model)

gdal.UseExceptions()
DATES = ["2020-04-01", "2020-05-01", "2020-06-01", "2020-07-01"]
BANDS = ["B02", "B04", "B08"]
MODEL_BANDS = ["B08", "B02", "B04"]  # the model's own order differs from the files'
CLASS_IDS = (2, 5, 7)
MIN_VALID = 2
NODATA = -9999.0
PROPERTY_SETTINGS = settings(max_examples=6, deadline=None, derandomize=True,
                             suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

_MODELS: dict = {}
_ROOT = tempfile.mkdtemp(prefix="lcx-properties-")


def fixed_model(patch_size: int):
    """A small model with non-trivial weights and BatchNorm statistics, saved to a .lcx and loaded back."""
    if patch_size not in _MODELS:
        torch.manual_seed(11 + patch_size)
        spec = ModelSpec(arch="tempcnn", n_bands=3, n_dates=4, n_classes=3, patch_size=patch_size,
                         norm_mean=[0.12, 0.1, 0.3], norm_std=[0.05, 0.05, 0.1], conv_width=6, dense_width=12)
        model = build_model(spec)
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm1d):
                m.running_mean.uniform_(-0.3, 0.3)
                m.running_var.uniform_(0.5, 1.5)
        classes = [ClassInfo(c, f"class {c}", "#336699") for c in CLASS_IDS]
        bundle = bundle_from_module(model, spec, MODEL_BANDS, [date.fromisoformat(d) for d in DATES], classes,
                                    scaling={"scale": 1.0, "offset": 0.0})
        path = os.path.join(_ROOT, f"fixed_{patch_size}.lcx")
        save_model(path, bundle)
        _MODELS[patch_size] = load_model(path)
    return _MODELS[patch_size]


@st.composite
def stacks(draw):
    """(data (T, B, H, W) in canonical order with NaN / no-data holes, file band order, block size)."""
    height = draw(st.integers(3, 40))
    width = draw(st.integers(3, 40))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    data = (rng.random((len(DATES), len(BANDS), height, width)) * 0.4 + 0.02).astype(np.float32)
    pattern = draw(st.sampled_from(["none", "clouds", "rows", "mostly_missing", "everything_but_one"]))
    missing = np.zeros((len(DATES), height, width), bool)  # whole dates of a pixel missing (clouds)
    if pattern == "clouds":
        missing = rng.random(missing.shape) < 0.3
    elif pattern == "rows":
        missing[:, rng.integers(0, height)] = True
        missing[:, :, rng.integers(0, width)] = True
    elif pattern == "mostly_missing":
        missing = rng.random(missing.shape) < 0.7
    elif pattern == "everything_but_one":
        missing[:] = True
        missing[:, rng.integers(0, height), rng.integers(0, width)] = False
    nodata_value = rng.random(missing.shape) < 0.5  # half the holes as NaN, half as the declared no-data value
    for t in range(len(DATES)):
        data[t, :, missing[t] & nodata_value[t]] = NODATA
        data[t, :, missing[t] & ~nodata_value[t]] = np.nan
    file_order = draw(st.permutations([(t, b) for t in range(len(DATES)) for b in range(len(BANDS))]))
    block = draw(st.sampled_from([None, 16, 32]))
    return data, list(file_order), block


def write_stack(data, file_order, block, folder) -> str:
    n_dates, n_bands, height, width = data.shape
    options = ["TILED=YES", f"BLOCKXSIZE={block}", f"BLOCKYSIZE={block}"] if block else []
    path = os.path.join(folder, "stack.tif")
    ds = gdal.GetDriverByName("GTiff").Create(path, width, height, n_dates * n_bands, gdal.GDT_Float32, options)
    ds.SetGeoTransform((500000.0, 10.0, 0.0, 5100000.0, 0.0, -10.0))
    for i, (t, b) in enumerate(file_order):
        band = ds.GetRasterBand(i + 1)
        band.SetDescription(f"{DATES[t]} {BANDS[b]}")
        band.SetNoDataValue(NODATA)
        band.WriteArray(data[t, b])
    ds = None
    return path


def run(stack_path, bundle, out_dir, callbacks=None, **kwargs):
    stack = open_stack([stack_path])
    try:
        return run_inference(InferenceRequest(stack=stack, bundle=bundle, out_dir=out_dir, methods={"probabilities"},
                                              device="cpu", threads=1, **kwargs), **(callbacks or {}))
    finally:
        stack.close()


def rasters(result) -> dict[str, np.ndarray]:
    return {d.kind: gdal.Open(d.path).ReadAsArray() for d in result.outputs}


def observed_dates(data) -> np.ndarray:
    ok = np.isfinite(data) & (data != NODATA)
    return ok.all(axis=1).sum(axis=0)  # (H, W): dates observed in every band


def fresh_dir() -> str:
    return tempfile.mkdtemp(dir=_ROOT)


@PROPERTY_SETTINGS
@given(case=stacks(), patch=st.sampled_from([1, 3]), window=st.sampled_from([16, 32, 48]),
       batch=st.integers(16, 300))
def test_streaming_equals_the_whole_raster_in_memory(case, patch, window, batch):
    data, file_order, block = case
    folder = fresh_dir()
    path = write_stack(data, file_order, block, folder)
    bundle = fixed_model(patch)
    height, width = data.shape[2:]
    n_observed = observed_dates(data)
    if (n_observed >= MIN_VALID).sum() == 0:
        return  # an all-no-data stack is refused (test below); nothing to compare
    streamed = rasters(run(path, bundle, os.path.join(folder, "a"), window_size=window, batch_size=batch))
    whole = rasters(run(path, bundle, os.path.join(folder, "b"), window_size=max(height, width, 16),
                        batch_size=height * width))
    probabilities = whole["probabilities"].reshape(len(CLASS_IDS), height, width)
    np.testing.assert_allclose(streamed["probabilities"].reshape(probabilities.shape), probabilities, atol=2e-5)
    top2 = np.sort(np.nan_to_num(probabilities), axis=0)[-2:]
    clear = (top2[1] - top2[0]) > 1e-4  # a class flip between near-equal classes is rounding, not a bug
    np.testing.assert_array_equal(streamed["prediction"][clear], whole["prediction"][clear])

    if patch == 1:  # independent of the pass: the model on the raw values of fully observed pixels
        complete = n_observed == len(DATES)
        if complete.any():
            order = [BANDS.index(b) for b in MODEL_BANDS]
            x = data[:, order][:, :, complete].transpose(2, 1, 0)  # (n, B, T)
            model = bundle.build("cpu")
            with torch.no_grad():
                expected = np.asarray(CLASS_IDS)[model(torch.from_numpy(np.ascontiguousarray(x))).argmax(1).numpy()]
            np.testing.assert_array_equal(whole["prediction"][complete][clear[complete]], expected[clear[complete]])
    shutil.rmtree(folder, ignore_errors=True)


@PROPERTY_SETTINGS
@given(case=stacks(), patch=st.sampled_from([1, 3]), window=st.sampled_from([16, 32]))
def test_a_fixed_model_is_deterministic_and_no_data_never_becomes_a_class(case, patch, window):
    data, file_order, block = case
    folder = fresh_dir()
    path = write_stack(data, file_order, block, folder)
    bundle = fixed_model(patch)
    n_observed = observed_dates(data)
    if (n_observed >= MIN_VALID).sum() == 0:
        from land_cover_xai_plugin.engine.errors import StackError

        with pytest.raises(StackError, match="no-data"):
            run(path, bundle, os.path.join(folder, "a"), window_size=window, batch_size=64)
        assert not os.path.exists(os.path.join(folder, "a"))
        return
    first = rasters(run(path, bundle, os.path.join(folder, "a"), window_size=window, batch_size=64))
    again = rasters(run(path, bundle, os.path.join(folder, "b"), window_size=window, batch_size=64))
    for kind in first:
        np.testing.assert_array_equal(first[kind], again[kind], err_msg=kind)
    prediction = first["prediction"]
    ds = gdal.Open(os.path.join(folder, "a", "prediction.tif"))  # kept: a band outlives no dataset in GDAL
    nodata = ds.GetRasterBand(1).GetNoDataValue()
    ds = None
    assert nodata not in CLASS_IDS
    enough = n_observed >= MIN_VALID
    assert np.all(prediction[~enough] == nodata)
    assert np.isin(prediction[enough], CLASS_IDS).all()
    assert np.isnan(first["confidence"][~enough]).all() and np.isfinite(first["confidence"][enough]).all()
    shutil.rmtree(folder, ignore_errors=True)


def snapshot(folder) -> dict | None:
    """Every file under ``folder`` (hidden ones too) -> sha256; None when the folder does not exist."""
    if not os.path.isdir(folder):
        return None
    found = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            full = os.path.join(root, name)
            rel = os.path.relpath(full, folder)
            found[rel] = hashlib.sha256(open(full, "rb").read()).hexdigest() if os.path.isfile(full) else "dir"
    return found


class BoomError(RuntimeError):
    pass


@PROPERTY_SETTINGS
@given(case=stacks(), state=st.sampled_from(["missing", "empty", "user_files", "earlier_results"]),
       failure=st.sampled_from(["cancel", "error"]), after=st.integers(1, 12))
def test_the_output_folder_after_any_failure_equals_the_folder_before(case, state, failure, after):
    data, file_order, block = case
    if (observed_dates(data) >= MIN_VALID).sum() == 0:
        return
    folder = fresh_dir()
    path = write_stack(data, file_order, block, folder)
    bundle = fixed_model(1)
    out = os.path.join(folder, "out", "deeper")
    if state != "missing":
        os.makedirs(out)
    if state in ("user_files", "earlier_results"):
        with open(os.path.join(out, "notes.txt"), "w") as fh:
            fh.write("the user's own file")
    if state == "earlier_results":
        run(path, bundle, out, window_size=16, batch_size=64)
    before = snapshot(out)
    calls = {"n": 0}

    def tick(*_args):
        calls["n"] += 1
        if calls["n"] >= after and failure == "error":
            raise BoomError("disk gone")
        return calls["n"] >= after

    callbacks = {"is_cancelled": tick} if failure == "cancel" else {"progress": tick}
    try:
        run(path, bundle, out, window_size=16, batch_size=16, overwrite=True, callbacks=callbacks)
        failed = False
    except (Cancelled, BoomError):
        failed = True
    if failed:
        assert snapshot(out) == before
        if state == "missing":
            assert not os.path.exists(os.path.join(folder, "out"))
    else:  # the pass ended before the failure point: committed, and nothing but results added
        after_run = snapshot(out)
        added = set(after_run) - set(before or {})
        assert all(not name.startswith(".lcx") and "partial" not in name for name in added)
    shutil.rmtree(folder, ignore_errors=True)
