"""The streaming pass's speed paths compute what the plain paths compute.

- ``models.ensemble.inference_model`` (BatchNorm folded, ensemble members batched) equals the model's own
  eval forward to float32 rounding, with every output downstream reads (probabilities, the ensemble's member
  probabilities and disagreement, the band gates), and stands aside where it does not apply;
- streaming inference with it writes the class map of the model itself;
- ``gapfill.fill_gaps``'s all-observed shortcut returns the chunked path's values bit for bit;
- ``windows.prepare`` reading into pooled buffers gives the same bits; no window overwrites one not released.
"""
from __future__ import annotations

import os

import numpy as np
import pytest

torch = pytest.importorskip("torch")
gdal = pytest.importorskip("osgeo.gdal")

from land_cover_xai_plugin.engine.data import gapfill
from land_cover_xai_plugin.engine.data.windows import BufferPool, InputSpec, Window, prepare
from land_cover_xai_plugin.engine.explain import gradcam, registry
from land_cover_xai_plugin.engine.inference import streaming
from land_cover_xai_plugin.engine.io.stack import open_stack
from land_cover_xai_plugin.engine.models import ModelSpec, build_model
from land_cover_xai_plugin.engine.models.ensemble import EnsembleNet, FastEnsembleMLP, inference_model
from land_cover_xai_plugin.engine.models.mlp import FastSeriesMLP

SRS_WKT = ('GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563]],PRIMEM["Greenwich",0],'
           'UNIT["degree",0.0174532925199433]]')


def mlp_spec(n_members=5, attention="se", band_attention=True, n_bands=10, n_dates=20, patch_size=1, **kw):
    return ModelSpec(arch="mlp", n_bands=n_bands, n_dates=n_dates, n_classes=5, patch_size=patch_size,
                     norm_mean=[0.05 + 0.02 * b for b in range(n_bands)], norm_std=[0.03 + 0.01 * b for b in range(n_bands)],
                     attention=attention, band_attention=band_attention, embed_width=16, hidden_width=32,
                     n_members=n_members, **kw)


def trained_like(spec, seed=0):
    """An eval-mode model with non-trivial BatchNorm statistics and affine weights (as after training)."""
    torch.manual_seed(seed)
    model = build_model(spec)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm1d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.3, 2.0)
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.3, 0.3)
    return model.eval()


def reflectance(spec, n=777, seed=1):
    g = torch.Generator().manual_seed(seed)
    mean = torch.tensor(spec.norm_mean)[None, :, None]
    std = torch.tensor(spec.norm_std)[None, :, None]
    return (mean + 1.5 * std * torch.randn(n, spec.n_bands, spec.n_dates, generator=g)).contiguous()


@pytest.mark.parametrize("n_members,attention,band_attention", [
    (5, "se", True), (3, "softmax", True), (2, "se", False), (1, "se", True), (1, "softmax", True)])
def test_inference_model_equals_the_model(n_members, attention, band_attention):
    spec = mlp_spec(n_members, attention, band_attention)
    model = trained_like(spec)
    fast = inference_model(model)
    assert isinstance(fast, FastEnsembleMLP if n_members > 1 else FastSeriesMLP)
    x = reflectance(spec)
    ref, got = gradcam.predict(model, x, want_attention=True), gradcam.predict(fast, x, want_attention=True)
    torch.testing.assert_close(got.logits, ref.logits, rtol=1e-5, atol=2e-5)
    torch.testing.assert_close(got.probabilities, ref.probabilities, rtol=1e-5, atol=1e-6)
    assert torch.equal(got.predicted, ref.predicted)
    if band_attention:
        torch.testing.assert_close(got.band_attention, ref.band_attention, rtol=1e-5, atol=1e-6)
    else:
        assert got.band_attention is None and ref.band_attention is None
    if n_members > 1:
        torch.testing.assert_close(fast.last_member_probabilities, model.last_member_probabilities, rtol=1e-5,
                                   atol=1e-6)
        torch.testing.assert_close(fast.last_disagreement, model.last_disagreement, rtol=1e-4, atol=1e-6)
        assert len(fast.members) == n_members
    # a second batch replaces what the first recorded (the disagreement is not a stale cache)
    x2 = reflectance(spec, n=50, seed=7)
    gradcam.predict(model, x2)
    gradcam.predict(fast, x2)
    if n_members > 1:
        assert fast.last_disagreement.shape == (50,)
        torch.testing.assert_close(fast.last_disagreement, model.last_disagreement, rtol=1e-4, atol=1e-6)


