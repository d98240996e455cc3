"""Per-pixel maps by date that test what the model does: date occlusion and exact / sampled Shapley by date,
on the date-removal game (a removed date refilled by the engine's gap filling from the observed dates)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from land_cover_xai_plugin.engine.data.gapfill import fill_gaps
from land_cover_xai_plugin.engine.explain.methods import date_occlusion, date_shapley
from land_cover_xai_plugin.engine.explain.methods.date_occlusion import DateGame, refill_matrix

SAMPLE = Path(__file__).resolve().parents[2] / "land_cover_xai_plugin" / "sample_data"


def test_refill_matrix_is_the_engines_gap_filling():
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, (50, 3, 6)).astype(np.float32)
    times = np.array([0, 10, 15, 30, 31, 50], float)
    for kept in ([1, 0, 1, 1, 0, 1], [0, 0, 1, 0, 0, 0], [0, 1, 1, 1, 1, 0]):
        kept = np.array(kept, bool)
        holes = x.copy()
        holes[:, :, ~kept] = np.nan
        expected, _ = fill_gaps(holes, 1, times=times)
        np.testing.assert_allclose(x @ refill_matrix(kept, times), expected, atol=1e-6)


class _Toy(torch.nn.Module):
    """A small non-linear pixel model (B=2, T=5, K=3)."""

    def __init__(self, seed=0):
        super().__init__()
        torch.manual_seed(seed)
        self.net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(10, 16), torch.nn.Tanh(),
                                       torch.nn.Linear(16, 3))

    def forward(self, x):
        return self.net(x * 4.0)


def _game(anchors, k=3):
    return DateGame(np.asarray(anchors, bool), np.arange(len(anchors), dtype=float),
                    torch.full((k,), 1.0 / k))


def test_exact_shapley_is_efficient_and_ignores_unobserved_dates():
    model = _Toy().eval()
    x = torch.rand(40, 2, 5)
    targets = torch.randint(0, 3, (40,))
    game = _game([1, 0, 1, 1, 1])
    values = date_shapley.exact_date_shapley(model, x, targets, game)
    with torch.no_grad():
        p = torch.softmax(model(x), 1).gather(1, targets[:, None])[:, 0]
    np.testing.assert_allclose(values.sum(1).numpy(), (p - 1.0 / 3).numpy(), atol=1e-5)
    assert torch.all(values[:, 1] == 0)
    occlusion = date_occlusion.occlusion_by_date(model, x, targets, game)
    assert torch.all(occlusion[:, 1] == 0) and occlusion[:, [0, 2, 3, 4]].abs().sum() > 0


def test_sampled_shapley_agrees_with_exact_within_its_reported_error():
    model = _Toy(1).eval()
    x = torch.rand(30, 2, 5)
    targets = torch.zeros(30, dtype=torch.long)
    game = _game([1, 1, 1, 1, 1])
    exact = date_shapley.exact_date_shapley(model, x, targets, game)
    estimate, error = date_shapley.sampled_date_shapley(model, x, targets, game, n_permutations=64, seed=3)
    assert torch.isfinite(error).all() and error.max() > 0
    np.testing.assert_allclose(estimate.sum(1).numpy(), exact.sum(1).numpy(), atol=1e-5)  # efficient too
    assert ((estimate - exact).abs() <= 5 * error + 1e-5).float().mean() > 0.97


def test_shapley_weights_sum_to_one_over_coalitions():
    from math import comb

    for a in range(1, 8):
        w = date_shapley.shapley_weights(a)
        assert abs(sum(comb(a - 1, s) * w[s] for s in range(a)) - 1.0) < 1e-12


def test_maps_on_the_sample_zero_on_cloudy_dates_and_efficient(tmp_path, sample_region):
    from osgeo import gdal

    bundle = sample_region.bundle
    result = sample_region.run(tmp_path, {"occlusion_dates", "shapley_dates", "probabilities"})
    read = {}
    for kind in ("occlusion_dates", "shapley_dates", "probabilities", "prediction"):
        ds = gdal.Open(result.output(kind).path)
        read[kind] = (ds.ReadAsArray()[..., 40:50, 30:42], ds.GetMetadata())
    occlusion, meta = read["occlusion_dates"]
    assert meta["LCX_BAND_DATES"].split(",") == [str(d) for d in bundle.dates]
    shapley = read["shapley_dates"][0]
    cloudy = [bundle.dates.index(d) for d in ("2015-07-31", "2015-08-20")]
    assert np.all(occlusion[cloudy] == 0) and np.all(shapley[cloudy] == 0)
    assert np.abs(occlusion).max() > 0.01
    assert np.all(shapley[-1] == 0)  # 3 observed dates: exact, no sampling error
    # efficiency: the date values sum to p(predicted) - p(predicted | background)
    _, game, x = sample_region.model_input()
    probabilities = read["probabilities"][0].reshape(len(bundle.classes), -1)
    predicted = probabilities.argmax(0)
    expected = probabilities[predicted, np.arange(120)] - game.background.numpy()[predicted]
    np.testing.assert_allclose(shapley[:-1].reshape(len(bundle.dates), -1).sum(0), expected, atol=2e-5)
    assert x.shape == (120, len(bundle.bands), len(bundle.dates))


@pytest.mark.skipif(not (SAMPLE / "sample_model.lcx").exists(), reason="bundled sample missing")
def test_the_verdict_travels_in_the_model_file_and_onto_the_maps(tmp_path):
    import dataclasses

    from osgeo import gdal

    from land_cover_xai_plugin.engine.explain.evaluation import stored_verdict
    from land_cover_xai_plugin.engine.inference.streaming import InferenceRequest, run_inference
    from land_cover_xai_plugin.engine.models.model_file import load_model, save_model

    bundle = load_model(str(SAMPLE / "sample_model.lcx"))
    # the bundled model carries the verdicts of benchmarks/results/xai.json (make model stores them)
    assert "deletion" in (stored_verdict(bundle, "occlusion_dates") or "")
    assert stored_verdict(dataclasses.replace(bundle, explanation_quality={}), "occlusion_dates") is None
    bundle.explanation_quality = {"source": "test", "methods": {
        "occlusion_dates": {"verdict": "passes", "summary": "passes: deletion 0.21 vs random 0.40"}}}
    path = tmp_path / "m.lcx"
    save_model(str(path), bundle)
    again = load_model(str(path))
    assert again.explanation_quality == bundle.explanation_quality
    assert again.describe()["explanation_quality"]["methods"]["occlusion_dates"]["verdict"] == "passes"
    assert stored_verdict(again, "occlusion_dates") == "passes: deletion 0.21 vs random 0.40"
    result = run_inference(InferenceRequest(stack_paths=[str(SAMPLE / "s2_l1c_stack.tif")], bundle=again,
                                            out_dir=str(tmp_path / "out"), methods={"occlusion_dates"},
                                            region=(0, 0, 8, 8), threads=1))
    ds = gdal.Open(result.output("occlusion_dates").path)
    assert ds.GetMetadataItem("LCX_VERDICT") == "passes: deletion 0.21 vs random 0.40"
    assert result.output("occlusion_dates").verdict == "passes: deletion 0.21 vs random 0.40"  # the descriptor


def test_exact_grouped_shapley_of_the_pixel_view_matches_long_sampling_and_is_efficient():
    from land_cover_xai_plugin.engine.explain import attribution
    from land_cover_xai_plugin.engine.explain.pixel import exact_grouped_shapley, grouped_shapley

    model = _Toy(2).eval()
    forward = attribution.probability_of(model)
    x = torch.rand(6, 2, 5)
    baseline = torch.full((1, 2, 5), 0.5)
    targets = torch.tensor([0, 1, 2, 0, 1, 2])
    exact = exact_grouped_shapley(forward, x, baseline, targets, "date")
    with torch.no_grad():
        gain = (forward(x) - forward(baseline)).numpy()[np.arange(6), targets.numpy()]
    np.testing.assert_allclose(exact.sum(1), gain, atol=1e-6)
    sampled = grouped_shapley(forward, x, baseline, targets, "date", n_samples=400, seed=1)
    np.testing.assert_allclose(sampled, exact, atol=0.03)
    # one pixel alone: the same values
    np.testing.assert_allclose(exact_grouped_shapley(forward, x[2:3], baseline, targets[2:3], "date")[0],
                               exact[2], atol=1e-7)


@pytest.mark.skipif(not (SAMPLE / "sample_model.lcx").exists(), reason="bundled sample missing")
def test_pixel_view_says_exact_for_dates_and_sampled_for_bands():
    from land_cover_xai_plugin.engine.explain.pixel import explain_pixel
    from land_cover_xai_plugin.engine.io.stack import open_stack
    from land_cover_xai_plugin.engine.models.model_file import load_model

    bundle = load_model(str(SAMPLE / "sample_model.lcx"))
    stack = open_stack([str(SAMPLE / "s2_l1c_stack.tif")])
    try:
        result = explain_pixel(bundle, stack, 50, 50, shap_samples=8, ig_steps=8)
    finally:
        stack.close()
    # the sample's two cloudy dates (31 Jul, 20 Aug: declared > 0.5 cloudy, masked) are not players
    assert result.extra["shap_by_date_method"] == "exact (8 coalitions of 3 dates)"
    assert result.extra["shap_by_band_method"] == "sampled (8 permutations)"
    cloudy = [i for i, d in enumerate(result.dates) if d[5:] in ("07-31", "08-20")]
    assert len(cloudy) == 2 and np.all(result.shap_by_date[cloudy] == 0.0)
    assert np.abs(result.shap_by_date).max() > 0.01  # the observed dates do carry the evidence
    assert abs(result.shap_by_date.sum() - (result.target_probability - result.baseline_probability)) < 1e-5


def test_band_occlusion_is_zero_for_a_band_the_model_ignores_and_spreads_the_background():
    from land_cover_xai_plugin.engine.explain.methods.band_occlusion import balanced_rows, occlusion_by_band

    class IgnoresBandOne(_Toy):
        def forward(self, x):
            x = x.clone()
            x[:, 1] = 0.3
            return super().forward(x)

    model = IgnoresBandOne().eval()
    x = torch.rand(20, 2, 5)
    background = torch.rand(4, 2, 5)
    values = occlusion_by_band(model, x, torch.zeros(20, dtype=torch.long), background)
    assert torch.all(values[:, 1] == 0) and values[:, 0].abs().max() > 1e-3
    probabilities = np.eye(3)[[0, 0, 0, 0, 1, 1, 2]]
    rows = balanced_rows(probabilities, 3, seed=0)
    assert sorted(probabilities[rows].argmax(1)) == [0, 1, 2]


def _ensemble(n_dates, n_bands, patch_size=1, band_attention=True):
    """A freshly initialised 3-member MLP ensemble of the product's architecture (eval mode)."""
    from land_cover_xai_plugin.engine.models import build_model
    from land_cover_xai_plugin.engine.models.spec import ModelSpec

    torch.manual_seed(1)
    spec = ModelSpec(arch="mlp", n_bands=n_bands, n_dates=n_dates, n_classes=4, patch_size=patch_size,
                     norm_mean=[0.1] * n_bands, norm_std=[0.05] * n_bands, band_attention=band_attention,
                     n_members=3, band_groups=[[b] for b in range(n_bands)])
    return build_model(spec).eval()


