"""Dates on a calendar: temporal grids, a stack's dates placed on them, coverage, resampling by day.

Real GeoTIFFs: the bundled stack rewritten with dates dropped, shifted, and moved to another year."""
import datetime as dt
import json
import zipfile

import numpy as np
import pytest

from land_cover_xai_plugin.engine.data import calendar
from land_cover_xai_plugin.engine.data.gapfill import fill_gaps_onto
from land_cover_xai_plugin.engine.data.validity import ValidityConfig
from land_cover_xai_plugin.engine.errors import ModelFileError, StackMismatchError
from land_cover_xai_plugin.engine.io.stack import open_stack
from land_cover_xai_plugin.engine.models.model_file import load_model, save_model
from conftest import SAMPLE

SAMPLE_BANDS = ["B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B09", "B10", "B11", "B12"]
SAMPLE_DATES = [dt.date(2015, 7, 11), dt.date(2015, 7, 31), dt.date(2015, 8, 20), dt.date(2015, 8, 30),
                dt.date(2015, 9, 9)]


def write_stack(write_raster, path, dn, dates, cloud_fraction=None):
    """(T, B, H, W) DN -> a date-major GeoTIFF whose band descriptions and tags carry ``dates``."""
    t_count, b_count = dn.shape[:2]
    descriptions, tags = [], []
    for t, date in enumerate(dates):
        for band in SAMPLE_BANDS[:b_count]:
            descriptions.append(f"T{t + 1}_{date.isoformat()}_{band}")
            tag = {"date": date.isoformat(), "band": band, "scale_factor": "0.0001"}
            if cloud_fraction is not None:
                tag["cloud_fraction"] = f"{cloud_fraction[t]:.3f}"
            tags.append(tag)
    return write_raster(path, dn.reshape(t_count * b_count, *dn.shape[2:]), descriptions, band_tags=tags)


def reference_onto(series, times, targets):
    """np.interp per series over the observed values (linear inside, nearest at the ends)."""
    out = np.zeros(series.shape[:2] + (len(targets),), np.float64)
    for i in range(series.shape[0]):
        for b in range(series.shape[1]):
            seen = np.isfinite(series[i, b])
            if seen.any():
                out[i, b] = np.interp(targets, np.asarray(times)[seen], series[i, b, seen])
    return out


def test_grid_from_dates_own_dates_and_regular_steps():
    own = calendar.grid_from_dates(SAMPLE_DATES)
    assert own.days == (192, 212, 232, 242, 252) and own.year == 2015
    assert own.dates == SAMPLE_DATES and own.tolerance_days == 20  # the widest step
    regular = calendar.grid_from_dates(SAMPLE_DATES, step_days=10)
    assert regular.days == tuple(range(192, 253, 10)) and regular.n_dates == 7 and regular.tolerance_days == 10
    assert calendar.TemporalGrid.from_dict(regular.to_dict()) == regular
    assert regular.to_dict()["dates"][0] == "2015-07-11"
    with pytest.raises(ValueError):
        calendar.TemporalGrid((5, 5), 2015, 3)
    with pytest.raises(ValueError):
        calendar.TemporalGrid.from_dict({"days": ["a"], "year": 2015, "tolerance_days": 3})


def test_a_season_across_new_year_keeps_counting():
    grid = calendar.grid_from_dates([dt.date(2019, 11, 1), dt.date(2020, 2, 1)], step_days=30)
    assert grid.days[0] == 305 and grid.days[-1] > 365
    placed = calendar.check_coverage(grid, [dt.date(2021, 10, 28) + dt.timedelta(days=15 * i) for i in range(8)])
    assert placed.first_year == 2021  # the season starting in 2021, not the one of 2022


def test_fill_gaps_onto_matches_np_interp_and_keeps_exact_dates():
    rng = np.random.default_rng(0)
    times = np.array([3, 10, 18, 40, 41, 70], float)
    targets = np.array([0, 3, 12, 18, 30, 41, 90], float)
    x = rng.random((800, 3, 6)).astype(np.float32)
    cloudy = rng.random((800, 6)) < 0.4
    x[np.broadcast_to(cloudy[:, None], x.shape)] = np.nan
    x[5, 1, 2] = np.nan  # one lone band gap: the per-band path
    filled, valid = fill_gaps_onto(x, times, targets, min_valid_dates=2)
    assert filled.shape == (800, 3, 7) and filled.dtype == np.float32
    np.testing.assert_allclose(filled, reference_onto(x, times, targets), atol=1e-5)
    np.testing.assert_array_equal(valid[6:], (~cloudy[6:]).sum(axis=1) >= 2)
    clear = ~cloudy[:, 2] & np.isfinite(x[:, :, 2]).all(axis=1)
    np.testing.assert_array_equal(filled[clear, :, 3], x[clear, :, 2])  # day 18 observed: taken exactly
    # a pixel's values never depend on the others (pixel 5 sends this call to the per-band path)
    alone, _ = fill_gaps_onto(x[6:9], times, targets, min_valid_dates=2)
    np.testing.assert_array_equal(alone, filled[6:9])


