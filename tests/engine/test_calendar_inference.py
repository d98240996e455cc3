"""Calendar and validity through the one data path: training, streaming inference and the pixel explanation
read cloudy dates as missing and any stack covering the model's season onto its grid, on real GeoTIFFs."""
import datetime as dt

import numpy as np
import pytest
from osgeo import gdal

from land_cover_xai_plugin.engine.data.validity import ValidityConfig
from land_cover_xai_plugin.engine.errors import StackMismatchError
from land_cover_xai_plugin.engine.explain.pixel import explain_pixel
from land_cover_xai_plugin.engine.inference.streaming import InferenceRequest, run_inference
from land_cover_xai_plugin.engine.io.stack import open_stack
from land_cover_xai_plugin.engine.models.model_file import load_model
from land_cover_xai_plugin.engine.training.trainer import TrainConfig, train_model
from conftest import SAMPLE, SAMPLE_STACK
from test_calendar import SAMPLE_DATES, older_model_file, write_stack

CLOUD = [0.0, 1.0, 1.0, 0.0, 0.0]  # the sample's declared cloud fraction per date
FAST = dict(arch="tempcnn", conv_width=8, dense_width=16, epochs=3, patience=3, batch_size=256, threads=1,
            max_pixels=3000)


def predict(bundle, path, out_dir, **request):
    result = run_inference(InferenceRequest(stack_paths=[str(path)], bundle=bundle, out_dir=str(out_dir),
                                            device="cpu", threads=1, batch_size=512, **request))
    dataset = gdal.Open(result.paths["prediction"])
    return dataset.ReadAsArray()


@pytest.fixture(scope="module")
def sample_labels():
    dataset = gdal.Open(str(SAMPLE / "labels_lulc.tif"))
    return dataset.ReadAsArray().astype(np.int64)


def test_bundled_model_runs_as_before_and_on_other_dates(write_raster, tmp_path, sample_dn):
    bundle = load_model(older_model_file(tmp_path))  # a model file without a temporal grid
    assert bundle.reads_dates_by_position
    before = predict(bundle, SAMPLE_STACK, tmp_path / "a")
    # another year, same number of dates: read date by date, exactly as before
    next_year = write_stack(write_raster, tmp_path / "y2016.tif", sample_dn, [d + dt.timedelta(days=366)
                                                                               for d in SAMPLE_DATES], CLOUD)
    np.testing.assert_array_equal(predict(bundle, next_year, tmp_path / "b"), before)
    # 08-20 missing: the model's five dates are refilled by day from the four the stack has (formerly refused):
    # it classifies as it would the five-date stack whose 08-20 is 1/3 of 07-31 + 2/3 of 08-30
    keep = [0, 1, 3, 4]
    dropped = write_stack(write_raster, tmp_path / "dropped.tif", sample_dn[keep], [SAMPLE_DATES[t] for t in keep])
    filled = sample_dn.astype(np.float32) * np.float32(1e-4)
    filled[2] = filled[1] / 3 + filled[3] * 2 / 3
    by_hand = write_stack(write_raster, tmp_path / "by_hand.tif", filled, SAMPLE_DATES)
    assert (predict(bundle, dropped, tmp_path / "c") == predict(bundle, by_hand, tmp_path / "c2")).mean() > 0.99
    with open_stack(dropped) as stack:  # the pixel view: the stack's four observations, the model's five dates
        seen = explain_pixel(bundle, stack, 10, 10, shap_samples=2, ig_steps=2)
    assert seen.stack_reflectance.shape == (13, 4) and seen.stack_dates == [SAMPLE_DATES[t].isoformat() for t in keep]
    # at the model's five dates: the observations where a stack date falls on one, NaN on 08-20
    assert seen.reflectance.shape == seen.reflectance_filled.shape == (13, 5) and len(seen.dates) == 5
    assert np.isnan(seen.reflectance[:, 2]).all()
    np.testing.assert_array_equal(seen.reflectance[:, keep], seen.stack_reflectance)
    # nothing after 07-31: the end of the model's season is missing, and the message says which part
    early = write_stack(write_raster, tmp_path / "early.tif", sample_dn[:2], SAMPLE_DATES[:2])
    with pytest.raises(StackMismatchError, match="2015-08-30 .. 2015-09-09"):
        predict(bundle, early, tmp_path / "d")


@pytest.fixture(scope="module")
def masked_model(sample_labels):
    """A small model trained on the sample with its cloudy dates masked by their declared cloud fraction."""
    with open_stack(str(SAMPLE_STACK)) as stack:
        return train_model(stack, sample_labels, {1: "cultivated", 2: "forest", 3: "grassland", 4: "shrubland",
                                                  8: "artificial"},
                           TrainConfig(validity=ValidityConfig(cloud_fraction_max=0.5), **FAST))


