"""Polygon-grouped, buffered spatial splits and folds, on the real sample's field polygons burned by GDAL."""
from pathlib import Path

import numpy as np
import pytest

from land_cover_xai_plugin.engine.data.splits import (
    TEST, TRAIN, UNUSED, VAL, Split, apply_buffer, assign_units, cross_validation_splits, default_buffer,
    grouped_split, spatial_units)
from land_cover_xai_plugin.engine.errors import LabelsError
from land_cover_xai_plugin.engine.io.labels import rasterize_field_data
from land_cover_xai_plugin.engine.io.stack import open_stack

SAMPLE = Path(__file__).resolve().parents[2] / "land_cover_xai_plugin" / "sample_data"


@pytest.fixture(scope="module")
def burned():
    stack = open_stack([str(SAMPLE / "s2_l1c_stack.tif")])
    result = rasterize_field_data(str(SAMPLE / "lulc_field_polygons.gpkg"), stack.grid, "LULC_ID")
    stack.close()
    rows, cols = np.nonzero(result.labels > 0)
    return result, rows, cols, result.labels[rows, cols], result.polygon_ids[rows, cols]


def closer_than(rows, cols, a, b, distance):
    """True when a pixel of mask a lies within ``distance`` px (Chebyshev) of a pixel of mask b: counts b's
    pixels in the (2d+1)^2 box around each a pixel with a summed-area table."""
    grid = np.zeros((rows.max() + 1 + 2 * distance, cols.max() + 1 + 2 * distance), np.int64)
    grid[rows[b] + distance, cols[b] + distance] = 1
    table = np.pad(grid.cumsum(0).cumsum(1), ((1, 0), (1, 0)))
    r0, c0 = rows[a], cols[a]  # box [r - d, r + d] in original coordinates = [r0, r0 + 2d] padded
    r1, c1 = r0 + 2 * distance + 1, c0 + 2 * distance + 1
    return bool((table[r1, c1] - table[r0, c1] - table[r1, c0] + table[r0, c0] > 0).any())


def sides_of_polygons(split, polygons):
    out = {}
    for p in np.unique(polygons):
        sides = set(np.unique(split.side[(polygons == p) & (split.side != UNUSED)]).tolist())
        out[int(p)] = sides
    return out


def test_polygon_ids_are_burned_with_the_classes(burned):
    result, rows, cols, y, polygons = burned
    assert result.polygon_ids.shape == result.labels.shape
    assert np.array_equal(result.polygon_ids > 0, result.labels > 0)  # every labelled pixel has its polygon
    for p in np.unique(polygons):  # one polygon, one class
        assert np.unique(y[polygons == p]).size == 1
    assert set(np.unique(polygons).tolist()) <= set(result.polygon_fids)
    from osgeo import ogr

    layer_ds = ogr.Open(str(SAMPLE / "lulc_field_polygons.gpkg"))
    layer = layer_ds.GetLayer(0)
    for p in np.unique(polygons)[:10]:  # the FID leads back to a feature of the same class
        feature = layer.GetFeature(result.polygon_fids[int(p)])
        assert feature.GetField("LULC_ID") == int(y[polygons == p][0])


@pytest.mark.parametrize("seed", [0, 1])
def test_cv_folds_keep_polygons_whole_and_buffered(burned, seed):
    _, rows, cols, y, polygons = burned
    folds = cross_validation_splits(rows, cols, y, polygons, n_folds=4, block_size=16, buffer=3, seed=seed)
    assert len(folds) == 4 and [f.fold for f in folds] == [0, 1, 2, 3]
    cut = set(folds[0].cut_polygons)
    assert cut, "the sample's two big forest polygons are cut into blocks"
    test_of = np.zeros(y.size, int)
    for split in folds:
        for p, sides in sides_of_polygons(split, polygons).items():
            if p not in cut:
                assert len(sides) <= 1, f"polygon {p} on sides {sides}"
        for a, b in ((TRAIN, TEST), (TRAIN, VAL), (VAL, TEST)):
            assert not closer_than(rows, cols, split.side == a, split.side == b, 3)
        assert closer_than(rows, cols, split.side == TRAIN, split.side == TEST, 5)  # the check can fail
        assert (split.side == UNUSED).any() and (split.side == TRAIN).any() and (split.side == VAL).any()
        test_of += split.side == TEST
    assert test_of.max() == 1  # each pixel is tested at most once over the folds
    for c in np.unique(y):  # every class with at least one unit per fold is tested in some fold
        assert any((y[split.test] == c).any() for split in folds), c


