"""Accuracy metrics for a classification map: confusion matrix, OA, kappa, UA / PA / F1, and
area-adjusted estimates after Olofsson et al. (2014).

Pure numpy, no GDAL: validation.py turns rasters into the two label vectors this module compares.

Orientation used everywhere in this project: **rows = reference (field data), columns = map**.
So for class k, the producer's accuracy (recall) is read along row k and the user's accuracy
(precision) along column k. (Olofsson et al. print their sample matrix the other way round,
rows = map; the code below indexes explicitly so nobody has to transpose in their head.)

Not-available values (a class absent from the reference, a map class without samples, kappa when
both maps hold a single class) are NaN, with a sentence in ``AccuracyReport.notes``; nothing here
raises ZeroDivisionError. ``to_dict`` turns NaN into ``None`` so the result is valid JSON.

Reference: Olofsson, P., Foody, G. M., Herold, M., Stehman, S. V., Woodcock, C. E., Wulder, M. A.
(2014). Good practices for estimating area and assessing accuracy of land change. Remote Sensing
of Environment 148, 42-57. Equations (2)-(11) there; section 5 is the worked example that
tests/engine/test_metrics.py reproduces.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np

Z_95 = 1.96  # two-sided 95 % normal quantile used by Olofsson et al. for the confidence intervals

MATRIX_ORIENTATION = "rows = reference (field data), columns = map"


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, class_ids: Sequence[int]) -> np.ndarray:
    """Count matrix ``m[r, c]`` = number of samples with reference ``class_ids[r]`` and map ``class_ids[c]``.

    Rows = reference (``y_true``), columns = map (``y_pred``), both in the order of ``class_ids``.
    Samples whose reference or map value is not in ``class_ids`` are left out (that is how the
    caller drops unlabelled / no-data values). Returns int64 ``(K, K)``.
    """
    y_true = np.asarray(y_true).ravel()
    y_pred = np.asarray(y_pred).ravel()
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true and y_pred differ in length: {y_true.size} vs {y_pred.size}")
    ids = np.asarray(list(class_ids), dtype=np.int64)
    k = ids.size
    if k == 0:
        return np.zeros((0, 0), dtype=np.int64)
    if np.unique(ids).size != k:
        raise ValueError(f"class_ids must be unique, got {list(ids)}")
    # Map arbitrary (non-contiguous) ids to 0..K-1 through a sorted lookup, vectorised.
    order = np.argsort(ids)
    sorted_ids = ids[order]
    rows = _positions(y_true, sorted_ids, order)
    cols = _positions(y_pred, sorted_ids, order)
    keep = (rows >= 0) & (cols >= 0)
    flat = rows[keep] * k + cols[keep]
    return np.bincount(flat, minlength=k * k).reshape(k, k).astype(np.int64)


def _positions(values: np.ndarray, sorted_ids: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Index of each value in the caller's class_ids order, -1 where the value is not a class."""
    values = values.astype(np.int64, copy=False)
    where = np.clip(np.searchsorted(sorted_ids, values), 0, sorted_ids.size - 1)
    found = sorted_ids[where] == values
    return np.where(found, order[where], -1)


