"""Validate a classification map against field data, and export the result (CSV, HTML, PNG).

``validate_map`` burns the field data (polygons or points, any CRS) onto the map's own grid, so
every labelled pixel that the map classifies is one reference sample. Pixels where the map has
no class (its no-data value; 0 when it declares none, the project's "not mapped") are left out.

The area-adjusted estimates (Olofsson et al. 2014) take the map classes as strata and assume the
reference pixels are a random sample within each map class. Field polygons drawn by hand are not
that, so read those estimates as indicative; the HTML page says so.
"""
from __future__ import annotations

import base64
import contextlib
import csv
import datetime
import html
import io
import math
import os
import re
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from ..errors import LabelsError, StackError
from ..io.outputs import OutputError
from .metrics import MATRIX_ORIENTATION, AccuracyReport, accuracy_report

CSV_SECTION_MATRIX = f"Confusion matrix ({MATRIX_ORIENTATION})"
CSV_SECTION_PER_CLASS = "Per class"
CSV_SECTION_AREA = "Area-adjusted estimates (Olofsson et al. 2014)"
CSV_SECTION_SUMMARY = "Summary"
CSV_SECTION_NOTES = "Notes"


def _same(text: str) -> str:
    return text


@dataclass(frozen=True)
class ReportTexts:
    """The words of the validation report's HTML page and figure, English by default. A front end that speaks
    another language fills it (the engine knows no Qt): plain texts, templates with ``{slots}``, and three
    translators, of a note (``note``), of a class name (``class_name``) and of a source's name or value
    (``source``). ``guide`` holds the "How to read this" items as HTML (``<b>`` allowed, the rest escaped by
    whoever translates). The CSV stays in English: it is for machines."""

    language: str = "en"
    title: str = "Accuracy assessment"
    source: str = "source"
    value: str = "value"
    metric: str = "metric"
    summary: str = "Summary"
    samples: str = "reference samples (pixels)"
    overall_accuracy: str = "overall accuracy"
    kappa: str = "Cohen's kappa (κ)"
    macro_f1: str = "macro-F1"
    area_overall_accuracy: str = "area-adjusted overall accuracy (95 % CI)"
    matrix: str = "Confusion matrix"
    matrix_caption: str = MATRIX_ORIENTATION.capitalize() + ". Pixel counts."
    corner: str = "reference \\ map"
    total: str = "total"
    per_class: str = "Per-class accuracy"
    class_id: str = "id"
    class_: str = "class"
    reference_pixels: str = "reference pixels"
    map_pixels: str = "map pixels"
    producers: str = "producer's accuracy (recall)"
    users: str = "user's accuracy (precision)"
    f1: str = "F1"
    area_title: str = "Area-adjusted estimates (Olofsson et al. 2014)"
    mapped_area: str = "mapped area ({unit})"
    estimated_area: str = "estimated area ({unit})"
    ci95: str = "95 % CI"
    users_ci: str = "user's accuracy ± 95 %"
    producers_ci: str = "producer's accuracy ± 95 %"
    unassessed: str = ("{area} {unit} of mapped area lie in classes without any reference pixel and are not "
                       "covered by these estimates.")
    notes: str = "Notes"
    how_to_read: str = "How to read this"
    guide: tuple = (
        "<b>Producer's accuracy</b> (recall): of the field-data pixels of a class, the share the map got right "
        "(read along a row). Low = the map misses that class (omission).",
        "<b>User's accuracy</b> (precision): of the pixels the map puts in a class, the share that really are "
        "that class (read down a column). Low = the map over-paints it (commission).",
        "<b>F1</b> balances the two; <b>macro-F1</b> averages it over classes, so rare classes count as much as "
        "common ones. With imbalanced classes, overall accuracy alone flatters the map: look at κ and macro-F1 "
        "too.",
        "<b>Area-adjusted estimates</b> correct the mapped area of each class for the errors seen in the "
        "reference data, weighting each map class by its share of the map (Olofsson et al. 2014, Remote Sensing "
        "of Environment 148: 42–57). They assume the reference pixels are a random sample within each map "
        "class; hand-drawn field polygons are not, and neighbouring pixels are not independent, so treat the "
        "confidence intervals as optimistic.",
    )
    not_available: str = "n/a"
    unit_pixels: str = "pixels"
    figure_map: str = "map"
    figure_reference: str = "reference (field data)"
    figure_title: str = "Confusion matrix, n = {n}, OA = {oa}"
    figure_colorbar: str = "share of the reference class (row)"
    note: Callable[[str], str] = field(default=_same, compare=False)
    class_name: Callable[[str], str] = field(default=_same, compare=False)
    source_text: Callable[[str], str] = field(default=_same, compare=False)

    def unit(self, unit: str) -> str:
        """An area unit as shown ("ha" stays, "pixels" in the report's language)."""
        return self.unit_pixels if unit == "pixels" else unit

    def name(self, report, class_id) -> str:
        """The report's name of a class, as shown."""
        return self.class_name(report.name_of(class_id))


ENGLISH = ReportTexts()


def _gdal():
    from osgeo import gdal

    gdal.UseExceptions()
    return gdal


# --- reading the map -----------------------------------------------------------------------------

