"""Grad-CAM (Selvaraju et al. 2017) on the last temporal convolution, fused with the prediction pass."""
from __future__ import annotations

from ...io.outputs import MAGMA, OutputSpec, RampStyle
from .. import gradcam
from ..explainer import BatchContext, Explainer, OutputContext, OutputDeclaration


class GradCam(Explainer):
    """Heatmap + one band per date of ReLU Grad-CAM, from the fused forward + backward pass."""

    name = "gradcam"
    label = "Grad-CAM class evidence score"  # what band 1 measures: it follows the logit, locates nothing
    description = ("Grad-CAM on the last temporal convolution. Band 1, the heatmap, is a class evidence score: "
                   "it follows the class logit (how strongly the model scores the class, in logit-like units), "
                   "not a location of evidence, since each pixel is classified from its own series. The other "
                   "bands are positions of the fused layer, not input dates (each position sees every date); as "
                   "a date ranking they measure at random level (benchmarks/results/xai.md): for the dates that "
                   "matter use Date occlusion or Shapley by date.")
    takes_target = True
    fused_gradcam = True
    order = 30
    produces = (("gradcam", "Grad-CAM class evidence score"),)

    def outputs(self, ctx: OutputContext) -> list[OutputDeclaration]:
        target = ctx.target_text
        return [OutputDeclaration("gradcam", self.label_of("gradcam"), OutputSpec(
            ctx.stem("gradcam", True),
            [f"Grad-CAM class evidence score of {target} (logit-like, not a location of evidence)"]
            + [f"Grad-CAM fused-layer position at {d} (not the input date: the layer sees every date), {target}"
               for d in ctx.dates],
            ramp=RampStyle(MAGMA, vmin=0.0, transparent_low=True), metadata=ctx.metadata), visible=True)]

    def compute(self, batch: BatchContext) -> dict:
        from ...runtime import import_torch

        cam = batch.forward.cam
        return {"gradcam": import_torch().cat([gradcam.heatmap_from(cam)[:, None], cam], dim=1)}


EXPLAINER = GradCam()