def test_inference_model_refuses_what_it_cannot_stand_in_for():
    ensemble = trained_like(mlp_spec(3))
    assert inference_model(ensemble.train()) is ensemble  # training mode: BatchNorm uses batch statistics
    patch = trained_like(mlp_spec(2, patch_size=3))
    assert inference_model(patch) is patch  # k x k spatial front
    attention = trained_like(ModelSpec(arch="attention", n_bands=4, n_dates=6, n_classes=3, norm_mean=[0.1] * 4,
                                       norm_std=[0.05] * 4, band_width=4, fusion_width=8))
    assert inference_model(attention) is attention
    with pytest.raises(ValueError, match="model expects input"):
        inference_model(trained_like(mlp_spec(2)))(torch.zeros(3, 9, 20))


def test_forward_model_only_for_forward_only_methods():
    model = trained_like(mlp_spec(3))
    get = registry.get
    assert isinstance(streaming.forward_model(model, [get("classification"), get("uncertainty"),
                                                      get("disagreement"), get("probabilities")]), FastEnsembleMLP)
    for method in ("gradcam", "shap", "ig"):  # gradients through the model's own layers
        assert streaming.forward_model(model, [get("classification"), get(method)]) is model
    for method in ("occlusion_dates", "linear_occlusion_dates", "shapley_dates", "occlusion_bands"):
        assert isinstance(streaming.forward_model(model, [get("classification"), get(method)]), FastEnsembleMLP)
    assert isinstance(streaming.forward_model(model, [get("classification")]), FastEnsembleMLP)
    assert isinstance(model, EnsembleNet)


# --- streaming with the stand-in writes the model's own class map -------------------------------------------

class _Cls:
    def __init__(self, i):
        self.id, self.name, self.color = i, f"class {i}", "#336699"


class _Bundle:
    """A stand-in ModelBundle around an in-memory model (no calendar: dates by index)."""

    def __init__(self, spec, model):
        self.spec, self._model = spec, model
        self.classes = [_Cls(i) for i in (1, 2, 3, 4, 8)]
        self.bands = [f"B{b + 1:02d}" for b in range(spec.n_bands)]
        self.dates = [f"2020-{t + 1:02d}-01" for t in range(spec.n_dates)]

    def build(self, device="cpu", threads=1):
        return self._model

    def resolve_target(self, target):
        from land_cover_xai_plugin.engine.models.model_file import ModelBundle

        return ModelBundle.resolve_target(self, target)

    def check_fits(self, stack):
        pass

    def band_order_for(self, stack):
        return list(range(stack.n_bands))


def _stack_tif(data, path, dtype=gdal.GDT_Float32, nodata=None):
    n_dates, n_bands, height, width = data.shape
    ds = gdal.GetDriverByName("GTiff").Create(str(path), width, height, n_dates * n_bands, dtype,
                                              options=["TILED=YES", "BLOCKXSIZE=16", "BLOCKYSIZE=16"])
    ds.SetGeoTransform((500000.0, 10.0, 0.0, 5100000.0, 0.0, -10.0))
    ds.SetProjection(SRS_WKT)
    for t in range(n_dates):
        for b in range(n_bands):
            band = ds.GetRasterBand(t * n_bands + b + 1)
            band.SetDescription(f"T{t + 1}_2020-{t + 1:02d}-01_B{b + 1:02d}")
            if nodata is not None:
                band.SetNoDataValue(nodata)
            band.WriteArray(data[t, b])
    ds = None
    return str(path)