class _ClassMap:
    """The classification raster, read whole (class maps are small: one byte or two per pixel)."""

    def __init__(self, path: str):
        gdal = _gdal()
        if not os.path.exists(path):
            raise StackError(f"Classification raster not found: {path}. Choose the class map file "
                             "(e.g. prediction.tif).")
        try:
            ds = gdal.Open(path)
        except RuntimeError as exc:
            raise StackError(f"Cannot open the classification raster {path} ({exc}). "
                             "Choose a single-band class map that GDAL can read, e.g. a GeoTIFF.") from exc
        if ds is None or ds.RasterCount < 1:
            raise StackError(f"{path} holds no raster band. Choose a single-band class map.")
        band = ds.GetRasterBand(1)
        values = band.ReadAsArray()
        if values.dtype.kind == "f":
            finite = np.isfinite(values)
            if np.any(values[finite] != np.round(values[finite])):
                raise StackError(f"{path} holds fractional values, not class ids: choose the class map "
                                 "(e.g. prediction.tif), not a probability or heatmap raster.")
        self.nodata = band.GetNoDataValue()
        valid = np.ones(values.shape, dtype=bool)
        if values.dtype.kind == "f":
            valid &= np.isfinite(values)
        # Without a declared no-data value, 0 means "not mapped" in this project (as in label rasters).
        valid &= values != (self.nodata if self.nodata is not None else 0)
        # Keep the file's integer type (uint8 / uint16 for this project's maps): a Sentinel-2 tile is
        # 120 M pixels, and int64 copies of it would cost ~1 GB.
        self.values = np.where(valid, values, 0)
        if self.values.dtype.kind == "f":
            self.values = self.values.astype(np.int64)
        self.valid = valid
        if not valid.any():
            raise StackError(f"{path} has no classified pixel (all no-data or 0). Choose the class map written "
                             "by a classification run.")
        self.width, self.height = ds.RasterXSize, ds.RasterYSize
        self.geotransform = tuple(ds.GetGeoTransform())
        self.crs_wkt = ds.GetProjection() or ""
        self.names, self.colors = _category_names_and_colors(band)
        from .provenance import METADATA_KEY, parse_metadata

        self.training = parse_metadata(ds.GetMetadataItem(METADATA_KEY))  # what the model was trained on
        ds = None

    def mapped_area(self) -> tuple[dict[int, float], str, str]:
        """Area of each map class: (areas, unit, how it was computed).

        Projected CRS: pixel count × pixel area, in ha. Geographic CRS (north-up): each row's cell
        area on the authalic sphere, in ha (cells shrink towards the poles). Otherwise: pixels.
        """
        gt = self.geotransform
        srs = None
        if self.crs_wkt:
            from osgeo import osr

            srs = osr.SpatialReference()
            if srs.ImportFromWkt(self.crs_wkt) != 0:
                srs = None
        if srs is not None and srs.IsProjected():
            metres = srs.GetLinearUnits()
            pixel_ha = abs(gt[1] * gt[5] - gt[2] * gt[4]) * metres * metres / 10_000.0
            return ({cid: n * pixel_ha for cid, n in self._weighted_counts(None).items()}, "ha",
                    f"{pixel_ha:.6g} ha per pixel")
        if srs is not None and srs.IsGeographic() and gt[2] == 0 and gt[4] == 0:
            to_rad = srs.GetAngularUnits()  # radians per CRS unit
            flattening = 1.0 / srs.GetInvFlattening() if srs.GetInvFlattening() else 0.0
            e2 = 2 * flattening - flattening ** 2
            radius = srs.GetSemiMajor() * (1 - e2 / 6 - 17 * e2 ** 2 / 360)  # authalic: equal-area sphere
            top = (gt[3] + np.arange(self.height) * gt[5]) * to_rad
            bottom = top + gt[5] * to_rad
            row_m2 = radius ** 2 * abs(gt[1] * to_rad) * np.abs(np.sin(top) - np.sin(bottom))
            return (self._weighted_counts(row_m2 / 10_000.0), "ha",
                    "cell area per row on the authalic sphere (geographic CRS)")
        return {cid: float(n) for cid, n in self._weighted_counts(None).items()}, "pixels", "1 pixel"

    def _weighted_counts(self, row_weight: np.ndarray | None) -> dict[int, float]:
        """Per class: pixel count, or sum of each pixel's row weight. Row chunks bound the memory."""
        totals: dict[int, float] = {}
        for r0 in range(0, self.height, 512):
            values = self.values[r0:r0 + 512]
            valid = self.valid[r0:r0 + 512]
            ids = values[valid].astype(np.int64, copy=False)
            if ids.size == 0:
                continue
            weights = None
            if row_weight is not None:
                weights = np.broadcast_to(row_weight[r0:r0 + 512, None], values.shape)[valid]
            if ids.min() >= 0 and ids.max() < 1 << 20:  # bincount: linear time, no sort
                sums = np.bincount(ids, weights=weights)
                present = np.flatnonzero(np.bincount(ids))
            else:
                present, inverse = np.unique(ids, return_inverse=True)
                sums = np.zeros(present.size)
                np.add.at(sums, inverse, 1.0 if weights is None else weights)
                sums = dict(zip(present, sums))
            for cid in present:
                totals[int(cid)] = totals.get(int(cid), 0.0) + float(sums[cid])
        return totals


