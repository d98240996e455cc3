"""The ensemble's disagreement: where the members of an ensemble model classify a pixel differently.

Mutual information between the prediction and the member (``models.ensemble.mutual_information``: entropy of
the averaged probabilities minus the members' mean entropy), divided by its upper bound log(min(classes,
members)), so 0 = every member gives the same probabilities and 1 = the members are each certain of a
different class. Unlike entropy / margin (which are high wherever the averaged prediction hesitates, e.g. at a
true class boundary), it marks what the members did not learn alike: pixels unlike the training data.
Read from the shared forward pass (``EnsembleNet.last_disagreement``): no extra model cost.
"""
from __future__ import annotations

import math

from ...errors import LcxError
from ...io.outputs import MAGMA, OutputSpec, RampStyle
from ..explainer import BatchContext, Explainer, OutputContext, OutputDeclaration


def disagreement_bound(n_classes: int, n_members: int) -> float:
    """Upper bound of the members' mutual information (nats): log(min(classes, members)); 0 when trivial."""
    return math.log(max(1, min(int(n_classes), int(n_members))))


class EnsembleDisagreement(Explainer):
    """Normalised mutual information of an ensemble's members (one raster, 0..1)."""

    name = "disagreement"
    label = "Ensemble disagreement"
    description = ("Per-pixel disagreement of the ensemble's members (normalised mutual information: 0 = all "
                   "members agree, 1 = each is sure of another class); high where the pixel is unlike the "
                   "training data. Only for ensemble models (more than one member).")
    category = "classification"
    # right after the uncertainty rasters, before any method running passes of its own (SHAP, IG, occlusion):
    # the ensemble's last forward must be the batch's shared one. Classification methods are Processing
    # destinations by name, so this order moves no METHOD index.
    order = 25
    produces = (("disagreement", "Ensemble disagreement"),)

    def supports(self, model) -> bool:
        """Ensemble models: a ModelSpec with ``n_members > 1`` (an architecture name alone says no)."""
        return int(getattr(model, "n_members", 1) or 1) > 1

    def outputs(self, ctx: OutputContext) -> list[OutputDeclaration]:
        members = int(getattr(ctx.bundle.spec, "n_members", 1))
        return [OutputDeclaration("disagreement", self.label_of("disagreement"), OutputSpec(
            "disagreement", [f"disagreement of the {members} ensemble members (normalised mutual information, "
                             "0 agree .. 1 each sure of another class)"],
            ramp=RampStyle(MAGMA, 0.0, 1.0)))]

    def compute(self, batch: BatchContext) -> dict:
        mutual_information = getattr(batch.model, "last_disagreement", None)
        n = len(batch.forward.probabilities)
        if mutual_information is None or len(mutual_information) != n:
            raise LcxError("The ensemble disagreement needs an ensemble model (more than one member): remove "
                           "'disagreement' from the outputs, or use a model trained with several members.")
        bound = disagreement_bound(batch.forward.probabilities.shape[1], len(batch.model.members))
        if bound == 0.0:
            return {"disagreement": mutual_information.detach() * 0.0}
        return {"disagreement": (mutual_information.detach() / bound).clamp(0.0, 1.0)}


EXPLAINER = EnsembleDisagreement()
