"""First-order (linearised) date occlusion: exact for a model linear in its input, 0 on unobserved dates, the
same in a streamed map as in memory, listed by the registry and the CLI, and visibly wrong where the model's
date effect is strongly nonlinear (the test that it can fail)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from land_cover_xai_plugin.engine.explain.methods import date_occlusion
from land_cover_xai_plugin.engine.explain.methods.date_occlusion import DateGame
from land_cover_xai_plugin.engine.explain.methods.linear_date_occlusion import (
    linear_occlusion_by_date, removal_differences)

SAMPLE = Path(__file__).resolve().parents[2] / "land_cover_xai_plugin" / "sample_data"
TIMES = np.array([0, 5, 9, 20, 24, 31, 40, 52], float)


class _LinearProbability(torch.nn.Module):
    """Two classes whose probabilities are affine in the input: p1 = a + w . x, p0 = 1 - p1 (log-probabilities
    as logits, so the softmax gives them back)."""

    def __init__(self, n_bands, n_dates, seed=0):
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        self.w = torch.nn.Parameter(torch.randn(n_bands, n_dates, generator=g) * 0.02, requires_grad=False)

    def forward(self, x):
        p1 = 0.5 + (x * self.w).flatten(1).sum(1)
        return torch.log(torch.stack([1 - p1, p1], dim=1))


class _Threshold(torch.nn.Module):
    """A strongly nonlinear date effect: date 2 above 0.35 reflectance adds a saturated +10 to the class-1 logit
    (flat there: zero gradient), every other date adds a small linear term."""

    def forward(self, x):
        step = 10.0 * torch.clamp((x[:, 0, 2] - 0.3) / 0.05, 0.0, 1.0)
        logit = -9.0 + step + 3.0 * (x[:, 0].sum(1) - x[:, 0, 2])
        return torch.stack([torch.zeros_like(logit), logit], dim=1)


def _game(anchors, k=2):
    return DateGame(np.asarray(anchors, bool), TIMES, torch.full((k,), 1.0 / k))


def _consistent(x, anchors):
    """x whose unobserved dates hold the engine's fill from the observed ones (as the pass builds them)."""
    w = torch.as_tensor(date_occlusion.refill_matrix(np.asarray(anchors, bool), TIMES))
    return (x.movedim(2, -1) @ w).movedim(-1, 2)


@pytest.mark.parametrize("anchors", [[1, 0, 1, 1, 0, 1, 1, 1], [1, 1, 1, 1, 1, 1, 1, 1], [0, 1, 0, 1, 1, 0, 0, 1]])
def test_equals_the_exact_occlusion_drop_for_a_model_linear_in_its_input(anchors):
    model = _LinearProbability(3, 8).eval()
    x = torch.rand(50, 3, 8, dtype=torch.float64) * 0.5
    model.double()
    game = _game(anchors)
    targets = torch.randint(0, 2, (50,))
    exact = date_occlusion.occlusion_by_date_per_date(model, x, targets, game)
    linear = linear_occlusion_by_date(model, x, targets, game)
    torch.testing.assert_close(linear, exact, atol=1e-5, rtol=0)
    assert exact.abs().max() > 1e-3  # not a trivial zero


