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
from .date_occlusion import background_pixels, forward_runner, stored_verdict_metadata

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


def occlusion_by_band(model, x, targets, background, probabilities=None, max_rows: int = 2048, runner=None):
    """(n, B) tensor: p(target | x) - mean over ``background`` (M, B, T[, k, k]) of p(target | x with the
    band's series taken from that background pixel).

    The B x M replaced copies of the batch go through the model in chunks of at most ``max_rows`` rows (at
    least one copy per chunk), not one forward pass per band and background pixel; through ``runner`` (a
    forward-only stand-in of ``model``, ``date_occlusion.forward_runner``) when given."""
    from ...runtime import import_torch

    torch = import_torch()
    with torch.no_grad():
        if probabilities is None:
            probabilities = torch.softmax(model(x), dim=1)
        full = probabilities.gather(1, targets[:, None])[:, 0]
        n, n_bands, n_background = len(x), x.shape[1], len(background)
        removed = torch.zeros((n_bands, n), dtype=full.dtype, device=full.device)
        if not n or not n_background:
            return torch.zeros((n, n_bands), dtype=full.dtype, device=full.device)
        pairs = [(b, j) for b in range(n_bands) for j in range(n_background)]
        per_chunk = max(1, int(max_rows) // n)
        for start in range(0, len(pairs), per_chunk):
            chunk = pairs[start:start + per_chunk]
            copies = x.unsqueeze(0).repeat((len(chunk),) + (1,) * x.ndim)  # (c, n, B, T[, k, k])
            for i, (b, j) in enumerate(chunk):
                copies[i, :, b] = background[j, b]
            forward = runner if runner is not None else model
            p = torch.softmax(forward(copies.reshape((len(chunk) * n,) + tuple(x.shape[1:]))), dim=1)
            p = p.reshape(len(chunk), n, -1).gather(2, targets[None, :, None].expand(len(chunk), -1, 1))[..., 0]
            for i, (b, _) in enumerate(chunk):
                removed[b] += p[i].to(full.dtype)
        return full[:, None] - (removed / n_background).T


def occlusion_by_band_per_band(model, x, targets, background, probabilities=None):
    """The reference implementation of :func:`occlusion_by_band`: one forward pass per band and background
    pixel (kept to test the batched one against; same values)."""
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

    def prepare(self, setup: PassSetup) -> dict:
        """{"background": class-balanced background series (the training-mean series when the stack has no
        valid pixel), "runner": (model, its forward-only stand-in)}."""
        return {"background": self.background(setup), "runner": forward_runner(setup.model)}

    @staticmethod
    def background(setup: PassSetup):
        """(M, B, T[, k, k]) tensor: class-balanced real pixels of the stack, or the training-mean series."""
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
        state = batch.state
        runner = state.get("runner")
        fast = runner[1] if runner is not None and runner[0] is batch.model else None
        return {"occlusion_bands": occlusion_by_band(batch.model, batch.x, batch.targets, state["background"],
                                                     batch.forward.probabilities, runner=fast)}


EXPLAINER = BandOcclusion()
