"""Training-side augmentation: observations dropped as clouds drop them, mixup, and the batch loss.

Observation dropout hides random dates (all bands: a cloud) and random single band-dates of each
training series and re-fills them with the engine's own gap filling (``data.gapfill.fill_gaps``), so
the model learns from exactly the kind of interpolated series it meets under real clouds at inference.
Every pixel keeps at least ``min_valid_dates`` fully observed dates, so the filled series stays one
that inference would accept.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np


@dataclass
class Augmentation:
    """What is applied to each training batch (all off by default)."""

    date_dropout: float = 0.0  # probability that a date of a series is hidden (all its bands)
    band_dropout: float = 0.0  # probability that one band of one date is hidden
    mixup_alpha: float = 0.0  # > 0: mixup with lambda ~ Beta(alpha, alpha)
    min_valid_dates: int = 2
    times: Optional[Sequence[float]] = None  # date positions for the gap filling (as the data path uses)

    @property
    def drops_observations(self) -> bool:
        """Whether any date or band dropout is enabled."""
        return self.date_dropout > 0 or self.band_dropout > 0


def observation_mask(shape: tuple[int, int, int], date_dropout: float, band_dropout: float,
                     rng: np.random.Generator, min_valid_dates: int = 2) -> np.ndarray:
    """Boolean (N, B, T) mask of the observations to hide.

    Dates are hidden per pixel with probability ``date_dropout``, single band-dates with probability
    ``band_dropout``; ``min_valid_dates`` dates of each pixel, chosen at random among those not hidden,
    stay fully observed, so the pixel stays one that gap filling and inference accept.
    """
    n, n_bands, n_dates = shape
    keep_at_least = min(max(int(min_valid_dates), 1), n_dates)
    date_hidden = rng.random((n, n_dates)) < date_dropout
    # protected dates: the keep_at_least highest scores, dates not hidden first
    score = rng.random((n, n_dates)) + (~date_hidden)
    protected = np.zeros((n, n_dates), bool)
    np.put_along_axis(protected, np.argsort(-score, axis=1)[:, :keep_at_least], True, axis=1)
    date_hidden &= ~protected
    hidden = np.broadcast_to(date_hidden[:, None, :], shape).copy()
    if band_dropout > 0:
        hidden |= (rng.random(shape) < band_dropout) & ~protected[:, None, :]
    return hidden


def observation_dropout(x: np.ndarray, date_dropout: float, band_dropout: float, rng: np.random.Generator,
                        min_valid_dates: int = 2, times: Optional[Sequence[float]] = None) -> np.ndarray:
    """A copy of the series ``x`` ((N, B, T), or (N, B, T, k, k) patches sharing one mask) with random
    observations hidden and re-filled by ``fill_gaps``, the gap filling of the data path."""
    from ..data.gapfill import fill_gaps

    x = np.asarray(x, dtype=np.float32)
    n, n_bands, n_dates = x.shape[:3]
    hidden = observation_mask((n, n_bands, n_dates), date_dropout, band_dropout, rng, min_valid_dates)
    if x.ndim == 3:
        masked = np.where(hidden, np.float32(np.nan), x)
        filled, valid = fill_gaps(masked, min_valid_dates=min_valid_dates, times=times)
        filled[~valid] = x[~valid]  # cannot happen with the mask above; never train on a zero-filled band
        return filled
    k = x.shape[-1]
    masked = np.where(hidden[..., None, None], np.float32(np.nan), x)  # a cloud covers the whole patch
    flat = np.ascontiguousarray(masked.transpose(0, 3, 4, 1, 2)).reshape(-1, n_bands, n_dates)
    filled, valid = fill_gaps(flat, min_valid_dates=min_valid_dates, times=times)
    original = np.ascontiguousarray(x.transpose(0, 3, 4, 1, 2)).reshape(-1, n_bands, n_dates)
    filled[~valid] = original[~valid]
    return np.ascontiguousarray(filled.reshape(n, k, k, n_bands, n_dates).transpose(0, 3, 4, 1, 2))


def augment_batch(x, augmentation: Augmentation, rng: np.random.Generator):
    """The batch tensor ``x`` with observation dropout applied (same device and dtype); unchanged when off."""
    if not augmentation.drops_observations:
        return x
    from ..runtime import import_torch

    torch = import_torch()
    dropped = observation_dropout(x.detach().cpu().numpy(), augmentation.date_dropout, augmentation.band_dropout,
                                  rng, augmentation.min_valid_dates, augmentation.times)
    return torch.from_numpy(dropped).to(device=x.device, dtype=x.dtype)


def batch_loss(model, x, y, criterion, augmentation: Augmentation, rng: np.random.Generator):
    """Training loss of one batch: mixup when asked; an ensemble's members each fit their own loss
    (averaged), so they stay independent models rather than one mixture."""
    lam, partner = 1.0, None
    if augmentation.mixup_alpha > 0:
        from ..runtime import import_torch

        torch = import_torch()
        lam = float(rng.beta(augmentation.mixup_alpha, augmentation.mixup_alpha))
        partner = torch.as_tensor(rng.permutation(x.shape[0]), device=x.device)
        x = lam * x + (1.0 - lam) * x[partner]
    member_logits = model.member_logits(x) if hasattr(model, "member_logits") else [model(x)]
    total = 0.0
    for logits in member_logits:
        loss = criterion(logits, y)
        if partner is not None:
            loss = lam * loss + (1.0 - lam) * criterion(logits, y[partner])
        total = total + loss
    return total / len(member_logits)