def _category_names_and_colors(band) -> tuple[dict[int, str], dict[int, str]]:
    names: dict[int, str] = {}
    for value, name in enumerate(band.GetCategoryNames() or []):
        if name and name.strip():
            names[value] = name.strip()
    colors: dict[int, str] = {}
    table = band.GetColorTable()
    if table is not None:
        for value in range(table.GetCount()):
            r, g, b = table.GetColorEntry(value)[:3]
            colors[value] = f"#{r:02x}{g:02x}{b:02x}"
    return names, colors


# --- validation ----------------------------------------------------------------------------------

def validate_map(
    classification_path: str,
    field_data_path: str,
    class_field: str,
    layer: str | None = None,
    name_field: str | None = None,
    training_data: dict | None = None,
) -> AccuracyReport:
    """Accuracy of a class map against field data (polygons or points, any CRS), or against a reference label
    raster on the map's grid (``class_field`` then unused).

    Reference = field data rasterised onto the map's grid; samples = labelled pixels the map
    classifies. Classes = union of the field data's and the map's ids; a text class field is
    matched to the map's category names (case-insensitive). Class names: ``name_field`` when
    given, else the map's category names, else the field data's. Mapped areas (for the
    Olofsson estimates) = the map's pixel areas summed per class, in ha when the CRS is known.

    Guards against figures that are wrong in silence: a numeric class field whose codes are not the map's
    class ids (a model trained on class names, validated against a code field) is matched to the map by the
    names a text field of the same features gives each code, or refused when no code is a map class; field
    data that are (partly) the model's training data (``training_data``: the model's fingerprint, by default
    read from the map's ``LCX_TRAINING_DATA`` metadata) get a warning note.
    """
    class_map = _ClassMap(classification_path)  # map errors first: they are cheaper to find

    # labels.py reports a missing file / layer / class field itself, listing what is there.
    from ..io.labels import rasterize_field_data
    from ..io.stack import Grid

    grid = Grid(class_map.width, class_map.height, class_map.geotransform, class_map.crs_wkt)
    from .provenance import _is_vector, training_overlap

    reference_is_raster = os.path.exists(field_data_path) and not _is_vector(field_data_path)
    if reference_is_raster:  # a reference label raster on the map's grid (0 / no-data = unlabelled)
        from ..io.labels import read_label_raster

        reference = read_label_raster(field_data_path, grid, grid_name="the class map")
        class_field = class_field or "band 1"
    else:
        if not class_field:
            raise LabelsError(f"{field_data_path} is field data: say which field holds the class.")
        reference = rasterize_field_data(field_data_path, grid, class_field, layer=layer, name_field=name_field)
    labels = np.asarray(reference.labels)
    names_from_field = dict(reference.class_names)
    notes: list[str] = []
    if not reference_is_raster and _is_text_field(field_data_path, class_field, layer):
        labels, names_from_field, notes = _match_text_classes_to_map(labels, names_from_field, class_map.names)
    elif class_map.names:
        per_code = {} if reference_is_raster else _names_per_code(field_data_path, class_field, layer, name_field)
        labels, names_from_field, notes = _match_codes_to_map(labels, names_from_field, class_map.names, per_code,
                                                              class_field)

    overlap = training_overlap(training_data if training_data is not None else class_map.training,
                               field_data_path, layer, reference_labels=labels, reference_grid=grid)
    if overlap:
        notes.insert(0, overlap)

    labelled = labels > 0
    if not labelled.any():
        raise LabelsError(
            f"No field data falls on the map: {os.path.basename(field_data_path)} does not overlap "
            f"{os.path.basename(classification_path)} (or its '{class_field}' values are all 0 / empty). "
            "Check that both cover the same area; the CRS of each is read from the files, so make sure "
            "the field data file declares its CRS.")
    compared = labelled & class_map.valid
    if not compared.any():
        raise LabelsError(
            "The field data only covers pixels the map leaves unclassified (no-data). "
            "Validate a map that covers the field data, or field data inside the mapped area.")

    mapped_area, unit, area_method = class_map.mapped_area()
    reference_ids = set(int(i) for i in np.unique(labels[labelled]))
    map_ids = set(mapped_area) | set(class_map.names)  # every class the map has or declares
    # None of the field's codes among several map classes: not a bad map but another coding (a bad map that
    # paints everything as one class is still assessed: its figures say how bad it is).
    if len(map_ids) > 1 and not reference_ids & map_ids:
        map_listed = ", ".join(f"{cid} ({class_map.names[cid]})" if cid in class_map.names else str(cid)
                               for cid in sorted(map_ids)[:12])
        raise LabelsError(
            f"None of the classes of field '{class_field}' ({', '.join(map(str, sorted(reference_ids)[:12]))}) is a "
            f"class of the map ({map_listed}): the field does not hold the map's classes. Choose "
            "the class field the model was trained with, or field data coded like the map.")
    class_ids = sorted(reference_ids | set(mapped_area))
    names: dict[int, str] = {}
    for cid in class_ids:
        from_field = names_from_field.get(cid)
        if from_field == str(cid):  # a numeric class field without names: no name at all
            from_field = None
        if (name_field or cid not in class_map.names) and from_field:
            names[cid] = from_field
        else:
            names[cid] = class_map.names.get(cid) or from_field or f"class {cid}"

    report = accuracy_report(labels[compared], class_map.values[compared], class_ids, names,
                             mapped_area=mapped_area, area_unit=unit)

    report.notes[:0] = notes  # the warnings about the comparison itself come first
    skipped = int((labelled & ~class_map.valid).sum())
    if skipped:
        report.notes.append(f"{skipped} labelled pixel(s) fall on map no-data and are not compared.")
    if unit == "pixels":
        report.notes.append("The map has no usable CRS: areas are given in pixels, not hectares.")
    report.sources = {
        "classification": os.path.abspath(classification_path),
        "field data": os.path.abspath(field_data_path),
        "class field": class_field,
    }
    if layer:
        report.sources["layer"] = layer
    report.sources["mapped area"] = area_method
    report.class_colors = {cid: class_map.colors[cid] for cid in class_ids if cid in class_map.colors}
    return report


