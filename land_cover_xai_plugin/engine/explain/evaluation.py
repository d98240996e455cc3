"""How good is an explanation? Metrics used by ``benchmarks/xai.py`` and the tests.

- Faithfulness, deletion / insertion (Petsiuk et al., RISE 2018): features (or whole dates / bands) are removed
  (deletion) or inserted (insertion) in the order of the attribution, most relevant first, and the target-class
  probability is recorded after each step. Area under that curve over the fraction of units removed / inserted:
  lower deletion AUC and higher insertion AUC = more faithful. A random order is the floor to beat.
  "Removed" means replaced by an in-distribution value, one of two baselines for time series:
    * ``"mean"``:   the per-band training mean (the model's normalisation mean);
    * ``"interp"``: linear interpolation in time from the same band's remaining (not removed) dates, nearest
      value before the first / after the last kept date, the per-band mean when a band has no date left.
- Sanity check (Adebayo et al., NeurIPS 2018): cascading randomisation of the model's layers, top first; the
  Spearman rank correlation between the original and the randomised explanation should fall towards 0.
- Ground truth on planted signals: precision at k, pointing game.
- Band-ablation importance (drop a band = replace it by its mean, measure the loss of accuracy) to check
  attention rankings against (Jain & Wallace 2019).
- Infidelity by date / band (``captum.metrics.infidelity`` with units removed at random: :func:`unit_infidelity`).
- Baseline sensitivity: rank agreement and relative L1 change of an explanation computed again with another
  valid baseline / background / refill (:func:`baseline_sensitivity`).

Attributions are arrays / tensors shaped like the input (N, B, T); ``unit`` says what is removed at each step:
``"feature"`` (one band at one date; attributions ranked as given), ``"date"`` (all bands of a date;
attributions summed over bands) or ``"band"`` (all dates of a band; summed over dates). Per-date or per-band
explanations (Grad-CAM (N, T), attention (N, B)) go in through :func:`broadcast`.
torch is imported lazily. Pixel models only (no k x k patches).
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Callable, Optional, Sequence

import numpy as np

from ..runtime import import_torch

UNITS = ("feature", "date", "band")
BASELINES = ("mean", "interp", "background")


# ---------------------------------------------------------------------------------------------
# small helpers
# ---------------------------------------------------------------------------------------------
def _np(a) -> np.ndarray:
    if hasattr(a, "detach"):
        a = a.detach().cpu().numpy()
    return np.asarray(a)


def broadcast(values, shape: tuple, over: str):
    """Per-date (N, T) (``over="date"``) or per-band (N, B) (``over="band"``) values -> (N, B, T)."""
    values = _np(values).astype(np.float32)
    n, b, t = shape
    if over == "date":
        return np.broadcast_to(values[:, None, :], (n, b, t)).copy()
    if over == "band":
        return np.broadcast_to(values[:, :, None], (n, b, t)).copy()
    raise ValueError(f"over must be 'date' or 'band', got {over!r}")


def unit_scores(attributions, unit: str) -> np.ndarray:
    """(N, B, T) attributions -> (N, n_units) score per removable unit."""
    a = _np(attributions).astype(np.float64)
    if a.ndim != 3:
        raise ValueError(f"attributions must be (N, B, T), got shape {a.shape}")
    if unit == "feature":
        return a.reshape(len(a), -1)
    if unit == "date":
        return a.sum(1)
    if unit == "band":
        return a.sum(2)
    raise ValueError(f"unit must be one of {UNITS}, got {unit!r}")


def unit_mask(selected: np.ndarray, shape: tuple, unit: str) -> np.ndarray:
    """(N, n_units) bool -> (N, B, T) bool feature mask."""
    n, b, t = shape
    if unit == "feature":
        return selected.reshape(n, b, t)
    if unit == "date":
        return np.broadcast_to(selected[:, None, :], (n, b, t))
    return np.broadcast_to(selected[:, :, None], (n, b, t))


def rank_order(scores: np.ndarray, seed: int = 0) -> np.ndarray:
    """Position of each unit when sorted by decreasing score (0 = first removed); ties broken at random
    (seeded), so that a flat explanation (e.g. an all-zero Grad-CAM) is not favoured by the index order."""
    rng = np.random.default_rng(seed)
    jitter = rng.random(scores.shape)
    order = np.lexsort((jitter, -scores), axis=-1)  # last key is primary
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(scores.shape[1])[None, :].repeat(len(scores), 0), axis=1)
    return ranks


def model_norm_mean(model) -> np.ndarray:
    """The per-band normalisation mean of a model (its neutral value), taken from ``model.spec``."""
    spec = getattr(model, "spec", None)
    if spec is None:
        raise ValueError("the model has no .spec: pass norm_mean (one value per band)")
    return np.asarray(spec.norm_mean, np.float32)


def interpolate_removed(x: np.ndarray, removed: np.ndarray, fallback: Sequence[float],
                        times: Optional[Sequence[float]] = None) -> np.ndarray:
    """Replace the ``removed`` (N, B, T) entries of ``x`` by linear interpolation in time from the same band's
    kept dates (nearest kept value at the ends); a band with no kept date takes ``fallback[b]``."""
    x = np.asarray(x, np.float32)
    n, b, t = x.shape
    time = np.arange(t, dtype=np.float32) if times is None else np.asarray(times, np.float32)
    keep = ~removed
    idx = np.arange(t)
    prev = np.maximum.accumulate(np.where(keep, idx, -1), axis=-1)
    nxt = np.minimum.accumulate(np.where(keep, idx, t)[..., ::-1], axis=-1)[..., ::-1]
    has_prev, has_next = prev >= 0, nxt < t
    p, q = np.clip(prev, 0, t - 1), np.clip(nxt, 0, t - 1)
    pv, nv = np.take_along_axis(x, p, -1), np.take_along_axis(x, q, -1)
    tp, tn = time[p], time[q]
    span = tn - tp
    w = np.where(span > 0, (time - tp) / np.where(span > 0, span, 1), 0.0).astype(np.float32)
    fb = np.broadcast_to(np.asarray(fallback, np.float32)[None, :, None], x.shape)
    val = np.where(has_prev & has_next, pv + w * (nv - pv), np.where(has_prev, pv, np.where(has_next, nv, fb)))
    return np.where(removed, val, x).astype(np.float32)


def replace(x: np.ndarray, removed: np.ndarray, baseline: str, norm_mean: Sequence[float],
            times: Optional[Sequence[float]] = None, background: Optional[np.ndarray] = None) -> np.ndarray:
    """``x`` with the ``removed`` entries replaced by the baseline: ``"mean"``, ``"interp"`` or
    ``"background"`` (the same entries of ``background`` (N, B, T), e.g. one real training pixel of a
    class drawn at random per sample: in distribution for whole bands, where time interpolation is not)."""
    if baseline == "background":
        if background is None:
            raise ValueError("the 'background' baseline needs background series (N, B, T)")
        return np.where(removed, np.asarray(background, np.float32), x).astype(np.float32)
    if baseline == "mean":
        mean = np.asarray(norm_mean, np.float32)[None, :, None]
        return np.where(removed, mean, x).astype(np.float32)
    if baseline == "interp":
        return interpolate_removed(x, removed, norm_mean, times)
    raise ValueError(f"baseline must be one of {BASELINES}, got {baseline!r}")


def target_probability(model, x, target, batch_size: int = 1024) -> np.ndarray:
    """p(target | x) per sample, eval mode, no grad. ``x`` (N, B, T) numpy or tensor; ``target`` (N,) or int."""
    torch = import_torch()
    x = torch.as_tensor(_np(x), dtype=torch.float32)
    tgt = np.broadcast_to(_np(target).astype(np.int64), (len(x),))
    out = np.empty(len(x), np.float64)
    with torch.no_grad():
        for s in range(0, len(x), batch_size):
            p = torch.softmax(model(x[s:s + batch_size]), dim=1).cpu().numpy()
            out[s:s + batch_size] = p[np.arange(len(p)), tgt[s:s + batch_size]]
    return out


def _predict(model, x, batch_size: int = 1024) -> tuple[np.ndarray, np.ndarray]:
    """(predicted class index (N,), probabilities (N, K))."""
    torch = import_torch()
    x = torch.as_tensor(_np(x), dtype=torch.float32)
    probs = []
    with torch.no_grad():
        for s in range(0, len(x), batch_size):
            probs.append(torch.softmax(model(x[s:s + batch_size]), dim=1).cpu().numpy())
    p = np.concatenate(probs)
    return p.argmax(1), p


# ---------------------------------------------------------------------------------------------
# faithfulness: deletion / insertion
# ---------------------------------------------------------------------------------------------
@dataclass
class Curves:
    """Deletion / insertion curves of the target probability for ranking the units of an attribution."""

    fraction: np.ndarray  # (S + 1,) fraction of units removed / inserted, 0 .. 1
    deletion: np.ndarray  # (N, S + 1) target probability after removing the top units
    insertion: np.ndarray  # (N, S + 1) target probability after inserting the top units into the baseline
    unit: str
    baseline: str

    @property
    def deletion_auc(self) -> np.ndarray:  # (N,)
        """Area under each pixel's deletion curve, shape (N,); lower means a more faithful ranking."""
        return np.trapz(self.deletion, self.fraction, axis=1)

    @property
    def insertion_auc(self) -> np.ndarray:  # (N,)
        """Area under each pixel's insertion curve, shape (N,); higher means a more faithful ranking."""
        return np.trapz(self.insertion, self.fraction, axis=1)

    def summary(self) -> dict:
        """Mean deletion / insertion AUC with their standard errors and the pixel count, as plain JSON."""
        d, i = self.deletion_auc, self.insertion_auc
        return {"deletion_auc": float(d.mean()), "insertion_auc": float(i.mean()),
                "deletion_auc_sem": float(d.std(ddof=1) / np.sqrt(len(d))) if len(d) > 1 else 0.0,
                "insertion_auc_sem": float(i.std(ddof=1) / np.sqrt(len(i))) if len(i) > 1 else 0.0,
                "n": int(len(d))}


