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

import math
from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np

from ..errors import LcxError

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
    pixels: Optional[np.ndarray] = None  # (N, B, T) gap-filled, patch_size 1
    cube: Optional[np.ndarray] = None  # (ysize+2h, xsize+2h, B, T) gap-filled + edge-padded, patch models


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

    New per-observation inputs (validity masks, a day-of-year grid) belong here, applied in :func:`prepare`,
    so that training, inference and the explanations keep reading the same tensors.
    """

    band_order: Optional[Sequence[int]] = None
    min_valid_dates: int = 2
    patch_size: int = 1
    fill_series: Optional[np.ndarray] = None

    @property
    def halo(self) -> int:
        """Pixels read around a window so that every pixel of it gets its whole k x k patch."""
        return self.patch_size // 2

    @classmethod
    def for_model(cls, bundle, stack, min_valid_dates: int = 2) -> "InputSpec":
        """The input of ``bundle``'s model on ``stack``: its band order there, its patch size and its training
        mean as the fill of invalid patch neighbours (raises StackMismatchError when the stack does not fit)."""
        spec = bundle.spec
        order = list(bundle.band_order_for(stack))
        return cls(band_order=None if order == list(range(stack.n_bands)) else order,
                   min_valid_dates=int(min_valid_dates), patch_size=int(spec.patch_size),
                   fill_series=mean_series(spec.norm_mean, spec.n_dates))


# --- preparation -------------------------------------------------------------------------------------------

def read_reflectance(stack, win: Window, band_order=None) -> np.ndarray:
    """(T, B, ysize, xsize) float32 reflectance of ``win``, bands in ``band_order`` (None: the stack's order),
    NaN wherever the stack has no-data, NaN or inf. Not gap-filled: what the sensor saw."""
    raw = stack.read_window(win.xoff, win.yoff, win.xsize, win.ysize)
    if band_order is not None:
        raw = raw[:, np.asarray(band_order, dtype=np.intp)]
    raw[~np.isfinite(raw)] = np.nan
    return raw


def prepare(stack, win: Window, inputs: InputSpec) -> PreparedWindow:
    """Read ``win`` (+ halo), gap-fill per pixel; for patch models fill invalid neighbours with
    ``inputs.fill_series`` and pad the raster edge with edge values (no seams between windows)."""
    from .gapfill import fill_gaps

    halo, patch_size = inputs.halo, inputs.patch_size
    x0, y0 = max(0, win.xoff - halo), max(0, win.yoff - halo)
    x1, y1 = min(stack.width, win.xoff + win.xsize + halo), min(stack.height, win.yoff + win.ysize + halo)
    raw = read_reflectance(stack, Window(x0, y0, x1 - x0, y1 - y0), inputs.band_order)  # (T, B, h, w)
    n_dates, n_bands, h, w = raw.shape
    # a pixel-major *view*: fill_gaps copies it chunk by chunk, so the window is never copied whole
    series = raw.transpose(2, 3, 1, 0).reshape(h * w, n_bands, n_dates)
    filled, valid = fill_gaps(series, min_valid_dates=inputs.min_valid_dates)
    del series, raw
    if patch_size == 1:
        return PreparedWindow(win, valid, pixels=filled)
    filled[~valid] = np.nan if inputs.fill_series is None else inputs.fill_series
    cube = filled.reshape(h, w, n_bands, n_dates)
    pad_y = (halo - (win.yoff - y0), halo - (y1 - win.yoff - win.ysize))
    pad_x = (halo - (win.xoff - x0), halo - (x1 - win.xoff - win.xsize))
    if any(pad_y + pad_x):
        cube = np.pad(cube, (pad_y, pad_x, (0, 0), (0, 0)), mode="edge")
    core = valid.reshape(h, w)[win.yoff - y0: win.yoff - y0 + win.ysize, win.xoff - x0: win.xoff - x0 + win.xsize]
    return PreparedWindow(win, np.ascontiguousarray(core).reshape(-1), cube=cube)


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
