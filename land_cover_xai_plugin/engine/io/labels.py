"""Field data (polygons or points, any CRS) or a label raster -> class ids on the stack's grid.

0 means "unlabelled" everywhere. A numeric class field keeps its ids (need not be contiguous); a text
class field gets ids 1..K in sorted name order.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from typing import Optional

import numpy as np
from osgeo import gdal, ogr, osr

from ..errors import LabelsError
from .stack import Grid, _quiet_gdal, _gdal_message

_BURN_FIELD = "lcx_class_id"
_POLYGON_FIELD = "lcx_polygon"


@dataclass
class LabelRaster:
    """Class id per pixel (int32, 0 = unlabelled) and the name of each id."""

    labels: np.ndarray
    class_names: dict[int, str] = field(default_factory=dict)
    # Field data only: which feature each pixel was burned from (1..N, 0 = none) and its source FID,
    # so that splits keep whole polygons on one side.
    polygon_ids: Optional[np.ndarray] = None
    polygon_fids: dict[int, int] = field(default_factory=dict)

    @property
    def class_ids(self) -> list[int]:
        """The class ids that have a name, sorted."""
        return sorted(self.class_names)

    def counts(self) -> dict[int, int]:
        """Number of labelled pixels per class id (0, unlabelled, left out)."""
        ids, counts = np.unique(self.labels[self.labels != 0], return_counts=True)
        return {int(i): int(c) for i, c in zip(ids, counts)}


def _traditional(srs: osr.SpatialReference) -> osr.SpatialReference:
    srs = srs.Clone()
    srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)  # x = easting / longitude, always
    return srs


def _open_vector(vector_path: str) -> gdal.Dataset:
    if not os.path.exists(vector_path) and not vector_path.startswith("/vsi"):
        raise LabelsError(f"Field data not found: {vector_path}. Check the path.")
    with _quiet_gdal():
        try:
            dataset = gdal.OpenEx(vector_path, gdal.OF_VECTOR | gdal.OF_READONLY)
        except RuntimeError:
            dataset = None
        reason = _gdal_message("not a vector format GDAL knows")
    if dataset is None or dataset.GetLayerCount() == 0:
        raise LabelsError(
            f"Cannot read {vector_path} as vector field data ({reason}). "
            "Use a GeoPackage, Shapefile, GeoJSON or another OGR vector format with polygons or points."
        )
    return dataset


def _pick_layer(dataset: gdal.Dataset, vector_path: str, layer: Optional[str]) -> ogr.Layer:
    names = [dataset.GetLayerByIndex(i).GetName() for i in range(dataset.GetLayerCount())]
    if layer is None:
        return dataset.GetLayerByIndex(0)
    found = dataset.GetLayerByName(layer)
    if found is None:
        raise LabelsError(f"{vector_path} has no layer '{layer}'. Its layers: {', '.join(names)}. Choose one of them.")
    return found


def _field_index(defn: ogr.FeatureDefn, name: str, vector_path: str, role: str) -> int:
    names = [defn.GetFieldDefn(i).GetName() for i in range(defn.GetFieldCount())]
    for i, candidate in enumerate(names):
        if candidate == name:
            return i
    for i, candidate in enumerate(names):  # forgive case: "lulc_id" for "LULC_ID"
        if candidate.lower() == name.lower():
            return i
    raise LabelsError(
        f"The {role} '{name}' is not in {vector_path}. Available fields: {', '.join(names) or '(none)'}. "
        "Choose one of them."
    )


def _numeric_id(value, vector_path: str, class_field: str) -> int:
    number = float(value)
    if not math.isfinite(number) or number != int(number) or not (0 <= number < 2**31):
        raise LabelsError(
            f"Class field '{class_field}' of {vector_path} holds {value!r}, not a whole class id >= 0. "
            "Use an integer class field, or a text field (its names get ids 1..K)."
        )
    return int(number)


def rasterize_field_data(vector_path: str, grid: Grid, class_field: str, layer: Optional[str] = None,
                         name_field: Optional[str] = None) -> LabelRaster:
    """Burn the field data's classes onto ``grid`` (polygons: pixels whose centre is inside; points: the
    pixel they fall in). Reprojects from the vector's CRS to the grid's. Later features overwrite earlier ones."""
    vector_path = os.fspath(vector_path)
    dataset = _open_vector(vector_path)
    source_layer = _pick_layer(dataset, vector_path, layer)
    defn = source_layer.GetLayerDefn()
    class_index = _field_index(defn, class_field, vector_path, "class field")
    name_index = _field_index(defn, name_field, vector_path, "name field") if name_field else None
    class_type = defn.GetFieldDefn(class_index).GetType()
    is_text = class_type not in (ogr.OFTInteger, ogr.OFTInteger64, ogr.OFTReal)

    grid_srs = grid.srs()
    layer_srs = source_layer.GetSpatialRef()
    transform = None
    if grid_srs is not None and layer_srs is not None and not layer_srs.IsSame(grid_srs):
        transform = osr.CoordinateTransformation(_traditional(layer_srs), grid_srs)

    # Pass 1: class value of every feature (text ids need the sorted set of names first).
    features: list[tuple[object, ogr.Geometry, Optional[str]]] = []
    fids: list[int] = []
    seen = located = 0  # features, and features with a geometry (a table without one is not field data)
    source_layer.ResetReading()
    for feature in source_layer:
        seen += 1
        geometry = feature.GetGeometryRef()
        located += geometry is not None and not geometry.IsEmpty()
        if geometry is None or geometry.IsEmpty() or not feature.IsFieldSetAndNotNull(class_index):
            continue
        value = feature.GetField(class_index)
        if is_text:
            value = str(value).strip()
            if not value:
                continue
        name = None
        if name_index is not None and feature.IsFieldSetAndNotNull(name_index):
            name = str(feature.GetField(name_index)).strip() or None
        features.append((value, geometry.Clone(), name))
        fids.append(int(feature.GetFID()))
    source_layer.ResetReading()
    where = f"{vector_path} (layer '{source_layer.GetName()}')"
    if not seen:
        raise LabelsError(f"{where} holds no features. Choose field data with points or polygons of the classes.")
    if not located:
        raise LabelsError(
            f"{where} has no geometry: none of its {seen} row(s) is a point or polygon (a table of attributes "
            "only, e.g. a CSV without coordinate columns). Give points / polygons (GeoPackage, Shapefile, "
            "GeoJSON), or a CSV with X / Y columns opened as points (e.g. saved from QGIS as a GeoPackage).")

    if is_text:
        ids = {text: i for i, text in enumerate(sorted({v for v, _, _ in features}), start=1)}
        class_names = {i: text for text, i in ids.items()}
    else:
        ids, class_names = None, {}

    # Pass 2: an in-memory layer in the grid's CRS carrying the integer id to burn.
    memory = ogr.GetDriverByName("Memory").CreateDataSource("labels")
    burn_layer = memory.CreateLayer("labels", srs=grid_srs, geom_type=ogr.wkbUnknown)
    burn_layer.CreateField(ogr.FieldDefn(_BURN_FIELD, ogr.OFTInteger))
    burn_layer.CreateField(ogr.FieldDefn(_POLYGON_FIELD, ogr.OFTInteger))
    burn_defn = burn_layer.GetLayerDefn()
    vector_extent = None
    polygon_fids: dict[int, int] = {}
    for (value, geometry, name), fid in zip(features, fids):
        class_id = ids[value] if is_text else _numeric_id(value, vector_path, class_field)
        if class_id == 0:
            continue  # 0 = "not mapped" by convention
        if not is_text and name_index is not None:
            class_names.setdefault(class_id, name or str(class_id))
        elif not is_text:
            class_names.setdefault(class_id, str(class_id))
        if transform is not None and geometry.Transform(transform) != 0:
            continue  # outside the CRS's area of use: cannot land on the grid
        envelope = geometry.GetEnvelope()  # (minx, maxx, miny, maxy)
        vector_extent = envelope if vector_extent is None else (
            min(vector_extent[0], envelope[0]), max(vector_extent[1], envelope[1]),
            min(vector_extent[2], envelope[2]), max(vector_extent[3], envelope[3]))
        out_feature = ogr.Feature(burn_defn)
        out_feature.SetField(_BURN_FIELD, class_id)
        polygon_fids[len(polygon_fids) + 1] = fid
        out_feature.SetField(_POLYGON_FIELD, len(polygon_fids))
        out_feature.SetGeometryDirectly(geometry)
        burn_layer.CreateFeature(out_feature)

    raster = gdal.GetDriverByName("MEM").Create("", grid.width, grid.height, 2, gdal.GDT_Int32)
    raster.SetGeoTransform(grid.geotransform)
    if grid.crs_wkt:
        raster.SetProjection(grid.crs_wkt)
    with _quiet_gdal():  # band 1: class id, band 2: feature number (same burn order, same pixels)
        status = gdal.RasterizeLayer(raster, [1], burn_layer, options=[f"ATTRIBUTE={_BURN_FIELD}"])
        if status == 0:
            status = gdal.RasterizeLayer(raster, [2], burn_layer, options=[f"ATTRIBUTE={_POLYGON_FIELD}"])
        reason = _gdal_message()
    if status != 0:
        raise LabelsError(f"Rasterising {vector_path} failed ({reason}). Check that its geometries are valid.")
    labels = raster.GetRasterBand(1).ReadAsArray().astype(np.int32, copy=False)
    polygon_ids = raster.GetRasterBand(2).ReadAsArray().astype(np.int32, copy=False)

    if not (labels != 0).any():
        if vector_extent is None:
            where = "has no feature with a class id other than 0/empty"
        else:
            minx, maxx, miny, maxy = vector_extent
            where = f"covers x {minx:.6g}..{maxx:.6g}, y {miny:.6g}..{maxy:.6g}"
        xmin, ymin, xmax, ymax = grid.extent
        vector_crs = layer_srs.GetName() if layer_srs is not None else "none (assumed to be the raster's)"
        raise LabelsError(
            f"The field data does not overlap the raster: {vector_path} (layer '{source_layer.GetName()}', "
            f"field '{class_field}') {where} in {grid.crs_name}, the raster covers x {xmin:.6g}..{xmax:.6g}, "
            f"y {ymin:.6g}..{ymax:.6g}. The field data's own CRS is {vector_crs}. Check that both files declare "
            "the right CRS and cover the same area."
        )
    present = set(np.unique(labels).tolist()) - {0}
    return LabelRaster(labels, {i: n for i, n in sorted(class_names.items()) if i in present},
                       polygon_ids=polygon_ids, polygon_fids=polygon_fids)


def read_label_raster(path: str, grid: Grid, grid_name: str = "the stack") -> LabelRaster:
    """Class ids from band 1 of a raster on exactly ``grid`` (``grid_name``: whose grid it is, for the message);
    its no-data value counts as unlabelled."""
    path = os.fspath(path)
    if not os.path.exists(path) and not path.startswith("/vsi"):
        raise LabelsError(f"Label raster not found: {path}. Check the path.")
    with _quiet_gdal():
        try:
            dataset = gdal.OpenEx(path, gdal.OF_RASTER | gdal.OF_READONLY)
        except RuntimeError:
            dataset = None
        reason = _gdal_message("not a raster format GDAL knows")
    if dataset is None:
        raise LabelsError(f"Cannot read {path} as a label raster ({reason}). Use a single-band integer GeoTIFF.")
    differences = grid.differences(Grid.from_dataset(dataset))
    if differences:
        raise LabelsError(
            f"The label raster {path} is not on {grid_name}'s grid ({'; '.join(differences)}). Resample it onto "
            f"{grid_name} (gdalwarp -r near with its -te / -tr / -t_srs), or give the field data as vectors."
        )
    band = dataset.GetRasterBand(1)
    with _quiet_gdal():
        data = band.ReadAsArray()
        reason = _gdal_message()
    if data is None:
        raise LabelsError(f"Reading {path} failed ({reason}). The file may be damaged: re-create it.")
    nodata = band.GetNoDataValue()
    invalid = ~np.isfinite(data) if data.dtype.kind == "f" else np.zeros(data.shape, bool)
    if nodata is not None:
        invalid |= data == nodata
    data = np.where(invalid, 0, data)
    if data.dtype.kind == "f" and np.any(data != np.round(data)):
        raise LabelsError(f"The label raster {path} holds fractional values. Class ids must be whole numbers.")
    if (data < 0).any():
        raise LabelsError(f"The label raster {path} holds negative values. Class ids must be >= 0 (0 = unlabelled).")
    labels = data.astype(np.int32)
    category_names = band.GetCategoryNames() or []
    present = sorted(set(np.unique(labels).tolist()) - {0})
    names = {}
    for class_id in present:
        name = category_names[class_id] if class_id < len(category_names) else ""
        names[class_id] = name or str(class_id)
    return LabelRaster(labels, names)
