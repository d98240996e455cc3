"""Everything about one pixel, for the plugin's click-a-pixel view.

SHAP here is model-agnostic (captum ``ShapleyValueSampling`` by default, ``KernelShap`` on request) over
*groups* of the (B, T) input: a ``feature_mask`` groups all dates of a band (-> one value per band); an absent band
takes the baseline, the per-band training mean. By date the players are the pixel's observed dates, in the map
method's game (``methods/date_shapley.py``: a removed date is refilled from the kept ones, all removed = the
baseline's probability), so a missing or cloud-masked date gets exactly 0.
Shapley value sampling satisfies efficiency exactly: the values sum to p(x) - p(baseline) for the target
class. SHAP and IG explain the target-class probability; Grad-CAM explains its logit (see ``gradcam.py``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from ..data.calendar import values_on_grid
from ..data.windows import InputSpec, Window, batch_input, prepare, read_observations
from ..errors import LcxError
from ..runtime import import_captum, import_torch, resolve_device
from . import attribution, gradcam
from .explainer import PassSetup
from .methods.date_occlusion import date_game


@dataclass
class PixelExplanation:
    """Everything the click-a-pixel view shows about one pixel, for one target class."""

    row: int
    col: int
    class_ids: list  # model output order
    class_names: list
    bands: list  # model band order
    dates: list  # ISO strings
    probabilities: np.ndarray  # (K,)
    predicted_id: int
    target_id: int  # the class the explanations are for
    reflectance: np.ndarray  # (B, T) as observed on the model's dates, NaN where missing / masked (clouds)
    reflectance_filled: np.ndarray  # (B, T) gap-filled (the model's input)
    gradcam: np.ndarray  # (T,) ReLU Grad-CAM per date for the target class
    band_attention: Optional[np.ndarray]  # (B,), attention models only
    shap_by_band: np.ndarray  # (B,)
    shap_by_date: np.ndarray  # (T,)
    ig: np.ndarray  # (B, T) Integrated Gradients
    baseline_probability: float  # p(target | baseline): SHAP / IG values sum to probability - this
    shap_method: str = "shapley_sampling"
    extra: dict = field(default_factory=dict)
    # The stack's own observations (B, T_stack) and their ISO dates; ``reflectance`` shows them at the model's
    # dates (its temporal grid), NaN where no stack date falls on a model date
    stack_reflectance: Optional[np.ndarray] = None
    stack_dates: list = field(default_factory=list)

    @property
    def target_probability(self) -> float:
        """p(target class) at this pixel."""
        return float(self.probabilities[self.class_ids.index(self.target_id)])


def explain_pixel(bundle, stack, row: int, col: int, target=None, device: str = "cpu",
                  shap_method: str = "shapley_sampling", shap_samples: int = 64, ig_steps: int = 64,
                  min_valid_dates: int = 2, seed: int = 0, model=None, validity=None) -> PixelExplanation:
    """Explain the pixel at (row, col) for ``target`` (a class id; None = the predicted class).

    ``model`` may pass an already built model (the plugin keeps one between clicks). ``validity``
    (``data.validity.ValidityConfig``) replaces the model's validity settings, as in ``InferenceRequest``.
    """
    torch = import_torch()
    if shap_method not in ("shapley_sampling", "kernel"):
        raise LcxError(f"Unknown SHAP method '{shap_method}': use 'shapley_sampling' or 'kernel'.")
    inputs, x = pixel_input(bundle, stack, row, col, min_valid_dates, validity, resolve_device(device))
    spec = bundle.spec
    k = int(spec.patch_size)
    device = x.device
    if model is None:
        model = bundle.build(device)
    model.eval()
    gradcam.freeze(model)

    # (B, T_stack) as observed, NaN where not (no-data, masked clouds), then at the model's dates
    observed = np.ascontiguousarray(read_observations(stack, Window(col, row, 1, 1), inputs)[:, :, 0, 0].T)
    raw = observed if inputs.dates is None or inputs.dates.is_identity else values_on_grid(observed, inputs.dates)
    filled = x[0] if k == 1 else x[0, :, :, k // 2, k // 2]

    class_ids = [int(c.id) for c in bundle.classes]
    if target is None or target == "predicted":
        target_index = None
    elif int(target) in class_ids:
        target_index = class_ids.index(int(target))
    else:
        raise LcxError(f"Target class {target!r} is not a class of this model ({class_ids}).")
    res = gradcam.predict_with_gradcam(model, x, target_index, want_attention=spec.has_band_attention)
    predicted_index = int(res.predicted[0])
    t_index = predicted_index if target_index is None else target_index
    targets = torch.tensor([t_index], device=x.device)

    baseline = torch.as_tensor(attribution.mean_baseline(spec.norm_mean, spec.n_dates, k), device=x.device)
    forward = attribution.probability_of(model)
    with torch.no_grad():
        base_p = float(forward(baseline)[0, t_index])
    shapley, how = {}, {}
    for by in ("band", "date"):  # exact when the groups are few (2^G forward passes), else sampled; said in extra
        n_groups = spec.n_bands if by == "band" else spec.n_dates
        if by == "date" and shap_method == "shapley_sampling":
            # the map method's game (methods/date_shapley.py): the players are the observed dates, a removed
            # date is refilled from the kept ones, so a missing (cloud-masked) date gets exactly 0
            setup = PassSetup(model, bundle, stack, inputs.band_order, device, None, min_valid_dates, seed=seed,
                              inputs=inputs)
            with torch.no_grad():
                background = forward(baseline)[0].cpu().numpy()  # the empty coalition: the mean baseline
            shapley[by], how[f"shap_by_{by}_method"] = _date_shapley(model, x, targets, date_game(setup,
                                                                                                    background), seed)
        elif shap_method == "shapley_sampling" and n_groups <= EXACT_MAX_GROUPS:
            shapley[by] = exact_grouped_shapley(forward, x, baseline, targets, by)[0]
            how[f"shap_by_{by}_method"] = f"exact ({2 ** n_groups} coalitions of {n_groups} {by}s)"
        else:
            shapley[by] = grouped_shapley(forward, x, baseline, targets, by, shap_method, shap_samples, seed)[0]
            how[f"shap_by_{by}_method"] = (f"sampled ({shap_samples} permutations)" if shap_method ==
                                          "shapley_sampling" else f"Kernel SHAP ({shap_samples} samples)")
    by_band, by_date = shapley["band"], shapley["date"]
    ig = attribution.integrated_gradients(model, x, targets, baseline, n_steps=ig_steps)[0]
    if k > 1:
        ig = ig.flatten(2).sum(2)
    att = res.band_attention
    return PixelExplanation(
        row=row, col=col, class_ids=class_ids, class_names=[c.name for c in bundle.classes],
        bands=list(bundle.bands), dates=[str(d) for d in bundle.dates],
        probabilities=res.probabilities[0].cpu().numpy(), predicted_id=class_ids[predicted_index],
        target_id=class_ids[t_index], reflectance=raw, reflectance_filled=filled.cpu().numpy(),
        stack_reflectance=observed, stack_dates=[d.isoformat() for d in stack.dates],
        gradcam=res.cam[0].cpu().numpy(), band_attention=None if att is None else att[0].cpu().numpy(),
        shap_by_band=by_band, shap_by_date=by_date, ig=ig.cpu().numpy(), baseline_probability=base_p,
        shap_method=shap_method, extra=how)


def group_mask(n_bands: int, n_dates: int, by: str, patch_size: int = 1, device=None):
    """captum ``feature_mask`` (1, B, T[, k, k]) long: one group id per band (``by="band"``) or per date
    (``by="date"``); a patch model's neighbours join the group of their band / date."""
    torch = import_torch()
    b, t = n_bands, n_dates
    ids = torch.arange(b)[:, None].expand(b, t) if by == "band" else torch.arange(t)[None, :].expand(b, t)
    if patch_size > 1:
        ids = ids[:, :, None, None].expand(b, t, patch_size, patch_size)
    return ids.contiguous()[None].to(device)


