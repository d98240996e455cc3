"""Accuracy metrics: hand-checked values and the worked example of Olofsson et al. (2014)."""
import json
import math

import numpy as np
import pytest

from land_cover_xai_plugin.engine.accuracy.metrics import (
    MATRIX_ORIENTATION,
    accuracy_report,
    confusion_matrix,
    report_from_matrix,
)


def samples_from_matrix(matrix, class_ids):
    """Reference / map vectors whose confusion matrix (rows = reference) is ``matrix``."""
    ref, mapped = [], []
    for r, ref_id in enumerate(class_ids):
        for c, map_id in enumerate(class_ids):
            ref += [ref_id] * int(matrix[r][c])
            mapped += [map_id] * int(matrix[r][c])
    return np.array(ref), np.array(mapped)


def test_confusion_matrix_rows_are_reference_and_ids_need_not_be_contiguous():
    y_true = np.array([1, 1, 8, 8, 8, 3, 0, 1])
    y_pred = np.array([1, 8, 8, 8, 3, 3, 1, 99])  # 0 and 99 are not classes: those pairs are dropped
    m = confusion_matrix(y_true, y_pred, [8, 1, 3])  # caller's order, not sorted
    assert m.tolist() == [[2, 0, 1],   # reference 8
                          [1, 1, 0],   # reference 1
                          [0, 0, 1]]   # reference 3
    assert "rows = reference" in MATRIX_ORIENTATION


def test_kappa_ua_pa_f1_against_hand_computation():
    # rows = reference: class 1 -> 20 right, 5 mapped as 2; class 2 -> 10 mapped as 1, 15 right
    y_true, y_pred = samples_from_matrix([[20, 5], [10, 15]], [1, 2])
    rep = accuracy_report(y_true, y_pred, [1, 2], {1: "crop", 2: "forest"})
    assert rep.n_samples == 50
    assert rep.overall_accuracy == pytest.approx(0.7)
    # chance agreement = (25*30 + 25*20) / 50^2 = 0.5 -> kappa = (0.7 - 0.5) / (1 - 0.5)
    assert rep.kappa == pytest.approx(0.4)
    assert rep.producers_accuracy == pytest.approx([20 / 25, 15 / 25])  # along rows (recall)
    assert rep.users_accuracy == pytest.approx([20 / 30, 15 / 20])  # along columns (precision)
    f1_crop = 2 * (0.8 * 2 / 3) / (0.8 + 2 / 3)
    assert rep.f1[0] == pytest.approx(f1_crop)
    assert rep.macro_f1 == pytest.approx((f1_crop + 2 * 0.6 * 0.75 / 1.35) / 2)
    assert rep.support.tolist() == [25, 25]
    assert rep.map_count.tolist() == [30, 20]


def test_perfect_map():
    y = np.array([1, 1, 2, 2, 5, 5, 5])
    rep = accuracy_report(y, y, [1, 2, 5], None, mapped_area={1: 10.0, 2: 20.0, 5: 30.0})
    assert rep.overall_accuracy == 1.0 and rep.kappa == 1.0 and rep.macro_f1 == 1.0
    assert np.all(rep.users_accuracy == 1.0) and np.all(rep.producers_accuracy == 1.0)
    area = rep.area_adjusted
    assert area.overall_accuracy == pytest.approx(1.0)
    assert area.estimated_area == pytest.approx([10.0, 20.0, 30.0])
    assert area.area_ci95 == pytest.approx([0.0, 0.0, 0.0])
    assert rep.notes == []


def test_all_wrong_map():
    y_true = np.array([1, 1, 2, 2])
    y_pred = np.array([2, 2, 1, 1])
    rep = accuracy_report(y_true, y_pred, [1, 2], ["a", "b"])
    assert rep.overall_accuracy == 0.0
    assert rep.kappa == pytest.approx(-1.0)
    assert rep.f1.tolist() == [0.0, 0.0] and rep.macro_f1 == 0.0