def _safe_div(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    num = np.asarray(num, dtype=np.float64)
    den = np.asarray(den, dtype=np.float64)
    out = np.full(np.broadcast(num, den).shape, np.nan)
    np.divide(num, den, out=out, where=den != 0)
    return out


def _json_float(value) -> float | None:
    value = float(value)
    return None if math.isnan(value) or math.isinf(value) else value


def _json_list(values) -> list:
    return [_json_float(v) for v in np.asarray(values, dtype=np.float64).ravel()]


@dataclass
class AreaEstimate:
    """Area-adjusted estimates (stratified estimator, map classes = strata), Olofsson et al. 2014.

    All arrays are per class, in ``class_ids`` order. Areas are in ``area_unit`` (ha when the map's
    pixel size is known, else pixels). Proportions are of the total mapped area. ``*_ci95`` are
    half-widths of the 95 % confidence interval (1.96 × standard error).

    Map classes with mapped area but no reference sample cannot be assessed: their area is counted
    in ``unassessed_area`` and left out of every estimate (the estimates then describe the assessed
    part of the map; a note in the report says so).
    """

    area_unit: str
    class_ids: list[int]
    mapped_area: np.ndarray
    mapped_proportion: np.ndarray  # W_i
    estimated_proportion: np.ndarray  # p_.j = sum_i W_i n_ij / n_i.
    proportion_se: np.ndarray
    estimated_area: np.ndarray
    area_se: np.ndarray
    area_ci95: np.ndarray
    users_accuracy: np.ndarray
    users_accuracy_ci95: np.ndarray
    producers_accuracy: np.ndarray
    producers_accuracy_ci95: np.ndarray
    overall_accuracy: float
    overall_accuracy_ci95: float
    total_area: float
    unassessed_area: float

    @property
    def area_ci95_low(self) -> np.ndarray:
        """Lower end of each class's 95 % area interval."""
        return self.estimated_area - self.area_ci95

    @property
    def area_ci95_high(self) -> np.ndarray:
        """Upper end of each class's 95 % area interval."""
        return self.estimated_area + self.area_ci95

    def to_dict(self) -> dict:
        """JSON-able (NaN -> None, numpy -> built-ins)."""
        return {
            "method": "Olofsson et al. 2014, stratified estimator with the map classes as strata",
            "area_unit": self.area_unit,
            "class_ids": [int(c) for c in self.class_ids],
            "mapped_area": _json_list(self.mapped_area),
            "mapped_proportion": _json_list(self.mapped_proportion),
            "estimated_proportion": _json_list(self.estimated_proportion),
            "proportion_se": _json_list(self.proportion_se),
            "estimated_area": _json_list(self.estimated_area),
            "area_se": _json_list(self.area_se),
            "area_ci95": _json_list(self.area_ci95),
            "users_accuracy": _json_list(self.users_accuracy),
            "users_accuracy_ci95": _json_list(self.users_accuracy_ci95),
            "producers_accuracy": _json_list(self.producers_accuracy),
            "producers_accuracy_ci95": _json_list(self.producers_accuracy_ci95),
            "overall_accuracy": _json_float(self.overall_accuracy),
            "overall_accuracy_ci95": _json_float(self.overall_accuracy_ci95),
            "total_area": _json_float(self.total_area),
            "unassessed_area": _json_float(self.unassessed_area),
        }


@dataclass
class AccuracyReport:
    """Everything an accuracy assessment reports. ``matrix`` rows = reference, columns = map.

    Per-class arrays follow ``class_ids``. ``support`` = reference samples of the class (row sum),
    ``map_count`` = samples the map puts in the class (column sum). F1 is 0 where a class occurs in
    reference or map but is never right, NaN where it occurs in neither; ``macro_f1`` averages the
    non-NaN F1 values.
    """

    class_ids: list[int]
    class_names: dict[int, str]
    matrix: np.ndarray
    n_samples: int
    overall_accuracy: float
    kappa: float
    macro_f1: float
    producers_accuracy: np.ndarray
    users_accuracy: np.ndarray
    f1: np.ndarray
    support: np.ndarray
    map_count: np.ndarray
    area_adjusted: AreaEstimate | None = None
    notes: list[str] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)  # e.g. classification / field data paths
    class_colors: dict[int, str] = field(default_factory=dict)  # "#rrggbb", from the map's colour table

    def name_of(self, class_id: int) -> str:
        """The class's name, or "class <id>" for an id without one."""
        return self.class_names.get(int(class_id), f"class {int(class_id)}")

    def to_dict(self) -> dict:
        """JSON-able (NaN -> None, numpy -> built-ins)."""
        per_class = []
        for k, cid in enumerate(self.class_ids):
            per_class.append({
                "id": int(cid),
                "name": self.name_of(cid),
                "support": int(self.support[k]),
                "map_count": int(self.map_count[k]),
                "producers_accuracy": _json_float(self.producers_accuracy[k]),
                "users_accuracy": _json_float(self.users_accuracy[k]),
                "f1": _json_float(self.f1[k]),
            })
        return {
            "matrix_orientation": MATRIX_ORIENTATION,
            "class_ids": [int(c) for c in self.class_ids],
            "class_names": [self.name_of(c) for c in self.class_ids],
            "confusion_matrix": [[int(v) for v in row] for row in np.asarray(self.matrix)],
            "n_samples": int(self.n_samples),
            "overall_accuracy": _json_float(self.overall_accuracy),
            "kappa": _json_float(self.kappa),
            "macro_f1": _json_float(self.macro_f1),
            "per_class": per_class,
            "area_adjusted": None if self.area_adjusted is None else self.area_adjusted.to_dict(),
            "notes": list(self.notes),
            "sources": dict(self.sources),
            "class_colors": {str(int(k)): v for k, v in self.class_colors.items()},
        }


def report_from_dict(data: Mapping) -> AccuracyReport:
    """Inverse of ``AccuracyReport.to_dict`` (e.g. a report stored in a model file): everything is
    recomputed from the confusion matrix and the mapped areas, notes and sources are taken as stored."""
    ids = [int(c) for c in data["class_ids"]]
    area = data.get("area_adjusted")
    mapped_area = None
    if area:
        mapped_area = {cid: float(a or 0.0) for cid, a in zip(area["class_ids"], area["mapped_area"])}
    report = report_from_matrix(data["confusion_matrix"], ids, list(data["class_names"]), mapped_area,
                                area["area_unit"] if area else "pixels")
    report.notes = list(data.get("notes", []))
    report.sources = dict(data.get("sources", {}))
    report.class_colors = {int(k): v for k, v in data.get("class_colors", {}).items()}
    return report


