"""The attention model's band gates: its weight for each spectral band (read from the forward pass), shown as
what they are, not as importance (they are not validated by band ablation)."""
from __future__ import annotations

from ...io.outputs import VIRIDIS, OutputSpec, RampStyle
from ..explainer import BatchContext, Explainer, OutputContext, OutputDeclaration


class BandAttention(Explainer):
    """The band weights the model computes in its forward pass, one raster band per spectral band."""

    name = "attention"
    label = "Band gates (attention)"  # the model's gating, not a measured importance
    description = ("The model's band gates: the weight its attention layer gives each spectral band in the "
                   "forward pass, one band per spectral band. Not a measured importance: the gates barely vary "
                   "between pixels and the layer after them absorbs a constant gain, and their ranking is not "
                   "validated by band ablation (benchmarks/results/xai.md).")
    archs = ("attention", "mlp")  # the product's MLP carries a band gate (ModelSpec.has_band_attention)
    band_attention = True
    order = 40
    produces = (("attention", "Band gates (attention)"),)

    def supports(self, model) -> bool:
        """Models that expose one weight per band: attention models, and series MLPs with a band gate."""
        exposes = getattr(model, "has_band_attention", None)
        return bool(exposes) if exposes is not None else model in self.archs

    def outputs(self, ctx: OutputContext) -> list[OutputDeclaration]:
        return [OutputDeclaration("attention", self.label_of("attention"), OutputSpec(
            "attention", [f"band gate {b}" for b in ctx.bands], ramp=RampStyle(VIRIDIS)))]

    def compute(self, batch: BatchContext) -> dict:
        return {"attention": batch.forward.band_attention}


EXPLAINER = BandAttention()
