"""The explanation-quality metrics of engine/explain/evaluation.py behave as they should."""
from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("captum")

from land_cover_xai_plugin.engine.explain import attribution, evaluation, gradcam
from land_cover_xai_plugin.engine.data.synthetic import make_planted_signal_arrays
from land_cover_xai_plugin.engine.training.trainer import TrainConfig, train_on_arrays

B, T = 4, 8
PLANTED_BANDS, PLANTED_DATES = [1], [3, 4]


class ToyLinear(torch.nn.Module):
    """Two classes; logit 1 = sum w * (x - mean), logit 0 = 0."""

    def __init__(self, w, mean):
        super().__init__()
        self.w = torch.as_tensor(w, dtype=torch.float32)
        self.mean = torch.as_tensor(mean, dtype=torch.float32)

    def forward(self, x):
        z = ((x - self.mean[None, :, None]) * self.w[None]).flatten(1).sum(1)
        return torch.stack([torch.zeros_like(z), z], dim=1)


def test_spearman_identical_reversed_constant():
    a = np.array([0.1, 3.0, -2.0, 5.0, 0.7])
    assert evaluation.spearman(a, a) == pytest.approx(1.0)
    assert evaluation.spearman(a, 10 * a + 3) == pytest.approx(1.0)
    assert evaluation.spearman(a, -a) == pytest.approx(-1.0)
    assert np.isnan(evaluation.spearman(a, np.zeros(5)))
    rows = evaluation.spearman_rows(np.stack([a, a]), np.stack([a, -a]))
    np.testing.assert_allclose(rows, [1.0, -1.0])


def test_relevance_share_and_occlusion():
    rel = np.array([[1.0, -1.0, 2.0, 0.0], [0.0, 0.0, 0.0, 0.0]])
    share = evaluation.relevance_share(rel, [1, 2])
    assert share[0] == pytest.approx(0.75) and np.isnan(share[1])
    mean = np.zeros(B, np.float32)
    w = np.zeros((B, T), np.float32)
    w[:, 2] = 5.0  # only date 2 matters
    x = np.ones((8, B, T), np.float32)
    occ = evaluation.occlusion(ToyLinear(w, mean), x, 1, unit="date", baseline="mean", norm_mean=mean)
    assert occ.shape == (8, T) and np.all(occ[:, 2] > 0.4) and np.allclose(np.delete(occ, 2, 1), 0)


def test_interp_baseline_interpolates_from_remaining_dates():
    x = np.array([[[1.0, 5.0, 3.0, 7.0]]], np.float32)  # (1, 1, 4)
    removed = np.array([[[False, True, False, True]]])
    out = evaluation.replace(x, removed, "interp", norm_mean=[9.0])
    np.testing.assert_allclose(out[0, 0], [1.0, 2.0, 3.0, 3.0])  # middle: linear, end: nearest
    out = evaluation.replace(x, np.ones_like(removed), "interp", norm_mean=[9.0])
    np.testing.assert_allclose(out[0, 0], 9.0)  # no date left: the band mean
    out = evaluation.replace(x, removed, "mean", norm_mean=[9.0])
    np.testing.assert_allclose(out[0, 0], [1.0, 9.0, 3.0, 9.0])


def test_precision_at_k_and_pointing_game():
    truth = np.zeros((2, 3), bool)
    truth[1, 2] = truth[0, 0] = True
    attr = np.zeros((2, 2, 3))
    attr[0, 1, 2], attr[0, 0, 0] = 5.0, -4.0  # both planted units on top (|.|)
    attr[1, 0, 1] = 9.0  # a wrong unit on top
    attr[1, 1, 2] = 1.0
    np.testing.assert_allclose(evaluation.precision_at_k(attr, truth), [1.0, 0.5])
    np.testing.assert_array_equal(evaluation.pointing_game(attr, truth), [True, False])
    np.testing.assert_allclose(evaluation.precision_at_k(attr, truth, absolute=False), [0.5, 0.5])
    flat = np.zeros((4000, 10))  # a constant explanation scores at chance (ties at random), not by index
    truth10 = np.zeros(10, bool)
    truth10[:2] = True
    assert evaluation.precision_at_k(flat, truth10).mean() == pytest.approx(0.2, abs=0.03)


