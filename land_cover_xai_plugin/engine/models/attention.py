"""Channel-attention network for Sentinel-2 time series (after Courteille et al., IGARSS 2021).

Each spectral band is processed separately by temporal convolutions whose kernels are shared within
groups of correlated bands; an attention module gives one weight per band; a fusion convolution over
the weighted band features (the last temporal convolution, Grad-CAM's layer) feeds the classifier.

Imported only by ``build_model`` (torch is needed at import time here).
"""
from __future__ import annotations

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


class BandBranch(nn.Module):
    """Temporal convolutions for one group of bands: every band of the group goes through the same
    kernels, as its own sample (bands folded into the batch dimension): (M, 1, T) -> (M, C, T)."""

    def __init__(self, width: int, kernel_size: int):
        super().__init__()
        self.conv1 = nn.Conv1d(1, width, kernel_size, padding=kernel_size // 2)
        self.bn1 = nn.BatchNorm1d(width)
        self.relu1 = nn.ReLU()
        self.conv2 = nn.Conv1d(width, width, kernel_size, padding=kernel_size // 2)
        self.bn2 = nn.BatchNorm1d(width)
        self.relu2 = nn.ReLU()

    def forward(self, x):
        return self.relu2(self.bn2(self.conv2(self.relu1(self.bn1(self.conv1(x))))))


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
        self.front = InputFront(spec)
        # One branch per band group. Measured on 2 CPU cores: folding a group's bands into the batch
        # runs ~8x faster than one grouped convolution (groups = B) of the same arithmetic.
        self.band_branches = nn.ModuleList(BandBranch(width, k) for _ in spec.band_groups)
        self.band_width = width
        for g, members in enumerate(spec.band_groups):
            self.register_buffer(f"group_bands_{g}", torch.tensor(members, dtype=torch.long), persistent=False)
        concat_order = [b for members in spec.band_groups for b in members]
        inverse = sorted(range(n_bands), key=concat_order.__getitem__)
        self.register_buffer("band_order", torch.tensor(inverse, dtype=torch.long), persistent=False)
        self.single_group = len(spec.band_groups) == 1
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

    def _band_features(self, x):
        n, n_bands, n_dates = x.shape
        if self.single_group:
            return self.band_branches[0](x.reshape(n * n_bands, 1, n_dates)).reshape(n, n_bands, -1, n_dates)
        parts = []
        for g, branch in enumerate(self.band_branches):
            members = getattr(self, f"group_bands_{g}")
            folded = x.index_select(1, members).reshape(-1, 1, n_dates)
            parts.append(branch(folded).reshape(n, len(members), -1, n_dates))
        return torch.cat(parts, dim=1).index_select(1, self.band_order)

    def features(self, x):
        """Reflectance in -> the Grad-CAM layer's activation (N, fusion_width, T)."""
        x = self.front(x)  # (N, B, T)
        n, n_bands, n_dates = x.shape
        band_features = self._band_features(x)  # (N, B, C, T)
        attention = self.band_attention(band_features)  # (N, B)
        self.last_band_attention = attention.detach()
        weighted = band_features * (attention * self.attention_scale)[:, :, None, None]
        return self.fusion_relu(self.fusion_bn(self.fusion_conv(weighted.reshape(n, -1, n_dates))))

    def head(self, fused):
        """The Grad-CAM layer's activation -> logits (N, n_classes)."""
        return self.classifier(self.flatten(self.dropout(fused)))

    def forward(self, x):
        return self.head(self.features(x))
