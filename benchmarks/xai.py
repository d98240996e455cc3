"""Do the plugin's explanations pass their own tests? Held-out pixels, several models, paired tests, verdicts.

    python benchmarks/xai.py --out benchmarks/results/xai.json           (make bench-xai, ~10 min on 2 cores)
    python benchmarks/xai.py --quick --out /tmp/xai.json                 (smoke run, ~2 min)
    python benchmarks/xai.py --store-in path/to/model.lcx                (also store the verdicts in a model file)
    python benchmarks/xai.py --store-in model.lcx --from-json benchmarks/results/xai.json   (store, no run)
    python benchmarks/xai.py --from-json benchmarks/results/xai.json     (render the .md / .png again)

Protocol (the same for every method, never tuned to a result):
- Real sample: the bundled stack and its field polygons, one polygon-grouped, buffered split
  (``data/splits.grouped_split``, the classifier's own default split); ``--seeds`` attention models (the product's
  defaults, dates whose metadata cloud fraction is above 0.5 masked as missing) trained on its train side by
  ``train_model(..., split=...)`` with different initialisation seeds. Explained: test-side pixels only (up to
  ``per_class`` per class, stratified), each for its predicted class, read through the model's own input path
  (``InputSpec.for_model`` + ``prepare``).
- Every shipped explanation method of the registry, run through its own ``prepare`` / ``compute`` (the code the
  maps use), plus HiResCAM (a diagnostic, not shipped) and random orders. Per output: the units it ranks (dates
  or bands).
- Faithfulness: deletion and insertion AUC of the target probability, per unit, with two removal operators that
  are neither the occlusion / Shapley game's own refill: dates: per-band training mean and linear interpolation
  in time from the other dates (``evaluation.interpolate_removed``); bands: per-band training mean and a
  class-balanced real training pixel's values of the band. Against random orders on the same pixels: Wilcoxon
  signed-rank and sign test per model (the largest p over models is reported).
- Retraining-free removal check (ROAD-like): accuracy on the true labels after removing the top-1 / top-2 dates
  of each ranking (interpolation refill), against random rankings.
- Sanity: cascading model-parameter randomisation (top layer first; Spearman per layer; final = every layer
  randomised; NaN = failure) and data randomisation (a model trained on shuffled labels).
- Planted signal: georeferenced GeoTIFF scenes of real sample pixels (the sample's bands and dates, cloud-covered
  dates gap-filled from the clear ones; class-balanced draws), whose two classes are the same draw and differ
  only by +0.1 reflectance in known bands x dates (``data/synthetic.write_planted_sample_scene``); ``--seeds``
  models trained on scenes drawn from the train side of the grouped split, explained on a scene drawn from its
  test side (held out, no shared pixel), planted class as target: pointing game and precision@k of the planted
  dates / bands.
- Agreement across the models (seeds): Spearman per pixel, mean over model pairs. Every rank comparison of a
  date explanation (randomisation, agreement) reads the observed dates only, the same rule for every method.
- Cloudy dates (2015-07-31, 2015-08-20, masked): share of each date explanation's |relevance| on them.
- Robustness: ``captum.metrics.sensitivity_max`` (uniform noise of +-0.02 reflectance, 10 draws; median over
  pixels), and ``captum.metrics.infidelity`` by unit (each date / band removed with probability 0.5, dates
  refilled by interpolation, bands by a class-balanced training pixel; 20 draws; captum's normalisation; mean
  over pixels); every model. Reported, not part of the verdict.
- Baseline sensitivity: each baseline-using method (shap, ig, occlusion_dates, linear_occlusion_dates,
  shapley_dates, occlusion_bands)
  run again on the same held-out pixels with its baseline / background / refill replaced by two other valid
  ones (class-balanced draws from the training split; per-band training mean or a training pixel's values
  instead of the temporal-interpolation refill): Spearman rank agreement and relative L1 change, per model.
  Reported, not part of the verdict.
- Cost: pixels per second of each method's compute (forward + method, its once-per-map ``prepare`` excluded)
  beside predict on the same pixels, and the streamed
  maps of the per-date methods beside a predict-only map of the whole sample, in the same run.
Verdict per output ("passes" / "fails: ..."): deletion below and insertion above random (p < 0.01 under every
operator), |final MPRT Spearman| <= 0.2, pointing game >= 0.9 on planted data, cloudy-date share <= 0.05.
Writes the JSON, a Markdown summary beside it (with the README section "How far to trust each explanation")
and PNG deletion curves.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from land_cover_xai_plugin.engine.data.splits import TEST, TRAIN, grouped_split
from land_cover_xai_plugin.engine.data.synthetic import sample_pixels, write_planted_sample_scene
from land_cover_xai_plugin.engine.data.windows import InputSpec, Window, prepare
from land_cover_xai_plugin.engine.explain import evaluation as ev
from land_cover_xai_plugin.engine.explain import gradcam, registry
from land_cover_xai_plugin.engine.explain.explainer import PassSetup
from land_cover_xai_plugin.engine.explain.methods.date_occlusion import DateGame, anchor_dates, grid_times
from land_cover_xai_plugin.engine.inference.streaming import (
    InferenceRequest, compute_batch, prepare_plan, run_inference)
from land_cover_xai_plugin.engine.io.labels import rasterize_field_data
from land_cover_xai_plugin.engine.io.stack import open_stack
from land_cover_xai_plugin.engine.runtime import import_torch, set_threads
from land_cover_xai_plugin.engine.training.trainer import TrainConfig, train_model

SAMPLE = ROOT / "land_cover_xai_plugin" / "sample_data"
CLOUDY = ("2015-07-31", "2015-08-20")
CLOUD_FRACTION_MAX = 0.5
OPERATORS = {"date": ("mean", "interp"), "band": ("mean", "background")}
P_MAX = 0.01
MPRT_MAX = 0.2
POINTING_MIN = 0.9
CLOUDY_SHARE_MAX = 0.05
MAP_RATIO_MIN = 0.2  # the per-date map's speed target, x predict
PLANTED_BANDS = ("B04", "B08")
PLANTED_DATES = (1, 3)  # date indices
MAP_REPEATS = 3
torch = import_torch()


@dataclasses.dataclass(frozen=True)
class Output:
    """One explanation raster as the benchmark grades it: which method wrote it, which columns of the
    method's output, what its values rank (dates or bands), whether the plugin ships it."""

    name: str
    method: str
    kind: str
    unit: str
    columns: tuple = (None, None)  # (start, stop) of the method's output columns
    shipped: bool = True


def outputs_for(n_dates: int) -> list[Output]:
    """Every graded output: the registry's explanation methods, HiResCAM (diagnostic) and random orders."""
    return [
        Output("occlusion_dates", "occlusion_dates", "occlusion_dates", "date"),
        Output("linear_occlusion_dates", "linear_occlusion_dates", "linear_occlusion_dates", "date"),
        Output("shapley_dates", "shapley_dates", "shapley_dates", "date", (0, n_dates)),
        Output("gradcam_dates", "gradcam", "gradcam", "date", (1, None)),
        Output("occlusion_bands", "occlusion_bands", "occlusion_bands", "band"),
        Output("shap_dates", "shap", "shap_dates", "date"),
        Output("shap_bands", "shap", "shap_bands", "band"),
        Output("ig_dates", "ig", "ig_dates", "date"),
        Output("ig_bands", "ig", "ig_bands", "band"),
        Output("attention_bands", "attention", "attention", "band"),
        Output("hirescam_dates", "hirescam", "hirescam", "date", shipped=False),
        Output("random_dates", "random", "random_dates", "date", shipped=False),
        Output("random_bands", "random", "random_bands", "band", shipped=False),
    ]


# ---------------------------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------------------------
@dataclasses.dataclass
class Scene:
    """A stack with labels, read through one model's input path."""

    stack: object
    labels: np.ndarray  # (H, W) class ids, 0 = unlabelled
    polygons: np.ndarray | None
    class_names: dict


def sample_scene() -> Scene:
    stack = open_stack([str(SAMPLE / "s2_l1c_stack.tif")])
    burned = rasterize_field_data(str(SAMPLE / "lulc_field_polygons.gpkg"), stack.grid, "LULC_ID",
                                  name_field="LULC_NAME")
    return Scene(stack, burned.labels, burned.polygon_ids, dict(burned.class_names))


def model_pixels(bundle, stack):
    """(H*W, B, T) model input of every pixel and their validity, through the model's own input path."""
    inputs = InputSpec.for_model(bundle, stack, 2)
    prepared = prepare(stack, Window(0, 0, stack.width, stack.height), inputs)
    return prepared.pixels, prepared.valid, inputs


