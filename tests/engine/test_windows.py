"""One data path: training, streaming inference and the pixel view feed the model identical tensors.

Real GeoTIFFs written with GDAL (no-data values, NaN, inf, cloudy dates, pixels with too few observations),
patch sizes 1 and 3, and an inference stack whose bands lie in another order than the model's. The model's
input is captured with forward hooks: during training (every tensor the model is trained / validated /
tested on) and during ``run_inference`` (every tensor of the class map), then compared pixel by pixel.
"""
from __future__ import annotations

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")
gdal = pytest.importorskip("osgeo.gdal")

from land_cover_xai_plugin.engine import models as models_pkg
from land_cover_xai_plugin.engine.data import windows
from land_cover_xai_plugin.engine.data.calendar import grid_from_dates
from land_cover_xai_plugin.engine.data.gapfill import fill_gaps
from land_cover_xai_plugin.engine.data.validity import dates_kept
from land_cover_xai_plugin.engine.explain.pixel import explain_pixel
from land_cover_xai_plugin.engine.inference.streaming import InferenceRequest, run_inference
from land_cover_xai_plugin.engine.io.stack import open_stack
from land_cover_xai_plugin.engine.training.trainer import TrainConfig, read_labelled_pixels, train_model

BANDS = ["B02", "B03", "B04", "B08", "B11", "B12"]
DATES = ["2020-04-01", "2020-05-01", "2020-06-01", "2020-07-01", "2020-08-01"]
NODATA = -9999.0
HEIGHT, WIDTH = 21, 27
SMALL = dict(epochs=1, lr=1e-3, block_size=4, band_width=4, fusion_width=8, conv_width=8, dense_width=16,
             threads=1, device="cpu", max_pixels=None, batch_size=1_000_000)  # one batch: every pixel fed once


def reflectance(seed=0) -> np.ndarray:
    """(T, B, H, W) float32 with every kind of hole: no-data value (cloudy pixel-dates), NaN and inf in single
    bands, a patch observed on one date only (invalid), a corner never observed."""
    rng = np.random.default_rng(seed)
    data = (rng.random((len(DATES), len(BANDS), HEIGHT, WIDTH)) * 0.4 + 0.02).astype(np.float32)
    cloudy = rng.random((len(DATES), 1, HEIGHT, WIDTH)) < 0.25
    data[np.broadcast_to(cloudy, data.shape)] = NODATA
    data[rng.random(data.shape) < 0.02] = np.nan
    data[rng.random(data.shape) < 0.01] = np.inf
    data[1:, :, 6:9, 10:14] = NODATA  # one observed date: fewer than min_valid_dates
    data[:, :, :3, :4] = NODATA  # never observed
    return data


def write_stack(path, data, band_order) -> str:
    """A date-major float32 GeoTIFF of ``data`` with its bands stored in ``band_order`` (names), described by
    a layout sidecar so that the stack keeps that order."""
    n_dates, n_bands, height, width = data.shape
    index = [BANDS.index(b) for b in band_order]
    ds = gdal.GetDriverByName("GTiff").Create(str(path), width, height, n_dates * n_bands, gdal.GDT_Float32)
    ds.SetGeoTransform((500000.0, 10.0, 0.0, 5100000.0, 0.0, -10.0))
    for t in range(n_dates):
        for j, b in enumerate(index):
            band = ds.GetRasterBand(t * n_bands + j + 1)
            band.SetNoDataValue(NODATA)
            band.WriteArray(data[t, b])
    ds = None
    with open(f"{path}.layout.json", "w") as f:
        json.dump({"dates": DATES, "bands": list(band_order), "order": "date-major"}, f)
    return str(path)


