"""A Sentinel-2 time series as one (T dates, B bands) stack over one or several rasters.

Three ways in, all ending in the same internal map "(date t, band b) -> (file, band number)":
  a) one multi-band raster whose bands say what they are (descriptions like ``T1_2015-07-11_B01``, or
     per-band metadata tags ``date`` / ``band``, or dataset tags ``DATES`` / ``BANDS``), in any order;
  b) several rasters on one grid, e.g. one per date; a date missing from the bands is taken from the
     file name (``20150711_stack.tif``, Sentinel-2 product names) or the dataset metadata;
  c) an explicit :class:`StackLayout` (argument, or a sidecar ``<raster>.layout.json``): the bands of
     all files, concatenated in path order, are ``dates x bands`` in date-major or band-major order.

Two ways out: ``open_stack`` -> :class:`TimeSeriesStack` (reads windows of reflectance), and
``read_stack_info`` -> :class:`StackInfo` (the same facts from metadata only: dates, bands, grid, scaling,
per-date offset and the scene cloud fraction the band or file tags declare -- ``cloud_fraction`` 0..1 as in
the bundled sample, or Sentinel-2's ``CLOUDY_PIXEL_PERCENTAGE``). Front ends show a StackInfo, and
``models.model_file.check_compatible`` checks a model against it.

GDAL state is never changed globally (QGIS shares it): errors are silenced per call with a
thread-local error handler and detected from return values.
"""
from __future__ import annotations

import contextlib
import datetime
import json
import math
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterator, Optional, Sequence

import numpy as np
from osgeo import gdal, gdal_array, osr

from . import band_names
from ..errors import StackError

DEFAULT_INTEGER_SCALE = 1e-4  # Sentinel-2 DN = reflectance x 10000
LAYOUT_SUFFIX = ".layout.json"
_LAYOUT_HELP = (
    "Describe the stack with a layout: a JSON file '<raster>.layout.json' beside the raster, e.g. "
    '{"dates": ["2015-07-11", "2015-07-31"], "bands": ["B02", "B03", "B04", "B08"], "order": "date-major"}, '
    "or enter the dates and bands by hand where the tool offers it."
)
_DATE_TAGS = ("date", "DATE", "acquisition_date", "ACQUISITION_DATE", "datetime", "DATETIME",
              "SENSING_TIME", "PRODUCT_START_TIME", "DATATAKE_1_DATATAKE_SENSING_START")
_BAND_TAGS = ("band", "BAND", "band_name", "BAND_NAME", "BANDNAME", "name")
_PRODUCT_TAGS = ("PRODUCT_URI", "PRODUCT_NAME", "PRODUCT_ID", "product", "PRODUCT")
_SCALE_TAGS = ("scale_factor", "SCALE_FACTOR", "scale", "SCALE")
_OFFSET_TAGS = ("BOA_ADD_OFFSET", "RADIO_ADD_OFFSET", "offset", "OFFSET", "add_offset", "ADD_OFFSET")
# Scene cloud cover as a fraction 0..1 (the sample's per-band tag), resp. in percent (Sentinel-2 / Landsat products)
_CLOUD_FRACTION_TAGS = ("cloud_fraction", "CLOUD_FRACTION")
_CLOUD_PERCENT_TAGS = ("CLOUDY_PIXEL_PERCENTAGE", "CLOUD_COVERAGE_ASSESSMENT", "cloud_cover", "CLOUD_COVER",
                       "CLOUDCOVER")


@contextlib.contextmanager
def _quiet_gdal() -> Iterator[None]:
    """Silence GDAL errors for this thread only and start from a clean last-error message."""
    gdal.PushErrorHandler("CPLQuietErrorHandler")
    gdal.ErrorReset()
    try:
        yield
    finally:
        gdal.PopErrorHandler()


def _gdal_message(default: str = "no detail from GDAL") -> str:
    return gdal.GetLastErrorMsg().strip() or default


def _open_raster(path: str) -> gdal.Dataset:
    """Open read-only; StackError with GDAL's reason when the file is missing or not a raster."""
    if not os.path.exists(path) and not path.startswith("/vsi"):
        raise StackError(f"Raster not found: {path}. Check the path.")
    with _quiet_gdal():
        try:
            dataset = gdal.OpenEx(path, gdal.OF_RASTER | gdal.OF_READONLY)
        except RuntimeError:  # the host application turned GDAL exceptions on
            dataset = None
        reason = _gdal_message("not a raster format GDAL knows")
    if dataset is None or dataset.RasterCount == 0:
        raise StackError(
            f"Cannot read {path} as a raster ({reason}). "
            "Check that it is a complete GeoTIFF / VRT / JP2 (re-download or re-export it if it was cut short)."
        )
    return dataset


