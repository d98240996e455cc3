"""Sentinel-2-like synthetic stacks of any size, planted-signal arrays and planted-signal scenes of real sample
pixels for explanation tests.

The spectra come from the real sample (per class mean / spread of each band on its cloud-free dates),
stretched over a year with a smooth per-class phenology curve. A stack is written tile by tile, so a
multi-GB file never needs to fit in memory; per tile, pixels look up a small bank of class time series
and get one brightness factor each (far cheaper than drawing T x B noise values per pixel).
"""
from __future__ import annotations

import datetime
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Optional, Sequence

import numpy as np
from osgeo import gdal, osr

from ..io import band_names

SAMPLE_DIR = Path(__file__).resolve().parents[2] / "sample_data"
L2A_10_BANDS = band_names.S2_L2A_10_BANDS
CLASS_IDS = (1, 2, 3, 4, 8)  # the sample's classes; 0 = unlabelled
CLASS_NAMES = {1: "cultivated land", 2: "forest", 3: "grassland", 4: "shrubland", 8: "artificial surface"}
_CLASS_WEIGHTS = (0.15, 0.3, 0.25, 0.15, 0.15)  # milder imbalance than the sample, every class present
# Phenology per class: (greenness peak day of year, width in days, amplitude)
_PHENOLOGY = {1: (175, 28, 1.0), 2: (190, 75, 0.5), 3: (150, 45, 0.8), 4: (200, 55, 0.45), 8: (190, 60, 0.05)}
# How a band moves with greenness: NIR / red edge up, visible and SWIR down.
_BAND_RESPONSE = {"B01": -0.3, "B02": -0.4, "B03": -0.2, "B04": -0.7, "B05": -0.1, "B06": 0.5, "B07": 0.8,
                  "B08": 0.8, "B8A": 0.8, "B09": 0.5, "B10": 0.0, "B11": -0.3, "B12": -0.5}
_SAMPLE_DAY_OF_YEAR = 225  # middle of the sample's cloud-free dates (11 Jul - 9 Sep 2015)
_BANK_SIZE = 64  # time series per class
# per-pixel brightness factors (texture within a region), spread evenly over +-7 %
_BRIGHTNESS_LEVELS = np.linspace(0.93, 1.07, 16, dtype=np.float32)


def _compression_options() -> list[str]:
    """ZSTD where this GDAL has it (measured 1.8x faster to write and read than DEFLATE here), else DEFLATE."""
    creation = gdal.GetDriverByName("GTiff").GetMetadataItem("DMD_CREATIONOPTIONLIST") or ""
    if "ZSTD" in creation:
        return ["COMPRESS=ZSTD", "PREDICTOR=2", "ZSTD_LEVEL=1"]
    return ["COMPRESS=DEFLATE", "PREDICTOR=2", "ZLEVEL=1"]


COMPRESSION_OPTIONS = _compression_options()


@dataclass(frozen=True)
class PlantedSignal:
    """An extra class that differs from ``base_class`` only by ``delta`` reflectance in the given bands at
    the given date indices: ground truth for "which band / date explains this class"."""

    class_id: int = 9
    name: str = "planted"
    base_class: int = 3
    bands: tuple[str, ...] = ("B08",)
    dates: tuple[int, ...] = (5,)
    delta: float = 0.08
    share: float = 0.2  # fraction of regions given to the planted class


@dataclass(frozen=True)
class SyntheticParams:
    """Everything that decides the pixels: stored in the file's metadata so labels can be re-derived."""

    width: int
    height: int
    n_dates: int = 20
    bands: tuple[str, ...] = L2A_10_BANDS
    seed: int = 0
    region_size: int = 24  # typical side of one class region, in pixels
    cloud_fraction: float = 0.0  # share of (date, region) cells set to no-data
    start_date: str = "2021-01-10"
    planted: Optional[PlantedSignal] = None

    def dates(self) -> list[datetime.date]:
        """Acquisition dates spread evenly over one year from ``start_date``."""
        start = datetime.date.fromisoformat(self.start_date)
        step = 365.0 / self.n_dates
        return [start + datetime.timedelta(days=round(i * step)) for i in range(self.n_dates)]

    def to_json(self) -> str:
        """These parameters as JSON, so that a synthetic stack can be regenerated exactly."""
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> "SyntheticParams":
        """Parameters read back from ``to_json`` output."""
        data = json.loads(text)
        data["bands"] = tuple(data["bands"])
        if data.get("planted"):
            planted = data["planted"]
            planted["bands"], planted["dates"] = tuple(planted["bands"]), tuple(planted["dates"])
            data["planted"] = PlantedSignal(**planted)
        return cls(**data)


