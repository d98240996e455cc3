"""s2cloudless cloud masks (optional extra): without the package a DependencyError says how to install it; with it,
the bundled L1C stack's two cloudy dates come out cloudy and the masks feed the validity rules."""
import sys

import numpy as np
import pytest
from osgeo import gdal

from land_cover_xai_plugin.engine.data import cloud_detection
from land_cover_xai_plugin.engine.data.validity import ValidityConfig, open_masks
from land_cover_xai_plugin.engine.errors import DependencyError
from land_cover_xai_plugin.engine.io.stack import open_stack
from conftest import SAMPLE_STACK


def test_without_s2cloudless_the_message_says_how_to_install_it(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "s2cloudless", None)  # import fails as if not installed
    with open_stack(str(SAMPLE_STACK)) as stack, pytest.raises(DependencyError, match="pip install.*s2cloudless"):
        cloud_detection.detect_clouds(stack, str(tmp_path / "clouds.tif"))


def test_s2cloudless_finds_the_sample_clouds_without_seams(tmp_path):
    pytest.importorskip("s2cloudless")
    with open_stack(str(SAMPLE_STACK)) as stack:
        whole = cloud_detection.detect_clouds(stack, str(tmp_path / "whole.tif"))
        tiled = cloud_detection.detect_clouds(stack, str(tmp_path / "tiled.tif"), window_size=32)
        dates, grid = stack.dates, stack.grid
    masks = gdal.Open(whole).ReadAsArray()
    cloudy = (masks == cloud_detection.CLOUD).mean(axis=(1, 2))
    assert cloudy[[1, 2]].min() > 0.95 and cloudy[[0, 3, 4]].max() < 0.05  # the CLM says dates 2 and 3
    np.testing.assert_array_equal(gdal.Open(tiled).ReadAsArray(), masks)
    reader = open_masks(ValidityConfig(mask_paths=[whole], mask_rule="s2cloudless"), dates, grid)
    np.testing.assert_array_equal(reader.read_window(0, 0, 100, 101), masks == 1)