@dataclass(frozen=True)
class Grid:
    """Pixel grid: size, affine geotransform (GDAL order) and CRS as WKT."""

    width: int
    height: int
    geotransform: tuple
    crs_wkt: str

    @classmethod
    def from_dataset(cls, dataset: gdal.Dataset) -> "Grid":
        """The grid of an open GDAL dataset."""
        return cls(dataset.RasterXSize, dataset.RasterYSize, tuple(float(v) for v in dataset.GetGeoTransform()),
                   dataset.GetProjection() or "")

    @property
    def pixel_size(self) -> tuple[float, float]:
        """(x, y) pixel size in grid CRS units, both positive."""
        return abs(self.geotransform[1]), abs(self.geotransform[5])

    @property
    def extent(self) -> tuple[float, float, float, float]:
        """(xmin, ymin, xmax, ymax) in grid CRS units."""
        x0, dx, rx, y0, ry, dy = self.geotransform
        xs = [x0 + i * dx + j * rx for i in (0, self.width) for j in (0, self.height)]
        ys = [y0 + i * ry + j * dy for i in (0, self.width) for j in (0, self.height)]
        return min(xs), min(ys), max(xs), max(ys)

    def srs(self) -> Optional[osr.SpatialReference]:
        """The CRS as an OSR object in (x, y) axis order; None when the grid has no (readable) CRS."""
        if not self.crs_wkt:
            return None
        srs = osr.SpatialReference()
        if srs.ImportFromWkt(self.crs_wkt) != 0:
            return None
        srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
        return srs

    @property
    def epsg(self) -> Optional[int]:
        """The CRS's EPSG code when it has one."""
        srs = self.srs()
        if srs is None:
            return None
        code = srs.GetAuthorityCode(None)
        if code is None and srs.AutoIdentifyEPSG() == 0:
            code = srs.GetAuthorityCode(None)
        return int(code) if code and code.isdigit() else None

    @property
    def crs_name(self) -> str:
        """The CRS's name for people ("WGS 84 / UTM zone 33N"), or "no CRS"."""
        srs = self.srs()
        return srs.GetName() if srs is not None else "no CRS"

    def differences(self, other: "Grid") -> list[str]:
        """Human-readable list of what differs (empty when the grids are the same)."""
        found = []
        if (self.width, self.height) != (other.width, other.height):
            found.append(f"size {self.width}x{self.height} vs {other.width}x{other.height}")
        # a thousandth of a pixel: rounding in WKT / VRT writers must not count as a different grid
        tolerance = 1e-3 * max(min(self.pixel_size), 1e-12)
        if any(abs(a - b) > tolerance for a, b in zip(self.geotransform, other.geotransform)):
            found.append(f"geotransform {self.geotransform} vs {other.geotransform}")
        mine, theirs = self.srs(), other.srs()
        if (mine is None) != (theirs is None) or (mine is not None and not mine.IsSame(theirs)):
            found.append(f"CRS {self.crs_name} vs {other.crs_name}")
        return found

    def same_as(self, other: "Grid") -> bool:
        """True when ``differences`` finds nothing."""
        return not self.differences(other)

    def pixel_of(self, x: float, y: float) -> tuple[float, float]:
        """Fractional (row, col) of the point (x, y) in grid CRS units (rotated geotransforms too); the pixel
        holding it is (floor(row), floor(col)). StackError when the geotransform cannot be inverted."""
        x0, a, b, y0, d, e = self.geotransform
        det = a * e - b * d
        if det == 0:
            raise StackError("The stack's geotransform is degenerate (zero pixel size): it cannot be located on "
                             "the map. Give the raster a valid georeference (e.g. gdal_edit.py -a_ullr).")
        dx, dy = x - x0, y - y0
        return (-d * dx + a * dy) / det, (e * dx - b * dy) / det

    def contains_pixel(self, row: int, col: int) -> bool:
        """True when (row, col) is a pixel of the grid."""
        return 0 <= row < self.height and 0 <= col < self.width


@dataclass(frozen=True)
class Scaling:
    """Reflectance = DN * scale + offset."""

    scale: float = 1.0
    offset: float = 0.0


@dataclass
class StackLayout:
    """Explicit meaning of the bands: all bands of all files, concatenated in path order, are
    ``len(dates) x len(bands)`` in ``order`` ("date-major": index = t * B + b; "band-major": b * T + t).
    ``bands`` may be empty when each date has 13 (L1C), 12 (L2A) or 10 (L2A at 10/20 m) bands in the
    standard Sentinel-2 order."""

    dates: list[str]
    bands: list[str] = field(default_factory=list)
    order: str = "date-major"

    def __post_init__(self) -> None:
        if self.order not in ("date-major", "band-major"):
            raise StackError(f"Layout order '{self.order}' is unknown. Use 'date-major' or 'band-major'.")
        if not self.dates:
            raise StackError("The layout lists no dates. Give one date (YYYY-MM-DD) per acquisition, in band order.")
        self.dates = [str(d) for d in self.dates]
        self.bands = [str(b) for b in self.bands]

    @classmethod
    def from_json(cls, path: str | os.PathLike) -> "StackLayout":
        """Read a ``<raster>.layout.json`` sidecar; StackError saying how to write one when it is unusable."""
        try:
            with open(path, encoding="utf-8") as handle:
                data = json.load(handle)
        except (OSError, ValueError) as error:
            raise StackError(f"Cannot read the layout file {path}: {error}. {_LAYOUT_HELP}") from None
        if not isinstance(data, dict) or "dates" not in data:
            raise StackError(f"The layout file {path} has no 'dates' list. {_LAYOUT_HELP}")
        return cls(dates=list(data["dates"]), bands=list(data.get("bands") or []),
                   order=str(data.get("order", "date-major")))

    def to_dict(self) -> dict:
        """The layout as the JSON sidecar holds it."""
        return asdict(self)

    def parsed_dates(self) -> list[datetime.date]:
        """The dates as datetime.date; StackError naming one that is not a date."""
        parsed = []
        for text in self.dates:
            date = band_names.parse_date(text)
            if date is None:
                raise StackError(f"Layout date '{text}' is not a date. Write dates as YYYY-MM-DD.")
            parsed.append(date)
        return parsed

    def resolved_bands(self, bands_per_date: int) -> list[str]:
        """Normalised band names; the standard Sentinel-2 set for 13 / 12 / 10 bands when none are given."""
        if self.bands:
            names = [band_names.normalize_band(b) or b.upper() for b in self.bands]
            if len(set(names)) != len(names):
                raise StackError(f"The layout names a band twice ({self.bands}). Name each band once.")
            return names
        standard = {13: band_names.S2_L1C_BANDS, 12: band_names.S2_L2A_BANDS, 10: band_names.S2_L2A_10_BANDS}
        if bands_per_date in standard:
            return list(standard[bands_per_date])
        raise StackError(
            f"The layout gives no band names and {bands_per_date} bands per date is not a standard Sentinel-2 "
            "set (13, 12 or 10). Add a 'bands' list to the layout."
        )