def stratified(indices: np.ndarray, y: np.ndarray, per_class: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out = [rng.choice(indices[y[indices] == c], size=min(per_class, int((y[indices] == c).sum())), replace=False)
           for c in np.unique(y[indices])]
    return np.sort(np.concatenate(out))


def class_balanced_background(x: np.ndarray, y: np.ndarray, train: np.ndarray, n: int, seed: int) -> np.ndarray:
    """(n, B, T): one training pixel per row, its class drawn uniformly, then a pixel of that class."""
    rng = np.random.default_rng(seed)
    classes = np.unique(y[train])
    picks = [rng.choice(train[y[train] == rng.choice(classes)]) for _ in range(n)]
    return x[np.asarray(picks)]


def write_planted_scene(path: Path, pixels, side: int, seed: int, pool: np.ndarray):
    """A georeferenced GeoTIFF stack (side x side px) of real sample pixels drawn class-balanced from ``pool``,
    the planted class +0.1 reflectance in PLANTED_BANDS x PLANTED_DATES only
    (``data/synthetic.write_planted_sample_scene``); returns (stack, labels 1 / 2)."""
    labels = write_planted_sample_scene(str(path), pixels, side, PLANTED_BANDS, PLANTED_DATES, seed=seed,
                                        pool=pool)
    return open_stack([str(path)]), labels


def planted_pools() -> dict:
    """{TRAIN / TEST: flat pixel indices of the sample}: the sides of the classifier's polygon-grouped split,
    so that the planted training scenes and the held-out scene share no real pixel."""
    scene = sample_scene()
    rows, cols = np.nonzero(scene.labels > 0)
    split = grouped_split(rows, cols, scene.labels[rows, cols], scene.polygons[rows, cols], seed=0)
    side = split.to_raster(rows, cols, scene.labels.shape).side.reshape(-1)
    scene.stack.close()
    return {TRAIN: np.flatnonzero(side == TRAIN), TEST: np.flatnonzero(side == TEST)}


# ---------------------------------------------------------------------------------------------
# explanations, through the registry
# ---------------------------------------------------------------------------------------------
def hirescam(model, x, targets, n_dates: int):
    """HiResCAM (Draelos & Fessler 2020) on the fused layer: sum_c grad * A per position, no time-averaging of
    the gradient (exact decomposition of logit - bias for a Flatten -> Linear head), interpolated to T."""
    logits, activation = gradcam.logits_and_activation(model, x)
    (grad,) = torch.autograd.grad(logits.gather(1, targets[:, None]).sum(), activation)
    cam = (grad * activation).sum(1).detach()
    if cam.shape[1] != n_dates:
        cam = torch.nn.functional.interpolate(cam[:, None], size=n_dates, mode="linear", align_corners=False)[:, 0]
    return cam


def explain(model, bundle, stack, inputs, x: np.ndarray, targets: np.ndarray, methods, seed: int = 0,
            timings: dict | None = None) -> dict:
    """{output kind: (n, columns) numpy} of each registry method in ``methods`` (plus "hirescam"), each
    computed by its own prepare / compute on the shared forward pass; ``timings``: method -> seconds."""
    model.eval()
    gradcam.freeze(model)
    xt = torch.from_numpy(np.ascontiguousarray(x))
    tt = torch.as_tensor(targets, dtype=torch.long)
    setup = PassSetup(model, bundle, stack, inputs.band_order, "cpu", tt, 2, 8, 32, seed, inputs=inputs)
    out = {}
    classification = registry.get("classification")
    for name in methods:
        if name == "hirescam":
            t0 = time.perf_counter()
            out["hirescam"] = hirescam(model, xt, tt, x.shape[2]).numpy()
        else:
            # prepare (read once per map: references, background) is not part of the per-pixel cost
            plan = prepare_plan([classification] + ([] if name == "predict" else [registry.get(name)]), setup)
            t0 = time.perf_counter()
            out.update({k: v for k, v in compute_batch(model, xt, plan).items()
                        if k not in ("prediction", "confidence")})
        if timings is not None:
            timings[name] = time.perf_counter() - t0
    return out


def method_names(arch: str) -> list[str]:
    return [e.name for e in registry.available(arch, "explanation")] + ["hirescam"]


def graded(outputs: list[Output], raw: dict, n: int, shape: tuple, seed: int) -> dict:
    """{output name: (n, units)} from the raw method outputs; random orders drawn here."""
    rng = np.random.default_rng(seed)
    got = {}
    for o in outputs:
        if o.method == "random":
            got[o.name] = rng.random((n, shape[2] if o.unit == "date" else shape[1]))
        elif o.kind in raw:
            got[o.name] = np.asarray(raw[o.kind], np.float64)[:, slice(*o.columns)]
    return got


def as_features(values: np.ndarray, unit: str, shape: tuple) -> np.ndarray:
    return ev.broadcast(values, shape, unit)


# ---------------------------------------------------------------------------------------------
# metrics on one model
# ---------------------------------------------------------------------------------------------
def faithfulness(model, x, targets, explanations, outputs, norm_mean, times, background, n_orders, seed) -> dict:
    """Deletion / insertion AUC per output and operator, the random orders' and the paired tests."""
    out = {}
    randoms = {}
    for unit, operators in OPERATORS.items():
        for op in operators:
            randoms[(unit, op)] = ev.random_order_auc(model, x, targets, op, unit, n_orders, norm_mean=norm_mean,
                                                      times=times, seed=seed, background=background)
    for o in outputs:
        if o.name not in explanations or o.method == "random":
            continue
        attr = as_features(explanations[o.name], o.unit, x.shape)
        entry = {}
        for op in OPERATORS[o.unit]:
            curves = ev.deletion_insertion_curves(model, x, attr, targets, op, unit=o.unit, norm_mean=norm_mean,
                                                  times=times, seed=seed, background=background)
            rnd = randoms[(o.unit, op)]
            entry[op] = {
                "deletion_auc": float(curves.deletion_auc.mean()), "insertion_auc": float(curves.insertion_auc.mean()),
                "random_deletion_auc": rnd["deletion_auc"], "random_insertion_auc": rnd["insertion_auc"],
                "deletion_test": ev.paired_test(curves.deletion_auc, rnd["per_sample_deletion_auc"], "less"),
                "insertion_test": ev.paired_test(curves.insertion_auc, rnd["per_sample_insertion_auc"], "greater"),
                "deletion_curve": curves.deletion.mean(0).tolist(), "fraction": curves.fraction.tolist(),
                "random_deletion_curve": rnd["deletion_curve"]}
        out[o.name] = entry
    return out


def road_dates(model, x, y_index, explanations, outputs, norm_mean, times, n_orders, seed) -> dict:
    """Accuracy on the true labels after removing each ranking's top-1 / top-2 dates (interpolation refill),
    minus the accuracy of random rankings: > 0 = the ranking's dates matter more than random dates."""
    base_pred, _ = ev._predict(model, x)
    acc0 = float((base_pred == y_index).mean())

    def drop(scores, k, s):
        ranks = ev.rank_order(scores, s)
        removed = ev.unit_mask(ranks < k, x.shape, "date")
        pred, _ = ev._predict(model, ev.replace(x, removed, "interp", norm_mean, times))
        return acc0 - float((pred == y_index).mean())

    rng = np.random.default_rng(seed)
    random_drop = {k: float(np.mean([drop(rng.random((len(x), x.shape[2])), k, seed + i) for i in range(n_orders)]))
                   for k in (1, 2)}
    out = {}
    for o in outputs:
        if o.unit != "date" or o.name not in explanations or o.method == "random":
            continue
        out[o.name] = {f"top{k}_accuracy_drop": drop(explanations[o.name], k, seed) for k in (1, 2)}
        out[o.name].update({f"random_top{k}_accuracy_drop": random_drop[k] for k in (1, 2)})
    return out


def compared(values: np.ndarray, unit: str, observed: np.ndarray) -> np.ndarray:
    """The columns a rank comparison (randomisation, seed agreement) reads: for dates, the observed dates only
    (the same rule for every method: masked dates are a fixed function of the others, and the structural zeros
    that some methods give them would tie in both rankings and inflate any Spearman)."""
    return values[:, observed] if unit == "date" else values


def mprt(model, bundle, stack, inputs, x, targets, outputs, methods, seed) -> dict:
    """Cascading randomisation (top first) per output: Spearman per layer, ``final`` = all layers random."""
    observed = anchor_dates(inputs, x.shape[2])
    out = {}
    for name in methods:
        mine = [o for o in outputs if o.method == name]
        if not mine:
            continue
        cache = {}

        def explain_fn(m, xx, tt, name=name, cache=cache):
            raw = explain(m, bundle, stack, inputs, ev._np(xx), ev._np(tt), [name], seed)
            cache.setdefault("calls", []).append(raw)
            return np.zeros((len(xx), 1))  # compared below, per output

        ev.cascading_randomisation(model, explain_fn, x, targets, seed=seed)
        layers = ["none"] + ev.randomisable_layers(model)
        for o in mine:
            got = [compared(graded([o], raw, len(x), x.shape, seed)[o.name], o.unit, observed)
                   for raw in cache["calls"]]
            per_layer = []
            for layer, values in zip(layers, got):
                rho = ev.spearman_rows(got[0], values)
                ok = rho[np.isfinite(rho)]
                per_layer.append({"layer": layer, "spearman": float(ok.mean()) if ok.size else float("nan"),
                                  "n_undefined": int((~np.isfinite(rho)).sum())})
            out[o.name] = {"per_layer": per_layer, "final": per_layer[-1]["spearman"]}
    return out


def sensitivity(model, bundle, stack, inputs, x, targets, outputs, methods, seed) -> dict:
    """captum.metrics.sensitivity_max per output (Yeh et al. 2019): the largest relative change of the
    explanation under uniform input noise of +-0.02 reflectance (10 draws), median over pixels; lower = steadier."""
    from captum.metrics import sensitivity_max

    out = {}
    xt = torch.from_numpy(np.ascontiguousarray(x))
    tt = torch.as_tensor(targets, dtype=torch.long)
    for name in methods:
        for o in [o for o in outputs if o.method == name]:
            def explanation(perturbed, target, o=o, name=name):
                perturbed = perturbed[0] if isinstance(perturbed, tuple) else perturbed
                with torch.enable_grad():  # sensitivity_max runs under no_grad; gradient methods need it
                    raw = explain(model, bundle, stack, inputs, perturbed.detach().numpy(), target.numpy(), [name],
                                  seed)
                # a tuple, as captum passes the inputs
                return (torch.as_tensor(graded([o], raw, len(perturbed), perturbed.shape, seed)[o.name]),)

            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(seed)
                values = sensitivity_max(explanation, xt, target=tt, max_examples_per_batch=len(xt))
            out[o.name] = float(values.median())  # the mean is ruled by near-zero explanations (saturated p)
    return out


# ---------------------------------------------------------------------------------------------
# baseline sensitivity: the same pixels explained again with other valid baselines
# ---------------------------------------------------------------------------------------------
class RefillGame(DateGame):
    """The date-removal game with another refill of the removed observed dates: the per-band training mean
    (``values`` (B,)) or a real training pixel's values at the same dates (``values`` (n, B, T), one per
    explained pixel). Dates that are not players keep their values; the empty coalition is unchanged."""

    def __init__(self, game: DateGame, values):
        super().__init__(game.anchors, game.times, game.background, game.device)
        self.values = values

    def kept_input(self, x, kept_players):
        kept = np.zeros(self.anchors.size, bool)
        kept[list(kept_players)] = True
        if not kept.any():
            return None
        removed = torch.as_tensor(self.anchors & ~kept)
        values = torch.as_tensor(self.values, dtype=x.dtype)
        if values.ndim == 1:
            values = values[None, :, None].expand(x.shape)
        return torch.where(removed[None, None, :], values, x)


def linear_occlusion_with_refill(model, x, targets, game: DateGame):
    """(n, T) numpy: linear_occlusion_dates' first-order estimate with ``game``'s own refill (a RefillGame):
    grad_x p(target | x) . (x - x with player t removed), summed over bands and dates; 0 at the other dates."""
    from land_cover_xai_plugin.engine.explain.methods.linear_date_occlusion import target_gradient

    _, grad = target_gradient(model, x, targets)
    out = torch.zeros((len(x), game.anchors.size), dtype=x.dtype)
    players = game.players
    if len(players) < 2:  # the shipped method's exact background value applies: not a refill
        return out.numpy()
    for t in players:
        delta = x - game.kept_input(x, [p for p in players if p != t])
        out[:, t] = (grad * delta).flatten(1).sum(1)
    return out.numpy()


def balanced_probabilities(model, background: np.ndarray) -> np.ndarray:
    """(K,) the model's mean class probabilities over class-balanced training pixels (N, B, T)."""
    with torch.no_grad():
        return torch.softmax(model(torch.from_numpy(np.ascontiguousarray(background))), 1).mean(0).numpy()


BASELINE_VARIANTS = {
    "shap": {"training_draw_a": "references: 16 class-balanced training pixels (draw A)",
             "training_draw_b": "references: 16 class-balanced training pixels (draw B)",
             "other_seed": "the shipped references, another sampling seed (the sampling noise floor)"},
    "ig": {"balanced_mean": "baseline: mean series of 64 class-balanced training pixels",
           "training_pixel": "baseline: one class-balanced training pixel per explained pixel"},
    "occlusion_bands": {"training_draw_a": "background: 8 class-balanced training pixels (draw A)",
                        "training_draw_b": "background: 8 class-balanced training pixels (draw B)"},
    "occlusion_dates": {"mean_refill": "removed date refilled by the per-band training mean",
                        "training_pixel_refill": "removed date refilled by a class-balanced training pixel's "
                                                 "values at that date"},
    "linear_occlusion_dates": {"mean_refill": "removed date refilled by the per-band training mean",
                               "training_pixel_refill": "removed date refilled by a class-balanced training "
                                                        "pixel's values at that date"},
    "shapley_dates": {"mean_refill": "removed dates refilled by the per-band training mean",
                      "training_background": "empty coalition: mean probability of 64 class-balanced training "
                                             "pixels"},
}


NOISE_VARIANTS = {"other_seed"}  # same baseline, other sampling seed: the noise floor, not another baseline


def baseline_sensitivities(model, bundle, stack, inputs, x, targets, outputs, x_model, y_index, train,
                           reference: dict, seed: int) -> dict:
    """{output: {variant: evaluation.baseline_sensitivity}}: each baseline-using method run again through its
    own compute with its prepared baseline / background / refill replaced by another valid one (class-balanced
    draws from the training split, or another refill), against ``reference`` (the graded default outputs)."""
    from land_cover_xai_plugin.engine.explain.methods.date_occlusion import occlusion_by_date_per_date

    model.eval()
    gradcam.freeze(model)
    xt = torch.from_numpy(np.ascontiguousarray(x))
    tt = torch.as_tensor(targets, dtype=torch.long)
    setup = PassSetup(model, bundle, stack, inputs.band_order, "cpu", tt, 2, 8, 32, seed, inputs=inputs)
    draw_a = class_balanced_background(x_model, y_index, train, 64, seed + 101)
    draw_b = class_balanced_background(x_model, y_index, train, 64, seed + 202)
    per_pixel = class_balanced_background(x_model, y_index, train, len(x), seed + 303)
    norm_mean = np.asarray(bundle.spec.norm_mean, np.float32)
    as_t = torch.from_numpy
    alter = {
        "shap": {"training_draw_a": lambda st: {**st, "references": as_t(draw_a[:16])},
                 "training_draw_b": lambda st: {**st, "references": as_t(draw_b[:16])},
                 "other_seed": lambda st: {**st, "seed": st["seed"] + 1}},
        "ig": {"balanced_mean": lambda st: {**st, "baseline": as_t(draw_a.mean(0, keepdims=True))},
               "training_pixel": lambda st: {**st, "baseline": as_t(per_pixel)}},
        "occlusion_bands": {"training_draw_a": lambda st: {**st, "background": as_t(draw_a[:8])},
                            "training_draw_b": lambda st: {**st, "background": as_t(draw_b[:8])}},
        "shapley_dates": {"mean_refill": lambda st: {**st, "game": RefillGame(st["game"], norm_mean)},
                          "training_background": lambda st: {**st, "game": dataclasses.replace(
                              st["game"], background=torch.as_tensor(balanced_probabilities(model, draw_a)))}},
    }
    classification = registry.get("classification")
    observed = anchor_dates(inputs, x.shape[2])
    out = {}
    for name, variants in BASELINE_VARIANTS.items():
        mine = [o for o in outputs if o.method == name and o.name in reference]
        if not mine:
            continue
        for variant in variants:
            if name == "occlusion_dates":  # the game's value with another refill, one pass per date
                game = prepare_plan([registry.get(name)], setup).states[name]
                values = per_pixel if variant == "training_pixel_refill" else norm_mean
                raw = {"occlusion_dates": occlusion_by_date_per_date(model, xt, tt, RefillGame(game, values)).numpy()}
            elif name == "linear_occlusion_dates":  # the same first-order estimate with another refill
                game = prepare_plan([registry.get(name)], setup).states[name]
                values = per_pixel if variant == "training_pixel_refill" else norm_mean
                raw = {name: linear_occlusion_with_refill(model, xt, tt, RefillGame(game, values))}
            else:
                plan = prepare_plan([classification, registry.get(name)], setup)
                plan.states[name] = alter[name][variant](plan.states[name])
                raw = compute_batch(model, xt, plan)
            for o in mine:
                got = graded([o], raw, len(x), x.shape, seed)[o.name]
                out.setdefault(o.name, {})[variant] = ev.baseline_sensitivity(
                    compared(reference[o.name], o.unit, observed), compared(got, o.unit, observed))
    return out


def infidelities(model, x, targets, explanations, outputs, norm_mean, times, background, seed) -> dict:
    """captum.metrics.infidelity per output, by its unit (``evaluation.unit_infidelity``): each date / band
    removed with probability 0.5 (dates: interpolation refill; bands: a class-balanced training pixel's band),
    20 draws, captum's normalisation; mean over pixels. Lower = the explanation predicts removals better."""
    refill = {"date": "interp", "band": "background"}
    out = {}
    for o in outputs:
        if o.name not in explanations:
            continue
        values = ev.unit_infidelity(model, x, explanations[o.name], targets, o.unit, refill[o.unit],
                                    norm_mean=norm_mean, times=times, background=background, seed=seed)
        out[o.name] = float(np.mean(values))
    return out


def mean_spearman(a, b) -> float:
    rho = ev.spearman_rows(a, b)
    ok = rho[np.isfinite(rho)]
    return float(ok.mean()) if ok.size else float("nan")


def linear_vs_exact(exact: np.ndarray, linear: np.ndarray, observed: np.ndarray) -> dict:
    """How close linear_occlusion_dates is to the exact occlusion_dates on the same pixels (observed dates
    only): mean Spearman per pixel, share of pixels with the same top date, mean |difference| and mean |exact|."""
    e, lin = exact[:, observed], linear[:, observed]
    return {"spearman": mean_spearman(e, lin), "same_top_date": float(np.mean(e.argmax(1) == lin.argmax(1))),
            "mean_abs_difference": float(np.abs(e - lin).mean()), "mean_abs_exact": float(np.abs(e).mean())}


def cloudy_share(values: np.ndarray, dates) -> float:
    units = [list(dates).index(d) for d in CLOUDY if d in list(dates)]
    share = ev.relevance_share(values, units)
    ok = share[np.isfinite(share)]
    return float(ok.mean()) if ok.size else float("nan")


def band_ablation_agreement(model, x, y_index, attention, norm_mean) -> float:
    """Spearman between the mean attention per band and the drop of true-class probability when the band
    is replaced by its training mean (Jain & Wallace's check)."""
    ablation = ev.band_ablation_importance(model, x, y_index, "mean", norm_mean)
    return ev.spearman(np.abs(attention).mean(0), ablation["delta_probability"])


# ---------------------------------------------------------------------------------------------
# development-only cross-check with quantus (requirements-xai-dev.txt)
# ---------------------------------------------------------------------------------------------
def load_quantus():
    """(quantus module, None) or (None, why not): quantus is a development-only extra."""
    try:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import quantus
        return quantus, None
    except Exception as exc:  # noqa: BLE001 - any failure to import it is recorded, never fatal
        return None, f"{type(exc).__name__}: {exc}"


class BandsLast(torch.nn.Module):
    """The model on (N, T, B) input: quantus reads the second axis as channels and localises along the last
    one, so a per-band map is a (N, 1, B) attribution of this view."""

    def __init__(self, inner):
        super().__init__()
        self.inner = inner

    def forward(self, x):
        return self.inner(x.transpose(1, 2))


def quantus_band_explainer(bundle, stack, spec_inputs, output, seed):
    """quantus explain_func for one per-band output: our method's own code on the (N, B, T) view."""
    def explain_func(model, inputs, targets, **_):  # quantus passes these by name
        inner = model.inner if isinstance(model, BandsLast) else model
        x = np.ascontiguousarray(np.asarray(inputs, np.float32).transpose(0, 2, 1))
        raw = explain(inner, bundle, stack, spec_inputs, x, np.asarray(targets).astype(np.int64), [output.method],
                      seed)
        return graded([output], raw, len(x), x.shape, seed)[output.name][:, None, :].astype(np.float32)

    return explain_func


def quantus_real(model, bundle, stack, inputs, x, targets, outputs, seed) -> dict:
    """quantus MPRT (cascading, top-down, Spearman of the final, fully randomised model) and RandomLogit
    (Spearman between the explanation of the class and of a random other class) of each per-band output."""
    quantus, why = load_quantus()
    if quantus is None:
        return {"available": False, "reason": why}
    out = {"available": True, "version": quantus.__version__, "outputs": {}}
    wrapped = BandsLast(model).eval()
    xq = np.ascontiguousarray(x.transpose(0, 2, 1))
    spearman_q = quantus.similarity_func.correlation_spearman
    for o in outputs:
        if o.unit != "band" or o.method == "random":
            continue
        explain_func = quantus_band_explainer(bundle, stack, inputs, o, seed)
        entry = {}
        try:
            a = explain_func(wrapped, inputs=xq, targets=targets)
            common = dict(model=wrapped, x_batch=xq, y_batch=targets, a_batch=a, explain_func=explain_func,
                          device="cpu", channel_first=True)
            mprt_q = quantus.MPRT(similarity_func=spearman_q, layer_order="top_down", return_last_correlation=True,
                                  abs=False, normalise=False, disable_warnings=True, seed=seed)(**common)
            entry["mprt_final_spearman"] = float(np.nanmean(mprt_q))
            logit_q = quantus.RandomLogit(num_classes=len(bundle.classes), similarity_func=spearman_q, abs=False,
                                          normalise=False, disable_warnings=True, seed=seed)(**common)
            entry["random_logit_spearman"] = float(np.nanmean(logit_q))
        except Exception as exc:  # noqa: BLE001 - a dev-only cross-check never stops the benchmark
            entry["error"] = f"{type(exc).__name__}: {exc}"
        out["outputs"][o.name] = entry
    return out


def quantus_pointing(model, x, targets, values, outputs, truth_bands) -> dict:
    """quantus PointingGame (absolute values) of each per-band output against the planted bands."""
    quantus, why = load_quantus()
    if quantus is None:
        return {"available": False, "reason": why}
    out = {}
    wrapped = BandsLast(model).eval()
    xq = np.ascontiguousarray(x.transpose(0, 2, 1))
    s = np.broadcast_to(np.asarray(truth_bands, float)[None, None, :], (len(x), 1, x.shape[1])).copy()
    for o in outputs:
        if o.unit != "band" or o.name not in values:
            continue
        try:
            got = quantus.PointingGame(abs=True, normalise=False, disable_warnings=True)(
                model=wrapped, x_batch=xq, y_batch=targets, a_batch=values[o.name][:, None, :].astype(np.float32),
                s_batch=s, device="cpu", channel_first=True)
            out[o.name] = float(np.mean(got))
        except Exception as exc:  # noqa: BLE001 - a dev-only cross-check never stops the benchmark
            out[o.name] = f"{type(exc).__name__}: {exc}"
    return out


def quantus_summary(result: dict) -> dict:
    """quantus's figures beside ours for the same outputs and models (difference = quantus - ours)."""
    real = result["real"]["per_model"][0].get("quantus", {})
    if not real.get("available"):
        return {"available": False, "reason": real.get("reason", "not run")}
    out = {"available": True, "version": real.get("version"), "outputs": {}, "note": (
        "per-band outputs only: quantus ranks every unit of a map, while this benchmark's date comparisons read "
        "the observed dates only (the cloud-masked dates' structural zeros would tie in both rankings), so the "
        "date maps are not cross-checked; ROAD and eMPRT are not run (ROAD's noisy linear imputation is "
        "spatial, for images; eMPRT's complexity score has no counterpart here). quantus's MPRT re-initialises "
        "every layer from the same seed (torch.manual_seed(seed + 1) before each reset_parameters), so the "
        "ensemble's members become identical copies of one random network, where this benchmark draws them "
        "independently; the band attention's map is the mean of the members' gates, and a mean of independent "
        "random gates follows the input where one random gate does not, which is why the two MPRT figures of "
        "attention_bands can differ")}
    for name, entry in real.get("outputs", {}).items():
        ours = result["methods"].get(name, {})
        row = dict(entry)
        if "mprt_final_spearman" in entry:
            row["ours_mprt_final_spearman"] = ours.get("mprt_final_spearman", {}).get("mean")
            row["mprt_difference"] = entry["mprt_final_spearman"] - row["ours_mprt_final_spearman"]
        pointing = [m.get("quantus_pointing_game", {}).get(name) for m in result["planted"]["per_model"]]
        if pointing and all(isinstance(v, float) for v in pointing):
            row["pointing_game"] = mean_std(pointing)
            row["ours_pointing_game"] = ours.get("pointing_game", {}).get("mean")
            row["pointing_difference"] = row["pointing_game"]["mean"] - row["ours_pointing_game"]
        out["outputs"][name] = row
    return out


# ---------------------------------------------------------------------------------------------
# the runs
# ---------------------------------------------------------------------------------------------
def train_config(seed: int, quick: bool) -> TrainConfig:
    config = TrainConfig(seed=seed, threads=1, epochs=15 if quick else 60)
    if hasattr(config, "validity"):
        from land_cover_xai_plugin.engine.data.validity import ValidityConfig

        config.validity = ValidityConfig(cloud_fraction_max=CLOUD_FRACTION_MAX)
    return config


def run_real(args, outputs, log) -> dict:
    scene = sample_scene()
    rows, cols = np.nonzero(scene.labels > 0)
    split = grouped_split(rows, cols, scene.labels[rows, cols], scene.polygons[rows, cols], seed=0)
    split_raster = split.to_raster(rows, cols, scene.labels.shape)
    side = split_raster.side.reshape(-1)
    labels = scene.labels.reshape(-1)
    models = []
    for seed in range(args.seeds):
        t0 = time.perf_counter()
        models.append(train_model(scene.stack, scene.labels, scene.class_names, train_config(seed, args.quick),
                                  groups=scene.polygons, split=split_raster))
        log(f"real sample: model seed {seed} trained in {time.perf_counter() - t0:.0f} s")
    shuffled_labels = scene.labels.copy()
    lab = shuffled_labels > 0
    shuffled_labels[lab] = np.random.default_rng(99).permutation(shuffled_labels[lab])
    shuffled = train_model(scene.stack, shuffled_labels, scene.class_names, train_config(0, args.quick),
                           groups=scene.polygons, split=split_raster)
    log("real sample: shuffled-label model trained")

    bundle0 = models[0]
    x_all, valid, _ = model_pixels(bundle0, scene.stack)
    ids = [int(c.id) for c in bundle0.classes]
    known = valid & np.isin(labels, ids)
    y_index = np.full(labels.shape, -1)
    y_index[known] = [ids.index(int(v)) for v in labels[known]]
    test = stratified(np.flatnonzero(known & (side == TEST)), y_index, args.per_class, 0)
    train = np.flatnonzero(known & (side == TRAIN))
    per_model, explained = [], []
    for seed, bundle in enumerate(models):
        x_model, _, inputs = model_pixels(bundle, scene.stack)
        x = x_model[test]
        observed = anchor_dates(inputs, x.shape[2])
        model = bundle.build("cpu").eval()
        predicted, _ = ev._predict(model, x)
        methods = method_names(bundle.spec.arch)
        timings = {}
        raw = explain(model, bundle, scene.stack, inputs, x, predicted, ["predict"] + methods, seed, timings)
        values = graded(outputs, raw, len(x), x.shape, seed)
        explained.append(values)
        norm_mean = np.asarray(bundle.spec.norm_mean, np.float32)
        times = grid_times(inputs, x.shape[2])
        background = class_balanced_background(x_model, y_index, train, len(x), seed)
        result = {
            "seed": seed, "n_pixels": int(len(x)), "test_accuracy": float((predicted == y_index[test]).mean()),
            "faithfulness": faithfulness(model, x, predicted, values, outputs, norm_mean, times, background,
                                         args.orders, seed),
            "road": road_dates(model, x, y_index[test], values, outputs, norm_mean, times, args.orders, seed),
            "cloudy_share": {o.name: cloudy_share(values[o.name], bundle.dates) for o in outputs
                             if o.unit == "date" and o.name in values},
            "seconds": timings,
            "pixels_per_second": {m: len(x) / s for m, s in timings.items() if s > 0},
        }
        if "occlusion_dates" in values and "linear_occlusion_dates" in values:
            result["linear_vs_exact_occlusion"] = linear_vs_exact(values["occlusion_dates"],
                                                                  values["linear_occlusion_dates"], observed)
        result["infidelity"] = infidelities(model, x, predicted, values, outputs, norm_mean, times, background, seed)
        result["sensitivity_max"] = sensitivity(model, bundle, scene.stack, inputs, x[: args.mprt_pixels],
                                                predicted[: args.mprt_pixels], outputs, methods, seed)
        result["baseline_sensitivity"] = baseline_sensitivities(
            model, bundle, scene.stack, inputs, x, predicted, outputs, x_model, y_index, train, values, seed)
        if "attention_bands" in values:
            result["attention_vs_band_ablation_spearman"] = band_ablation_agreement(
                model, x, y_index[test], values["attention_bands"], norm_mean)
        if "gradcam" in raw:
            with torch.no_grad():
                logits = model(torch.from_numpy(np.ascontiguousarray(x)))
            result["gradcam_heatmap_vs_logit_spearman"] = ev.spearman(
                raw["gradcam"][:, 0], logits.gather(1, torch.as_tensor(predicted)[:, None])[:, 0].numpy())
        if seed == 0:
            sub = x[: args.mprt_pixels]
            result["mprt"] = mprt(model, bundle, scene.stack, inputs, sub, predicted[: len(sub)], outputs,
                                  methods, seed)
            x_shuf, _, inputs_shuf = model_pixels(shuffled, scene.stack)
            raw_shuf = explain(shuffled.build("cpu").eval(), shuffled, scene.stack, inputs_shuf, x_shuf[test],
                               predicted, methods, seed)
            shuf = graded(outputs, raw_shuf, len(x), x.shape, seed + 7)
            unit_of = {o.name: o.unit for o in outputs}
            result["data_randomisation_spearman"] = {
                k: mean_spearman(compared(values[k], unit_of[k], observed), compared(shuf[k], unit_of[k], observed))
                for k in values if k in shuf}
            result["quantus"] = quantus_real(model, bundle, scene.stack, inputs, sub, predicted[: len(sub)], outputs,
                                             seed)
            log(f"real sample: quantus cross-check {'done' if result['quantus'].get('available') else 'skipped'}")
            result["maps"] = map_throughput(bundle, log)
            result["maps_many_dates"] = map_throughput_many_dates(log, side=80 if args.quick else 160)
        per_model.append(result)
        log(f"real sample: model seed {seed} graded (test accuracy {result['test_accuracy']:.2f})")
    agreement = {}
    for o in outputs:
        pairs = [mean_spearman(compared(explained[i][o.name], o.unit, observed),
                               compared(explained[j][o.name], o.unit, observed))
                 for i in range(len(explained)) for j in range(i + 1, len(explained))
                 if o.name in explained[i] and o.name in explained[j]]
        if pairs:
            agreement[o.name] = float(np.mean(pairs))
    scene.stack.close()
    return {"per_model": per_model, "seed_agreement_spearman": agreement, "n_test_pixels": int(len(test)),
            "split": split.describe(scene.labels[rows, cols])}


def map_throughput(bundle, log) -> dict:
    """Streamed maps of the whole sample: predict only, then each per-date method, in this run."""
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for attempt in range(MAP_REPEATS):  # interleaved, best of each: a shared CPU's load hits all alike
            for name, methods in (("predict", set()), ("occlusion_dates", {"occlusion_dates"}),
                                  ("linear_occlusion_dates", {"linear_occlusion_dates"}),
                                  ("shapley_dates", {"shapley_dates"})):
                result = run_inference(InferenceRequest(
                    stack_paths=[str(SAMPLE / "s2_l1c_stack.tif")], bundle=bundle,
                    out_dir=os.path.join(tmp, f"{name}_{attempt}"), methods=methods, threads=1))
                out[name] = max(out.get(name, 0.0), result.pixels_per_second)
    out["ratio_to_predict"] = {m: out[m] / out["predict"] for m in ("occlusion_dates", "linear_occlusion_dates",
                                                                     "shapley_dates")}
    log(f"maps: {json.dumps({k: round(v) for k, v in out.items() if not isinstance(v, dict)})}")
    return out


def untrained_default_bundle(stack):
    """A randomly initialised model of the shipped default recipe (TrainConfig, ensemble members included) for
    ``stack``'s bands and dates: the cost of a map does not depend on the weights."""
    from land_cover_xai_plugin.engine.models import ModelSpec, build_model
    from land_cover_xai_plugin.engine.models.model_file import ClassInfo, bundle_from_module

    window = stack.read_window(0, 0, min(128, stack.width), min(128, stack.height))
    mean = np.nanmean(window, axis=(0, 2, 3)).astype(float).tolist()
    std = [max(float(v), 1e-3) for v in np.nanstd(window, axis=(0, 2, 3))]
    config = TrainConfig().resolved()
    spec = ModelSpec(arch=config.arch, n_bands=stack.n_bands, n_dates=stack.n_dates, n_classes=5, norm_mean=mean,
                     norm_std=std, attention=config.attention, kernel_size=config.kernel_size,
                     band_width=config.band_width, fusion_width=config.fusion_width, conv_width=config.conv_width,
                     dense_width=config.dense_width, embed_width=config.embed_width,
                     hidden_width=config.hidden_width, band_attention=config.band_attention,
                     n_members=config.n_members)
    torch.manual_seed(0)
    classes = [ClassInfo(i, f"class {i}", "#808080") for i in (1, 2, 3, 4, 8)]
    return bundle_from_module(build_model(spec).eval(), spec, stack.bands, stack.dates, classes)


def map_throughput_many_dates(log, n_dates: int = 20, side: int = 160) -> dict:
    """The per-date map's speed where the target is set (20 dates): a synthetic 20-date, 10-band stack
    (``data/synthetic.make_synthetic_stack``, side x side px), the default recipe's architecture (untrained),
    streamed predict-only, occlusion-by-date and linearised occlusion-by-date maps, interleaved, best of
    MAP_REPEATS, in this run."""
    from land_cover_xai_plugin.engine.data.synthetic import make_synthetic_stack

    out = {"n_dates": n_dates, "pixels": side * side}
    with tempfile.TemporaryDirectory() as tmp:
        path = make_synthetic_stack(os.path.join(tmp, "stack.tif"), side, side, n_dates=n_dates, seed=5)
        stack = open_stack([path])
        bundle = untrained_default_bundle(stack)
        stack.close()
        out["n_members"] = int(bundle.spec.n_members or 1)
        for attempt in range(MAP_REPEATS):
            for name, methods in (("predict", set()), ("occlusion_dates", {"occlusion_dates"}),
                                  ("linear_occlusion_dates", {"linear_occlusion_dates"})):
                result = run_inference(InferenceRequest(stack_paths=[path], bundle=bundle, methods=methods,
                                                        out_dir=os.path.join(tmp, f"{name}_{attempt}"), threads=1))
                out[name] = max(out.get(name, 0.0), result.pixels_per_second)
    out["ratio_to_predict"] = {m: out[m] / out["predict"] for m in ("occlusion_dates", "linear_occlusion_dates")}
    log(f"maps at {n_dates} dates: {json.dumps({k: round(v) for k, v in out.items() if not isinstance(v, dict)})}")
    return out


def run_planted(args, outputs, log, bands, dates) -> dict:
    side = 24 if args.quick else 40
    per_model = []
    truth = {"date": np.isin(np.arange(len(dates)), PLANTED_DATES),
             "band": np.isin(np.asarray(bands), PLANTED_BANDS)}
    pixels, pools = sample_pixels(), planted_pools()
    with tempfile.TemporaryDirectory() as tmp:
        test_stack, test_labels = write_planted_scene(Path(tmp) / "held_out.tif", pixels, side, 1000, pools[TEST])
        for seed in range(args.seeds):
            train_stack, train_labels = write_planted_scene(Path(tmp) / f"train_{seed}.tif", pixels, side, seed,
                                                            pools[TRAIN])
            # no cloud fraction in these scenes' metadata: every date is an observation
            bundle = train_model(train_stack, train_labels, {1: "background", 2: "planted"},
                                 train_config(seed, args.quick))
            train_stack.close()
            x_all, valid, inputs = model_pixels(bundle, test_stack)
            planted = np.flatnonzero(valid & (test_labels.reshape(-1) == 2))
            planted = np.random.default_rng(seed).choice(planted, size=min(args.per_class * 2, planted.size),
                                                         replace=False)
            x = x_all[planted]
            model = bundle.build("cpu").eval()
            target = np.full(len(x), bundle.class_ids.index(2))
            raw = explain(model, bundle, test_stack, inputs, x, target, method_names(bundle.spec.arch), seed)
            values = graded(outputs, raw, len(x), x.shape, seed)
            predicted, _ = ev._predict(model, x)
            entry = {"seed": seed, "n_pixels": int(len(x)),
                     "accuracy_on_planted_class": float((predicted == target).mean()),
                     "pointing_game": {}, "precision_at_k": {}}
            for o in outputs:
                if o.name in values:
                    entry["pointing_game"][o.name] = float(ev.pointing_game(values[o.name], truth[o.unit]).mean())
                    entry["precision_at_k"][o.name] = float(ev.precision_at_k(values[o.name], truth[o.unit]).mean())
            entry["quantus_pointing_game"] = quantus_pointing(model, x, target, values, outputs, truth["band"])
            per_model.append(entry)
            log(f"planted: model seed {seed} graded (accuracy on the planted class "
                f"{entry['accuracy_on_planted_class']:.2f})")
        test_stack.close()
    return {"per_model": per_model, "planted_bands": list(PLANTED_BANDS),
            "planted_dates": [dates[i] for i in PLANTED_DATES], "scene_side_px": side,
            "scenes": "real sample pixels (cloud-covered dates gap-filled from the clear ones), class-balanced "
                      "draws; training scenes from the train side of the grouped split, the held-out scene from "
                      "the test side; the planted class +0.1 reflectance in the planted bands x dates only"}


# ---------------------------------------------------------------------------------------------
# summary and verdicts
# ---------------------------------------------------------------------------------------------
def mean_std(values) -> dict:
    v = np.asarray([x for x in values if x is not None], np.float64)
    if not v.size:
        return {"mean": float("nan"), "std": float("nan"), "n": 0}
    return {"mean": float(np.mean(v)), "std": float(np.std(v)), "n": int(v.size)}


def summarise(outputs, real, planted) -> dict:
    methods = {}
    models = real["per_model"]
    for o in outputs:
        if o.method == "random":
            continue
        faith = [m["faithfulness"].get(o.name) for m in models]
        if not all(faith):
            continue
        entry = {"method": o.method, "unit": o.unit, "shipped": o.shipped}
        for op in OPERATORS[o.unit]:
            suffix = "" if op == "mean" else f"_{op}"
            for key in ("deletion_auc", "insertion_auc", "random_deletion_auc", "random_insertion_auc"):
                entry[key + suffix] = mean_std([f[op][key] for f in faith])
            for test in ("deletion", "insertion"):
                entry[f"{test}_p{suffix}"] = {
                    "max_over_models": float(np.max([f[op][f"{test}_test"]["wilcoxon_p"] for f in faith])),
                    "sign_test_max_over_models": float(np.max([f[op][f"{test}_test"]["sign_test_p"] for f in faith]))}
        mprt_entry = models[0].get("mprt", {}).get(o.name)
        if mprt_entry is not None:
            entry["mprt_final_spearman"] = mean_std([mprt_entry["final"]])
            entry["mprt_per_layer"] = mprt_entry["per_layer"]
        if o.name in models[0].get("data_randomisation_spearman", {}):
            entry["data_randomisation_spearman"] = mean_std([models[0]["data_randomisation_spearman"][o.name]])
        if o.unit == "date":
            entry["cloudy_date_share"] = mean_std([m["cloudy_share"].get(o.name) for m in models])
            for k in (1, 2):
                entry[f"road_top{k}_accuracy_drop"] = mean_std([m["road"][o.name][f"top{k}_accuracy_drop"]
                                                                for m in models])
                entry[f"random_road_top{k}_accuracy_drop"] = mean_std(
                    [m["road"][o.name][f"random_top{k}_accuracy_drop"] for m in models])
        for key in ("sensitivity_max", "infidelity"):
            if all(o.name in m.get(key, {}) for m in models):
                entry[key] = mean_std([m[key][o.name] for m in models])
        if o.name in real["seed_agreement_spearman"]:
            entry["seed_agreement_spearman"] = mean_std([real["seed_agreement_spearman"][o.name]])
        if planted is not None:
            entry["pointing_game"] = mean_std([m["pointing_game"].get(o.name) for m in planted["per_model"]])
            entry["precision_at_k"] = mean_std([m["precision_at_k"].get(o.name) for m in planted["per_model"]])
        rate = [m["pixels_per_second"].get(o.method) for m in models]
        if all(r is not None for r in rate):
            entry["pixels_per_second"] = mean_std(rate)
            entry["predict_pixels_per_second"] = mean_std([m["pixels_per_second"]["predict"] for m in models])
        maps = models[0].get("maps", {})
        if o.method in maps.get("ratio_to_predict", {}):
            entry["map_pixels_per_second"] = maps[o.method]
            entry["map_ratio_to_predict"] = maps["ratio_to_predict"][o.method]
        if o.name == "linear_occlusion_dates" and all("linear_vs_exact_occlusion" in m for m in models):
            entry["vs_exact_occlusion"] = {k: mean_std([m["linear_vs_exact_occlusion"][k] for m in models])
                                           for k in models[0]["linear_vs_exact_occlusion"]}
        if o.name == "attention_bands":
            entry["band_ablation_spearman"] = mean_std([m.get("attention_vs_band_ablation_spearman") for m in models])
        if o.name == "gradcam_dates":
            entry["heatmap_vs_logit_spearman"] = mean_std([m.get("gradcam_heatmap_vs_logit_spearman") for m in models])
        sensitivity_runs = [m.get("baseline_sensitivity", {}).get(o.name) for m in models]
        if all(sensitivity_runs):
            entry["baseline_sensitivity"] = {
                v: {k: mean_std([run[v][k] for run in sensitivity_runs]) for k in ("spearman", "relative_l1")}
                for v in sensitivity_runs[0]}
            # the furthest the explanation moves over the alternative baselines, per model (the sampling-noise
            # floor is not a baseline)
            entry["baseline_spearman"] = mean_std([min(run[v]["spearman"] for v in run if v not in NOISE_VARIANTS)
                                                   for run in sensitivity_runs])
            entry["baseline_relative_l1"] = mean_std([max(run[v]["relative_l1"] for v in run
                                                          if v not in NOISE_VARIANTS) for run in sensitivity_runs])
            entry["baseline_alternatives"] = len([v for v in sensitivity_runs[0] if v not in NOISE_VARIANTS])
        entry["verdict"], entry["summary"] = verdict(entry, o.unit)
        methods[o.name] = entry
    return methods


def verdict(entry: dict, unit: str) -> tuple[str, str]:
    """("passes" | "fails: reasons", one plain sentence with the key figures) against the issue's targets."""
    failures = []
    for op in OPERATORS[unit]:
        suffix = "" if op == "mean" else f"_{op}"
        d, rd = entry[f"deletion_auc{suffix}"]["mean"], entry[f"random_deletion_auc{suffix}"]["mean"]
        i, ri = entry[f"insertion_auc{suffix}"]["mean"], entry[f"random_insertion_auc{suffix}"]["mean"]
        pd, pi = entry[f"deletion_p{suffix}"]["max_over_models"], entry[f"insertion_p{suffix}"]["max_over_models"]
        # (a NaN p-value fails: the comparisons below are False for NaN)
        if not (d < rd and pd < P_MAX):
            failures.append(f"deletion ({op} removal) {d:.2f} not below random {rd:.2f} at p < {P_MAX} (p {pd:.2g})")
        if not (i > ri and pi < P_MAX):
            failures.append(f"insertion ({op}) {i:.2f} not above random {ri:.2f} at p < {P_MAX} (p {pi:.2g})")
    m = entry.get("mprt_final_spearman", {}).get("mean", float("nan"))
    if not ev.randomisation_passes(m, MPRT_MAX):
        failures.append(f"survives weight randomisation (final Spearman {m:.2f})" if np.isfinite(m)
                        else "weight randomisation undefined (NaN)")
    pg = entry.get("pointing_game", {}).get("mean", float("nan"))
    if not (pg >= POINTING_MIN):
        failures.append(f"pointing game {pg:.2f} on planted data (< {POINTING_MIN})")
    if unit == "date":
        c = entry["cloudy_date_share"]["mean"]
        if not (c <= CLOUDY_SHARE_MAX):
            failures.append(f"{c:.0%} of its relevance on the two cloud-masked dates")
    d, rd = entry["deletion_auc"]["mean"], entry["random_deletion_auc"]["mean"]
    figures = f"deletion {d:.2f} vs random {rd:.2f}, pointing game {pg:.2f}, randomisation {m:.2f}"
    if not failures:
        return "passes", f"passes: {figures}"
    return "fails: " + "; ".join(failures), f"fails: {failures[0]} ({figures})"


def method_verdicts(methods: dict) -> dict:
    """Per registry method (what a model file stores): passes only when each of its outputs passes."""
    out = {}
    for name, entry in methods.items():
        if not entry["shipped"]:
            continue
        slot = out.setdefault(entry["method"], {"outputs": {}, "verdict": "passes"})
        slot["outputs"][name] = entry["summary"]
        if entry["verdict"] != "passes":
            slot["verdict"] = "fails"
    for slot in out.values():
        slot["summary"] = "; ".join(f"{k}: {v}" for k, v in slot["outputs"].items())
    return out


def store_verdicts(model_path: str, verdicts: dict, source: str) -> None:
    """Write the per-method verdicts into a model file (``ModelBundle.explanation_quality``)."""
    from land_cover_xai_plugin.engine.models.model_file import load_model, save_model

    bundle = load_model(model_path)
    bundle.explanation_quality = {"source": source, "methods": verdicts}
    save_model(model_path, bundle)


# ---------------------------------------------------------------------------------------------
# reports
# ---------------------------------------------------------------------------------------------
def fmt(entry, key, digits=2):
    v = entry.get(key)
    if not isinstance(v, dict) or not np.isfinite(v.get("mean", float("nan"))):
        return "-"
    if v.get("n", 2) <= 1:  # one figure (one model, or a mean over model pairs): no spread to show
        return f"{v['mean']:.{digits}f}"
    return f"{v['mean']:.{digits}f} ± {v['std']:.{digits}f}"


def markdown(result: dict) -> str:
    methods = result["methods"]
    lines = ["# Explanation quality (benchmarks/xai.py)", "",
             f"{result['protocol']['n_models']} models per data set, {result['real']['n_test_pixels']} held-out pixels "
             f"of the real sample; mean ± std over the models. Deletion / insertion: per-band mean removal "
             f"(dates also: interpolation; bands also: a class-balanced training pixel). p: Wilcoxon signed-rank "
             f"against random orders, largest over the models. MPRT and data randomisation: model seed 0; "
             f"seed agreement: mean over the model pairs. Sens. max: captum.metrics.sensitivity_max (noise of "
             f"+-0.02 reflectance, median over pixels); infidelity: captum.metrics.infidelity by date / band "
             f"(each unit removed with probability 0.5, dates refilled by interpolation, bands by a class-balanced "
             f"training pixel; captum's normalisation; mean over pixels); both lower = better, not in the verdict.",
             "",
             "| output | deletion | random | insertion | random | p del / ins | MPRT final | data rand. | "
             "pointing | cloudy share | seeds agree | sens. max | infidelity | px/s (predict) | verdict |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for name, e in methods.items():
        rate = (f"{e['pixels_per_second']['mean']:.0f} ({e['predict_pixels_per_second']['mean']:.0f})"
                if "pixels_per_second" in e else "-")
        lines.append(
            f"| {name}{'' if e['shipped'] else ' (not shipped)'} | {fmt(e, 'deletion_auc')} | "
            f"{fmt(e, 'random_deletion_auc')} | {fmt(e, 'insertion_auc')} | {fmt(e, 'random_insertion_auc')} | "
            f"{e['deletion_p']['max_over_models']:.1g} / {e['insertion_p']['max_over_models']:.1g} | "
            f"{fmt(e, 'mprt_final_spearman')} | {fmt(e, 'data_randomisation_spearman')} | {fmt(e, 'pointing_game')} | "
            f"{fmt(e, 'cloudy_date_share')} | {fmt(e, 'seed_agreement_spearman')} | {fmt(e, 'sensitivity_max')} | "
            f"{fmt(e, 'infidelity', 4)} | "
            f"{rate} | "
            f"{'passes' if e['verdict'] == 'passes' else 'fails'} |")
    maps = result["real"]["per_model"][0].get("maps", {})
    if maps:
        lines += ["", "Streamed maps of the whole sample (px/s, this run): " + ", ".join(
            f"{k} {v:.0f}" for k, v in maps.items() if not isinstance(v, dict)) + "; ratio to predict: " + ", ".join(
            f"{k} {v:.2f}" for k, v in maps["ratio_to_predict"].items()) + " (target >= 0.2)."]
    many = result["real"]["per_model"][0].get("maps_many_dates")
    if many:
        lines += ["", speed_sentence(many)]
    if linear_sentence(result):
        lines += ["", linear_sentence(result)]
    lines += baseline_table(result)
    lines += quantus_table(result)
    lines += ["", "Reading the figures: rank comparisons of date explanations (randomisation, seed agreement) read "
              "the observed dates only, for every method alike (3 on the sample: a pixel's Spearman is then one of "
              "-1, -0.5, 0.5, 1, and only the mean over pixels can approach 0). Removal-based maps (occlusion, "
              "Shapley) also follow the input's own shape: removing a date far from the line through its neighbours "
              "changes the input most under any model, which is what keeps part of their ranking when the weights "
              "are randomised. The mean-removal operator replaces cloud-masked (filled) dates too, which the model "
              "reacts to; the interpolation operator does not move them. Cost: per-pixel compute on the held-out "
              "batch (once-per-map preparation excluded); the streamed-map ratio is the figure for the 0.2 target.",
              "", trust_section(result)]
    return "\n".join(lines) + "\n"


def baseline_table(result: dict) -> list[str]:
    """Markdown lines: how far each baseline-using explanation moves when only its baseline changes."""
    sensitivity = result.get("baseline_sensitivity", {})
    if not sensitivity.get("outputs"):
        return []
    lines = ["", "## Baseline sensitivity", "",
             "The same held-out pixels explained again, by each method's own code, with its baseline / background / "
             "refill replaced by another valid one (class-balanced draws from the training split, or another "
             "refill of the removed dates). Spearman: rank agreement with the shipped baseline's explanation, "
             "mean over pixels (dates: observed dates only); relative L1: total absolute change / total absolute "
             "explanation. Mean ± std over the models. 1 / 0 = the baseline does not matter.", "",
             "| output | alternative baseline | Spearman | relative L1 |", "|---|---|---|---|"]
    for name, variants in sensitivity["outputs"].items():
        method = result["methods"][name]["method"]
        for variant, figures in variants.items():
            what = sensitivity["variants"].get(method, {}).get(variant, variant)
            lines.append(f"| {name} | {what} | {fmt(figures, 'spearman')} | {fmt(figures, 'relative_l1')} |")
    return lines


def quantus_table(result: dict) -> list[str]:
    """Markdown lines: the quantus cross-check beside this benchmark's own figures."""
    q = result.get("quantus")
    if not q:
        return []
    lines = ["", "## Cross-check with quantus (development only)", ""]
    if not q.get("available"):
        return lines + [f"quantus was not available in this run ({q.get('reason')}): no cross-check."]
    lines += [f"quantus {q.get('version')}, on the same models, pixels and explanations (our methods' own code "
              "as quantus's explain_func): MPRT (cascading top-down, Spearman of the fully randomised model's "
              "map, model seed 0, its own layer randomisation), RandomLogit (Spearman between the map of the class "
              "and of a random other class; lower = more class-specific; no counterpart here) and PointingGame on "
              "the planted scenes. " + q["note"][0].upper() + q["note"][1:] + ".", "",
              "| output | MPRT final: quantus / ours | RandomLogit | pointing game: quantus / ours |",
              "|---|---|---|---|"]

    def num(v):
        return f"{v:.2f}" if isinstance(v, (int, float)) and np.isfinite(v) else "-"

    for name, row in q["outputs"].items():
        if "error" in row:
            lines.append(f"| {name} | failed: {row['error'][:80]} | - | - |")
            continue
        pg = row.get("pointing_game", {}).get("mean") if isinstance(row.get("pointing_game"), dict) else None
        lines.append(f"| {name} | {num(row.get('mprt_final_spearman'))} / {num(row.get('ours_mprt_final_spearman'))} "
                     f"| {num(row.get('random_logit_spearman'))} | {num(pg)} / {num(row.get('ours_pointing_game'))} |")
    return lines


def speed_sentence(many: dict) -> str:
    """Plain sentences on the per-date maps' speed at many dates against the 0.2 x predict target: exact
    occlusion and (in results that measured it) its first-order estimate."""
    ratio = many["ratio_to_predict"]["occlusion_dates"]
    verdict = "meets" if ratio >= MAP_RATIO_MIN else "misses"
    text = (f"Per-date map at {many['n_dates']} dates (synthetic {many['n_dates']}-date, 10-band stack, "
            f"{many['pixels']} px, the default {many.get('n_members', '')}-member ensemble's architecture (untrained: "
            f"the cost does not depend on the weights), streamed, this run): predict "
            f"{many['predict']:.0f} px/s, occlusion by date {many['occlusion_dates']:.0f} px/s, ratio {ratio:.2f}: it "
            f"{verdict} the {MAP_RATIO_MIN} x predict target. Exact occlusion needs one forward pass of the whole "
            f"ensemble per observed date (the band gate reads every date, so no part of the pass can be reused), "
            f"which bounds the ratio near 1 / (dates + 1) of the model's compute; the copies are batched through the "
            f"model's forward-only inference stand-in and the refill is built once per map.")
    linear = many["ratio_to_predict"].get("linear_occlusion_dates")
    if linear is not None:
        text += (f" Its first-order estimate (linear_occlusion_dates: one forward and one backward pass for all "
                 f"dates, through the stand-in's batched members, beside the pass's shared forward) runs at "
                 f"{many['linear_occlusion_dates']:.0f} px/s, ratio {linear:.2f}: it "
                 f"{'meets' if linear >= MAP_RATIO_MIN else 'misses'} the target; how far its ranking can be "
                 f"trusted is its verdict above.")
    return text


def linear_sentence(result: dict) -> str:
    """One plain sentence: how close the first-order estimate is to exact date occlusion on the held-out
    pixels ("" in results that did not measure it)."""
    close = result["methods"].get("linear_occlusion_dates", {}).get("vs_exact_occlusion")
    if not close:
        return ""
    return (f"linear_occlusion_dates against exact occlusion_dates on the same held-out pixels (observed dates, "
            f"mean over the models): rank agreement (Spearman) {close['spearman']['mean']:.2f}, same top date for "
            f"{close['same_top_date']['mean']:.0%} of the pixels, mean |difference| "
            f"{close['mean_abs_difference']['mean']:.3f} against a mean |exact drop| of "
            f"{close['mean_abs_exact']['mean']:.3f} (probability).")


def trust_section(result: dict) -> str:
    """The README section "How far to trust each explanation", generated from the figures."""
    lines = ["## How far to trust each explanation", "",
             "Measured by `make bench-xai` on held-out pixels of the bundled sample and on planted-signal scenes "
             f"({result['protocol']['n_models']} models each). A method passes when removing what it ranks first "
             "lowers the class probability faster than removing at random (and inserting it raises it faster), "
             f"both at p < {P_MAX} under two removal operators, when its explanation collapses once the model's "
             f"weights are randomised (|Spearman| <= {MPRT_MAX}), when it points at the planted dates / bands "
             f"(>= {POINTING_MIN:.0%}) and when it gives the cloud-masked dates no relevance.", ""]
    for name, entry in result["methods"].items():
        if entry["shipped"]:
            moves = ""
            if "baseline_spearman" in entry:  # (results written before it was measured lack it)
                moves = (f" When its baseline changes it keeps a rank agreement of "
                         f"{entry['baseline_spearman']['mean']:.2f} and moves by "
                         f"{entry['baseline_relative_l1']['mean']:.0%} (relative L1; the furthest of "
                         f"{entry.get('baseline_alternatives', len(entry['baseline_sensitivity']))} other valid "
                         f"baselines).")
            lines.append(f"- **{name}** ({entry['method']}): {entry['summary']}.{moves}")
    many = result["real"]["per_model"][0].get("maps_many_dates")
    if many:
        lines += ["", speed_sentence(many)]
    if linear_sentence(result):
        lines += ["", linear_sentence(result)]
    return "\n".join(lines)


def plot_curves(result: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    model = result["real"]["per_model"][0]["faithfulness"]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for ax, unit in zip(axes, ("date", "band")):
        random_curve = None
        for name, ops in model.items():
            if result["methods"].get(name, {}).get("unit") != unit:
                continue
            ax.plot(ops["mean"]["fraction"], ops["mean"]["deletion_curve"], label=name)
            if "random_deletion_curve" in ops["mean"]:  # (results written before it was kept lack it)
                random_curve = (ops["mean"]["fraction"], ops["mean"]["random_deletion_curve"])
        if random_curve is not None:
            ax.plot(*random_curve, "k--", label="random order")
        ax.set_title(f"Deletion by {unit} (per-band mean removal, model seed 0)")
        ax.set_xlabel(f"fraction of {unit}s removed")
        ax.set_ylabel("target probability")
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _json_default(value):
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    raise TypeError(type(value))


def _strip_per_sample(obj):
    if isinstance(obj, dict):
        return {k: _strip_per_sample(v) for k, v in obj.items() if not k.startswith("per_sample_")}
    if isinstance(obj, list):
        return [_strip_per_sample(v) for v in obj]
    return obj


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "xai.json"))
    parser.add_argument("--quick", action="store_true", help="small models and samples (a smoke run)")
    parser.add_argument("--seeds", type=int, default=None, help="models per data set (default 3)")
    parser.add_argument("--per-class", type=int, default=None, help="held-out pixels per class")
    parser.add_argument("--orders", type=int, default=5, help="random orders")
    parser.add_argument("--mprt-pixels", type=int, default=120)
    parser.add_argument("--store-in", default=None, help="a model file to store the verdicts in")
    parser.add_argument("--from-json", default=None,
                        help="no run: store this earlier result's verdicts (with --store-in) or render its "
                             "Markdown and PNG again")
    args = parser.parse_args(argv)
    if args.from_json:  # no run: store the verdicts of an earlier result, or render its reports again
        earlier = json.loads(Path(args.from_json).read_text())
        if args.store_in:
            store_verdicts(args.store_in, earlier["verdicts"], f"benchmarks/xai.py ({args.from_json})")
            print(f"stored the verdicts of {args.from_json} in {args.store_in}")
        else:
            source = Path(args.from_json)
            source.with_suffix(".md").write_text(markdown(earlier))
            plot_curves(earlier, source.with_name(source.stem + "_deletion.png"))
            print(f"rendered {source.with_suffix('.md')} and the PNG again")
        return 0
    args.seeds = args.seeds or (2 if args.quick else 3)
    args.per_class = args.per_class or (10 if args.quick else 60)
    if args.quick:
        args.orders, args.mprt_pixels = 3, 40
    set_threads(1)
    started = time.perf_counter()

    def log(text):
        print(f"[{time.perf_counter() - started:6.0f} s] {text}", flush=True)

    scene = sample_scene()
    bands, dates = list(scene.stack.bands), [str(d) for d in scene.stack.dates]
    scene.stack.close()
    outputs = outputs_for(len(dates))
    real = run_real(args, outputs, log)
    planted = run_planted(args, outputs, log, bands, dates)
    result = {
        "protocol": {"n_models": args.seeds, "per_class": args.per_class, "random_orders": args.orders,
                     "quick": bool(args.quick), "operators": OPERATORS, "targets": {
                         "p_max": P_MAX, "mprt_max": MPRT_MAX, "pointing_min": POINTING_MIN,
                         "cloudy_share_max": CLOUDY_SHARE_MAX},
                     "cloud_fraction_max": CLOUD_FRACTION_MAX, "cloudy_dates": list(CLOUDY),
                     "machine": {"python": platform.python_version(), "torch": torch.__version__,
                                 "threads": 1, "cpu_count": os.cpu_count()}},
        "real": _strip_per_sample(real), "planted": planted,
    }
    result["methods"] = summarise(outputs, result["real"], planted)
    result["baseline_sensitivity"] = {
        "variants": BASELINE_VARIANTS,
        "outputs": {k: e["baseline_sensitivity"] for k, e in result["methods"].items() if "baseline_sensitivity" in e}}
    result["quantus"] = quantus_summary(result)
    result["verdicts"] = method_verdicts(result["methods"])
    result["seconds"] = time.perf_counter() - started
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1, default=_json_default, allow_nan=True))
    out.with_suffix(".md").write_text(markdown(result))
    plot_curves(result, out.with_name(out.stem + "_deletion.png"))
    if args.store_in:
        store_verdicts(args.store_in, result["verdicts"], f"benchmarks/xai.py ({'quick' if args.quick else 'full'})")
    log(f"wrote {out} (+ .md, _deletion.png)")
    for name, entry in result["methods"].items():
        print(f"  {name:18s} {entry['summary']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
