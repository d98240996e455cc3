"""Uncertainty beside confidence, as sits users know it: entropy and margin of the class probabilities.

- normalised entropy  H = -sum_k p_k log p_k / log K, in 0..1: 0 when one class takes all the probability,
  1 when every class is equally likely;
- margin  p_(1) - p_(2), the top-1 minus the top-2 probability, in 0..1: near 0 where the model hesitates
  between two classes (what a confidence map alone does not show).
Both come from the same forward pass as the class map: no extra model cost.
"""
from __future__ import annotations

import math

from ...io.outputs import MAGMA, VIRIDIS, OutputSpec, RampStyle
from ..explainer import BatchContext, Explainer, OutputContext, OutputDeclaration


def entropy_and_margin(probabilities):
    """(n, K) probabilities -> (normalised entropy (n,), margin (n,)) tensors. K = 1: both 0 and 1."""
    from ...runtime import import_torch

    torch = import_torch()
    n_classes = probabilities.shape[1]
    if n_classes < 2:
        zeros = torch.zeros(len(probabilities), dtype=probabilities.dtype, device=probabilities.device)
        return zeros, zeros + 1.0
    p = probabilities.clamp_min(1e-12)
    entropy = -(probabilities * p.log()).sum(1) / math.log(n_classes)
    top2 = probabilities.topk(2, dim=1).values
    return entropy.clamp(0.0, 1.0), top2[:, 0] - top2[:, 1]


class Uncertainty(Explainer):
    """Normalised entropy and margin of the class probabilities (two rasters, same forward pass)."""

    name = "uncertainty"
    label = "Uncertainty (entropy and margin)"
    description = ("Per-pixel uncertainty of the class probabilities: normalised entropy (0 = certain, 1 = every "
                   "class equally likely) and margin (top-1 minus top-2 probability; near 0 = the model hesitates "
                   "between two classes).")
    category = "classification"
    order = 20
    produces = (("entropy", "Uncertainty: entropy"), ("margin", "Uncertainty: margin"))

    def outputs(self, ctx: OutputContext) -> list[OutputDeclaration]:
        k = len(ctx.classes)
        return [
            OutputDeclaration("entropy", self.label_of("entropy"), OutputSpec(
                "entropy", [f"normalised entropy of the {k} class probabilities (0 certain .. 1 uniform)"],
                ramp=RampStyle(MAGMA, 0.0, 1.0))),
            OutputDeclaration("margin", self.label_of("margin"), OutputSpec(
                "margin", ["margin: top-1 minus top-2 class probability (0 = tie)"],
                ramp=RampStyle(VIRIDIS, 0.0, 1.0))),
        ]

    def compute(self, batch: BatchContext) -> dict:
        entropy, margin = entropy_and_margin(batch.forward.probabilities)
        return {"entropy": entropy, "margin": margin}


EXPLAINER = Uncertainty()