def test_exact_attributions_beat_random_on_a_linear_model():
    rng = np.random.default_rng(0)
    mean = rng.uniform(0.1, 0.3, B).astype(np.float32)
    w = rng.normal(0, 3, (B, T)).astype(np.float32)
    model = ToyLinear(w, mean)
    x = (mean[None, :, None] + rng.normal(0, 0.2, (64, B, T))).astype(np.float32)
    exact = w[None] * (x - mean[None, :, None])  # the exact decomposition of the logit
    target = np.ones(len(x), np.int64)
    curves = evaluation.deletion_insertion_curves(model, x, exact, target, baseline="mean", norm_mean=mean)
    rand = evaluation.random_order_auc(model, x, target, baseline="mean", norm_mean=mean, n_orders=3)
    assert curves.deletion.shape == (64, B * T + 1)
    np.testing.assert_allclose(curves.deletion[:, -1], curves.insertion[:, 0])  # both: all at the baseline
    np.testing.assert_allclose(curves.deletion[:, 0], curves.insertion[:, -1])  # both: the input
    assert curves.deletion_auc.mean() < rand["deletion_auc"] - 0.1
    assert curves.insertion_auc.mean() > rand["insertion_auc"] + 0.1
    reverse = evaluation.deletion_insertion_curves(model, x, -exact, target, norm_mean=mean)
    assert reverse.deletion_auc.mean() > rand["deletion_auc"]  # least relevant first is worse than random
    for unit in ("date", "band"):
        c = evaluation.deletion_insertion_curves(model, x, exact, target, baseline="interp", unit=unit,
                                                 norm_mean=mean, steps=4)
        assert c.deletion.shape == (64, 5) and c.fraction[-1] == 1.0


@pytest.fixture(scope="module")
def planted():
    torch.set_num_threads(1)
    x, y = make_planted_signal_arrays(1200, B, T, PLANTED_BANDS, PLANTED_DATES, seed=0, delta=0.3)
    config = TrainConfig(arch="attention", epochs=12, patience=12, batch_size=64, seed=0, band_width=4,
                         fusion_width=16, test_fraction=0.0, threads=1)
    bundle = train_on_arrays(x, y + 1, {1: "plain", 2: "planted"}, config)
    model = bundle.build()
    gradcam.freeze(model)
    keep = y == 1
    return model, bundle, torch.as_tensor(x[keep][:80]), x, y


def test_ig_finds_the_planted_features(planted):
    model, bundle, xp, _, _ = planted
    targets = torch.ones(len(xp), dtype=torch.long)
    base = torch.as_tensor(attribution.mean_baseline(bundle.spec.norm_mean, T))
    ig = attribution.integrated_gradients(model, xp, targets, base, n_steps=16).numpy()
    truth = np.zeros((B, T), bool)
    truth[np.ix_(PLANTED_BANDS, PLANTED_DATES)] = True
    assert evaluation.precision_at_k(np.abs(ig).mean(0, keepdims=True), truth)[0] == 1.0
    assert evaluation.precision_at_k(ig, truth).mean() >= 0.7  # per pixel: saturated pixels have tiny IG
    band_truth = np.zeros(B, bool)
    band_truth[PLANTED_BANDS] = True
    assert evaluation.pointing_game(ig.sum(2), band_truth).mean() >= 0.8


def test_band_ablation_ranks_the_planted_band_first(planted):
    model, _, _, x, y = planted
    result = evaluation.band_ablation_importance(model, x[:600], y[:600])
    assert result["accuracy"] > 0.9
    assert int(np.argmax(result["delta_probability"])) == PLANTED_BANDS[0]
    assert int(np.argmax(result["delta_accuracy"])) == PLANTED_BANDS[0]