def test_absent_classes_give_nan_with_notes_not_errors():
    # class 3 is in the reference but never mapped; class 4 is mapped but never in the reference;
    # class 9 occurs nowhere.
    y_true = np.array([1, 1, 3, 3, 1])
    y_pred = np.array([1, 1, 1, 1, 4])
    rep = accuracy_report(y_true, y_pred, [1, 3, 4, 9], None, mapped_area={1: 50, 4: 5})
    k = {cid: i for i, cid in enumerate(rep.class_ids)}
    assert math.isnan(rep.users_accuracy[k[3]]) and rep.producers_accuracy[k[3]] == 0.0
    assert math.isnan(rep.producers_accuracy[k[4]]) and rep.users_accuracy[k[4]] == 0.0
    assert math.isnan(rep.f1[k[9]])  # absent everywhere: left out of macro-F1
    assert rep.macro_f1 == pytest.approx(np.mean([rep.f1[k[1]], 0.0, 0.0]))
    assert any("never mapped" in n for n in rep.notes)
    assert any("absent from the reference" in n for n in rep.notes)
    # map class 4 has a single sample: its standard errors are not available, and said so
    assert any("single reference sample" in n for n in rep.notes)
    json.dumps(rep.to_dict(), allow_nan=False)  # NaN became null


def test_empty_and_single_class_inputs():
    rep = accuracy_report(np.array([], int), np.array([], int), [1, 2], None)
    assert rep.n_samples == 0 and math.isnan(rep.overall_accuracy) and math.isnan(rep.kappa)
    rep = accuracy_report(np.array([2, 2]), np.array([2, 2]), [2], None)
    assert rep.overall_accuracy == 1.0 and math.isnan(rep.kappa)
    assert any("Kappa is undefined" in n for n in rep.notes)


def test_unsampled_map_class_is_reported_as_unassessed_area():
    y_true, y_pred = samples_from_matrix([[8, 2], [1, 9]], [1, 2])
    rep = accuracy_report(y_true, y_pred, [1, 2, 3], None, mapped_area={1: 40.0, 2: 50.0, 3: 10.0})
    area = rep.area_adjusted
    assert area.unassessed_area == pytest.approx(10.0)
    assert area.estimated_area.sum() == pytest.approx(90.0)  # only the assessed strata
    assert math.isnan(area.users_accuracy[2])
    assert any("no reference sample" in n for n in rep.notes)


# Olofsson et al. 2014, section 5 (Tables 8-10). Their Table 8 prints rows = map classes:
#   map deforestation   66  0   5   4  (n = 75)     mapped 200 000 px
#   map forest gain      0 55   8  12  (n = 75)     mapped 150 000 px
#   map stable forest    1  0 153  11  (n = 165)    mapped 3 200 000 px
#   map stable non-for.  2  1   9 313  (n = 325)    mapped 6 450 000 px
# Below it is written in this project's orientation, rows = reference (the transpose).
OLOFSSON_IDS = [1, 2, 3, 4]
OLOFSSON_NAMES = {1: "deforestation", 2: "forest gain", 3: "stable forest", 4: "stable non-forest"}
OLOFSSON_REF_ROWS = [[66, 0, 1, 2],
                     [0, 55, 0, 1],
                     [5, 8, 153, 9],
                     [4, 12, 11, 313]]
OLOFSSON_MAPPED_PIXELS = {1: 200_000, 2: 150_000, 3: 3_200_000, 4: 6_450_000}
PIXEL_HA = 0.09  # 30 m Landsat pixels