EXACT_MAX_GROUPS = 10  # 2^10 forward passes of one pixel: well under a second on a CPU


def pixel_input(bundle, stack, row: int, col: int, min_valid_dates: int = 2, validity=None, device: str = "cpu"):
    """(InputSpec, (1, B, T[, k, k]) model-input tensor on ``device``) of the pixel at (row, col), through the one
    data path (``data.windows``). LcxError for a pixel outside the stack or without enough observed dates; the
    stack's own misfit (bands, season) as ``InputSpec.for_model`` raises it."""
    torch = import_torch()
    if not (0 <= row < stack.height and 0 <= col < stack.width):
        raise LcxError(f"Pixel (row {row}, col {col}) lies outside the {stack.width}x{stack.height} stack: "
                       "click inside the raster.")
    inputs = InputSpec.for_model(bundle, stack, min_valid_dates, validity)  # raises when the stack does not fit
    prepared = prepare(stack, Window(col, row, 1, 1), inputs)
    if not prepared.valid[0]:
        raise LcxError(f"Pixel (row {row}, col {col}) has fewer than {min_valid_dates} observed dates (no-data "
                       "or clouds): it gets no prediction. Click a pixel with observations.")
    k = int(bundle.spec.patch_size)
    x = np.ascontiguousarray(batch_input(prepared, np.array([0]), k))
    return inputs, torch.from_numpy(x).to(device)


def _date_shapley(model, x, targets, game, seed: int):
    """(T,) Shapley values of the pixel's observed dates on the date-removal game, and how they were got."""
    from .methods.date_shapley import EXACT_MAX_DATES, SAMPLED_PERMUTATIONS, exact_date_shapley, sampled_date_shapley

    n_observed = len(game.players)
    if n_observed <= EXACT_MAX_DATES:
        values = exact_date_shapley(model, x, targets, game)
        how = f"exact ({2 ** n_observed} coalitions of {n_observed} dates)"  # the observed ones; in gui/i18n
        return values[0].cpu().numpy().astype(float), how
    values, _ = sampled_date_shapley(model, x, targets, game, seed=seed)
    return values[0].cpu().numpy().astype(float), f"sampled ({SAMPLED_PERMUTATIONS} permutations)"


