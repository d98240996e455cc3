"""Observation validity per pixel and date: which values of a stack are real observations of the ground.

Sources, all optional and combined (a value is missing when any source says so):

* no-data / NaN / inf in the stack itself (always; the stack reader turns no-data into NaN);
* per-date metadata: a date whose ``cloud_fraction`` (``StackInfo.cloud_fraction``) exceeds
  ``ValidityConfig.cloud_fraction_max`` is missing everywhere;
* a mask raster per date, or one mask raster with one band per date, on the stack's grid, read with a
  :class:`MaskRule`: class values (Sentinel-2 L2A SCL, Fmask) or bit flags (Theia / MAJA CLM, MG2) that
  mean cloud, shadow, snow or no data.

Missing values become NaN; ``data.windows`` then refills them by day of year (``data.calendar``), the same way
in training, streaming inference and the pixel explanation.
"""
from __future__ import annotations

import dataclasses
import os
import threading
from dataclasses import dataclass, field
from typing import Optional, Sequence

import numpy as np

from ..errors import LcxError, StackError
from ..io import band_names

MASK_KINDS = ("values", "bits")
# The training default: the accuracy benchmark (benchmarks/results/accuracy.md) and the explanations favour
# masking dates declared more than half cloudy
DEFAULT_CLOUD_FRACTION_MAX = 0.5


@dataclass(frozen=True)
class MaskRule:
    """How to read a mask raster: ``kind="values"``: a pixel is invalid where the mask equals one of
    ``values`` (class codes); ``kind="bits"``: invalid where any of the bit positions ``values`` is set."""

    kind: str = "values"
    values: tuple[int, ...] = ()
    name: str = "custom"

    def __post_init__(self) -> None:
        values = tuple(int(v) for v in self.values)
        object.__setattr__(self, "values", values)
        if self.kind not in MASK_KINDS:
            raise LcxError(f"Mask rule kind '{self.kind}' is unknown: use 'values' (class codes) or 'bits' "
                           "(bit positions).")
        if not values:
            raise LcxError(f"Mask rule '{self.name}' lists no value: give the class codes or bit positions "
                           "that mean cloud, shadow, snow or no data.")
        if self.kind == "bits" and not all(0 <= v < 63 for v in values):
            raise LcxError(f"Mask rule '{self.name}': bit positions must lie in 0..62, got {list(values)}.")

    def invalid(self, mask: np.ndarray) -> np.ndarray:
        """Bool array, True where ``mask`` marks the observation as unusable (NaN in a mask counts too)."""
        mask = np.asarray(mask)
        unreadable = ~np.isfinite(mask) if mask.dtype.kind == "f" else np.zeros(mask.shape, bool)
        codes = np.where(unreadable, 0, mask).astype(np.int64)
        if self.kind == "values":
            return np.isin(codes, self.values) | unreadable
        bits = np.int64(sum(1 << v for v in self.values))
        return ((codes & bits) != 0) | unreadable

    def to_dict(self) -> dict:
        """JSON-safe form (stored in model files and training reports)."""
        return {"kind": self.kind, "values": list(self.values), "name": self.name}

    @classmethod
    def from_dict(cls, data: dict) -> "MaskRule":
        """Rebuild from :meth:`to_dict`."""
        return cls(str(data.get("kind", "values")), tuple(data.get("values", ())), str(data.get("name", "custom")))


