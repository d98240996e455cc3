"""Streaming inference: equals the whole-array result, keeps no-data, writes complete styled outputs
atomically (nothing left on cancel / failure), retries a CUDA out-of-memory with smaller batches."""
from __future__ import annotations

import dataclasses
import os
import tempfile

import numpy as np
import pytest

torch = pytest.importorskip("torch")
gdal = pytest.importorskip("osgeo.gdal")

from land_cover_xai_plugin.engine.inference import streaming as inference
from land_cover_xai_plugin.engine.errors import Cancelled, LcxError
from land_cover_xai_plugin.engine.explain import gradcam
from land_cover_xai_plugin.engine.explain.pixel import explain_pixel
from land_cover_xai_plugin.engine.data.gapfill import fill_gaps
from land_cover_xai_plugin.engine.models import ModelSpec, build_model

SRS_WKT = 'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]]'


# --- a small stand-in for ModelBundle whose model can be swapped for a failing one (failure injection) ------

@dataclasses.dataclass
class Grid:
    width: int
    height: int
    geotransform: tuple = (500000.0, 10.0, 0.0, 5100000.0, 0.0, -10.0)
    crs_wkt: str = SRS_WKT


@dataclasses.dataclass
class Cls:
    id: int
    name: str
    color: str


class Bundle:
    def __init__(self, spec, class_ids=(1, 2, 5), seed=0, model_factory=None):
        self.spec = spec
        self.classes = [Cls(c, f"class {c}", f"#{(40 * c) % 256:02x}80{(90 * c) % 256:02x}") for c in class_ids]
        self.bands = [f"B{b + 1:02d}" for b in range(spec.n_bands)]
        self.dates = [f"2020-{m:02d}-01" for m in range(1, spec.n_dates + 1)]
        self.seed = seed
        self.model_factory = model_factory

    def build(self, device="cpu", threads=1):
        torch.manual_seed(self.seed)
        model = (self.model_factory or build_model)(self.spec)
        for m in model.modules():  # non-trivial BN statistics
            if isinstance(m, torch.nn.BatchNorm1d):
                m.running_mean.uniform_(-0.2, 0.2)
                m.running_var.uniform_(0.5, 1.5)
        return model.to(device).eval()

    @property
    def class_ids(self):
        return [c.id for c in self.classes]

    def resolve_target(self, target):
        from land_cover_xai_plugin.engine.models.model_file import ModelBundle

        return ModelBundle.resolve_target(self, target)

    def check_fits(self, stack):
        pass

    def band_order_for(self, stack):
        return list(range(stack.n_bands))


def make_spec(arch="tempcnn", n_bands=3, n_dates=6, n_classes=3, patch_size=1, **kw):
    base = dict(conv_width=8, dense_width=16, band_width=4, fusion_width=8) | kw
    return ModelSpec(arch=arch, n_bands=n_bands, n_dates=n_dates, n_classes=n_classes, patch_size=patch_size,
                     norm_mean=[0.1 * (b + 1) for b in range(n_bands)], norm_std=[0.05] * n_bands, **base)


def write_stack_tif(data, path, block=(16, 16)) -> str:
    """A real float32 GeoTIFF (date-major bands named T{i}_{date}_{band}, NaN / inf kept) of a (T, B, H, W) array."""
    n_dates, n_bands, height, width = data.shape
    options = ["TILED=YES", f"BLOCKXSIZE={block[0]}", f"BLOCKYSIZE={block[1]}"]
    ds = gdal.GetDriverByName("GTiff").Create(str(path), width, height, n_dates * n_bands, gdal.GDT_Float32,
                                              options=options)
    ds.SetGeoTransform(Grid(width, height).geotransform)
    ds.SetProjection(SRS_WKT)
    for t in range(n_dates):
        for b in range(n_bands):
            band = ds.GetRasterBand(t * n_bands + b + 1)
            band.SetDescription(f"T{t + 1}_2020-{t + 1:02d}-01_B{b + 1:02d}")
            band.WriteArray(data[t, b])
    ds = None
    return str(path)