def labels_for(seed=1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    labels = rng.integers(1, 4, size=(HEIGHT, WIDTH)).astype(np.int32)
    labels[rng.random((HEIGHT, WIDTH)) < 0.3] = 0
    labels[:4, :6] = 2  # labelled but never observed / next to it: dropped, or patches with missing neighbours
    labels[5:10, 9:15] = 1
    return labels


class Recorder:
    """Forward hook: keeps a copy of every input the model gets."""

    def __init__(self):
        self.inputs = []

    def __call__(self, module, args, output):
        self.inputs.append(args[0].detach().cpu().numpy().copy())

    def attach(self, model):
        model.register_forward_hook(self)
        return model


def rows_as_set(batches) -> set:
    return {row.tobytes() for batch in batches for row in batch}


def inference_inputs(bundle, stack, tmp_path, window_size, monkeypatch) -> dict:
    """(row, col) -> the tensor the streaming pass fed the model for that pixel. One forward per window
    (no explanation asked, a batch larger than a window), pixels in window order, valid pixels only."""
    recorder = Recorder()
    build = bundle.build
    monkeypatch.setattr(bundle, "build", lambda *a, **k: recorder.attach(build(*a, **k)))
    run_inference(InferenceRequest(stack=stack, bundle=bundle, out_dir=str(tmp_path / "maps"), device="cpu",
                                   batch_size=100_000, window_size=window_size, threads=1))
    k = bundle.spec.patch_size
    planned = windows.plan_windows(stack.width, stack.height, stack.block_size, window_size)
    per_pixel, calls = {}, iter(recorder.inputs)
    for win in planned:
        valid = windows.prepare(stack, win, windows.InputSpec.for_model(bundle, stack)).valid
        if not valid.any():
            continue
        batch = next(calls)
        assert batch.shape == (int(valid.sum()), bundle.spec.n_bands, bundle.spec.n_dates) + ((k, k) if k > 1 else ())
        rows, cols = np.divmod(np.flatnonzero(valid), win.xsize)
        for r, c, x in zip(rows + win.yoff, cols + win.xoff, batch):
            per_pixel[(int(r), int(c))] = x
    assert next(calls, None) is None, "the streaming pass ran more forwards than it has windows"
    return per_pixel


def assert_one_data_path(train_stack, infer_stack, labels, patch_size, tmp_path, monkeypatch, window_size):
    """Train on ``train_stack`` (one epoch) and run the streaming pass on ``infer_stack`` (same pixels, maybe
    another band order): the model gets the same tensor for each pixel in training, inference and the pixel
    view. Returns what training read (x, n_dropped)."""
    trained = Recorder()
    build_model = models_pkg.build_model
    monkeypatch.setattr(models_pkg, "build_model", lambda spec: trained.attach(build_model(spec)))
    config = TrainConfig(arch="attention" if patch_size == 1 else "tempcnn", patch_size=patch_size, **SMALL)
    names = {int(c): f"class {c}" for c in np.unique(labels[labels > 0])}
    bundle = train_model(train_stack, labels, names, config)
    monkeypatch.setattr(models_pkg, "build_model", build_model)
    served = inference_inputs(bundle, infer_stack, tmp_path, window_size=window_size, monkeypatch=monkeypatch)

    # 1. pixel by pixel: what training reads (read_labelled_pixels, the mean put into invalid neighbours as
    #    train_on_arrays does) is what inference feeds the model at that pixel
    grid = grid_from_dates(train_stack.dates, config.grid_step_days)  # as train_model reads them
    x, rows, cols, y, n_dropped = read_labelled_pixels(train_stack, labels, patch_size, config.min_valid_dates,
                                                       validity=config.validity, grid=grid)
    had_missing_neighbours = bool(np.isnan(x).any())
    if patch_size > 1:
        windows.replace_missing(x, windows.mean_series(bundle.spec.norm_mean, bundle.spec.n_dates))
    labelled_valid = {(r, c) for (r, c) in served if labels[r, c] > 0}
    assert set(zip(rows.tolist(), cols.tolist())) == labelled_valid
    assert n_dropped == int((labels > 0).sum()) - len(labelled_valid)
    for i, (r, c) in enumerate(zip(rows, cols)):
        np.testing.assert_array_equal(x[i], served[(int(r), int(c))], err_msg=f"pixel ({r}, {c})")
    np.testing.assert_array_equal(y, labels[rows, cols])

    # 2. end to end: every tensor the model was trained / validated / tested on is one of those (pixels in the
    #    split's buffer are used by no side, so not every labelled pixel is fed)
    fed = rows_as_set(trained.inputs)
    at_labels = rows_as_set([np.stack([served[p] for p in sorted(labelled_valid)])])
    assert len(trained.inputs) >= 2 and len(fed) >= 20 and fed <= at_labels

    # 3. the pixel view reads the same series
    order = bundle.band_order_for(infer_stack)
    kept = np.asarray(dates_kept(infer_stack.info().cloud_fraction, config.validity.cloud_fraction_max), bool)
    for (r, c) in sorted(labelled_valid)[:: max(1, len(labelled_valid) // 3)]:
        exp = explain_pixel(bundle, infer_stack, r, c, shap_samples=1, ig_steps=2)
        centre = served[(r, c)] if patch_size == 1 else served[(r, c)][:, :, 1, 1]
        np.testing.assert_array_equal(exp.reflectance_filled, centre)
        observed = windows.read_reflectance(infer_stack, windows.Window(c, r, 1, 1), order)[:, :, 0, 0].T
        observed[:, ~kept] = np.nan  # dates masked by their declared cloud fraction are not observations
        np.testing.assert_array_equal(exp.stack_reflectance, observed)
    return bundle, n_dropped, had_missing_neighbours


@pytest.mark.parametrize("patch_size", [1, 3])
def test_training_and_inference_feed_the_model_identical_tensors(tmp_path, monkeypatch, patch_size):
    data = reflectance()
    train_stack = open_stack(write_stack(tmp_path / "train.tif", data, BANDS))
    other_order = ["B11", "B04", "B12", "B02", "B08", "B03"]
    infer_stack = open_stack(write_stack(tmp_path / "infer.tif", data, other_order))
    assert train_stack.bands == BANDS and infer_stack.bands == other_order
    # window 8 (not a multiple of the 4 px blocks of the split): halos cross window seams
    bundle, n_dropped, had_missing_neighbours = assert_one_data_path(
        train_stack, infer_stack, labels_for(), patch_size, tmp_path, monkeypatch, window_size=8)
    assert bundle.bands == BANDS and bundle.band_order_for(infer_stack) == [3, 5, 1, 4, 0, 2]
    assert n_dropped > 0 and had_missing_neighbours == (patch_size > 1)  # the holes were exercised
    train_stack.close()
    infer_stack.close()


def test_the_sample_stack_takes_one_data_path(tmp_path, monkeypatch, sample_dir):
    """The bundled Sentinel-2 sample (13 bands, 5 dates, two of them cloudy), its labels, a 3 x 3 patch model."""
    stack = open_stack(str(sample_dir / "s2_l1c_stack.tif"))
    labels = gdal.Open(str(sample_dir / "labels_lulc.tif")).ReadAsArray().astype(np.int32)
    assert_one_data_path(stack, stack, labels, 3, tmp_path, monkeypatch, window_size=32)
    stack.close()


def test_prepare_is_gap_filled_reflectance_in_model_order_with_edge_padded_patches(tmp_path):
    """What prepare() computes, from first principles: the series of the whole-array gap fill, the stack's
    bands reordered, invalid neighbours -> fill_series, outside the raster -> the edge pixel."""
    data = reflectance(seed=3)
    stack = open_stack(write_stack(tmp_path / "s.tif", data, ["B12", "B02", "B08", "B03", "B11", "B04"]))
    order = [stack.bands.index(b) for b in BANDS]
    raw = stack.read_all()[:, order]
    expected = raw.transpose(2, 3, 1, 0).reshape(HEIGHT * WIDTH, len(BANDS), len(DATES))
    filled, valid = fill_gaps(np.where(np.isfinite(expected), expected, np.nan), min_valid_dates=2)
    fill = np.arange(len(BANDS) * len(DATES), dtype=np.float32).reshape(len(BANDS), len(DATES))
    cube = filled.reshape(HEIGHT, WIDTH, len(BANDS), len(DATES)).copy()
    cube[~valid.reshape(HEIGHT, WIDTH)] = fill
    padded = np.pad(cube, ((1, 1), (1, 1), (0, 0), (0, 0)), mode="edge")
    inputs = windows.InputSpec(band_order=order, min_valid_dates=2, patch_size=3, fill_series=fill)
    for win in windows.plan_windows(WIDTH, HEIGHT, (5, 5), 10):
        prepared = windows.prepare(stack, win, inputs)
        rows, cols = np.mgrid[win.yoff:win.yoff + win.ysize, win.xoff:win.xoff + win.xsize]
        np.testing.assert_array_equal(prepared.valid, valid.reshape(HEIGHT, WIDTH)[rows, cols].ravel())
        sel = np.flatnonzero(prepared.valid)
        got = windows.batch_input(prepared, sel, 3)  # (n, B, T, 3, 3)
        r, c = rows.ravel()[sel], cols.ravel()[sel]
        for dy in range(3):
            for dx in range(3):
                np.testing.assert_array_equal(got[:, :, :, dy, dx], padded[r + dy, c + dx])
        pixels = windows.prepare(stack, win, windows.InputSpec(band_order=order, patch_size=1))
        np.testing.assert_array_equal(windows.batch_input(pixels, sel, 1), filled[(r * WIDTH + c)])
        assert windows.pixel_indices(win, r, c).tolist() == sel.tolist()
    assert 0 < valid.sum() < valid.size
    stack.close()


def test_input_spec_for_model_and_replace_missing():
    class Spec:
        patch_size, norm_mean, n_dates = 3, [0.1, 0.2], 4

    class Bundle:
        spec = Spec()
        bands = ["B08", "B04"]

        def band_order_for(self, stack):
            return [stack.bands.index(b) for b in self.bands]

    class Stack:
        n_bands, bands, dates, grid = 3, ["B04", "B03", "B08"], DATES[:4], None

    inputs = windows.InputSpec.for_model(Bundle(), Stack(), min_valid_dates=3)
    assert inputs.band_order == [2, 0] and inputs.patch_size == 3 and inputs.halo == 1 and inputs.min_valid_dates == 3
    np.testing.assert_array_equal(inputs.fill_series, np.float32([[0.1] * 4, [0.2] * 4]))
    Stack.n_bands, Stack.bands = 2, ["B08", "B04"]
    assert windows.InputSpec.for_model(Bundle(), Stack()).band_order is None  # already in model order
    patches = np.ones((2, 2, 4, 3, 3), np.float32)
    patches[1, :, :, 0, 2] = np.nan
    windows.replace_missing(patches, inputs.fill_series)
    assert np.isfinite(patches).all() and patches[1, 1, 3, 0, 2] == np.float32(0.2) and patches[0].min() == 1


def test_a_pixels_series_does_not_depend_on_its_window():
    """Gap filling rounds alike whatever else the window holds (pixels missing single bands are interpolated
    band by band, the others date by date): a pixel read alone, in a small or in a large window, gets the
    same bits, so training, inference and the pixel view can cut their windows differently."""
    data = reflectance(seed=5).transpose(2, 3, 1, 0).reshape(HEIGHT * WIDTH, len(BANDS), len(DATES))
    data[~np.isfinite(data) | (data == NODATA)] = np.nan
    missing = np.isnan(data)
    whole_dates = ~(missing.any(axis=1) != missing.all(axis=1)).any(axis=1)  # no date with only some bands
    assert whole_dates.any() and (~whole_dates).any()  # the window mixes both kinds of pixel
    together, valid = fill_gaps(data, min_valid_dates=2)
    for i in np.flatnonzero(whole_dates)[:40]:
        alone, alone_valid = fill_gaps(data[i:i + 1], min_valid_dates=2)
        np.testing.assert_array_equal(alone[0], together[i])
        assert alone_valid[0] == valid[i]
