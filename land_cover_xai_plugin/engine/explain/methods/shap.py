"""GradientSHAP (Lundberg & Lee 2017) of the target-class probability, summed by band and by date."""
from __future__ import annotations

import numpy as np

from ...io.outputs import DIVERGING, OutputSpec, RampStyle
from .. import attribution
from ..explainer import BatchContext, Explainer, OutputContext, OutputDeclaration, PassSetup

_MIN_CHUNK = 16


def reference_set(stack, band_order, spec, min_valid_dates: int, seed: int, n_pixels: int = 15,
                  inputs=None) -> np.ndarray:
    """GradientShap baselines: the per-band training mean plus up to ``n_pixels`` real gap-filled pixels read
    from a few small windows of the stack (constant over a patch for patch models). ``inputs``: the pass's
    ``data.windows.InputSpec`` (its calendar and validity); None: ``band_order`` / ``min_valid_dates``."""
    import dataclasses

    from ...data.windows import InputSpec, Window, prepare

    pixel_inputs = (InputSpec(band_order, min_valid_dates) if inputs is None
                    else dataclasses.replace(inputs, patch_size=1, fill_series=None, with_observed=False))

    rng = np.random.default_rng(seed)
    refs = [attribution.mean_baseline(spec.norm_mean, spec.n_dates)[0]]
    size = 16
    for _ in range(4):
        xo = int(rng.integers(0, max(1, stack.width - size + 1)))
        yo = int(rng.integers(0, max(1, stack.height - size + 1)))
        win = Window(xo, yo, min(size, stack.width - xo), min(size, stack.height - yo))
        prepared = prepare(stack, win, pixel_inputs)
        good = np.flatnonzero(prepared.valid)
        if len(good):
            refs.extend(prepared.pixels[rng.choice(good, size=min(len(good), 4), replace=False)])
        if len(refs) > n_pixels:
            break
    out = np.stack(refs[: n_pixels + 1]).astype(np.float32)
    if spec.patch_size > 1:
        k = spec.patch_size
        out = np.broadcast_to(out[..., None, None], out.shape + (k, k)).copy()
    return out


def grouped_declarations(explainer: Explainer, ctx: OutputContext, prefix: str, method: str) -> list:
    """The two rasters of a gradient attribution: summed over dates (``<prefix>_bands``: one band per spectral
    band) and over bands (``<prefix>_dates``: one band per date). ``method`` names it in band descriptions."""
    what = f"of P({ctx.target_text})"
    return [
        OutputDeclaration(f"{prefix}_bands", explainer.label_of(f"{prefix}_bands"), OutputSpec(
            ctx.stem(f"{prefix}_bands", True), [f"{method} {b} (sum over dates) {what}" for b in ctx.bands],
            ramp=RampStyle(DIVERGING, symmetric=True), metadata=ctx.metadata)),
        OutputDeclaration(f"{prefix}_dates", explainer.label_of(f"{prefix}_dates"), OutputSpec(
            ctx.stem(f"{prefix}_dates", True), [f"{method} {d} (sum over bands) {what}" for d in ctx.dates],
            ramp=RampStyle(DIVERGING, symmetric=True), metadata=ctx.metadata)),
    ]


class GradientShap(Explainer):
    """GradientSHAP of the target probability against a reference set (training mean + real pixels)."""

    name = "shap"
    label = "GradientSHAP"
    description = ("GradientSHAP attribution of the target-class probability, summed over dates (one band per "
                   "spectral band) and over bands (one band per date). Slow on a CPU (about 1,000 pixels per "
                   "second): use it on a clip of the area of interest.")
    takes_target = True
    slow = True
    order = 50
    produces = (("shap_bands", "SHAP by band"), ("shap_dates", "SHAP by date"))

    def outputs(self, ctx: OutputContext) -> list[OutputDeclaration]:
        return grouped_declarations(self, ctx, "shap", "GradientSHAP")

    def prepare(self, setup: PassSetup):
        from ...runtime import import_torch

        refs = reference_set(setup.stack, setup.band_order, setup.bundle.spec, setup.min_valid_dates, setup.seed,
                             inputs=setup.inputs)
        return {"references": import_torch().as_tensor(refs, device=setup.device),
                "n_samples": setup.shap_samples, "seed": setup.seed}

    def compute(self, batch: BatchContext) -> dict:
        from ...runtime import import_torch

        torch = import_torch()
        state, x, targets = batch.state, batch.x, batch.targets
        chunk = max(_MIN_CHUNK, len(x) // max(1, state["n_samples"]))  # captum expands by n_samples
        parts = [attribution.gradient_shap(batch.model, x[i:i + chunk], targets[i:i + chunk], state["references"],
                                           state["n_samples"], seed=state["seed"] + batch.batch_no * 131 + i)
                 for i in range(0, len(x), chunk)]
        grouped = attribution.group(torch.cat(parts))
        return {"shap_bands": grouped.by_band, "shap_dates": grouped.by_date}


EXPLAINER = GradientShap()
