"""The attention model's own weight for each spectral band (read from the forward pass)."""
from __future__ import annotations

from ...io.outputs import VIRIDIS, OutputSpec, RampStyle
from ..explainer import BatchContext, Explainer, OutputContext, OutputDeclaration


class BandAttention(Explainer):
    name = "attention"
    label = "Band attention"
    description = "The attention model's own weight for each spectral band, one band per spectral band."
    archs = ("attention",)
    band_attention = True
    order = 40
    produces = (("attention", "Band attention"),)

    def outputs(self, ctx: OutputContext) -> list[OutputDeclaration]:
        return [OutputDeclaration("attention", self.label_of("attention"), OutputSpec(
            "attention", [f"attention {b}" for b in ctx.bands], ramp=RampStyle(VIRIDIS)))]

    def compute(self, batch: BatchContext) -> dict:
        return {"attention": batch.forward.band_attention}


EXPLAINER = BandAttention()
