"""Is this stack on the scale the model was trained on? A cheap check before an inference pass.

A model sees reflectance (the stack's DN × scale + offset). A stack already scaled to 0..1 but declaring a DN
scale, a float stack of DN without its scale factor, an 8-bit export or a signed int16 product all run through
the network without an error and give a map of one class at full confidence. ``check_input_scale`` compares a
small sample of the stack with the model's own training statistics (``spec.norm_mean`` / ``norm_std``) and
refuses a stack whose values are orders of magnitude off, naming the likely cause.
"""
from __future__ import annotations

import math
from typing import Optional

import numpy as np

from ..errors import StackMismatchError

# Median stack / model ratios beyond these are refused (orders of magnitude off); beyond WARN_RATIO flagged.
REFUSE_RATIO = 30.0
WARN_RATIO = 3.0
# Share of clearly negative values (below -NEGATIVE_FRACTION_OF_MEAN × the model's typical value) refused.
MAX_NEGATIVE_SHARE = 0.05
NEGATIVE_FRACTION_OF_MEAN = 0.5
_MIN_VALUES = 50
_SAMPLE_WINDOW = 32
_MAX_VALUES_PER_BAND = 16384  # values per band the check judges (a 5-window sample of 20 dates has 102k)


def sample_stack_values(stack, band_order=None, n_windows: int = 5) -> np.ndarray:
    """Up to ``n_windows`` small windows (centre and four quadrants) of ``stack`` as (n, B, T) reflectance in
    the model's band order (``band_order``: index in the stack of each model band). A few reads, no gap filling.
    Each window is moved inside the block holding its centre: GDAL decodes whole blocks, and a window across
    a block corner decoded 4 blocks of every band (a pass's set-up paid it before its first window)."""
    size = _SAMPLE_WINDOW
    w, h = int(stack.width), int(stack.height)
    bx, by = (int(v) for v in (getattr(stack, "block_size", None) or (0, 0)))
    centres = [(w // 2, h // 2), (w // 4, h // 4), (3 * w // 4, h // 4), (w // 4, 3 * h // 4),
               (3 * w // 4, 3 * h // 4)][:max(1, n_windows)]
    parts, seen = [], set()
    for cx, cy in centres:
        xoff, yoff = _inside_block(cx, size, bx), _inside_block(cy, size, by)
        xoff, yoff = max(0, min(w - size, xoff)), max(0, min(h - size, yoff))
        key = (xoff, yoff)
        if key in seen:
            continue
        seen.add(key)
        window = np.asarray(stack.read_window(xoff, yoff, min(size, w), min(size, h)), dtype=np.float32)
        if band_order is not None:
            window = window[:, list(band_order)]
        n_dates, n_bands = window.shape[:2]
        parts.append(window.reshape(n_dates, n_bands, -1).transpose(2, 1, 0))
    return np.concatenate(parts) if parts else np.zeros((0, 0, 0), np.float32)


def _inside_block(centre: int, size: int, block: int) -> int:
    """Offset of a ``size`` window around ``centre``, shifted into the block holding ``centre`` when it fits."""
    offset = centre - size // 2
    if block >= size:
        start = (centre // block) * block
        offset = min(max(offset, start), start + block - size)
    return offset


def check_input_scale(bundle, sample_values, stack=None) -> list[str]:
    """Compare ``sample_values`` ((n, B[, T]) reflectance in the model's band order) with the model's training
    statistics. Raises StackMismatchError when the scale is off by orders of magnitude or the values are
    implausibly negative, naming the likely cause and the fix; returns warnings for a milder mismatch (an empty
    list when the stack looks like the training data). ``stack`` (optional) gives its dtype and scaling, so
    the message can speak of the stored values."""
    values = np.asarray(sample_values)
    spec = bundle.spec
    if values.ndim < 2 or values.shape[1] != spec.n_bands:
        return []
    per_pixel = max(1, values[0].size // spec.n_bands)  # values per band of one sampled pixel (its dates)
    if values.shape[0] * per_pixel > _MAX_VALUES_PER_BAND:  # every k-th pixel: percentiles and RMS need no more
        values = values[::-(-values.shape[0] * per_pixel // _MAX_VALUES_PER_BAND)]
    values = np.asarray(values, dtype=np.float64)
    per_band = values.reshape(values.shape[0], spec.n_bands, -1).transpose(1, 0, 2).reshape(spec.n_bands, -1)
    finite = np.isfinite(per_band)
    if finite.sum() < _MIN_VALUES:
        return []  # (nearly) all no-data: nothing to judge; the pass reports empty stacks itself
    # Magnitude of the training data per band: its RMS (mean and spread), meaningful for centred features too.
    reference = np.hypot(np.asarray(spec.norm_mean, dtype=np.float64), np.asarray(spec.norm_std, dtype=np.float64))
    typical = float(np.median(reference)) or 1.0
    scale, offset = _stack_scaling(stack)
    stored = _stored_description(per_band[finite], scale, offset)
    expects = _model_expectation(bundle, typical)

    model_has_negatives = bool(np.any(np.asarray(spec.norm_mean) < 0))  # trained on signed features
    negative_share = float(np.mean(per_band[finite] < -NEGATIVE_FRACTION_OF_MEAN * typical))
    if not model_has_negatives and negative_share > MAX_NEGATIVE_SHARE:
        raise StackMismatchError(
            f"The stack does not look like the model's input: {negative_share:.0%} of a sample of its values are "
            f"clearly negative ({stored}), but reflectance is >= 0. This looks like a signed int16 product whose "
            "offset (e.g. Sentinel-2 L2A's -1000) is applied twice or not at all, or a stack of differences / "
            f"indices. {expects} Fix the stack's scale / offset (or the product's offset tags) and run again.")

    strong = reference >= 0.05 * max(float(reference.max()), 1e-12)  # bands worth judging (not B10-like)
    ratios, zero = [], 0
    for b in np.flatnonzero(strong):
        band_values = per_band[b][finite[b]]
        if not band_values.size:
            continue
        low, high = np.percentile(band_values, [1, 99])
        rms = float(np.sqrt(np.mean(np.clip(band_values, low, high) ** 2)))
        if rms > 0:
            ratios.append(rms / float(reference[b]))
        else:
            zero += 1
    if not ratios:
        if not zero:
            return []
        raise StackMismatchError(
            f"The stack's sampled values are all 0 ({stored}): nothing like the model's input. {expects} Check the "
            "stack's scale factor and no-data value.")
    ratio = float(np.exp(np.median(np.log(ratios))))
    is_byte = _looks_8bit(per_band[finite], scale, offset, stack)
    if is_byte and ratio < 1.0 / WARN_RATIO:
        raise StackMismatchError(
            f"This looks like an 8-bit image (stored values 0-255, e.g. a quicklook or an RGB export; {stored}), "
            f"~{1 / ratio:.0f}x darker than the model's training data. {expects} Use the Sentinel-2 reflectance "
            "stack (uint16 DN 0-10000 or float reflectance 0-1), not a display product.")
    if ratio < 1.0 / REFUSE_RATIO or ratio > REFUSE_RATIO:
        raise StackMismatchError(
            f"The stack's values are ~{_times(ratio)} the model's training data (typical "
            f"{typical * ratio:.3g} vs {typical:.3g}; {stored}): {_likely_cause(ratio, scale)} {expects} "
            "Fix the stack's scale factor (the band's GDAL scale / offset or its scale_factor tag) and run again.")
    if ratio < 1.0 / WARN_RATIO or ratio > WARN_RATIO:
        return [f"The stack's values are ~{_times(ratio)} the model's training data (typical magnitude "
                f"{typical * ratio:.3g} vs {typical:.3g}): check that its scaling matches the training stack's "
                "(another product level, or another scale factor?). The map may be unreliable."]
    return []


def _stack_scaling(stack) -> tuple[float, float]:
    scaling = getattr(stack, "scaling", None)
    if scaling is not None and hasattr(scaling, "scale"):
        return float(scaling.scale), float(scaling.offset)
    return 1.0, 0.0


def _stored_description(values: np.ndarray, scale: float, offset: float) -> str:
    low, high = (float(v) for v in np.percentile(values, [1, 99]))
    if scale not in (0.0, 1.0) or offset:
        s_low, s_high = (low - offset) / scale, (high - offset) / scale
        return (f"stored values {s_low:.4g}..{s_high:.4g}, read as reflectance {low:.4g}..{high:.4g} with scale "
                f"{scale:g}")
    return f"values {low:.4g}..{high:.4g}"


def _model_expectation(bundle, typical: float) -> str:
    train_scale = float((getattr(bundle, "scaling", None) or {}).get("scale", 1.0) or 1.0)
    if math.isclose(train_scale, 1e-4, rel_tol=1e-3):
        return (f"The model expects Sentinel-2 reflectance 0-1 (typically ~{typical:.2g}), i.e. DN 0-10000 x "
                "0.0001 as in its training stack.")
    return f"The model expects reflectance typically ~{typical:.2g} (its training stack's scale was {train_scale:g})."


def _looks_8bit(values: np.ndarray, scale: float, offset: float, stack) -> bool:
    dtype = str(getattr(stack, "dtype", "") or "")
    if dtype in ("uint8", "int8"):
        return True
    stored = (values - offset) / (scale or 1.0)
    return bool(stored.size and stored.min() >= 0 and stored.max() <= 255
                and np.all(np.abs(stored - np.round(stored)) < 1e-3) and stored.max() > 1.5)


def _times(ratio: float) -> str:
    return f"{ratio:.3g}x" if ratio >= 1 else f"1/{1 / ratio:.3g} of"


def _likely_cause(ratio: float, scale: Optional[float]) -> str:
    decades = math.log10(ratio)
    if -5.0 <= decades <= -3.0:
        return ("this looks like reflectance 0-1 scaled once more as if it were DN (a float 0-1 stack that "
                "declares a 0.0001 scale factor).")
    if 3.0 <= decades <= 5.0:
        return ("this looks like DN 0-10000 read as reflectance (the 0.0001 scale factor is missing: a float stack "
                "of DN, or a band that declares scale 1).")
    if decades < 0:
        return "the stack is much darker than the training data (another product or a wrong scale factor)."
    return "the stack is much brighter than the training data (another product or a wrong scale factor)."