def test_whole_polygons_when_none_is_cut(burned):
    _, rows, cols, y, polygons = burned
    split = grouped_split(rows, cols, y, polygons, block_size=16, buffer=3, seed=0, max_polygon_px=10**9)
    assert split.cut_polygons == []
    assert all(len(s) <= 1 for s in sides_of_polygons(split, polygons).values())
    assert split.kind == "polygons+blocks" and split.buffer == 3


def test_default_split_buffer_and_classes(burned):
    _, rows, cols, y, polygons = burned
    split = grouped_split(rows, cols, y, polygons, block_size=16, buffer=default_buffer(3), seed=0)
    assert split.buffer == 4  # patch half-width 1 + 3
    assert not closer_than(rows, cols, split.side == TRAIN, split.side == TEST, 4)
    assert set(np.unique(y[split.train])) == set(np.unique(y))  # every class learnable
    described = split.describe(y)
    assert set(described["support"]) == {"train", "val", "test", "unused"}
    assert sum(sum(v.values()) for v in described["support"].values()) == y.size


def test_splits_are_deterministic_per_seed(burned):
    _, rows, cols, y, polygons = burned
    a = cross_validation_splits(rows, cols, y, polygons, n_folds=5, seed=3)
    b = cross_validation_splits(rows, cols, y, polygons, n_folds=5, seed=3)
    c = cross_validation_splits(rows, cols, y, polygons, n_folds=5, seed=4)
    assert all(np.array_equal(x.side, z.side) for x, z in zip(a, b))
    assert not all(np.array_equal(x.side, z.side) for x, z in zip(a, c))


def test_every_class_reaches_test_when_it_can():
    # Four far-apart polygons per class on a grid; class 9 has only two polygons.
    rows, cols, y, polygons = [], [], [], []
    pid = 0
    for c, n_polys in ((1, 6), (2, 6), (9, 2)):
        for _ in range(n_polys):
            pid += 1
            r0, c0 = divmod(pid, 5)
            rr, cc = np.mgrid[r0 * 20:r0 * 20 + 5, c0 * 20:c0 * 20 + 5]
            rows.append(rr.ravel()), cols.append(cc.ravel())
            y.append(np.full(rr.size, c)), polygons.append(np.full(rr.size, pid))
    rows, cols, y, polygons = map(np.concatenate, (rows, cols, y, polygons))
    for seed in range(5):
        split = grouped_split(rows, cols, y, polygons, block_size=8, buffer=3, seed=seed)
        assert (y[split.train] == 9).any() and (y[split.test] == 9).any()  # 2 polygons: train, then test
        assert set(np.unique(y[split.val])) == {1, 2}
        assert not (split.side == UNUSED).any()  # polygons 15 px apart: the buffer takes nothing
        folds = cross_validation_splits(rows, cols, y, polygons, n_folds=3, block_size=8, buffer=3, seed=seed,
                                        val_fraction=0)
        for f in folds:  # 6 polygons of classes 1 and 2 over 3 folds: every fold tests both
            assert {1, 2} <= set(np.unique(y[f.test]))


def test_buffer_pushes_lower_sides_out():
    rows, cols = np.divmod(np.arange(100), 10)
    side = np.where(cols < 5, TRAIN, TEST).astype(np.int8)
    buffered = apply_buffer(rows, cols, side, 2)
    assert (buffered[cols >= 5] == TEST).all()  # the test side keeps all its pixels
    assert (buffered[(cols >= 3) & (cols < 5)] == UNUSED).all() and (buffered[cols < 3] == TRAIN).all()


def test_units_fall_back_to_blocks_without_polygons():
    rows, cols = np.divmod(np.arange(400), 20)
    unit, cut = spatial_units(rows, cols, block_size=5)
    assert cut == [] and np.unique(unit).size == 16
    polygons = np.where(rows < 10, 1, 0)  # one polygon over the top half; the rest has no polygon
    unit, cut = spatial_units(rows, cols, 5, polygons, max_polygon_px=1000)
    assert np.unique(unit[rows < 10]).size == 1 and np.unique(unit[rows >= 10]).size == 8
    unit, cut = spatial_units(rows, cols, 5, polygons, max_polygon_px=50)
    assert cut == [1] and np.unique(unit[rows < 10]).size == 8


