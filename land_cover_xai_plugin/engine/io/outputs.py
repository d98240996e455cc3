"""Tiled, compressed GeoTIFF outputs written atomically, with colour tables and QGIS ``.qml`` styles.

Every output is written to ``<name>.partial.tif`` and renamed to ``<name>.tif`` only when the whole pass
succeeded (``OutputSet.commit``); on cancel or failure ``OutputSet.abort`` deletes the partial files, so a
half-written map is never left behind.

Conventions (shared by every output):
- on the stack's grid (same size, geotransform, CRS), 256×256 tiles, DEFLATE;
- float outputs are float32 with no-data = NaN (``FLOAT_NODATA``), the same convention as the stack reader;
- the class map is uint8 (uint16 when a class id is > 254) with a no-data value that is not a class id
  (0 when unused, which is the label convention, else the dtype's max), a colour table and category names;
- every band carries a description (class, date or band name) and a ``.qml`` style sits beside each file.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Sequence
from xml.sax.saxutils import quoteattr

import numpy as np

from ..errors import LcxError

FLOAT_NODATA = float("nan")
TILE_SIZE = 256
_SAMPLES_PER_WRITE = 1024  # values of band 1 kept per window written, for the style's range

# Perceptually uniform ramps sampled at 5 stops (matplotlib's magma / viridis; RdBu reversed for signed values).
MAGMA = ["#000004", "#51127c", "#b73779", "#fc8961", "#fcfdbf"]
VIRIDIS = ["#440154", "#3b528b", "#21918c", "#5ec962", "#fde725"]
DIVERGING = ["#2166ac", "#92c5de", "#f7f7f7", "#f4a582", "#b2182b"]


class OutputError(LcxError):
    """An output raster cannot be created or written."""


@dataclass
class ClassStyle:
    """One entry of the class-map legend."""

    id: int
    name: str
    color: str  # "#rrggbb"


@dataclass
class RampStyle:
    """A continuous colour ramp. ``transparent_low`` fades the low end out (heatmaps over imagery).
    ``symmetric`` centres the ramp on 0 (signed attributions). ``vmin``/``vmax`` None = from the data."""

    colors: list[str]
    vmin: float | None = None
    vmax: float | None = None
    transparent_low: bool = False
    symmetric: bool = False


@dataclass
class OutputSpec:
    """What one output file holds."""

    name: str  # file stem, e.g. "prediction", "gradcam_3"
    band_descriptions: list[str]
    dtype: str = "float32"  # "uint8" | "uint16" | "float32"
    nodata: float = FLOAT_NODATA
    classes: list[ClassStyle] | None = None  # class map only: colour table + category names
    ramp: RampStyle | None = None
    metadata: dict[str, str] = field(default_factory=dict)

    @property
    def n_bands(self) -> int:
        return len(self.band_descriptions)


def class_map_encoding(class_ids: Sequence[int]) -> tuple[str, int]:
    """(dtype, nodata) for a class map: the smallest unsigned type, and a no-data value that is no class id."""
    ids = [int(i) for i in class_ids]
    if min(ids) < 0 or max(ids) > 65534:
        raise OutputError(
            f"Class ids must lie in 0..65534 to be written as a class map (got {min(ids)}..{max(ids)}). "
            "Renumber the classes in the field data and retrain."
        )
    dtype = "uint8" if max(ids) <= 254 else "uint16"
    if 0 not in ids:
        return dtype, 0
    return dtype, 255 if dtype == "uint8" else 65535


def _gdal():
    from osgeo import gdal  # noqa: PLC0415 - keep engine import light

    gdal.UseExceptions()
    return gdal


_GDAL_TYPES = {"uint8": "GDT_Byte", "uint16": "GDT_UInt16", "float32": "GDT_Float32"}


class GeoTiffWriter:
    """One output raster, written window by window, committed atomically."""

    def __init__(self, out_dir: str, grid, spec: OutputSpec):
        gdal = _gdal()
        self.spec = spec
        self.final_path = os.path.join(out_dir, spec.name + ".tif")
        self.partial_path = os.path.join(out_dir, spec.name + ".partial.tif")
        self.qml_path = os.path.join(out_dir, spec.name + ".qml")
        self._np_dtype = np.dtype(spec.dtype)
        self._samples: list[np.ndarray] = []
        self.committed = False
        is_float = spec.dtype == "float32"
        options = [
            "TILED=YES",
            f"BLOCKXSIZE={TILE_SIZE}",
            f"BLOCKYSIZE={TILE_SIZE}",
            "COMPRESS=DEFLATE",
            # ZLEVEL 1: outputs are written while the model runs on the same cores; level 6 costs ~3x the
            # CPU for a few % smaller files.
            "ZLEVEL=1",
            f"PREDICTOR={3 if is_float else 2}",
            "BIGTIFF=IF_SAFER",
            "INTERLEAVE=BAND",
        ]
        driver = gdal.GetDriverByName("GTiff")
        try:
            for stale in (self.partial_path,):
                if os.path.exists(stale):
                    os.remove(stale)
            ds = driver.Create(
                self.partial_path, grid.width, grid.height, spec.n_bands, getattr(gdal, _GDAL_TYPES[spec.dtype]), options
            )
        except RuntimeError as exc:
            raise OutputError(
                f"Cannot create {self.partial_path}: {exc}. Check that the output folder exists, is writable "
                "and has free space."
            ) from exc
        ds.SetGeoTransform(tuple(grid.geotransform))
        if grid.crs_wkt:
            ds.SetProjection(grid.crs_wkt)
        for key, value in spec.metadata.items():
            ds.SetMetadataItem(key, str(value))
        for i, description in enumerate(spec.band_descriptions):
            band = ds.GetRasterBand(i + 1)
            band.SetDescription(description)
            band.SetNoDataValue(float(spec.nodata))
        if spec.classes:
            self._set_class_table(gdal, ds.GetRasterBand(1), spec.classes)
        self._ds = ds

    @staticmethod
    def _set_class_table(gdal, band, classes: list[ClassStyle]) -> None:
        table = gdal.ColorTable()
        names = [""] * (max(c.id for c in classes) + 1)
        for c in classes:
            table.SetColorEntry(int(c.id), (*_hex_to_rgb(c.color), 255))
            names[c.id] = c.name
        band.SetRasterColorTable(table)
        band.SetRasterColorInterpretation(gdal.GCI_PaletteIndex)
        band.SetCategoryNames(names)

    def write(self, data: np.ndarray, xoff: int, yoff: int) -> None:
        """Write ``data`` (bands, h, w) — or (h, w) for a one-band output — at (xoff, yoff)."""
        if data.ndim == 2:
            data = data[None]
        if data.shape[0] != self.spec.n_bands:
            raise ValueError(f"{self.spec.name}: got {data.shape[0]} bands, expected {self.spec.n_bands}")
        data = np.ascontiguousarray(data, dtype=self._np_dtype)
        if self.spec.ramp is not None:  # a thin sample of band 1, for the style's colour-ramp range
            first = data[0].reshape(-1)
            step = max(1, first.size // _SAMPLES_PER_WRITE)
            sample = first[::step]
            sample = sample[np.isfinite(sample)] if sample.dtype.kind == "f" else sample
            if sample.size:
                self._samples.append(sample.astype(np.float32))
        for i in range(data.shape[0]):
            self._ds.GetRasterBand(i + 1).WriteArray(data[i], xoff, yoff)

    def commit(self) -> str:
        """Flush, rename ``.partial.tif`` -> ``.tif`` and write the ``.qml`` beside it. Returns the final path."""
        self._close()
        os.replace(self.partial_path, self.final_path)
        # GTiff keeps category names in the PAM sidecar: it moves with the raster
        if os.path.exists(self.partial_path + ".aux.xml"):
            os.replace(self.partial_path + ".aux.xml", self.final_path + ".aux.xml")
        self.committed = True
        with open(self.qml_path, "w", encoding="utf-8") as fh:
            fh.write(self.style_qml())
        return self.final_path

    def abort(self) -> None:
        """Close and delete whatever was written (partial or final file and its style)."""
        self._close()
        for path in (self.partial_path, self.partial_path + ".aux.xml"):
            if os.path.exists(path):
                os.remove(path)

    def _close(self) -> None:
        ds, self._ds = getattr(self, "_ds", None), None
        if ds is not None:
            ds.FlushCache()
            ds = None  # GDAL closes on dereference

    def style_qml(self) -> str:
        spec = self.spec
        if spec.classes:
            return paletted_qml(spec.classes)
        ramp = spec.ramp or RampStyle(VIRIDIS)
        # Open ends of the ramp: 2nd / 98th percentile of the values written (a few extreme pixels would
        # otherwise squeeze the whole map into one colour)
        values = np.concatenate(self._samples) if self._samples else np.zeros(0, np.float32)
        low, high = (float(v) for v in np.percentile(values, [2, 98])) if values.size else (0.0, 1.0)
        vmin = ramp.vmin if ramp.vmin is not None else low
        vmax = ramp.vmax if ramp.vmax is not None else high
        if ramp.symmetric:
            bound = float(np.percentile(np.abs(values), 98)) if values.size else 1.0
            vmin, vmax = -(bound or 1.0), bound or 1.0
        if vmax <= vmin:
            vmax = vmin + 1.0
        return pseudocolor_qml(ramp.colors, vmin, vmax, transparent_low=ramp.transparent_low)


class OutputSet:
    """Several outputs of one pass: all committed together, or all removed.

    Use as a context manager: leaving the block through an exception (failure, ``Cancelled``) aborts.
    """

    def __init__(self, out_dir: str, grid, specs: Sequence[OutputSpec]):
        os.makedirs(out_dir, exist_ok=True)
        self.writers: dict[str, GeoTiffWriter] = {}
        try:
            for spec in specs:
                self.writers[spec.name] = GeoTiffWriter(out_dir, grid, spec)
        except BaseException:
            self.abort()
            raise

    def write(self, name: str, data: np.ndarray, xoff: int, yoff: int) -> None:
        self.writers[name].write(data, xoff, yoff)

    def commit(self) -> dict[str, str]:
        try:
            return {name: w.commit() for name, w in self.writers.items()}
        except BaseException:
            self.abort()
            raise

    def abort(self) -> None:
        for w in self.writers.values():
            w.abort()
            if w.committed:  # a failure during commit: never leave part of the set behind
                for path in (w.final_path, w.final_path + ".aux.xml", w.qml_path):
                    if os.path.exists(path):
                        os.remove(path)

    def __enter__(self) -> "OutputSet":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self.abort()


# --- QGIS styles (plain XML, valid for QGIS 3.22+) ------------------------------------------------------

_QML_HEAD = (
    "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
    '<qgis version="3.22.16-Białowieża" styleCategories="AllStyleCategories" '
    'hasScaleBasedVisibilityFlag="0" minScale="1e+08" maxScale="0">\n'
    "  <pipe>\n"
)
_QML_TAIL = (
    '    <brightnesscontrast brightness="0" contrast="0" gamma="1"/>\n'
    '    <huesaturation saturation="0" grayscaleMode="0" colorizeOn="0" colorizeRed="255" colorizeGreen="128" '
    'colorizeBlue="128" colorizeStrength="100"/>\n'
    '    <rasterresampler maxOversampling="2"/>\n'
    "  </pipe>\n"
    "  <blendMode>0</blendMode>\n"
    "</qgis>\n"
)
_MINMAX = (
    "      <minMaxOrigin>\n"
    "        <limits>None</limits>\n"
    "        <extent>WholeRaster</extent>\n"
    "        <statAccuracy>Estimated</statAccuracy>\n"
    "        <cumulativeCutLower>0.02</cumulativeCutLower>\n"
    "        <cumulativeCutUpper>0.98</cumulativeCutUpper>\n"
    "        <stdDevFactor>2</stdDevFactor>\n"
    "      </minMaxOrigin>\n"
)


def paletted_qml(classes: Sequence[ClassStyle]) -> str:
    """A paletted renderer whose legend lists every class with its name and colour."""
    entries = "".join(
        f"        <paletteEntry value={quoteattr(str(int(c.id)))} color={quoteattr(c.color.lower())} "
        f"label={quoteattr(c.name)} alpha=\"255\"/>\n"
        for c in sorted(classes, key=lambda c: c.id)
    )
    return (
        _QML_HEAD
        + '    <rasterrenderer type="paletted" band="1" opacity="1" alphaBand="-1" nodataColor="">\n'
        + "      <rasterTransparency/>\n"
        + _MINMAX
        + "      <colorPalette>\n"
        + entries
        + "      </colorPalette>\n"
        + "    </rasterrenderer>\n"
        + _QML_TAIL
    )


def pseudocolor_qml(colors: Sequence[str], vmin: float, vmax: float, transparent_low: bool = False) -> str:
    """A single-band pseudocolour renderer (interpolated colour ramp) over band 1.

    ``transparent_low``: alpha rises from 0 at ``vmin`` to opaque at the middle of the ramp, so a heatmap
    over imagery only shows where the relevance is high.
    """
    n = len(colors)
    items, props = [], []
    for i, color in enumerate(colors):
        frac = i / (n - 1)
        value = vmin + frac * (vmax - vmin)
        alpha = int(round(255 * min(1.0, 2 * frac))) if transparent_low else 255
        items.append(
            f'          <item alpha="{alpha}" value="{value:.6g}" label="{value:.4g}" color="{color.lower()}"/>\n'
        )
        r, g, b = _hex_to_rgb(color)
        if i == 0:
            props.append(f'          <prop k="color1" v="{r},{g},{b},{alpha}"/>\n')
        elif i == n - 1:
            props.append(f'          <prop k="color2" v="{r},{g},{b},{alpha}"/>\n')
    stops = ":".join(
        "{:.4g};{},{},{},{}".format(
            i / (n - 1), *_hex_to_rgb(colors[i]), int(round(255 * min(1.0, 2 * i / (n - 1)))) if transparent_low else 255
        )
        for i in range(1, n - 1)
    )
    props.append(f'          <prop k="stops" v="{stops}"/>\n')
    props.append('          <prop k="discrete" v="0"/>\n')
    return (
        _QML_HEAD
        + f'    <rasterrenderer type="singlebandpseudocolor" band="1" opacity="1" alphaBand="-1" nodataColor="" '
        f'classificationMin="{vmin:.6g}" classificationMax="{vmax:.6g}">\n'
        + "      <rasterTransparency/>\n"
        + _MINMAX
        + "      <rastershader>\n"
        + f'        <colorrampshader colorRampType="INTERPOLATED" classificationMode="1" clip="0" '
        f'minimumValue="{vmin:.6g}" maximumValue="{vmax:.6g}" labelPrecision="4">\n'
        + '          <colorramp type="gradient" name="[source]">\n'
        + "".join("  " + p for p in props)
        + "          </colorramp>\n"
        + "".join(items)
        + "        </colorrampshader>\n"
        + "      </rastershader>\n"
        + "    </rasterrenderer>\n"
        + _QML_TAIL
    )


def _hex_to_rgb(color: str) -> tuple[int, int, int]:
    c = color.lstrip("#")
    if len(c) != 6:
        raise OutputError(f"Colour '{color}' is not of the form #rrggbb: fix the class colours in the model file.")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)