def test_cascading_randomisation_changes_gradcam(planted):
    model, _, xp, _, _ = planted

    def explain(m, x, target):
        return gradcam.predict_with_gradcam(m, x, target).cam

    steps = evaluation.cascading_randomisation(model, explain, xp, 1, seed=0)
    assert steps[0]["spearman_mean"] == pytest.approx(1.0)
    assert [s["layer"] for s in steps[1:]] == evaluation.randomisable_layers(model)
    assert steps[1]["layer"] == "classifier"
    last = steps[-1]
    if np.isnan(last["spearman_mean"]):  # an all-zero ReLU map has no ranking: the check fails, never passes
        assert last["n_undefined"] > 0 and not evaluation.randomisation_passes(last["spearman_mean"])
    else:
        assert last["spearman_mean"] < 0.5
    # the original model is untouched
    again = explain(model, xp, 1).numpy()
    assert np.isfinite(again).all()


def test_grouped_shapley_of_a_batch_is_each_pixels_and_efficient():
    """The benchmark explains batches with the pixel view's grouped Shapley: per pixel the same values as a
    pixel explained alone, summing to p(x) - p(baseline) (efficiency), exact for an additive model."""
    from land_cover_xai_plugin.engine.explain.pixel import grouped_shapley

    rng = np.random.default_rng(0)
    w, mean = rng.normal(size=(B, T)), np.full(B, 0.2)
    model = ToyLinear(w, mean)
    forward = attribution.probability_of(model)
    x = torch.as_tensor(rng.uniform(0, 0.4, size=(5, B, T)), dtype=torch.float32)
    baseline = torch.as_tensor(attribution.mean_baseline(mean, T))
    targets = torch.tensor([1, 0, 1, 1, 0])
    for by, n_groups in (("band", B), ("date", T)):
        batch = grouped_shapley(forward, x, baseline, targets, by, n_samples=6, seed=3, perturbations_per_eval=4)
        assert batch.shape == (5, n_groups)
        with torch.no_grad():
            gain = (forward(x) - forward(baseline)).numpy()[np.arange(5), targets.numpy()]
        np.testing.assert_allclose(batch.sum(1), gain, atol=1e-5)
        for i in range(5):
            alone = grouped_shapley(forward, x[i:i + 1], baseline, targets[i:i + 1], by, n_samples=6, seed=3)
            np.testing.assert_allclose(alone[0], batch[i], atol=1e-6)
    # logit additive over groups: the band Shapley values of the logit are its per-band terms
    logit = grouped_shapley(lambda v: model(v), x, baseline, torch.ones(5, dtype=torch.long), "band", n_samples=2)
    terms = ((x - torch.as_tensor(mean, dtype=torch.float32)[None, :, None]) * model.w[None]).sum(2).numpy()
    np.testing.assert_allclose(logit, terms, atol=1e-5)


# --- bad explanations score badly; a NaN fails ---------------------------------------------------------------

def _linear_case(n=80, seed=0):
    rng = np.random.default_rng(seed)
    mean = rng.uniform(0.1, 0.3, B).astype(np.float32)
    w = rng.normal(0, 3, (B, T)).astype(np.float32)
    x = (mean[None, :, None] + rng.normal(0, 0.2, (n, B, T))).astype(np.float32)
    return ToyLinear(w, mean), x, w[None] * (x - mean[None, :, None]), mean


