"""An ensemble of independently initialised members of one architecture, stored as one model.

The output is log(mean of the members' softmax probabilities), so ``softmax(output)`` is the averaged
probability and everything downstream (argmax, confidence, entropy, explanations) works unchanged.
Each forward also records the members' probabilities and their disagreement (mutual information:
entropy of the mean minus the mean of the members' entropies, 0 when all members agree).

Grad-CAM: ``gradcam_layer`` is an identity over the members' Grad-CAM activations concatenated along
channels (N, K * C, T); each member's head reads its own slice, so Grad-CAM on it is the sum of the
members' class-activation maps.
"""
from __future__ import annotations

import math

from ..runtime import import_torch
from .spec import ModelSpec

torch = import_torch()
nn = torch.nn


def mutual_information(member_probabilities):
    """Disagreement of an ensemble per sample: H(mean p) - mean H(p), from (N, K, C) probabilities."""
    eps = 1e-12
    mean = member_probabilities.mean(dim=1)
    entropy_of_mean = -(mean * (mean + eps).log()).sum(dim=1)
    mean_entropy = -(member_probabilities * (member_probabilities + eps).log()).sum(dim=2).mean(dim=1)
    return (entropy_of_mean - mean_entropy).clamp_min(0.0)


class EnsembleNet(nn.Module):
    """K members (``spec.member()`` each), probabilities averaged."""

    def __init__(self, spec: ModelSpec, build_member):
        super().__init__()
        spec.validate()
        self.spec = spec
        self.members = nn.ModuleList(build_member(spec.member()) for _ in range(spec.n_members))
        self.member_activations = nn.Identity()
        self.last_member_probabilities = None
        self.last_disagreement = None
        self.last_band_attention = None

    @property
    def gradcam_layer(self):
        """The members' Grad-CAM activations side by side: output (N, K * C, T)."""
        return self.member_activations

    def member_logits(self, x):
        """(K, N, n_classes): every member's own logits (training fits each member on its own loss)."""
        return torch.stack([member(x) for member in self.members])

    def forward(self, x):
        activations = [member.features(x) for member in self.members]
        if self.member_activations._forward_hooks or self.member_activations._forward_pre_hooks:
            # Grad-CAM / captum hook the joined layer: route every member's head through it
            widths = [a.shape[1] for a in activations]
            joined = self.member_activations(torch.cat(activations, dim=1))
            activations = torch.split(joined, widths, dim=1)
        # (without a hook the join is skipped: copying K activation maps cost ~40 % of a 5-member forward)
        logits = torch.stack([member.head(part) for member, part in zip(self.members, activations)], dim=1)
        log_probs = torch.log_softmax(logits, dim=2)
        probs = log_probs.detach().exp()
        self.last_member_probabilities = probs
        self.last_disagreement = mutual_information(probs)
        attention = [getattr(m, "last_band_attention", None) for m in self.members]
        if all(a is not None for a in attention):
            self.last_band_attention = torch.stack(attention).mean(dim=0)
        return torch.logsumexp(log_probs, dim=1) - math.log(len(self.members))


class FastEnsembleMLP(nn.Module):
    """An :class:`EnsembleNet` of SeriesMLP members for inference only: the same outputs (log of the mean
    probability; ``last_member_probabilities``, ``last_disagreement``, ``last_band_attention``) with every
    member evaluated at once by ``mlp.FusedSeriesMLPs`` (BatchNorm folded, batched matmuls). Built by
    :func:`inference_model` from a trained ensemble; explanations that need gradients keep the ensemble."""

    def __init__(self, model: EnsembleNet):
        super().__init__()
        from .mlp import FusedSeriesMLPs

        self.spec = model.spec
        self.fused = FusedSeriesMLPs(model.members)
        self.n_members = len(model.members)
        self.last_member_probabilities = None
        self._disagreement = None
        self.last_band_attention = None

    @property
    def last_disagreement(self):
        """The last forward's mutual information (N,), as EnsembleNet records it; computed when first read
        (a class map alone never pays for it)."""
        if self._disagreement is None and self.last_member_probabilities is not None:
            self._disagreement = mutual_information(self.last_member_probabilities)
        return self._disagreement

    @property
    def members(self) -> tuple:
        """One entry per member (what callers count); the members' weights live in ``fused``."""
        return (None,) * self.n_members

    def forward(self, x):
        logits, gates = self.fused(x)  # (K, N, C), (K, N, B)
        log_probs = torch.log_softmax(logits, dim=2).transpose(0, 1)  # (N, K, C), as EnsembleNet's
        probs = log_probs.detach().exp()
        self.last_member_probabilities = probs
        self._disagreement = None
        self.last_band_attention = None if gates is None else gates.mean(dim=0)
        return torch.logsumexp(log_probs, dim=1) - math.log(self.n_members)


def inference_model(model):
    """The fastest module computing ``model``'s eval-mode forward for inference: ``FastEnsembleMLP`` /
    ``mlp.FastSeriesMLP`` for (ensembles of) pixel SeriesMLPs, else ``model`` itself. The stand-in matches
    the model to float32 rounding, has no ``gradcam_layer`` and is meant for forward-only passes; it shares no
    state with ``model`` (build it again after changing the weights)."""
    from .mlp import FastSeriesMLP, SeriesMLP, fused_mlp_supported

    if model.training:
        return model
    if isinstance(model, EnsembleNet) and fused_mlp_supported(model.members):
        return FastEnsembleMLP(model).to(next(model.parameters()).device)
    if type(model) is SeriesMLP and fused_mlp_supported([model]):
        return FastSeriesMLP(model).to(next(model.parameters()).device)
    return model