# ---------------------------------------------------------------------------------------------
# Class spectra from the real sample
# ---------------------------------------------------------------------------------------------
def sample_class_spectra(bands: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Per class (CLASS_IDS order) and band: mean and std reflectance of the sample's cloud-free dates."""
    from ..io.labels import read_label_raster
    from ..io.stack import open_stack

    metadata = json.loads((SAMPLE_DIR / "metadata.json").read_text(encoding="utf-8"))
    clear = [i for i, cloud in enumerate(metadata["cloud_fraction_per_date"]) if cloud == 0.0]
    stack = open_stack([str(SAMPLE_DIR / "s2_l1c_stack.tif")])
    try:
        missing = [b for b in bands if b not in stack.bands]
        if missing:
            raise ValueError(f"The sample has no band {missing}; choose among {stack.bands}")
        data = stack.read_all()[clear][:, [stack.bands.index(b) for b in bands]]  # (Tc, B, H, W)
        labels = read_label_raster(str(SAMPLE_DIR / "labels_lulc.tif"), stack.grid).labels
    finally:
        stack.close()
    means = np.empty((len(CLASS_IDS), len(bands)), np.float32)
    stds = np.empty_like(means)
    for k, class_id in enumerate(CLASS_IDS):
        pixels = data[:, :, labels == class_id]  # (Tc, B, n)
        means[k] = pixels.mean(axis=(0, 2))
        stds[k] = pixels.std(axis=2).mean(axis=0)  # spread between pixels, not between dates
    return means, stds


def class_bank(params: SyntheticParams) -> np.ndarray:
    """(n_classes, BANK, B, T) reflectance time series: sample spectra x phenology x per-series variation."""
    rng = np.random.default_rng([params.seed, 1])
    means, stds = sample_class_spectra(params.bands)
    day = np.array([d.timetuple().tm_yday for d in params.dates()], np.float32)
    response = np.array([_BAND_RESPONSE.get(b, 0.0) for b in params.bands], np.float32)
    n_classes = len(CLASS_IDS)
    bank = np.empty((n_classes, _BANK_SIZE, len(params.bands), params.n_dates), np.float32)
    for k, class_id in enumerate(CLASS_IDS):
        peak, width, amplitude = _PHENOLOGY[class_id]
        shift = rng.normal(0, 8, size=(_BANK_SIZE, 1, 1))  # phenology differs field to field
        greenness = amplitude * np.exp(-0.5 * ((day - peak - shift) / width) ** 2)
        at_sample = amplitude * np.exp(-0.5 * ((_SAMPLE_DAY_OF_YEAR - peak - shift) / width) ** 2)
        curve = 1.0 + 0.8 * response[None, :, None] * (greenness - at_sample)  # (BANK, B, T)
        common = rng.normal(size=(_BANK_SIZE, 1, 1))
        own = rng.normal(size=(_BANK_SIZE, len(params.bands), 1))
        level = means[k][None, :, None] + stds[k][None, :, None] * (0.8 * common + 0.6 * own)
        bank[k] = np.maximum(level, 0.005) * curve
    return np.clip(bank, 0.001, 1.5)


# ---------------------------------------------------------------------------------------------
# Class regions: deterministic per pixel, so any window (and the labels) can be rebuilt alone
# ---------------------------------------------------------------------------------------------
def _region_tables(params: SyntheticParams) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Class index per coarse cell, bank member per cell, and (T, cells) cloud flags."""
    rng = np.random.default_rng([params.seed, 2])
    cells_y = params.height // params.region_size + 3  # +1 margin each side for the wavy borders, +1 rounding
    cells_x = params.width // params.region_size + 3
    weights = np.array(_CLASS_WEIGHTS, float)
    cell_class = rng.choice(len(CLASS_IDS), size=(cells_y, cells_x), p=weights / weights.sum())
    if params.planted is not None:
        planted = rng.random((cells_y, cells_x)) < params.planted.share
        cell_class[planted] = len(CLASS_IDS)  # one past the sample classes
    cell_member = rng.integers(0, _BANK_SIZE, size=(cells_y, cells_x))
    clouds = rng.random((params.n_dates, cells_y, cells_x)) < params.cloud_fraction
    return cell_class, cell_member, clouds


def _cells_for_window(params: SyntheticParams, xoff: int, yoff: int, xsize: int, ysize: int):
    """Coarse cell (row, col) of every pixel, with wavy borders so regions do not look like a chessboard."""
    ys = np.arange(yoff, yoff + ysize)[:, None]
    xs = np.arange(xoff, xoff + xsize)[None, :]
    size = params.region_size
    wobble = size * 0.3
    rows = ((ys + wobble * np.sin(xs / (size * 0.7) + params.seed)) // size).astype(np.int64) + 1
    cols = ((xs + wobble * np.sin(ys / (size * 0.9) + 2 * params.seed)) // size).astype(np.int64) + 1
    return np.clip(rows, 0, None), np.clip(cols, 0, None)


def _class_ids_table(params: SyntheticParams) -> np.ndarray:
    ids = list(CLASS_IDS) + ([params.planted.class_id] if params.planted else [])
    return np.array(ids, np.int32)


def synthetic_labels(params: SyntheticParams, xoff: int = 0, yoff: int = 0, xsize: Optional[int] = None,
                     ysize: Optional[int] = None) -> np.ndarray:
    """True class id per pixel of a window (int32)."""
    xsize = params.width - xoff if xsize is None else xsize
    ysize = params.height - yoff if ysize is None else ysize
    cell_class, _, _ = _region_tables(params)
    rows, cols = _cells_for_window(params, xoff, yoff, xsize, ysize)
    return _class_ids_table(params)[cell_class[rows, cols]]


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------
def _create_tiff(path: str, params: SyntheticParams, count: int, dtype: int, block: int, compress: bool):
    # Band interleave: with ~200 bands GDAL 3.6 reads / writes pixel-interleaved tiles 4-5x slower (measured).
    options = ["TILED=YES", f"BLOCKXSIZE={block}", f"BLOCKYSIZE={block}", "BIGTIFF=IF_SAFER", "INTERLEAVE=BAND"]
    if compress:
        options += COMPRESSION_OPTIONS  # level 1: speed over a few % of size
    dataset = gdal.GetDriverByName("GTiff").Create(path, params.width, params.height, count, dtype, options)
    if dataset is None:
        raise OSError(f"Cannot create {path}: {gdal.GetLastErrorMsg()}")
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(32633)
    dataset.SetProjection(srs.ExportToWkt())
    dataset.SetGeoTransform((500000.0, 10.0, 0.0, 5100000.0, 0.0, -10.0))
    return dataset


def make_synthetic_stack(path: str, width: int, height: int, n_dates: int = 20,
                         bands: Sequence[str] = L2A_10_BANDS, seed: int = 0, block: int = 256,
                         compress: bool = True, planted: Optional[PlantedSignal] = None,
                         cloud_fraction: float = 0.0, region_size: int = 24) -> str:
    """Write a uint16 (reflectance x 10000, 0 = no-data), tiled GeoTIFF in EPSG:32633 at 10 m, with band
    descriptions ``T{i}_{date}_{band}`` in date-major order. Returns ``path``."""
    path = os.fspath(path)
    params = SyntheticParams(width=int(width), height=int(height), n_dates=int(n_dates),
                             bands=tuple(band_names.normalize_band(b) or b for b in bands), seed=int(seed),
                             region_size=int(region_size), cloud_fraction=float(cloud_fraction), planted=planted)
    bank = class_bank(params)  # (C, BANK, B, T)
    if planted is not None:
        extra = bank[CLASS_IDS.index(planted.base_class)].copy()
        for band in planted.bands:
            for t in planted.dates:
                extra[:, params.bands.index(band), t] += planted.delta
        bank = np.concatenate([bank, extra[None]], axis=0)
    n_bands = len(params.bands)
    # DN table (classes*BANK*LEVELS, T*B), date-major, with the per-pixel brightness already applied at
    # a few levels: a tile is then one uint16 row gather (pixel-interleaved) and GDAL spreads it over the
    # band-interleaved file through the buffer strides. Float passes per pixel cost 4x the gather here.
    series_dn = bank.transpose(0, 1, 3, 2).reshape(-1, 1, n_dates * n_bands) * np.float32(1e4)
    bank_dn = np.clip(series_dn * _BRIGHTNESS_LEVELS[None, :, None], 1, 65535).astype(np.uint16)
    bank_dn = bank_dn.reshape(-1, n_dates * n_bands)
    n_levels = len(_BRIGHTNESS_LEVELS)
    cell_class, cell_member, clouds = _region_tables(params)
    cell_series = (cell_class * _BANK_SIZE + cell_member) * n_levels

    tmp = path + ".partial.tif"
    try:
        _write_tiles(tmp, params, bank_dn, n_levels, cell_series, clouds, block, compress)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)  # no half-written stack left behind
        raise
    os.replace(tmp, path)
    return path


def _write_tiles(tmp: str, params: SyntheticParams, bank_dn: np.ndarray, n_levels: int, cell_series: np.ndarray,
                 clouds: np.ndarray, block: int, compress: bool) -> None:
    n_dates, n_bands = params.n_dates, len(params.bands)
    dates = params.dates()
    dataset = _create_tiff(tmp, params, n_dates * n_bands, gdal.GDT_UInt16, block, compress)
    for t, date in enumerate(dates):
        for b, band in enumerate(params.bands):
            gdal_band = dataset.GetRasterBand(t * n_bands + b + 1)
            gdal_band.SetDescription(f"T{t + 1}_{date.isoformat()}_{band}")
            gdal_band.SetMetadata({"date": date.isoformat(), "band": band, "scale_factor": "0.0001"})
            gdal_band.SetNoDataValue(0)
    dataset.SetMetadata({
        "DATES": ",".join(d.isoformat() for d in dates), "BANDS": ",".join(params.bands),
        "LAYOUT": "date-major: band index = t*B + b (0-based)", "UNITS": "reflectance * 10000",
        "LCX_SYNTHETIC": params.to_json(),
    })
    rng = np.random.default_rng([params.seed, 3])
    # one buffer for every tile: a fresh multi-MB array per tile page-faults anew (measured ~1.5x slower)
    tile_buffer = np.empty((block * block, n_dates * n_bands), np.uint16)
    for yoff in range(0, params.height, block):
        for xoff in range(0, params.width, block):
            xsize, ysize = min(block, params.width - xoff), min(block, params.height - yoff)
            rows, cols = _cells_for_window(params, xoff, yoff, xsize, ysize)
            series = cell_series[rows, cols].reshape(-1)
            series = series + rng.integers(0, n_levels, size=series.size)  # pixel texture: brightness level
            tile = np.take(bank_dn, series, axis=0, out=tile_buffer[: series.size])  # (pixels, T*B) uint16
            if params.cloud_fraction > 0:
                cloudy = clouds[:, rows, cols].reshape(n_dates, -1).T  # (pixels, T)
                tile.reshape(-1, n_dates, n_bands)[cloudy] = 0
            count = n_dates * n_bands
            if dataset.WriteRaster(xoff, yoff, xsize, ysize, tile, band_list=list(range(1, count + 1)),
                                   buf_pixel_space=2 * count, buf_line_space=2 * count * xsize,
                                   buf_band_space=2) != 0:
                raise OSError(f"Writing {tmp} failed: {gdal.GetLastErrorMsg()}")
    dataset.FlushCache()
    dataset = None


def synthetic_params(stack_path: str) -> SyntheticParams:
    """The parameters a synthetic stack was made with (from its metadata)."""
    dataset = gdal.Open(os.fspath(stack_path))
    text = dataset.GetMetadataItem("LCX_SYNTHETIC") if dataset is not None else None
    if not text:
        raise ValueError(f"{stack_path} is not a synthetic stack made by make_synthetic_stack")
    return SyntheticParams.from_json(text)


def write_synthetic_labels(stack_path: str, labels_path: str, labelled_share: float = 1.0,
                           seed: int = 0) -> dict[int, str]:
    """Write the true classes of a synthetic stack as a uint8 GeoTIFF on its grid (0 = unlabelled).
    ``labelled_share`` < 1 keeps only that share of the regions labelled, like sparse field data.
    Returns {class id: name}."""
    params = synthetic_params(stack_path)
    labels = synthetic_labels(params)
    if labelled_share < 1.0:
        rng = np.random.default_rng([seed, 4])
        cell_class, _, _ = _region_tables(params)
        keep = rng.random(cell_class.shape) < labelled_share
        rows, cols = _cells_for_window(params, 0, 0, params.width, params.height)
        labels = np.where(keep[rows, cols], labels, 0)
    source = gdal.Open(os.fspath(stack_path))
    out = gdal.GetDriverByName("GTiff").Create(os.fspath(labels_path), params.width, params.height, 1,
                                               gdal.GDT_Byte, ["TILED=YES", "COMPRESS=DEFLATE"])
    out.SetGeoTransform(source.GetGeoTransform())
    out.SetProjection(source.GetProjection())
    names = dict(CLASS_NAMES)
    if params.planted is not None:
        names[params.planted.class_id] = params.planted.name
    band = out.GetRasterBand(1)
    category_names = [""] * (max(names) + 1)
    for class_id, name in names.items():
        category_names[class_id] = name
    band.SetCategoryNames(category_names)
    band.WriteArray(labels.astype(np.uint8))
    out.FlushCache()
    return {i: names[i] for i in sorted(set(np.unique(labels).tolist()) - {0})}


# ---------------------------------------------------------------------------------------------
# Planted-signal arrays (no file): ground truth for explanation tests
# ---------------------------------------------------------------------------------------------
def make_planted_signal_arrays(n: int, n_bands: int, n_dates: int, planted_bands: Sequence[int],
                               planted_dates: Sequence[int], seed: int = 0,
                               delta: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """``X (n, n_bands, n_dates)`` float32 reflectance-like series and ``y`` (0 / 1, balanced) where class
    1 differs from class 0 only by ``+delta`` in ``planted_bands`` x ``planted_dates``; everything else
    is drawn from one distribution for both classes."""
    rng = np.random.default_rng(seed)
    y = np.zeros(n, np.int64)
    y[rng.permutation(n)[: n // 2]] = 1
    time = np.linspace(0, 1, n_dates, dtype=np.float32)
    level = rng.uniform(0.05, 0.35, size=(n, n_bands, 1)).astype(np.float32)
    amplitude = rng.uniform(-0.1, 0.1, size=(n, n_bands, 1)).astype(np.float32)
    phase = rng.uniform(0.3, 0.7, size=(n, 1, 1)).astype(np.float32)
    x = level + amplitude * np.exp(-0.5 * ((time[None, None, :] - phase) / 0.15) ** 2)
    x += rng.normal(0, 0.01, size=x.shape).astype(np.float32)
    mask = np.zeros((n_bands, n_dates), bool)
    mask[np.ix_(list(planted_bands), list(planted_dates))] = True
    x[y == 1] += np.float32(delta) * mask
    return x.astype(np.float32), y


# ---------------------------------------------------------------------------------------------
# Planted-signal scenes from the real sample's pixels
# ---------------------------------------------------------------------------------------------
@dataclass
class SamplePixels:
    """Every pixel of the real sample as a reflectance series: ``series`` (H*W, B, T) float32 (dates whose
    metadata cloud fraction is 1.0 replaced by the engine's linear gap filling in time from the clear dates,
    as the model sees them once masked), ``labels`` (H*W,) class ids (0 = unlabelled), the sample's bands,
    dates (ISO) and ``filled_dates`` (the replaced date indices)."""

    series: np.ndarray
    labels: np.ndarray
    bands: list
    dates: list
    filled_dates: list


def sample_pixels() -> SamplePixels:
    """The real sample (``sample_data/s2_l1c_stack.tif`` + ``labels_lulc.tif``) as pixel series."""
    from ..io.labels import read_label_raster
    from ..io.stack import open_stack
    from .gapfill import fill_gaps

    metadata = json.loads((SAMPLE_DIR / "metadata.json").read_text(encoding="utf-8"))
    cloudy = [i for i, cloud in enumerate(metadata["cloud_fraction_per_date"]) if cloud >= 1.0]
    stack = open_stack([str(SAMPLE_DIR / "s2_l1c_stack.tif")])
    try:
        cube = stack.read_all()  # (T, B, H, W) reflectance
        labels = read_label_raster(str(SAMPLE_DIR / "labels_lulc.tif"), stack.grid).labels
        bands, dates = list(stack.bands), [d.isoformat() for d in stack.dates]
        days = np.array([d.toordinal() for d in stack.dates], np.float64)
    finally:
        stack.close()
    series = cube.reshape(cube.shape[0], cube.shape[1], -1).transpose(2, 1, 0).astype(np.float32)
    series[:, :, cloudy] = np.nan
    series, _ = fill_gaps(series, min_valid_dates=1, times=days)
    return SamplePixels(series, labels.reshape(-1).astype(np.int64), bands, dates, cloudy)


def make_planted_sample_arrays(pixels: SamplePixels, n: int, planted_bands: Sequence[int],
                               planted_dates: Sequence[int], seed: int = 0, delta: float = 0.1,
                               pool: Optional[np.ndarray] = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(X (n, B, T), y (n,) 0 / 1 balanced, source (n,) pixel index)``: every row is a real labelled pixel
    of the sample (drawn class-balanced: a class of the pool uniformly, then one of its pixels), the same draw
    for both classes; class 1 gets ``+delta`` reflectance in ``planted_bands`` x ``planted_dates`` and nothing
    else, so the two classes differ only there. ``pool``: the pixel indices to draw from (e.g. one side of a
    spatial split, so that training and held-out scenes share no real pixel); default every labelled pixel."""
    rng = np.random.default_rng(seed)
    pool = np.flatnonzero(pixels.labels > 0) if pool is None else np.asarray(pool, np.int64)
    pool = pool[pixels.labels[pool] > 0]
    if not pool.size:
        raise ValueError("the pool holds no labelled pixel of the sample")
    classes = np.unique(pixels.labels[pool])
    by_class = {c: pool[pixels.labels[pool] == c] for c in classes}
    drawn = rng.choice(classes, size=n)
    source = np.array([rng.choice(by_class[c]) for c in drawn], np.int64)
    y = np.zeros(n, np.int64)
    y[rng.permutation(n)[: n // 2]] = 1
    x = pixels.series[source].copy()
    mask = np.zeros(x.shape[1:], bool)
    mask[np.ix_(list(planted_bands), list(planted_dates))] = True
    x[y == 1] += np.float32(delta) * mask
    return x.astype(np.float32), y, source


def write_planted_sample_scene(path: str, pixels: SamplePixels, side: int, planted_bands: Sequence[str],
                               planted_dates: Sequence[int], seed: int = 0, delta: float = 0.1,
                               pool: Optional[np.ndarray] = None) -> np.ndarray:
    """Write a georeferenced float32 reflectance GeoTIFF (side x side px, EPSG:32633, 10 m, the sample's dates
    and bands, band descriptions ``T{i}_{date}_{band}``, date-major) of :func:`make_planted_sample_arrays`
    pixels; returns the (side, side) labels: 1 = background, 2 = planted."""
    band_index = [pixels.bands.index(b) for b in planted_bands]
    x, y, _ = make_planted_sample_arrays(pixels, side * side, band_index, planted_dates, seed, delta, pool)
    n_bands, n_dates = x.shape[1], x.shape[2]
    cube = x.reshape(side, side, n_bands, n_dates).transpose(3, 2, 0, 1)  # (T, B, H, W)
    dataset = gdal.GetDriverByName("GTiff").Create(os.fspath(path), side, side, n_bands * n_dates,
                                                   gdal.GDT_Float32, ["TILED=YES", "COMPRESS=DEFLATE"])
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(32633)
    dataset.SetProjection(srs.ExportToWkt())
    dataset.SetGeoTransform((500000.0, 10.0, 0.0, 5100000.0, 0.0, -10.0))
    for t, date in enumerate(pixels.dates):
        for b, band in enumerate(pixels.bands):
            out = dataset.GetRasterBand(t * n_bands + b + 1)
            out.WriteArray(cube[t, b])
            out.SetDescription(f"T{t + 1}_{date}_{band}")
    dataset.SetMetadata({"LCX_PLANTED": json.dumps({
        "bands": list(planted_bands), "dates": [pixels.dates[t] for t in planted_dates], "delta": delta,
        "seed": seed, "source": "real pixels of sample_data/s2_l1c_stack.tif, class-balanced draw"})})
    dataset.FlushCache()
    dataset = None
    return (y + 1).reshape(side, side)