@dataclass(frozen=True)
class _BandSource:
    """Where one (date, band) of the stack lives and how to turn its DN into reflectance."""

    file_index: int
    band_number: int  # 1-based, GDAL style
    scaling: Scaling
    nodata: Optional[float]
    cloud_fraction: Optional[float] = None  # scene cloud fraction (0..1) its metadata declare, None if none


@dataclass
class _Acquisition:
    date: datetime.date
    order_key: tuple
    bands: dict = field(default_factory=dict)  # band name -> _BandSource


class _FileReader:
    """One open dataset and the stack bands it feeds: one RasterIO call per window, then one vectorised
    DN -> reflectance conversion over all its bands (a per-band loop with mixed-type compares ran 8x slower)."""

    def __init__(self, path: str, dataset: gdal.Dataset, entries: list[tuple[int, _BandSource]]):
        self.path = path
        self.dataset = dataset
        self.band_list = [source.band_number for _, source in entries]
        self.targets = np.array([target for target, _ in entries])
        gdal_type = dataset.GetRasterBand(self.band_list[0]).DataType
        self.dtype = np.dtype(gdal_array.GDALTypeCodeToNumericTypeCode(gdal_type))
        if any(dataset.GetRasterBand(n).DataType != gdal_type for n in self.band_list):
            self.dtype = np.dtype(np.float64)  # mixed types within one file: read all losslessly
        self.is_float = self.dtype.kind == "f"
        # the stack planes it fills, as a slice when they are consecutive (the usual date-major case)
        first = int(self.targets[0])
        consecutive = np.array_equal(self.targets, np.arange(first, first + len(self.targets)))
        self.target_slice = slice(first, first + len(self.targets)) if consecutive else None
        scales = np.array([source.scaling.scale for _, source in entries], np.float32)
        offsets = np.array([source.scaling.offset for _, source in entries], np.float32)
        self.scale = scales[0] if np.all(scales == scales[0]) else scales[:, None, None]
        self.offset = offsets[0] if np.all(offsets == offsets[0]) else offsets[:, None, None]
        self.nodata = self._typed_nodata([source.nodata for _, source in entries])
        self._buffer: Optional[np.ndarray] = None
        self._scratch: Optional[np.ndarray] = None

    def _typed_nodata(self, values: list[Optional[float]]):
        """No-data in the buffer's own type (comparing uint16 with a Python float goes through float64);
        None where no pixel can hold it. Returns a scalar, or one per band as an array (NaN = none)."""
        typed = []
        for value in values:
            if value is None or math.isnan(value):
                typed.append(None)  # NaN no-data is caught by the finiteness check
            elif self.dtype.kind in "iu":
                info = np.iinfo(self.dtype)
                typed.append(self.dtype.type(value) if value == int(value) and info.min <= value <= info.max
                             else None)
            else:
                typed.append(self.dtype.type(value))
        if all(v is None for v in typed):
            return None
        if all(v == typed[0] for v in typed):
            return typed[0]
        return typed  # mixed: masked band by band

    @staticmethod
    def _may_hold(values: np.ndarray, value, dtype: np.dtype) -> bool:
        """Cheap pre-check before building a mask (``values`` stored as ``dtype``, or already converted to
        float32): no-data is usually the type's min (0) or max."""
        if dtype.kind == "f":
            return True
        if value <= 0 or value < np.iinfo(dtype).max // 2:
            return bool(values.min() <= value)
        return bool(values.max() >= value)

    def read_into(self, out: np.ndarray, xoff: int, yoff: int, xsize: int, ysize: int) -> bool:
        """Read the window of this file's bands and write their reflectance into the stack planes ``out``.
        Returns whether every value read is an observation (no value was set to NaN)."""
        shape = (len(self.band_list), ysize, xsize)
        # 8/16-bit integers are exact in float32: GDAL converts them while copying its decoded blocks, straight
        # into the planes (a uint16 buffer and numpy's mixed-type multiply cost another pass over the window)
        direct = self.target_slice is not None and self.dtype.itemsize <= 2 and self.dtype.kind in "iu"
        if not direct and (self._buffer is None or self._buffer.shape != shape):
            self._buffer = np.empty(shape, self.dtype)
            self._scratch = None if self.target_slice else np.empty(shape, np.float32)
        planes = out[self.target_slice] if self.target_slice else self._scratch
        with _quiet_gdal():
            try:
                result = self.dataset.ReadAsArray(xoff, yoff, xsize, ysize, buf_obj=planes if direct else self._buffer,
                                                  band_list=self.band_list)
            except RuntimeError:
                result = None
            reason = _gdal_message()
        if result is None:
            raise StackError(
                f"Reading window x={xoff} y={yoff} {xsize}x{ysize} of {self.path} failed ({reason}). "
                "The file may be truncated or damaged: re-create or re-download it."
            )
        values = planes if direct else self._buffer  # the stored values (DN)
        missing = self._missing(values)
        if direct:  # scaled in place, float32 x float32: the same bits as the buffer's multiply below
            if missing is not None:
                planes[missing] = np.nan
            if np.any(self.scale != 1):
                planes *= self.scale
        else:
            np.multiply(values, self.scale, out=planes, casting="unsafe")
            if missing is not None:
                planes[missing] = np.nan
        if np.any(self.offset):
            planes += self.offset
        complete = missing is None
        if self.is_float:
            non_finite = ~np.isfinite(planes)
            if non_finite.any():
                planes[non_finite] = np.nan
                complete = False
        if self.target_slice is None:
            out[self.targets] = planes
        return complete

    def _missing(self, values: np.ndarray) -> Optional[np.ndarray]:
        """Where ``values`` (this file's planes, stored values) hold no-data; None where none does."""
        if isinstance(self.nodata, list):
            per_band = [values[k] == value if value is not None else None for k, value in enumerate(self.nodata)]
            if not any(m is not None and m.any() for m in per_band):
                return None
            return np.stack([np.zeros(values.shape[1:], bool) if m is None else m for m in per_band])
        if self.nodata is None or not self._may_hold(values, self.nodata, self.dtype):
            return None
        missing = values == self.nodata
        return missing if missing.any() else None


