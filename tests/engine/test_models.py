"""Model architectures: shapes, attention, Grad-CAM layer, normalisation inside, spec round trip."""
import json

import pytest

from land_cover_xai_plugin.engine.models import ModelSpec, build_model

torch = pytest.importorskip("torch")

N_BANDS, N_DATES, N_CLASSES = 6, 5, 4
GROUPS = [[0, 3], [1, 2, 5], [4]]


def make_spec(arch="attention", attention="se", patch_size=1, **kw):
    return ModelSpec(arch=arch, n_bands=N_BANDS, n_dates=N_DATES, n_classes=N_CLASSES, patch_size=patch_size,
                     attention=attention, band_groups=GROUPS, **kw)


def make_input(n, patch_size=1, seed=0):
    g = torch.Generator().manual_seed(seed)
    shape = (n, N_BANDS, N_DATES) + ((patch_size, patch_size) if patch_size > 1 else ())
    return torch.rand(shape, generator=g) * 0.4


def capture_gradcam(model, x):
    seen = {}

    def hook(_module, _inp, out):
        seen["out"] = out

    handle = model.gradcam_layer.register_forward_hook(hook)
    logits = model(x)
    handle.remove()
    return logits, seen["out"]


@pytest.mark.parametrize("patch_size", [1, 3])
@pytest.mark.parametrize("arch,attention", [("attention", "se"), ("attention", "softmax"), ("tempcnn", "se"),
                                            ("mlp", "se")])
def test_shapes_and_gradcam_layer(arch, attention, patch_size):
    torch.manual_seed(0)
    model = build_model(make_spec(arch, attention, patch_size)).eval()
    x = make_input(7, patch_size)
    logits, activation = capture_gradcam(model, x)
    assert logits.shape == (7, N_CLASSES)
    assert activation.dim() == 3 and activation.shape[0] == 7 and activation.shape[2] == N_DATES
    assert isinstance(model.gradcam_layer, torch.nn.ReLU)
    if arch == "attention":
        assert model.last_band_attention.shape == (7, N_BANDS)
    # Grad-CAM needs gradients to flow from the logits to that activation.
    grad = torch.autograd.grad(logits[:, 0].sum(), activation)[0]
    assert grad.shape == activation.shape and torch.isfinite(grad).all()


def test_attention_ranges():
    x = make_input(9)
    se = build_model(make_spec("attention", "se")).eval()
    se(x)
    a = se.last_band_attention
    assert ((a > 0) & (a < 1)).all()
    soft = build_model(make_spec("attention", "softmax")).eval()
    soft(x)
    a = soft.last_band_attention
    assert (a > 0).all()
    assert torch.allclose(a.sum(dim=1), torch.ones(9), atol=1e-5)


def test_activations_are_distinct_module_instances():
    """captum's DeepLift needs every non-linearity to be its own module."""
    for arch in ("attention", "tempcnn", "mlp"):
        model = build_model(make_spec(arch))
        acts = [m for m in model.modules() if isinstance(m, (torch.nn.ReLU, torch.nn.Sigmoid, torch.nn.Softmax,
                                                            torch.nn.Tanh))]
        assert len(acts) == len({id(m) for m in acts}) >= 2


def test_normalisation_is_inside_the_model():
    mean = [0.1 * (b + 1) for b in range(N_BANDS)]
    std = [0.05 * (b + 1) for b in range(N_BANDS)]
    torch.manual_seed(1)
    with_norm = build_model(make_spec("tempcnn", norm_mean=mean, norm_std=std)).eval()
    torch.manual_seed(1)
    plain = build_model(make_spec("tempcnn")).eval()
    x = make_input(5)
    m, s = torch.tensor(mean)[None, :, None], torch.tensor(std)[None, :, None]
    assert torch.allclose(with_norm(x), plain((x - m) / s), atol=1e-5)
    assert "front.norm_mean" in with_norm.state_dict()


def test_patch_front_starts_at_centre_pixel():
    """An untrained k x k spatial weighting equals the pixel-wise model on the centre pixel."""
    torch.manual_seed(2)
    patch_model = build_model(make_spec("attention", patch_size=3)).eval()
    pixel_model = build_model(make_spec("attention", patch_size=1)).eval()
    state = {k: v for k, v in patch_model.state_dict().items() if k != "front.spatial_weight"}
    pixel_model.load_state_dict(state)
    x = make_input(4, patch_size=3)
    assert torch.allclose(patch_model(x), pixel_model(x[..., 1, 1]), atol=1e-5)


