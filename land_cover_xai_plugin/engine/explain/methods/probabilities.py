"""Per-class probabilities (softmax output), one band per class."""
from __future__ import annotations

from ...io.outputs import VIRIDIS, OutputSpec, RampStyle
from ..explainer import BatchContext, Explainer, OutputContext, OutputDeclaration


class Probabilities(Explainer):
    """The softmax probability of every class, one band per class."""

    name = "probabilities"
    label = "Per-class probabilities"
    description = "The model's probability of every class, one band per class (0..1)."
    category = "classification"
    order = 10
    produces = (("probabilities", "Class probabilities"),)

    def outputs(self, ctx: OutputContext) -> list[OutputDeclaration]:
        return [OutputDeclaration("probabilities", self.label_of("probabilities"), OutputSpec(
            "probabilities", [f"P({c.name}) class {c.id}" for c in ctx.classes], ramp=RampStyle(VIRIDIS, 0.0, 1.0)))]

    def compute(self, batch: BatchContext) -> dict:
        return {"probabilities": batch.forward.probabilities}


EXPLAINER = Probabilities()