def accuracy_report(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    class_ids: Sequence[int],
    class_names: Mapping[int, str] | Sequence[str] | None = None,
    mapped_area: Mapping[int, float] | None = None,
    area_unit: str = "pixels",
) -> AccuracyReport:
    """Compare reference labels ``y_true`` with map labels ``y_pred`` (1-D, same length).

    ``class_names``: dict id -> name, or a list aligned with ``class_ids``. ``mapped_area``: area
    of each *map* class over the whole map (any unit, named by ``area_unit``); when given, the
    report carries area-adjusted estimates (Olofsson et al. 2014), which assume the reference
    samples are a random sample within each map class.
    """
    ids = [int(c) for c in class_ids]
    matrix = confusion_matrix(y_true, y_pred, ids)
    return report_from_matrix(matrix, ids, class_names, mapped_area, area_unit)


def report_from_matrix(
    matrix: np.ndarray,
    class_ids: Sequence[int],
    class_names: Mapping[int, str] | Sequence[str] | None = None,
    mapped_area: Mapping[int, float] | None = None,
    area_unit: str = "pixels",
) -> AccuracyReport:
    """Same as ``accuracy_report`` from an already counted matrix (rows = reference, columns = map)."""
    ids = [int(c) for c in class_ids]
    m = np.asarray(matrix, dtype=np.int64)
    k = len(ids)
    if m.shape != (k, k):
        raise ValueError(f"matrix must be {k}x{k} for {k} classes, got {m.shape}")
    names = _names_dict(ids, class_names)
    notes: list[str] = []

    n = int(m.sum())
    support = m.sum(axis=1)  # reference totals
    map_count = m.sum(axis=0)  # map totals
    diag = np.diag(m).astype(np.float64)
    if n == 0:
        notes.append("No sample where both reference and map have a class: nothing to assess.")
    overall = float(diag.sum() / n) if n else math.nan

    # Cohen's kappa: agreement beyond what the two marginal distributions give by chance.
    kappa = math.nan
    if n:
        chance = float((support.astype(np.float64) * map_count).sum() / float(n) ** 2)
        if chance < 1.0:
            kappa = (overall - chance) / (1.0 - chance)
        else:
            notes.append("Kappa is undefined: reference and map both hold a single class.")

    producers = _safe_div(diag, support)
    users = _safe_div(diag, map_count)
    f1 = _safe_div(2.0 * diag, support + map_count)  # = 2 UA PA / (UA + PA), and 0 when never right
    for cid, s, c in zip(ids, support, map_count):
        if s == 0 and c > 0:
            notes.append(f"{names[cid]} ({cid}) is mapped but absent from the reference: "
                         "its producer's accuracy is not available.")
        elif c == 0 and s > 0:
            notes.append(f"{names[cid]} ({cid}) is in the reference but never mapped: "
                         "its user's accuracy is not available.")
    present = ~np.isnan(f1)
    macro_f1 = float(f1[present].mean()) if present.any() else math.nan

    area = None
    if mapped_area is not None:
        area = _olofsson(m, ids, names, mapped_area, area_unit, notes)

    return AccuracyReport(
        class_ids=ids, class_names=names, matrix=m, n_samples=n, overall_accuracy=overall,
        kappa=kappa, macro_f1=macro_f1, producers_accuracy=producers, users_accuracy=users, f1=f1,
        support=support, map_count=map_count, area_adjusted=area, notes=notes,
    )


def _names_dict(ids: list[int], class_names) -> dict[int, str]:
    if class_names is None:
        return {cid: f"class {cid}" for cid in ids}
    if isinstance(class_names, Mapping):
        return {cid: str(class_names.get(cid, f"class {cid}")) for cid in ids}
    names = list(class_names)
    if len(names) != len(ids):
        raise ValueError(f"{len(names)} class names for {len(ids)} class ids")
    return {cid: str(name) for cid, name in zip(ids, names)}