def _is_text_field(path: str, class_field: str, layer: str | None) -> bool:
    from osgeo import ogr

    dataset = ogr.Open(path)
    lyr = dataset.GetLayerByName(layer) if layer else dataset.GetLayerByIndex(0)
    defn = lyr.GetLayerDefn()
    index = defn.GetFieldIndex(class_field)
    if index < 0:  # labels.py forgives the case of the field name; so do we
        lowered = [defn.GetFieldDefn(i).GetName().lower() for i in range(defn.GetFieldCount())]
        index = lowered.index(class_field.lower())
    return defn.GetFieldDefn(index).GetType() not in (ogr.OFTInteger, ogr.OFTInteger64, ogr.OFTReal)


def _names_per_code(path: str, class_field: str, layer: str | None, name_field: str | None,
                    max_features: int = 200_000) -> dict[str, dict[int, str]]:
    """For each text field of the features (only ``name_field`` when given): class code -> name, kept when that
    field gives every code exactly one name (a field of class names beside a field of codes)."""
    from osgeo import ogr

    dataset = ogr.Open(path)
    lyr = dataset.GetLayerByName(layer) if layer else dataset.GetLayerByIndex(0)
    defn = lyr.GetLayerDefn()
    fields = [defn.GetFieldDefn(i) for i in range(defn.GetFieldCount())]
    lowered = [f.GetName().lower() for f in fields]
    code_index = lowered.index(class_field.lower())
    if name_field:
        candidates = [i for i, name in enumerate(lowered) if name == name_field.lower()]
    else:
        candidates = [i for i, f in enumerate(fields) if f.GetType() == ogr.OFTString and i != code_index]
    seen: dict[int, dict[int, set]] = {i: {} for i in candidates}
    for n, feature in enumerate(lyr):
        if n >= max_features:
            break
        code = feature.GetField(code_index)
        if code is None or int(code) <= 0:
            continue
        for i in candidates:
            value = feature.GetField(i)
            if value is not None and str(value).strip():
                seen[i].setdefault(int(code), set()).add(" ".join(str(value).split()))
    return {fields[i].GetName(): {code: next(iter(v)) for code, v in per_code.items()}
            for i, per_code in seen.items() if per_code and all(len(v) == 1 for v in per_code.values())}


def _match_codes_to_map(labels: np.ndarray, field_names: dict[int, str], map_names: dict[int, str],
                        names_per_code: dict[str, dict[int, str]], class_field: str):
    """A numeric class field compared with a map that names its classes: are the field's codes the map's ids?

    When a text field names each code and those names say the codes are not the map's ids (field 3 =
    'grassland', map 3 = 'forest'), the field classes are matched to the map's by name (a note says so).
    When nothing names the codes and none of them is a map class, the comparison would be meaningless:
    LabelsError."""
    notes: list[str] = []
    by_name = {" ".join(name.lower().split()): cid for cid, name in map_names.items()}
    codes = sorted(int(c) for c in np.unique(labels[labels > 0]))
    best_field, best_score = None, 0
    for fname, per_code in names_per_code.items():
        score = sum(1 for c in codes if per_code.get(c, "").lower() in by_name)
        if score > best_score:
            best_field, best_score = fname, score
    if best_field is None or best_score * 2 < len(codes):
        if codes and not set(codes) & set(map_names):
            listed = ", ".join(f"{cid} ({name})" for cid, name in sorted(map_names.items()))
            raise LabelsError(
                f"None of the codes of field '{class_field}' ({', '.join(map(str, codes[:12]))}) is a class of "
                f"the map (map classes: {listed}): the field does not hold the map's class ids. Choose the field "
                "the model was trained with (a field of class names, if it was trained on names), or recode the "
                "field data.")
        return labels, field_names, notes
    per_code = names_per_code[best_field]
    matched = {c: by_name.get(per_code.get(c, "").lower()) for c in codes}
    differing = [c for c, m in matched.items() if m is not None and m != c]
    if not differing:
        return labels, field_names, notes
    next_id = max([*map_names, *codes, 0]) + 1
    lookup = np.zeros(max(codes) + 1, dtype=np.int64)
    names: dict[int, str] = {}
    for c in codes:
        target = matched[c]
        if target is None:
            target, next_id = next_id, next_id + 1
        lookup[c] = target
        names[target] = per_code.get(c) or field_names.get(c) or f"class {c}"
    example = differing[0]
    notes.append(
        f"The codes of field '{class_field}' are not the map's class ids (field {example} = "
        f"'{per_code[example]}', but the map's {example} is '{map_names.get(example, 'not a class')}'): the field "
        f"classes were matched to the map's classes by their names in field '{best_field}'. To compare codes "
        "instead, use a map made by a model trained on this code field.")
    return lookup[np.clip(labels, 0, None)], names, notes


