"""From QGIS layers to what the engine reads, once for the whole GUI.

- ``raster_layer_path`` / ``raster_layer_paths``: the file behind a raster layer (GDAL provider, on disk);
- ``vector_layer_source``: the (file, layer name) behind a field-data layer, written to a temporary GeoPackage
  when QGIS holds it elsewhere (memory layer, database, subset filter);
- ``stack_info``: the engine's StackInfo of a set of raster files, read from their metadata only
  (``engine.io.stack.read_stack_info``) and cached per file (path, size, modification time, layout), so
  panels and the pixel tool never decode pixels on the GUI thread and never read a file twice;
  ``stack_summary`` says it in one line;
- ``layer_filter``: the QgsMapLayerComboBox filter for raster or field-data layers, across QGIS versions.
"""
from __future__ import annotations

import json
import os
import tempfile
from collections import OrderedDict
from typing import Optional, Sequence

from qgis.core import (
    Qgis,
    QgsMapLayerProxyModel,
    QgsProject,
    QgsProviderRegistry,
    QgsRasterLayer,
    QgsVectorFileWriter,
    QgsVectorLayer,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QCoreApplication

from ..engine.errors import LcxError, StackError
from ..engine.io.stack import LAYOUT_SUFFIX, StackInfo, StackLayout, read_stack_info

_CACHE_SIZE = 64
_info_cache: "OrderedDict[tuple, object]" = OrderedDict()  # key -> StackInfo, or the message of its StackError


def tr(text: str) -> str:
    return QCoreApplication.translate("LandCoverXaiLayerSources", text)


def layer_filter(kind: str):
    """QgsMapLayerComboBox filter ("raster", or "vector" = polygons and points): Qgis.LayerFilter on
    QGIS >= 3.34 / 4, the proxy model's enum before."""
    new = getattr(Qgis, "LayerFilter", None)
    enum = new if new is not None else getattr(QgsMapLayerProxyModel, "Filter", QgsMapLayerProxyModel)
    if kind == "raster":
        return enum.RasterLayer
    return enum.PolygonLayer | enum.PointLayer


def raster_layer_path(layer) -> str:
    """File path of a GDAL raster layer; LcxError saying what to do when the layer is not a file GDAL reads."""
    if not isinstance(layer, QgsRasterLayer) or not layer.isValid():
        raise LcxError(tr("Choose a valid raster layer."))
    source = layer.source()
    if layer.providerType() == "gdal":
        path = QgsProviderRegistry.instance().decodeUri("gdal", source).get("path") or source
        if os.path.exists(path) or path.startswith("/vsi"):
            return path
    raise LcxError(tr("Layer '{name}' is not a raster file on disk (it comes from {source}): save it as a "
                      "GeoTIFF (Export > Save As…) and choose that layer.").format(name=layer.name(), source=source))


def raster_layer_paths(layers: Sequence) -> list[str]:
    """``raster_layer_path`` of each layer, in order."""
    return [raster_layer_path(layer) for layer in layers]


def _is_polygon_or_point(layer) -> bool:
    """Qgis.GeometryType on QGIS >= 3.30 / 4, QgsWkbTypes.GeometryType before."""
    geometry_type = layer.geometryType()
    new = getattr(Qgis, "GeometryType", None)
    if new is not None and hasattr(new, "Polygon"):
        return geometry_type in (new.Polygon, new.Point)
    return geometry_type in (QgsWkbTypes.GeometryType.PolygonGeometry, QgsWkbTypes.GeometryType.PointGeometry)


def vector_layer_source(layer, temp_dir: Optional[str] = None) -> tuple[str, Optional[str]]:
    """(path, layer name) of a field-data layer as the engine (GDAL/OGR) reads it. Layers that are not a plain
    OGR file (memory layers, databases, a subset filter) are written to a GeoPackage in ``temp_dir`` first."""
    if not isinstance(layer, QgsVectorLayer) or not layer.isValid():
        raise LcxError(tr("Choose a valid field-data layer (polygons or points)."))
    if not _is_polygon_or_point(layer):
        raise LcxError(tr("Layer '{name}' holds neither polygons nor points: choose field data with polygons "
                          "or points.").format(name=layer.name()))
    if layer.providerType() == "ogr" and not layer.subsetString():
        parts = QgsProviderRegistry.instance().decodeUri("ogr", layer.source())
        path = parts.get("path") or ""
        if path and os.path.exists(path):
            return path, (parts.get("layerName") or None)
    folder = temp_dir or tempfile.mkdtemp(prefix="lcx-fielddata-")
    out = os.path.join(folder, "field_data.gpkg")
    options = QgsVectorFileWriter.SaveVectorOptions()
    options.driverName = "GPKG"
    options.layerName = "field_data"
    writer = getattr(QgsVectorFileWriter, "writeAsVectorFormatV3", None) or \
        QgsVectorFileWriter.writeAsVectorFormatV2
    result = writer(layer, out, QgsProject.instance().transformContext(), options)
    if result[0] != QgsVectorFileWriter.WriterError.NoError:
        raise LcxError(tr("Layer '{name}' cannot be written to a temporary GeoPackage ({error}).").format(
            name=layer.name(), error=result[1] if len(result) > 1 else result[0]))
    return out, "field_data"


def _file_state(path: str) -> Optional[tuple]:
    try:
        state = os.stat(path)
    except OSError:
        return None
    return state.st_size, state.st_mtime_ns


def _cache_key(paths: Sequence[str], layout: Optional[StackLayout]) -> tuple:
    # a file's metadata may live beside it (.aux.xml band tags, the layout sidecar): their state counts too
    files = tuple((p, _file_state(p), _file_state(p + ".aux.xml"), _file_state(p + LAYOUT_SUFFIX),
                   _file_state(os.path.splitext(p)[0] + LAYOUT_SUFFIX)) for p in paths)
    return files, (json.dumps(layout.to_dict(), sort_keys=True) if layout is not None else None)


def stack_info(paths: Sequence[str], layout: Optional[StackLayout] = None) -> StackInfo:
    """The engine's StackInfo of ``paths`` (metadata only), cached while the files are unchanged; StackError
    (cached too) when they do not make a stack."""
    paths = [str(p) for p in paths]
    key = _cache_key(paths, layout)
    if key not in _info_cache:
        try:
            _info_cache[key] = read_stack_info(paths, layout=layout)
        except StackError as exc:
            _info_cache[key] = str(exc)  # the message only: a kept traceback would keep GDAL objects alive
        while len(_info_cache) > _CACHE_SIZE:
            _info_cache.popitem(last=False)
    _info_cache.move_to_end(key)
    found = _info_cache[key]
    if isinstance(found, str):
        raise StackError(found)
    return found


def stack_summary(info: StackInfo) -> str:
    """One line for people: "5 dates × 13 bands, 100 × 101 pixels, WGS 84 / UTM zone 33N", and the dates the
    metadata declare cloudy (above half the scene)."""
    text = tr("{dates} dates × {bands} bands, {w} × {h} pixels, {crs}").format(
        dates=info.n_dates, bands=info.n_bands, w=info.width, h=info.height, crs=info.grid.crs_name)
    cloudy = [f"{day} ({fraction:.0%})" for day, fraction in zip(info.iso_dates, info.cloud_fraction)
              if fraction is not None and fraction > 0.5]
    if cloudy:
        text += "; " + tr("cloudy according to the metadata: {dates}").format(dates=", ".join(cloudy))
    return text


def clear_stack_info_cache() -> None:
    """Forget every cached StackInfo (tests; the plugin's unload)."""
    _info_cache.clear()
