"""Grad-CAM (Selvaraju et al. 2017) on the last temporal convolution, fused with the prediction pass."""
from __future__ import annotations

from ...io.outputs import MAGMA, OutputSpec, RampStyle
from .. import gradcam
from ..explainer import BatchContext, Explainer, OutputContext, OutputDeclaration


class GradCam(Explainer):
    name = "gradcam"
    label = "Grad-CAM"
    description = ("Grad-CAM on the last temporal convolution: band 1 is a heatmap (mean over dates of the ReLU "
                   "Grad-CAM), then one band per date: where and when the evidence for the class is strongest.")
    takes_target = True
    fused_gradcam = True
    order = 30
    produces = (("gradcam", "Grad-CAM heatmap"),)

    def outputs(self, ctx: OutputContext) -> list[OutputDeclaration]:
        target = ctx.target_text
        return [OutputDeclaration("gradcam", self.label_of("gradcam"), OutputSpec(
            ctx.stem("gradcam", True),
            [f"Grad-CAM heatmap, mean over dates of ReLU Grad-CAM, {target}"]
            + [f"Grad-CAM {d}, {target}" for d in ctx.dates],
            ramp=RampStyle(MAGMA, vmin=0.0, transparent_low=True), metadata=ctx.metadata), visible=True)]

    def compute(self, batch: BatchContext) -> dict:
        from ...runtime import import_torch

        cam = batch.forward.cam
        return {"gradcam": import_torch().cat([gradcam.heatmap_from(cam)[:, None], cam], dim=1)}


EXPLAINER = GradCam()