@dataclass(frozen=True)
class StackInfo:
    """What a stack is, without its pixels: the facts front ends show and models are checked against.

    Built by ``read_stack_info`` (metadata only, cheap enough for a GUI thread) or ``TimeSeriesStack.info()``.
    Per date (index t, chronological): ``dates[t]``, ``offsets_per_date[t]`` (reflectance offset, differs
    across Sentinel-2 processing baselines) and ``cloud_fraction[t]`` (scene cloud fraction 0..1 its band or
    file metadata declare, None where nothing is declared)."""

    paths: list[str]
    dates: list[datetime.date]
    bands: list[str]
    grid: Grid
    scaling: Scaling
    dtype: str  # numpy name of the first band's type, e.g. "uint16"
    nodata: Optional[float]
    block_size: tuple[int, int]
    offsets_per_date: list[float]
    cloud_fraction: list[Optional[float]]
    layout_origin: str  # how the band meaning was found: "argument", a sidecar path, or from the bands

    @property
    def n_dates(self) -> int:
        """Number of dates T."""
        return len(self.dates)

    @property
    def n_bands(self) -> int:
        """Number of bands B per date."""
        return len(self.bands)

    @property
    def width(self) -> int:
        """Columns of the grid."""
        return self.grid.width

    @property
    def height(self) -> int:
        """Rows of the grid."""
        return self.grid.height

    @property
    def iso_dates(self) -> list[str]:
        """The dates as YYYY-MM-DD strings (the form model files store)."""
        return [d.isoformat() for d in self.dates]

    def cloud_fraction_on(self, dates: Sequence) -> list[Optional[float]]:
        """The declared cloud fraction on each of ``dates`` (dates or ISO strings): None where the stack has no
        such date or declares nothing for it. Several acquisitions on one day: the cloudiest."""
        by_day: dict[str, Optional[float]] = {}
        for day, value in zip(self.iso_dates, self.cloud_fraction):
            if value is not None:
                previous = by_day.get(day)
                by_day[day] = value if previous is None else max(previous, value)
        return [by_day.get(str(d.isoformat() if hasattr(d, "isoformat") else d)[:10]) for d in dates]

    def describe(self) -> dict:
        """A JSON-able summary (``lcx describe``, the CLI and reports)."""
        info = {
            "paths": list(self.paths),
            "dates": self.iso_dates,
            "bands": list(self.bands),
            "n_dates": self.n_dates,
            "n_bands": self.n_bands,
            "width": self.width,
            "height": self.height,
            "crs_name": self.grid.crs_name,
            "epsg": self.grid.epsg,
            "geotransform": list(self.grid.geotransform),
            "extent": list(self.grid.extent),
            "nodata": self.nodata,
            "dtype": self.dtype,
            "scaling": asdict(self.scaling),
            "block_size": list(self.block_size),
            "layout_from": self.layout_origin,
            "cloud_fraction": list(self.cloud_fraction),
        }
        if len(set(self.offsets_per_date)) > 1:
            info["offset_per_date"] = list(self.offsets_per_date)  # mixed processing baselines (before / after N0400)
        return info


def _date_cloud_fraction(row: Sequence[_BandSource]) -> Optional[float]:
    """One date's cloud fraction: the largest its bands declare (None when none does)."""
    values = [source.cloud_fraction for source in row if source.cloud_fraction is not None]
    return max(values) if values else None


def _stack_info(paths: list[str], dates: list[datetime.date], bands: list[str], grid: Grid,
                sources: list[list[_BandSource]], scaling: Scaling, layout_origin: str,
                datasets: list[gdal.Dataset]) -> StackInfo:
    first = sources[0][0]
    first_band = datasets[first.file_index].GetRasterBand(first.band_number)
    return StackInfo(
        paths=list(paths), dates=list(dates), bands=list(bands), grid=grid, scaling=scaling,
        dtype=np.dtype(gdal_array.GDALTypeCodeToNumericTypeCode(first_band.DataType)).name,
        nodata=first.nodata, block_size=tuple(int(v) for v in first_band.GetBlockSize()),
        offsets_per_date=[row[0].scaling.offset for row in sources],
        cloud_fraction=[_date_cloud_fraction(row) for row in sources], layout_origin=layout_origin)


