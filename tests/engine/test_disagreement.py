"""The ensemble's disagreement output (explain/methods/disagreement.py) on a small 2-member ensemble: the value
is the members' normalised mutual information of the batch's shared forward pass, through the streaming pass
on a real GeoTIFF, listed by every front end, refused for a single model."""
from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from osgeo import gdal

from land_cover_xai_plugin.engine.errors import LcxError
from land_cover_xai_plugin.engine.explain import gradcam, registry
from land_cover_xai_plugin.engine.explain.explainer import BatchContext
from land_cover_xai_plugin.engine.inference import streaming
from land_cover_xai_plugin.engine.io.stack import open_stack
from land_cover_xai_plugin.engine.models import ModelSpec, build_model
from land_cover_xai_plugin.engine.models.model_file import ClassInfo, bundle_from_module

N_BANDS, N_DATES, N_CLASSES = 3, 4, 3
DATES = ["2020-04-01", "2020-05-01", "2020-06-01", "2020-07-01"]


def ensemble_spec(members: int) -> ModelSpec:
    return ModelSpec(arch="mlp", n_bands=N_BANDS, n_dates=N_DATES, n_classes=N_CLASSES, n_members=members,
                     norm_mean=[0.1, 0.2, 0.3], norm_std=[0.05] * N_BANDS)


def ensemble_bundle(members: int):
    torch.manual_seed(3)
    spec = ensemble_spec(members)
    model = build_model(spec).eval()
    classes = [ClassInfo(c, f"class {c}", "#336699") for c in (1, 2, 3)]
    return bundle_from_module(model, spec, [f"B{b + 1:02d}" for b in range(N_BANDS)], DATES, classes)


def numpy_disagreement(member_logits: np.ndarray) -> np.ndarray:
    """Normalised mutual information from (members, N, C) logits, in float64 numpy."""
    logits = member_logits.astype(np.float64)
    p = np.exp(logits - logits.max(2, keepdims=True))
    p /= p.sum(2, keepdims=True)
    mean = p.mean(0)
    entropy_of_mean = -(mean * np.log(mean + 1e-12)).sum(1)
    mean_entropy = -(p * np.log(p + 1e-12)).sum(2).mean(0)
    return np.clip((entropy_of_mean - mean_entropy) / math.log(min(N_CLASSES, len(member_logits))), 0, 1)


def test_compute_is_the_members_normalised_mutual_information():
    model = build_model(ensemble_spec(2)).eval()
    x = torch.rand(64, N_BANDS, N_DATES) * 0.4
    explainer = registry.get("disagreement")
    forward = gradcam.predict(model, x)
    value = explainer.compute(BatchContext(model, x, forward, None))["disagreement"]
    with torch.no_grad():
        expected = numpy_disagreement(model.member_logits(x).numpy())
    np.testing.assert_allclose(value.numpy(), expected, atol=1e-5)
    assert value.min() >= 0 and value.max() <= 1 and value.max() > 1e-4  # two random members disagree


def test_bounds():
    from land_cover_xai_plugin.engine.models.ensemble import mutual_information

    sure_of_different = torch.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]])  # (N=1, K=2, C=3)
    agree = torch.tensor([[[0.2, 0.3, 0.5], [0.2, 0.3, 0.5]]])
    from land_cover_xai_plugin.engine.explain.methods.disagreement import disagreement_bound

    bound = disagreement_bound(3, 2)
    assert float(mutual_information(sure_of_different)[0]) / bound == pytest.approx(1.0, abs=1e-6)
    assert float(mutual_information(agree)[0]) == pytest.approx(0.0, abs=1e-6)