def test_assignment_respects_must_have():
    unit = np.repeat(np.arange(4), 10)
    y = np.repeat([1, 1, 2, 3], 10)
    part = assign_units(unit, y, [0.6, 0.2, 0.2], seed=0, must_have=0)
    for c in (1, 2, 3):
        assert (part[y == c] == 0).any()
    assert all(np.unique(part[unit == u]).size == 1 for u in range(4))


def test_raster_round_trip_and_subset(burned):
    result, rows, cols, y, polygons = burned
    split = grouped_split(rows, cols, y, polygons, seed=0)
    raster = split.to_raster(rows, cols, result.labels.shape)
    assert raster.side.shape == result.labels.shape and (raster.side[result.labels == 0] == UNUSED).all()
    back = raster.at(rows, cols)
    assert np.array_equal(back.side, split.side) and np.array_equal(back.unit, split.unit)
    keep = np.arange(0, y.size, 2)
    assert np.array_equal(split.subset(keep).side, split.side[keep])
    with pytest.raises(LabelsError, match="same labels"):
        split.at(rows[:5], cols[:5])
    assert isinstance(back, Split)


def test_bad_settings_are_refused(burned):
    _, rows, cols, y, polygons = burned
    with pytest.raises(LabelsError, match="fraction"):
        grouped_split(rows, cols, y, polygons, val_fraction=0.6, test_fraction=0.5)
    with pytest.raises(LabelsError, match="2 folds"):
        cross_validation_splits(rows, cols, y, polygons, n_folds=1)
    with pytest.raises(LabelsError, match="block_size"):
        grouped_split(rows, cols, y, polygons, block_size=0)


# --- the split inside training ---------------------------------------------------------------------
TINY = SAMPLE / "tiny"
FAST = dict(epochs=2, batch_size=64, patience=2, block_size=8, band_width=4, fusion_width=16, conv_width=16,
            dense_width=32, threads=1, device="cpu")


@pytest.fixture(scope="module")
def tiny():
    stack = open_stack([str(TINY / "s2_l1c_tiny.tif")])
    burned = rasterize_field_data(str(SAMPLE / "lulc_field_polygons.gpkg"), stack.grid, "LULC_ID")
    yield stack, burned
    stack.close()


def test_training_groups_polygons_and_reports_intervals(tiny):
    from land_cover_xai_plugin.engine.training.trainer import TrainConfig, train_model

    stack, burned = tiny
    bundle = train_model(stack, burned.labels, burned.class_names, TrainConfig(**FAST), groups=burned.polygon_ids)
    split = bundle.report["split"]
    assert split["kind"] == "polygons+blocks" and split["buffer_px"] == 3 and split["block_size"] == 8
    assert set(split["support"]) == {"train", "val", "test", "unused"}
    ci = bundle.report["test"]["ci95"]
    assert ci["n_units"] == bundle.report["test"]["n_units"] >= 1
    for name in ("overall_accuracy", "macro_f1", "kappa"):
        assert ci[name]["value"] == pytest.approx(bundle.report["test"][name], nan_ok=True)
    without = train_model(stack, burned.labels, burned.class_names, TrainConfig(**FAST))
    assert without.report["split"]["kind"] == "blocks"


def test_training_takes_an_explicit_split(tiny):
    from land_cover_xai_plugin.engine.training.trainer import TrainConfig, read_labelled_pixels, train_model

    stack, burned = tiny
    _, rows, cols, y, _ = read_labelled_pixels(stack, burned.labels)
    folds = cross_validation_splits(rows, cols, y, burned.polygon_ids[rows, cols], n_folds=3, block_size=8,
                                    buffer=2, seed=0)
    fold = folds[1]
    bundle = train_model(stack, burned.labels, burned.class_names, TrainConfig(**FAST),
                         split=fold.to_raster(rows, cols, burned.labels.shape))
    expected = {name: {str(c): n for c, n in counts.items()} for name, counts in fold.support(y).items()}
    assert bundle.report["class_counts"] == {k: expected[k] for k in ("train", "val", "test")}
    assert bundle.report["split"]["fold"] == 1 and bundle.report["split"]["n_folds"] == 3
    assert bundle.report["test"]["n_pixels"] == fold.test.size
