"""The product's jobs, as the CLI, the Processing algorithms and the dock all run them.

Each front end fills a job dataclass and calls run_*(); the sequencing (open, check, rasterise,
train, save) lives here once, not three times.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional, Sequence

from .errors import LabelsError

ProgressFn = Optional[Callable[..., None]]
CancelFn = Optional[Callable[[], bool]]


@dataclass
class TrainJob:
    stack_paths: Sequence[str]
    labels_path: str                      # a label raster on the stack grid, or field data (vector)
    out_model: str
    class_field: Optional[str] = None     # required for field data
    name_field: Optional[str] = None      # optional field with class names beside numeric ids
    layer: Optional[str] = None           # layer name inside a multi-layer vector file
    report_path: Optional[str] = None     # JSON training report
    class_names_path: Optional[str] = None  # CSV "id,name" that names (or renames) the classes
    config: object = None                 # training.TrainConfig (default when None)


@dataclass
class ValidateJob:
    classification_path: str
    field_data_path: str
    class_field: str
    layer: Optional[str] = None
    name_field: Optional[str] = None
    csv_path: Optional[str] = None
    html_path: Optional[str] = None


def is_vector(path: str) -> bool:
    """True when GDAL opens the path as vector data (points / polygons), False for a raster."""
    from osgeo import gdal

    if not os.path.exists(path):
        raise LabelsError(f"Labels / field data not found: {path}. Check the path.")
    dataset = gdal.OpenEx(str(path), gdal.OF_VECTOR)
    if dataset is not None and dataset.GetLayerCount() > 0:
        return True
    dataset = gdal.OpenEx(str(path), gdal.OF_RASTER)
    if dataset is not None:
        return False
    raise LabelsError(
        f"{path} is neither a raster nor a vector file GDAL can read. Give a label raster on the stack's grid, "
        "or field data (GeoPackage, Shapefile, GeoJSON ...) with a class field."
    )


def load_training_labels(job: TrainJob, grid):
    """Label array on the stack grid from a label raster or from field data."""
    from .io.labels import rasterize_field_data, read_label_raster

    if is_vector(job.labels_path):
        if not job.class_field:
            raise LabelsError(
                f"{job.labels_path} is field data: say which field holds the class (--class-field NAME)."
            )
        return rasterize_field_data(job.labels_path, grid, job.class_field, layer=job.layer,
                                    name_field=job.name_field)
    return read_label_raster(job.labels_path, grid)


def run_train_job(job: TrainJob, progress: ProgressFn = None, is_cancelled: CancelFn = None):
    """Open the stack, burn the labels onto its grid, train, save the model (and report). -> ModelBundle"""
    from .models.model_file import save_model
    from .io.stack import open_stack
    from .training.trainer import TrainConfig, train_model

    config = job.config or TrainConfig()
    stack = open_stack(list(job.stack_paths))
    try:
        labels = load_training_labels(job, stack.grid)
        class_names = dict(labels.class_names)
        if job.class_names_path:
            class_names.update({cid: name for cid, name in read_class_names(job.class_names_path).items()
                                if cid in class_names or not class_names})
        bundle = train_model(stack, labels.labels, class_names, config,
                             progress=progress, is_cancelled=is_cancelled)
    finally:
        stack.close()
    Path(job.out_model).parent.mkdir(parents=True, exist_ok=True)
    save_model(job.out_model, bundle)
    if job.report_path:
        write_json_atomic(job.report_path, bundle.report)
    return bundle


def read_class_names(path: str) -> dict[int, str]:
    """Class names from a CSV whose first two columns are id and name (a header row is allowed)."""
    import csv

    names: dict[int, str] = {}
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            for row in csv.reader(handle):
                if len(row) >= 2 and row[0].strip().lstrip("-").isdigit() and row[1].strip():
                    names[int(row[0])] = row[1].strip()
    except OSError as exc:
        raise LabelsError(f"Cannot read the class-name file {path}: {exc.strerror}. Check the path.") from exc
    if not names:
        raise LabelsError(f"{path} holds no 'id,name' rows. Write one class per line, e.g. '2,forest'.")
    return names


def run_validate_job(job: ValidateJob):
    """Compare a class map with field data; write CSV / HTML when asked. -> AccuracyReport"""
    from .accuracy.validation import validate_map, write_report_csv, write_report_html

    report = validate_map(job.classification_path, job.field_data_path, job.class_field,
                          layer=job.layer, name_field=job.name_field)
    if job.csv_path:
        write_report_csv(report, job.csv_path)
    if job.html_path:
        write_report_html(report, job.html_path)
    return report


def describe_path(path: str) -> dict:
    """What `info` prints: a model file's contents, or a stack's dates / bands / grid."""
    from .models.model_file import load_model
    from .io.stack import open_stack

    if str(path).endswith(".lcx"):
        return {"model": str(path), **load_model(path).describe()}
    stack = open_stack([path])
    try:
        return {"stack": str(path), **stack.describe()}
    finally:
        stack.close()


def write_json_atomic(path: str, payload: dict) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".partial")
    tmp.write_text(json.dumps(payload, indent=2, default=_json_default), encoding="utf-8")
    os.replace(tmp, path)


def _json_default(value):
    import numpy as np

    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


__all__ = ["TrainJob", "ValidateJob", "run_train_job", "run_validate_job", "describe_path", "is_vector",
           "LcxError", "field"]
