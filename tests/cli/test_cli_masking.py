"""The command line's cloud masking and calendar options (train --cloud-fraction-max / --no-cloud-masking /
--mask / --mask-rule / --grid-step-days; predict / explain --mask / --mask-rule) and the ensemble's disagreement
beside --uncertainty, run as a user runs them (a subprocess) on the bundled tiny stack."""
from __future__ import annotations

import json

import numpy as np
import pytest
from osgeo import gdal

from test_cli import TINY_LABELS, TINY_STACK, assert_user_error, cli


def write_scl(path, value: int, n_dates: int = 3) -> str:
    """One SCL raster on the tiny stack's grid with one band per date, every pixel ``value``."""
    stack = gdal.Open(str(TINY_STACK))
    ds = gdal.GetDriverByName("GTiff").Create(str(path), stack.RasterXSize, stack.RasterYSize, n_dates, gdal.GDT_Byte)
    ds.SetGeoTransform(stack.GetGeoTransform())
    ds.SetProjection(stack.GetProjection())
    for t in range(n_dates):
        ds.GetRasterBand(t + 1).WriteArray(np.full((stack.RasterYSize, stack.RasterXSize), value, np.uint8))
    ds = None
    return str(path)


def read_map(path) -> np.ndarray:
    """Band 1 as float, NaN at the band's no-data value (the dataset kept open while its band is read)."""
    dataset = gdal.Open(str(path))
    band = dataset.GetRasterBand(1)
    values = band.ReadAsArray().astype(np.float64)
    nodata = band.GetNoDataValue()
    if nodata is not None:
        values[values == nodata] = np.nan
    return values


@pytest.fixture(scope="module")
def masked_model(tmp_path_factory):
    """An ensemble (the default architecture) trained with every masking option given."""
    folder = tmp_path_factory.mktemp("masked")
    clear = write_scl(folder / "scl_clear.tif", 4)  # 4 = vegetation: a clear view
    out = folder / "m.lcx"
    done = cli("train", "--stack", TINY_STACK, "--labels", TINY_LABELS, "--epochs", "2", "--seed", "1",
               "--cloud-fraction-max", "0.3", "--mask", clear, "--mask-rule", "s2_scl", "--grid-step-days", "60",
               "--out", out, "--report", folder / "m.json")
    assert done.returncode == 0, done.stderr
    return out, json.loads((folder / "m.json").read_text())


def test_train_options_reach_the_model(masked_model):
    _, report = masked_model
    validity = report["config"]["validity"]
    assert validity["cloud_fraction_max"] == 0.3 and validity["warn_without_metadata"]
    assert validity["mask_rule"]["name"] == "s2_scl" and len(validity["mask_paths"]) == 1
    assert report["config"]["grid_step_days"] == 60


def test_default_and_no_cloud_masking(tmp_path):
    out = tmp_path / "plain.lcx"
    done = cli("train", "--stack", TINY_STACK, "--labels", TINY_LABELS, "--epochs", "1", "--arch", "tempcnn",
               "--no-cloud-masking", "--out", out, "--report", tmp_path / "plain.json")
    assert done.returncode == 0, done.stderr
    assert json.loads((tmp_path / "plain.json").read_text())["config"]["validity"]["cloud_fraction_max"] is None
    assert "cloud fraction" not in done.stderr  # nothing to warn about
    assert_user_error(cli("train", "--stack", TINY_STACK, "--labels", TINY_LABELS, "--no-cloud-masking",
                          "--cloud-fraction-max", "0.5", "--out", tmp_path / "x.lcx"), "--no-cloud-masking")
    assert_user_error(cli("train", "--stack", TINY_STACK, "--labels", TINY_LABELS, "--grid-step-days", "0",
                          "--out", tmp_path / "x.lcx"), "grid_step_days")
    help_text = cli("train", "--help").stdout
    assert "--cloud-fraction-max" in help_text and "0.5" in help_text and "fmask" in help_text


def test_predict_masks_and_disagreement(masked_model, tmp_path):
    model, _ = masked_model
    done = cli("predict", "--stack", TINY_STACK, "--model", model, "--out-dir", tmp_path / "a", "--uncertainty")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "a" / "disagreement.tif").exists()  # an ensemble's uncertainty includes it
    disagreement = gdal.Open(str(tmp_path / "a" / "disagreement.tif")).ReadAsArray()
    assert np.nanmin(disagreement) >= 0 and np.nanmax(disagreement) <= 1
    clear_map = read_map(tmp_path / "a" / "prediction.tif")
    assert np.isfinite(clear_map).mean() > 0.5
    # every observation masked as cloud (SCL 9): no pixel keeps 2 observed dates, refused with what to check
    cloudy = write_scl(tmp_path / "scl_cloud.tif", 9)
    assert_user_error(cli("predict", "--stack", TINY_STACK, "--model", model, "--out-dir", tmp_path / "b",
                          "--mask", cloudy, "--mask-rule", "s2_scl"), "cloud mask")
    # the same mask read with Fmask's codes (9 means nothing there): classified as without a mask
    done = cli("predict", "--stack", TINY_STACK, "--model", model, "--out-dir", tmp_path / "c", "--mask", cloudy,
               "--mask-rule", "fmask")
    assert done.returncode == 0, done.stderr
    np.testing.assert_array_equal(read_map(tmp_path / "c" / "prediction.tif"), clear_map)
    assert_user_error(cli("explain", "--stack", TINY_STACK, "--model", model, "--out-dir", tmp_path / "d",
                          "--method", "gradcam", "--mask-rule", "fmask"), "--mask")