# Codes that mean "not a clear view of the ground" in the masks users have.
MASK_PRESETS: dict[str, MaskRule] = {
    # Sentinel-2 L2A scene classification: 0 no data, 1 saturated / defective, 3 cloud shadow,
    # 8 / 9 cloud medium / high probability, 10 thin cirrus, 11 snow or ice.
    "s2_scl": MaskRule("values", (0, 1, 3, 8, 9, 10, 11), "s2_scl"),
    # Theia / MAJA L2A CLM_R1 / CLM_R2: every bit is a cloud or cloud-shadow test; 0 = clear.
    "theia_clm": MaskRule("bits", tuple(range(8)), "theia_clm"),
    # Theia / MAJA MG2: bit 1 cloud, 2 snow, 3 cloud shadow, 4 topographic shadow, 5 hidden by relief,
    # 6 sun too low, 7 sun tangent (bit 0 = water is a valid observation).
    "theia_mg2": MaskRule("bits", (1, 2, 3, 4, 5, 6, 7), "theia_mg2"),
    # Fmask: 0 clear land, 1 clear water, 2 cloud shadow, 3 snow, 4 cloud, 255 no observation.
    "fmask": MaskRule("values", (2, 3, 4, 255), "fmask"),
    # the masks data.cloud_detection.detect_clouds writes with s2cloudless: 1 cloud, 255 no data
    "s2cloudless": MaskRule("values", (1, 255), "s2cloudless"),
}


def mask_rule(rule) -> MaskRule:
    """A MaskRule from itself, a preset name (``s2_scl``, ``theia_clm``, ``theia_mg2``, ``fmask``) or a dict."""
    if isinstance(rule, MaskRule):
        return rule
    if isinstance(rule, dict):
        return MaskRule.from_dict(rule)
    key = str(rule).strip().lower()
    if key not in MASK_PRESETS:
        raise LcxError(f"Unknown mask preset '{rule}': choose one of {', '.join(MASK_PRESETS)}, or describe the "
                       "mask with MaskRule(kind='values' or 'bits', values=...).")
    return MASK_PRESETS[key]


@dataclass(frozen=True)
class ValidityConfig:
    """Which observations count as missing, beyond the stack's own no-data / NaN / inf.

    ``cloud_fraction_max``: a date whose metadata cloud fraction is above it is missing (None: ignored).
    ``mask_paths``: one mask raster per stack date (matched by the date in its file name when every name holds
    one, else in the stack's date order), or one raster with one band per date; on the stack's grid.
    ``mask_rule``: how to read them (a MaskRule or a preset name, see MASK_PRESETS).
    ``warn_without_metadata``: warn when the threshold is set but a stack declares no cloud fraction (nothing
    can be masked by metadata). False for the training default (:meth:`default`), which is silently inactive
    on such a stack; True for a threshold a user chose.
    """

    cloud_fraction_max: Optional[float] = None
    mask_paths: tuple[str, ...] = ()
    mask_rule: object = "s2_scl"
    warn_without_metadata: bool = True

    @classmethod
    def default(cls) -> "ValidityConfig":
        """The training default: a date whose declared cloud fraction exceeds DEFAULT_CLOUD_FRACTION_MAX is
        missing (re-filled by day); silent on a stack that declares no cloud fraction."""
        return cls(DEFAULT_CLOUD_FRACTION_MAX, warn_without_metadata=False)

    def with_masks(self, mask_paths: Sequence[str], rule=None) -> "ValidityConfig":
        """These settings with this stack's mask rasters (``rule``: a MaskRule or preset name; None: keep)."""
        return dataclasses.replace(self, mask_paths=tuple(mask_paths),
                                   mask_rule=self.mask_rule if rule is None else rule)

    def __post_init__(self) -> None:
        paths = self.mask_paths
        if isinstance(paths, (str, os.PathLike)):
            paths = (paths,)
        object.__setattr__(self, "mask_paths", tuple(os.fspath(p) for p in paths))
        object.__setattr__(self, "mask_rule", mask_rule(self.mask_rule))
        value = self.cloud_fraction_max
        if value is not None and not (isinstance(value, (int, float)) and 0.0 <= float(value) <= 1.0):
            raise LcxError(f"cloud_fraction_max must be a fraction between 0 and 1 (or None), got {value!r}.")

    @property
    def masks_dates(self) -> bool:
        """True when the per-date metadata threshold is in use."""
        return self.cloud_fraction_max is not None

    def to_dict(self) -> dict:
        """JSON-safe form (training reports, model files)."""
        return {"cloud_fraction_max": self.cloud_fraction_max, "mask_paths": list(self.mask_paths),
                "mask_rule": self.mask_rule.to_dict(), "warn_without_metadata": self.warn_without_metadata}

    @classmethod
    def from_dict(cls, data: Optional[dict]) -> "ValidityConfig":
        """Rebuild from :meth:`to_dict` (None: the default, nothing masked beyond no-data)."""
        if not data:
            return cls()
        if not isinstance(data, dict):
            raise ValueError("validity settings must be a JSON object")
        value = data.get("cloud_fraction_max")
        return cls(None if value is None else float(value), tuple(data.get("mask_paths") or ()),
                   MaskRule.from_dict(data["mask_rule"]) if data.get("mask_rule") else "s2_scl",
                   bool(data.get("warn_without_metadata", True)))

    def model_settings(self) -> "ValidityConfig":
        """What a model keeps of these settings: the threshold and the rule, not this stack's mask files."""
        return dataclasses.replace(self, mask_paths=())


