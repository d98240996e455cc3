"""Band / date parsing: every naming convention the stack understands."""
import datetime

import pytest

from land_cover_xai_plugin.engine.io.band_names import (
    normalize_band, parse_band_label, parse_date, parse_product_name, sort_bands,
)

D = datetime.date(2015, 7, 11)


@pytest.mark.parametrize("text, band, date, time_index", [
    ("T1_2015-07-11_B01", "B01", D, 1),
    ("T12_2015-07-11_B8A", "B8A", D, 12),
    ("20150711_B04", "B04", D, None),
    ("B04_2015-07-11", "B04", D, None),
    ("2015-07-11_B8A", "B8A", D, None),
    ("2015_07_11 b8a", "B8A", D, None),
    ("B4", "B04", None, None),
    ("b12", "B12", None, None),
    ("NDVI_2015-07-11", "NDVI", D, None),
    ("evi", "EVI", None, None),
    ("red", "B04", None, None),
    ("swir16_20150711", "B11", D, None),
    ("T33TWM_20150711T101006_B04_10m", "B04", D, None),
    ("S2A_MSIL2A_20150711T101006_N0400_R022_T33TWM_20150711T120000_B08", "B08", D, None),
])
def test_band_label_conventions(text, band, date, time_index):
    label = parse_band_label(text)
    assert label is not None
    assert (label.band, label.date, label.time_index) == (band, date, time_index)


@pytest.mark.parametrize("text", ["", "Band 1", "layer", "2015-07-11", "T1_2015-07-11", "B13", "B00", "SCL"])
def test_unparseable_band_labels_give_none(text):
    assert parse_band_label(text) is None


@pytest.mark.parametrize("text, expected", [
    ("2015-07-11T10:00:08", D), ("20150711", D), ("x_2015.07.11_y", D), ("S2B_20150711T101006", D),
    ("20151399", None), ("no date", None), ("1234567890", None), ("2015-07_11", None),
])
def test_parse_date(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("token, expected", [
    ("B4", "B04"), ("b04", "B04"), ("B8", "B08"), ("8a", "B8A"), ("B8A", "B8A"), ("4", "B04"), ("nir", "B08"),
    ("NDVI", "NDVI"), ("Band 1", None), ("B13", None), ("", None),
])
def test_normalize_band(token, expected):
    assert normalize_band(token) == expected


def test_product_names_and_l2a_offset():
    new = parse_product_name("S2A_MSIL2A_20220301T101021_N0400_R022_T33TWM_20220301T130000.SAFE")
    assert (new.satellite, new.level, new.date, new.baseline, new.tile) == (
        "S2A", "L2A", datetime.date(2022, 3, 1), 400, "33TWM")
    assert new.offset_dn == -1000.0
    old_l2a = parse_product_name("S2B_MSIL2A_20150711T101006_N0213_R022_T33TWM_20150711T120000")
    assert old_l2a.date == D and old_l2a.offset_dn == 0.0
    l1c = parse_product_name("/data/S2A_MSIL1C_20220301T101021_N0400_R022_T33TWM_20220301T120000.SAFE/x.tif")
    assert l1c.level == "L1C" and l1c.offset_dn == 0.0  # the offset concerns L2A surface reflectance only
    assert parse_product_name("LC08_L2SP_190028_20150711") is None


def test_sort_bands_sensor_order_then_others():
    assert sort_bands(["NDVI", "B8A", "B02", "B12", "B08"]) == ["B02", "B08", "B8A", "B12", "NDVI"]