def deletion_insertion_curves(model, x, attributions, target, baseline: str = "mean",
                              steps: Optional[int] = None, unit: str = "feature",
                              norm_mean: Optional[Sequence[float]] = None,
                              times: Optional[Sequence[float]] = None, seed: int = 0,
                              batch_size: int = 1024, background: Optional[np.ndarray] = None) -> Curves:
    """Deletion and insertion curves of the target-class probability.

    ``attributions`` (N, B, T): units are ranked by decreasing (signed) summed attribution, ties at random.
    ``steps``: number of removal steps (default: one unit per step). Each step removes (deletion) / inserts
    (insertion) the next ``n_units / steps`` units; removed entries take the ``baseline`` value.
    """
    x = _np(x).astype(np.float32)
    if x.ndim != 3:
        raise ValueError(f"x must be (N, B, T), got shape {x.shape}")
    norm_mean = model_norm_mean(model) if norm_mean is None else np.asarray(norm_mean, np.float32)
    scores = unit_scores(attributions, unit)
    if scores.shape[0] != x.shape[0]:
        raise ValueError("attributions and x hold different numbers of samples")
    n_units = scores.shape[1]
    steps = n_units if steps is None else max(1, min(int(steps), n_units))
    counts = np.round(np.linspace(0, n_units, steps + 1)).astype(int)
    ranks = rank_order(scores, seed)
    target = np.broadcast_to(_np(target).astype(np.int64), (len(x),))
    deletion = np.empty((len(x), steps + 1))
    insertion = np.empty((len(x), steps + 1))
    for i, c in enumerate(counts):
        top = unit_mask(ranks < c, x.shape, unit)
        deletion[:, i] = target_probability(model, replace(x, top, baseline, norm_mean, times, background), target,
                                            batch_size)
        insertion[:, i] = target_probability(model, replace(x, ~top, baseline, norm_mean, times, background),
                                             target, batch_size)
    return Curves(counts / n_units, deletion, insertion, unit, baseline)


