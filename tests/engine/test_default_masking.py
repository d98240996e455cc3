"""Cloud masking by default: a model trained with TrainConfig's defaults treats the sample's two dates declared
fully cloudy as missing (their values do not change its map), stores the threshold, and runs silently on a stack
that declares no cloud fraction (only a threshold a user chose warns there)."""
import logging

import numpy as np
import pytest
from osgeo import gdal

from land_cover_xai_plugin.engine.data.validity import DEFAULT_CLOUD_FRACTION_MAX, ValidityConfig
from land_cover_xai_plugin.engine.data.windows import InputSpec
from land_cover_xai_plugin.engine.io.stack import open_stack
from land_cover_xai_plugin.engine.models.model_file import load_model, save_model
from land_cover_xai_plugin.engine.training.trainer import TrainConfig, train_model
from conftest import SAMPLE, SAMPLE_STACK
from test_calendar import SAMPLE_DATES, write_stack
from test_calendar_inference import CLOUD, FAST, predict


@pytest.fixture(scope="module")
def default_model():
    """A small model trained on the sample with every validity setting left at its default."""
    labels = gdal.Open(str(SAMPLE / "labels_lulc.tif")).ReadAsArray().astype(np.int64)
    with open_stack(str(SAMPLE_STACK)) as stack:
        return train_model(stack, labels, dict(zip([1, 2, 3, 4, 8], "abcde")), TrainConfig(**FAST))


def test_the_default_threshold():
    default = TrainConfig().validity
    assert default.cloud_fraction_max == DEFAULT_CLOUD_FRACTION_MAX == 0.5 and not default.warn_without_metadata
    assert ValidityConfig(0.5).warn_without_metadata  # a threshold a user chose
    again = ValidityConfig.from_dict(default.to_dict())
    assert again == default and ValidityConfig.from_dict({"cloud_fraction_max": 0.3}).warn_without_metadata
    with_masks = default.with_masks(["a.tif"], "fmask")
    assert with_masks.mask_paths == ("a.tif",) and with_masks.mask_rule.name == "fmask"
    assert with_masks.model_settings() == ValidityConfig(0.5, (), "fmask", warn_without_metadata=False)


def test_the_default_masks_the_cloudy_dates(write_raster, tmp_path, sample_dn, default_model):
    bundle = default_model
    assert bundle.report["stack"]["dates_missing_by_cloud_fraction"] == ["2015-07-31", "2015-08-20"]
    save_model(str(tmp_path / "m.lcx"), bundle)
    stored = load_model(str(tmp_path / "m.lcx"))
    assert stored.validity == TrainConfig().validity  # the model file keeps it: inference masks the same way
    scrambled = sample_dn.copy()
    scrambled[[1, 2]] = np.random.default_rng(1).integers(0, 10000, scrambled[[1, 2]].shape, dtype=np.uint16)
    other = write_stack(write_raster, tmp_path / "scrambled.tif", scrambled, SAMPLE_DATES, CLOUD)
    original = predict(stored, SAMPLE_STACK, tmp_path / "a")
    np.testing.assert_array_equal(predict(stored, other, tmp_path / "b"), original)
    # without the declared cloud fraction the same scrambled dates count: the map changes
    unlabelled = write_stack(write_raster, tmp_path / "unlabelled.tif", scrambled, SAMPLE_DATES)
    assert (predict(stored, unlabelled, tmp_path / "c") != original).any()


def test_a_stack_without_cloud_fraction_runs_silently(write_raster, tmp_path, sample_dn, caplog):
    unlabelled = write_stack(write_raster, tmp_path / "unlabelled.tif", sample_dn, SAMPLE_DATES)
    with open_stack(unlabelled) as stack:
        assert all(f is None for f in stack.info().cloud_fraction)
        with caplog.at_level(logging.WARNING):
            InputSpec.for_stack(stack, validity=TrainConfig().validity)
        assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
        with caplog.at_level(logging.WARNING):
            InputSpec.for_stack(stack, validity=ValidityConfig(cloud_fraction_max=0.5))
        assert any("declares no cloud fraction" in r.getMessage() for r in caplog.records)


def test_training_and_inference_on_an_unlabelled_stack_warn_nothing(write_raster, tmp_path, sample_dn, caplog,
                                                                    recwarn):
    unlabelled = write_stack(write_raster, tmp_path / "unlabelled.tif", sample_dn, SAMPLE_DATES)
    labels = gdal.Open(str(SAMPLE / "labels_lulc.tif")).ReadAsArray().astype(np.int64)
    with caplog.at_level(logging.WARNING), open_stack(unlabelled) as stack:
        bundle = train_model(stack, labels, dict(zip([1, 2, 3, 4, 8], "abcde")),
                             TrainConfig(**dict(FAST, epochs=1)))
        predict(bundle, unlabelled, tmp_path / "p")
    assert bundle.report["stack"]["dates_missing_by_cloud_fraction"] == []
    assert not [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert not [str(w.message) for w in recwarn if "cloud" in str(w.message).lower()]
