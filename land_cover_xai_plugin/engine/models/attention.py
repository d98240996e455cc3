"""Channel-attention network for Sentinel-2 time series (after Courteille et al., IGARSS 2021).

Each spectral band is processed separately by temporal convolutions whose kernels are shared within
groups of correlated bands; an attention module gives one weight per band; a fusion convolution over
the weighted band features (the last temporal convolution, Grad-CAM's layer) feeds the classifier.

Imported only by ``build_model`` (torch is needed at import time here).
"""
from __future__ import annotations

import math

from ..runtime import import_torch
from .spec import ModelSpec

torch = import_torch()
nn = torch.nn
F = torch.nn.functional


class InputFront(nn.Module):
    """Reflectance in, normalised (N, B, T) out.

    With patch_size k > 1 the (N, B, T, k, k) input is first reduced per band by a learned k x k
    spatial weighting, initialised to the centre pixel (so an untrained front is pixel-wise).
    Normalisation lives here so that explanations are computed in reflectance units.
    """

    def __init__(self, spec: ModelSpec):
        super().__init__()
        self.n_bands = spec.n_bands
        self.n_dates = spec.n_dates
        self.patch_size = spec.patch_size
        if spec.patch_size > 1:
            k2 = spec.patch_size * spec.patch_size
            weight = torch.zeros(spec.n_bands, k2)
            weight[:, k2 // 2] = 1.0
            self.spatial_weight = nn.Parameter(weight)
        else:
            self.spatial_weight = None
        self.register_buffer("norm_mean", torch.tensor(spec.norm_mean, dtype=torch.float32))
        self.register_buffer("norm_std", torch.tensor(spec.norm_std, dtype=torch.float32))

    def forward(self, x):
        k = self.patch_size
        expected = (self.n_bands, self.n_dates) + ((k, k) if k > 1 else ())
        if tuple(x.shape[1:]) != expected:
            raise ValueError(f"model expects input (N, {', '.join(map(str, expected))}), got {tuple(x.shape)}")
        if k > 1:
            x = (x.flatten(3) * self.spatial_weight[None, :, None, :]).sum(-1)
        return (x - self.norm_mean[None, :, None]) / self.norm_std[None, :, None]


class GroupSharedConv1d(nn.Module):
    """Temporal Conv1d applied to every band separately, kernels shared by the bands of a group.

    Input (N, B * in_channels, T), band-major; output (N, B * out_channels, T). One grouped
    convolution (groups = B) whose per-band kernels are gathered from the group kernels: no Python
    loop over bands, and the parameter count scales with the number of groups, not bands.
    """

    def __init__(self, band_to_group: list[int], in_channels: int, out_channels: int, kernel_size: int):
        super().__init__()
        n_groups = max(band_to_group) + 1
        self.n_bands = len(band_to_group)
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = kernel_size
        self.weight = nn.Parameter(torch.empty(n_groups, out_channels, in_channels, kernel_size))
        self.bias = nn.Parameter(torch.empty(n_groups, out_channels))
        # Derived from the spec, so not part of the saved weights.
        self.register_buffer("band_to_group", torch.tensor(band_to_group, dtype=torch.long), persistent=False)
        fan_in = in_channels * kernel_size
        for g in range(n_groups):  # same initialisation as nn.Conv1d
            nn.init.kaiming_uniform_(self.weight.data[g], a=math.sqrt(5))
        nn.init.uniform_(self.bias, -1 / math.sqrt(fan_in), 1 / math.sqrt(fan_in))

    def forward(self, x):
        weight = self.weight[self.band_to_group].reshape(-1, self.in_channels, self.kernel_size)
        bias = self.bias[self.band_to_group].reshape(-1)
        return F.conv1d(x, weight, bias, padding=self.kernel_size // 2, groups=self.n_bands)


class SqueezeExcitationAttention(nn.Module):
    """One sigmoid gate per band: global average pool per band -> Linear -> ReLU -> Linear -> sigmoid."""

    def __init__(self, n_bands: int):
        super().__init__()
        hidden = max(n_bands // 4, 2)
        self.squeeze_fc = nn.Linear(n_bands, hidden)
        self.relu = nn.ReLU()
        self.excite_fc = nn.Linear(hidden, n_bands)
        self.gate = nn.Sigmoid()

    def forward(self, band_features):  # (N, B, C, T) -> (N, B) in (0, 1)
        squeezed = band_features.mean(dim=(2, 3))
        return self.gate(self.excite_fc(self.relu(self.squeeze_fc(squeezed))))


class SoftmaxAttention(nn.Module):
    """A score per band embedding (time-averaged band features), softmax over bands: weights sum to 1."""

    def __init__(self, band_width: int):
        super().__init__()
        self.project = nn.Linear(band_width, band_width)
        self.tanh = nn.Tanh()
        self.score = nn.Linear(band_width, 1)
        self.softmax = nn.Softmax(dim=1)

    def forward(self, band_features):  # (N, B, C, T) -> (N, B), rows sum to 1
        embedding = band_features.mean(dim=3)
        return self.softmax(self.score(self.tanh(self.project(embedding))).squeeze(-1))


class ChannelAttentionNet(nn.Module):
    """Per-band temporal convolutions (kernels shared within band groups) -> band attention -> fusion."""

    def __init__(self, spec: ModelSpec):
        super().__init__()
        spec.validate()
        self.spec = spec
        n_bands, width, k = spec.n_bands, spec.band_width, spec.kernel_size
        groups = spec.band_to_group
        self.front = InputFront(spec)
        self.band_conv1 = GroupSharedConv1d(groups, 1, width, k)
        self.band_bn1 = nn.BatchNorm1d(n_bands * width)
        self.band_relu1 = nn.ReLU()
        self.band_conv2 = GroupSharedConv1d(groups, width, width, k)
        self.band_bn2 = nn.BatchNorm1d(n_bands * width)
        self.band_relu2 = nn.ReLU()
        if spec.attention == "se":
            self.band_attention = SqueezeExcitationAttention(n_bands)
        else:
            self.band_attention = SoftmaxAttention(width)
        # Softmax weights sum to 1: scale by B so that uniform attention leaves features unchanged.
        self.attention_scale = float(n_bands) if spec.attention == "softmax" else 1.0
        self.fusion_conv = nn.Conv1d(n_bands * width, spec.fusion_width, k, padding=k // 2)
        self.fusion_bn = nn.BatchNorm1d(spec.fusion_width)
        self.fusion_relu = nn.ReLU()
        self.dropout = nn.Dropout(spec.dropout)
        self.flatten = nn.Flatten()
        self.classifier = nn.Linear(spec.fusion_width * spec.n_dates, spec.n_classes)
        self.last_band_attention = None

    @property
    def gradcam_layer(self):
        """Activation of the last temporal convolution: output (N, fusion_width, T)."""
        return self.fusion_relu

    def forward(self, x):
        x = self.front(x)  # (N, B, T)
        n, n_bands, n_dates = x.shape
        h = self.band_relu1(self.band_bn1(self.band_conv1(x)))  # (N, B*C, T), band-major
        h = self.band_relu2(self.band_bn2(self.band_conv2(h)))
        band_features = h.reshape(n, n_bands, -1, n_dates)
        attention = self.band_attention(band_features)  # (N, B)
        self.last_band_attention = attention.detach()
        weighted = band_features * (attention * self.attention_scale)[:, :, None, None]
        fused = self.fusion_relu(self.fusion_bn(self.fusion_conv(weighted.reshape(n, -1, n_dates))))
        return self.classifier(self.flatten(self.dropout(fused)))