@pytest.mark.parametrize("unit", ["feature", "date"])
def test_paired_test_passes_the_exact_explanation_and_fails_random_constant_inverted(unit):
    model, x, exact, mean = _linear_case()
    target = np.ones(len(x), np.int64)
    rnd = evaluation.random_order_auc(model, x, target, "mean", unit, n_orders=4, norm_mean=mean, seed=1)
    bad = {"random": np.random.default_rng(5).random(x.shape), "constant": np.zeros(x.shape), "inverted": -exact}
    good = evaluation.deletion_insertion_curves(model, x, exact, target, "mean", unit=unit, norm_mean=mean)
    assert evaluation.beats_random(evaluation.paired_test(good.deletion_auc, rnd["per_sample_deletion_auc"], "less"))
    assert evaluation.beats_random(evaluation.paired_test(good.insertion_auc, rnd["per_sample_insertion_auc"],
                                                          "greater"))
    for name, attr in bad.items():
        c = evaluation.deletion_insertion_curves(model, x, attr, target, "mean", unit=unit, norm_mean=mean, seed=2)
        deletion = evaluation.paired_test(c.deletion_auc, rnd["per_sample_deletion_auc"], "less")
        insertion = evaluation.paired_test(c.insertion_auc, rnd["per_sample_insertion_auc"], "greater")
        assert not (evaluation.beats_random(deletion) and evaluation.beats_random(insertion)), name


def test_paired_test_of_nan_or_identical_values_fails():
    a = np.linspace(0, 1, 30)
    same = evaluation.paired_test(a, a.copy(), "less")
    assert np.isnan(same["wilcoxon_p"]) and not evaluation.beats_random(same)
    with_nan = a.copy()
    with_nan[3] = np.nan
    assert not evaluation.beats_random(evaluation.paired_test(with_nan, a + 1, "less"))
    assert evaluation.beats_random(evaluation.paired_test(a, a + 0.1, "less"))
    assert not evaluation.beats_random(evaluation.paired_test(a, a + 0.1, "greater"))  # wrong direction


def test_background_removal_takes_the_background_values():
    x = np.zeros((3, 2, 4), np.float32)
    background = np.full((3, 2, 4), 7.0, np.float32)
    removed = np.zeros(x.shape, bool)
    removed[:, 1] = True
    out = evaluation.replace(x, removed, "background", [0.0, 0.0], background=background)
    assert np.all(out[:, 1] == 7) and np.all(out[:, 0] == 0)
    with pytest.raises(ValueError):
        evaluation.replace(x, removed, "background", [0.0, 0.0])


def test_pointing_game_and_precision_fail_constant_random_inverted_maps():
    truth = np.zeros(T, bool)
    truth[PLANTED_DATES] = True
    rng = np.random.default_rng(0)
    good = np.where(truth, 1.0, 0.1)[None].repeat(200, 0) + rng.normal(0, 0.01, (200, T))
    assert evaluation.pointing_game(good, truth).mean() == 1.0
    constant = np.zeros((200, T))
    inverted = np.where(truth, 0.0, 1.0)[None].repeat(200, 0)
    random = rng.random((200, T))
    for bad in (constant, random):
        assert evaluation.pointing_game(bad, truth).mean() < 0.5  # chance: 2 of 8 dates
    assert evaluation.pointing_game(inverted, truth).mean() == 0.0
    assert evaluation.precision_at_k(inverted, truth).mean() == 0.0


def test_randomisation_check_fails_an_explanation_that_ignores_the_model_and_a_nan():
    model, x, _, _ = _linear_case(40)
    xt = torch.as_tensor(x)

    def input_only(m, xx, target):  # an "explanation" that is the input itself: survives any randomisation
        return xx

    steps = evaluation.cascading_randomisation(torch.nn.Sequential(torch.nn.Linear(T, T)), input_only, xt, 1)
    assert steps[-1]["spearman_mean"] == pytest.approx(1.0)
    assert not evaluation.randomisation_passes(steps[-1]["spearman_mean"])
    assert not evaluation.randomisation_passes(float("nan"))
    assert evaluation.randomisation_passes(0.05) and not evaluation.randomisation_passes(-0.5)