def _cube_around_the_norm(spec, height: int, width: int, seed: int) -> np.ndarray:
    """(T, B, height, width) float32 reflectance spread around the model's normalisation (mean ± 1.5 std)."""
    rng = np.random.default_rng(seed)
    mean = np.asarray(spec.norm_mean, np.float32)[None, :, None, None]
    std = np.asarray(spec.norm_std, np.float32)[None, :, None, None]
    shape = (spec.n_dates, spec.n_bands, height, width)
    return (mean + 1.5 * std * rng.standard_normal(shape)).astype(np.float32)


def test_streaming_with_the_stand_in_writes_the_models_class_map(tmp_path):
    spec = mlp_spec(3, n_bands=4, n_dates=6)
    model = trained_like(spec)
    data = _cube_around_the_norm(spec, 40, 35, seed=3)
    data[1:3, :, 5:12, 7:20] = np.nan  # clouds: gap-filled windows
    stack = open_stack([_stack_tif(data, tmp_path / "stack.tif")])
    result = streaming.run_inference(streaming.InferenceRequest(
        stack=stack, bundle=_Bundle(spec, model), out_dir=str(tmp_path / "out"), methods={"uncertainty",
                                                                                            "disagreement"},
        device="cpu", threads=1, batch_size=97, window_size=16))
    series = data.transpose(2, 3, 1, 0).reshape(-1, 4, 6)
    filled, valid = gapfill.fill_gaps(series, min_valid_dates=2)
    assert valid.all()
    ref = gradcam.predict(model, torch.from_numpy(filled))
    classes = np.array([1, 2, 3, 4, 8])
    pred = gdal.Open(result.output("prediction").path).ReadAsArray().reshape(-1)
    np.testing.assert_array_equal(pred, classes[ref.predicted.numpy()])
    conf = gdal.Open(result.output("confidence").path).ReadAsArray().reshape(-1)
    np.testing.assert_allclose(conf, ref.probabilities.max(1).values.numpy(), rtol=1e-5, atol=1e-6)
    ref_mi = model.last_disagreement.numpy()
    got = gdal.Open(result.output("disagreement").path).ReadAsArray().reshape(-1)
    from land_cover_xai_plugin.engine.explain.methods.disagreement import disagreement_bound

    np.testing.assert_allclose(got, np.clip(ref_mi / disagreement_bound(5, 3), 0, 1), rtol=1e-4, atol=1e-6)
    stack.close()


def test_per_date_and_band_maps_through_the_stand_in_equal_the_models(tmp_path, monkeypatch):
    """Occlusion (dates, bands), date Shapley and the linearised date occlusion run on the stand-in
    (FORWARD_ONLY_METHODS): their maps equal those computed on the ensemble itself, to float32 rounding."""
    spec = mlp_spec(3, n_bands=4, n_dates=6)
    model = trained_like(spec)
    data = _cube_around_the_norm(spec, 20, 18, seed=4)
    data[2, :, 3:9, 4:12] = np.nan
    stack = open_stack([_stack_tif(data, tmp_path / "stack.tif")])
    methods = {"occlusion_dates", "linear_occlusion_dates", "shapley_dates", "occlusion_bands"}

    def run(out):
        return streaming.run_inference(streaming.InferenceRequest(
            stack=stack, bundle=_Bundle(spec, model), out_dir=str(tmp_path / out), methods=methods, device="cpu",
            threads=1, batch_size=64, window_size=16))
    fast = run("stand_in")
    monkeypatch.setattr(streaming, "forward_model", lambda m, explainers: m)  # the ensemble itself
    own = run("model")
    for kind in ("occlusion_dates", "linear_occlusion_dates", "shapley_dates", "occlusion_bands"):
        got = gdal.Open(fast.output(kind).path).ReadAsArray()
        want = gdal.Open(own.output(kind).path).ReadAsArray()
        assert np.isfinite(want).all() and np.abs(want).max() > 1e-4, kind  # a map that can differ
        np.testing.assert_allclose(got, want, rtol=1e-3, atol=2e-5, err_msg=kind)
    stack.close()


