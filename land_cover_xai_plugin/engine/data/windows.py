"""The one place where a window of the stack becomes model input.

Streaming inference, training (labelled pixels), the pixel explanation and the explanation benchmark all go
through :func:`prepare` and :func:`batch_input`, so that the model sees identical tensors for the same pixels
whichever path reads them (tests/engine/test_windows.py checks it). An :class:`InputSpec` says what a model
expects (``InputSpec.for_model``); :func:`prepare` then, for one :class:`Window`:

1. reads the window (+ a halo of ``patch_size // 2`` pixels for k x k patch models) from the stack,
2. reorders the stack's bands into the model's band order,
3. turns no-data / NaN / inf into missing (NaN),
4. gap-fills per pixel (``gapfill.fill_gaps``): a pixel with fewer than ``min_valid_dates`` observed dates
   is invalid, the missing dates of the other pixels are filled linearly in time,
5. for patch models replaces an invalid neighbour inside a patch by the per-band training mean
   (``fill_series``, a neutral value) and pads the raster's outer edge with edge values;

:func:`batch_input` then cuts the (n, B, T) pixel series or (n, B, T, k, k) patches of chosen pixels.
"""
from __future__ import annotations

import logging
import math
import threading
from dataclasses import dataclass
from typing import Any, Optional, Sequence

import numpy as np

from ..errors import LcxError

_log = logging.getLogger(__name__)

# Window budget: a (T, B, h, w) float32 window exists ~4 times (being read, filled, queued, in the model).
_WINDOW_BYTES = 64 * 1024 * 1024


@dataclass
class Window:
    """A rectangle of the raster, in pixels: columns ``xoff .. xoff+xsize-1``, rows ``yoff .. yoff+ysize-1``."""

    xoff: int
    yoff: int
    xsize: int
    ysize: int


@dataclass
class PreparedWindow:
    """A window ready for the model: pixel series or a padded cube to cut patches from."""

    window: Window
    valid: np.ndarray  # (ysize*xsize,) bool
    # (N, B, T) gap-filled, patch_size 1; may be a strided view (date-major in memory) of the window as read
    pixels: Optional[np.ndarray] = None
    cube: Optional[np.ndarray] = None  # (ysize+2h, xsize+2h, B, T) gap-filled + edge-padded, patch models
    # (ysize*xsize, T) bool, with InputSpec.with_observed: the model-date values that are real observations
    observed: Optional[np.ndarray] = None
    # the pooled array (BufferPool) ``pixels`` / ``cube`` lie in: given back by BufferPool.release
    buffer: Optional[np.ndarray] = None


class BufferPool:
    """Float32 window arrays reused from window to window, shared by the thread that prepares windows and the
    one that consumes them (thread-safe). A fresh ~50 MB array page-faults on first touch: on this project's
    2-core VM, allocating and filling one cost 1.3 CPU us/px, refilling a reused one 0.2.

    :func:`prepare` takes its read and gap-fill arrays here; the one its result lies in travels with the
    result (``PreparedWindow.buffer``) and comes back through :meth:`release` once the consumer is done with
    that window; the others come back at once. At most ``keep`` free arrays are kept."""

    def __init__(self, keep: int = 4):
        self._free: list = []
        self._lock = threading.Lock()
        self._keep = int(keep)

    def take(self, shape: tuple) -> np.ndarray:
        """A free float32 array of ``shape`` (contents undefined), or a new one."""
        shape = tuple(int(v) for v in shape)
        with self._lock:
            for i, array in enumerate(self._free):
                if array.shape == shape:
                    return self._free.pop(i)
        return np.empty(shape, np.float32)

    def give(self, array: Optional[np.ndarray]) -> None:
        """Return ``array`` for reuse (nothing may read or write it afterwards)."""
        if array is not None:
            with self._lock:
                if len(self._free) < self._keep and all(a is not array for a in self._free):
                    self._free.append(array)

    def release(self, prepared: "PreparedWindow") -> None:
        """The consumer is done with ``prepared``: its array goes back to the pool (its pixels must not be
        used afterwards)."""
        self.give(prepared.buffer)
        prepared.buffer = None


# --- planning ----------------------------------------------------------------------------------------------