def test_cloudy_relevance_share_flags_a_map_that_uses_masked_dates():
    cloudy = [2, 3]
    zero_there = np.random.default_rng(0).random((50, T))
    zero_there[:, cloudy] = 0.0
    assert np.all(evaluation.relevance_share(zero_there, cloudy) == 0)
    uniform = np.ones((50, T))
    assert np.allclose(evaluation.relevance_share(uniform, cloudy), 2 / T)
    assert np.all(np.isnan(evaluation.relevance_share(np.zeros((5, T)), cloudy)))  # all zero: undefined


def test_the_benchmark_verdict_passes_only_when_every_target_is_met():
    import importlib.util
    import sys
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "benchmarks" / "xai.py"
    spec = importlib.util.spec_from_file_location("xai_benchmark", path)
    xai = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = xai  # its dataclasses look their module up
    spec.loader.exec_module(xai)

    def figures(**changes):
        entry = {"mprt_final_spearman": {"mean": 0.05}, "pointing_game": {"mean": 0.95},
                 "cloudy_date_share": {"mean": 0.0}}
        for suffix in ("", "_interp"):
            entry.update({f"deletion_auc{suffix}": {"mean": 0.2}, f"random_deletion_auc{suffix}": {"mean": 0.4},
                          f"insertion_auc{suffix}": {"mean": 0.7}, f"random_insertion_auc{suffix}": {"mean": 0.4},
                          f"deletion_p{suffix}": {"max_over_models": 1e-5},
                          f"insertion_p{suffix}": {"max_over_models": 1e-5}})
        entry.update(changes)
        return entry

    verdict, summary = xai.verdict(figures(), "date")
    assert verdict == "passes" and summary.startswith("passes: deletion 0.20 vs random 0.40")
    for bad in ({"mprt_final_spearman": {"mean": float("nan")}}, {"mprt_final_spearman": {"mean": -0.6}},
                {"pointing_game": {"mean": 0.5}}, {"cloudy_date_share": {"mean": 0.3}},
                {"deletion_p_interp": {"max_over_models": float("nan")}},
                {"insertion_auc": {"mean": 0.3}}):
        verdict, summary = xai.verdict(figures(**bad), "date")
        assert verdict.startswith("fails: ") and summary.startswith("fails: "), bad


def test_unit_infidelity_prefers_the_exact_removal_effects_over_random_attributions():
    pytest.importorskip("captum")
    from land_cover_xai_plugin.engine.explain.evaluation import occlusion, unit_infidelity

    torch.manual_seed(0)

    class Additive(torch.nn.Module):
        """logit of class 1 = sum of per-date effects of band 0 (no interaction), class 0 = 0."""

        def __init__(self):
            super().__init__()
            self.w = torch.tensor([3.0, -2.0, 0.0, 1.0, 4.0])

        def forward(self, x):
            z = ((x[:, 0] - 0.2) * self.w).sum(1) * 0.5
            return torch.stack([torch.zeros_like(z), z], 1)

    model = Additive().eval()
    rng = np.random.default_rng(0)
    x = rng.uniform(0.0, 0.4, (80, 2, 5)).astype(np.float32)
    target = np.ones(80, np.int64)
    mean = [0.2, 0.2]
    exact = occlusion(model, x, target, "date", "mean", norm_mean=mean)  # single-date removal effects
    noise = rng.normal(size=exact.shape)
    good = unit_infidelity(model, x, exact, target, "date", "mean", norm_mean=mean, seed=1)
    bad = unit_infidelity(model, x, noise, target, "date", "mean", norm_mean=mean, seed=1)
    assert good.shape == (80,) and np.isfinite(good).all()
    assert good.mean() < 0.3 * bad.mean()
    # seeded: the same perturbations again
    np.testing.assert_allclose(unit_infidelity(model, x, exact, target, "date", "mean", norm_mean=mean, seed=1),
                               good)
    with pytest.raises(ValueError):
        unit_infidelity(model, x, exact[:, :3], target, "date", "mean", norm_mean=mean)
