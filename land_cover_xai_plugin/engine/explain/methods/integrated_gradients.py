"""Integrated Gradients (Sundararajan et al. 2017) of the target-class probability from the training mean."""
from __future__ import annotations

from .. import attribution
from ..explainer import BatchContext, Explainer, OutputContext, OutputDeclaration, PassSetup
from .shap import grouped_declarations


class IntegratedGradients(Explainer):
    """Integrated Gradients of the target probability from the per-band training mean."""

    name = "ig"
    label = "Integrated Gradients"
    description = ("Integrated Gradients of the target-class probability from the per-band training mean, summed "
                   "over dates (one band per spectral band) and over bands (one band per date).")
    takes_target = True
    slow = True
    order = 60
    produces = (("ig_bands", "Integrated Gradients by band"), ("ig_dates", "Integrated Gradients by date"))

    def outputs(self, ctx: OutputContext) -> list[OutputDeclaration]:
        return grouped_declarations(self, ctx, "ig", "Integrated Gradients")

    def prepare(self, setup: PassSetup):
        from ...runtime import import_torch

        spec = setup.bundle.spec
        baseline = attribution.mean_baseline(spec.norm_mean, spec.n_dates, spec.patch_size)
        return {"baseline": import_torch().as_tensor(baseline, device=setup.device), "n_steps": setup.ig_steps}

    def compute(self, batch: BatchContext) -> dict:
        state = batch.state
        grouped = attribution.group(attribution.integrated_gradients(
            batch.model, batch.x, batch.targets, state["baseline"], n_steps=state["n_steps"],
            internal_batch_size=len(batch.x)))
        return {"ig_bands": grouped.by_band, "ig_dates": grouped.by_date}


EXPLAINER = IntegratedGradients()
