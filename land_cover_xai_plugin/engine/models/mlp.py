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


class FusedSeriesMLPs(nn.Module):
    """Inference-only fast path of K eval-mode :class:`SeriesMLP` members (an ensemble's, or one model's):
    the same function, evaluated with fewer passes over memory. Built from trained members, never trained.

    - the normalisation and the band gate's squeeze (each band's mean over dates) are computed once for all
      members (they read the same input);
    - each BatchNorm (running statistics) is folded into the convolution / linear layer before it;
    - the members' dense layers and classifiers run as batched matmuls over the members (``torch.baddbmm``),
      their per-date embeddings as one matmul each with the bias fused, in date-major layout so that the
      dense layer reads them without a copy (its weight columns are permuted to match).

    ``forward(x)`` returns the members' logits (K, N, n_classes) and their band gates (K, N, B) (None without
    a gate). Equal to the members' own forward to float32 rounding (tests/engine/test_inference_speed_paths.py).
    ``forward`` writes in place (no autograd); :meth:`differentiable_logits` is the same function for a gradient."""

    def __init__(self, members):
        super().__init__()
        members = list(members)
        first = members[0]
        spec = first.spec
        if not fused_mlp_supported(members):
            raise ValueError("FusedSeriesMLPs needs eval-mode SeriesMLP members of one spec, pixel input (patch 1)")
        self.n_members = len(members)
        self.n_bands, self.n_dates = spec.n_bands, spec.n_dates
        self.gate_kind = None if first.band_attention is None else spec.attention
        self.attention_scale = float(first.attention_scale)
        with torch.no_grad():
            self.register_buffer("norm_mean", first.front.norm_mean.detach().clone()[:, None])
            self.register_buffer("norm_std", first.front.norm_std.detach().clone()[:, None])
            if self.gate_kind == "se":
                self.register_buffer("squeeze_w", torch.cat(
                    [m.band_attention.squeeze_fc.weight for m in members]).t().contiguous())  # (B, K*H)
                self.register_buffer("squeeze_b", torch.cat([m.band_attention.squeeze_fc.bias for m in members]))
                self.register_buffer("excite_w", torch.stack(
                    [m.band_attention.excite_fc.weight.t() for m in members]).contiguous())  # (K, H, B)
                self.register_buffer("excite_b", torch.stack([m.band_attention.excite_fc.bias for m in members]))
            elif self.gate_kind == "softmax":
                self.register_buffer("project_w", torch.stack(
                    [m.band_attention.project.weight.t() for m in members]).contiguous())  # (K, T, T)
                self.register_buffer("project_b", torch.stack([m.band_attention.project.bias for m in members]))
                self.register_buffer("score_w", torch.stack(
                    [m.band_attention.score.weight[0] for m in members]).contiguous())  # (K, T)
                self.register_buffer("score_b", torch.stack([m.band_attention.score.bias[0] for m in members]))
            embed_w, embed_b, hidden_w, hidden_b = [], [], [], []
            width = spec.embed_width
            for m in members:
                scale, shift = _bn_affine(m.embed_bn)
                embed_w.append((m.embed.weight[:, :, 0] * scale[:, None]).t())  # (B, C)
                embed_b.append(m.embed.bias * scale + shift)
                scale, shift = _bn_affine(m.hidden_bn)
                # Flatten of (N, C, T) reads column c * T + t; the fused embedding is (N, T, C): column t * C + c
                w = (m.hidden.weight * scale[:, None]).reshape(-1, width, spec.n_dates).permute(0, 2, 1)
                hidden_w.append(w.reshape(w.shape[0], -1).t())  # (T * C, hidden)
                hidden_b.append(m.hidden.bias * scale + shift)
            self.register_buffer("embed_w", torch.stack(embed_w).contiguous())  # (K, B, C)
            self.register_buffer("embed_b", torch.stack(embed_b)[:, None, :].contiguous())  # (K, 1, C)
            self.register_buffer("hidden_w", torch.stack(hidden_w).contiguous())  # (K, T*C, hidden)
            self.register_buffer("hidden_b", torch.stack(hidden_b)[:, None, :].contiguous())  # (K, 1, hidden)
            self.register_buffer("classifier_w", torch.stack(
                [m.classifier.weight.t() for m in members]).contiguous())  # (K, hidden, n_classes)
            self.register_buffer("classifier_b", torch.stack([m.classifier.bias for m in members])[:, None, :]
                                 .contiguous())

    def _gates(self, xn):
        """(K, N, B) band gates of normalised input (N, B, T), scaled as the members scale them."""
        k, n = self.n_members, xn.shape[0]
        if self.gate_kind == "se":
            hidden = torch.relu(torch.addmm(self.squeeze_b, xn.mean(dim=2), self.squeeze_w))  # (N, K*H)
            hidden = hidden.reshape(n, k, -1).transpose(0, 1)  # (K, N, H)
            return torch.sigmoid(torch.baddbmm(self.excite_b[:, None, :], hidden, self.excite_w))
        # softmax gate: a score per band from the band's whole series, softmax over bands
        projected = torch.tanh(torch.matmul(xn[None], self.project_w[:, None]) + self.project_b[:, None, None, :])
        scores = (projected * self.score_w[:, None, None, :]).sum(-1) + self.score_b[:, None, None]  # (K, N, B)
        return torch.softmax(scores, dim=2)

    def differentiable_logits(self, x):
        """(K, N, n_classes) member logits of (N, B, T) ``x`` by the same batched operations as :meth:`forward`,
        without ``out=`` or in-place ops: the gradient path of the MLP ensemble at the stand-in's speed."""
        n, b, t = x.shape
        k = self.n_members
        xn = (x - self.norm_mean) / self.norm_std  # (N, B, T)
        series = xn.transpose(1, 2)  # (N, T, B)
        if self.gate_kind is None:
            gated = series.reshape(1, n * t, b).expand(k, -1, -1)
        else:
            gates = self._gates(xn)
            weights = gates if self.attention_scale == 1.0 else gates * self.attention_scale
            gated = (series[None] * weights[:, :, None, :]).reshape(k, n * t, b)
        embedded = torch.relu(torch.baddbmm(self.embed_b, gated, self.embed_w)).reshape(k, n, -1)
        hidden = torch.relu(torch.baddbmm(self.hidden_b, embedded, self.hidden_w))
        return torch.baddbmm(self.classifier_b, hidden, self.classifier_w)

    def forward(self, x):
        """(N, B, T) reflectance -> member logits (K, N, n_classes), band gates (K, N, B) or None."""
        n, b, t = x.shape
        if (b, t) != (self.n_bands, self.n_dates):
            raise ValueError(f"model expects input (N, {self.n_bands}, {self.n_dates}), got {tuple(x.shape)}")
        k = self.n_members
        xn = (x - self.norm_mean) / self.norm_std  # (N, B, T)
        series = xn.transpose(1, 2).contiguous()  # (N, T, B)
        gates = weights = None
        if self.gate_kind is not None:
            gates = self._gates(xn)
            weights = gates if self.attention_scale == 1.0 else gates * self.attention_scale
        # one addmm per member (bias fused): measured faster than one bmm with an inner dimension of B
        embedded = x.new_empty((k, n * t, self.embed_w.shape[2]))
        for m in range(k):
            gated = series if weights is None else series * weights[m][:, None, :]
            torch.addmm(self.embed_b[m, 0], gated.reshape(n * t, b), self.embed_w[m], out=embedded[m])
        embedded = torch.relu_(embedded).reshape(k, n, -1)  # (K, N, T * C)
        hidden = torch.relu_(torch.baddbmm(self.hidden_b, embedded, self.hidden_w))
        return torch.baddbmm(self.classifier_b, hidden, self.classifier_w), gates