# --- data path shortcuts ------------------------------------------------------------------------------------

@pytest.mark.parametrize("min_valid_dates", [1, 2, 7, 8])
def test_fill_gaps_all_observed_shortcut_is_the_chunked_result(min_valid_dates):
    rng = np.random.default_rng(0)
    raw = (rng.random((7, 3, 40, 50)) * 0.4).astype(np.float32)  # (T, B, h, w): every value observed
    series = raw.transpose(2, 3, 1, 0).reshape(-1, 3, 7)  # the pixel-major view prepare() passes
    filled, valid = gapfill.fill_gaps(series, min_valid_dates=min_valid_dates)
    chunk_filled, chunk_valid = gapfill._fill_chunk_date_gaps(np.ascontiguousarray(series), np.arange(7.0, dtype=np.float32),
                                                              min_valid_dates)
    assert filled.flags.c_contiguous and filled.dtype == np.float32 and not np.shares_memory(filled, raw)
    np.testing.assert_array_equal(filled, chunk_filled)
    np.testing.assert_array_equal(valid, chunk_valid)
    assert valid.all() == (min_valid_dates <= 7)
    # one missing value anywhere: the chunked path runs (and fills it)
    series_missing = series.copy()
    series_missing[123, :, 3] = np.nan
    filled_missing, _ = gapfill.fill_gaps(series_missing, min_valid_dates=1)
    assert np.isfinite(filled_missing).all()
    np.testing.assert_allclose(filled_missing[123, :, 3], 0.5 * (series[123, :, 2] + series[123, :, 4]), rtol=1e-6)
    # a sum that overflows float32 is not mistaken for missing data: same values either way
    big = np.full((4, 2, 3), 3e38, np.float32)
    filled_big, valid_big = gapfill.fill_gaps(big)
    np.testing.assert_array_equal(filled_big, big)
    assert valid_big.all()


def test_prepare_with_pooled_buffers_equals_a_fresh_read(tmp_path):
    rng = np.random.default_rng(5)
    data = rng.integers(1, 10000, (5, 3, 48, 40)).astype(np.uint16)
    data[2, :, 10:20, 5:9] = 0  # no-data in the first and third windows; the second and fourth are complete
    data[1, 0, 40, 3] = 0
    path = _stack_tif(data, tmp_path / "u16.tif", gdal.GDT_UInt16, nodata=0)
    stack = open_stack([path])
    inputs = InputSpec.for_stack(stack)
    pool = BufferPool()
    windows = [Window(0, 0, 16, 16), Window(16, 16, 16, 16), Window(0, 32, 16, 16), Window(16, 0, 16, 16)]
    got, kept = [], []
    for win in windows:  # none released yet: every window in its own array
        got.append(prepare(stack, win, inputs, pool))
        kept.append(got[-1].pixels.copy())
        assert got[-1].buffer is not None and np.shares_memory(got[-1].pixels, got[-1].buffer)
        # complete: no copy, the pixels are a view of the date-major read; else gap-filled, pixel-major
        complete = (data[:, :, win.yoff:win.yoff + 16, win.xoff:win.xoff + 16] > 0).all()
        assert got[-1].pixels.flags.c_contiguous != complete
    assert not any(np.shares_memory(a.pixels, b.pixels) for i, a in enumerate(got) for b in got[i + 1:])
    for win, prepared, values in zip(windows, got, kept):
        np.testing.assert_array_equal(prepared.pixels, values)  # no later read overwrote an earlier window
        fresh = prepare(stack, win, inputs)
        assert fresh.buffer is None
        np.testing.assert_array_equal(prepared.pixels, fresh.pixels)
        np.testing.assert_array_equal(prepared.valid, fresh.valid)
    np.testing.assert_array_equal(  # the zero-copy window is the stack's reflectance, pixel-major
        got[1].pixels, stack.read_window(16, 16, 16, 16).transpose(2, 3, 1, 0).reshape(256, 3, 5))
    released = got[1].buffer
    pool.release(got[1])
    again = prepare(stack, windows[3], inputs, pool)  # complete too: read into the array given back
    assert again.buffer is released
    np.testing.assert_array_equal(again.pixels, kept[3])
    assert os.path.exists(path)
    stack.close()


