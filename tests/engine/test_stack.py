"""TimeSeriesStack on real GeoTIFFs: every layout gives the same (T, B) array; errors say what to do."""
import dataclasses
import datetime
import json
import shutil
import threading
from pathlib import Path

import numpy as np
import pytest

from land_cover_xai_plugin.engine.errors import StackError
from land_cover_xai_plugin.engine.io.stack import Grid, Scaling, StackInfo, StackLayout, open_stack, read_stack_info

import land_cover_xai_plugin

SAMPLE = Path(land_cover_xai_plugin.__file__).resolve().parent / "sample_data"
SAMPLE_STACK = SAMPLE / "s2_l1c_stack.tif"
SAMPLE_BANDS = ["B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B09", "B10", "B11", "B12"]
SAMPLE_DATES = ["2015-07-11", "2015-07-31", "2015-08-20", "2015-08-30", "2015-09-09"]
T, B = 5, 13


def date_major_descriptions():
    return [f"T{t + 1}_{d}_{b}" for t, d in enumerate(SAMPLE_DATES) for b in SAMPLE_BANDS]


def expected_reflectance(dn):
    return dn.astype(np.float32) * np.float32(1e-4)


# --- the real sample -------------------------------------------------------------------------
def test_sample_describe_matches_readme():
    with open_stack([str(SAMPLE_STACK)]) as stack:
        info = stack.describe()
    assert info["dates"] == SAMPLE_DATES and "2015-07-31" in info["dates"]
    assert info["bands"] == SAMPLE_BANDS
    assert (info["width"], info["height"]) == (100, 101)
    assert info["epsg"] == 32633 and "UTM zone 33N" in info["crs_name"]
    assert info["dtype"] == "uint16" and info["scaling"] == {"scale": 1e-4, "offset": 0.0}
    assert info["geotransform"][1] == pytest.approx(9.99479222007154)
    assert len(info["block_size"]) == 2 and info["paths"] == [str(SAMPLE_STACK)]
    json.dumps(info)  # JSON-able


def test_sample_info_is_typed_and_carries_the_cloud_fraction_per_date():
    info = read_stack_info(str(SAMPLE_STACK))
    assert isinstance(info, StackInfo)
    assert info.dates == [datetime.date.fromisoformat(d) for d in SAMPLE_DATES] and info.iso_dates == SAMPLE_DATES
    assert info.bands == SAMPLE_BANDS and (info.n_dates, info.n_bands) == (T, B)
    assert (info.width, info.height) == (100, 101) and info.grid.epsg == 32633
    assert info.scaling == Scaling(1e-4, 0.0) and info.dtype == "uint16" and info.nodata is None
    # the sample's README: 2015-07-31 and 2015-08-20 are fully cloudy (band tag cloud_fraction)
    assert info.cloud_fraction == [0.0, 1.0, 1.0, 0.0, 0.0]
    assert info.cloud_fraction_on(["2015-08-20", datetime.date(2015, 9, 9), "2016-01-01"]) == [1.0, 0.0, None]
    with pytest.raises(dataclasses.FrozenInstanceError):
        info.bands = []
    # the metadata-only read and the open stack agree, and describe() is built from the same facts
    with open_stack([str(SAMPLE_STACK)]) as stack:
        assert stack.info() == info
        assert stack.describe() == info.describe()
    assert info.describe()["cloud_fraction"] == [0.0, 1.0, 1.0, 0.0, 0.0]


def test_cloud_fraction_from_band_tags_file_tags_or_nothing(write_raster, tmp_path, sample_crop):
    tiny = read_stack_info(str(SAMPLE / "tiny" / "s2_l1c_tiny.tif"))
    assert tiny.cloud_fraction == [None, None, None]  # the tiny sample declares none
    # one file per date: a percent tag of the file (Sentinel-2 CLOUDY_PIXEL_PERCENTAGE), a fraction given in
    # percent on one band, and a date without any tag
    paths = [write_raster(tmp_path / "20150711.tif", sample_crop[0], SAMPLE_BANDS,
                          dataset_tags={"CLOUDY_PIXEL_PERCENTAGE": "12.5"}),
             write_raster(tmp_path / "20150731.tif", sample_crop[1], SAMPLE_BANDS,
                          band_tags=[{"cloud_fraction": "80"}] + [{}] * (B - 1)),
             write_raster(tmp_path / "20150820.tif", sample_crop[2], SAMPLE_BANDS)]
    info = read_stack_info(paths)
    assert info.cloud_fraction == pytest.approx([0.125, 0.8, None])
    assert open_stack(paths).info().cloud_fraction == info.cloud_fraction