def _olofsson(m: np.ndarray, ids: list[int], names: dict[int, str], mapped_area: Mapping[int, float],
              area_unit: str, notes: list[str]) -> AreaEstimate:
    """Stratified estimators of Olofsson et al. 2014, eq. (2)-(11), map classes as strata.

    Their notation indexes the sample matrix [map i, reference j]; here that is ``m.T``.
    """
    n_ij = m.T.astype(np.float64)  # [map stratum i, reference class j]
    n_i = n_ij.sum(axis=1)  # samples per map class
    area_i = np.array([float(mapped_area.get(cid, 0.0)) for cid in ids], dtype=np.float64)
    if np.any(area_i < 0) or not np.all(np.isfinite(area_i)):
        raise ValueError("mapped areas must be finite and non-negative")
    unknown = sorted(set(int(c) for c in mapped_area) - set(ids))
    if unknown:
        notes.append(f"Mapped area given for ids {unknown} that are not among the assessed classes: ignored.")
    total = float(area_i.sum())
    if total <= 0:
        notes.append("Area-adjusted estimates are not available: the map has no classified area.")
        nan = np.full(len(ids), np.nan)
        return AreaEstimate(area_unit, ids, area_i, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan,
                            math.nan, math.nan, total, total)
    w_i = area_i / total

    sampled = n_i > 0
    for k in np.flatnonzero(~sampled & (area_i > 0)):
        notes.append(f"Map class {names[ids[k]]} ({ids[k]}) covers {area_i[k]:.6g} {area_unit} but has no "
                     "reference sample: that area is left out of the area-adjusted estimates.")
    for k in np.flatnonzero(sampled & (area_i == 0)):
        notes.append(f"Map class {names[ids[k]]} ({ids[k]}) has reference samples but no mapped area: "
                     "it carries no weight in the area-adjusted estimates.")
    single = sampled & (n_i == 1) & (area_i > 0)
    if single.any():
        listed = ", ".join(f"{names[ids[k]]} ({ids[k]})" for k in np.flatnonzero(single))
        notes.append(f"Map class(es) {listed} have a single reference sample: standard errors and "
                     "confidence intervals cannot be estimated (shown as not available).")

    # Estimated cell proportions p_ij = W_i n_ij / n_i. (eq. 4); unsampled strata contribute nothing.
    row_share = np.where(sampled[:, None], _safe_div(n_ij, n_i[:, None]), 0.0)
    p_ij = w_i[:, None] * row_share
    p_j = p_ij.sum(axis=0)  # estimated proportion of each reference class (eq. 9)
    assessed_w = float(w_i[sampled].sum())
    unassessed = float(area_i[~sampled].sum())

    # Variance terms, one per stratum; n_i. = 1 makes them 0/0 -> NaN, which propagates honestly.
    with np.errstate(divide="ignore", invalid="ignore"):
        dof = np.where(sampled, n_i - 1.0, np.nan)
        cell_var = row_share * (1.0 - row_share) / dof[:, None]  # [i, j]
        cell_var = np.where(sampled[:, None], cell_var, 0.0)
        weighted = np.where((w_i > 0)[:, None], w_i[:, None] ** 2 * cell_var, 0.0)  # zero weight: no NaN
        proportion_se = np.sqrt(weighted.sum(axis=0))  # eq. (10)

        users = np.where(sampled, np.diag(row_share), np.nan)  # eq. (2)
        users_var = users * (1.0 - users) / dof  # eq. (6)
        overall = float(np.trace(p_ij) / assessed_w) if assessed_w > 0 else math.nan  # eq. (1)
        overall_var = float(np.nansum(np.where(sampled, w_i ** 2 * users_var, 0.0)))  # eq. (5)
        if np.any(np.isnan(users_var[sampled & (w_i > 0)])):
            overall_var = math.nan
        if assessed_w > 0:
            overall_var /= assessed_w ** 2
        producers = _safe_div(np.diag(p_ij), p_j)  # eq. (3)

        # Producer's accuracy variance, eq. (7), with N in area units (the scale cancels).
        producers_var = np.full(len(ids), np.nan)
        ref_total = (area_i[:, None] * row_share).sum(axis=0)  # estimated N_.j
        for j in range(len(ids)):
            if ref_total[j] <= 0:
                continue
            own = 0.0
            if sampled[j]:
                own = area_i[j] ** 2 * (1.0 - producers[j]) ** 2 * users_var[j]
            others = [area_i[i] ** 2 * cell_var[i, j] for i in range(len(ids))
                      if i != j and sampled[i] and area_i[i] > 0]
            producers_var[j] = (own + producers[j] ** 2 * float(np.sum(others))) / ref_total[j] ** 2

    return AreaEstimate(
        area_unit=area_unit,
        class_ids=ids,
        mapped_area=area_i,
        mapped_proportion=w_i,
        estimated_proportion=p_j,
        proportion_se=proportion_se,
        estimated_area=p_j * total,  # eq. (11)
        area_se=proportion_se * total,
        area_ci95=Z_95 * proportion_se * total,
        users_accuracy=users,
        users_accuracy_ci95=Z_95 * np.sqrt(users_var),
        producers_accuracy=producers,
        producers_accuracy_ci95=Z_95 * np.sqrt(producers_var),
        overall_accuracy=overall,
        overall_accuracy_ci95=Z_95 * math.sqrt(overall_var) if not math.isnan(overall_var) else math.nan,
        total_area=total,
        unassessed_area=unassessed,
    )