def random_order_auc(model, x, target, baseline: str = "mean", unit: str = "feature", n_orders: int = 5,
                     steps: Optional[int] = None, norm_mean=None, times=None, seed: int = 0,
                     background: Optional[np.ndarray] = None) -> dict:
    """Deletion / insertion AUC of random orders: mean over pixels per order, then mean and std over orders;
    ``per_sample_deletion_auc`` / ``per_sample_insertion_auc`` (N,): each sample's mean over the orders, the
    reference of a paired test (:func:`paired_test`)."""
    x = _np(x)
    rng = np.random.default_rng(seed)
    dels, ins, per_del, per_ins, curves = [], [], [], [], []
    for k in range(n_orders):
        attr = rng.random(x.shape).astype(np.float32)
        if unit != "feature":  # equal within a unit, random across units
            attr = broadcast(rng.random((len(x), x.shape[2] if unit == "date" else x.shape[1])), x.shape, unit)
        c = deletion_insertion_curves(model, x, attr, target, baseline, steps, unit, norm_mean, times,
                                      seed=seed + 1000 + k, background=background)
        dels.append(c.deletion_auc.mean())
        ins.append(c.insertion_auc.mean())
        per_del.append(c.deletion_auc)
        per_ins.append(c.insertion_auc)
        curves.append(c.deletion.mean(0))
    return {"deletion_auc": float(np.mean(dels)), "insertion_auc": float(np.mean(ins)),
            "deletion_auc_std_over_orders": float(np.std(dels)), "insertion_auc_std_over_orders": float(np.std(ins)),
            "n_orders": n_orders, "n": int(len(x)),
            "per_sample_deletion_auc": np.mean(per_del, axis=0), "per_sample_insertion_auc": np.mean(per_ins, axis=0),
            "deletion_curve": np.mean(curves, axis=0).tolist()}


