"""Synthetic stacks: readable by open_stack, spectra from the real sample, labels that match, planted signal."""
import numpy as np
import pytest
from osgeo import gdal

from land_cover_xai_plugin.engine.io.labels import read_label_raster
from land_cover_xai_plugin.engine.io.stack import open_stack
from land_cover_xai_plugin.engine.data.synthetic import (
    L2A_10_BANDS, PlantedSignal, make_planted_signal_arrays, make_synthetic_stack, synthetic_labels,
    synthetic_params, write_synthetic_labels,
)


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    folder = tmp_path_factory.mktemp("synthetic")
    path = make_synthetic_stack(str(folder / "stack.tif"), 150, 90, n_dates=8, seed=3, block=64,
                                planted=PlantedSignal(bands=("B08",), dates=(3,), delta=0.1), cloud_fraction=0.1,
                                region_size=5)  # many small regions: class means over many bank members
    return path, folder


def test_opens_as_a_stack(synthetic):
    path, _ = synthetic
    with open_stack(path) as stack:
        info = stack.describe()
        values = stack.read_all()
    assert info["bands"] == list(L2A_10_BANDS) and info["n_dates"] == 8
    assert (info["width"], info["height"], info["epsg"], info["dtype"]) == (150, 90, 32633, "uint16")
    assert info["dates"] == sorted(info["dates"]) and info["block_size"] == [64, 64]
    assert info["geotransform"][1] == 10.0 and info["nodata"] == 0.0
    dataset = gdal.Open(path)
    assert dataset.GetRasterBand(1).GetDescription() == f"T1_{info['dates'][0]}_B02"
    assert dataset.GetMetadata("IMAGE_STRUCTURE").get("COMPRESSION") in ("ZSTD", "DEFLATE")
    missing = np.isnan(values)
    assert 0.02 < missing.mean() < 0.25  # clouds: whole (date, region) cells are no-data
    assert 0.0 < np.nanmin(values) and np.nanmax(values) < 1.0


def test_labels_match_the_classes_and_classes_differ(synthetic):
    path, folder = synthetic
    names = write_synthetic_labels(path, str(folder / "labels.tif"))
    assert set(names) <= {1, 2, 3, 4, 8, 9} and names[9] == "planted" and names[2] == "forest"
    with open_stack(path) as stack:
        labels = read_label_raster(str(folder / "labels.tif"), stack.grid)
        values = stack.read_all()
    assert labels.class_names == names
    np.testing.assert_array_equal(labels.labels, synthetic_labels(synthetic_params(path)))
    nir = values[:, L2A_10_BANDS.index("B08")]  # (T, H, W)
    forest, artificial = nir[:, labels.labels == 2], nir[:, labels.labels == 8]
    # vegetation has a NIR season, built-up surfaces hardly any
    assert np.nanmean(forest, axis=1).ptp() > 3 * np.nanmean(artificial, axis=1).ptp()
    # the planted class is grassland + 0.1 in B08 at date 3 only
    grass, planted = values[:, :, labels.labels == 3], values[:, :, labels.labels == 9]
    difference = np.nanmean(planted, axis=2) - np.nanmean(grass, axis=2)
    assert difference[3, L2A_10_BANDS.index("B08")] == pytest.approx(0.1, abs=0.03)
    others = np.delete(difference.ravel(), 3 * len(L2A_10_BANDS) + L2A_10_BANDS.index("B08"))
    assert np.abs(others).max() < 0.03
    sparse = write_synthetic_labels(path, str(folder / "sparse.tif"), labelled_share=0.3)
    assert set(sparse) <= set(names)
    sparse_labels = gdal.Open(str(folder / "sparse.tif")).ReadAsArray()
    assert 0.1 < (sparse_labels != 0).mean() < 0.6


def test_same_seed_same_pixels(tmp_path):
    a = make_synthetic_stack(str(tmp_path / "a.tif"), 40, 30, n_dates=4, seed=1, block=16, compress=False)
    b = make_synthetic_stack(str(tmp_path / "b.tif"), 40, 30, n_dates=4, seed=1, block=16)
    c = make_synthetic_stack(str(tmp_path / "c.tif"), 40, 30, n_dates=4, seed=2, block=16)
    def read(p):
        return gdal.Open(p).ReadAsArray()
    np.testing.assert_array_equal(read(a), read(b))
    assert not np.array_equal(read(a), read(c))
    assert not (tmp_path / "a.tif.partial.tif").exists()


