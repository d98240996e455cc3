"""A light per-pixel multilayer perceptron over the whole series (the cheap, strong peer of Random Forest).

A per-date spectral embedding (a 1 x 1 temporal convolution: the same bands -> embed_width map on every
date; Grad-CAM's layer, whose positions are exactly the input dates) -> BN -> ReLU -> Flatten ->
Linear(hidden_width) -> BN -> ReLU -> Dropout -> Linear(n_classes). Same input front (normalisation,
k x k spatial weighting) as the other architectures.
"""
from __future__ import annotations

from ..runtime import import_torch
from .attention import InputFront
from .spec import ModelSpec

torch = import_torch()
nn = torch.nn


class SeriesMLP(nn.Module):
    """Per-date spectral embedding, then a dense layer over all dates."""

    def __init__(self, spec: ModelSpec):
        super().__init__()
        spec.validate()
        self.spec = spec
        self.front = InputFront(spec)
        self.embed = nn.Conv1d(spec.n_bands, spec.embed_width, kernel_size=1)
        self.embed_bn = nn.BatchNorm1d(spec.embed_width)
        self.embed_relu = nn.ReLU()
        self.flatten = nn.Flatten()
        self.hidden = nn.Linear(spec.embed_width * spec.n_dates, spec.hidden_width)
        self.hidden_bn = nn.BatchNorm1d(spec.hidden_width)
        self.hidden_relu = nn.ReLU()
        self.dropout = nn.Dropout(spec.dropout)
        self.classifier = nn.Linear(spec.hidden_width, spec.n_classes)

    @property
    def gradcam_layer(self):
        """The per-date embedding's ReLU: output (N, embed_width, T), one position per input date."""
        return self.embed_relu

    def features(self, x):
        """Reflectance in -> the Grad-CAM layer's activation (N, embed_width, T)."""
        return self.embed_relu(self.embed_bn(self.embed(self.front(x))))

    def head(self, activation):
        """The Grad-CAM layer's activation -> logits (N, n_classes)."""
        h = self.hidden_relu(self.hidden_bn(self.hidden(self.flatten(activation))))
        return self.classifier(self.dropout(h))

    def forward(self, x):
        return self.head(self.features(x))
