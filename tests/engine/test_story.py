"""engine.explain.story: a pixel's story names only what was measured and passed its check."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from land_cover_xai_plugin.engine.explain import story
from land_cover_xai_plugin.engine.explain.pixel import PixelExplanation

SAMPLE = Path(__file__).resolve().parents[2] / "land_cover_xai_plugin" / "sample_data"
BANDS = ["B02", "B03", "B04", "B08", "B10", "B11"]
DATES = ["2015-07-11", "2015-07-31", "2015-08-20", "2015-08-30", "2015-09-09"]
PASS = story.QualityCheck(story.PASSED, "passes: deletion 0.3 vs random 0.5")
FAIL = story.QualityCheck(story.FAILED, "fails: survives weight randomisation")


def explanation(reflectance=None, predicted=2, shapley_dates=None, shapley_bands=None):
    """A pixel explanation whose own Shapley values are ``shapley_*`` (zeros): the story must not read them."""
    if reflectance is None:
        reflectance = np.full((len(BANDS), len(DATES)), 0.1)
    by_date = np.zeros(len(DATES)) if shapley_dates is None else np.asarray(shapley_dates, float)
    by_band = np.zeros(len(BANDS)) if shapley_bands is None else np.asarray(shapley_bands, float)
    return PixelExplanation(
        row=1, col=2, class_ids=[1, 2, 3], class_names=["cultivated land", "forest", "grassland"], bands=BANDS,
        dates=DATES, probabilities=np.array([0.1, 0.8, 0.1]), predicted_id=predicted, target_id=predicted,
        reflectance=reflectance, reflectance_filled=reflectance, gradcam=np.zeros(5), band_attention=None,
        shap_by_band=by_band, shap_by_date=by_date, ig=np.zeros((6, 5)), baseline_probability=0.2,
        stack_dates=list(DATES))


def evidence(by_date, by_band, class_id=2):
    """The pixel as the checked methods (per-date / per-band occlusion) measured it."""
    return story.PixelEvidence(class_id, np.asarray(by_date, float), np.asarray(by_band, float))


def test_passed_checks_name_the_two_largest_clear_dates_and_band_families():
    facts = story.pixel_story(explanation(), {"date": PASS, "band": PASS}, cloud_fraction=[0, 1, 1, 0, 0],
                              evidence=evidence([0.30, 0.0, 0.0, 0.05, 0.25], [0.0, 0.0, 0.1, 0.4, 0.5, 0.2]))
    assert facts.predicted_name == "forest" and facts.probability == pytest.approx(0.8)
    assert [r.key for r in facts.top_dates] == ["2015-07-11", "2015-09-09"]
    assert facts.top_dates[0].share == pytest.approx(0.30 / 0.60)
    # the cirrus band B10 carries the most but looks at the air: never named
    assert [r.key for r in facts.top_bands] == ["near_infrared", "shortwave_infrared"]
    assert facts.cloudy_dates == ["2015-07-31", "2015-08-20"] and not facts.cloudy_counted
    assert facts.knows_why


def test_a_cloudy_date_that_carries_evidence_counted_and_is_never_a_reason():
    facts = story.pixel_story(explanation(), {"date": PASS, "band": PASS}, cloud_fraction=[0, 1, 1, 0, 0],
                              evidence=evidence([0.1, 0.5, 0.0, 0.0, 0.1], [0, 0, 0, 1, 0, 0]))
    assert facts.cloudy_counted and facts.cloudy_share == pytest.approx(0.5 / 0.7)
    assert "2015-07-31" not in [r.key for r in facts.top_dates]


def test_not_observed_dates_are_cloudy_without_metadata_and_have_no_colour():
    refl = np.full((len(BANDS), len(DATES)), 0.1)
    refl[:, 2] = np.nan
    facts = story.pixel_story(explanation(refl), {"date": PASS}, evidence=evidence([1, 0, 0, 0, 1], [1, 0, 0, 0, 0, 0]))
    assert facts.cloudy_dates == ["2015-08-20"]
    assert facts.season[2] is None and facts.season[0] == facts.season[1] and len(facts.season[0]) == 3


def test_failed_or_unchecked_explanations_give_no_reason():
    facts = story.pixel_story(explanation(), {"date": FAIL}, evidence=evidence([0.3, 0, 0, 0, 0.3], [0, 0, 0, 1, 0, 0]))
    assert facts.top_dates == [] and facts.top_bands == [] and not facts.knows_why
    assert facts.date_check.status == story.FAILED and facts.band_check.status == story.UNCHECKED
    assert not facts.dates_redundant  # "no single date decided" is a measured claim too


def test_evidence_of_another_class_or_none_is_never_told_as_the_reason():
    e = evidence([0.3, 0, 0, 0, 0.3], [0, 0, 0, 1, 0, 0], class_id=3)
    facts = story.pixel_story(explanation(), {"date": PASS, "band": PASS}, evidence=e)
    assert not facts.knows_why and facts.date_check.status == story.UNCHECKED
    # without evidence, the pixel view's own (unchecked) Shapley values are not read as reasons
    facts = story.pixel_story(explanation(shapley_dates=[0.5, 0, 0, 0, 0.5], shapley_bands=[0, 0, 0, 1, 0, 0]),
                              {"date": PASS, "band": PASS})
    assert not facts.knows_why and facts.band_check.status == story.UNCHECKED


def test_dates_whose_removal_barely_moves_the_answer_are_not_named_but_said_redundant():
    tiny = evidence([0.010, 0, 0, 0.008, 0.005], [0, 0, 0, 0.4, 0, 0])
    facts = story.pixel_story(explanation(), {"date": PASS, "band": PASS}, [0, 1, 1, 0, 0], tiny)
    assert facts.top_dates == [] and facts.dates_redundant and facts.knows_why
    assert [r.key for r in facts.top_bands] == ["near_infrared"]
    # a removal that lowers the answer's probability (negative) is no reason either
    against = evidence([-0.3, 0, 0, -0.2, 0.01], [0, 0, 0, 0.4, 0, 0])
    facts = story.pixel_story(explanation(), {"date": PASS, "band": PASS}, [0, 1, 1, 0, 0], against)
    assert facts.top_dates == [] and facts.dates_redundant


def test_the_checked_outputs_are_the_occlusion_methods_whose_verdicts_the_model_file_holds():
    from land_cover_xai_plugin.engine.models.model_file import load_model

    assert story.CHECKED_OUTPUTS == {"date": "occlusion_dates", "band": "occlusion_bands"}
    checks = story.quality_checks(load_model(SAMPLE / "sample_model.lcx").explanation_quality)
    assert checks["date"].verdict.startswith("passes") and checks["date"].passed
    assert checks["band"].status in (story.PASSED, story.FAILED)  # stored: measured, whichever it says


def test_quality_checks_read_the_benchmark_result_per_output(tmp_path):
    document = {"methods": {"occlusion_bands": {"deletion": 0.3}},
                "verdicts": {"occlusion_bands": {"outputs": {"occlusion_bands": "passes: deletion 0.34"}},
                             "occlusion_dates": {"outputs": {"occlusion_dates": "fails: survives randomisation"}},
                             "shapley_dates": {"outputs": {"shapley_dates": "passes: not the story's method"}}}}
    path = tmp_path / "xai.json"
    path.write_text(json.dumps(document))
    checks = story.quality_checks(story.load_quality(path))
    assert checks["band"].passed and checks["date"].status == story.FAILED
    assert story.quality_checks({"methods": {}})["band"].status == story.UNCHECKED
    assert story.load_quality(tmp_path / "missing.json") is None


def test_the_story_of_a_real_sample_pixel_measured_by_the_checked_methods():
    pytest.importorskip("captum")
    import torch

    from land_cover_xai_plugin.engine.data.windows import InputSpec, Window, batch_input, prepare
    from land_cover_xai_plugin.engine.explain.explainer import PassSetup
    from land_cover_xai_plugin.engine.explain.methods import date_occlusion
    from land_cover_xai_plugin.engine.explain.pixel import explain_pixel
    from land_cover_xai_plugin.engine.io.stack import open_stack
    from land_cover_xai_plugin.engine.models.model_file import load_model

    bundle = load_model(SAMPLE / "sample_model.lcx")
    model = bundle.build("cpu")
    with open_stack([str(SAMPLE / "s2_l1c_stack.tif")]) as stack:
        measured = story.measure_pixel(bundle, stack, 50, 50, model=model)
        e = explain_pixel(bundle, stack, 50, 50, shap_samples=4, ig_steps=4, model=model)
        fractions = stack.info().cloud_fraction_on(e.dates)
        # the per-date values are the occlusion's definition: p(class) - p(class without that date, refilled)
        inputs = InputSpec.for_model(bundle, stack)
        x = torch.from_numpy(batch_input(prepare(stack, Window(50, 50, 1, 1), inputs), np.array([0]), 1))
        game = date_occlusion.date_game(PassSetup(model, bundle, stack, inputs.band_order, "cpu", None,
                                                  inputs=inputs))
        targets = torch.tensor([e.class_ids.index(e.predicted_id)])
        with torch.no_grad():
            full = float(torch.softmax(model(x), 1)[0, targets[0]])
        for t in game.players:
            kept = [p for p in game.players if p != t]
            assert measured.dates[t] == pytest.approx(full - float(game.value(model, x, targets, kept)[0]), abs=1e-5)
    assert measured.class_id == e.predicted_id and measured.bands.shape == (len(bundle.bands),)
    assert list(measured.dates[[1, 2]]) == [0.0, 0.0]  # the two dates masked as cloudy are no players
    facts = story.pixel_story(e, story.quality_checks(bundle.explanation_quality), fractions, measured)
    assert facts.cloudy_dates == ["2015-07-31", "2015-08-20"]  # the sample's two cloud-covered dates
    assert facts.predicted_name in {c.name for c in bundle.classes}
    assert sum(abs(s) for s in facts.date_shares) == pytest.approx(1.0)
    assert all(r.key not in facts.cloudy_dates for r in facts.top_dates)
    assert facts.top_dates or facts.dates_redundant  # occlusion_dates passes its check: dates are told
    assert not facts.cloudy_counted
    assert facts.season[0] is not None and all(0 <= v <= 255 for v in facts.season[0])


def test_season_colours_follow_each_dates_photo_stretch():
    refl = np.full((len(BANDS), len(DATES)), 0.05)
    refl[[BANDS.index("B04"), BANDS.index("B03"), BANDS.index("B02")], 3] = [0.10, 0.08, 0.06]
    dark = ((0.05, 0.10),) * 3
    per_date = [dark, None, dark, ((0.0, 0.20), (0.0, 0.16), (0.0, 0.12)), dark]
    colours = story.season_colours(explanation(refl), per_date)
    assert colours[0] == (0, 0, 0)  # at the stretch's low end: black, as on that date's photo
    assert colours[3] == (128, 128, 128)  # half-way up its own date's stretch in every band
    assert colours[1] is not None and colours[1] != colours[0]  # no stretch for that date: brightened
    assert story.season_colours(explanation(refl), dark)[3] == (255, 153, 51)  # one stretch for every date
