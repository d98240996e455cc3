"""Block bootstrap 95 % intervals of overall accuracy, macro-F1 and kappa.

Neighbouring test pixels are not independent samples: a pixel bootstrap would give intervals far too
narrow. Here the resampling unit is the spatial unit that went whole to the test side (a field polygon,
a polygon's piece in one block, or a block; see engine/data/splits.py): units are drawn with
replacement, their confusion matrices summed, and the metrics of each resampled matrix computed by
engine/accuracy/metrics.py (the one metrics module). The interval is the percentile interval of the
replicates.
"""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np

from .metrics import confusion_matrix, report_from_matrix

METRICS = ("overall_accuracy", "macro_f1", "kappa")


def unit_confusions(y_true, y_pred, units, class_ids: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """Confusion matrix (rows = reference, columns = map) of each unit -> ``(unit_ids, matrices (U, K, K))``."""
    y_true, y_pred, units = np.asarray(y_true).ravel(), np.asarray(y_pred).ravel(), np.asarray(units).ravel()
    if not (y_true.size == y_pred.size == units.size):
        raise ValueError(f"y_true, y_pred and units differ in length: {y_true.size}, {y_pred.size}, {units.size}")
    ids = [int(c) for c in class_ids]
    unit_ids, index = np.unique(units, return_inverse=True)
    order = np.argsort(index, kind="stable")
    bounds = np.searchsorted(index[order], np.arange(unit_ids.size + 1))
    matrices = np.zeros((unit_ids.size, len(ids), len(ids)), np.int64)
    for u in range(unit_ids.size):
        sel = order[bounds[u]:bounds[u + 1]]
        matrices[u] = confusion_matrix(y_true[sel], y_pred[sel], ids)
    return unit_ids, matrices


def metrics_of(matrix: np.ndarray, class_ids: Sequence[int]) -> dict[str, float]:
    """OA, macro-F1 and kappa of one confusion matrix, by metrics.report_from_matrix."""
    report = report_from_matrix(matrix, class_ids)
    return {"overall_accuracy": report.overall_accuracy, "macro_f1": report.macro_f1, "kappa": report.kappa}


def block_bootstrap(y_true, y_pred, units, class_ids: Sequence[int], n_boot: int = 1000, seed: int = 0,
                    level: float = 0.95) -> dict:
    """Point estimates and block-bootstrap percentile intervals of OA / macro-F1 / kappa.

    ``units``: the spatial unit of each test pixel (resampled whole). Returns
    ``{"overall_accuracy": {"value": v, "ci95": [lo, hi]}, "macro_f1": ..., "kappa": ..., "n_units": U,
    "n_boot": B, "method": ...}``; with fewer than 2 units the intervals are ``None`` (nothing to resample).
    """
    ids = [int(c) for c in class_ids]
    unit_ids, matrices = unit_confusions(y_true, y_pred, units, ids)
    point = metrics_of(matrices.sum(axis=0), ids)
    replicates: dict[str, list[float]] = {name: [] for name in METRICS}
    if unit_ids.size >= 2:
        rng = np.random.default_rng(seed)
        for _ in range(n_boot):
            draw = rng.integers(0, unit_ids.size, unit_ids.size)
            values = metrics_of(matrices[draw].sum(axis=0), ids)
            for name in METRICS:
                replicates[name].append(values[name])
    tail = (1.0 - level) / 2.0
    out: dict = {"method": f"block bootstrap over the test side's spatial units (polygons / blocks), "
                           f"{n_boot} replicates, percentile interval",
                 "level": level, "n_units": int(unit_ids.size), "n_boot": int(n_boot)}
    for name in METRICS:
        values = np.asarray(replicates[name], np.float64)
        values = values[np.isfinite(values)]
        ci = [float(np.quantile(values, tail)), float(np.quantile(values, 1.0 - tail))] if values.size else None
        out[name] = {"value": _finite(point[name]), "ci95": ci}
    return out


def _finite(value) -> Optional[float]:
    value = float(value)
    return value if np.isfinite(value) else None