def exact_grouped_shapley(forward, x, baseline, targets, by: str, chunk: int = 1024) -> np.ndarray:
    """Exact Shapley values of ``forward``'s ``targets`` output over band or date groups, (N, G) numpy: every
    one of the 2^G coalitions evaluated (a group absent takes ``baseline``'s values), no sampling error."""
    from .methods.date_shapley import shapley_weights

    torch = import_torch()
    mask = group_mask(x.shape[1], x.shape[2], by, x.shape[-1] if x.ndim == 5 else 1, x.device)[0]
    n_groups = int(mask.max()) + 1
    rows = torch.arange(len(x), device=x.device)
    values = torch.empty((len(x), 2 ** n_groups), dtype=torch.float64, device=x.device)
    with torch.no_grad():
        for coalition in range(2 ** n_groups):
            members = torch.tensor([bool(coalition >> g & 1) for g in range(n_groups)], device=x.device)
            present = members[mask]
            inputs = torch.where(present[None], x, baseline.expand_as(x))
            for start in range(0, len(x), chunk):
                part = slice(start, start + chunk)
                values[part, coalition] = forward(inputs[part])[rows[part], targets[part]].double()
    weights = shapley_weights(n_groups)
    out = np.zeros((len(x), n_groups))
    v = values.cpu().numpy()
    for g in range(n_groups):
        bit = 1 << g
        for coalition in range(2 ** n_groups):
            if not coalition & bit:
                out[:, g] += weights[bin(coalition).count("1")] * (v[:, coalition | bit] - v[:, coalition])
    return out


def grouped_shapley(forward, x, baseline, targets, by: str, method: str = "shapley_sampling", n_samples: int = 64,
                    seed: int = 0, perturbations_per_eval: int = 64) -> np.ndarray:
    """Shapley values of ``forward``'s ``targets`` output over band or date groups: (N, B) or (N, T) numpy.

    ``x`` (N, B, T[, k, k]) tensor; an absent group takes ``baseline``'s values. ``method``:
    "shapley_sampling" (captum ShapleyValueSampling, ``n_samples`` permutations: efficient exactly, the
    values sum to f(x) - f(baseline)) or "kernel" (KernelShap with an exact weighted least-squares fit).
    Seeded, without touching the global RNG. The pixel view and the explanation benchmark both use it."""
    torch = import_torch()
    attr_mod = import_captum()
    n_bands, n_dates = x.shape[1], x.shape[2]
    mask = group_mask(n_bands, n_dates, by, x.shape[-1] if x.ndim == 5 else 1, x.device)
    n_groups = int(mask.max()) + 1
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        if method == "kernel":
            explainer = attr_mod.KernelShap(forward)
            explainer.interpretable_model = _WeightedLeastSquares()  # captum's default needs scikit-learn
            attr = explainer.attribute(x, baselines=baseline, target=targets, feature_mask=mask,
                                       n_samples=max(n_samples, 2 * n_groups + 64),
                                       perturbations_per_eval=perturbations_per_eval)
        else:
            explainer = attr_mod.ShapleyValueSampling(forward)
            attr = explainer.attribute(x, baselines=baseline, target=targets, feature_mask=mask,
                                       n_samples=n_samples, perturbations_per_eval=perturbations_per_eval)
    # every feature of a group carries the group's value: read it at the group's first position
    _, first = np.unique(mask[0].flatten().cpu().numpy(), return_index=True)
    return attr.flatten(1).detach().cpu().numpy()[:, first]


def _weighted_least_squares_class():
    from captum._utils.models.model import Model

    class WeightedLeastSquares(Model):
        """Exact weighted least squares (with intercept) for KernelShap's surrogate, in float64.

        captum's default surrogate is a scikit-learn regression; this one needs only torch. KernelShap's
        kernel gives the empty and full coalitions a huge weight, so the fit is (nearly) efficient."""

        def fit(self, train_data, **kwargs):
            torch = import_torch()
            xs, ys, ws = [], [], []
            for batch in train_data:
                xs.append(batch[0].double().reshape(len(batch[0]), -1))
                ys.append(batch[1].double().reshape(-1))
                ws.append(batch[2].double().reshape(-1) if len(batch) > 2
                          else torch.ones(len(batch[0]), dtype=torch.float64))
            x, y, w = torch.cat(xs), torch.cat(ys), torch.cat(ws)
            design = torch.cat([x, torch.ones(len(x), 1, dtype=x.dtype, device=x.device)], dim=1)
            root_w = w.clamp_min(0).sqrt()[:, None]
            coef = torch.linalg.lstsq(design * root_w, y[:, None] * root_w).solution[:, 0]
            self.weight, self.bias = coef[:-1].float(), coef[-1].float()
            return {}

        def representation(self):
            return self.weight[None, :]

        def __call__(self, x):
            return x.float() @ self.weight + self.bias

    return WeightedLeastSquares


def _WeightedLeastSquares():  # noqa: N802 - reads as a class at the call site
    return _weighted_least_squares_class()()
