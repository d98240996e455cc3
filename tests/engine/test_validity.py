"""Observation validity: mask rules (presets, values, bits), mask rasters per date, per-date metadata."""
import datetime as dt

import numpy as np
import pytest

from land_cover_xai_plugin.engine.data import validity
from land_cover_xai_plugin.engine.data.validity import MaskRule, ValidityConfig
from land_cover_xai_plugin.engine.errors import LcxError, StackError
from land_cover_xai_plugin.engine.io.stack import open_stack
from conftest import SAMPLE_STACK

DATES = [dt.date(2015, 7, 11), dt.date(2015, 7, 31), dt.date(2015, 8, 20)]


def test_scl_preset_masks_shadow_cloud_cirrus_snow_and_no_data():
    scl = np.arange(12, dtype=np.uint8)
    invalid = validity.mask_rule("s2_scl").invalid(scl)
    assert np.flatnonzero(invalid).tolist() == [0, 1, 3, 8, 9, 10, 11]  # vegetation (4), water (6)... stay


def test_bit_rules_theia_clm_and_mg2():
    clm = np.array([0, 1, 2, 32, 128], np.uint8)
    assert validity.mask_rule("theia_clm").invalid(clm).tolist() == [False, True, True, True, True]
    mg2 = np.array([0, 1, 2, 4, 8, 1 | 2], np.uint8)  # bit 0 = water is an observation of the ground
    assert validity.mask_rule("THEIA_MG2").invalid(mg2).tolist() == [False, False, True, True, True, True]
    rule = MaskRule("bits", (3,), "mine")
    assert rule.invalid(np.array([7, 8, 15, 16])).tolist() == [False, True, True, False]
    assert MaskRule.from_dict(rule.to_dict()) == rule


def test_fmask_values_and_nan_in_a_float_mask():
    fmask = np.array([0, 1, 2, 3, 4, 255], np.uint8)
    assert validity.mask_rule("fmask").invalid(fmask).tolist() == [False, False, True, True, True, True]
    assert MaskRule("values", (9,)).invalid(np.array([np.nan, 9.0, 4.0])).tolist() == [True, True, False]


def test_bad_rules_say_what_to_do():
    with pytest.raises(LcxError, match="values"):
        MaskRule("classes", (1,))
    with pytest.raises(LcxError, match="lists no value"):
        MaskRule("values", ())
    with pytest.raises(LcxError, match="s2_scl"):
        validity.mask_rule("sen2cor")
    with pytest.raises(LcxError, match="between 0 and 1"):
        ValidityConfig(cloud_fraction_max=5)


def test_config_round_trip_and_model_settings():
    config = ValidityConfig(0.5, ("a.tif", "b.tif"), "fmask")
    assert config.mask_rule == validity.MASK_PRESETS["fmask"]
    again = ValidityConfig.from_dict(config.to_dict())
    assert again == config
    assert config.model_settings().mask_paths == () and config.model_settings().cloud_fraction_max == 0.5
    assert ValidityConfig.from_dict(None) == ValidityConfig()


def test_dates_kept_by_cloud_fraction():
    assert validity.dates_kept([0.0, 1.0, None, 0.5], 0.5).tolist() == [True, False, True, True]
    assert validity.dates_kept([0.0, 1.0], None).tolist() == [True, True]


def test_sample_cloudy_dates_are_missing_by_metadata():
    with open_stack(str(SAMPLE_STACK)) as stack:
        info = stack.info()
        raw = stack.read_window(0, 0, 8, 8)
    kept = validity.dates_kept(info.cloud_fraction, 0.5)
    assert kept.tolist() == [True, False, False, True, True]  # 07-31 and 08-20 are fully cloudy
    validity.mark_missing(raw, kept)
    assert np.isnan(raw[[1, 2]]).all() and np.isfinite(raw[[0, 3, 4]]).all()


def test_mask_rasters_per_date_matched_by_name(write_raster, tmp_path):
    scl = np.full((3, 6, 5), 4, np.uint8)
    scl[0, 2, 3] = 9  # cloud on the first date
    scl[2, :, 0] = 3  # shadow on the third
    # files listed out of order: each is matched by the date in its name
    paths = [write_raster(tmp_path / f"{d:%Y%m%d}_SCL.tif", scl[t]) for t, d in enumerate(DATES)][::-1]
    grid = open_stack(_stack(write_raster, tmp_path)).grid
    reader = validity.open_masks(ValidityConfig(mask_paths=paths, mask_rule="s2_scl"), DATES, grid)
    invalid = reader.read_window(0, 0, 5, 6)
    np.testing.assert_array_equal(invalid, np.isin(scl, (3, 9)))
    np.testing.assert_array_equal(reader.clone().read_window(1, 2, 3, 2), invalid[:, 2:4, 1:4])
    raw = np.ones((3, 2, 6, 5), np.float32)
    validity.mark_missing(raw, None, invalid)
    assert np.isnan(raw[0, :, 2, 3]).all() and np.isnan(raw[2, :, :, 0]).all() and np.isfinite(raw[1]).all()


def test_one_mask_raster_with_a_band_per_date(write_raster, tmp_path):
    clm = np.zeros((3, 6, 5), np.uint8)
    clm[1] = 2
    path = write_raster(tmp_path / "clm.tif", clm)
    grid = open_stack(_stack(write_raster, tmp_path)).grid
    reader = validity.open_masks(ValidityConfig(mask_paths=path, mask_rule="theia_clm"), DATES, grid)
    assert reader.read_window(0, 0, 5, 6).any(axis=(1, 2)).tolist() == [False, True, False]


def test_masks_that_do_not_fit_are_refused(write_raster, tmp_path):
    grid = open_stack(_stack(write_raster, tmp_path)).grid
    off = write_raster(tmp_path / "off.tif", np.zeros((6, 5), np.uint8), geotransform=(0, 20, 0, 0, 0, -20))
    with pytest.raises(StackError, match="gdalwarp"):
        validity.open_masks(ValidityConfig(mask_paths=[off]), DATES, grid)
    two = [write_raster(tmp_path / f"m{i}.tif", np.zeros((6, 5), np.uint8)) for i in range(2)]
    with pytest.raises(StackError, match="one mask per"):
        validity.open_masks(ValidityConfig(mask_paths=two), DATES, grid)
    named = [write_raster(tmp_path / f"{d:%Y%m%d}_SCL.tif", np.zeros((6, 5), np.uint8)) for d in DATES[:2]]
    with pytest.raises(StackError, match="2015-08-20"):
        validity.open_masks(ValidityConfig(mask_paths=named), DATES, grid)
    assert validity.open_masks(ValidityConfig(), DATES, grid) is None


def _stack(write_raster, tmp_path):
    """A 3-date x 2-band 5x6 stack on the default test grid."""
    descriptions = [f"T{t + 1}_{d.isoformat()}_{b}" for t, d in enumerate(DATES) for b in ("B04", "B08")]
    return write_raster(tmp_path / "stack.tif", np.full((6, 6, 5), 1000, np.uint16), descriptions)