def test_shared_kernels_follow_band_groups():
    model = build_model(make_spec("attention"))
    assert len(model.band_branches) == len(GROUPS)
    one_group = build_model(ModelSpec(arch="attention", n_bands=N_BANDS, n_dates=N_DATES, n_classes=N_CLASSES,
                                      band_groups=[list(range(N_BANDS))]))
    def n_params(m):
        return sum(p.numel() for p in m.parameters())
    assert n_params(one_group) < n_params(model)


def test_band_order_is_preserved_through_groups():
    """Changing one band's input changes only that band's pre-attention features."""
    model = build_model(make_spec("attention")).eval()
    x = make_input(3)
    base = model._band_features(model.front(x))
    x2 = x.clone()
    x2[:, 4] += 0.3
    changed = (model._band_features(model.front(x2)) - base).abs().sum(dim=(0, 2, 3))
    assert changed[4] > 0 and torch.all(changed[[0, 1, 2, 3, 5]] == 0)


def test_spec_json_round_trip_and_validation():
    spec = make_spec("attention", "softmax", 3, norm_mean=[0.1] * N_BANDS, norm_std=[0.2] * N_BANDS)
    again = ModelSpec.from_dict(json.loads(json.dumps(spec.to_dict())))
    assert again == spec
    bad = spec.to_dict()
    bad["band_groups"] = [[0, 1]]
    with pytest.raises(ValueError, match="partition"):
        ModelSpec.from_dict(bad)
    with pytest.raises(ValueError, match="unknown"):
        ModelSpec.from_dict({**spec.to_dict(), "evil": 1})
    with pytest.raises(ValueError, match="patch_size"):
        ModelSpec.from_dict({**spec.to_dict(), "patch_size": 2})


def test_wrong_input_shape_is_explained():
    model = build_model(make_spec("tempcnn")).eval()
    with pytest.raises(ValueError, match="expects input"):
        model(torch.zeros(2, N_BANDS + 1, N_DATES))


def test_import_engine_does_not_import_torch():
    import subprocess
    import sys

    code = ("import sys, land_cover_xai_plugin.engine.models, land_cover_xai_plugin.engine.models.model_file, "
            "land_cover_xai_plugin.engine.data.splits, land_cover_xai_plugin.engine.training.trainer; "
            "print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("arch,attention,patch_size,members", [("attention", "se", 1, 1), ("attention", "softmax", 3, 1),
                                                              ("tempcnn", "se", 1, 1), ("mlp", "se", 3, 1),
                                                              ("mlp", "se", 1, 3), ("attention", "se", 1, 2)])
def test_captum_gradcam_and_deeplift_run(arch, attention, patch_size, members):
    captum_attr = pytest.importorskip("captum.attr")
    import warnings

    model = build_model(make_spec(arch, attention, patch_size, n_members=members)).eval()
    x = make_input(4, patch_size)
    cam = captum_attr.LayerGradCam(model, model.gradcam_layer).attribute(x, target=1)
    assert cam.shape == (4, 1, N_DATES)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # captum warns about in-place ops it handles
        lift = captum_attr.DeepLift(model).attribute(x, baselines=torch.zeros_like(x), target=1)
    assert lift.shape == x.shape and torch.isfinite(lift).all()


# --- the series MLP and ensembles ---------------------------------------------------------------
def test_mlp_gradcam_positions_are_the_input_dates():
    """The MLP's Grad-CAM layer is a per-date embedding: changing one date changes only that position."""
    torch.manual_seed(3)
    model = build_model(make_spec("mlp")).eval()
    x = make_input(4)
    _, before = capture_gradcam(model, x)
    x2 = x.clone()
    x2[:, :, 2] += 0.2
    _, after = capture_gradcam(model, x2)
    changed = (after - before).abs().sum(dim=(0, 1))
    assert changed[2] > 0 and torch.all(changed[[0, 1, 3, 4]] == 0)