def _match_text_classes_to_map(labels: np.ndarray, field_names: dict[int, str], map_names: dict[int, str]):
    """A text class field gets ids 1..K in name order; the map has its own ids. Match them by name.

    Names are compared case- and blank-insensitively. A field class the map does not name gets a
    fresh id, so its pixels count as errors rather than being silently paired with a wrong class.
    """
    notes: list[str] = []
    if not map_names:
        notes.append("The class field holds text and the map carries no class names: field classes were "
                     "numbered 1..K in alphabetical order (as training does) and compared with the map's ids.")
        return labels, field_names, notes
    by_name = {" ".join(name.lower().split()): cid for cid, name in map_names.items()}
    next_id = max([*map_names, *field_names, 0]) + 1
    lookup = np.zeros(max(field_names, default=0) + 1, dtype=np.int64)
    names: dict[int, str] = {}
    unmatched = []
    for field_id, name in sorted(field_names.items()):
        map_id = by_name.get(" ".join(name.lower().split()))
        if map_id is None:
            map_id, next_id = next_id, next_id + 1
            unmatched.append(name)
        lookup[field_id] = map_id
        names[map_id] = name
    if unmatched:
        notes.append(f"Field classes not named in the map: {', '.join(unmatched)}. Each got its own id, so its "
                     "pixels count as errors; fix the spelling in the field data if they mean a map class.")
    return lookup[labels], names, notes


# --- CSV -----------------------------------------------------------------------------------------

def _num(value) -> str:
    """Full precision for machines; empty cell for not available."""
    if value is None:
        return ""
    value = float(value)
    if math.isnan(value) or math.isinf(value):
        return ""
    return repr(int(value)) if value.is_integer() and abs(value) < 2**53 else repr(value)


def write_report_csv(report: AccuracyReport, path: str, overwrite: bool = True) -> str:
    """The report as CSV (``report_csv_text``) written atomically into ``path``; ``overwrite=False`` refuses
    an existing file (OutputError naming the overwrite option). Returns the path."""
    write_text_files({path: report_csv_text(report)}, overwrite=overwrite)
    return path


def report_csv_text(report: AccuracyReport) -> str:
    """One CSV file, sections one after the other, each opened by a one-cell title row and
    separated by an empty row (``read_report_csv`` splits them again):

    1. ``Confusion matrix (rows = reference (field data), columns = map)``: header row
       ``reference \\ map``, class labels, ``total``; one row per reference class; a ``total`` row.
    2. ``Per class``: id, name, reference pixels, map pixels, producer's accuracy, user's accuracy, F1.
    3. ``Area-adjusted estimates (Olofsson et al. 2014)`` (when available): per class mapped area,
       estimated area, its standard error and 95 % CI, area-adjusted UA / PA with 95 % half-widths.
    4. ``Summary``: metric, value (samples, OA, kappa, macro-F1, area-adjusted OA, ...).
    5. ``Notes`` (when any).

    Accuracies are fractions (0-1); a not-available value is an empty cell.
    """
    labels = [f"{report.name_of(c)} ({c})" for c in report.class_ids]
    m = np.asarray(report.matrix)
    rows: list[list[str]] = [[CSV_SECTION_MATRIX], ["reference \\ map", *labels, "total"]]
    for k, label in enumerate(labels):
        rows.append([label, *[str(int(v)) for v in m[k]], str(int(m[k].sum()))])
    rows.append(["total", *[str(int(v)) for v in m.sum(axis=0)], str(int(m.sum()))])

    rows += [[], [CSV_SECTION_PER_CLASS],
             ["id", "name", "reference pixels", "map pixels", "producers_accuracy", "users_accuracy", "f1"]]
    for k, cid in enumerate(report.class_ids):
        rows.append([str(cid), report.name_of(cid), str(int(report.support[k])), str(int(report.map_count[k])),
                     _num(report.producers_accuracy[k]), _num(report.users_accuracy[k]), _num(report.f1[k])])

    area = report.area_adjusted
    if area is not None:
        u = area.area_unit
        rows += [[], [CSV_SECTION_AREA],
                 ["id", "name", f"mapped area ({u})", "mapped proportion", f"estimated area ({u})",
                  f"standard error ({u})", f"95% CI low ({u})", f"95% CI high ({u})",
                  "users_accuracy", "users_accuracy_ci95", "producers_accuracy", "producers_accuracy_ci95"]]
        for k, cid in enumerate(report.class_ids):
            rows.append([str(cid), report.name_of(cid), _num(area.mapped_area[k]), _num(area.mapped_proportion[k]),
                         _num(area.estimated_area[k]), _num(area.area_se[k]), _num(area.area_ci95_low[k]),
                         _num(area.area_ci95_high[k]), _num(area.users_accuracy[k]),
                         _num(area.users_accuracy_ci95[k]), _num(area.producers_accuracy[k]),
                         _num(area.producers_accuracy_ci95[k])])

    rows += [[], [CSV_SECTION_SUMMARY], ["metric", "value"],
             ["samples", str(report.n_samples)],
             ["overall_accuracy", _num(report.overall_accuracy)],
             ["kappa", _num(report.kappa)],
             ["macro_f1", _num(report.macro_f1)]]
    if area is not None:
        rows += [["area_adjusted_overall_accuracy", _num(area.overall_accuracy)],
                 ["area_adjusted_overall_accuracy_ci95", _num(area.overall_accuracy_ci95)],
                 [f"total_mapped_area_{area.area_unit}", _num(area.total_area)],
                 [f"unassessed_area_{area.area_unit}", _num(area.unassessed_area)]]
    for key, value in report.sources.items():
        rows.append([f"source: {key}", value])
    if report.notes:
        rows += [[], [CSV_SECTION_NOTES], *[[note] for note in report.notes]]

    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows([[_safe_cell(c) for c in row] for row in rows])
    return buffer.getvalue()


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _safe_cell(cell: str) -> str:
    """A text cell a spreadsheet would run as a formula (``=HYPERLINK(...)``, ``@SUM``, ``+``, ``-``, a leading
    tab / CR) gets a leading apostrophe (OWASP's CSV-injection advice); numbers, including negative ones, stay."""
    text = str(cell)
    if not text.startswith(_FORMULA_STARTS):
        return text
    try:
        float(text)
        return text
    except ValueError:
        return "'" + text


