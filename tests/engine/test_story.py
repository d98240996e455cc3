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


def explanation(by_date, by_band, reflectance=None, predicted=2, target=2):
    if reflectance is None:
        reflectance = np.full((len(BANDS), len(DATES)), 0.1)
    return PixelExplanation(
        row=1, col=2, class_ids=[1, 2, 3], class_names=["cultivated land", "forest", "grassland"], bands=BANDS,
        dates=DATES, probabilities=np.array([0.1, 0.8, 0.1]), predicted_id=predicted, target_id=target,
        reflectance=reflectance, reflectance_filled=reflectance, gradcam=np.zeros(5), band_attention=None,
        shap_by_band=np.asarray(by_band, float), shap_by_date=np.asarray(by_date, float), ig=np.zeros((6, 5)),
        baseline_probability=0.2, stack_dates=list(DATES))


def test_passed_checks_name_the_two_largest_clear_dates_and_band_families():
    facts = story.pixel_story(explanation([0.30, 0.0, 0.0, 0.05, 0.25], [0.0, 0.0, 0.1, 0.4, 0.5, 0.2]),
                              {"date": PASS, "band": PASS}, cloud_fraction=[0, 1, 1, 0, 0])
    assert facts.predicted_name == "forest" and facts.probability == pytest.approx(0.8)
    assert [r.key for r in facts.top_dates] == ["2015-07-11", "2015-09-09"]
    assert facts.top_dates[0].share == pytest.approx(0.30 / 0.60)
    # the cirrus band B10 carries the most but looks at the air: never named
    assert [r.key for r in facts.top_bands] == ["near_infrared", "shortwave_infrared"]
    assert facts.cloudy_dates == ["2015-07-31", "2015-08-20"] and not facts.cloudy_counted
    assert facts.knows_why


def test_a_cloudy_date_that_carries_evidence_counted_and_is_never_a_reason():
    facts = story.pixel_story(explanation([0.1, 0.5, 0.0, 0.0, 0.1], [0, 0, 0, 1, 0, 0]),
                              {"date": PASS, "band": PASS}, cloud_fraction=[0, 1, 1, 0, 0])
    assert facts.cloudy_counted and facts.cloudy_share == pytest.approx(0.5 / 0.7)
    assert "2015-07-31" not in [r.key for r in facts.top_dates]


def test_not_observed_dates_are_cloudy_without_metadata_and_have_no_colour():
    refl = np.full((len(BANDS), len(DATES)), 0.1)
    refl[:, 2] = np.nan
    facts = story.pixel_story(explanation([1, 0, 0, 0, 1], [1, 0, 0, 0, 0, 0], refl), {"date": PASS})
    assert facts.cloudy_dates == ["2015-08-20"]
    assert facts.season[2] is None and facts.season[0] == facts.season[1] and len(facts.season[0]) == 3


def test_failed_or_unchecked_explanations_give_no_reason():
    e = explanation([0.3, 0, 0, 0, 0.3], [0, 0, 0, 1, 0, 0])
    facts = story.pixel_story(e, {"date": FAIL})
    assert facts.top_dates == [] and facts.top_bands == [] and not facts.knows_why
    assert facts.date_check.status == story.FAILED and facts.band_check.status == story.UNCHECKED


def test_an_explanation_of_another_class_than_the_predicted_one_is_not_told_as_the_reason():
    facts = story.pixel_story(explanation([0.3, 0, 0, 0, 0.3], [0, 0, 0, 1, 0, 0], target=3),
                              {"date": PASS, "band": PASS})
    assert not facts.knows_why


def test_quality_checks_read_the_benchmark_result_per_output(tmp_path):
    document = {"methods": {"shap": {"deletion": 0.3}}, "verdicts": {"shap": {"outputs": {"shap_bands": "passes: deletion 0.37",
                                                 "shap_dates": "fails: pointing"}},
                             "shapley_dates": {"outputs": {"shapley_dates": "fails: survives randomisation"}}}}
    path = tmp_path / "xai.json"
    path.write_text(json.dumps(document))
    checks = story.quality_checks(story.load_quality(path))
    assert checks["band"].passed and checks["date"].status == story.FAILED
    assert story.quality_checks({"methods": {}})["band"].status == story.UNCHECKED
    assert story.load_quality(tmp_path / "missing.json") is None


def test_the_story_of_a_real_sample_pixel_from_explain_pixel():
    pytest.importorskip("captum")
    from land_cover_xai_plugin.engine.explain.pixel import explain_pixel
    from land_cover_xai_plugin.engine.io.stack import open_stack
    from land_cover_xai_plugin.engine.models.model_file import load_model

    bundle = load_model(SAMPLE / "sample_model.lcx")
    with open_stack([str(SAMPLE / "s2_l1c_stack.tif")]) as stack:
        e = explain_pixel(bundle, stack, 50, 50, shap_samples=4, ig_steps=4)
        fractions = stack.info().cloud_fraction_on(e.dates)
    facts = story.pixel_story(e, {"date": PASS, "band": PASS}, fractions)
    assert facts.cloudy_dates == ["2015-07-31", "2015-08-20"]  # the sample's two cloud-covered dates
    assert facts.predicted_name in {c.name for c in bundle.classes}
    assert sum(abs(s) for s in facts.date_shares) == pytest.approx(1.0)
    assert all(r.key not in facts.cloudy_dates for r in facts.top_dates)
    assert facts.season[0] is not None and all(0 <= v <= 255 for v in facts.season[0])