def test_prepare_takes_completeness_from_the_reading(tmp_path, monkeypatch):
    """A TimeSeriesStack says whether a window has gaps as it reads it: prepare does not scan the window again
    (the scan cost ~8 ms per 256 x 256 x 200 window on the pass's critical path), and gets the same result."""
    data = np.random.default_rng(6).integers(1, 10000, (4, 3, 32, 16)).astype(np.uint16)
    data[1, 2, 20, 3] = 0
    stack = open_stack([_stack_tif(data, tmp_path / "u16.tif", gdal.GDT_UInt16, nodata=0)])
    inputs = InputSpec.for_stack(stack)
    expected = [prepare(stack, Window(0, y, 16, 16), inputs, BufferPool()) for y in (0, 16)]

    def no_scan(x):
        raise AssertionError("the window was scanned again")
    monkeypatch.setattr(gapfill, "is_complete", no_scan)
    for y, want in zip((0, 16), expected):
        got = prepare(stack, Window(0, y, 16, 16), inputs, BufferPool())
        np.testing.assert_array_equal(got.pixels, want.pixels)
        np.testing.assert_array_equal(got.valid, want.valid)
        assert got.pixels.flags.c_contiguous == (y == 16)  # the window with the gap was gap-filled
    stack.close()


@pytest.mark.parametrize("on_grid", [False, True])
def test_gap_filling_in_threads_equals_one_thread(tmp_path, on_grid):
    """prepare(..., threads=n) fills a window with gaps in n slices of pixels side by side: the same bits."""
    from land_cover_xai_plugin.engine.data import calendar

    rng = np.random.default_rng(8)
    data = rng.integers(1, 10000, (6, 3, 64, 160)).astype(np.uint16)
    data[rng.random(data.shape) < 0.2] = 0  # no-data everywhere: every slice has gaps to fill
    data[:, :, :4, :4] = 0  # and pixels with nothing observed
    stack = open_stack([_stack_tif(data, tmp_path / "gaps.tif", gdal.GDT_UInt16, nodata=0)])
    grid = calendar.grid_from_dates(stack.dates, step_days=15) if on_grid else None  # off the stack's dates
    inputs = InputSpec.for_stack(stack, grid)
    win = Window(0, 0, 160, 64)  # 10240 px: two slices of >= 4096
    one = prepare(stack, win, inputs, BufferPool())
    two = prepare(stack, win, inputs, BufferPool(), threads=2)
    assert not np.isfinite(stack.read_window(0, 0, 160, 64)).all()
    np.testing.assert_array_equal(two.pixels, one.pixels)
    np.testing.assert_array_equal(two.valid, one.valid)
    assert not one.valid[:4].any() and one.valid.mean() > 0.9
    assert two.buffer is not None and np.shares_memory(two.pixels, two.buffer)
    stack.close()