def training_validity(mask_cloudy_dates: bool = True, cloud_fraction_max: Optional[float] = None,
                      mask_paths: Sequence[str] = (), rule="s2_scl") -> ValidityConfig:
    """The validity settings of a front end's training options: ``mask_cloudy_dates`` False uses every date;
    else the threshold ``cloud_fraction_max`` (None or the default value: the silent default, see
    :meth:`ValidityConfig.default`; another value warns on a stack declaring no cloud fraction); plus the
    stack's ``mask_paths`` read with ``rule``."""
    if not mask_cloudy_dates:
        chosen = ValidityConfig()
    elif cloud_fraction_max is None or float(cloud_fraction_max) == DEFAULT_CLOUD_FRACTION_MAX:
        chosen = ValidityConfig.default()
    else:
        chosen = ValidityConfig(float(cloud_fraction_max))
    return chosen.with_masks(tuple(mask_paths or ()), rule)


def dates_kept(cloud_fraction: Sequence[Optional[float]], cloud_fraction_max: Optional[float]) -> np.ndarray:
    """(T,) bool: the dates whose cloud fraction is unknown or at most ``cloud_fraction_max``."""
    fractions = [None if f is None else float(f) for f in cloud_fraction]
    if cloud_fraction_max is None:
        return np.ones(len(fractions), bool)
    return np.array([f is None or not f > cloud_fraction_max for f in fractions], bool)


@dataclass
class MaskReader:
    """Reads the invalid-observation mask (T, h, w) bool of a window from the mask rasters of a stack."""

    paths: tuple[str, ...]
    rule: MaskRule
    # (T,) (index in paths, band number) of each stack date
    sources: list[tuple[int, int]] = field(default_factory=list)
    # GDAL handles per thread: the streaming pass reads windows in its reader thread
    _handles: threading.local = field(default_factory=threading.local, repr=False, compare=False)

    def _open(self) -> list:
        from osgeo import gdal  # GDAL only where masks are used

        datasets = getattr(self._handles, "datasets", None)
        if datasets is None:
            datasets = self._handles.datasets = [gdal.Open(p, gdal.GA_ReadOnly) for p in self.paths]
        return datasets

    def read_window(self, xoff: int, yoff: int, xsize: int, ysize: int) -> np.ndarray:
        """(T, ysize, xsize) bool: True where the mask says cloud / shadow / snow / no data."""
        datasets = self._open()
        out = np.empty((len(self.sources), ysize, xsize), bool)
        for t, (index, number) in enumerate(self.sources):
            band = datasets[index].GetRasterBand(number)
            values = band.ReadAsArray(xoff, yoff, xsize, ysize)
            if values is None:
                raise StackError(f"Cannot read the mask {self.paths[index]} band {number} at x={xoff} y={yoff}. "
                                 "Check that the mask covers the stack's grid.")
            out[t] = self.rule.invalid(values)
        return out

    def clone(self) -> "MaskReader":
        """The same masks with their own GDAL handles (one per thread)."""
        return MaskReader(self.paths, self.rule, list(self.sources))


