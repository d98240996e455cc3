"""Real .lcx model files for the GUI tests (random weights, the sample's classes), shared by test modules."""
from __future__ import annotations


def make_model(stack_path: str, out_path: str, arch: str = "attention", drop_band: bool = False) -> str:
    """A real .lcx model fitting ``stack_path`` (random weights, plausible normalisation), saved to ``out_path``.
    ``drop_band``: the model wants a band the stack lacks (a stack / model mismatch)."""
    import torch

    from land_cover_xai_plugin.engine.models.model_file import ClassInfo, ModelBundle, save_model
    from land_cover_xai_plugin.engine.models import ModelSpec, build_model
    from land_cover_xai_plugin.engine.io.stack import open_stack

    stack = open_stack([stack_path])
    try:
        bands = list(stack.bands)
        dates = [d.isoformat() for d in stack.dates]
    finally:
        stack.close()
    if drop_band:
        bands = bands[:-1] + ["B99"]
    classes = [ClassInfo(1, "cultivated land", "#ffd92f"), ClassInfo(2, "forest", "#1b7837"),
               ClassInfo(3, "grassland", "#a6d96a"), ClassInfo(4, "shrubland", "#808000"),
               ClassInfo(8, "artificial surface", "#e31a1c")]
    spec = ModelSpec(arch=arch, n_bands=len(bands), n_dates=len(dates), n_classes=len(classes),
                     norm_mean=[0.15] * len(bands), norm_std=[0.08] * len(bands))
    torch.manual_seed(0)
    model = build_model(spec)
    state = {k: v.detach().cpu().numpy() for k, v in model.state_dict().items()}
    bundle = ModelBundle(spec=spec, bands=bands, dates=dates, classes=classes,
                         scaling={"scale": 1e-4, "offset": 0.0}, state_dict=state)
    save_model(out_path, bundle)
    return out_path