@pytest.mark.parametrize("anchors, patch, max_rows", [
    ([1, 0, 1, 1, 0, 1, 1, 1], 1, 2048),  # every copy in one forward pass
    ([1, 1, 1, 1, 1, 1, 1, 1], 1, 50),  # chunks of one copy (50 rows < 70 pixels)
    ([0, 0, 1, 1, 0, 1, 0, 0], 3, 150),  # patch model, chunks of two copies
    ([0, 0, 0, 1, 0, 0, 0, 0], 1, 2048),  # a single observation: removing it leaves the background
])
def test_batched_date_occlusion_equals_one_forward_pass_per_date(anchors, patch, max_rows):
    model = _ensemble(8, 3, patch)
    shape = (70, 3, 8) + ((patch, patch) if patch > 1 else ())
    x = torch.rand(shape) * 0.3
    game = DateGame(np.asarray(anchors, bool), np.array([0, 5, 9, 20, 24, 31, 40, 52], float),
                    torch.tensor([0.1, 0.2, 0.3, 0.4]))
    with torch.no_grad():
        probabilities = torch.softmax(model(x), 1)
    targets = probabilities.argmax(1)
    reference = date_occlusion.occlusion_by_date_per_date(model, x, targets, game, probabilities)
    batched = date_occlusion.occlusion_by_date(model, x, targets, game, probabilities, max_rows=max_rows)
    torch.testing.assert_close(batched, reference, atol=2e-6, rtol=0)
    unobserved = ~np.asarray(anchors, bool)
    assert torch.all(batched[:, unobserved] == 0) and batched[:, ~unobserved].abs().max() > 1e-4
    # the refill matrices are built once per game: a second batch adds none
    cached = len(game._refills)
    date_occlusion.occlusion_by_date(model, x[:10], targets[:10], game, probabilities[:10], max_rows=max_rows)
    assert len(game._refills) == cached


