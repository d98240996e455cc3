"""The class map and its confidence: written by every run."""
from __future__ import annotations

from ...io.outputs import OutputSpec, RampStyle, class_map_encoding
from ..explainer import BatchContext, Explainer, OutputContext, OutputDeclaration, PassSetup

GREYS = ["#000000", "#404040", "#808080", "#c0c0c0", "#ffffff"]


def training_data_metadata(bundle) -> dict[str, str]:
    """What the model was trained on (accuracy/provenance.py), in the class map: validation warns from it when
    the field data are the training data."""
    from ...accuracy.provenance import METADATA_KEY, metadata_summary

    summary = metadata_summary((getattr(bundle, "report", None) or {}).get("training_data"))
    return {METADATA_KEY: summary} if summary else {}


class ClassMap(Explainer):
    """The class map (class ids, paletted) and the confidence (top-1 probability): always written."""

    name = "classification"
    label = "Class map and confidence"
    description = ("The class of each pixel (styled with the model's class names and colours) and its "
                   "confidence, the highest class probability (0..1).")
    category = "classification"
    always = True
    order = 0
    produces = (("prediction", "Class map"), ("confidence", "Confidence"))

    def outputs(self, ctx: OutputContext) -> list[OutputDeclaration]:
        classes = ctx.classes
        dtype, nodata = class_map_encoding([c.id for c in classes])
        return [
            OutputDeclaration("prediction", self.label_of("prediction"), OutputSpec(
                "prediction", ["class id"], dtype, nodata, classes=classes,
                metadata={**ctx.metadata, **training_data_metadata(ctx.bundle)}), visible=True),
            OutputDeclaration("confidence", self.label_of("confidence"), OutputSpec(
                "confidence", ["confidence (max class probability)"], ramp=RampStyle(GREYS, 0.0, 1.0))),
        ]

    def prepare(self, setup: PassSetup):
        from ...runtime import import_torch

        torch = import_torch()
        return torch.as_tensor([int(c.id) for c in setup.bundle.classes], device=setup.device)

    def compute(self, batch: BatchContext) -> dict:
        confidence, _ = batch.forward.probabilities.max(1)
        return {"prediction": batch.state[batch.forward.predicted], "confidence": confidence}


EXPLAINER = ClassMap()