def open_masks(config: ValidityConfig, stack_dates: Sequence, grid) -> Optional[MaskReader]:
    """A MaskReader for the stack's dates, or None when ``config`` names no mask raster.

    ``grid``: the stack's ``io.stack.Grid``; every mask must lie on it. StackError names what does not fit."""
    if not config.mask_paths:
        return None
    from ..io.stack import Grid, _open_raster  # GDAL only where masks are used

    datasets = [_open_raster(p) for p in config.mask_paths]
    for path, dataset in zip(config.mask_paths, datasets):
        differences = grid.differences(Grid.from_dataset(dataset))
        if differences:
            raise StackError(f"The mask {path} is not on the stack's grid ({'; '.join(differences)}). Resample it "
                             "onto the stack's grid with nearest neighbour (gdalwarp -r near -tr / -te, or QGIS "
                             "'Align rasters'), e.g. a 20 m SCL band onto a 10 m stack.")
    dates = [d.isoformat()[:10] if hasattr(d, "isoformat") else str(d)[:10] for d in stack_dates]
    counts = [d.RasterCount for d in datasets]
    paths = tuple(config.mask_paths)
    if len(paths) == 1 and counts[0] == len(dates):
        sources = [(0, t + 1) for t in range(len(dates))]
    elif all(c == 1 for c in counts):
        file_dates = [band_names.parse_date(os.path.basename(p)) for p in paths]
        if all(file_dates):
            by_date = {d.isoformat(): i for i, d in enumerate(file_dates)}
            unmatched = [d for d in dates if d not in by_date]
            if unmatched:
                raise StackError(f"No mask raster for the stack date(s) {', '.join(unmatched)} (mask files are "
                                 "matched by the date in their names). Add their masks, or list one mask per date "
                                 "in the stack's date order with names without dates.")
            sources = [(by_date[d], 1) for d in dates]
        elif len(paths) == len(dates):
            sources = [(i, 1) for i in range(len(dates))]
        else:
            raise StackError(f"{len(paths)} mask raster(s) for a stack of {len(dates)} dates: give one mask per "
                             "date (in date order, or with the date in each file name), or one raster with one "
                             "band per date.")
    else:
        raise StackError(f"The mask raster(s) hold {sum(counts)} band(s) for a stack of {len(dates)} dates: give "
                         "one single-band mask per date, or one raster with one band per date.")
    del datasets
    return MaskReader(paths, config.mask_rule, sources)


def mark_missing(raw: np.ndarray, date_kept: Optional[np.ndarray] = None,
                 pixel_invalid: Optional[np.ndarray] = None) -> np.ndarray:
    """Set to NaN, in place, the values of ``raw`` (T, B, h, w) that are not valid observations: non-finite
    values, dates not kept (``date_kept`` (T,) bool) and pixel-dates a mask marks (``pixel_invalid``
    (T, h, w) bool). Returns ``raw``."""
    raw[~np.isfinite(raw)] = np.nan
    if date_kept is not None and not np.all(date_kept):
        raw[~np.asarray(date_kept, bool)] = np.nan
    if pixel_invalid is not None:
        invalid = np.broadcast_to(pixel_invalid[:, None], raw.shape)
        raw[invalid] = np.nan
    return raw


def observed_dates(series: np.ndarray) -> np.ndarray:
    """(N, T) bool from pixel series (N, B, T): the dates observed (finite) in every band."""
    return np.isfinite(series).all(axis=1)


# TOA blue reflectance above this is rarely a clear land surface (the brightness idea of Sen2Cor / Fmask)
BRIGHT_BLUE_REFLECTANCE = 0.18


def bright_dates(series: np.ndarray, bands: Sequence[str], threshold: float = BRIGHT_BLUE_REFLECTANCE) -> np.ndarray:
    """(T,) bool from one pixel's series (B, T) in ``bands`` order: observed, but brighter in blue (B02) than
    ``threshold`` -- probably cloud or haze that no mask caught. All False when the stack has no B02."""
    names = [band_names.normalize_band(b) or str(b) for b in bands]
    if "B02" not in names:
        return np.zeros(np.asarray(series).shape[-1], bool)
    blue = np.asarray(series, dtype=float)[names.index("B02")]
    with np.errstate(invalid="ignore"):
        return np.isfinite(blue) & (blue > threshold)
