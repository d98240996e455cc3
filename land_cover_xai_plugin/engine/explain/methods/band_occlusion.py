"""Occlusion of one spectral band at a time against a class-balanced background: one map band per band.

"Removing" band b of a pixel replaces its whole series by the series of band b in real background pixels of
the stack (a few per predicted class, every class weighing the same), and the target probability is averaged
over them: p(target | x) - mean_j p(target | x with band b of background pixel j). Time interpolation cannot
stand in for a band missing at every date, and the flat training mean is not neutral (the bundled model calls
it artificial surface with p = 0.50): a real pixel's band keeps the input in distribution band by band.
Cost: bands x background pixels forward passes (13 x 8 = 104 for Sentinel-2): for clips, not whole tiles.
"""
from __future__ import annotations

import numpy as np

from ...io.outputs import DIVERGING, OutputSpec, RampStyle
from ..explainer import BatchContext, Explainer, OutputContext, OutputDeclaration, PassSetup
from .date_occlusion import background_pixels, stored_verdict_metadata

BACKGROUND_SERIES = 8


def balanced_rows(probabilities: np.ndarray, n: int, seed: int) -> np.ndarray:
    """Indices of ``n`` rows of (M, K) probabilities spread evenly over the predicted classes (at random
    within a class, seeded)."""
    rng = np.random.default_rng(seed)
    predicted = probabilities.argmax(1)
    classes = rng.permutation(np.unique(predicted))
    pools = {c: list(rng.permutation(np.flatnonzero(predicted == c))) for c in classes}
    out = []
    while len(out) < n and any(pools.values()):
        for c in classes:
            if pools[c] and len(out) < n:
                out.append(pools[c].pop())
    return np.asarray(out, np.int64)


def occlusion_by_band(model, x, targets, background, probabilities=None):
    """(n, B) tensor: p(target | x) - mean over ``background`` (M, B, T[, k, k]) of p(target | x with the
    band's series taken from that background pixel)."""
    from ...runtime import import_torch

    torch = import_torch()
    with torch.no_grad():
        if probabilities is None:
            probabilities = torch.softmax(model(x), dim=1)
        full = probabilities.gather(1, targets[:, None])[:, 0]
        out = torch.zeros((len(x), x.shape[1]), dtype=full.dtype, device=full.device)
        for b in range(x.shape[1]):
            removed = torch.zeros_like(full)
            for series in background:
                moved = x.clone()
                moved[:, b] = series[b]
                removed += torch.softmax(model(moved), dim=1).gather(1, targets[:, None])[:, 0]
            out[:, b] = full - removed / len(background)
    return out


class BandOcclusion(Explainer):
    """Explainer: probability drop when one band's series is replaced by real background pixels."""

    name = "occlusion_bands"
    label = "Band occlusion"
    description = ("Drop of the target-class probability when one spectral band is removed: its whole series "
                   f"replaced by that band in {BACKGROUND_SERIES} real pixels of the stack spread over the "
                   "predicted classes (averaged). One band per spectral band (probability units). "
                   f"{BACKGROUND_SERIES} forward passes per band: use it on a clip.")
    takes_target = True
    slow = True
    order = 90
    produces = (("occlusion_bands", "Band occlusion (drop of probability)"),)

    def outputs(self, ctx: OutputContext) -> list[OutputDeclaration]:
        what = f"P({ctx.target_text})"
        return [OutputDeclaration("occlusion_bands", self.label_of("occlusion_bands"), OutputSpec(
            ctx.stem("occlusion_bands", True),
            [f"{b}: drop of {what} when this band is replaced by real background pixels'" for b in ctx.bands],
            ramp=RampStyle(DIVERGING, symmetric=True),
            metadata={**ctx.metadata, **stored_verdict_metadata(ctx, self.name)}))]

    def prepare(self, setup: PassSetup):
        """Class-balanced background series; the training-mean series when the stack has no valid pixel."""
        pixels, probabilities = background_pixels(setup)
        if pixels is None:  # no valid pixel in the sampled windows: the per-band training mean stands in
            from ...data.windows import mean_series
            from ...runtime import import_torch

            spec = setup.bundle.spec
            series = mean_series(spec.norm_mean, spec.n_dates)
            if spec.patch_size > 1:
                series = np.broadcast_to(series[..., None, None], series.shape + (spec.patch_size,) * 2).copy()
            return import_torch().as_tensor(series[None], device=setup.device)
        return pixels[balanced_rows(probabilities, BACKGROUND_SERIES, setup.seed)]

    def compute(self, batch: BatchContext) -> dict:
        return {"occlusion_bands": occlusion_by_band(batch.model, batch.x, batch.targets, batch.state,
                                                     batch.forward.probabilities)}


EXPLAINER = BandOcclusion()