def test_patch_model_equals_exact_for_a_linear_model():
    class _LinearPatch(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.w = torch.randn(3, 8, 3, 3, generator=torch.Generator().manual_seed(3)) * 0.01

        def forward(self, x):
            p1 = 0.5 + (x * self.w).flatten(1).sum(1)
            return torch.log(torch.stack([1 - p1, p1], dim=1))

    model = _LinearPatch()
    x = torch.rand(20, 3, 8, 3, 3, dtype=torch.float64)
    model.w = model.w.double()
    game = _game([1, 0, 1, 1, 0, 1, 0, 1])
    targets = torch.ones(20, dtype=torch.long)
    torch.testing.assert_close(linear_occlusion_by_date(model, x, targets, game),
                               date_occlusion.occlusion_by_date_per_date(model, x, targets, game), atol=1e-5, rtol=0)


def test_cloud_masked_dates_get_exactly_zero_and_the_refill_moves_only_the_removed_and_unobserved_dates():
    from test_faithful_maps import _ensemble  # the product's architecture (3-member gated MLP ensemble)

    anchors = np.array([1, 0, 1, 1, 0, 1, 1, 1], bool)
    model = _ensemble(8, 3)
    x = _consistent(torch.rand(60, 3, 8) * 0.3, anchors)
    game = _game(anchors, 4)
    with torch.no_grad():
        targets = model(x).argmax(1)
    values = linear_occlusion_by_date(model, x, targets, game)
    assert torch.all(values[:, ~anchors] == 0.0)
    assert values[:, anchors].abs().max() > 1e-4
    # x - refill_t(x) is zero at every observed date but t; at the unobserved ones it may not be
    moved = x.movedim(2, -1)
    for i, t in enumerate(game.players):
        change = (moved @ removal_differences(game, x.dtype, x.device)[i]).abs().amax(dim=(0, 1))
        others = [s for s in game.players if s != t]
        assert torch.all(change[others] < 1e-6) and change[t] > 1e-3


def test_a_single_observation_gives_the_exact_drop_to_the_background():
    from test_faithful_maps import _ensemble

    anchors = [0, 0, 0, 1, 0, 0, 0, 0]
    model = _ensemble(8, 3)
    x = torch.rand(30, 3, 8) * 0.3
    game = DateGame(np.asarray(anchors, bool), TIMES, torch.tensor([0.1, 0.2, 0.3, 0.4]))
    targets = torch.randint(0, 4, (30,))
    torch.testing.assert_close(linear_occlusion_by_date(model, x, targets, game),
                               date_occlusion.occlusion_by_date(model, x, targets, game), atol=1e-6, rtol=0)


def test_it_can_fail_a_strongly_nonlinear_date_effect_ranks_differently_from_exact_occlusion():
    """Date 2 is bright, on the flat top of a step: removing it (refilled ~0.15) drops the probability by ~1,
    but the gradient there is 0, so the first-order estimate ranks it nowhere near first."""
    model = _Threshold()
    rng = np.random.default_rng(0)
    x = torch.as_tensor(rng.uniform(0.0, 0.3, (40, 1, 8)), dtype=torch.float64)
    x[:, 0, 2] = torch.as_tensor(rng.uniform(0.7, 0.9, 40))
    game = _game(np.ones(8, bool))
    targets = torch.ones(40, dtype=torch.long)
    exact = date_occlusion.occlusion_by_date_per_date(model, x, targets, game).numpy()
    linear = linear_occlusion_by_date(model, x, targets, game).numpy()
    assert np.all(exact.argmax(1) == 2) and np.all(exact[:, 2] > 0.5)  # the exact drop: date 2 first
    assert np.all(linear.argmax(1) != 2) and np.all(np.abs(linear[:, 2]) < 1e-9)  # the estimate misses it
    place = (linear > linear[:, [2]]).sum(1)  # dates the estimate ranks above date 2 (exact: none)
    assert place.mean() > 2, place.mean()


def test_streamed_map_equals_the_in_memory_computation(tmp_path, sample_region):
    from osgeo import gdal

    bundle = sample_region.bundle
    result = sample_region.run(tmp_path, {"linear_occlusion_dates"})
    ds = gdal.Open(result.output("linear_occlusion_dates").path)
    streamed = ds.ReadAsArray()[:, 40:50, 30:42].reshape(len(bundle.dates), -1).T
    meta = ds.GetMetadata()
    assert meta["LCX_BAND_DATES"].split(",") == [str(d) for d in bundle.dates]
    assert ds.GetRasterBand(1).GetDescription().startswith(f"{bundle.dates[0]}: first-order estimate of the drop")
    model, game, x = sample_region.model_input()
    with torch.no_grad():
        targets = model(x).argmax(1)
    expected = linear_occlusion_by_date(model, x, targets, game).numpy()
    np.testing.assert_allclose(streamed, expected, atol=1e-6)
    cloudy = [bundle.dates.index(d) for d in ("2015-07-31", "2015-08-20")]
    assert np.all(streamed[:, cloudy] == 0) and np.abs(streamed).max() > 1e-3


def test_listed_by_the_registry_and_the_cli_after_every_older_method():
    from land_cover_xai_plugin.cli.main import build_parser
    from land_cover_xai_plugin.engine.explain import registry

    method = registry.get("linear_occlusion_dates")
    assert method.label == "Date occlusion (linearised, fast)" and method.takes_target
    assert registry.names("explanation")[-1] == "linear_occlusion_dates"  # Processing indices stay put
    assert "linear_occlusion_dates" in [e.name for e in registry.available("mlp", "explanation")]
    help_text = build_parser()._subparsers._group_actions[0].choices["explain"].format_help()
    assert "linear_occlusion_dates" in help_text
    args = build_parser().parse_args(["explain", "--stack", "s.tif", "--model", "m.lcx", "--out", "o",
                                      "--method", "linear_occlusion_dates"])
    assert args.method == ["linear_occlusion_dates"]


@pytest.mark.parametrize("attention, band_attention, n_members", [
    ("se", True, 3), ("softmax", True, 3), ("se", False, 3), ("se", True, 1)])
def test_the_gradient_through_the_inference_stand_in_is_the_models(attention, band_attention, n_members):
    from land_cover_xai_plugin.engine.explain.methods.linear_date_occlusion import target_gradient
    from land_cover_xai_plugin.engine.models import build_model
    from land_cover_xai_plugin.engine.models.ensemble import inference_model
    from land_cover_xai_plugin.engine.models.spec import ModelSpec

    torch.manual_seed(2)
    spec = ModelSpec(arch="mlp", n_bands=3, n_dates=8, n_classes=4, norm_mean=[0.1] * 3, norm_std=[0.05] * 3,
                     band_attention=band_attention, attention=attention, n_members=n_members,
                     band_groups=[[b] for b in range(3)])
    model = build_model(spec).eval()
    for p in model.parameters():
        p.requires_grad_(False)
    with torch.no_grad():  # BatchNorm statistics away from the identity, so that folding them matters
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm1d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)
    stand_in = inference_model(model)
    assert stand_in is not model and hasattr(stand_in, "fused")
    x = torch.rand(50, 3, 8) * 0.3
    targets = torch.randint(0, 4, (50,))
    p_model, g_model = target_gradient(model, x, targets)
    p_fast, g_fast = target_gradient(stand_in, x, targets)
    torch.testing.assert_close(p_fast, p_model, atol=1e-6, rtol=0)
    torch.testing.assert_close(g_fast, g_model, atol=1e-6, rtol=1e-4)
    assert g_model.abs().max() > 1e-3
    # and the map through the game's stand-in equals the map through the model
    anchors = np.array([1, 0, 1, 1, 0, 1, 1, 1], bool)
    game = DateGame(anchors, TIMES, torch.full((4,), 0.25))
    reference = linear_occlusion_by_date(model, x, targets, game)
    game.runner = date_occlusion.forward_runner(model)
    torch.testing.assert_close(linear_occlusion_by_date(model, x, targets, game), reference, atol=1e-6, rtol=1e-4)