@pytest.mark.parametrize("max_rows", [2048, 30, 90])
def test_batched_band_occlusion_equals_one_forward_pass_per_band_and_background(max_rows):
    from land_cover_xai_plugin.engine.explain.methods.band_occlusion import (occlusion_by_band,
                                                                            occlusion_by_band_per_band)

    model = _ensemble(5, 4)
    x = torch.rand(40, 4, 5) * 0.3
    background = torch.rand(3, 4, 5) * 0.3
    targets = torch.randint(0, 4, (40,))
    reference = occlusion_by_band_per_band(model, x, targets, background)
    batched = occlusion_by_band(model, x, targets, background, max_rows=max_rows)
    torch.testing.assert_close(batched, reference, atol=2e-6, rtol=0)
    assert batched.abs().max() > 1e-4


def test_occlusion_through_the_inference_stand_in_matches_the_model():
    from land_cover_xai_plugin.engine.explain.methods.band_occlusion import occlusion_by_band_per_band
    from land_cover_xai_plugin.engine.models.ensemble import FastEnsembleMLP

    model = _ensemble(8, 3)
    x = torch.rand(60, 3, 8) * 0.3
    game = DateGame(np.array([1, 0, 1, 1, 1, 1, 0, 1], bool), np.arange(8, dtype=float),
                    torch.tensor([0.1, 0.2, 0.3, 0.4]))
    with torch.no_grad():
        probabilities = torch.softmax(model(x), 1)
    targets = probabilities.argmax(1)
    reference = date_occlusion.occlusion_by_date_per_date(model, x, targets, game, probabilities)
    game.runner = date_occlusion.forward_runner(model)
    assert isinstance(game.forward_for(model), FastEnsembleMLP)  # the stand-in is used ...
    other = _ensemble(8, 3)
    assert game.forward_for(other) is other  # ... for that model only
    fast = date_occlusion.occlusion_by_date(model, x, targets, game, probabilities)
    torch.testing.assert_close(fast, reference, atol=1e-6, rtol=0)
    background = torch.rand(3, 3, 8) * 0.3
    torch.testing.assert_close(
        date_occlusion.occlusion_by_date_per_date(model, x, targets, game, probabilities), reference,
        atol=1e-6, rtol=0)
    from land_cover_xai_plugin.engine.explain.methods.band_occlusion import occlusion_by_band

    torch.testing.assert_close(occlusion_by_band(model, x, targets, background, runner=game.runner[1]),
                               occlusion_by_band_per_band(model, x, targets, background), atol=1e-6, rtol=0)
