"""TempCNN (Pelletier, Webb & Petitjean, Remote Sensing 2019), the reviewers' baseline.

3 x [Conv1d(conv_width, k) -> BN -> ReLU -> Dropout] -> Flatten -> Linear(dense_width) -> BN -> ReLU ->
Dropout -> Linear(n_classes). Normalisation (and, for patch_size k > 1, the learned k x k spatial
weighting) is the same input front as the attention model.
"""
from __future__ import annotations

from ..runtime import import_torch
from .attention import InputFront
from .spec import ModelSpec

torch = import_torch()
nn = torch.nn


class TempCNN(nn.Module):
    """Temporal CNN: three 1-D convolutions over the dates of each pixel's series, then a classifier."""

    def __init__(self, spec: ModelSpec):
        super().__init__()
        spec.validate()
        self.spec = spec
        k, width = spec.kernel_size, spec.conv_width
        self.front = InputFront(spec)
        blocks = []
        in_channels = spec.n_bands
        for _ in range(3):
            blocks.append(
                nn.Sequential(
                    nn.Conv1d(in_channels, width, k, padding=k // 2),
                    nn.BatchNorm1d(width),
                    nn.ReLU(),
                    nn.Dropout(spec.dropout),
                )
            )
            in_channels = width
        self.blocks = nn.Sequential(*blocks)
        self.flatten = nn.Flatten()
        self.dense = nn.Linear(width * spec.n_dates, spec.dense_width)
        self.dense_bn = nn.BatchNorm1d(spec.dense_width)
        self.dense_relu = nn.ReLU()
        self.dense_dropout = nn.Dropout(spec.dropout)
        self.classifier = nn.Linear(spec.dense_width, spec.n_classes)

    @property
    def gradcam_layer(self):
        """The third block's ReLU: output (N, conv_width, T)."""
        return self.blocks[2][2]

    def features(self, x):
        """Reflectance in -> the Grad-CAM layer's activation (N, conv_width, T)."""
        return self.blocks(self.front(x))

    def head(self, activation):
        """The Grad-CAM layer's activation -> logits (N, n_classes)."""
        h = self.flatten(activation)
        return self.classifier(self.dense_dropout(self.dense_relu(self.dense_bn(self.dense(h)))))

    def forward(self, x):
        return self.head(self.features(x))