def test_planted_signal_arrays():
    x, y = make_planted_signal_arrays(2000, n_bands=6, n_dates=10, planted_bands=[1, 4], planted_dates=[7],
                                      seed=0)
    assert x.shape == (2000, 6, 10) and x.dtype == np.float32 and y.tolist().count(1) == 1000
    difference = x[y == 1].mean(axis=0) - x[y == 0].mean(axis=0)
    planted = np.zeros((6, 10), bool)
    planted[[1, 4], 7] = True
    assert (difference[planted] > 0.08).all()
    assert np.abs(difference[~planted]).max() < 0.02
    again, _ = make_planted_signal_arrays(2000, 6, 10, [1, 4], [7], seed=0)
    np.testing.assert_array_equal(x, again)


def test_planted_sample_arrays_are_real_pixels_that_differ_only_in_the_planted_cells():
    from land_cover_xai_plugin.engine.data.synthetic import make_planted_sample_arrays, sample_pixels

    pixels = sample_pixels()
    assert pixels.series.shape == (100 * 101, 13, 5) and not np.isnan(pixels.series).any()
    assert pixels.filled_dates == [1, 2] and pixels.dates[0] == "2015-07-11"
    pool = np.flatnonzero(pixels.labels > 0)[::2]
    x, y, source = make_planted_sample_arrays(pixels, 3000, planted_bands=[3, 7], planted_dates=[1, 3], seed=0,
                                              pool=pool)
    assert x.shape == (3000, 13, 5) and y.tolist().count(1) == 1500 and np.isin(source, pool).all()
    mask = np.zeros((13, 5), bool)
    mask[np.ix_([3, 7], [1, 3])] = True
    # every row is its real source pixel; the planted class adds exactly 0.1 in the planted cells, nothing else
    np.testing.assert_allclose(x - pixels.series[source], np.where(y[:, None, None] == 1, 0.1 * mask, 0.0),
                               atol=1e-6)
    # both classes come from the same class-balanced draw: every sample class present, similar shares in both
    shares = [np.bincount(pixels.labels[source[y == k]], minlength=9)[[1, 2, 3, 4, 8]] / 1500 for k in (0, 1)]
    assert (shares[0] > 0.12).all() and np.abs(shares[0] - shares[1]).max() < 0.05
    # the clear dates are the sample's own values; the cloud-covered ones lie between their clear neighbours
    with open_stack(
            str(__import__("pathlib").Path(__file__).resolve().parents[2]
                / "land_cover_xai_plugin" / "sample_data" / "s2_l1c_stack.tif")) as stack:
        cube = stack.read_all()
    raw = cube.reshape(5, 13, -1).transpose(2, 1, 0)
    np.testing.assert_array_equal(pixels.series[:, :, [0, 3, 4]], raw[:, :, [0, 3, 4]])
    low, high = np.minimum(raw[:, :, 0], raw[:, :, 3]), np.maximum(raw[:, :, 0], raw[:, :, 3])
    assert ((pixels.series[:, :, 1] >= low - 1e-6) & (pixels.series[:, :, 1] <= high + 1e-6)).all()
    with pytest.raises(ValueError):
        make_planted_sample_arrays(pixels, 10, [0], [0], pool=np.flatnonzero(pixels.labels == 0)[:5])


def test_planted_sample_scene_is_a_georeferenced_stack(tmp_path):
    from land_cover_xai_plugin.engine.data.synthetic import sample_pixels, write_planted_sample_scene

    pixels = sample_pixels()
    path = tmp_path / "planted.tif"
    labels = write_planted_sample_scene(str(path), pixels, 30, ("B04", "B08"), (1, 3), seed=4)
    assert labels.shape == (30, 30) and set(np.unique(labels)) == {1, 2}
    with open_stack(str(path)) as stack:
        info = stack.describe()
        values = stack.read_all()  # (T, B, H, W)
    assert info["epsg"] == 32633 and info["geotransform"][1] == 10.0
    assert info["bands"] == pixels.bands and [str(d) for d in stack.dates] == pixels.dates
    planted, background = values[:, :, labels == 2], values[:, :, labels == 1]
    difference = planted.mean(axis=2) - background.mean(axis=2)  # (T, B)
    b04, b08 = pixels.bands.index("B04"), pixels.bands.index("B08")
    for t in (1, 3):
        for b in (b04, b08):
            assert difference[t, b] == pytest.approx(0.1, abs=0.04)
    others = np.ones_like(difference, bool)
    others[np.ix_([1, 3], [b04, b08])] = False
    assert np.abs(difference[others]).max() < 0.04