def test_olofsson_2014_worked_example():
    y_true, y_pred = samples_from_matrix(OLOFSSON_REF_ROWS, OLOFSSON_IDS)
    mapped_ha = {cid: px * PIXEL_HA for cid, px in OLOFSSON_MAPPED_PIXELS.items()}
    rep = accuracy_report(y_true, y_pred, OLOFSSON_IDS, OLOFSSON_NAMES, mapped_area=mapped_ha, area_unit="ha")
    assert rep.matrix.T[0].tolist() == [66, 0, 5, 4]  # map row "deforestation" of their Table 8
    area = rep.area_adjusted
    # Published (section 5): OA 0.95 ± 0.02, deforestation UA 0.88 ± 0.07, PA 0.75 ± 0.21,
    # deforestation area 21 158 ± 6 158 ha (= 235 086 px); stable forest 285 770 ± 15 510 ha.
    assert area.overall_accuracy == pytest.approx(0.9465, abs=5e-4)
    assert area.overall_accuracy_ci95 == pytest.approx(0.0185, abs=5e-4)
    assert area.users_accuracy == pytest.approx([0.88, 0.7333, 0.9273, 0.9631], abs=5e-4)
    assert area.users_accuracy_ci95 == pytest.approx([0.0740, 0.1008, 0.0397, 0.0205], abs=5e-4)
    assert area.producers_accuracy == pytest.approx([0.7487, 0.8472, 0.9345, 0.9616], abs=5e-4)
    assert area.producers_accuracy_ci95 == pytest.approx([0.2133, 0.2544, 0.0343, 0.0184], abs=5e-4)
    assert area.estimated_area == pytest.approx([21_158, 11_686, 285_770, 581_386], abs=1.0)
    assert area.area_ci95 == pytest.approx([6_158, 3_756, 15_510, 16_281], abs=1.0)
    assert area.estimated_area[0] / PIXEL_HA == pytest.approx(235_086, abs=1.0)
    assert area.estimated_proportion.sum() == pytest.approx(1.0)
    assert area.total_area == pytest.approx(10_000_000 * PIXEL_HA)
    # Sample-count (not area-weighted) figures for comparison: the sample over-represents change.
    assert rep.overall_accuracy == pytest.approx((66 + 55 + 153 + 313) / 640)
    assert rep.notes == []


def test_report_from_matrix_equals_accuracy_report_and_to_dict_is_json():
    y_true, y_pred = samples_from_matrix(OLOFSSON_REF_ROWS, OLOFSSON_IDS)
    a = accuracy_report(y_true, y_pred, OLOFSSON_IDS, OLOFSSON_NAMES, OLOFSSON_MAPPED_PIXELS)
    b = report_from_matrix(OLOFSSON_REF_ROWS, OLOFSSON_IDS, OLOFSSON_NAMES, OLOFSSON_MAPPED_PIXELS)
    assert a.to_dict() == b.to_dict()
    d = json.loads(json.dumps(a.to_dict(), allow_nan=False))
    assert d["confusion_matrix"] == OLOFSSON_REF_ROWS
    assert d["per_class"][0]["name"] == "deforestation"
    assert d["area_adjusted"]["estimated_area"][0] == pytest.approx(235_086, abs=1.0)


def test_zero_mapped_area_and_bad_input():
    y = np.array([1, 1, 2, 2])
    rep = accuracy_report(y, y, [1, 2], None, mapped_area={1: 0.0, 2: 0.0})
    assert math.isnan(rep.area_adjusted.overall_accuracy)
    assert any("no classified area" in n for n in rep.notes)
    json.dumps(rep.to_dict(), allow_nan=False)
    with pytest.raises(ValueError):
        confusion_matrix(np.array([1, 2]), np.array([1]), [1, 2])
    with pytest.raises(ValueError):
        confusion_matrix(np.array([1]), np.array([1]), [1, 1])


def test_report_from_dict_round_trips():
    from land_cover_xai_plugin.engine.accuracy.metrics import report_from_dict

    y_true, y_pred = samples_from_matrix(OLOFSSON_REF_ROWS, OLOFSSON_IDS)
    report = accuracy_report(y_true, y_pred, OLOFSSON_IDS, OLOFSSON_NAMES, OLOFSSON_MAPPED_PIXELS)
    report.sources = {"classification": "map.tif"}
    report.class_colors = {1: "#ff0000"}
    stored = json.loads(json.dumps(report.to_dict()))
    assert report_from_dict(stored).to_dict() == report.to_dict()