def check_report_path(path: str, overwrite: bool = True) -> None:
    """Cheap check before a report is computed or drawn: its folder exists, the path is not a folder, and
    (``overwrite=False``) no file is there yet. OutputError saying what to do."""
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise OutputError(f"Cannot write the report {path}: the folder {folder} does not exist. Create it or "
                          "choose another path.")
    if os.path.isdir(path):
        raise OutputError(f"Cannot write the report {path}: it is a folder. Give a file name.")
    if not overwrite and os.path.lexists(path):
        raise OutputError(f"The report {path} exists already: choose another file name, or allow overwriting it "
                          "(the overwrite option: --overwrite, OVERWRITE=true).")


_PART_NAME = re.compile(r"\.(.+)\.lcx-(\d+)-[0-9a-f]+\.part")


def _remove_stale_parts(folder: str) -> None:
    """Temporary report files of processes that died while writing (killed, power cut), removed by the next."""
    from ..io.outputs import pid_alive

    with contextlib.suppress(OSError):
        for name in os.listdir(folder):
            match = _PART_NAME.fullmatch(name)
            if match and int(match.group(2)) != os.getpid() and not pid_alive(int(match.group(2))):
                with contextlib.suppress(OSError):
                    os.remove(os.path.join(folder, name))


def write_text_files(contents: dict, overwrite: bool = True) -> None:
    """``contents`` (path -> text) written all or none: each into a hidden temporary file beside it, then
    all renamed into place. On any failure (a full disk, a missing folder, a file that appeared meanwhile
    when ``overwrite`` is False) nothing new is left and files that were replaced are put back; OutputError
    says what happened and what to do."""
    import uuid

    for path in contents:
        check_report_path(path, overwrite=overwrite)
    umask = os.umask(0)
    os.umask(umask)
    staged: list[tuple[str, str]] = []
    placed: list[str] = []
    backups: list[tuple[str, str]] = []
    current = None
    try:
        for path, text in contents.items():
            current = path
            folder, name = os.path.split(os.path.abspath(path))
            _remove_stale_parts(folder)
            tmp = os.path.join(folder, f".{name}.lcx-{os.getpid()}-{uuid.uuid4().hex[:8]}.part")
            staged.append((tmp, path))
            with open(tmp, "w", newline="", encoding="utf-8") as fh:
                fh.write(text)
            os.chmod(tmp, 0o666 & ~umask)
        for tmp, path in staged:
            current = path
            if not overwrite:
                try:  # a hard link never replaces: a report that appeared meanwhile (another run) is kept
                    os.link(tmp, path)
                except FileExistsError:
                    raise OutputError(f"The report {path} appeared while this one was computed: nothing was "
                                      "overwritten. Choose another file name, or allow overwriting it.") from None
                except OSError:  # no hard links on this file system: check, then rename
                    if os.path.lexists(path):
                        raise OutputError(f"The report {path} appeared while this one was computed: nothing "
                                          "was overwritten. Choose another file name, or allow overwriting it."
                                          ) from None
                    os.replace(tmp, path)
                placed.append(path)
                with contextlib.suppress(OSError):
                    os.remove(tmp)
                continue
            if os.path.lexists(path):
                backup = tmp + ".old"
                os.replace(path, backup)
                backups.append((path, backup))
            os.replace(tmp, path)
            placed.append(path)
    except BaseException as exc:
        for path in placed:
            with contextlib.suppress(OSError):
                os.remove(path)
        for path, backup in backups:
            with contextlib.suppress(OSError):
                os.replace(backup, path)
        for tmp, _path in staged:
            with contextlib.suppress(OSError):
                os.remove(tmp)
        if isinstance(exc, OSError):
            raise OutputError(f"Cannot write the report {current}: {exc.strerror or exc}. Check the free space and "
                              "permissions of the folder; no report was written.") from exc
        raise
    for _path, backup in backups:
        with contextlib.suppress(OSError):
            os.remove(backup)


