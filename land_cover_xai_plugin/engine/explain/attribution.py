"""Gradient attributions for whole batches (maps): GradientShap and Integrated Gradients, grouped by band
and by date.

Both explain the *probability* of the target class (softmax output), so the attributions of a pixel sum
(approximately, for the sampled methods) to p(x) - p(baseline): "band B8 adds +0.3 to the forest probability".
Inputs are reflectance (normalisation is inside the model), so the baselines are in reflectance too:
- IG: one baseline, the per-band training mean (the model's normalisation mean) at every date;
- GradientShap: a small reference set (that mean plus a few real, gap-filled pixels of the stack) from which
  captum draws a baseline per sample.
A (N, B, T[, k, k]) attribution is summed over dates (-> per band) and over bands (-> per date); patch models'
spatial dims are summed too.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..runtime import import_captum, import_torch


@dataclass
class GroupedAttribution:
    """A per-pixel attribution summed over dates (by band) and over bands (by date)."""

    by_band: "object"  # (N, B) tensor
    by_date: "object"  # (N, T) tensor


def probability_of(model):
    """A forward function giving class probabilities, so attributions are in probability units."""
    torch = import_torch()

    def forward(x):
        return torch.softmax(model(x), dim=1)

    return forward


def group(attr) -> GroupedAttribution:
    """(N, B, T, ...) -> summed per band (N, B) and per date (N, T)."""
    flat = attr.flatten(3).sum(3) if attr.ndim > 3 else attr
    return GroupedAttribution(by_band=flat.sum(2), by_date=flat.sum(1))


def mean_baseline(norm_mean, n_dates: int, patch_size: int = 1) -> np.ndarray:
    """(1, B, T[, k, k]) float32: the per-band training mean at every date (and every neighbour)."""
    base = np.repeat(np.asarray(norm_mean, dtype=np.float32)[:, None], n_dates, axis=1)[None]
    if patch_size > 1:
        base = np.broadcast_to(base[..., None, None], base.shape + (patch_size, patch_size)).copy()
    return base


def integrated_gradients(model, x, targets, baseline, n_steps: int = 32, internal_batch_size: int | None = None):
    """IG attributions (same shape as x) of the target-class probability."""
    attr_mod = import_captum()
    ig = attr_mod.IntegratedGradients(probability_of(model))
    x = x.detach().requires_grad_(True)
    return ig.attribute(
        x, baselines=baseline, target=targets, n_steps=n_steps, internal_batch_size=internal_batch_size or len(x)
    ).detach()


def gradient_shap(model, x, targets, references, n_samples: int = 8, seed: int = 0):
    """GradientShap attributions (same shape as x) of the target-class probability.

    ``references``: (R, B, T[, k, k]) baselines. Seeded per call, without touching the global RNG.
    """
    torch = import_torch()
    attr_mod = import_captum()
    gs = attr_mod.GradientShap(probability_of(model))
    devices = [x.device] if x.device.type == "cuda" else []
    numpy_state = np.random.get_state()  # captum draws the interpolation points with numpy's global RNG
    try:
        with torch.random.fork_rng(devices=devices):
            torch.manual_seed(seed)
            np.random.seed(seed % 2**32)
            out = gs.attribute(
                x.detach().requires_grad_(True), baselines=references, n_samples=n_samples, stdevs=0.0,
                target=targets)
    finally:
        np.random.set_state(numpy_state)
    return out.detach()
