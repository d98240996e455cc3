"""Block bootstrap intervals: point values from metrics.py, units resampled whole, seeded."""
import numpy as np
import pytest

from land_cover_xai_plugin.engine.accuracy.intervals import block_bootstrap, unit_confusions
from land_cover_xai_plugin.engine.accuracy.metrics import accuracy_report


def clustered(n_units=30, per_unit=50, seed=0):
    """Errors clustered by unit: a third of the units are mostly wrong, the rest right."""
    rng = np.random.default_rng(seed)
    units = np.repeat(np.arange(n_units), per_unit)
    y = np.repeat(rng.choice([1, 2, 5], n_units), per_unit)
    bad_unit = rng.random(n_units) < 0.33
    wrong = bad_unit[units] & (rng.random(units.size) < 0.8)
    pred = np.where(wrong, np.where(y == 1, 2, 1), y)
    return y, pred, units


def test_point_values_are_the_metrics_module():
    y, pred, units = clustered()
    result = block_bootstrap(y, pred, units, [1, 2, 5], n_boot=200)
    report = accuracy_report(y, pred, [1, 2, 5])
    assert result["overall_accuracy"]["value"] == pytest.approx(report.overall_accuracy)
    assert result["macro_f1"]["value"] == pytest.approx(report.macro_f1)
    assert result["kappa"]["value"] == pytest.approx(report.kappa)
    for name in ("overall_accuracy", "macro_f1", "kappa"):
        lo, hi = result[name]["ci95"]
        assert lo < result[name]["value"] < hi
    assert result["n_units"] == 30 and result["n_boot"] == 200


def test_blocks_give_wider_intervals_than_pixels_when_errors_cluster():
    y, pred, units = clustered()
    by_unit = block_bootstrap(y, pred, units, [1, 2, 5], n_boot=300, seed=1)
    by_pixel = block_bootstrap(y, pred, np.arange(y.size), [1, 2, 5], n_boot=300, seed=1)
    width = {k: r["overall_accuracy"]["ci95"][1] - r["overall_accuracy"]["ci95"][0]
             for k, r in (("unit", by_unit), ("pixel", by_pixel))}
    assert width["unit"] > 3 * width["pixel"]


def test_perfect_map_and_single_unit():
    y = np.array([1, 1, 2, 2, 2, 3])
    perfect = block_bootstrap(y, y, np.array([0, 0, 1, 1, 2, 2]), [1, 2, 3], n_boot=50)
    assert perfect["overall_accuracy"]["ci95"] == [1.0, 1.0] and perfect["kappa"]["value"] == 1.0
    single = block_bootstrap(y, y, np.zeros(6), [1, 2, 3], n_boot=50)
    assert single["macro_f1"]["ci95"] is None and single["macro_f1"]["value"] == 1.0


def test_seeded_and_unit_matrices_sum_to_the_whole():
    y, pred, units = clustered(seed=2)
    a = block_bootstrap(y, pred, units, [1, 2, 5], n_boot=100, seed=7)
    b = block_bootstrap(y, pred, units, [1, 2, 5], n_boot=100, seed=7)
    c = block_bootstrap(y, pred, units, [1, 2, 5], n_boot=100, seed=8)
    assert a == b and a["kappa"]["ci95"] != c["kappa"]["ci95"]
    ids, matrices = unit_confusions(y, pred, units, [1, 2, 5])
    assert ids.size == 30 and np.array_equal(matrices.sum(0), accuracy_report(y, pred, [1, 2, 5]).matrix)
    with pytest.raises(ValueError, match="length"):
        unit_confusions(y, pred[:-1], units, [1, 2, 5])