def read_report_csv(path: str) -> dict[str, list[list[str]]]:
    """Sections of a file written by ``write_report_csv``: title -> rows (header row first)."""
    sections: dict[str, list[list[str]]] = {}
    current: list[list[str]] | None = None
    with open(path, newline="", encoding="utf-8") as fh:
        for row in csv.reader(fh):
            if not row:
                current = None
            elif current is None:
                current = sections.setdefault(row[0], [])
            else:
                current.append(row)
    return sections


# --- figure --------------------------------------------------------------------------------------

def _figure_png(report: AccuracyReport, texts: ReportTexts = ENGLISH) -> bytes:
    """The confusion matrix as a PNG, its words from ``texts``."""
    # Figure + Agg canvas directly: no pyplot, so no GUI backend and no global state inside QGIS.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    m = np.asarray(report.matrix, dtype=np.float64)
    k = len(report.class_ids)
    row_sums = m.sum(axis=1, keepdims=True)
    share = np.divide(m, row_sums, out=np.zeros_like(m), where=row_sums > 0)  # per reference class
    labels = [_short(f"{texts.name(report, c)} ({c})") for c in report.class_ids]
    side = min(3.0 + 0.55 * k, 14.0)
    fig = Figure(figsize=(side + 1.5, side), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    image = ax.imshow(share, cmap="Blues", vmin=0.0, vmax=1.0)
    ax.set_xticks(range(k))
    ax.set_yticks(range(k))
    # parse_math=False: a class name with '$' is text, not matplotlib mathtext (which would fail or mangle it)
    ax.set_xticklabels(labels, rotation=45, ha="right", fontsize=8, parse_math=False)
    ax.set_yticklabels(labels, fontsize=8, parse_math=False)
    ax.set_xlabel(texts.figure_map)
    ax.set_ylabel(texts.figure_reference)
    title = texts.figure_title.format(n=report.n_samples, oa=_fmt(report.overall_accuracy, na=texts.not_available))
    ax.set_title(title, fontsize=10, parse_math=False)
    if k <= 25:  # beyond that the counts are unreadable; colours still tell the story
        for r in range(k):
            for c in range(k):
                if m[r, c]:
                    ax.text(c, r, f"{int(m[r, c])}", ha="center", va="center", fontsize=7,
                            color="white" if share[r, c] > 0.5 else "black")
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label=texts.figure_colorbar)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def confusion_matrix_figure(report: AccuracyReport, path_png: str, texts: ReportTexts = ENGLISH) -> str:
    """PNG of the confusion matrix: counts, coloured by share of each reference class (row); words from
    ``texts`` (English by default)."""
    check_report_path(path_png)
    data = _figure_png(report, texts)
    with open(path_png, "wb") as fh:
        fh.write(data)
    return path_png


def _short(text: str, limit: int = 28) -> str:
    text = " ".join(text.split())  # tabs / line breaks in a class name: one line of plain text
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- HTML ----------------------------------------------------------------------------------------

def _fmt(value, digits: int = 3, na: str = "n/a") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return na
    value = float(value)
    if math.isnan(value):
        return na
    return f"{value:.{digits}f}"


def _fmt_area(value, na: str = "n/a") -> str:
    value = float(value)
    if math.isnan(value):
        return na
    return f"{value:,.1f}" if abs(value) < 1000 else f"{value:,.0f}"


def _pm(value, half_width, digits: int = 3, na: str = "n/a") -> str:
    if math.isnan(float(value)):
        return na
    return f"{_fmt(value, digits, na)} ± {_fmt(half_width, digits, na)}"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], first_col_is_header: bool = False) -> str:
    """Cells are escaped here; callers pass plain text."""
    e = html.escape
    out = ["<table>", "<tr>" + "".join(f"<th>{e(h)}</th>" for h in header) + "</tr>"]
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            tag = "th" if first_col_is_header and i == 0 else "td"
            cells.append(f"<{tag}>{e(str(cell))}</{tag}>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</table>")
    return "\n".join(out)


_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em auto; max-width: 1100px;
       color: #222; line-height: 1.45; padding: 0 1em; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 1.8em; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: 0.6em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; }