def paired_test(method_values, reference_values, alternative: str) -> dict:
    """Paired test of per-sample values against a reference (e.g. a method's deletion AUC against the random
    orders' on the same pixels): Wilcoxon signed-rank (scipy) and the exact sign test. ``alternative``:
    "less" (the method's values are lower, deletion) or "greater" (insertion). NaN p-values when every
    difference is 0 or a value is not finite: a test that cannot be run never passes."""
    a = np.asarray(_np(method_values), np.float64)
    b = np.asarray(_np(reference_values), np.float64)
    if a.shape != b.shape:
        raise ValueError(f"paired values differ in shape: {a.shape} vs {b.shape}")
    if alternative not in ("less", "greater"):
        raise ValueError("alternative must be 'less' or 'greater'")
    diff = a - b
    out = {"n": int(diff.size), "mean_difference": float(np.mean(diff)) if diff.size else float("nan"),
           "wilcoxon_p": float("nan"), "sign_test_p": float("nan")}
    if not diff.size or not np.all(np.isfinite(diff)) or not np.any(diff != 0):
        return out
    nonzero = diff[diff != 0]
    wins = int((nonzero < 0).sum() if alternative == "less" else (nonzero > 0).sum())
    out["sign_test_p"] = _binomial_tail(wins, nonzero.size)
    try:  # scipy: a benchmark dependency (requirements-bench.txt), not the plugin's
        from scipy.stats import wilcoxon
    except ImportError:
        return out
    out["wilcoxon_p"] = float(wilcoxon(a, b, alternative=alternative, zero_method="wilcox").pvalue)
    return out


def _binomial_tail(wins: int, n: int) -> float:
    """P(X >= wins), X ~ Binomial(n, 1/2): the one-sided exact sign test."""
    import math

    return float(min(1.0, sum(math.comb(n, k) for k in range(wins, n + 1)) / (1 << n)))  # exact int ratio


def occlusion(model, x, target, unit: str = "date", baseline: str = "interp", norm_mean=None, times=None,
              batch_size: int = 1024) -> np.ndarray:
    """(N, n_units) drop of the target probability when one unit alone is removed (occlusion)."""
    x = _np(x).astype(np.float32)
    norm_mean = model_norm_mean(model) if norm_mean is None else np.asarray(norm_mean, np.float32)
    n, b, t = x.shape
    n_units = {"feature": b * t, "date": t, "band": b}[unit]
    p0 = target_probability(model, x, target, batch_size)
    out = np.empty((n, n_units))
    for u in range(n_units):
        sel = np.zeros((n, n_units), bool)
        sel[:, u] = True
        out[:, u] = p0 - target_probability(model, replace(x, unit_mask(sel, x.shape, unit), baseline, norm_mean,
                                                           times), target, batch_size)
    return out