def test_supported_by_ensembles_only_and_listed_by_the_front_ends():
    explainer = registry.get("disagreement")
    assert explainer.category == "classification" and not explainer.slow
    assert explainer.supports(ensemble_spec(2)) and not explainer.supports(ensemble_spec(1))
    assert "disagreement" in [e.name for e in registry.available(ensemble_spec(5), "classification")]
    assert "disagreement" not in [e.name for e in registry.available(ensemble_spec(1))]
    # every method that runs its own passes comes after it (the ensemble's last forward is the shared one)
    assert all(e.order > explainer.order for e in registry.all_explainers() if e.category == "explanation")
    with pytest.raises(LcxError, match="disagreement"):
        registry.resolve({"disagreement"}, ensemble_spec(1))
    from land_cover_xai_plugin.cli.main import build_parser

    args = build_parser().parse_args(["predict", "--stack", "s.tif", "--model", "m.lcx", "--out-dir", "o",
                                      "--disagreement"])
    assert args.disagreement


def _write_stack(path, seed=0):
    rng = np.random.default_rng(seed)
    data = (rng.random((N_DATES, N_BANDS, 20, 24)) * 0.4 + 0.02).astype(np.float32)
    data[1, :, :5, :5] = np.nan  # a cloud: gap-filled
    ds = gdal.GetDriverByName("GTiff").Create(str(path), 24, 20, N_DATES * N_BANDS, gdal.GDT_Float32)
    ds.SetGeoTransform((500000.0, 10.0, 0.0, 5100000.0, 0.0, -10.0))
    from osgeo import osr

    srs = osr.SpatialReference()
    srs.ImportFromEPSG(32633)
    ds.SetProjection(srs.ExportToWkt())
    for t in range(N_DATES):
        for b in range(N_BANDS):
            band = ds.GetRasterBand(t * N_BANDS + b + 1)
            band.SetDescription(f"T{t + 1}_{DATES[t]}_B{b + 1:02d}")
            band.WriteArray(data[t, b])
    ds = None
    return str(path)


def read(path):
    ds = gdal.Open(path)
    return ds.ReadAsArray().astype(np.float64), ds.GetRasterBand(1).GetDescription()


@pytest.mark.parametrize("with_slow", [False, True])
def test_streaming_writes_the_disagreement_of_the_shared_forward(tmp_path, with_slow):
    """Through the streaming pass on a real GeoTIFF: one 0..1 raster, the same whether or not a method running
    its own forward passes (Integrated Gradients) shares the run."""
    bundle = ensemble_bundle(2)
    stack = open_stack([_write_stack(tmp_path / "stack.tif")])
    methods = {"disagreement", "uncertainty"} | ({"ig"} if with_slow else set())
    result = streaming.run_inference(streaming.InferenceRequest(
        stack=stack, bundle=bundle, out_dir=str(tmp_path / "out"), methods=methods, device="cpu", threads=1,
        batch_size=64, window_size=16, ig_steps=4))
    output = result.output("disagreement")
    assert output is not None and output.category == "classification" and output.method == "disagreement"
    assert (output.style.vmin, output.style.vmax) == (0.0, 1.0)
    value, description = read(output.path)
    assert "2 ensemble members" in description
    valid = np.isfinite(value)
    assert valid.mean() > 0.9 and (value[valid] >= 0).all() and (value[valid] <= 1).all() and value[valid].max() > 0
    # IG's own forward passes (after the shared one) do not leak into the written disagreement
    if with_slow:
        plain = streaming.run_inference(streaming.InferenceRequest(
            stack=stack, bundle=bundle, out_dir=str(tmp_path / "plain"), methods={"disagreement"}, device="cpu",
            threads=1, batch_size=64, window_size=16))
        np.testing.assert_allclose(value[valid], read(plain.output("disagreement").path)[0][valid], atol=1e-6)


def test_a_single_model_refuses_it(tmp_path):
    bundle = ensemble_bundle(1)
    stack = open_stack([_write_stack(tmp_path / "stack.tif")])
    with pytest.raises(LcxError, match="disagreement"):
        streaming.run_inference(streaming.InferenceRequest(
            stack=stack, bundle=bundle, out_dir=str(tmp_path / "out"), methods={"disagreement"}, device="cpu",
            threads=1))