def random_stack(height, width, n_dates=6, n_bands=3, seed=0, holes=True, block=(16, 16)):
    """A real TimeSeriesStack: random reflectance with clouds (NaN), inf and no-data pixels, written to a
    GeoTIFF on disk and opened through engine/stack.py."""
    from land_cover_xai_plugin.engine.io.stack import open_stack

    rng = np.random.default_rng(seed)
    data = (rng.random((n_dates, n_bands, height, width)) * 0.3 + 0.05).astype(np.float32)
    if holes:
        cloud = rng.random((n_dates, 1, height, width)) < 0.2
        data = np.where(cloud, np.nan, data)
        data[:, :, 0, 0] = np.nan  # fully missing pixel
        data[:, :, height // 2, width // 3] = np.inf  # inf is missing too
        data[:-1, :, height - 1, width - 1] = np.nan  # a single observed date: no-data with min_valid_dates=2
    folder = tempfile.mkdtemp(prefix="lcx-test-stack-")
    path = write_stack_tif(data, os.path.join(folder, f"stack_{height}x{width}_{seed}.tif"), block)
    return open_stack([path])


def whole_array(stack):
    return stack.read_window(0, 0, stack.width, stack.height)


def read_tif(path):
    ds = gdal.Open(path)
    arr = ds.ReadAsArray()
    return arr if arr.ndim == 3 else arr[None], ds


# --- the in-memory reference: whole array, one batch, written independently of the streaming code ------

def reference(bundle, stack, methods, target_index=None, min_valid_dates=2):
    spec = bundle.spec
    k, h = spec.patch_size, spec.patch_size // 2
    data = whole_array(stack).copy()
    data[~np.isfinite(data)] = np.nan
    T, B, H, W = data.shape
    series = data.transpose(2, 3, 1, 0).reshape(H * W, B, T)
    filled, valid = fill_gaps(series, min_valid_dates=min_valid_dates)
    if k == 1:
        x = filled[valid]
    else:
        filled[~valid] = np.repeat(np.asarray(spec.norm_mean, np.float32)[:, None], T, 1)
        cube = np.pad(filled.reshape(H, W, B, T), ((h, h), (h, h), (0, 0), (0, 0)), mode="edge")
        rows, cols = np.divmod(np.flatnonzero(valid), W)
        x = np.stack([cube[r:r + k, c:c + k].transpose(2, 3, 0, 1) for r, c in zip(rows, cols)])
    model = bundle.build("cpu")
    gradcam.freeze(model)
    res = gradcam.predict_with_gradcam(model, torch.from_numpy(np.ascontiguousarray(x)), target_index,
                                       want_attention="attention" in methods)
    return valid.reshape(H, W), res


@pytest.mark.parametrize(
    "height,width,window,patch,arch",
    [(37, 29, 16, 1, "tempcnn"), (37, 29, 32, 1, "attention"), (45, 50, 16, 3, "tempcnn"), (30, 41, 32, 3, "attention")],
)
def test_streaming_equals_whole_array(tmp_path, height, width, window, patch, arch):
    stack = random_stack(height, width, seed=height)
    bundle = Bundle(make_spec(arch, patch_size=patch))
    methods = {"probabilities", "gradcam"} | ({"attention"} if arch == "attention" else set())
    result = inference.run_inference(inference.InferenceRequest(
        stack=stack, bundle=bundle, out_dir=str(tmp_path), methods=methods, device="cpu", threads=1, batch_size=50,
        window_size=window))
    valid, ref = reference(bundle, stack, methods)
    class_ids = np.array([c.id for c in bundle.classes])
    assert result.n_pixels == height * width and result.n_valid == valid.sum()

    pred, ds = read_tif(result.paths["prediction"])
    nodata = ds.GetRasterBand(1).GetNoDataValue()
    assert np.all(pred[0][~valid] == nodata) and nodata not in class_ids
    np.testing.assert_array_equal(pred[0][valid], class_ids[ref.predicted.numpy()])
    conf, _ = read_tif(result.paths["confidence"])
    np.testing.assert_allclose(conf[0][valid], ref.probabilities.max(1).values.numpy(), atol=1e-5)
    probs, _ = read_tif(result.paths["probabilities"])
    np.testing.assert_allclose(probs[:, valid].T, ref.probabilities.numpy(), atol=1e-5)
    cam, _ = read_tif(result.paths["gradcam"])
    np.testing.assert_allclose(cam[1:, valid].T, ref.cam.numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(cam[0, valid], ref.cam.numpy().mean(1), rtol=1e-4, atol=1e-5)
    if arch == "attention":
        att, _ = read_tif(result.paths["attention"])
        np.testing.assert_allclose(att[:, valid].T, ref.band_attention.numpy(), atol=1e-5)
    for name in result.paths:  # no-data everywhere it should be
        arr, _ = read_tif(result.paths[name])
        if arr.dtype.kind == "f":
            assert np.isnan(arr[:, ~valid]).all() and np.isfinite(arr[:, valid]).all(), name


def test_outputs_carry_grid_descriptions_legend_and_styles(tmp_path):
    stack = random_stack(20, 24)
    bundle = Bundle(make_spec("attention"))
    result = inference.run_inference(inference.InferenceRequest(
        stack=stack, bundle=bundle, out_dir=str(tmp_path), methods={"probabilities", "gradcam", "attention", "shap", "ig"}, target=5,
        device="cpu", threads=1, batch_size=64, ig_steps=4, shap_samples=2))
    expected = {"prediction", "confidence", "probabilities", "gradcam_5", "attention", "shap_bands_5",
                "shap_dates_5", "ig_bands_5", "ig_dates_5"}
    assert set(result.paths) == expected
    for name, path in result.paths.items():
        assert os.path.basename(path) == name + ".tif"
        assert os.path.exists(path[:-4] + ".qml")
        ds = gdal.Open(path)
        assert ds.GetGeoTransform() == stack.grid.geotransform
        assert "WGS" in ds.GetProjection()
        assert ds.GetRasterBand(1).GetBlockSize() == [256, 256]
        assert ds.GetMetadata("IMAGE_STRUCTURE").get("COMPRESSION") == "DEFLATE"
        descriptions = [ds.GetRasterBand(i + 1).GetDescription() for i in range(ds.RasterCount)]
        assert all(descriptions), name
        if ds.GetRasterBand(1).DataType == gdal.GDT_Float32:
            assert np.isnan(ds.GetRasterBand(1).GetNoDataValue())
    ds = gdal.Open(result.paths["prediction"])
    band = ds.GetRasterBand(1)
    assert band.GetRasterColorTable().GetColorEntry(5)[:3] == (200, 128, 194)
    assert band.GetCategoryNames()[5] == "class 5"
    assert ds.RasterCount == 1 and band.DataType == gdal.GDT_Byte
    assert gdal.Open(result.paths["gradcam_5"]).RasterCount == 1 + 6
    assert gdal.Open(result.paths["shap_bands_5"]).RasterCount == 3
    assert gdal.Open(result.paths["ig_dates_5"]).RasterCount == 6
    assert "class 5" in gdal.Open(result.paths["gradcam_5"]).GetRasterBand(2).GetDescription()
    assert not [f for f in os.listdir(tmp_path) if "partial" in f]


def _listing(path):
    return sorted(os.listdir(path)) if os.path.exists(path) else []


def test_cancel_mid_run_leaves_no_output(tmp_path):
    stack = random_stack(64, 64, holes=False)
    calls = []

    def is_cancelled():
        calls.append(1)
        return len(calls) > 3

    with pytest.raises(Cancelled):
        inference.run_inference(inference.InferenceRequest(
            stack=stack, bundle=Bundle(make_spec()), out_dir=str(tmp_path / "out"), methods={"gradcam"},
            device="cpu", threads=1, batch_size=32, window_size=16), is_cancelled=is_cancelled)
    assert _listing(tmp_path / "out") == []


def test_failure_mid_run_leaves_no_output(tmp_path):
    class Exploding(torch.nn.Module):
        def __init__(self, spec):
            super().__init__()
            self.inner = build_model(spec)
            self.gradcam_layer = self.inner.gradcam_layer
            self.calls = 0

        def forward(self, x):
            self.calls += 1
            if self.calls > 4:
                raise RuntimeError("boom")
            return self.inner(x)

    stack = random_stack(64, 64, holes=False)
    with pytest.raises(RuntimeError, match="boom"):
        inference.run_inference(inference.InferenceRequest(
            stack=stack, bundle=Bundle(make_spec(), model_factory=Exploding), out_dir=str(tmp_path),
            methods={"probabilities"}, device="cpu", threads=1, batch_size=64, window_size=16))
    assert _listing(tmp_path) == []


def test_reader_failure_leaves_no_output(tmp_path):
    stack = random_stack(64, 64, holes=False)
    open_clone = stack.clone

    def clone_that_fails_halfway():
        """The reader thread reads through its own clone: make that one lose its disk halfway."""
        clone = open_clone()
        read = clone.read_window_checked  # what the data path reads windows through

        def failing(xoff, yoff, xsize, ysize, *args, **kwargs):
            if yoff >= 32:
                raise OSError("disk gone")
            return read(xoff, yoff, xsize, ysize, *args, **kwargs)

        clone.read_window_checked = failing
        return clone

    stack.clone = clone_that_fails_halfway
    with pytest.raises(OSError, match="disk gone"):
        inference.run_inference(inference.InferenceRequest(
            stack=stack, bundle=Bundle(make_spec()), out_dir=str(tmp_path), device="cpu", threads=1, batch_size=64,
            window_size=16))
    assert _listing(tmp_path) == []


def test_cuda_out_of_memory_retries_with_smaller_batches(tmp_path):
    class SmallMemory(torch.nn.Module):
        """Raises the CUDA OOM error for batches above 40 pixels (a stand-in for a small GPU)."""

        def __init__(self, spec):
            super().__init__()
            self.inner = build_model(spec)
            self.gradcam_layer = self.inner.gradcam_layer

        def forward(self, x):
            if len(x) > 40:
                raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2 GiB")
            return self.inner(x)

    stack = random_stack(24, 24, holes=False)
    bundle = Bundle(make_spec(), model_factory=SmallMemory)
    result = inference.run_inference(inference.InferenceRequest(
        stack=stack, bundle=bundle, out_dir=str(tmp_path), methods={"gradcam"}, device="cpu", threads=1, batch_size=256))
    assert result.batch_size <= 40
    pred, _ = read_tif(result.paths["prediction"])
    valid, ref = reference(Bundle(make_spec()), stack, {"gradcam"})  # same weights, no memory limit
    np.testing.assert_array_equal(pred[0][valid], np.array([1, 2, 5])[ref.predicted.numpy()])


def test_progress_reaches_one_and_region_subset(tmp_path):
    stack = random_stack(40, 40, holes=False)
    seen = []
    result = inference.run_inference(inference.InferenceRequest(
        stack=stack, bundle=Bundle(make_spec()), out_dir=str(tmp_path), device="cpu", threads=1, batch_size=64,
        window_size=16, region=(8, 4, 20, 30)), progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == pytest.approx(1.0)
    assert result.n_pixels == 600
    pred, ds = read_tif(result.paths["prediction"])
    nodata = ds.GetRasterBand(1).GetNoDataValue()
    inside = np.zeros((40, 40), bool)
    inside[4:34, 8:28] = True
    assert (pred[0][~inside] == nodata).all() and (pred[0][inside] != nodata).all()


def test_clear_errors(tmp_path):
    stack = random_stack(8, 8)
    with pytest.raises(LcxError, match="attention"):
        inference.run_inference(inference.InferenceRequest(
            stack=stack, bundle=Bundle(make_spec("tempcnn")), out_dir=str(tmp_path), methods={"attention"}))
    with pytest.raises(LcxError, match="not a class"):
        inference.run_inference(inference.InferenceRequest(
            stack=stack, bundle=Bundle(make_spec()), out_dir=str(tmp_path), methods={"gradcam"}, target=9))
    with pytest.raises(LcxError, match="Unknown output"):
        inference.run_inference(inference.InferenceRequest(
            stack=stack, bundle=Bundle(make_spec()), out_dir=str(tmp_path), methods={"lime"}))


def test_plan_windows_aligned_and_covering():
    wins = inference.plan_windows(1000, 700, (256, 256), 512)
    assert {(w.xoff % 256, w.yoff % 256) for w in wins} == {(0, 0)}
    assert sum(w.xsize * w.ysize for w in wins) == 1000 * 700
    strips = inference.plan_windows(1000, 700, (1000, 1), 256)
    assert all(w.ysize <= 256 for w in strips) and sum(w.xsize * w.ysize for w in strips) == 700_000
    assert inference.auto_window_size(10, 20) == 256


def test_nodata_reaches_shap_and_ig_outputs(tmp_path):
    stack = random_stack(12, 10)
    result = inference.run_inference(inference.InferenceRequest(
        stack=stack, bundle=Bundle(make_spec("attention")), out_dir=str(tmp_path), methods={"shap", "ig"},
        device="cpu", threads=1, batch_size=32, ig_steps=4, shap_samples=2))
    for name, path in result.paths.items():
        arr, ds = read_tif(path)
        if arr.dtype.kind == "f":
            assert np.isnan(arr[:, 0, 0]).all() and np.isnan(arr[:, 11, 9]).all(), name  # missing pixels
            assert np.isfinite(arr[:, 5, 5]).all(), name
        else:
            assert arr[0, 0, 0] == ds.GetRasterBand(1).GetNoDataValue()


def test_streaming_integrated_gradients_equal_whole_array(tmp_path):
    from land_cover_xai_plugin.engine.explain import attribution

    stack = random_stack(21, 19, seed=4)
    bundle = Bundle(make_spec("tempcnn", patch_size=3))
    result = inference.run_inference(inference.InferenceRequest(
        stack=stack, bundle=bundle, out_dir=str(tmp_path), methods={"ig"}, target=2, device="cpu", threads=1,
        batch_size=40, window_size=16, ig_steps=6))
    valid, ref = reference(bundle, stack, set())
    spec = bundle.spec
    # rebuild the whole-array input exactly as reference() does, then IG in one batch
    data = whole_array(stack).copy()
    data[~np.isfinite(data)] = np.nan
    T, B, H, W = data.shape
    filled, _ = fill_gaps(data.transpose(2, 3, 1, 0).reshape(H * W, B, T), min_valid_dates=2)
    filled[~valid.reshape(-1)] = np.repeat(np.asarray(spec.norm_mean, np.float32)[:, None], T, 1)
    cube = np.pad(filled.reshape(H, W, B, T), ((1, 1), (1, 1), (0, 0), (0, 0)), mode="edge")
    rows, cols = np.nonzero(valid)
    x = torch.from_numpy(np.stack([cube[r:r + 3, c:c + 3].transpose(2, 3, 0, 1) for r, c in zip(rows, cols)]))
    model = bundle.build("cpu")
    gradcam.freeze(model)
    base = torch.as_tensor(attribution.mean_baseline(spec.norm_mean, T, 3))
    ig = attribution.group(attribution.integrated_gradients(model, x, torch.full((len(x),), 1), base, n_steps=6))
    bands, _ = read_tif(result.paths["ig_bands_2"])
    dates, _ = read_tif(result.paths["ig_dates_2"])
    np.testing.assert_allclose(bands[:, valid].T, ig.by_band.numpy(), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(dates[:, valid].T, ig.by_date.numpy(), rtol=1e-4, atol=1e-6)


def test_real_stack_and_model_file(tmp_path):
    """The real path: a synthetic GeoTIFF stack through open_stack and a saved .lcx through load_model."""
    synthetic = pytest.importorskip("land_cover_xai_plugin.engine.data.synthetic")
    from land_cover_xai_plugin.engine.models.model_file import ClassInfo, bundle_from_module, save_model
    from land_cover_xai_plugin.engine.io.stack import open_stack

    stack_path = synthetic.make_synthetic_stack(str(tmp_path / "stack.tif"), 70, 45, n_dates=6, cloud_fraction=0.2)
    stack = open_stack([stack_path])
    spec = ModelSpec(arch="attention", n_bands=stack.n_bands, n_dates=stack.n_dates, n_classes=2, band_width=4,
                     fusion_width=8, norm_mean=[0.1] * stack.n_bands, norm_std=[0.05] * stack.n_bands)
    torch.manual_seed(0)
    bands = list(reversed(stack.bands))  # the model's band order differs from the stack's
    bundle = bundle_from_module(build_model(spec).eval(), spec, bands, stack.dates,
                                [ClassInfo(3, "grass", "#00ff00"), ClassInfo(7, "water", "#0000ff")])
    model_path = str(tmp_path / "m.lcx")
    save_model(model_path, bundle)
    result = inference.run_inference(inference.InferenceRequest(
        stack_paths=[stack_path], model_path=model_path, out_dir=str(tmp_path / "out"),
        methods={"gradcam", "attention", "probabilities"}, device="cpu", threads=1, batch_size=256))
    ds = gdal.Open(result.paths["prediction"])
    src = gdal.Open(stack_path)
    assert ds.GetGeoTransform() == src.GetGeoTransform() and ds.GetProjection() == src.GetProjection()
    pred = ds.ReadAsArray()
    assert set(np.unique(pred)) <= {0, 3, 7}
    att = gdal.Open(result.paths["attention"])
    assert [att.GetRasterBand(i + 1).GetDescription() for i in range(att.RasterCount)] == [
        f"band gate {b}" for b in bands]
    # same class map as the model run by hand on the stack's pixels, reordered to the model's bands
    order = bundle.band_order_for(stack)
    data = stack.read_window(0, 0, 70, 45)[:, order]
    filled, valid = fill_gaps(data.transpose(2, 3, 1, 0).reshape(-1, len(bands), stack.n_dates), min_valid_dates=2)
    with torch.no_grad():
        expected = bundle.build().eval()(torch.from_numpy(filled[valid])).argmax(1).numpy()
    np.testing.assert_array_equal(pred.reshape(-1)[valid], np.array([3, 7])[expected])
    # the click-a-pixel view on the same real stack: series in the model's band order
    row, col = map(int, np.argwhere(valid.reshape(45, 70))[10])
    exp = explain_pixel(bundle, stack, row, col, shap_samples=8, ig_steps=16)
    np.testing.assert_allclose(exp.reflectance, data[:, :, row, col].T, equal_nan=True)
    assert exp.predicted_id == pred[row, col] and exp.band_attention.shape == (len(bands),)
    assert exp.shap_by_band.sum() == pytest.approx(exp.target_probability - exp.baseline_probability, abs=1e-4)


def test_typed_descriptors_and_uncertainty_outputs(tmp_path):
    """Inference returns one descriptor per raster (kind, target, title, style); entropy and margin are those of
    the written class probabilities."""
    stack = random_stack(19, 23, seed=3)
    bundle = Bundle(make_spec("attention"))
    result = inference.run_inference(inference.InferenceRequest(
        stack=stack, bundle=bundle, out_dir=str(tmp_path), methods={"uncertainty", "gradcam", "probabilities"},
        target="class 2", device="cpu", threads=1, batch_size=64, window_size=16))
    kinds = [d.kind for d in result.outputs]
    assert kinds == ["prediction", "confidence", "probabilities", "entropy", "margin", "gradcam"]
    by_kind = {d.kind: d for d in result.outputs}
    cam = by_kind["gradcam"]
    assert (cam.method, cam.target_id, cam.name, cam.visible) == ("gradcam", 2, "gradcam_2", True)
    assert cam.title == "Grad-CAM class evidence score (class 2: class 2)" and cam.style.transparent_low
    assert by_kind["prediction"].classes[0].id == 1 and by_kind["prediction"].style is None
    entropy_style = by_kind["entropy"].style
    assert by_kind["entropy"].target_id is None and (entropy_style.vmin, entropy_style.vmax) == (0, 1)
    assert cam.target_name == "class 2" and by_kind["entropy"].category == "classification"
    assert result.output("margin") is by_kind["margin"] and result.output("shap_bands") is None
    for d in result.outputs:
        assert os.path.exists(d.path) and gdal.Open(d.path).RasterCount == len(d.band_descriptions)

    probs, _ = read_tif(by_kind["probabilities"].path)
    entropy, _ = read_tif(by_kind["entropy"].path)
    margin, _ = read_tif(by_kind["margin"].path)
    valid = np.isfinite(probs[0])
    p = probs[:, valid].astype(np.float64)
    expected_entropy = -(p * np.log(np.clip(p, 1e-12, None))).sum(0) / np.log(3)
    top = np.sort(p, axis=0)
    np.testing.assert_allclose(entropy[0][valid], expected_entropy, atol=1e-5)
    np.testing.assert_allclose(margin[0][valid], top[-1] - top[-2], atol=1e-5)
    assert np.isnan(entropy[0][~valid]).all() and np.isnan(margin[0][~valid]).all()
    assert (entropy[0][valid] >= 0).all() and (entropy[0][valid] <= 1).all()
    qml = open(by_kind["entropy"].path[:-4] + ".qml", encoding="utf-8").read()
    assert 'minimumValue="0"' in qml and 'maximumValue="1"' in qml


def test_uncertainty_extremes():
    from land_cover_xai_plugin.engine.explain.methods.uncertainty import entropy_and_margin

    p = torch.tensor([[1.0, 0.0, 0.0], [1 / 3, 1 / 3, 1 / 3], [0.5, 0.5, 0.0], [0.7, 0.2, 0.1]])
    entropy, margin = entropy_and_margin(p)
    np.testing.assert_allclose(entropy.numpy(), [0.0, 1.0, np.log(2) / np.log(3), 0.7298466], atol=1e-5)
    np.testing.assert_allclose(margin.numpy(), [1.0, 0.0, 0.0, 0.5], atol=1e-6)