def band_ablation_importance(model, x, y, baseline: str = "mean", norm_mean=None, times=None,
                             batch_size: int = 1024) -> dict:
    """Drop each band (all its dates replaced by ``baseline``) and measure the loss of accuracy on labels ``y``
    (class indices), and the mean drop of the true-class probability (finer, fewer ties)."""
    x = _np(x).astype(np.float32)
    y = _np(y).astype(np.int64)
    norm_mean = model_norm_mean(model) if norm_mean is None else np.asarray(norm_mean, np.float32)
    pred, prob = _predict(model, x, batch_size)
    acc0 = float((pred == y).mean())
    p0 = prob[np.arange(len(y)), y]
    d_acc, d_prob = [], []
    n, b, t = x.shape
    for band in range(b):
        removed = np.zeros(x.shape, bool)
        removed[:, band, :] = True
        pb, prb = _predict(model, replace(x, removed, baseline, norm_mean, times), batch_size)
        d_acc.append(acc0 - float((pb == y).mean()))
        d_prob.append(float((p0 - prb[np.arange(len(y)), y]).mean()))
    return {"accuracy": acc0, "delta_accuracy": np.asarray(d_acc), "delta_probability": np.asarray(d_prob)}


# ---------------------------------------------------------------------------------------------
# rank correlation, sanity check
# ---------------------------------------------------------------------------------------------
def _rankdata_rows(a: np.ndarray) -> np.ndarray:
    """Average ranks (ties share their mean rank) along the last axis."""
    a = np.asarray(a, np.float64)
    try:
        from scipy.stats import rankdata

        return rankdata(a, axis=-1)
    except ImportError:  # numpy only
        flat = a.reshape(-1, a.shape[-1])
        out = np.empty_like(flat)
        for i, row in enumerate(flat):
            order = np.argsort(row, kind="mergesort")
            sorted_row = row[order]
            ranks = np.empty(len(row))
            start = 0
            while start < len(row):
                stop = start
                while stop + 1 < len(row) and sorted_row[stop + 1] == sorted_row[start]:
                    stop += 1
                ranks[start:stop + 1] = (start + stop) / 2 + 1
                start = stop + 1
            out[i, order] = ranks
        return out.reshape(a.shape)