th { background: #f3f3f3; } td:nth-child(2), th:first-child { text-align: left; }
.summary td { font-weight: 600; } .note { color: #8a4b00; } .muted { color: #666; font-size: 0.9em; }
.swatch { display: inline-block; width: 0.9em; height: 0.9em; border: 1px solid #999; vertical-align: middle; }
img { max-width: 100%; }
"""


def write_report_html(report: AccuracyReport, path: str, overwrite: bool = True,
                      texts: ReportTexts = ENGLISH) -> str:
    """The report as a self-contained HTML page (``report_html_text``, words from ``texts``) written atomically
    into ``path``; ``overwrite=False`` refuses an existing file. Returns the path."""
    check_report_path(path, overwrite=overwrite)  # before the figure is drawn
    write_text_files({path: report_html_text(report, texts)}, overwrite=overwrite)
    return path


def report_html_text(report: AccuracyReport, texts: ReportTexts = ENGLISH) -> str:
    """Self-contained HTML page (inline CSS, figure embedded as base64 PNG, no external links), its words from
    ``texts`` (English by default)."""
    e = html.escape
    t = texts
    na = t.not_available
    area = report.area_adjusted
    parts = ["<!DOCTYPE html>", f'<html lang="{e(t.language)}"><head><meta charset="utf-8">',
             f"<title>{e(t.title)}</title>", f"<style>{_CSS}</style></head><body>",
             f"<h1>{e(t.title)}</h1>"]
    stamp = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    parts.append(f'<p class="muted">Land Cover XAI, {e(stamp)}</p>')
    if report.sources:
        sources = [(t.source_text(key), value if os.path.isabs(str(value)) else t.source_text(str(value)))
                   for key, value in report.sources.items()]
        parts.append(_table([t.source, t.value], sources, first_col_is_header=True))

    summary = [(t.samples, str(report.n_samples)),
               (t.overall_accuracy, _fmt(report.overall_accuracy, na=na)),
               (t.kappa, _fmt(report.kappa, na=na)),
               (t.macro_f1, _fmt(report.macro_f1, na=na))]
    if area is not None:
        summary.append((t.area_overall_accuracy, _pm(area.overall_accuracy, area.overall_accuracy_ci95, na=na)))
    parts += [f"<h2>{e(t.summary)}</h2>", _table([t.metric, t.value], summary, first_col_is_header=True)
              .replace("<table>", '<table class="summary">', 1)]

    png = base64.b64encode(_figure_png(report, t)).decode("ascii")
    parts += [f"<h2>{e(t.matrix)}</h2>",
              f'<p class="muted">{e(t.matrix_caption)}</p>',
              f'<img alt="{e(t.matrix)}" src="data:image/png;base64,{png}">']
    labels = [f"{t.name(report, c)} ({c})" for c in report.class_ids]
    m = np.asarray(report.matrix)
    rows = [[lab, *[str(int(v)) for v in m[k]], str(int(m[k].sum()))] for k, lab in enumerate(labels)]
    rows.append([t.total, *[str(int(v)) for v in m.sum(axis=0)], str(int(m.sum()))])
    parts.append(_table([t.corner, *labels, t.total], rows, first_col_is_header=True))

    per_class = []
    for k, cid in enumerate(report.class_ids):
        per_class.append([str(cid), t.name(report, cid), str(int(report.support[k])), str(int(report.map_count[k])),
                          _fmt(report.producers_accuracy[k], na=na), _fmt(report.users_accuracy[k], na=na),
                          _fmt(report.f1[k], na=na)])
    table = _table([t.class_id, t.class_, t.reference_pixels, t.map_pixels, t.producers, t.users, t.f1], per_class)
    for cid in report.class_ids:  # colour swatches from the map's colour table (escaped hex only)
        color = report.class_colors.get(cid)
        if color and len(color) == 7 and color.startswith("#"):
            table = table.replace(f"<tr><td>{cid}</td>",
                                  f'<tr><td><span class="swatch" style="background:{e(color)}"></span> {cid}</td>', 1)
    parts += [f"<h2>{e(t.per_class)}</h2>", table]

    if area is not None:
        u = t.unit(area.area_unit)
        rows = []
        for k, cid in enumerate(report.class_ids):
            rows.append([str(cid), t.name(report, cid), _fmt_area(area.mapped_area[k], na),
                         _fmt_area(area.estimated_area[k], na),
                         f"{_fmt_area(area.area_ci95_low[k], na)} – {_fmt_area(area.area_ci95_high[k], na)}",
                         _pm(area.users_accuracy[k], area.users_accuracy_ci95[k], na=na),
                         _pm(area.producers_accuracy[k], area.producers_accuracy_ci95[k], na=na)])
        parts += [f"<h2>{e(t.area_title)}</h2>",
                  _table([t.class_id, t.class_, t.mapped_area.format(unit=u), t.estimated_area.format(unit=u), t.ci95,
                          t.users_ci, t.producers_ci], rows)]
        if area.unassessed_area > 0:
            parts.append(f'<p class="note">{e(t.unassessed.format(area=_fmt_area(area.unassessed_area, na), unit=u))}'
                         "</p>")

    if report.notes:
        parts += [f"<h2>{e(t.notes)}</h2>", "<ul>", *[f'<li class="note">{e(t.note(n))}</li>' for n in report.notes],
                  "</ul>"]

    parts += [f"<h2>{e(t.how_to_read)}</h2>", "<ul>", *[f"<li>{item}</li>" for item in t.guide],
              "</ul></body></html>"]

    return "\n".join(parts)
