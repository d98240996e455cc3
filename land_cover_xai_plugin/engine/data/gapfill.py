"""Fill missing observations (NaN: clouds, no-data) along time, per pixel and band.

Linear interpolation between the neighbouring observed dates, the nearest observed value before the
first / after the last observation. Vectorised over pixels; the only Python loops run over the T dates.
Where a pixel-date is observed in all bands or in none (the usual cloud / no-data case) the weights are
computed once per pixel; otherwise each band series is interpolated on its own.
"""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np


def fill_gaps(x: np.ndarray, min_valid_dates: int = 1, times: Optional[Sequence[float]] = None,
              copy: bool = True, out: Optional[np.ndarray] = None,
              complete: Optional[bool] = None) -> tuple[np.ndarray, np.ndarray]:
    """Gap-fill ``x`` (N, B, T) float with NaN; returns ``(filled float32 (N, B, T), valid bool (N,))``.

    ``valid`` is False where a pixel has fewer than ``min_valid_dates`` dates with every band observed, or
    a band never observed (that band's series is filled with 0). ``times`` (length T, e.g. day numbers)
    makes the interpolation linear in real time instead of in date index. ``copy=False``: a float32 ``x``
    with every value observed is returned as it is (no copy; the result then shares ``x``'s memory and
    strides, e.g. the date-major layout of a window read by ``windows.prepare``). ``out``: a C-contiguous
    float32 (N, B, T) array to write the filled series into instead of a new one (unused when none is written).
    ``complete``: :func:`is_complete` of ``x`` when the caller has it already (None: found here, a scan of ``x``).
    """
    x = np.asarray(x)
    if x.ndim != 3:
        raise ValueError(f"fill_gaps expects (N, B, T), got shape {x.shape}")
    n, b, t_count = x.shape
    time = np.arange(t_count, dtype=np.float32) if times is None else np.asarray(times, dtype=np.float32)
    if time.shape != (t_count,):
        raise ValueError(f"times must have length T={t_count}, got {time.shape}")

    if is_complete(x) if complete is None else complete:
        # Every value observed (a finite sum has no NaN / inf term; an overflowing sum only takes the slow
        # path): nothing to fill, the chunks below would return the values unchanged. One strided copy.
        if not copy:
            return x, np.full(n, t_count >= max(int(min_valid_dates), 0))
        filled = _output(out, (n, b, t_count))
        np.copyto(filled, x)
        return filled, np.full(n, t_count >= max(int(min_valid_dates), 0))
    filled = _output(out, (n, b, t_count))
    valid = np.empty(n, bool)
    # Chunk sizes measured fastest on this project's CPUs (cache-sized working sets).
    step = max(1, _CHUNK_SERIES_DATE_GAPS // max(b, 1))
    sub_step = max(1, _CHUNK_SERIES // max(b, 1))
    for start in range(0, n, step):
        stop = min(n, start + step)
        chunk = x[start:stop]
        result = _fill_chunk_date_gaps(chunk, time, min_valid_dates)
        if result is not None:
            filled[start:stop], valid[start:stop] = result
            continue
        # Pixels with bands of one date missing independently: each band series on its own. The others keep
        # the per-pixel path, so that a pixel's values never depend on its neighbours in the chunk (the two
        # paths round differently; training and inference read different windows yet get bit-equal series).
        observed = np.isfinite(chunk)
        partial = (observed.all(axis=1) != observed.any(axis=1)).any(axis=1)
        whole = np.flatnonzero(~partial)
        if whole.size:
            filled[start + whole], valid[start + whole] = _fill_chunk_date_gaps(chunk[whole], time, min_valid_dates)
        part = np.flatnonzero(partial)
        for i in range(0, part.size, sub_step):
            rows = part[i:i + sub_step]
            filled[start + rows], valid[start + rows] = _fill_chunk(chunk[rows], time, min_valid_dates)
    return filled, valid


def _output(out: Optional[np.ndarray], shape: tuple) -> np.ndarray:
    """``out`` when it is a C-contiguous float32 array of ``shape``, else a new one."""
    if out is not None and out.shape == shape and out.dtype == np.float32 and out.flags.c_contiguous:
        return out
    return np.empty(shape, np.float32)


def is_complete(x: np.ndarray) -> bool:
    """Whether float32 ``x`` has every value observed (finite): the case the fill functions return as it is
    with ``copy=False``."""
    return bool(x.dtype == np.float32 and x.size and _all_finite(x))


def _all_finite(x: np.ndarray) -> bool:
    """True when the sum of ``x`` is finite, so every value is (False may also mean an overflowing sum)."""
    with np.errstate(over="ignore", invalid="ignore"):
        return bool(np.isfinite(np.add.reduce(x, axis=None)))


_CHUNK_SERIES = 4096  # per-series path
_CHUNK_SERIES_DATE_GAPS = 16384  # per-pixel path
_BIG = np.float32(3e38)


def _carry(values: np.ndarray, stamped: np.ndarray, keep: np.ndarray, drop: np.ndarray,
           order: range) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Last observed value / time / 'seen' flag at or before each date (dates = axis 0), walking ``order``.
    ``values`` may carry a band axis before the pixels ((T, B, N)) while the rest are (T, N); the 0/1 float
    masks keep every step a plain in-place multiply-add."""
    last_value = np.empty(values.shape, np.float32)
    last_time = np.empty(stamped.shape, np.float32)
    seen = np.empty(keep.shape, np.float32)
    before = None
    for t in order:
        if before is None:
            last_value[t], last_time[t], seen[t] = values[t], stamped[t], keep[t]
        else:
            np.multiply(last_value[before], drop[t], out=last_value[t])
            last_value[t] += values[t]
            np.multiply(last_time[before], drop[t], out=last_time[t])
            last_time[t] += stamped[t]
            np.maximum(seen[before], keep[t], out=seen[t])
        before = t
    return last_value, last_time, seen


def _fill_chunk_date_gaps(x: np.ndarray, time: np.ndarray,
                          min_valid_dates: int) -> Optional[tuple[np.ndarray, np.ndarray]]:
    """The usual case, where a pixel-date is observed in all bands or in none (clouds, no-data edges):
    the interpolation weights are worked out once per pixel instead of once per band (~3x faster).
    None when some pixel-date has only part of its bands."""
    n, b, t_count = x.shape
    series = np.array(x.transpose(2, 1, 0), dtype=np.float32, order="C")  # (T, B, N): pixels innermost
    observed = np.isfinite(series)
    observed_date = observed.all(axis=1)  # (T, N)
    if not np.array_equal(observed_date, observed.any(axis=1)):
        return None
    valid = observed_date.sum(axis=0) >= max(int(min_valid_dates), 0)
    if observed_date.all():
        return series.transpose(2, 1, 0), valid
    keep = observed_date.astype(np.float32)
    drop = 1.0 - keep
    values = np.fmax(series, -_BIG, out=series)
    np.fmin(values, _BIG, out=values)
    values *= keep[:, None, :]
    stamped = keep * time[:, None]

    prev_value, prev_time, has_prev = _carry(values, stamped, keep, drop, range(t_count))
    next_value, next_time, has_next = _carry(values, stamped, keep, drop, range(t_count - 1, -1, -1))
    # filled = prev * a + next * c, with (a, c) = (1 - w, w) between observations (w = 0 on one),
    # (0, 1) before the first, (1, 0) after the last, (0, 0) where the pixel is never observed
    span = np.maximum(next_time - prev_time, np.float32(1e-6))
    weight = (time[:, None] - prev_time) / span
    both = has_prev * has_next
    a = both * (1.0 - weight) + has_prev * (1.0 - has_next)
    c = both * weight + has_next * (1.0 - has_prev)
    prev_value *= a[:, None, :]
    next_value *= c[:, None, :]
    prev_value += next_value
    valid &= has_prev[-1] > 0
    return prev_value.transpose(2, 1, 0), valid


def _fill_chunk(x: np.ndarray, time: np.ndarray, min_valid_dates: int) -> tuple[np.ndarray, np.ndarray]:
    """One cache-sized chunk. Masked numpy ops (np.where, copyto(where=), nan_to_num) cost 3-12 ns per
    element on random masks, plain in-place arithmetic well under 1 ns: every selection below is a blend
    with 0/1 floats (exact when the weight is 0 or 1), and the per-date loops only carry state."""
    n, b, t_count = x.shape
    m = n * b
    # (T, M): dates are rows. Always a copy: it is modified in place below and must not alias the input.
    series = np.array(x.reshape(m, t_count).T, dtype=np.float32, order="C")
    observed = np.isfinite(series)
    valid = observed.reshape(t_count, n, b).all(axis=2).sum(axis=0) >= max(int(min_valid_dates), 0)
    if observed.all():
        return series.T.reshape(n, b, t_count), valid
    keep = observed.astype(np.float32)
    drop = 1.0 - keep
    # NaN / inf -> 0 without a mask: clamp to finite, then zero what is not observed
    values = np.fmax(series, -_BIG, out=series)
    np.fmin(values, _BIG, out=values)
    values *= keep
    stamped = keep * time[:, None]  # the date's time where observed, else 0

    prev_value, prev_time, has_prev = _carry(values, stamped, keep, drop, range(t_count))
    next_value, next_time, has_next = _carry(values, stamped, keep, drop, range(t_count - 1, -1, -1))
    ever_observed = has_prev[-1] > 0

    # No observation before: the next one stands in (nearest at the start); none after: the previous one.
    no_prev = 1.0 - has_prev
    left_value = prev_value * has_prev + next_value * no_prev
    left_time = prev_time * has_prev + next_time * no_prev
    no_next = 1.0 - has_next
    right_value = next_value * has_next + left_value * no_next
    right_time = next_time * has_next + left_time * no_next
    span = np.maximum(right_time - left_time, np.float32(1e-6))  # 0 only where left == right: slope term 0
    slope = (right_value - left_value) / span
    slope *= time[:, None] - left_time
    slope += left_value
    slope *= drop
    filled = values + slope

    filled[:, ~ever_observed] = 0.0
    valid &= ever_observed.reshape(n, b).all(axis=1)
    return filled.T.reshape(n, b, t_count), valid


def fill_gaps_onto(x: np.ndarray, times: Sequence[float], target_times: Sequence[float],
                   min_valid_dates: int = 1, copy: bool = True, out: Optional[np.ndarray] = None,
                   complete: Optional[bool] = None) -> tuple[np.ndarray, np.ndarray]:
    """Gap-fill ``x`` (N, B, T) observed at ``times`` and sample it at ``target_times`` (length G).

    Returns ``(filled float32 (N, B, G), valid bool (N,))``. At each target time: linear in time between the
    series' nearest observations before and after, the nearest observation before the first / after the last
    one; a target time equal to an observed time takes that observation exactly. ``valid`` follows
    :func:`fill_gaps` (observed dates counted on the source times only; a band never observed is filled with 0).
    Each pixel's values depend on that pixel only (never on the other pixels of the call).
    ``copy=False``: where every value is observed the result may be a strided view (of ``x`` itself when the
    target times are its own times, else of a date-major array), saving a transposing copy of the window.
    ``out``: a float32 (N, B, G) array whose memory the result uses instead of a new array (as for
    :func:`fill_gaps`; with ``copy=False`` the date-major result may lie in it too). ``complete``: as for
    :func:`fill_gaps`.
    """
    x = np.asarray(x)
    time = np.asarray(times, dtype=np.float64)
    target = np.asarray(target_times, dtype=np.float64)
    if x.ndim != 3 or time.shape != (x.shape[2],) or target.ndim != 1:
        raise ValueError(f"fill_gaps_onto expects x (N, B, T), times (T,) and target_times (G,); got "
                         f"{x.shape}, {time.shape}, {target.shape}")
    if np.array_equal(time, target):
        return fill_gaps(x, min_valid_dates, times=time, copy=copy, out=out, complete=complete)
    n, b, t_count = x.shape
    # the source dates at or before / at or after each target time (sources in time order)
    order = np.argsort(time, kind="stable")
    sorted_time = time[order]
    before = np.searchsorted(sorted_time, target, side="right") - 1
    after = np.searchsorted(sorted_time, target, side="left")
    if t_count and (is_complete(x) if complete is None else complete):
        # every value observed: the same two source dates and weight for every pixel
        return _sample_all_observed(x, order, sorted_time, target, before, after, copy, out), np.full(
            n, t_count >= max(int(min_valid_dates), 0))
    filled = _output(out, (n, b, target.size))
    valid = np.empty(n, bool)
    step = max(1, _CHUNK_SERIES_DATE_GAPS // max(b, 1))
    for start in range(0, n, step):
        chunk = np.asarray(x[start:start + step], dtype=np.float32)
        chunk = chunk if np.array_equal(order, np.arange(t_count)) else chunk[:, :, order]
        observed = np.isfinite(chunk)
        date_observed = observed.all(axis=1)
        valid[start:start + len(chunk)] = ((date_observed.sum(axis=1) >= max(int(min_valid_dates), 0))
                                           & observed.any(axis=2).all(axis=1))
        if np.array_equal(date_observed, observed.any(axis=1)):  # whole dates missing: one index per pixel
            series, seen = chunk, date_observed[:, None, :]
        else:  # bands missing independently: every band series on its own (same arithmetic)
            series, seen = chunk, observed
        filled[start:start + len(chunk)] = _sample_onto(series, seen, sorted_time, target, before, after)
    return filled, valid


def _sample_all_observed(x: np.ndarray, order: np.ndarray, time: np.ndarray, target: np.ndarray,
                         before: np.ndarray, after: np.ndarray, copy: bool = True,
                         buffer: Optional[np.ndarray] = None) -> np.ndarray:
    """:func:`_sample_onto` where every value of ``x`` (N, B, T) is observed: the source dates and weights are
    those of a fully observed series, the same for every pixel, so each target date is one weighted sum of two
    date planes. The same float32 operations per value as :func:`_sample_onto` (bit-equal results), on the
    date-major layout the reader's windows have; one copy to pixel-major at the end."""
    n, b, t_count = x.shape
    has_lo, has_hi = before >= 0, after < t_count
    lo = np.where(has_lo, before, np.where(has_hi, after, 0))
    hi = np.where(has_hi, after, lo)
    span = time[hi] - time[lo]
    weight = np.where(span > 0, (target - time[lo]) / np.where(span > 0, span, 1.0), 0.0).astype(np.float32)
    planes = x.transpose(2, 1, 0)  # (T, B, N): a view, contiguous for prepare()'s windows
    buffer = _output(buffer, (n, b, target.size))
    # without copy the date-major result is written into the caller's buffer; else into a new array
    out = buffer.reshape(-1).reshape(target.size, b, n) if not copy else np.empty((target.size, b, n), np.float32)
    scratch = np.empty((b, n), np.float32)
    for g in range(target.size):
        np.multiply(planes[order[lo[g]]], np.float32(1.0) - weight[g], out=out[g])
        np.multiply(planes[order[hi[g]]], weight[g], out=scratch)
        out[g] += scratch
    if not _all_finite(out):
        np.copyto(out, np.float32(0.0), where=~np.isfinite(out))
    if not copy:
        return out.transpose(2, 1, 0)  # (N, B, G), date-major in memory
    np.copyto(buffer, out.transpose(2, 1, 0))
    return buffer


def _sample_onto(series: np.ndarray, seen: np.ndarray, time: np.ndarray, target: np.ndarray,
                 before: np.ndarray, after: np.ndarray) -> np.ndarray:
    """(N, B, G) samples of ``series`` (N, B, T) at ``target``; ``seen`` (N, 1 or B, T) the observations."""
    n, b, t_count = series.shape
    lanes = seen.shape[1]
    index = np.arange(t_count)
    # last observed source index at or before each source date, first one at or after (-1 / T: none)
    last = np.maximum.accumulate(np.where(seen, index, -1), axis=2)
    first = np.flip(np.minimum.accumulate(np.flip(np.where(seen, index, t_count), axis=2), axis=2), axis=2)
    none = np.full((n, lanes, 1), -1)
    lo = np.concatenate([none, last], axis=2)[:, :, before + 1]  # (N, lanes, G)
    hi = np.concatenate([first, np.full((n, lanes, 1), t_count)], axis=2)[:, :, after]
    has_lo, has_hi = lo >= 0, hi < t_count
    lo = np.where(has_lo, lo, np.where(has_hi, hi, 0))  # nearest at the ends; 0 when never observed
    hi = np.where(has_hi, hi, lo)
    span = time[hi] - time[lo]
    weight = np.where(span > 0, (target[None, None, :] - time[lo]) / np.where(span > 0, span, 1.0), 0.0)
    weight = weight.astype(np.float32)
    if lanes == 1:  # one index per pixel: gather whole (B,) rows of a (N*T, B) copy, contiguous reads
        rows = np.ascontiguousarray(series.transpose(0, 2, 1)).reshape(n * t_count, b)
        base = (np.arange(n) * t_count)[:, None]
        low = np.take(rows, (base + lo[:, 0]).ravel(), axis=0).reshape(n, target.size, b)
        high = np.take(rows, (base + hi[:, 0]).ravel(), axis=0).reshape(n, target.size, b)
        w = weight[:, 0, :, None]  # (N, G, 1)
        out = np.ascontiguousarray((low * (np.float32(1.0) - w) + high * w).transpose(0, 2, 1))
    else:
        low, high = np.take_along_axis(series, lo, axis=2), np.take_along_axis(series, hi, axis=2)
        out = low * (np.float32(1.0) - weight) + high * weight
    out[~np.broadcast_to(has_lo | has_hi, (n, lanes, target.size)).repeat(b // lanes, axis=1)] = 0.0  # never seen
    return np.where(np.isfinite(out), out, np.float32(0.0))


def nearest_observation_days(observed: np.ndarray, times: Sequence[float],
                             target_times: Sequence[float]) -> np.ndarray:
    """(N, G) distance from each target time to the pixel's nearest observed time (inf if none).

    ``observed`` (N, T) bool: the pixel-dates observed in every band."""
    observed = np.asarray(observed, bool)
    time = np.asarray(times, dtype=np.float64)
    target = np.asarray(target_times, dtype=np.float64)
    distance = np.full((observed.shape[0], target.size), np.inf)
    for t, at in enumerate(time):  # T is small: one vectorised pass per source date
        np.minimum(distance, np.where(observed[:, t:t + 1], np.abs(target[None, :] - at), np.inf), out=distance)
    return distance