def auto_window_size(n_bands: int, n_dates: int) -> int:
    """Side (pixels, a multiple of 128 in 128..1024) of a square window whose float32 cube fits the budget."""
    side = int(math.sqrt(_WINDOW_BYTES / (4 * n_bands * n_dates)))
    return int(min(1024, max(128, (side // 128) * 128)))


def plan_windows(width: int, height: int, block_size: tuple, window_size: int, region=None) -> list[Window]:
    """Windows covering ``region`` on a grid aligned with the stack's blocks (a multiple of the block size
    when blocks are smaller than the window, the window size otherwise, e.g. for strip files)."""
    bx, by = (int(v) for v in block_size)
    wx = (window_size // bx) * bx if 0 < bx <= window_size else window_size
    wy = (window_size // by) * by if 0 < by <= window_size else window_size
    rx, ry, rw, rh = region or (0, 0, width, height)
    if rw <= 0 or rh <= 0 or rx < 0 or ry < 0 or rx + rw > width or ry + rh > height:
        raise LcxError(f"Region {region} lies outside the {width}x{height} raster: give a region inside it.")
    windows = []
    for y0 in range((ry // wy) * wy, ry + rh, wy):
        for x0 in range((rx // wx) * wx, rx + rw, wx):
            xa, ya = max(x0, rx), max(y0, ry)
            xb, yb = min(x0 + wx, rx + rw), min(y0 + wy, ry + rh)
            if xb > xa and yb > ya:
                windows.append(Window(xa, ya, xb - xa, yb - ya))
    return windows


# --- what the model expects --------------------------------------------------------------------------------

def mean_series(norm_mean, n_dates: int) -> np.ndarray:
    """(B, T) float32: the per-band training mean at every date, the neutral series of a trained model."""
    return np.repeat(np.asarray(norm_mean, dtype=np.float32)[:, None], n_dates, axis=1)


@dataclass(frozen=True, eq=False)
class InputSpec:
    """How windows of a stack become the input of one model: everything :func:`prepare` needs but the window.

    ``band_order``: for each model band, its index in the stack's bands (None: the stack's own order).
    ``min_valid_dates``: a pixel with fewer observed dates is invalid (no prediction, not trained on).
    ``patch_size``: k of a k x k patch model (1: the pixel's own series).
    ``fill_series``: (B, T) series that replaces an invalid neighbour inside a patch, the per-band training
    mean for a trained model (:meth:`for_model`); None leaves such neighbours NaN (training: the mean is only
    known once the split is drawn, ``replace_missing`` puts it in then).

    Observation validity and the calendar (:meth:`for_stack`), applied in :func:`prepare` so that training,
    inference and the explanations read the same tensors:
    ``dates``: the stack's dates on the model's temporal grid (``calendar.StackOnGrid``): the series is gap-filled
    by day onto the grid's days; None: filled at the stack's own dates by date index (no calendar known).
    ``date_kept``: (T_stack,) bool, False for a date missing everywhere (its cloud fraction is too high).
    ``masks``: a ``validity.MaskReader`` whose cloud / shadow / snow pixels are missing.
    ``with_observed``: also return which grid values are real observations (training statistics).
    """

    band_order: Optional[Sequence[int]] = None
    min_valid_dates: int = 2
    patch_size: int = 1
    fill_series: Optional[np.ndarray] = None
    dates: Optional[Any] = None  # calendar.StackOnGrid
    date_kept: Optional[np.ndarray] = None
    masks: Optional[Any] = None  # validity.MaskReader
    with_observed: bool = False

    @property
    def halo(self) -> int:
        """Pixels read around a window so that every pixel of it gets its whole k x k patch."""
        return self.patch_size // 2

    @classmethod
    def for_model(cls, bundle, stack, min_valid_dates: int = 2, validity=None) -> "InputSpec":
        """The input of ``bundle``'s model on ``stack``: its band order there, its patch size, its training
        mean as the fill of invalid patch neighbours, the stack's dates on its temporal grid and its validity
        settings (``validity``, a ``validity.ValidityConfig``, replaces them, e.g. to add this stack's mask
        rasters). Raises StackMismatchError when the stack does not fit (bands, season)."""
        spec = bundle.spec
        order = list(bundle.band_order_for(stack))
        model_validity = getattr(bundle, "validity", None)  # a stand-in without a calendar: dates by index
        return cls.for_stack(stack, getattr(bundle, "grid", None), model_validity if validity is None else validity,
                             positional=bool(getattr(bundle, "reads_dates_by_position", True)),
                             n_model_dates=spec.n_dates,
                             band_order=None if order == list(range(stack.n_bands)) else order,
                             min_valid_dates=min_valid_dates, patch_size=spec.patch_size,
                             fill_series=mean_series(spec.norm_mean, spec.n_dates))

    @classmethod
    def for_stack(cls, stack, grid=None, validity=None, *, positional: bool = False, n_model_dates=None,
                  band_order=None, min_valid_dates: int = 2, patch_size: int = 1, fill_series=None,
                  with_observed: bool = False) -> "InputSpec":
        """The input read from ``stack`` onto temporal ``grid`` (``calendar.TemporalGrid``; None: the stack's
        own dates by index) with ``validity`` (``validity.ValidityConfig``; None: only no-data is missing).
        StackMismatchError when the stack's dates do not cover the grid's season."""
        from .calendar import check_coverage
        from .validity import ValidityConfig, dates_kept, open_masks

        validity = validity or ValidityConfig()
        placed = None if grid is None else check_coverage(grid, list(stack.dates), positional, n_model_dates)
        kept = None
        if validity.cloud_fraction_max is not None:
            fractions = stack.info().cloud_fraction
            kept = dates_kept(fractions, validity.cloud_fraction_max)
            if validity.warn_without_metadata and all(f is None for f in fractions):
                _log.warning("The stack declares no cloud fraction for any date: cloudy dates cannot be masked by "
                             "metadata (cloud_fraction_max=%s). Give mask rasters (e.g. SCL) to mask clouds.",
                             validity.cloud_fraction_max)
        masks = open_masks(validity, list(stack.dates), stack.grid) if validity.mask_paths else None
        return cls(band_order=band_order, min_valid_dates=int(min_valid_dates), patch_size=int(patch_size),
                   fill_series=fill_series, dates=placed, date_kept=kept, masks=masks, with_observed=with_observed)


# --- preparation -------------------------------------------------------------------------------------------

def read_reflectance(stack, win: Window, band_order=None, out: Optional[np.ndarray] = None) -> np.ndarray:
    """(T, B, ysize, xsize) float32 reflectance of ``win``, bands in ``band_order`` (None: the stack's order),
    NaN wherever the stack has no-data, NaN or inf. Not gap-filled: what the sensor saw.

    ``out``: a float32 (T_stack, B_stack, ysize, xsize) buffer the stack reads into (reused across windows by
    the streaming reader; a stack whose ``read_window`` takes ``out``). The result may be ``out`` itself."""
    return _reflectance(stack, win, band_order, out)[0]


def _reflectance(stack, win: Window, band_order, out) -> tuple[np.ndarray, Optional[bool]]:
    """``read_reflectance`` and whether every value is observed (None: not known, the caller scans)."""
    complete = None
    if hasattr(stack, "read_window_checked"):  # io.stack.TimeSeriesStack knows it from the reading
        raw, complete = stack.read_window_checked(win.xoff, win.yoff, win.xsize, win.ysize, out=out)
    elif out is None:
        raw = stack.read_window(win.xoff, win.yoff, win.xsize, win.ysize)
    else:
        raw = stack.read_window(win.xoff, win.yoff, win.xsize, win.ysize, out=out)
    if band_order is not None:
        raw = raw[:, np.asarray(band_order, dtype=np.intp)]
        complete = complete or None  # the bands kept may all be observed
    if not getattr(stack, "missing_as_nan", False):  # io.stack.TimeSeriesStack has done it already
        raw[~np.isfinite(raw)] = np.nan
    return raw, complete


def read_observations(stack, win: Window, inputs: InputSpec, out: Optional[np.ndarray] = None) -> np.ndarray:
    """(T, B, ysize, xsize) float32 reflectance of ``win`` in the model's band order, NaN wherever it is not a
    valid observation: no-data / NaN / inf, a date above the cloud-fraction threshold, a pixel a mask marks
    (``inputs.date_kept`` / ``inputs.masks``). The stack's own dates; not gap-filled. ``out``: as for
    :func:`read_reflectance`."""
    return _observations(stack, win, inputs, out)[0]


def _observations(stack, win: Window, inputs: InputSpec, out) -> tuple[np.ndarray, Optional[bool]]:
    """``read_observations`` and whether every value is observed (None: not known)."""
    from .validity import mark_missing

    raw, complete = _reflectance(stack, win, inputs.band_order, out)
    if inputs.date_kept is not None or inputs.masks is not None:  # clouds, shadows, snow -> missing
        invalid = None if inputs.masks is None else inputs.masks.read_window(win.xoff, win.yoff, win.xsize, win.ysize)
        mark_missing(raw, inputs.date_kept, invalid)
        complete = None
    return raw, complete


def prepare(stack, win: Window, inputs: InputSpec, buffers: Optional[BufferPool] = None,
            threads: int = 1) -> PreparedWindow:
    """Read ``win`` (+ halo), gap-fill per pixel; for patch models fill invalid neighbours with
    ``inputs.fill_series`` and pad the raster edge with edge values (no seams between windows).

    ``buffers``: a :class:`BufferPool` the window is read and gap-filled into (saves the page faults of fresh
    ~50 MB arrays per window); the result holds the array it lies in until ``buffers.release(result)``. A
    window with every value observed is not copied at all: its pixels are a pixel-major view of the
    date-major read (the transposing copy cost the reader ~0.5-1.5 CPU us/px, as much as GDAL's decoding).
    ``threads`` > 1: a window with gaps is gap-filled in that many slices of pixels side by side (each pixel's
    values depend on that pixel only, so the result is the same)."""
    from .calendar import observed_on_grid
    from .validity import observed_dates

    halo, patch_size = inputs.halo, inputs.patch_size
    x0, y0 = max(0, win.xoff - halo), max(0, win.yoff - halo)
    x1, y1 = min(stack.width, win.xoff + win.xsize + halo), min(stack.height, win.yoff + win.ysize + halo)
    h, w = y1 - y0, x1 - x0
    pool = buffers
    read_into = filled_into = None
    if pool is not None:
        if getattr(stack, "missing_as_nan", False):  # io.stack.TimeSeriesStack: reads into a given array
            read_into = pool.take((stack.n_dates, stack.n_bands, h, w))
        n_grid = stack.n_dates if inputs.dates is None else len(inputs.dates.target_days)
        n_model_bands = stack.n_bands if inputs.band_order is None else len(inputs.band_order)
        filled_into = pool.take((h * w, n_model_bands, n_grid))
    raw, complete = _observations(stack, Window(x0, y0, w, h), inputs, read_into)  # (T, B, h, w)
    n_dates, n_bands = raw.shape[:2]
    # a pixel-major *view*: fill_gaps copies it chunk by chunk, so the window is never copied whole
    series = raw.transpose(2, 3, 1, 0).reshape(h * w, n_bands, n_dates)
    filled, valid = _gap_filled(series, inputs, filled_into, threads, complete)
    observed = None
    if inputs.with_observed:
        observed = observed_dates(series)
        observed = observed if inputs.dates is None else observed_on_grid(observed, inputs.dates)
    del series, raw
    n_dates = filled.shape[2]
    if patch_size == 1:
        return _holding(PreparedWindow(win, valid, pixels=filled, observed=observed), pool, read_into, filled_into)
    filled[~valid] = np.nan if inputs.fill_series is None else inputs.fill_series
    cube = filled.reshape(h, w, n_bands, n_dates)
    pad_y = (halo - (win.yoff - y0), halo - (y1 - win.yoff - win.ysize))
    pad_x = (halo - (win.xoff - x0), halo - (x1 - win.xoff - win.xsize))
    if any(pad_y + pad_x):
        cube = np.pad(cube, (pad_y, pad_x, (0, 0), (0, 0)), mode="edge")
    rows = slice(win.yoff - y0, win.yoff - y0 + win.ysize)
    cols = slice(win.xoff - x0, win.xoff - x0 + win.xsize)
    core = valid.reshape(h, w)[rows, cols]
    if observed is not None:
        observed = np.ascontiguousarray(observed.reshape(h, w, -1)[rows, cols]).reshape(win.xsize * win.ysize, -1)
    return _holding(PreparedWindow(win, np.ascontiguousarray(core).reshape(-1), cube=cube, observed=observed),
                    pool, read_into, filled_into)


_FILL_SLICE_MIN = 4096  # pixels: below this a slice is not worth a thread
_fill_executors: dict = {}
_fill_executors_lock = threading.Lock()


def _gap_filled(series: np.ndarray, inputs: InputSpec, out: Optional[np.ndarray], threads: int,
                complete: Optional[bool] = None):
    """(filled (N, B, G), valid (N,)) of a window's pixel series: a view when every value is observed, else
    filled into ``out`` (a new array when None), in ``threads`` slices of pixels side by side. ``complete``:
    whether every value is observed, when the reading knew it (None: a scan of the window finds out)."""
    from .calendar import resample_to_grid
    from .gapfill import fill_gaps, is_complete

    def fill(part, part_out, copy, complete):
        if inputs.dates is None:
            return fill_gaps(part, min_valid_dates=inputs.min_valid_dates, copy=copy, out=part_out,
                             complete=complete)
        return resample_to_grid(part, inputs.dates, inputs.min_valid_dates, copy=copy, out=part_out,
                                complete=complete)  # by day
    n = len(series)
    if complete is None:
        complete = is_complete(series)  # the one scan of the window (the fill below is told)
    threads = min(int(threads), n // _FILL_SLICE_MIN)
    if threads <= 1 or out is None or complete:
        return fill(series, out, False, complete)
    with _fill_executors_lock:
        executor = _fill_executors.get(threads)
        if executor is None:
            from concurrent.futures import ThreadPoolExecutor

            executor = _fill_executors[threads] = ThreadPoolExecutor(threads - 1, thread_name_prefix="lcx-fill")
    bounds = [n * i // threads for i in range(threads + 1)]
    parts = [(series[a:b], out[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]
    # numpy frees the GIL; a slice of a window with gaps takes the gap-filling path (same values on complete slices)
    others = [executor.submit(fill, part, part_out, True, False) for part, part_out in parts[1:]]
    results = [fill(*parts[0], True, False)] + [future.result() for future in others]
    return out, np.concatenate([valid for _, valid in results])


def _holding(prepared: PreparedWindow, pool: Optional[BufferPool], *taken) -> PreparedWindow:
    """``prepared`` holding the pooled array its pixels / cube lie in; the other ``taken`` arrays go back."""
    if pool is None:
        return prepared
    data = prepared.pixels if prepared.pixels is not None else prepared.cube
    for array in taken:
        if array is None:
            continue
        if prepared.buffer is None and np.may_share_memory(data, array):
            prepared.buffer = array
        else:
            pool.give(array)
    return prepared


def prepare_window(stack, win: Window, band_order, min_valid_dates: int, patch_size: int,
                   fill_series) -> PreparedWindow:
    """:func:`prepare` with the :class:`InputSpec` fields given one by one (the streaming pass's form)."""
    return prepare(stack, win, InputSpec(band_order, min_valid_dates, patch_size, fill_series))


def pixel_indices(win: Window, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Index in ``win``'s flattened pixels (what :func:`batch_input` takes) of raster pixels (rows, cols)."""
    return (np.asarray(rows) - win.yoff) * win.xsize + (np.asarray(cols) - win.xoff)


def batch_input(prepared: PreparedWindow, sel: np.ndarray, patch_size: int) -> np.ndarray:
    """(n, B, T) or (n, B, T, k, k) float32 for the window's pixel indices ``sel``."""
    if patch_size == 1:
        if len(sel) and sel[-1] - sel[0] + 1 == len(sel):  # contiguous: a view, no copy
            return prepared.pixels[sel[0]: sel[-1] + 1]
        return prepared.pixels[sel]
    k = patch_size
    rows, cols = np.divmod(sel, prepared.window.xsize)
    patches = np.lib.stride_tricks.sliding_window_view(prepared.cube, (k, k), axis=(0, 1))  # (H, W, B, T, k, k)
    return np.ascontiguousarray(patches[rows, cols])


def replace_missing(patches: np.ndarray, fill_series: np.ndarray) -> np.ndarray:
    """NaN values of (N, B, T, k, k) patches (invalid neighbours) -> ``fill_series`` (B, T), in place.

    What :func:`prepare` does with ``InputSpec.fill_series``, for patches read before the fill was known."""
    missing = np.isnan(patches)
    if missing.any():
        fill = np.asarray(fill_series, dtype=patches.dtype)[None, :, :, None, None]
        patches[missing] = np.broadcast_to(fill, patches.shape)[missing]
    return patches
