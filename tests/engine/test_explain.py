"""Explanations: fused Grad-CAM equals captum's LayerGradCam; pixel SHAP / IG satisfy efficiency /
completeness; on a planted signal (a class that differs only in band b* at date t*) a trained model's
Grad-CAM and SHAP rankings point at b* / t*."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

torch = pytest.importorskip("torch")
captum_attr = pytest.importorskip("captum.attr")

from land_cover_xai_plugin.engine.errors import LcxError
from land_cover_xai_plugin.engine.explain import attribution, gradcam
from land_cover_xai_plugin.engine.explain.pixel import explain_pixel
from land_cover_xai_plugin.engine.models import ModelSpec, build_model


# --- a stand-in for ModelBundle that carries an already trained in-memory model -------------------------

@pytest.fixture
def tif_stack(write_raster, tmp_path):
    """(T, B, H, W) reflectance -> a real GeoTIFF on disk, opened as a TimeSeriesStack."""
    from land_cover_xai_plugin.engine.io.stack import open_stack

    def make(data):
        n_dates, n_bands = data.shape[:2]
        names = [f"T{t + 1}_2020-01-{t + 1:02d}_B{b + 1:02d}" for t in range(n_dates) for b in range(n_bands)]
        path = write_raster(tmp_path / f"stack_{len(list(tmp_path.iterdir()))}.tif",
                            data.reshape(n_dates * n_bands, *data.shape[2:]).astype(np.float32), names)
        return open_stack([path])

    return make


@dataclasses.dataclass
class Cls:
    id: int
    name: str
    color: str = "#336699"


class Bundle:
    def __init__(self, spec, model=None, class_ids=None):
        self.spec = spec
        self.classes = [Cls(i, f"c{i}") for i in (class_ids or range(1, spec.n_classes + 1))]
        self.bands = [f"B{b}" for b in range(spec.n_bands)]
        self.dates = [f"2020-01-{d + 1:02d}" for d in range(spec.n_dates)]
        self._model = model

    def build(self, device="cpu"):
        if self._model is None:
            torch.manual_seed(0)
            self._model = build_model(self.spec).eval()
        return self._model

    def check_fits(self, stack):
        pass

    def band_order_for(self, stack):
        return list(range(self.spec.n_bands))


def small_spec(arch="tempcnn", n_bands=4, n_dates=8, n_classes=3, patch_size=1, **kw):
    base = dict(conv_width=8, dense_width=16, band_width=4, fusion_width=8) | kw
    return ModelSpec(arch=arch, n_bands=n_bands, n_dates=n_dates, n_classes=n_classes, patch_size=patch_size,
                     norm_mean=[0.2] * n_bands, norm_std=[0.05] * n_bands, **base)


def eval_model(spec, seed=0):
    torch.manual_seed(seed)
    model = build_model(spec).eval()
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm1d):
            m.running_mean.uniform_(-0.2, 0.2)
            m.running_var.uniform_(0.5, 1.5)
    gradcam.freeze(model)
    return model


# --- fused Grad-CAM == captum ------------------------------------------------------------------------------

@pytest.mark.parametrize("arch,patch", [("tempcnn", 1), ("attention", 1), ("attention", 3), ("tempcnn", 3)])
@pytest.mark.parametrize("target", [None, 2])
def test_fused_gradcam_equals_captum_layer_gradcam(arch, patch, target):
    spec = small_spec(arch, patch_size=patch)
    model = eval_model(spec)
    shape = (64, spec.n_bands, spec.n_dates) + ((patch, patch) if patch > 1 else ())
    x = 0.2 + 0.05 * torch.randn(shape)
    fused = gradcam.predict_with_gradcam(model, x, target)
    with torch.no_grad():
        logits = model(x)
    torch.testing.assert_close(fused.logits, logits, rtol=1e-5, atol=1e-6)
    targets = logits.argmax(1) if target is None else target
    expected = captum_attr.LayerGradCam(model, model.gradcam_layer).attribute(
        x, target=targets, relu_attributions=True, attribute_to_layer_input=False)
    torch.testing.assert_close(fused.cam, expected[:, 0], rtol=1e-4, atol=1e-6)
    assert fused.cam.abs().sum() > 0
    # the parameters stay frozen and no graph is kept
    assert not any(p.requires_grad for p in model.parameters())
    assert fused.cam.grad_fn is None and fused.probabilities.grad_fn is None


def test_gradcam_interpolates_when_the_layer_is_shorter_than_the_series():
    a = torch.rand(5, 3, 4)
    g = torch.rand(5, 3, 4)
    cam = gradcam.gradcam_from(a, g, n_dates=8)
    assert cam.shape == (5, 8)
    expected = captum_attr.LayerAttribution.interpolate(
        torch.relu((g.mean(2, keepdim=True) * a).sum(1, keepdim=True)), 8, "linear")[:, 0]
    torch.testing.assert_close(cam, expected)


def test_attribution_grouping_and_ig_completeness():
    spec = small_spec("attention")
    model = eval_model(spec)
    x = 0.2 + 0.05 * torch.randn(16, spec.n_bands, spec.n_dates)
    targets = torch.randint(0, 3, (16,))
    base = torch.as_tensor(attribution.mean_baseline(spec.norm_mean, spec.n_dates))
    ig = attribution.integrated_gradients(model, x, targets, base, n_steps=64)
    g = attribution.group(ig)
    torch.testing.assert_close(g.by_band.sum(1), g.by_date.sum(1))
    with torch.no_grad():
        p = torch.softmax(model(x), 1).gather(1, targets[:, None])[:, 0]
        p0 = torch.softmax(model(base), 1)[0, targets]
    torch.testing.assert_close(g.by_band.sum(1), p - p0, atol=5e-3, rtol=0.05)
    refs = torch.cat([base, x[:4]])
    gs = attribution.gradient_shap(model, x, targets, refs, n_samples=4, seed=3)
    assert gs.shape == x.shape and torch.isfinite(gs).all()
    torch.testing.assert_close(gs, attribution.gradient_shap(model, x, targets, refs, n_samples=4, seed=3))


# --- pixel explanations ------------------------------------------------------------------------------------

@pytest.mark.parametrize("arch,patch", [("attention", 1), ("tempcnn", 3)])
def test_explain_pixel_shapes_and_efficiency(arch, patch, tif_stack):
    spec = small_spec(arch, patch_size=patch)
    rng = np.random.default_rng(1)
    data = (0.2 + 0.05 * rng.standard_normal((spec.n_dates, spec.n_bands, 6, 7))).astype(np.float32)
    data[2, :, 3, 4] = np.nan  # a cloudy date on the explained pixel
    stack = tif_stack(data)
    bundle = Bundle(spec, eval_model(spec), class_ids=[3, 7, 9])
    exp = explain_pixel(bundle, stack, 3, 4, target=None)
    B, T = spec.n_bands, spec.n_dates
    assert exp.probabilities.shape == (3,) and exp.probabilities.sum() == pytest.approx(1, abs=1e-5)
    assert exp.predicted_id == [3, 7, 9][int(np.argmax(exp.probabilities))] == exp.target_id
    assert exp.reflectance.shape == exp.reflectance_filled.shape == exp.ig.shape == (B, T)
    assert np.isnan(exp.reflectance[:, 2]).all() and np.isfinite(exp.reflectance_filled).all()
    assert exp.gradcam.shape == (T,) and (exp.gradcam >= 0).all()
    assert exp.shap_by_band.shape == (B,) and exp.shap_by_date.shape == (T,)
    assert (exp.band_attention is not None) == (arch == "attention")
    delta = exp.target_probability - exp.baseline_probability
    assert exp.shap_by_band.sum() == pytest.approx(delta, abs=1e-4)  # efficiency (Shapley sampling: exact)
    assert exp.shap_by_date.sum() == pytest.approx(delta, abs=1e-4)
    assert exp.ig.sum() == pytest.approx(delta, abs=5e-3 + 0.05 * abs(delta))
    other = explain_pixel(bundle, stack, 3, 4, target=9, shap_method="kernel", shap_samples=256)
    assert other.target_id == 9
    delta9 = other.target_probability - other.baseline_probability
    assert other.shap_by_band.sum() == pytest.approx(delta9, abs=0.02 + 0.1 * abs(delta9))  # KernelShap: approx.
    with pytest.raises(LcxError, match="outside"):
        explain_pixel(bundle, stack, 6, 0)


def test_explain_pixel_on_nodata_is_a_clear_error(tif_stack):
    spec = small_spec()
    data = np.full((spec.n_dates, spec.n_bands, 3, 3), 0.2, np.float32)
    data[:, :, 1, 1] = np.nan
    with pytest.raises(LcxError, match="observed dates"):
        explain_pixel(Bundle(spec), tif_stack(data), 1, 1)


# --- planted signal ----------------------------------------------------------------------------------------

B_STAR, T_STAR, N_DATES = 2, 8, 16


def planted_data(n=600, n_bands=5, n_dates=N_DATES, seed=0):
    """Two classes identical except class 1 has band B_STAR raised at date T_STAR."""
    rng = np.random.default_rng(seed)
    x = (0.2 + 0.02 * rng.standard_normal((n, n_bands, n_dates))).astype(np.float32)
    y = rng.integers(0, 2, n)
    x[y == 1, B_STAR, T_STAR] += 0.12
    return torch.from_numpy(x), torch.from_numpy(y)


def test_planted_signal_ranks_first(tif_stack):
    x, y = planted_data()
    # kernel 3: the last convolution sees dates t-3..t+3, which bounds how sharp Grad-CAM can be in time
    spec = ModelSpec(arch="tempcnn", n_bands=5, n_dates=N_DATES, n_classes=2, conv_width=8, dense_width=16,
                     kernel_size=3, dropout=0.0, norm_mean=[0.2] * 5, norm_std=[0.05] * 5)
    torch.manual_seed(1)
    model = build_model(spec)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(100):
        idx = torch.randint(0, len(x), (128,))
        loss = torch.nn.functional.cross_entropy(model(x[idx]), y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    gradcam.freeze(model)
    res = gradcam.predict_with_gradcam(model, x, target=1)
    assert (res.predicted == y).float().mean() > 0.95
    pos = y == 1
    cam_by_date = res.cam[pos].mean(0)
    # Grad-CAM is coarse in time (weights averaged over T, receptive field +-3): the planted date must lie
    # next to the top date and the neighbourhood must hold most of the relevance
    assert abs(int(cam_by_date.argmax()) - T_STAR) <= 1, cam_by_date
    assert cam_by_date[T_STAR - 2:T_STAR + 3].sum() > 0.6 * cam_by_date.sum()

    base = torch.as_tensor(attribution.mean_baseline(spec.norm_mean, spec.n_dates))
    refs = torch.cat([base, x[:8]])
    gs = attribution.group(attribution.gradient_shap(model, x[pos][:100], torch.ones(100, dtype=torch.long),
                                                     refs, n_samples=8))
    assert int(gs.by_band.mean(0).argmax()) == B_STAR
    assert int(gs.by_date.mean(0).argmax()) == T_STAR

    data = x[pos][:1].numpy().transpose(2, 1, 0)[:, :, None, :]  # (T, B, 1, 1)
    exp = explain_pixel(Bundle(spec, model, class_ids=[1, 2]), tif_stack(data), 0, 0, target=2)
    assert int(np.argmax(exp.shap_by_band)) == B_STAR and int(np.argmax(exp.shap_by_date)) == T_STAR
    assert int(np.argmax(np.abs(exp.ig).sum(1))) == B_STAR


def test_fused_gradcam_takes_one_target_per_pixel():
    spec = small_spec("attention")
    model = eval_model(spec)
    x = torch.as_tensor(0.2 + 0.05 * np.random.default_rng(3).standard_normal((6, spec.n_bands, spec.n_dates)),
                        dtype=torch.float32)
    per_pixel = [0, 2, 1, 1, 0, 2]
    mixed = gradcam.predict_with_gradcam(model, x, target=per_pixel).cam
    for k in range(spec.n_classes):
        alone = gradcam.predict_with_gradcam(model, x, target=k).cam
        rows = [i for i, t in enumerate(per_pixel) if t == k]
        assert torch.allclose(mixed[rows], alone[rows], atol=1e-6)


# --- the explainer registry: one contract for every map output -------------------------------------------

def test_registry_lists_what_each_architecture_supports():
    from land_cover_xai_plugin.engine.explain import registry

    names = registry.names()
    assert {"probabilities", "uncertainty", "gradcam", "attention", "shap", "ig"} <= set(names)
    assert "classification" not in names  # always written, never offered as a choice
    assert "attention" in [e.name for e in registry.available("attention")]
    assert "attention" not in [e.name for e in registry.available("tempcnn")]
    assert registry.names("explanation")[:2] == ("gradcam", "attention")
    assert registry.get("GradCAM").name == "gradcam"
    with pytest.raises(LcxError, match="Unknown output 'lime'.*gradcam"):
        registry.get("lime")
    with pytest.raises(LcxError, match=r"Band gates \(attention\).*tempcnn.*Remove 'attention'"):
        registry.resolve({"attention"}, "tempcnn")
    assert [e.name for e in registry.resolve({"ig", "gradcam"}, "tempcnn")] == ["classification", "gradcam", "ig"]
    # what a model exposes decides, not only its architecture name: a series MLP with a band gate has attention
    gated, plain = ModelSpec("mlp", 2, 3, 2, band_attention=True), ModelSpec("mlp", 2, 3, 2)
    assert "attention" in [e.name for e in registry.available(gated)]
    assert "attention" not in [e.name for e in registry.available(plain)]
    with pytest.raises(LcxError, match="this model is 'mlp'"):
        registry.resolve({"attention"}, plain)
    help_names = [name for name, _, _ in registry.help_lines()]
    assert help_names == list(names) and all(text for _, _, text in registry.help_lines())


@pytest.mark.parametrize("arch,patch", [("tempcnn", 1), ("attention", 3)])
def test_every_explainer_computes_exactly_what_it_declares(arch, patch, tif_stack):
    """The contract: compute() returns one array per declared output, with that output's band count."""
    from land_cover_xai_plugin.engine.explain import registry
    from land_cover_xai_plugin.engine.explain.explainer import BatchContext, OutputContext, PassSetup

    spec = small_spec(arch, patch_size=patch)
    bundle = Bundle(spec, eval_model(spec))
    stack = tif_stack(np.random.default_rng(0).uniform(0.1, 0.3, (spec.n_dates, spec.n_bands, 20, 20)))
    x = torch.rand((6, spec.n_bands, spec.n_dates) + ((patch, patch) if patch > 1 else ())) * 0.2 + 0.1
    for target_id, target_index in ((None, None), (3, 2)):
        ctx = OutputContext(bundle, target_id)
        setup = PassSetup(bundle.build(), bundle, stack, None, "cpu", target_index, shap_samples=2, ig_steps=4)
        forward = gradcam.predict_with_gradcam(bundle.build(), x, target_index, want_attention=arch == "attention")
        for explainer in registry.all_explainers():
            if not explainer.supports(spec):
                continue
            declared = explainer.outputs(ctx)
            batch = BatchContext(bundle.build(), x, forward, target_index, explainer.prepare(setup))
            computed = explainer.compute(batch)
            assert set(computed) == {d.kind for d in declared}, explainer
            assert [(d.kind, d.label) for d in declared] == list(explainer.produces), explainer
            for d in declared:
                values = computed[d.kind]
                assert values.shape[0] == len(x), (explainer, d.kind)
                assert (values.shape[1] if values.ndim == 2 else 1) == d.spec.n_bands, (explainer, d.kind)
                suffix = f"_{target_id}" if explainer.takes_target and target_id is not None else ""
                assert d.spec.name == d.kind + suffix and d.label