def test_the_same_raster_given_twice_is_refused_also_through_a_link(write_raster, tmp_path, sample_crop):
    paths = [write_raster(tmp_path / "20150711.tif", sample_crop[0], SAMPLE_BANDS),
             write_raster(tmp_path / "20150731.tif", sample_crop[1], SAMPLE_BANDS)]
    link = tmp_path / "again.tif"
    link.symlink_to(paths[0])
    for given in ([paths[0], paths[1], paths[0]], [paths[0], paths[1], str(link)]):
        for reader in (open_stack, read_stack_info):
            with pytest.raises(StackError, match="is given twice.*give each raster of the stack once"):
                reader(given)
    stack = open_stack(paths)  # each once: fine
    assert stack.n_dates == 2
    stack.close()


def test_read_stack_info_reads_no_pixels_but_finds_the_same_errors(write_raster, tmp_path, sample_crop):
    source = tmp_path / "full.tif"
    rng = np.random.default_rng(0)
    write_raster(source, rng.integers(1, 5000, (4, 64, 64)).astype(np.uint16),
                 ["T1_2015-07-11_B04", "T1_2015-07-11_B08", "T2_2015-07-31_B04", "T2_2015-07-31_B08"], tiled=True)
    data = source.read_bytes()
    truncated = tmp_path / "truncated.tif"
    truncated.write_bytes(data[: len(data) * 2 // 3])
    # the header is whole: the metadata read describes it, opening it for reading refuses it
    assert read_stack_info(str(truncated)).bands == ["B04", "B08"]
    with pytest.raises(StackError, match="truncated|damaged"):
        open_stack(str(truncated))
    with pytest.raises(StackError, match="not found"):
        read_stack_info(str(tmp_path / "missing.tif"))
    a = write_raster(tmp_path / "a_20150711.tif", sample_crop[0], SAMPLE_BANDS)
    other_crs = write_raster(tmp_path / "c_20150731.tif", sample_crop[1], SAMPLE_BANDS, epsg=32634)
    with pytest.raises(StackError, match="same grid"):
        read_stack_info([a, other_crs])
    layout = StackLayout(dates=SAMPLE_DATES[:2], bands=["B04", "B08"])
    assert read_stack_info(str(source), layout=layout).layout_origin == "argument"


def test_a_kept_error_keeps_no_file_open(write_raster, tmp_path, sample_crop):
    """Front ends keep errors to show them later; their tracebacks must not keep GDAL datasets alive (QGIS shuts
    GDAL down before Python frees them: seen as a crash at exit)."""
    import gc

    from osgeo import gdal

    def open_datasets():
        gc.collect()
        return [o for o in gc.get_objects() if isinstance(o, gdal.Dataset)]

    before = len(open_datasets())
    undated = write_raster(tmp_path / "undated.tif", np.ones((2, 4, 4), np.uint16), ["B04", "B08"])
    a = write_raster(tmp_path / "a_20150711.tif", sample_crop[0], SAMPLE_BANDS)
    other_crs = write_raster(tmp_path / "c_20150731.tif", sample_crop[1], SAMPLE_BANDS, epsg=32634)
    kept = []
    for reader, paths in ((read_stack_info, [undated]), (open_stack, [undated]), (read_stack_info, [a, other_crs]),
                          (open_stack, [a, other_crs])):
        with pytest.raises(StackError) as error:
            reader(paths)
        kept.append(error.value)
    assert len(open_datasets()) == before, "a kept StackError holds open GDAL datasets"
    assert all(error.__traceback__ is not None for error in kept)


def test_grid_pixel_of_inverts_the_geotransform():
    grid = Grid(100, 50, (465000.0, 10.0, 0.0, 5080000.0, 0.0, -10.0), "")
    assert grid.pixel_of(465000.0 + 35.0, 5080000.0 - 125.0) == (12.5, 3.5)
    assert grid.contains_pixel(12, 3) and not grid.contains_pixel(50, 3) and not grid.contains_pixel(-1, 0)
    rotated = Grid(10, 10, (100.0, 8.0, 6.0, 200.0, 6.0, -8.0), "")  # 10 m pixels rotated by ~37 degrees
    x0, a, b, y0, d, e = rotated.geotransform
    row, col = rotated.pixel_of(x0 + 2.5 * a + 4.5 * b, y0 + 2.5 * d + 4.5 * e)
    assert (row, col) == pytest.approx((4.5, 2.5))
    with pytest.raises(StackError, match="degenerate"):
        Grid(10, 10, (0.0, 0.0, 0.0, 0.0, 0.0, 0.0), "").pixel_of(1.0, 1.0)


def test_sample_read_window_is_dn_times_scale(sample_dn):
    stack = open_stack(str(SAMPLE_STACK))
    window = stack.read_window(7, 5, 30, 20)
    assert window.shape == (T, B, 20, 30) and window.dtype == np.float32
    np.testing.assert_array_equal(window, expected_reflectance(sample_dn[:, :, 5:25, 7:37]))
    out = np.empty_like(window)
    assert stack.read_window(7, 5, 30, 20, out=out) is out
    with pytest.raises(StackError, match="outside"):
        stack.read_window(90, 0, 20, 5)


def test_tiny_sample_opens():
    stack = open_stack(str(SAMPLE / "tiny" / "s2_l1c_tiny.tif"))
    assert [d.isoformat() for d in stack.dates] == ["2015-07-11", "2015-08-30", "2015-09-09"]
    assert (stack.n_bands, stack.width, stack.height) == (13, 32, 32)


# --- layouts ---------------------------------------------------------------------------------
def test_band_major_and_shuffled_give_the_date_major_array(write_raster, tmp_path, sample_crop):
    flat = sample_crop.reshape(T * B, *sample_crop.shape[2:])
    descriptions = date_major_descriptions()
    date_major = write_raster(tmp_path / "dm.tif", flat, descriptions)
    band_major_order = [t * B + b for b in range(B) for t in range(T)]
    band_major = write_raster(tmp_path / "bm.tif", flat[band_major_order], [descriptions[i] for i in band_major_order])
    shuffled_order = np.random.default_rng(1).permutation(T * B)
    shuffled = write_raster(tmp_path / "sh.tif", flat[shuffled_order], [descriptions[i] for i in shuffled_order])
    reference = open_stack(date_major).read_all()
    np.testing.assert_array_equal(reference, expected_reflectance(sample_crop))
    for path in (band_major, shuffled):
        stack = open_stack(path)
        assert stack.bands == SAMPLE_BANDS and [d.isoformat() for d in stack.dates] == SAMPLE_DATES
        np.testing.assert_array_equal(stack.read_all(), reference)


def test_per_band_metadata_tags_without_descriptions(write_raster, tmp_path, sample_crop):
    flat = sample_crop.reshape(T * B, *sample_crop.shape[2:])
    order = np.random.default_rng(2).permutation(T * B)
    tags = [{"date": SAMPLE_DATES[i // B] + "T10:00:08", "band": SAMPLE_BANDS[i % B]} for i in order]
    stack = open_stack(write_raster(tmp_path / "tags.tif", flat[order], band_tags=tags))
    np.testing.assert_array_equal(stack.read_all(), expected_reflectance(sample_crop))


@pytest.mark.parametrize("naming", ["product", "compact", "description"])
def test_one_file_per_date(write_raster, tmp_path, sample_crop, naming):
    paths = []
    for t in reversed(range(T)):  # given out of order: dates must come out chronological
        compact = SAMPLE_DATES[t].replace("-", "")
        if naming == "product":
            name, descriptions = f"S2A_MSIL1C_{compact}T100008_N0204_R022_T33TWM_{compact}T120000.tif", SAMPLE_BANDS
        elif naming == "compact":
            name, descriptions = f"stack_{compact}.tif", [b.replace("B0", "b") for b in SAMPLE_BANDS]  # "b4"
        else:
            name, descriptions = f"date{t}.tif", [f"{SAMPLE_DATES[t]}_{b}" for b in SAMPLE_BANDS]
        paths.append(write_raster(tmp_path / name, sample_crop[t], descriptions))
    stack = open_stack(paths)
    assert [d.isoformat() for d in stack.dates] == SAMPLE_DATES and stack.bands == SAMPLE_BANDS
    np.testing.assert_array_equal(stack.read_all(), expected_reflectance(sample_crop))


def test_one_file_per_date_and_band(write_raster, tmp_path, sample_crop):
    paths = [write_raster(tmp_path / f"{SAMPLE_DATES[t].replace('-', '')}_{band}.tif", sample_crop[t, b])
             for b, band in enumerate(SAMPLE_BANDS) for t in range(T)]
    stack = open_stack(paths)
    np.testing.assert_array_equal(stack.read_all(), expected_reflectance(sample_crop))


def test_band_files_inside_a_safe_folder_and_vrt(write_raster, tmp_path, sample_crop):
    from osgeo import gdal
    granule = tmp_path / "S2B_MSIL2A_20220301T101021_N0400_R022_T33TWM_20220301T1.SAFE" / "IMG_DATA" / "R10m"
    granule.mkdir(parents=True)
    paths = [write_raster(granule / f"T33TWM_20220301T101021_{band}_10m.tif", sample_crop[0, b])
             for b, band in enumerate(SAMPLE_BANDS[1:4], start=1)]
    stack = open_stack(paths)
    assert stack.dates == [datetime.date(2022, 3, 1)] and stack.bands == ["B02", "B03", "B04"]
    assert stack.scaling.offset == pytest.approx(-0.1)  # N0400 L2A, found in the folder name
    vrt = str(tmp_path / "sample.vrt")
    gdal.Translate(vrt, str(SAMPLE_STACK), format="VRT")
    vrt_stack = open_stack(vrt)
    assert vrt_stack.bands == SAMPLE_BANDS and len(vrt_stack.dates) == 5
    np.testing.assert_array_equal(vrt_stack.read_window(3, 4, 10, 10),
                                  open_stack(str(SAMPLE_STACK)).read_window(3, 4, 10, 10))


def test_repeated_dates_are_kept(write_raster, tmp_path, sample_crop):
    first = write_raster(tmp_path / "a_20150711.tif", sample_crop[0], SAMPLE_BANDS)
    second = write_raster(tmp_path / "b_20150711.tif", sample_crop[3], SAMPLE_BANDS)
    stack = open_stack([first, second])
    assert stack.dates == [datetime.date(2015, 7, 11)] * 2
    np.testing.assert_array_equal(stack.read_all(), expected_reflectance(sample_crop[[0, 3]]))


def test_explicit_layout_and_sidecar(write_raster, tmp_path, sample_crop):
    flat = sample_crop.reshape(T * B, *sample_crop.shape[2:])
    anonymous = write_raster(tmp_path / "anonymous.tif", flat)
    with pytest.raises(StackError, match="layout.json"):
        open_stack(anonymous)
    layout = StackLayout(dates=SAMPLE_DATES, bands=SAMPLE_BANDS, order="date-major")
    np.testing.assert_array_equal(open_stack(anonymous, layout=layout).read_all(), expected_reflectance(sample_crop))
    # band-major file described by a sidecar JSON; standard L1C band order implied by 13 bands per date
    band_major = write_raster(tmp_path / "bm.tif", flat[[t * B + b for b in range(B) for t in range(T)]])
    (tmp_path / "bm.tif.layout.json").write_text(json.dumps({"dates": SAMPLE_DATES, "order": "band-major"}))
    stack = open_stack(band_major)
    assert stack.bands == SAMPLE_BANDS and stack.layout_origin.endswith("bm.tif.layout.json")
    np.testing.assert_array_equal(stack.read_all(), expected_reflectance(sample_crop))
    assert StackLayout.from_json(tmp_path / "bm.tif.layout.json").order == "band-major"


def test_bad_layouts_say_what_to_fix(write_raster, tmp_path, sample_crop):
    path = write_raster(tmp_path / "x.tif", sample_crop.reshape(T * B, *sample_crop.shape[2:]))
    with pytest.raises(StackError, match="counts match|multiple"):
        open_stack(path, layout=StackLayout(dates=SAMPLE_DATES, bands=["B02", "B03"]))
    with pytest.raises(StackError, match="date-major"):
        StackLayout(dates=SAMPLE_DATES, order="diagonal")
    (tmp_path / "broken.json").write_text("{not json")
    with pytest.raises(StackError, match="Cannot read the layout"):
        StackLayout.from_json(tmp_path / "broken.json")


# --- errors ----------------------------------------------------------------------------------
def test_missing_band_on_one_date_is_named(write_raster, tmp_path, sample_crop):
    paths = [write_raster(tmp_path / f"{d.replace('-', '')}.tif", sample_crop[t], SAMPLE_BANDS)
             for t, d in enumerate(SAMPLE_DATES[:2])]
    bands = [b for b in SAMPLE_BANDS if b != "B08"]
    paths.append(write_raster(tmp_path / "20150820.tif", sample_crop[2, [SAMPLE_BANDS.index(b) for b in bands]],
                              bands))
    with pytest.raises(StackError, match=r"2015-08-20.*B08"):
        open_stack(paths)


def test_grid_and_crs_mismatch_name_both_files(write_raster, tmp_path, sample_crop):
    a = write_raster(tmp_path / "a_20150711.tif", sample_crop[0], SAMPLE_BANDS)
    shifted = write_raster(tmp_path / "b_20150731.tif", sample_crop[1], SAMPLE_BANDS,
                           geotransform=(465005.0, 10.0, 0.0, 5080000.0, 0.0, -10.0))
    other_crs = write_raster(tmp_path / "c_20150731.tif", sample_crop[1], SAMPLE_BANDS, epsg=32634)
    with pytest.raises(StackError, match=r"a_20150711\.tif.*b_20150731\.tif.*geotransform") as error:
        open_stack([a, shifted])
    assert "gdalwarp" in str(error.value)
    with pytest.raises(StackError, match=r"c_20150731\.tif.*CRS"):
        open_stack([a, other_crs])
    smaller = write_raster(tmp_path / "d_20150731.tif", sample_crop[1, :, :8], SAMPLE_BANDS)
    with pytest.raises(StackError, match="size"):
        open_stack([a, smaller])


def test_truncated_and_non_raster_files(write_raster, tmp_path):
    source = tmp_path / "full.tif"
    rng = np.random.default_rng(0)
    write_raster(source, rng.integers(1, 5000, (4, 64, 64)).astype(np.uint16),
                 ["T1_2015-07-11_B04", "T1_2015-07-11_B08", "T2_2015-07-31_B04", "T2_2015-07-31_B08"], tiled=True)
    data = source.read_bytes()
    truncated = tmp_path / "truncated.tif"
    truncated.write_bytes(data[: len(data) * 2 // 3])
    with pytest.raises(StackError, match="truncated|damaged|Cannot read"):
        open_stack(str(truncated))
    header_only = tmp_path / "header.tif"
    header_only.write_bytes(data[:200])
    with pytest.raises(StackError):
        open_stack(str(header_only))
    text = tmp_path / "notes.tif"
    text.write_text("not a raster")
    with pytest.raises(StackError, match="Cannot read"):
        open_stack(str(text))
    with pytest.raises(StackError, match="not found"):
        open_stack(str(tmp_path / "missing.tif"))
    with pytest.raises(StackError, match="No raster"):
        open_stack([])


def test_unknown_band_meaning_asks_for_a_layout(write_raster, tmp_path):
    path = write_raster(tmp_path / "mystery.tif", np.ones((3, 4, 4), np.uint16), ["Band 1", "Band 2", "Band 3"])
    with pytest.raises(StackError, match=r"band name.*layout"):
        open_stack(path)
    dated_only = write_raster(tmp_path / "bands_only.tif", np.ones((2, 4, 4), np.uint16), ["B04", "B08"])
    with pytest.raises(StackError, match="date"):
        open_stack(dated_only)
    # one date in the name but two dates' worth of bands: guessing would mislabel a date
    two_dates = write_raster(tmp_path / "stack_20150711.tif", np.ones((4, 4, 4), np.uint16),
                             ["B04", "B08", "B04", "B08"])
    with pytest.raises(StackError, match="date of band"):
        open_stack(two_dates)


# --- values ----------------------------------------------------------------------------------
def test_nodata_nan_and_inf_become_nan(write_raster, tmp_path):
    dn = np.full((2, 3, 4), 1234, np.uint16)
    dn[1, 0, 0] = 0
    stack = open_stack(write_raster(tmp_path / "n_20150711.tif", dn, ["B04", "B08"], nodata=0))
    values = stack.read_all()
    assert stack.nodata == 0.0
    assert np.isnan(values[0, 1, 0, 0]) and np.isnan(values).sum() == 1
    assert values[0, 0, 0, 0] == pytest.approx(0.1234)
    floats = np.full((2, 3, 4), 0.25, np.float32)
    floats[0, 1, 1], floats[1, 2, 3], floats[1, 0, 0], floats[0, 0, 0] = np.nan, np.inf, -9999, -np.inf
    stack = open_stack(write_raster(tmp_path / "f_20150711.tif", floats, ["B04", "B08"], nodata=-9999))
    values = stack.read_all()[0]
    assert stack.scaling == Scaling(1.0, 0.0)
    assert np.isnan(values).sum() == 4 and np.nanmax(values) == np.float32(0.25)


@pytest.mark.parametrize("dtype", [np.uint8, np.int16, np.uint16, np.int32, np.float32])
def test_read_window_checked_knows_whether_every_value_is_observed(write_raster, tmp_path, dtype):
    """Small integers go straight from GDAL into float32 planes and are scaled there; every type gives DN x scale
    + offset in float32 with NaN at no-data, and says whether it set any NaN (the reader's scan is spared)."""
    rng = np.random.default_rng(3)
    dn = rng.integers(1, 120, (2, 5, 7)).astype(dtype)
    dn[0, 1, 1] = 7
    expected = dn.astype(np.float32) * np.float32(2e-3) + np.float32(0.01)
    path = write_raster(tmp_path / f"clear_{np.dtype(dtype).name}_20220301.tif", dn, ["B04", "B08"],
                        scale_offset=(2e-3, 0.01))
    values, complete = open_stack(path).read_window_checked(0, 0, 7, 5)
    np.testing.assert_array_equal(values[0], expected)
    assert complete is True
    dn[1, 2, 3] = 0
    expected[1, 2, 3] = np.nan
    path = write_raster(tmp_path / f"holes_{np.dtype(dtype).name}_20220301.tif", dn, ["B04", "B08"], nodata=0,
                        scale_offset=(2e-3, 0.01))
    stack = open_stack(path)
    values, complete = stack.read_window_checked(0, 0, 7, 5)
    np.testing.assert_array_equal(values[0], expected)
    assert complete is False
    assert stack.read_window_checked(4, 0, 3, 2)[1] is True  # a window without the hole
    np.testing.assert_array_equal(stack.read_window(0, 0, 7, 5), values)


def test_scaling_sources(write_raster, tmp_path):
    dn = np.full((2, 2, 2), 2000, np.uint16)
    l2a = "S2B_MSIL2A_20220301T101021_N0400_R022_T33TWM_20220301T120000.tif"
    stack = open_stack(write_raster(tmp_path / l2a, dn, ["B04", "B08"]))
    assert stack.scaling.scale == pytest.approx(1e-4) and stack.scaling.offset == pytest.approx(-0.1)
    np.testing.assert_allclose(stack.read_all(), 0.1, atol=1e-6)
    old = "S2B_MSIL2A_20210301T101021_N0300_R022_T33TWM_20210301T120000.tif"
    assert open_stack(write_raster(tmp_path / old, dn, ["B04", "B08"])).scaling.offset == 0.0
    tagged = write_raster(tmp_path / "t_20220301.tif", dn, ["B04", "B08"], dataset_tags={"BOA_ADD_OFFSET": "-1000"})
    assert open_stack(tagged).scaling.offset == pytest.approx(-0.1)
    gdal_scaled = write_raster(tmp_path / "g_20220301.tif", dn, ["B04", "B08"], scale_offset=(2e-5, 0.01))
    np.testing.assert_allclose(open_stack(gdal_scaled).read_all(), 2000 * 2e-5 + 0.01, rtol=1e-6)
    dn_offset = write_raster(tmp_path / "o_20220301.tif", dn, ["B04", "B08"], scale_offset=(1.0, -1000.0))
    assert open_stack(dn_offset).scaling == Scaling(pytest.approx(1e-4), pytest.approx(-0.1))
    forced = open_stack(gdal_scaled, scaling=Scaling(1.0, 0.0))
    assert forced.read_all().max() == 2000.0


def test_mixed_processing_baselines_keep_their_own_offset(write_raster, tmp_path):
    dn = np.full((2, 2, 2), 2000, np.uint16)
    before = write_raster(tmp_path / "S2A_MSIL2A_20211201T101021_N0301_R022_T33TWM_20211201T1.tif", dn, ["B04", "B08"])
    after = write_raster(tmp_path / "S2A_MSIL2A_20220301T101021_N0400_R022_T33TWM_20220301T1.tif", dn, ["B04", "B08"])
    stack = open_stack([after, before])
    values = stack.read_all()
    np.testing.assert_allclose(values[0], 0.2, atol=1e-6)
    np.testing.assert_allclose(values[1], 0.1, atol=1e-6)
    assert stack.describe()["offset_per_date"] == pytest.approx([0.0, -0.1])


# --- handles ---------------------------------------------------------------------------------
def test_clone_reads_the_same_in_another_thread(sample_dn):
    stack = open_stack(str(SAMPLE_STACK))
    results = {}

    def read(name, handle):
        results[name] = handle.read_window(0, 0, 100, 101)

    threads = [threading.Thread(target=read, args=(i, stack.clone())) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for values in results.values():
        np.testing.assert_array_equal(values, expected_reflectance(sample_dn))
    stack.close()
    with pytest.raises(StackError, match="closed"):
        stack.read_window(0, 0, 1, 1)


def test_windows_read_in_threads_equal_one_thread(sample_dn, write_raster, tmp_path, sample_crop):
    """clone(read_threads=n) splits a band-interleaved file's planes between n GDAL handles read side by side;
    a pixel-interleaved file (each block holds every band) is read whole by one; files per date are shared out.
    Whatever the split, the window is the same."""
    from osgeo import gdal

    band_file = str(tmp_path / "band_interleaved.tif")
    gdal.Translate(band_file, str(SAMPLE_STACK), creationOptions=["INTERLEAVE=BAND", "TILED=YES",
                                                                    "BLOCKXSIZE=32", "BLOCKYSIZE=32"])
    pixel_file = str(tmp_path / "pixel_interleaved.tif")
    gdal.Translate(pixel_file, str(SAMPLE_STACK), creationOptions=["INTERLEAVE=PIXEL"])
    per_date = [write_raster(tmp_path / f"d_{SAMPLE_DATES[t].replace('-', '')}.tif", sample_crop[t], SAMPLE_BANDS,
                             nodata=0) for t in range(T)]
    for paths, expected in (([band_file], sample_dn), ([pixel_file], sample_dn), (per_date, sample_crop)):
        one = open_stack(paths)
        want = one.read_window(3, 2, one.width - 5, one.height - 4)
        for n in (2, 3):
            handle = one.clone(read_threads=n)
            groups = [len(group) for group in handle._groups]
            if paths == [pixel_file]:
                assert groups == [1]  # not split: each thread would decode every block
            else:
                assert len(groups) == n  # every group reads part of the planes
            got = handle.read_window(3, 2, one.width - 5, one.height - 4)
            np.testing.assert_array_equal(got, want)
            handle.close()
        if paths != per_date:
            np.testing.assert_array_equal(want, expected_reflectance(expected)[:, :, 2:-2, 3:-2])
        one.close()


def test_grid_helpers():
    grid = open_stack(str(SAMPLE_STACK)).grid
    assert isinstance(grid, Grid) and grid.same_as(grid)
    xmin, ymin, xmax, ymax = grid.extent
    assert xmax - xmin == pytest.approx(100 * 9.99479222007154)
    other = Grid(grid.width, grid.height, grid.geotransform, "")
    assert not grid.same_as(other) and "CRS" in grid.differences(other)[0]


def test_copied_sample_with_sidecar_overrides_descriptions(tmp_path):
    copy = tmp_path / "copy.tif"
    shutil.copy(SAMPLE_STACK, copy)
    dates = ["2016-01-01", "2016-02-01", "2016-03-01", "2016-04-01", "2016-05-01"]
    (tmp_path / "copy.layout.json").write_text(json.dumps({"dates": dates, "bands": SAMPLE_BANDS}))
    assert [d.isoformat() for d in open_stack(str(copy)).dates] == dates