def test_batches_cut_from_a_zero_copy_window_give_the_same_outputs(tmp_path):
    """The class map of a complete window (pixels a strided view of the read) equals the one computed from a
    contiguous copy of the same pixels: the models take strided input."""
    spec = mlp_spec(3, n_bands=3, n_dates=5)
    torch.manual_seed(0)
    model = build_model(spec).eval()
    x = torch.rand(5, 3, 64).permute(2, 1, 0)  # (N, B, T) date-major in memory, as prepare() returns it
    runner = streaming.forward_model(model, [registry.get("classification")])
    with torch.inference_mode():
        strided = runner(x)
        contiguous = runner(x.contiguous())
    torch.testing.assert_close(strided, contiguous, rtol=1e-5, atol=1e-6)


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="needs 2 cores: torch threads filling them read inline")
def test_windows_read_inline_in_threads_equal_the_reader_threads(tmp_path, monkeypatch):
    """With torch's threads on every core the pass reads each window between batches, its planes split between
    GDAL threads (_InlineWindows); with a core left, a reader thread reads ahead (_ThreadedWindows): same maps."""
    spec = mlp_spec(3, n_bands=4, n_dates=6)
    model = trained_like(spec)
    rng = np.random.default_rng(4)
    mean = np.asarray(spec.norm_mean, np.float32)[None, :, None, None]
    data = (mean * (1 + 0.5 * rng.standard_normal((6, 4, 64, 48)))).astype(np.float32)
    data[2, :, 20:40, 10:30] = np.nan
    stack = open_stack([_stack_tif(data, tmp_path / "stack.tif")])
    before = torch.get_num_threads()
    sources = []
    original = streaming.prepare
    monkeypatch.setattr(streaming, "prepare", lambda handle, *a: sources.append(handle) or original(handle, *a))
    maps = {}
    for threads in (1, os.cpu_count()):
        result = streaming.run_inference(streaming.InferenceRequest(
            stack=stack, bundle=_Bundle(spec, model), out_dir=str(tmp_path / f"out{threads}"),
            methods={"probabilities"}, device="cpu", threads=threads, batch_size=64, window_size=16))
        assert torch.get_num_threads() == threads  # the pass leaves torch at the count it was asked for
        maps[threads] = [gdal.Open(result.output(kind).path).ReadAsArray() for kind in ("prediction", "probabilities")]
        assert result.timings["read"] > 0
        # one read thread with a core left for it, as many as torch threads (<= 4) when torch fills the cores
        assert {h.read_threads for h in sources} == {1 if threads == 1 else min(threads, 4)}
        sources.clear()
    torch.set_num_threads(before)
    np.testing.assert_array_equal(maps[1][0], maps[os.cpu_count()][0])
    np.testing.assert_allclose(maps[1][1], maps[os.cpu_count()][1], rtol=1e-6, atol=1e-7)
    stack.close()


@pytest.mark.parametrize("target", [
    np.arange(15.0, 350.0, 17.0),  # a model's grid between the stack's dates
    np.array([1.0, 10.0, 11.0, 200.0, 357.0, 400.0]),  # before the first, on a date, after the last
])
@pytest.mark.parametrize("shuffled", [False, True])
def test_fill_gaps_onto_all_observed_shortcut_is_the_general_result(target, shuffled):
    times = np.array([10, 28, 46, 65, 83, 101, 120, 138, 156, 174, 192, 211, 229, 247, 266, 284, 302, 320, 338,
                      357], float)
    rng = np.random.default_rng(2)
    raw = (rng.random((20, 4, 24, 30)) * 0.4).astype(np.float32)  # (T, B, h, w), every value observed
    series = raw.transpose(2, 3, 1, 0).reshape(-1, 4, 20)
    order = rng.permutation(20) if shuffled else np.arange(20)
    series, times = series[:, :, order], times[order]
    filled, valid = gapfill.fill_gaps_onto(series, times, target, min_valid_dates=2)
    # the general path: one missing value elsewhere makes the whole call take it
    other = series.copy()
    other[0, 1, 3] = np.nan
    reference, reference_valid = gapfill.fill_gaps_onto(other, times, target, min_valid_dates=2)
    assert filled.shape == (len(series), 4, len(target)) and filled.flags.c_contiguous
    np.testing.assert_array_equal(filled[1:], reference[1:])  # bit for bit
    np.testing.assert_array_equal(valid, reference_valid | (np.arange(len(series)) == 0))
    assert valid.all()