def test_cloudy_dates_are_masked_in_training_inference_and_the_pixel_view(write_raster, tmp_path, sample_dn,
                                                                           sample_labels, masked_model):
    bundle = masked_model
    assert bundle.validity.cloud_fraction_max == 0.5 and bundle.temporal_grid is not None
    assert bundle.report["stack"]["dates_missing_by_cloud_fraction"] == ["2015-07-31", "2015-08-20"]
    # the cloudy dates' values replaced by anything: nothing the model sees changes
    scrambled = sample_dn.copy()
    scrambled[[1, 2]] = np.random.default_rng(0).integers(0, 10000, scrambled[[1, 2]].shape, dtype=np.uint16)
    other = write_stack(write_raster, tmp_path / "scrambled.tif", scrambled, SAMPLE_DATES, CLOUD)
    np.testing.assert_array_equal(predict(bundle, other, tmp_path / "b"), predict(bundle, SAMPLE_STACK, tmp_path / "a"))
    with open_stack(str(SAMPLE_STACK)) as clean, open_stack(other) as noisy:
        a, b = explain_pixel(bundle, clean, 40, 60, shap_samples=4, ig_steps=4), \
            explain_pixel(bundle, noisy, 40, 60, shap_samples=4, ig_steps=4)
        np.testing.assert_array_equal(a.reflectance_filled, b.reflectance_filled)
        assert np.isnan(a.reflectance[:, [1, 2]]).all() and np.isfinite(a.reflectance[:, [0, 3, 4]]).all()
        np.testing.assert_allclose(a.probabilities, b.probabilities, atol=1e-6)
        # the masked dates filled by day: 07-31 lies 20 of the 50 days from 07-11 to 08-30
        np.testing.assert_allclose(a.reflectance_filled[:, 1],
                                   a.reflectance_filled[:, 0] * 0.6 + a.reflectance_filled[:, 3] * 0.4, rtol=1e-5)
        # ... and training: the same statistics and weights from the scrambled stack
        again = train_model(noisy, sample_labels, dict(zip([1, 2, 3, 4, 8], "abcde")),
                            TrainConfig(validity=ValidityConfig(cloud_fraction_max=0.5), **FAST))
    np.testing.assert_array_equal(again.spec.norm_mean, bundle.spec.norm_mean)
    for name, weights in bundle.state_dict.items():
        np.testing.assert_array_equal(again.state_dict[name], weights, err_msg=name)


def test_statistics_come_from_observed_values_only(sample_dn, masked_model):
    """Normalisation over the clear dates only: within the clear dates' range, far from the cloudy ones."""
    reflectance = sample_dn.astype(np.float64) * 1e-4
    clear_mean = reflectance[[0, 3, 4]].mean(axis=(0, 2, 3))
    cloudy_mean = reflectance[[1, 2]].mean(axis=(0, 2, 3))
    mean = np.asarray(masked_model.spec.norm_mean)
    # training pixels are most of the labelled pixels: their clear-date mean is close to the scene's
    assert np.abs(mean - clear_mean).max() < 0.25 * np.abs(cloudy_mean - clear_mean).max()


def test_a_regular_grid_model_runs_on_a_shifted_stack_of_another_year(write_raster, tmp_path, sample_dn,
                                                                      sample_labels):
    with open_stack(str(SAMPLE_STACK)) as stack:
        bundle = train_model(stack, sample_labels, None, TrainConfig(
            grid_step_days=10, validity=ValidityConfig(cloud_fraction_max=0.5), **FAST))
    assert bundle.spec.n_dates == 7 and bundle.dates[0] == "2015-07-11" and bundle.dates[-1] == "2015-09-09"
    assert bundle.describe()["temporal_grid"]["days"] == list(range(192, 253, 10))
    base = predict(bundle, SAMPLE_STACK, tmp_path / "a")
    shifted = write_stack(write_raster, tmp_path / "y2017.tif", sample_dn,
                          [d + dt.timedelta(days=365 * 2 + 3) for d in SAMPLE_DATES], CLOUD)
    agreement = (predict(bundle, shifted, tmp_path / "b") == base).mean()
    assert agreement > 0.9, agreement


def test_masking_by_metadata_on_a_stack_that_declares_none_warns(write_raster, tmp_path, sample_dn, caplog):
    from land_cover_xai_plugin.engine.data.windows import InputSpec

    path = write_stack(write_raster, tmp_path / "no_tags.tif", sample_dn[:, :, :8, :8], SAMPLE_DATES)
    with open_stack(path) as stack, caplog.at_level("WARNING"):
        inputs = InputSpec.for_stack(stack, None, ValidityConfig(cloud_fraction_max=0.5))
    assert inputs.date_kept.all() and "declares no cloud fraction" in caplog.text