def _bn_affine(bn):
    """(scale, shift) of an eval-mode BatchNorm1d: bn(y) = y * scale + shift."""
    scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
    return scale, bn.bias - bn.running_mean * scale


def fused_mlp_supported(members) -> bool:
    """Whether :class:`FusedSeriesMLPs` can stand in for ``members``: eval-mode SeriesMLPs of one spec on pixel
    series (patch 1), BatchNorm with running statistics, one input normalisation."""
    members = list(members)
    if not members or not all(type(m) is SeriesMLP for m in members):
        return False
    spec = members[0].spec
    if spec.patch_size != 1 or any(m.training or m.spec != spec for m in members):
        return False
    if any(bn.running_mean is None or bn.running_var is None or not bn.affine
           for m in members for bn in (m.embed_bn, m.hidden_bn)):
        return False
    front = members[0].front
    return all(torch.equal(m.front.norm_mean, front.norm_mean) and torch.equal(m.front.norm_std, front.norm_std)
               for m in members)


class FastSeriesMLP(nn.Module):
    """A :class:`SeriesMLP`'s forward (logits, ``last_band_attention``) through :class:`FusedSeriesMLPs`:
    the inference-only stand-in streaming inference runs for the class map when no method needs gradients."""

    def __init__(self, model: SeriesMLP):
        super().__init__()
        self.spec = model.spec
        self.fused = FusedSeriesMLPs([model])
        self.last_band_attention = None

    def forward(self, x):
        logits, gates = self.fused(x)
        self.last_band_attention = None if gates is None else gates[0]
        return logits[0]
