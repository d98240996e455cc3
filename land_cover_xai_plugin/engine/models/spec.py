"""ModelSpec: everything needed to rebuild a model's architecture, as plain JSON-safe data.

No torch here: the GUI and the model-file reader describe a model without importing torch.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

ARCHS = ("attention", "tempcnn", "mlp")
MAX_ENSEMBLE_MEMBERS = 16  # ensemble members in one model file
ATTENTION_VARIANTS = ("se", "softmax")


@dataclass
class ModelSpec:
    """Architecture and input normalisation of one classifier.

    Input to the built model is reflectance (N, B, T), or (N, B, T, k, k) when patch_size k > 1.
    ``norm_mean`` / ``norm_std`` (one value per band) are applied inside the model, so explanations
    stay in reflectance units. ``n_members`` > 1 makes an ensemble of that many copies of the
    architecture (one file, probabilities averaged, their disagreement exposed).
    """

    arch: str
    n_bands: int
    n_dates: int
    n_classes: int
    patch_size: int = 1
    attention: str = "se"
    # Bands whose temporal kernels are shared (attention model); every band in exactly one group.
    band_groups: list[list[int]] = field(default_factory=list)
    norm_mean: list[float] = field(default_factory=list)
    norm_std: list[float] = field(default_factory=list)
    kernel_size: int = 5
    # attention: channels per band in the band branch, and of the fusion convolution
    band_width: int = 8
    fusion_width: int = 64
    # tempcnn: filters of the three convolutions, width of the dense layer
    conv_width: int = 64
    dense_width: int = 256
    # mlp: per-date spectral embedding (a 1x1 convolution, Grad-CAM's layer), then one hidden dense layer
    embed_width: int = 32
    hidden_width: int = 128
    # mlp: a band attention gate (variant ``attention``) on the input bands, one weight per band and pixel
    band_attention: bool = False
    dropout: float = 0.5
    # > 1: an ensemble of this many independently initialised copies, probabilities averaged
    n_members: int = 1

    def __post_init__(self) -> None:
        if not self.band_groups:
            self.band_groups = [[b] for b in range(self.n_bands)]
        if not self.norm_mean:
            self.norm_mean = [0.0] * self.n_bands
        if not self.norm_std:
            self.norm_std = [1.0] * self.n_bands

    # --- checks ---------------------------------------------------------------------------
    def problems(self) -> list[str]:
        """What is inconsistent in this spec (empty list = usable)."""
        out: list[str] = []
        if self.arch not in ARCHS:
            out.append(f"unknown architecture '{self.arch}' (known: {', '.join(ARCHS)})")
        if self.attention not in ATTENTION_VARIANTS:
            out.append(f"unknown attention variant '{self.attention}' (known: {', '.join(ATTENTION_VARIANTS)})")
        for name in ("n_bands", "n_dates", "kernel_size", "band_width", "fusion_width", "conv_width", "dense_width",
                     "embed_width", "hidden_width"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 100_000:
                out.append(f"{name} must be a positive integer, got {value!r}")
        if not isinstance(self.n_classes, int) or not 1 <= self.n_classes <= 10_000:
            out.append(f"n_classes must be an integer >= 1, got {self.n_classes!r}")
        members = self.n_members
        if not isinstance(members, int) or isinstance(members, bool) or not 1 <= members <= MAX_ENSEMBLE_MEMBERS:
            out.append(f"n_members must be an integer between 1 and {MAX_ENSEMBLE_MEMBERS}, got {members!r}")
        k = self.patch_size
        if not isinstance(k, int) or isinstance(k, bool) or k < 1 or k % 2 == 0 or k > 31:
            out.append(f"patch_size must be an odd integer between 1 and 31, got {self.patch_size!r}")
        if not isinstance(self.band_attention, bool):
            out.append(f"band_attention must be true or false, got {self.band_attention!r}")
        if not isinstance(self.dropout, (int, float)) or not 0.0 <= float(self.dropout) < 1.0:
            out.append(f"dropout must be in [0, 1), got {self.dropout!r}")
        if isinstance(self.n_bands, int) and self.n_bands >= 1:
            groups = self.band_groups
            flat = sorted(b for g in groups for b in g) if all(isinstance(g, list) for g in groups) else None
            if flat != list(range(self.n_bands)) or any(not g for g in groups):
                out.append(f"band_groups must partition the band indices 0..{self.n_bands - 1}, got {groups!r}")
            for name in ("norm_mean", "norm_std"):
                values = getattr(self, name)
                if len(values) != self.n_bands or not all(
                    isinstance(v, (int, float)) and math.isfinite(v) for v in values
                ):
                    out.append(f"{name} must hold {self.n_bands} finite numbers")
            if any(isinstance(v, (int, float)) and v <= 0 for v in self.norm_std):
                out.append("norm_std must be positive")
        return out

    def member(self) -> "ModelSpec":
        """The spec of one ensemble member (this spec with n_members = 1)."""
        return dataclasses.replace(self, n_members=1)

    def validate(self) -> "ModelSpec":
        """This spec unchanged; raises ValueError listing every problem, so a bad spec fails early."""
        problems = self.problems()
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def has_band_attention(self) -> bool:
        """Whether the model gives one attention weight per band (``last_band_attention``)."""
        return self.arch == "attention" or (self.arch == "mlp" and self.band_attention)

    @property
    def band_to_group(self) -> list[int]:
        """Group index of each band."""
        lookup = [0] * self.n_bands
        for g, members in enumerate(self.band_groups):
            for b in members:
                lookup[b] = g
        return lookup

    # --- JSON -----------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """This spec as plain JSON types, for the model file."""
        d = dataclasses.asdict(self)
        d["band_groups"] = [[int(b) for b in g] for g in self.band_groups]
        d["norm_mean"] = [float(v) for v in self.norm_mean]
        d["norm_std"] = [float(v) for v in self.norm_std]
        d["dropout"] = float(self.dropout)
        return d

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ModelSpec":
        """Rebuild and validate; unknown keys or inconsistent values raise ValueError."""
        if not isinstance(data, dict):
            raise ValueError("the model spec is not a JSON object")
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown model spec field(s): {', '.join(unknown)}")
        missing = [name for name in ("arch", "n_bands", "n_dates", "n_classes") if name not in data]
        if missing:
            raise ValueError(f"model spec lacks field(s): {', '.join(missing)}")
        kwargs = dict(data)
        if "band_groups" in kwargs:
            groups = kwargs["band_groups"]
            if not isinstance(groups, list) or not all(isinstance(g, list) for g in groups):
                raise ValueError("band_groups must be a list of lists of band indices")
            kwargs["band_groups"] = [list(g) for g in groups]
        for name in ("norm_mean", "norm_std"):
            if name in kwargs and not isinstance(kwargs[name], list):
                raise ValueError(f"{name} must be a list of numbers")
        try:
            return cls(**kwargs).validate()
        except TypeError as exc:  # e.g. a string where a count belongs
            raise ValueError(f"malformed model spec: {exc}") from exc
