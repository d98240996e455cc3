"""Explanations: per-batch (fused Grad-CAM, band attention, GradientShap, Integrated Gradients) for maps, and
single-pixel explanations (Shapley sampling / KernelShap over band or date groups) for the click-a-pixel view.
torch and captum are imported lazily, when an explainer runs."""
from .pixel import PixelExplanation, explain_pixel

__all__ = ["PixelExplanation", "explain_pixel"]