@pytest.mark.parametrize("arch", ["mlp", "attention", "tempcnn"])
def test_ensemble_averages_member_probabilities(arch):
    torch.manual_seed(4)
    model = build_model(make_spec(arch, n_members=3)).eval()
    assert len(model.members) == 3 and all(m.spec.n_members == 1 for m in model.members)
    x = make_input(6)
    probs = torch.softmax(model(x), dim=1)
    member_probs = torch.stack([torch.softmax(m(x), dim=1) for m in model.members], dim=1)
    assert torch.allclose(probs, member_probs.mean(1), atol=1e-5)
    assert torch.allclose(model.last_member_probabilities, member_probs, atol=1e-6)
    if arch == "attention":
        assert model.last_band_attention.shape == (6, N_BANDS)
    # disagreement: mutual information, 0 for identical members and > 0 for different ones
    assert (model.last_disagreement > 0).all()
    for m in model.members[1:]:
        m.load_state_dict(model.members[0].state_dict())
    model(x)
    assert torch.allclose(model.last_disagreement, torch.zeros(6), atol=1e-5)


def test_ensemble_gradcam_is_the_sum_of_member_cams():
    from land_cover_xai_plugin.engine.explain.gradcam import predict_with_gradcam

    torch.manual_seed(5)
    model = build_model(make_spec("mlp", n_members=2)).eval()
    x = make_input(5)
    _, activation = capture_gradcam(model, x)
    assert activation.shape == (5, 2 * model.spec.embed_width, N_DATES)
    cam = predict_with_gradcam(model, x, target=1).cam
    assert cam.shape == (5, N_DATES) and (cam >= 0).all() and cam.sum() > 0


def test_ensemble_spec_round_trip_and_file(tmp_path):
    from land_cover_xai_plugin.engine.models.model_file import (
        bundle_from_module, classes_from_names, load_model, save_model)

    spec = make_spec("mlp", n_members=4)
    assert ModelSpec.from_dict(json.loads(json.dumps(spec.to_dict()))) == spec
    with pytest.raises(ValueError, match="n_members"):
        ModelSpec.from_dict({**spec.to_dict(), "n_members": 0})
    old_file = spec.to_dict()
    del old_file["n_members"], old_file["embed_width"], old_file["hidden_width"]
    assert ModelSpec.from_dict(old_file).n_members == 1  # files written before ensembles still load
    torch.manual_seed(6)
    model = build_model(spec).eval()
    bundle = bundle_from_module(model, spec, [f"B{b}" for b in range(N_BANDS)],
                                [f"2020-01-0{d + 1}" for d in range(N_DATES)],
                                classes_from_names({c + 1: f"c{c}" for c in range(N_CLASSES)}))
    path = str(tmp_path / "ensemble.lcx")
    save_model(path, bundle)
    again = load_model(path).build()
    x = make_input(3)
    assert torch.allclose(again(x), model(x), atol=1e-6)


@pytest.mark.parametrize("variant", ["se", "softmax"])
def test_mlp_band_attention_gate(variant):
    torch.manual_seed(7)
    spec = make_spec("mlp", variant, band_attention=True)
    assert spec.has_band_attention and not make_spec("mlp").has_band_attention
    assert make_spec("attention").has_band_attention and not make_spec("tempcnn").has_band_attention
    model = build_model(spec).eval()
    x = make_input(8)
    logits, activation = capture_gradcam(model, x)
    attention = model.last_band_attention
    assert attention.shape == (8, N_BANDS) and (attention > 0).all()
    if variant == "softmax":
        assert torch.allclose(attention.sum(1), torch.ones(8), atol=1e-5)
    else:
        assert (attention < 1).all()
    # gradients still reach the Grad-CAM layer through the gated input
    grad = torch.autograd.grad(logits[:, 0].sum(), activation)[0]
    assert torch.isfinite(grad).all()
    ensemble = build_model(make_spec("mlp", variant, band_attention=True, n_members=2)).eval()
    ensemble(x)
    assert ensemble.last_band_attention.shape == (8, N_BANDS)


def test_ensemble_output_is_the_same_with_and_without_a_gradcam_hook():
    """Without a hook the ensemble skips joining the members' activations (a speed path): same logits."""
    torch.manual_seed(8)
    model = build_model(make_spec("mlp", n_members=3, band_attention=True)).eval()
    x = make_input(6)
    plain = model(x)
    hooked, activation = capture_gradcam(model, x)
    assert activation.shape[1] == 3 * model.spec.embed_width
    assert torch.allclose(plain, hooked, atol=1e-6)
