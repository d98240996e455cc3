"""Classifiers: the channel-attention network, TempCNN, a light series MLP, and ensembles of any of them.

Importing this package does not import torch; ``build_model`` does.
"""
from __future__ import annotations

from .spec import ARCHS, ATTENTION_VARIANTS, ModelSpec

__all__ = ["ARCHS", "ATTENTION_VARIANTS", "ModelSpec", "build_model"]


def build_model(spec: ModelSpec):
    """A freshly initialised torch module for ``spec`` (train mode, CPU); an EnsembleNet when n_members > 1."""
    spec.validate()
    if spec.n_members > 1:
        from .ensemble import EnsembleNet

        return EnsembleNet(spec, build_model)
    if spec.arch == "attention":
        from .attention import ChannelAttentionNet

        return ChannelAttentionNet(spec)
    if spec.arch == "mlp":
        from .mlp import SeriesMLP

        return SeriesMLP(spec)
    from .tempcnn import TempCNN

    return TempCNN(spec)
