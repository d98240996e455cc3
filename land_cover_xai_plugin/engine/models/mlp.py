"""A light per-pixel multilayer perceptron over the whole series (the cheap, strong peer of Random Forest).

A per-date spectral embedding (a 1 x 1 temporal convolution: the same bands -> embed_width map on every
date; Grad-CAM's layer, whose positions are exactly the input dates) -> BN -> ReLU -> Flatten ->
Linear(hidden_width) -> BN -> ReLU -> Dropout -> Linear(n_classes). Same input front (normalisation,
k x k spatial weighting) as the other architectures. With ``spec.band_attention`` the normalised bands
first pass the attention model's gate (squeeze-and-excitation or softmax over bands, one weight per band
and pixel, exposed as ``last_band_attention``), read from each band's whole series.
"""
from __future__ import annotations

from ..runtime import import_torch
from .attention import InputFront, SoftmaxAttention, SqueezeExcitationAttention
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
        self.band_attention = None
        self.attention_scale = 1.0
        if spec.band_attention:
            # the gates read (N, B, C, T') band features: here each band's series as C = T channels, T' = 1
            if spec.attention == "se":
                self.band_attention = SqueezeExcitationAttention(spec.n_bands)
            else:
                self.band_attention = SoftmaxAttention(spec.n_dates)
                self.attention_scale = float(spec.n_bands)  # uniform weights leave the input unchanged
        self.last_band_attention = None
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
        x = self.front(x)
        if self.band_attention is not None:
            attention = self.band_attention(x[..., None])  # (N, B)
            self.last_band_attention = attention.detach()
            x = x * (attention * self.attention_scale)[:, :, None]
        return self.embed_relu(self.embed_bn(self.embed(x)))

    def head(self, activation):
        """The Grad-CAM layer's activation -> logits (N, n_classes)."""
        h = self.hidden_relu(self.hidden_bn(self.hidden(self.flatten(activation))))
        return self.classifier(self.dropout(h))

    def forward(self, x):
        return self.head(self.features(x))