def test_missing_span_is_named():
    grid = calendar.grid_from_dates(SAMPLE_DATES)
    kept = [SAMPLE_DATES[0], SAMPLE_DATES[1]]  # nothing after 07-31: 08-30 and 09-09 are > 20 days away
    with pytest.raises(StackMismatchError, match="2015-08-30 .. 2015-09-09") as caught:
        calendar.check_coverage(grid, kept)
    assert "2015-07-11 .. 2015-09-09" in str(caught.value)
    # next year: the message speaks of that year's season
    with pytest.raises(StackMismatchError, match="2016-08-29 .. 2016-09-08") as caught:
        calendar.check_coverage(grid, [d + dt.timedelta(days=365) for d in kept])
    # ... and the model's season in the model's own dates, then as it falls in the stack's year
    assert "over 2015-07-11 .. 2015-09-09, that is 2016-07-10 .. 2016-09-08 in the stack's year" in str(caught.value)
    # a stack of the year before: the model's season is still said in 2015, never shifted into 2014
    with pytest.raises(StackMismatchError) as caught:
        calendar.check_coverage(grid, [d - dt.timedelta(days=365) for d in kept])
    assert "dates over 2015-07-11 .. 2015-09-09" in str(caught.value), str(caught.value)
    assert "2014-07-11 .. 2014-09-09 in the stack's year" in str(caught.value)
    assert calendar.missing_spans(grid, calendar.place_on_grid(grid, SAMPLE_DATES)) == []


def test_positional_models_read_same_count_stacks_as_before():
    grid = calendar.grid_from_dates(SAMPLE_DATES)
    other_season = [dt.date(2020, 3, 1) + dt.timedelta(days=7 * i) for i in range(5)]
    placed = calendar.check_coverage(grid, other_season, positional=True)
    assert placed.is_identity
    with pytest.raises(StackMismatchError):
        calendar.check_coverage(grid, other_season)


@pytest.fixture(scope="module")
def sample_series(sample_dn):
    """The bundled stack's pixels as (N, B, T) reflectance."""
    t_count, b_count, h, w = sample_dn.shape
    return (sample_dn.astype(np.float32) * 1e-4).transpose(2, 3, 1, 0).reshape(h * w, b_count, t_count)


def read_series(path):
    with open_stack(path) as stack:
        raw = stack.read_all()
        dates = list(stack.dates)
    t_count, b_count, h, w = raw.shape
    return raw.transpose(2, 3, 1, 0).reshape(h * w, b_count, t_count), dates


def test_bundled_stack_with_a_date_dropped_is_filled_by_day(write_raster, tmp_path, sample_dn, sample_series):
    grid = calendar.grid_from_dates(SAMPLE_DATES)
    keep = [0, 1, 3, 4]  # 2015-08-20 dropped
    path = write_stack(write_raster, tmp_path / "dropped.tif", sample_dn[keep], [SAMPLE_DATES[t] for t in keep])
    series, dates = read_series(path)
    placed = calendar.check_coverage(grid, dates)
    filled, valid = calendar.resample_to_grid(series, placed, min_valid_dates=2)
    assert valid.all() and filled.shape == sample_series.shape
    np.testing.assert_array_equal(filled[:, :, keep], sample_series[:, :, keep])  # present dates untouched
    # 08-20 lies 20 days after 07-31 and 10 days before 08-30: weights 1/3, 2/3 by day (by index it would be 1/2)
    expected = sample_series[:, :, 1] / 3 + sample_series[:, :, 3] * 2 / 3
    np.testing.assert_allclose(filled[:, :, 2], expected, rtol=1e-5, atol=1e-6)


