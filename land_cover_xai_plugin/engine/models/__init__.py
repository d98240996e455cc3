"""Classifiers: the channel-attention network and TempCNN.

Importing this package does not import torch; ``build_model`` does.
"""
from __future__ import annotations

from .spec import ARCHS, ATTENTION_VARIANTS, ModelSpec

__all__ = ["ARCHS", "ATTENTION_VARIANTS", "ModelSpec", "build_model"]


def build_model(spec: ModelSpec):
    """A freshly initialised torch module for ``spec`` (train mode, CPU)."""
    spec.validate()
    if spec.arch == "attention":
        from .attention import ChannelAttentionNet  # noqa: PLC0415 - lazy torch import

        return ChannelAttentionNet(spec)
    from .tempcnn import TempCNN  # noqa: PLC0415

    return TempCNN(spec)