class TimeSeriesStack:
    """T dates x B bands over one grid; ``read_window`` gives float32 reflectance (T, B, y, x), NaN = missing.

    Holds one GDAL dataset per file. GDAL handles are not thread-safe: give each thread its own
    ``clone()``.
    """

    # read_window already gives NaN for every missing value and never inf (float files: non-finite -> NaN;
    # integer files: finite scale and offset), so readers need not scan its windows for inf again
    missing_as_nan = True

    def __init__(self, paths: list[str], dates: list[datetime.date], bands: list[str], grid: Grid,
                 sources: list[list[_BandSource]], scaling: Scaling, layout_origin: str,
                 datasets: Optional[list[gdal.Dataset]] = None, read_threads: int = 1):
        self.paths = list(paths)
        self.dates = list(dates)
        self.bands = list(bands)
        self.grid = grid
        self.scaling = scaling
        self.layout_origin = layout_origin  # how the layout was found: for describe() and error reports
        self._sources = sources  # [t][b]
        self._datasets = datasets if datasets is not None else [_open_raster(p) for p in self.paths]
        self._info = _stack_info(self.paths, self.dates, self.bands, grid, sources, scaling, layout_origin,
                                 self._datasets)
        self.nodata: Optional[float] = self._info.nodata
        self.dtype: str = self._info.dtype
        self.block_size: tuple[int, int] = self._info.block_size
        # read_threads > 1: a window's planes are read in that many threads, each group of planes through GDAL
        # handles of its own (a handle serves one thread); group 0 uses this stack's handles
        self.read_threads = max(1, int(read_threads))
        self._groups = [self._build_readers(part, self.read_threads) for part in range(self.read_threads)]
        self._groups = [g for g in self._groups if g] or [[]]
        self._pool = None  # ThreadPoolExecutor for groups 1.., created at the first read

    def _build_readers(self, part: int = 0, parts: int = 1) -> list[_FileReader]:
        """The readers of group ``part`` of ``parts``: a contiguous share of every band-interleaved file's planes
        (GDAL decodes each band's blocks apart there); a single-band or pixel-interleaved file (whose blocks
        hold every band: split, each thread would decode every block) goes whole to one group, in turn."""
        per_file: dict[int, list[tuple[int, _BandSource]]] = {}
        for t, row in enumerate(self._sources):
            for b, source in enumerate(row):
                per_file.setdefault(source.file_index, []).append((t * self.n_bands + b, source))
        readers, whole_files = [], 0
        for i, entries in sorted(per_file.items()):
            dataset = self._datasets[i]
            if parts > 1 and (len(entries) == 1 or dataset.GetMetadataItem(
                    "INTERLEAVE", "IMAGE_STRUCTURE") == "PIXEL"):
                chunk = entries if whole_files % parts == part else []
                whole_files += 1
            else:
                chunk = entries[len(entries) * part // parts: len(entries) * (part + 1) // parts]
            if chunk:
                readers.append(_FileReader(self.paths[i], dataset if part == 0 else _open_raster(self.paths[i]),
                                           chunk))
        return readers

    # -- shape -------------------------------------------------------------------------------
    @property
    def n_dates(self) -> int:
        """Number of dates T."""
        return len(self.dates)

    @property
    def n_bands(self) -> int:
        """Number of bands B per date."""
        return len(self.bands)

    @property
    def width(self) -> int:
        """Columns of the grid."""
        return self.grid.width

    @property
    def height(self) -> int:
        """Rows of the grid."""
        return self.grid.height

    # -- reading -----------------------------------------------------------------------------
    def read_window(self, xoff: int, yoff: int, xsize: int, ysize: int,
                    out: Optional[np.ndarray] = None) -> np.ndarray:
        """Reflectance ``(T, B, ysize, xsize)`` float32, NaN where no-data / NaN / inf.

        ``out``: a C-contiguous float32 array of that shape to fill instead of a new one (a reused buffer
        saves the page faults of a fresh multi-MB allocation on every window)."""
        return self.read_window_checked(xoff, yoff, xsize, ysize, out)[0]

    def read_window_checked(self, xoff: int, yoff: int, xsize: int, ysize: int,
                            out: Optional[np.ndarray] = None) -> tuple[np.ndarray, bool]:
        """``read_window`` and whether every value of the window is an observation (no NaN in it): known from
        the reading itself, which spares the caller a scan of the window."""
        if self._datasets is None:
            raise StackError("The stack was closed. Open it again with open_stack().")
        if xsize <= 0 or ysize <= 0 or xoff < 0 or yoff < 0 or xoff + xsize > self.width or yoff + ysize > self.height:
            raise StackError(
                f"Window x={xoff} y={yoff} {xsize}x{ysize} lies outside the {self.width}x{self.height} stack. "
                "Ask for a window inside the raster."
            )
        shape = (self.n_dates, self.n_bands, ysize, xsize)
        if out is None:
            out = np.empty(shape, np.float32)
        elif out.shape != shape or out.dtype != np.float32 or not out.flags.c_contiguous:
            raise ValueError(f"out must be a C-contiguous float32 array of shape {shape}")
        planes = out.reshape(self.n_dates * self.n_bands, ysize, xsize)

        def read_group(group) -> bool:
            return all([reader.read_into(planes, xoff, yoff, xsize, ysize) for reader in group])
        if len(self._groups) > 1 and self._pool is None:
            from concurrent.futures import ThreadPoolExecutor

            self._pool = ThreadPoolExecutor(len(self._groups) - 1, thread_name_prefix="lcx-read")
        # GDAL's decoding and numpy's conversion release the GIL: the groups' planes are read side by side
        others = [self._pool.submit(read_group, group) for group in self._groups[1:]]
        complete = True
        try:
            complete = read_group(self._groups[0])
        finally:
            for future in others:
                complete = future.result() and complete  # waits for every group (re-raises the first failure)
        return out, complete

    def read_all(self) -> np.ndarray:
        """The whole stack as ``read_window`` gives it (small stacks and tests only)."""
        return self.read_window(0, 0, self.width, self.height)

    def iter_windows(self, window_size: Optional[int] = None) -> Iterator[tuple[int, int, int, int]]:
        """(xoff, yoff, xsize, ysize) covering the stack row by row; default: whole block rows, ~256 px tall."""
        bx, by = self.block_size
        if window_size is None:
            xsize_w = self.width
            ysize_w = max(by, (256 // max(by, 1)) * by) if by < self.height else self.height
        else:
            xsize_w = ysize_w = int(window_size)
        for yoff in range(0, self.height, ysize_w):
            for xoff in range(0, self.width, xsize_w):
                yield xoff, yoff, min(xsize_w, self.width - xoff), min(ysize_w, self.height - yoff)

    # -- handles -----------------------------------------------------------------------------
    def clone(self, read_threads: int = 1) -> "TimeSeriesStack":
        """The same stack with its own GDAL handles, for use in another thread; ``read_threads`` > 1: its
        windows are read in that many threads (for a reader that has the cores to itself)."""
        return TimeSeriesStack(self.paths, self.dates, self.bands, self.grid, self._sources, self.scaling,
                               self.layout_origin, read_threads=read_threads)

    reopen = clone

    def close(self) -> None:
        """Release the GDAL handles; reading afterwards raises StackError."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
        self._groups = [[]]
        self._datasets = None

    def __enter__(self) -> "TimeSeriesStack":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- reporting ---------------------------------------------------------------------------
    def info(self) -> StackInfo:
        """The stack's facts (dates, bands, grid, scaling, per-date metadata) as a StackInfo."""
        return self._info

    def offsets_per_date(self) -> list[float]:
        """Reflectance offset of each date (they differ across Sentinel-2 processing baselines)."""
        return list(self._info.offsets_per_date)

    def describe(self) -> dict:
        """A JSON-able summary: ``StackInfo.describe()``."""
        return self._info.describe()

    def __repr__(self) -> str:
        return (f"TimeSeriesStack({self.n_dates} dates x {self.n_bands} bands, {self.width}x{self.height}, "
                f"{len(self.paths)} file(s))")


# ---------------------------------------------------------------------------------------------
# Working out what each band is
# ---------------------------------------------------------------------------------------------
def _first_tag(metadata: dict, keys: Sequence[str]) -> Optional[str]:
    for key in keys:
        value = metadata.get(key)
        if value not in (None, ""):
            return value
    return None


def _file_product(path: str, metadata: dict) -> Optional[band_names.ProductInfo]:
    # the file, then its folders (a band file deep inside a .SAFE), then the product metadata
    for text in (*reversed(Path(path).parts), _first_tag(metadata, _PRODUCT_TAGS) or ""):
        product = band_names.parse_product_name(text)
        if product:
            return product
    return None


def _band_scaling(band: gdal.Band, dataset_metadata: dict, product: Optional[band_names.ProductInfo],
                  forced: Optional[Scaling]) -> Scaling:
    """Scale / offset of one band: the caller's, GDAL's own, tags, the product name, then dtype defaults."""
    if forced is not None:
        return forced
    gdal_scale, gdal_offset = band.GetScale(), band.GetOffset()
    is_float = gdal.GetDataTypeName(band.DataType).startswith(("Float", "CFloat"))
    dn_offset_only = not is_float and gdal_scale in (None, 1.0) and gdal_offset is not None and abs(gdal_offset) >= 1
    if dn_offset_only:
        # e.g. offset -1000 with no scale on uint16: an offset in DN (Sentinel-2 L2A), not in reflectance
        return Scaling(DEFAULT_INTEGER_SCALE, float(gdal_offset) * DEFAULT_INTEGER_SCALE)
    if (gdal_scale not in (None, 1.0)) or (gdal_offset not in (None, 0.0)):
        return Scaling(float(gdal_scale if gdal_scale is not None else 1.0), float(gdal_offset or 0.0))
    if is_float:
        return Scaling(1.0, 0.0)
    metadata = band.GetMetadata() or {}
    scale = DEFAULT_INTEGER_SCALE
    scale_tag = _first_tag(metadata, _SCALE_TAGS) or _first_tag(dataset_metadata, _SCALE_TAGS)
    quantification = _first_tag(dataset_metadata, ("BOA_QUANTIFICATION_VALUE", "QUANTIFICATION_VALUE"))
    try:
        if scale_tag is not None:
            scale = float(scale_tag)
        elif quantification is not None:
            scale = 1.0 / float(quantification)
    except (ValueError, ZeroDivisionError):
        scale = DEFAULT_INTEGER_SCALE
    offset_tag = _first_tag(metadata, _OFFSET_TAGS) or _first_tag(dataset_metadata, _OFFSET_TAGS)
    offset = 0.0
    if offset_tag is not None:
        try:
            value = float(offset_tag)
        except ValueError:
            value = 0.0
        # Sentinel-2's BOA_ADD_OFFSET is in DN (-1000); a small value is already in reflectance (-0.1)
        offset = value * scale if abs(value) >= 1 else value
    elif product is not None:
        offset = product.offset_dn * scale
    return Scaling(scale, offset)


@dataclass
class _BandInfo:
    file_index: int
    band_number: int
    band: Optional[str]
    date: Optional[datetime.date]
    time_index: Optional[int]
    source: _BandSource
    description: str


def _declared_cloud_fraction(band_tags: dict, dataset_metadata: dict) -> Optional[float]:
    """Scene cloud fraction 0..1 from a band's tags, else its file's (percent tags divided by 100); None if
    neither declares one. A 'fraction' above 1 is read as percent."""
    for metadata in (band_tags, dataset_metadata):
        fraction, percent = _first_tag(metadata, _CLOUD_FRACTION_TAGS), _first_tag(metadata, _CLOUD_PERCENT_TAGS)
        text = fraction if fraction is not None else percent
        if text is None:
            continue
        try:
            value = float(text)
        except ValueError:
            continue
        if not math.isfinite(value) or value < 0:
            continue
        if fraction is None or value > 1.0:
            value /= 100.0
        return min(value, 1.0)
    return None


def _inspect_file(file_index: int, path: str, dataset: gdal.Dataset, forced: Optional[Scaling]) -> list[_BandInfo]:
    metadata = dataset.GetMetadata() or {}
    product = _file_product(path, metadata)
    stem_label = band_names.parse_band_label(Path(path).stem)
    file_date = (product.date if product else None) or band_names.parse_date(Path(path).name) \
        or band_names.parse_date(_first_tag(metadata, _DATE_TAGS) or "")
    infos = []
    dated_by_file: dict[int, Optional[str]] = {}  # band index -> name, for bands dated by the file only
    for number in range(1, dataset.RasterCount + 1):
        band = dataset.GetRasterBand(number)
        description = band.GetDescription() or ""
        tags = band.GetMetadata() or {}
        label = band_names.parse_band_label(description)
        band_product = band_names.parse_product_name(description) or product
        name = label.band if label else band_names.normalize_band(_first_tag(tags, _BAND_TAGS) or "")
        if name is None and dataset.RasterCount == 1 and stem_label is not None:
            name = stem_label.band  # one band per file: "20150711_B04.tif"
        date = (label.date if label else None) or band_names.parse_date(_first_tag(tags, _DATE_TAGS) or "")
        if date is None:
            date = file_date
            dated_by_file[number - 1] = name
        nodata = band.GetNoDataValue()
        source = _BandSource(file_index, number, _band_scaling(band, metadata, band_product, forced),
                             None if nodata is None else float(nodata), _declared_cloud_fraction(tags, metadata))
        infos.append(_BandInfo(file_index, number, name, date, label.time_index if label else None, source,
                               description))
    if len(set(dated_by_file.values())) < len(dated_by_file):
        # one date from the file name, yet a band repeats: several dates whose own dates are unknown
        for index in dated_by_file:
            infos[index].date = None
    _fill_from_dataset_tags(infos, metadata)
    return infos


def _fill_from_dataset_tags(infos: list[_BandInfo], metadata: dict) -> None:
    """Dataset tags BANDS="B01,B02,..." DATES="2015-07-11,..." (+ LAYOUT mentioning band-major) as a fallback."""
    if all(info.band and info.date for info in infos):
        return
    bands = [band_names.normalize_band(b) for b in (metadata.get("BANDS") or "").split(",") if b.strip()]
    dates = [band_names.parse_date(d) for d in (metadata.get("DATES") or "").split(",") if d.strip()]
    if not bands or not dates or None in bands or None in dates or len(bands) * len(dates) != len(infos):
        return
    band_major = "band-major" in (metadata.get("LAYOUT") or "").lower()
    for index, info in enumerate(infos):
        t, b = (index % len(dates), index // len(dates)) if band_major else divmod(index, len(bands))
        info.band = info.band or bands[b]
        info.date = info.date or dates[t]
        if info.time_index is None:
            info.time_index = t + 1


def _acquisitions_from_labels(infos: list[_BandInfo], paths: list[str]) -> list[_Acquisition]:
    unknown = [info for info in infos if info.band is None or info.date is None]
    if unknown:
        info = unknown[0]
        missing = "band name" if info.band is None else "date"
        raise StackError(
            f"Cannot tell the {missing} of band {info.band_number} of {paths[info.file_index]} "
            f"(description '{info.description}'; {len(unknown)} band(s) like it). "
            "Band descriptions like 'T1_2015-07-11_B04' or '20150711_B04', per-band tags 'date' and 'band', or a "
            f"date in the file name are understood. {_LAYOUT_HELP}"
        )
    # Bands sharing (date, time index) form one acquisition; a band seen twice there starts a further
    # acquisition of the same date (two files of one day, or a stack that repeats a date).
    groups: dict[tuple, _Acquisition] = {}
    seen: dict[tuple, int] = {}
    for info in infos:
        base = (info.date, info.time_index if info.time_index is not None else -1)
        occurrence = seen.get(base + (info.band,), 0)
        seen[base + (info.band,)] = occurrence + 1
        key = base + (occurrence,)
        if key not in groups:
            groups[key] = _Acquisition(info.date, (info.date, base[1], occurrence))
        groups[key].bands[info.band] = info.source
    return sorted(groups.values(), key=lambda acq: acq.order_key)


def _acquisitions_from_layout(layout: StackLayout, infos: list[_BandInfo], paths: list[str]) -> list[_Acquisition]:
    dates = layout.parsed_dates()
    total = len(infos)
    if total % len(dates):
        raise StackError(
            f"The layout lists {len(dates)} dates but the raster(s) have {total} bands, not a multiple of it. "
            "Fix the layout's dates or the list of rasters."
        )
    bands = layout.resolved_bands(total // len(dates))
    if len(dates) * len(bands) != total:
        raise StackError(
            f"The layout says {len(dates)} dates x {len(bands)} bands = {len(dates) * len(bands)} bands, "
            f"but {', '.join(paths)} hold {total}. Fix the layout so that the counts match."
        )
    acquisitions = [_Acquisition(date, (date, t, 0)) for t, date in enumerate(dates)]
    for index, info in enumerate(infos):
        if layout.order == "date-major":
            t, b = divmod(index, len(bands))
        else:
            b, t = divmod(index, len(dates))
        acquisitions[t].bands[bands[b]] = info.source
    return sorted(acquisitions, key=lambda acq: acq.order_key)


def _find_sidecar(path: str) -> Optional[Path]:
    raster = Path(path)
    for candidate in (raster.with_name(raster.name + LAYOUT_SUFFIX), raster.with_suffix(LAYOUT_SUFFIX)):
        if candidate.is_file():
            return candidate
    return None


def _check_readable(path: str, dataset: gdal.Dataset) -> None:
    """Decode the first and last pixel of the first and last band: catches truncated files at open time."""
    for number in {1, dataset.RasterCount}:
        band = dataset.GetRasterBand(number)
        for x, y in ((0, 0), (dataset.RasterXSize - 1, dataset.RasterYSize - 1)):
            with _quiet_gdal():
                try:
                    ok = band.ReadRaster(x, y, 1, 1) is not None
                except RuntimeError:
                    ok = False
                reason = _gdal_message()
            if not ok:
                raise StackError(
                    f"{path} cannot be read ({reason}): the file is truncated or damaged. "
                    "Re-create or re-download it."
                )


@dataclass
class _Resolved:
    """A stack's meaning worked out from its files' metadata (the datasets stay open)."""

    paths: list[str]
    datasets: list[gdal.Dataset]
    grid: Grid
    dates: list[datetime.date]
    bands: list[str]
    sources: list[list[_BandSource]]  # [t][b]
    scaling: Scaling
    layout_origin: str


def _resolve(paths: Sequence[str] | str, layout: Optional[StackLayout], scaling: Optional[Scaling],
             check_pixels: bool) -> _Resolved:
    """Open the files, check they share one grid and work out which (date, band) each band is.
    ``check_pixels``: also decode a few pixels to catch truncated files (open_stack; read_stack_info skips it)."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    paths = [os.fspath(p) for p in paths]
    if not paths:
        raise StackError("No raster given. Choose a multi-band time-series raster or one raster per date.")
    seen: dict = {}
    for path in paths:  # the same file twice would feed its dates twice (or as other dates) without a word
        key = os.path.normcase(os.path.realpath(path)) if os.path.exists(path) else path
        if key in seen:
            raise StackError(f"{path} is given twice (as {seen[key]} already): give each raster of the stack once.")
        seen[key] = path
    layout_origin = "argument" if layout is not None else "band descriptions / tags / file names"
    if layout is None and len(paths) == 1:
        sidecar = _find_sidecar(paths[0])
        if sidecar is not None:
            layout = StackLayout.from_json(sidecar)
            layout_origin = str(sidecar)

    datasets: list[gdal.Dataset] = []
    try:
        for path in paths:
            datasets.append(_open_raster(path))
        return _resolve_open(paths, datasets, layout, layout_origin, scaling, check_pixels)
    except StackError as exc:
        # An error is kept by those who show it later (a GUI cache, a task's report): its traceback must not keep
        # the files open through the frames' locals -- GDAL may be shut down before they are freed (a crash).
        datasets.clear()
        raise exc.with_traceback(None) from None


def _resolve_open(paths: list[str], datasets: list[gdal.Dataset], layout: Optional[StackLayout],
                  layout_origin: str, scaling: Optional[Scaling], check_pixels: bool) -> _Resolved:
    """``_resolve`` once the files are open."""
    grid = Grid.from_dataset(datasets[0])
    for path, dataset in zip(paths[1:], datasets[1:]):
        differences = grid.differences(Grid.from_dataset(dataset))
        if differences:
            raise StackError(
                f"{paths[0]} and {path} are not on the same grid ({'; '.join(differences)}). "
                "Resample them onto one grid first (e.g. gdalwarp -tr / -te / -t_srs, or QGIS 'Align rasters')."
            )
    if check_pixels:
        for path, dataset in zip(paths, datasets):
            _check_readable(path, dataset)

    infos = [info for index, (path, dataset) in enumerate(zip(paths, datasets))
             for info in _inspect_file(index, path, dataset, scaling)]
    if layout is not None:
        acquisitions = _acquisitions_from_layout(layout, infos, paths)
    else:
        acquisitions = _acquisitions_from_labels(infos, paths)

    all_bands = band_names.sort_bands([name for acq in acquisitions for name in acq.bands])
    if layout is not None and layout.bands:
        all_bands = list(acquisitions[0].bands)  # the user's order
    for t, acq in enumerate(acquisitions):
        missing = [band for band in all_bands if band not in acq.bands]
        if missing:
            raise StackError(
                f"Date {acq.date.isoformat()} (acquisition {t + 1} of {len(acquisitions)}) has no band "
                f"{', '.join(missing)}, which other dates have. Every date needs the same bands: add the missing "
                "band(s) or drop them from the other dates."
            )
    sources = [[acq.bands[band] for band in all_bands] for acq in acquisitions]
    return _Resolved(paths, datasets, grid, [acq.date for acq in acquisitions], all_bands, sources,
                     scaling or sources[0][0].scaling, layout_origin)


def open_stack(paths: Sequence[str] | str, layout: Optional[StackLayout] = None,
               scaling: Optional[Scaling] = None) -> TimeSeriesStack:
    """Open one multi-band raster or several rasters on one grid as a (T dates, B bands) stack.

    ``layout``: explicit band meaning (else a sidecar ``<raster>.layout.json`` beside a single raster, else
    band descriptions / tags / file names). ``scaling``: force DN -> reflectance for every band (else GDAL
    scale / offset, tags, product name, 1e-4 for integers, 1 for floats).
    """
    found = _resolve(paths, layout, scaling, check_pixels=True)
    return TimeSeriesStack(found.paths, found.dates, found.bands, found.grid, found.sources, found.scaling,
                           found.layout_origin, datasets=found.datasets)


def read_stack_info(paths: Sequence[str] | str, layout: Optional[StackLayout] = None,
                    scaling: Optional[Scaling] = None) -> StackInfo:
    """The StackInfo ``open_stack(paths, layout, scaling).info()`` would give, from the files' metadata only
    (no pixel is decoded, no reader is built): cheap enough to call where a user waits. StackError as
    ``open_stack`` raises it, except for damaged pixel data, which only reading finds."""
    found = _resolve(paths, layout, scaling, check_pixels=False)
    return _stack_info(found.paths, found.dates, found.bands, found.grid, found.sources, found.scaling,
                       found.layout_origin, found.datasets)