def test_shifted_and_other_year_stacks_land_on_the_grid(write_raster, tmp_path, sample_dn, sample_series):
    grid = calendar.grid_from_dates(SAMPLE_DATES)
    next_year = [d + dt.timedelta(days=365) for d in SAMPLE_DATES]  # 2016: the same days of the season
    series, dates = read_series(write_stack(write_raster, tmp_path / "y2016.tif", sample_dn, next_year))
    placed = calendar.check_coverage(grid, dates)
    assert placed.first_year == 2016 and placed.days == grid.days
    np.testing.assert_array_equal(calendar.resample_to_grid(series, placed)[0], sample_series)

    shifted = [d + dt.timedelta(days=4) for d in SAMPLE_DATES]  # every acquisition 4 days later
    series, dates = read_series(write_stack(write_raster, tmp_path / "shifted.tif", sample_dn, shifted))
    placed = calendar.check_coverage(grid, dates)
    filled, _ = calendar.resample_to_grid(series, placed)
    np.testing.assert_array_equal(filled[:, :, 0], sample_series[:, :, 0])  # before the first: nearest
    # 08-20 + 0 lies between 08-04 (+4 of 07-31) and 08-24: 16/20 of the way
    expected = sample_series[:, :, 1] * 0.2 + sample_series[:, :, 2] * 0.8
    np.testing.assert_allclose(filled[:, :, 2], expected, rtol=1e-5, atol=1e-6)


def test_observed_on_grid_marks_real_observations_only():
    grid = calendar.grid_from_dates(SAMPLE_DATES)
    placed = calendar.check_coverage(grid, SAMPLE_DATES)
    observed = np.array([[True, False, False, True, True], [False, True, True, False, True]])
    np.testing.assert_array_equal(calendar.observed_on_grid(observed, placed), observed)
    regular = calendar.grid_from_dates(SAMPLE_DATES, step_days=10)  # 07-11, 07-21, ..., 09-08
    placed = calendar.check_coverage(regular, SAMPLE_DATES)
    on_grid = calendar.observed_on_grid(observed[:1], placed)[0]
    # observations 07-11, 08-30, 09-09: grid days within 5 days of one of them
    assert on_grid.tolist() == [True, False, False, False, False, True, True]


def older_model_file(tmp_path) -> str:
    """The bundled model as a file written before temporal grids and validity settings existed."""
    path = str(tmp_path / "older.lcx")
    save_model(path, load_model(str(SAMPLE / "sample_model.lcx")))
    rewrite_document(path, lambda document: [document.pop(key, None) for key in ("temporal_grid", "validity")])
    return path


def rewrite_document(path, change):
    """Apply ``change`` to the model.json of the model file at ``path`` (the weights kept as they are)."""
    with zipfile.ZipFile(path) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    document = json.loads(members["model.json"])
    change(document)
    members["model.json"] = json.dumps(document).encode()
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)


def test_model_files_keep_their_grid_and_validity_and_older_files_read_by_position(tmp_path):
    old = load_model(older_model_file(tmp_path))
    assert old.temporal_grid is None and old.reads_dates_by_position
    described = old.describe()["temporal_grid"]
    assert described["dates"] == old.dates and described["by_position"] is True
    assert old.validity == ValidityConfig()

    old.temporal_grid = calendar.grid_from_dates(old.dates, tolerance_days=12)
    old.validity = ValidityConfig(0.5, ("/data/scl_2015.tif",), "fmask")
    path = str(tmp_path / "with_grid.lcx")
    save_model(path, old)
    with zipfile.ZipFile(path) as zf:
        document = json.loads(zf.read("model.json"))
    assert document["temporal_grid"]["days"] == [192, 212, 232, 242, 252]
    assert document["validity"]["mask_paths"] == []  # a stack's own masks never travel with the model
    again = load_model(path)
    assert again.temporal_grid == old.temporal_grid and not again.reads_dates_by_position
    assert again.validity.cloud_fraction_max == 0.5 and again.validity.mask_rule.name == "fmask"
    assert again.describe()["temporal_grid"]["tolerance_days"] == 12

    rewrite_document(path, lambda doc: doc["temporal_grid"].update(days=[192, 212]))
    with pytest.raises(ModelFileError, match="temporal grid has 2 dates"):
        load_model(path)


def test_an_older_model_trained_on_a_repeated_date_still_reads_by_position(tmp_path):
    from land_cover_xai_plugin.engine.models.model_file import check_compatible

    bundle = load_model(older_model_file(tmp_path))
    bundle.dates = ["2015-07-11", "2015-07-31", "2015-07-31", "2015-08-30", "2015-09-09"]  # two on one day
    same_count = [dt.date(2016, 7, 11) + dt.timedelta(days=10 * i) for i in range(5)]
    assert check_compatible(bundle, types_stack(same_count)) == []
    problems = check_compatible(bundle, types_stack(same_count[:4]))
    assert len(problems) == 1 and "needs 5 dates" in problems[0]


def types_stack(dates):
    import types

    return types.SimpleNamespace(bands=list(SAMPLE_BANDS), dates=list(dates), n_dates=len(dates))