def spearman_rows(a, b) -> np.ndarray:
    """Spearman rank correlation of each row of ``a`` with the same row of ``b`` ((N, F) each, or (F,)).
    NaN where a row is constant (no ranking to compare)."""
    a = _np(a).astype(np.float64)
    b = _np(b).astype(np.float64)
    if a.ndim == 1:
        a, b = a[None], b[None]
    a, b = a.reshape(len(a), -1), b.reshape(len(b), -1)
    ra, rb = _rankdata_rows(a), _rankdata_rows(b)
    ra -= ra.mean(1, keepdims=True)
    rb -= rb.mean(1, keepdims=True)
    den = np.sqrt((ra ** 2).sum(1) * (rb ** 2).sum(1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, (ra * rb).sum(1) / np.where(den > 0, den, 1), np.nan)


def spearman(a, b) -> float:
    """Spearman rank correlation of two 1-D rankings / scores."""
    return float(spearman_rows(np.ravel(_np(a)), np.ravel(_np(b)))[0])


def randomisable_layers(model) -> list[str]:
    """Names of the model's top-level children that hold parameters, top (output) first."""
    names = [name for name, child in model.named_children() if any(True for _ in child.parameters())]
    return names[::-1]


def _randomise(module, seed: int) -> None:
    torch = import_torch()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        for sub in module.modules():
            if hasattr(sub, "reset_parameters") and callable(sub.reset_parameters):
                sub.reset_parameters()  # the layer's own initialisation (BatchNorm: identity, fresh statistics)
        for p in module.parameters(recurse=True):  # BatchNorm's reset is not random: perturb it too
            if p.dim() == 1 and torch.all(p == p.flatten()[0]):
                p.data.normal_(float(p.flatten()[0]), 0.5)


def cascading_randomisation(model, explain_fn: Callable, x, target, layers: Optional[Sequence[str]] = None,
                            seed: int = 0, absolute: bool = False) -> list[dict]:
    """Adebayo et al.'s cascading randomisation: re-initialise the layers ``layers`` (default
    :func:`randomisable_layers`, top first) one after the other, cumulatively, on a copy of the model, and after
    each step compare ``explain_fn(model, x, target)`` ((N, ...) per sample) with the original explanation by
    Spearman rank correlation per sample. Returns one entry per step (the first is the original model, 1.0):
    ``{"layer", "spearman_mean", "spearman_std", "spearman_median", "n_undefined"}`` (undefined: a constant
    explanation, e.g. an all-zero ReLU Grad-CAM, has no ranking; left out of the mean, counted).
    ``absolute``: compare |explanations| (Adebayo report both)."""
    work = copy.deepcopy(model).eval()
    layers = randomisable_layers(work) if layers is None else list(layers)
    prep = (lambda e: np.abs(_np(e))) if absolute else _np
    original = prep(explain_fn(work, x, target)).reshape(len(_np(x)), -1)

    def entry(name, explanation):
        rho = spearman_rows(original, prep(explanation).reshape(len(original), -1))
        ok = rho[np.isfinite(rho)]
        return {"layer": name, "spearman_mean": float(ok.mean()) if ok.size else float("nan"),
                "spearman_std": float(ok.std()) if ok.size else float("nan"),
                "spearman_median": float(np.median(ok)) if ok.size else float("nan"),
                "n_undefined": int((~np.isfinite(rho)).sum())}

    out = [entry("none (trained model)", original)]
    for step, name in enumerate(layers):
        _randomise(work.get_submodule(name), seed + step)
        work.eval()
        out.append(entry(name, explain_fn(work, x, target)))
    return out


def randomisation_passes(final_spearman: float, max_abs: float = 0.2) -> bool:
    """The sanity check's verdict: the explanation of the fully randomised model is unrelated to the
    original one (|Spearman| <= ``max_abs``). NaN (no ranking to compare, e.g. an all-zero map) fails."""
    value = float(final_spearman)
    return bool(np.isfinite(value) and abs(value) <= max_abs)


def beats_random(test: dict, p_max: float = 0.01) -> bool:
    """A paired test's verdict (:func:`paired_test`): significant in the tested direction at ``p_max``.
    A NaN p-value (no difference at all, or non-finite values) fails."""
    p = float(test.get("wilcoxon_p", float("nan")))
    if not np.isfinite(p):
        p = float(test.get("sign_test_p", float("nan")))
    return bool(np.isfinite(p) and p < p_max)


# ---------------------------------------------------------------------------------------------
# infidelity by unit (captum.metrics.infidelity on whole dates / bands)
# ---------------------------------------------------------------------------------------------
def unit_infidelity(model, x, attributions, target, unit: str, baseline: str = "interp", norm_mean=None,
                    times=None, background=None, n_perturb_samples: int = 20, removal_probability: float = 0.5,
                    normalize: bool = True, seed: int = 0) -> np.ndarray:
    """(N,) ``captum.metrics.infidelity`` (Yeh et al. 2019) of per-unit attributions (N, U), units = dates or
    bands: the players of captum's game are the units' presence (inputs all 1, baseline all 0), a perturbation
    removes each unit with ``removal_probability`` (replaced by ``baseline`` as in :func:`replace`), and
    infidelity = E[(sum of the removed units' attributions - (p(target | x) - p(target | x without them)))^2].
    ``normalize``: captum's optimal rescaling of the attributions first (so a map in other units, or one off
    by a constant factor, is not penalised for its scale). Lower = the attributions predict removals better."""
    from captum.metrics import infidelity

    torch = import_torch()
    x = _np(x).astype(np.float32)
    a = torch.as_tensor(_np(attributions).astype(np.float32))
    norm_mean = model_norm_mean(model) if norm_mean is None else np.asarray(norm_mean, np.float32)
    n_units = {"date": x.shape[2], "band": x.shape[1]}[unit]
    if a.shape != (len(x), n_units):
        raise ValueError(f"attributions must be (N, {n_units}) per {unit}, got {tuple(a.shape)}")
    index = torch.arange(len(x))
    target = torch.as_tensor(np.broadcast_to(_np(target), (len(x),)).astype(np.int64))

    def forward(presence, rows):
        rows = rows.numpy()
        removed = unit_mask(presence.numpy() < 0.5, (len(rows),) + x.shape[1:], unit)
        bg = None if background is None else np.asarray(background, np.float32)[rows]
        moved = replace(x[rows], removed, baseline, norm_mean, times, bg)
        with torch.no_grad():
            return torch.softmax(model(torch.from_numpy(moved)), dim=1)

    generator = torch.Generator().manual_seed(int(seed))

    def perturb(inputs):
        drop = (torch.rand(inputs.shape, generator=generator) < removal_probability).to(inputs.dtype)
        return drop, inputs - drop

    model.eval()
    values = infidelity(forward, perturb, torch.ones((len(x), n_units)), a, additional_forward_args=(index,),
                        target=target, n_perturb_samples=n_perturb_samples, normalize=normalize)
    return values.detach().numpy().astype(np.float64)


# ---------------------------------------------------------------------------------------------
# baseline sensitivity: how much an explanation moves when its baseline / background / refill changes
# ---------------------------------------------------------------------------------------------
def baseline_sensitivity(reference, alternative) -> dict:
    """How far an explanation moves when only its baseline changes: ``reference`` and ``alternative`` are the
    same pixels' (N, units) attributions under the method's own baseline and under another valid one.

    ``spearman``: mean over pixels of the rank agreement (1 = same ranking; pixels whose ranking is undefined
    in either, e.g. all-zero rows, are left out and counted in ``n_undefined``); ``relative_l1``: the total
    absolute change over the total absolute reference, sum_i |a'_i - a_i|_1 / sum_i |a_i|_1 (0 = unchanged; a
    ratio of totals, not a mean of per-pixel ratios, which near-zero pixels would rule). A method that ignores
    its baseline scores 1 and 0."""
    a = _np(reference).astype(np.float64)
    b = _np(alternative).astype(np.float64)
    if a.shape != b.shape:
        raise ValueError(f"the two explanations differ in shape: {a.shape} and {b.shape}")
    a, b = a.reshape(len(a), -1), b.reshape(len(b), -1)
    rho = spearman_rows(a, b)
    ok = rho[np.isfinite(rho)]
    total = float(np.abs(a).sum())
    return {"spearman": float(ok.mean()) if ok.size else float("nan"),
            "relative_l1": float(np.abs(b - a).sum() / total) if total > 0 else float("nan"),
            "n_undefined": int((~np.isfinite(rho)).sum()), "n": int(len(a))}


# ---------------------------------------------------------------------------------------------
# ground truth: planted signals
# ---------------------------------------------------------------------------------------------
def precision_at_k(attributions, truth, k: Optional[int] = None, absolute: bool = True,
                   seed: int = 0) -> np.ndarray:
    """(N,) share of each sample's top-k units that are in ``truth`` (bool, the trailing shape of the
    attributions). ``k`` defaults to the number of true units. Ties are broken at random (seeded): a constant
    explanation (e.g. an all-zero ReLU Grad-CAM) scores at chance level, not by the index order."""
    a = _np(attributions).astype(np.float64)
    truth = np.asarray(truth, bool).ravel()
    a = a.reshape(len(a), -1)
    if a.shape[1] != truth.size:
        raise ValueError(f"attributions have {a.shape[1]} units per sample, truth {truth.size}")
    k = int(truth.sum()) if k is None else int(k)
    if k < 1:
        raise ValueError("k must be >= 1 (and truth must hold a true unit)")
    score = np.abs(a) if absolute else a
    top = np.argsort(rank_order(score, seed), axis=1)[:, :k]
    return truth[top].mean(1)


def pointing_game(attributions, truth, absolute: bool = True, seed: int = 0) -> np.ndarray:
    """(N,) bool: the top-ranked unit of each sample is a true one (ties at random)."""
    return precision_at_k(attributions, truth, k=1, absolute=absolute, seed=seed) == 1.0


def relevance_share(relevance, units: Sequence[int], absolute: bool = True) -> np.ndarray:
    """(N,) share of each sample's total (|.|) relevance (N, n_units) that falls on ``units``; NaN if all 0."""
    r = _np(relevance).astype(np.float64)
    r = np.abs(r) if absolute else np.clip(r, 0, None)
    total = r.sum(1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, r[:, list(units)].sum(1) / np.where(total > 0, total, 1), np.nan)


# ---------------------------------------------------------------------------------------------
# verdicts: the benchmark's judgement of a method, as it travels with a model file
# ---------------------------------------------------------------------------------------------
def stored_verdict(bundle, method: str) -> Optional[str]:
    """The one-sentence verdict on ``method`` stored in a model file (``ModelBundle.explanation_quality``,
    written by ``benchmarks/xai.py``), e.g. "passes: deletion 0.21 vs random 0.40"; None when not measured."""
    quality = getattr(bundle, "explanation_quality", None) or {}
    entry = (quality.get("methods") or {}).get(method) if isinstance(quality, dict) else None
    if not isinstance(entry, dict):
        return None
    return str(entry.get("summary") or entry.get("verdict") or "") or None
