"""validity.bright_dates: observed dates much brighter in blue than clear land (the pixel view's "cloud?" flag),
on the real sample's pixel series."""
from pathlib import Path

import numpy as np

import land_cover_xai_plugin
from land_cover_xai_plugin.engine.data.validity import BRIGHT_BLUE_REFLECTANCE, bright_dates
from land_cover_xai_plugin.engine.io.stack import open_stack

SAMPLE_STACK = Path(land_cover_xai_plugin.__file__).resolve().parent / "sample_data" / "s2_l1c_stack.tif"


def test_the_sample_cloudy_dates_are_bright_in_blue_and_the_clear_ones_not():
    with open_stack(str(SAMPLE_STACK)) as stack:
        series = stack.read_window(50, 50, 1, 1)[:, :, 0, 0].T  # (B, T)
        bands = stack.bands
        declared = stack.info().cloud_fraction
    flags = bright_dates(series, bands)
    assert declared == [0.0, 1.0, 1.0, 0.0, 0.0]
    # 2015-08-20 is bright in blue (thick cloud); 2015-07-31 is declared cloudy but mostly thin haze (blue
    # median 0.15 over the patch): the brightness test is a hint beside the metadata, not a replacement
    assert flags[2] and not flags[[0, 3, 4]].any()
    series[bands.index("B02"), 1] = np.nan  # a missing observation is not "bright"
    assert not bright_dates(series, bands)[1]
    assert not bright_dates(series, bands, threshold=np.inf).any()
    no_blue = [b for b in bands if b != "B02"]
    assert not bright_dates(series[[bands.index(b) for b in no_blue]], no_blue).any()
    assert 0.1 < BRIGHT_BLUE_REFLECTANCE < 0.3
