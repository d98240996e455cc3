"""How good are the plugin's explanations? Faithfulness, sanity, ground truth, attention check, cloudy dates.

    python benchmarks/explanation_quality.py --out benchmarks/results/explanation_quality.json

Writes the JSON and a Markdown summary beside it (same name, .md; a hand-written block between
``<!-- notes -->`` and ``<!-- /notes -->`` in an existing summary is kept), and prints the tables. About 2 min
on 2 cores (1 torch thread). Sections:
1. Faithfulness on the real sample (bundled model, a stratified seeded sample of labelled pixels, target = the
   predicted class): deletion / insertion AUC of the target probability for Grad-CAM (the plugin's ReLU
   Grad-CAM, plus two diagnostic variants: |Grad-CAM without ReLU| and HiResCAM), band attention, Integrated
   Gradients, GradientShap, Shapley value sampling (SHAP over band / date groups), single-unit occlusion (a
   reference, not an explainer of the plugin) and random orders; units = whole dates, whole bands, single
   (band, date) features; baselines = per-band training mean and linear interpolation in time. Several pixel
   sample seeds: mean +- std over seeds.
2. Sanity check: cascading randomisation of the bundled model's layers (top first), Spearman rank correlation
   between the original and the randomised explanation, per step.
3. Planted signal: small attention / TempCNN models trained on ``make_planted_signal_arrays`` (3 seeds);
   precision at k and pointing game of each method for the planted band and dates.
4. Attention vs band ablation vs SHAP by band on the bundled model (Spearman between the band rankings).
5. Cloudy dates (2015-07-31, 2015-08-20): share of each method's temporal relevance on them, against the
   model's own dependence measured by occlusion.
"""
from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from land_cover_xai_plugin.engine.accuracy.metrics import accuracy_report  # noqa: E402
from land_cover_xai_plugin.engine.data import windows  # noqa: E402
from land_cover_xai_plugin.engine.explain import attribution, evaluation as ev, gradcam  # noqa: E402
from land_cover_xai_plugin.engine.explain.pixel import grouped_shapley  # noqa: E402
from land_cover_xai_plugin.engine.models.model_file import load_model  # noqa: E402
from land_cover_xai_plugin.engine.runtime import import_torch  # noqa: E402
from land_cover_xai_plugin.engine.io.stack import open_stack  # noqa: E402
from land_cover_xai_plugin.engine.data.synthetic import make_planted_signal_arrays  # noqa: E402
from land_cover_xai_plugin.engine.training.trainer import TrainConfig, train_on_arrays  # noqa: E402

SAMPLE = ROOT / "land_cover_xai_plugin" / "sample_data"
CLOUDY = ("2015-07-31", "2015-08-20")
NOTES_BEGIN, NOTES_END = "<!-- notes -->", "<!-- /notes -->"
torch = import_torch()


# ---------------------------------------------------------------------------------------------
# data and explainers
# ---------------------------------------------------------------------------------------------
def load_sample():
    """The bundled model and every pixel of the sample as the plugin feeds them to it (data/windows.py: band
    order, no-data, gap filling), with the labels as class indices (-1 = none or invalid)."""
    from osgeo import gdal

    bundle = load_model(str(SAMPLE / "sample_model.lcx"))
    stack = open_stack(str(SAMPLE / "s2_l1c_stack.tif"))
    whole = windows.Window(0, 0, stack.width, stack.height)
    prepared = windows.prepare(stack, whole, windows.InputSpec.for_model(bundle, stack, min_valid_dates=2))
    x, valid = prepared.pixels, prepared.valid
    stack.close()
    labels = gdal.Open(str(SAMPLE / "labels_lulc.tif")).ReadAsArray().reshape(-1)
    ids = bundle.class_ids
    keep = valid & np.isin(labels, ids)
    y = np.full(labels.shape, -1, np.int64)
    y[keep] = [ids.index(int(c)) for c in labels[keep]]
    return bundle, x, y, keep


def overall_accuracy(y_true, y_pred) -> float:
    """Overall accuracy by accuracy/metrics.py (the plugin's one implementation), over every class seen."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    return accuracy_report(y_true, y_pred, np.union1d(y_true, y_pred)).overall_accuracy


def stratified(y, keep, per_class, seed):
    """Up to ``per_class`` seeded pixel indices of each class among ``keep``."""
    rng = np.random.default_rng(seed)
    out = []
    for c in np.unique(y[keep]):
        idx = np.flatnonzero(keep & (y == c))
        out.append(rng.choice(idx, size=min(per_class, idx.size), replace=False))
    return np.sort(np.concatenate(out))


def shapley(model, x, targets, baseline, by, n_samples, seed):
    """Shapley value sampling over band (or date) groups, (N, B) or (N, T): the pixel view's
    ``explain.pixel.grouped_shapley`` on a batch."""
    return grouped_shapley(attribution.probability_of(model), x, baseline, targets, by, "shapley_sampling",
                           n_samples, seed, perturbations_per_eval=4)


def gradcam_per_target(model, x, targets, variant: str = "gradcam"):
    """Grad-CAM-family relevance per date (N, T) for one target class per pixel (the randomised models of the sanity
    check keep the trained model's targets). ``variant``: ``"gradcam"`` = the plugin's ReLU Grad-CAM (same formula as
    ``gradcam.gradcam_from``); ``"gradcam_abs"`` = |Grad-CAM without the ReLU|; ``"hirescam"`` = sum over
    channels of gradient x activation, no time-averaged weights (HiResCAM, Draelos & Carin 2020), signed."""
    logits, activation = gradcam.logits_and_activation(model, x)
    targets = torch.as_tensor(np.asarray(targets), dtype=torch.long).expand(len(x))
    (grad,) = torch.autograd.grad(logits.gather(1, targets[:, None]).sum(), activation)
    activation = activation.detach()
    if variant == "gradcam":
        return gradcam.gradcam_from(activation, grad, n_dates=x.shape[2])
    if variant == "gradcam_abs":
        cam = (grad.mean(2, keepdim=True) * activation).sum(1).abs()
    elif variant == "hirescam":
        cam = (grad * activation).sum(1)
    else:
        raise ValueError(variant)
    if cam.shape[1] != x.shape[2]:
        cam = torch.nn.functional.interpolate(cam[:, None], size=x.shape[2], mode="linear",
                                              align_corners=False)[:, 0]
    return cam


def explain_all(model, spec, x, targets, references, args, seed, with_shapley=True):
    """Every explanation of the batch, as numpy: per date (N, T), per band (N, B) or per feature (N, B, T)."""
    n_dates = x.shape[2]
    base = torch.as_tensor(attribution.mean_baseline(spec.norm_mean, n_dates))
    out = {v: gradcam_per_target(model, x, targets, v).numpy() for v in ("gradcam", "gradcam_abs", "hirescam")}
    if spec.arch == "attention":
        out["attention"] = model.last_band_attention.numpy()
    out["ig"] = attribution.integrated_gradients(model, x, targets, base, n_steps=args.ig_steps).numpy()
    out["gradshap"] = attribution.gradient_shap(model, x, targets, references, n_samples=args.gs_samples,
                                                seed=seed).numpy()
    if with_shapley:
        out["shapley_band"] = shapley(model, x, targets, base, "band", args.sv_samples, seed)
        out["shapley_date"] = shapley(model, x, targets, base, "date", args.sv_samples, seed)
    return out


def as_feature(expl, name, shape):
    """An explanation as (N, B, T) attributions for the deletion / insertion ranking."""
    e = expl[name]
    if name in ("gradcam", "gradcam_abs", "hirescam", "shapley_date", "occlusion_date"):
        return ev.broadcast(e, shape, "date")
    if name in ("attention", "shapley_band", "occlusion_band"):
        return ev.broadcast(e, shape, "band")
    return e


UNIT_METHODS = {
    "date": ["gradcam", "gradcam_abs", "hirescam", "ig", "gradshap", "shapley_date", "occlusion_date"],
    "band": ["attention", "ig", "gradshap", "shapley_band", "occlusion_band"],
    "feature": ["ig", "gradshap"],
}


def mean_std(values):
    """Mean and std over seeds of the finite values, with the per-seed values."""
    v = np.asarray(values, np.float64)
    v = v[np.isfinite(v)]
    return {"mean": float(v.mean()) if v.size else None, "std": float(v.std()) if v.size else None,
            "per_seed": [float(a) for a in values]}


def fmt(ms, digits=3):
    """"mean ± std" of a ``mean_std`` result, or n/a."""
    if ms is None or ms.get("mean") is None:
        return "n/a"
    return f"{ms['mean']:.{digits}f} ± {ms['std']:.{digits}f}"


# ---------------------------------------------------------------------------------------------
# sections
# ---------------------------------------------------------------------------------------------
def faithfulness(model, bundle, x_all, y, keep, args, log):
    """Section 1 (and the cloudy-date shares of section 5): deletion / insertion AUCs per method, unit and
    baseline, for each pixel-sample seed, aggregated over seeds."""
    spec = bundle.spec
    times = np.asarray(bundle.day_of_year, np.float32)
    per_seed = []
    shares = []
    for seed in args.seeds:
        idx = stratified(y, keep, args.per_class, seed)
        x = torch.as_tensor(x_all[idx])
        pred, _ = ev._predict(model, x)
        targets = torch.as_tensor(pred)
        rng = np.random.default_rng([seed, 7])
        pool = np.flatnonzero(keep)
        refs = np.concatenate([attribution.mean_baseline(spec.norm_mean, spec.n_dates),
                               x_all[rng.choice(pool, args.gs_references, replace=False)]])
        t0 = time.perf_counter()
        expl = explain_all(model, spec, x, targets, torch.as_tensor(refs), args, seed)
        explain_s = time.perf_counter() - t0
        result = {"seed": seed, "n_pixels": int(len(idx)), "explain_s": round(explain_s, 1),
                  "class_counts": {bundle.classes[c].name: int((y[idx] == c).sum()) for c in np.unique(y[idx])},
                  "accuracy_on_sample": overall_accuracy(y[idx], pred), "curves": {}}
        for baseline in ("mean", "interp"):
            occ = {u: ev.occlusion(model, x, pred, u, baseline, times=times) for u in ("date", "band")}
            expl_b = dict(expl, occlusion_date=occ["date"], occlusion_band=occ["band"])
            for unit, methods in UNIT_METHODS.items():
                if unit == "band" and baseline == "interp":
                    continue  # a whole band removed has no date left: interp falls back to the mean (same table)
                key = f"{unit}/{baseline}"
                row = {}
                for m in methods:
                    c = ev.deletion_insertion_curves(model, x, as_feature(expl_b, m, x.shape), pred, baseline,
                                                     unit=unit, times=times, seed=seed)
                    row[m] = c.summary()
                row["random"] = ev.random_order_auc(model, x, pred, baseline, unit, n_orders=args.random_orders,
                                                    times=times, seed=seed)
                result["curves"][key] = row
            if baseline == "interp":
                expl["occlusion_date_interp"] = occ["date"]
            else:
                expl["occlusion_date_mean"] = occ["date"]
        # cloudy-date shares (section 5)
        cloudy = [bundle.dates.index(d) for d in CLOUDY]
        by_date = {"gradcam": expl["gradcam"], "gradcam_abs": expl["gradcam_abs"], "hirescam": expl["hirescam"],
                   "ig": expl["ig"].sum(1), "gradshap": expl["gradshap"].sum(1),
                   "shapley_date": expl["shapley_date"], "occlusion (interp)": expl["occlusion_date_interp"],
                   "occlusion (mean)": expl["occlusion_date_mean"]}
        shares.append({m: float(np.nanmean(ev.relevance_share(v, cloudy))) for m, v in by_date.items()})
        shares[-1]["_mean_relevance_per_date"] = {
            m: np.nanmean(np.abs(v) / np.abs(v).sum(1, keepdims=True).clip(1e-12), 0).round(4).tolist()
            for m, v in by_date.items()}
        per_seed.append(result)
        log(f"  faithfulness seed {seed}: {len(idx)} px, explanations {explain_s:.1f}s")
    # aggregate over seeds
    table = {}
    for key in per_seed[0]["curves"]:
        table[key] = {}
        for m in per_seed[0]["curves"][key]:
            table[key][m] = {k: mean_std([r["curves"][key][m][k] for r in per_seed])
                             for k in ("deletion_auc", "insertion_auc")}
    cloud = {m: mean_std([s[m] for s in shares]) for m in shares[0] if not m.startswith("_")}
    return {"per_seed": per_seed, "table": table}, {
        "cloudy_dates": list(CLOUDY), "uniform_share": len(CLOUDY) / spec.n_dates, "share": cloud,
        "mean_relevance_per_date_seed0": shares[0]["_mean_relevance_per_date"], "dates": bundle.dates,
        "note": "share of |relevance per date| on the cloudy dates, mean over pixels; Grad-CAM is ReLU'd (>= 0); "
                "IG / GradientShap summed over bands per date; occlusion = drop of the target probability when "
                "that date alone is removed: what the model actually depends on"}


def sanity(model, bundle, x_all, y, keep, args, log):
    """Section 2: cascading randomisation of the layers, Spearman against the trained model's explanations."""
    spec = bundle.spec
    idx = stratified(y, keep, args.per_class, 0)
    idx = np.sort(np.random.default_rng(5).choice(idx, min(args.sanity_pixels, idx.size), replace=False))
    x = torch.as_tensor(x_all[idx])
    pred, _ = ev._predict(model, x)
    targets = torch.as_tensor(pred)
    base = torch.as_tensor(attribution.mean_baseline(spec.norm_mean, spec.n_dates))
    refs = torch.as_tensor(np.concatenate([base.numpy(), x_all[np.random.default_rng(3).choice(
        np.flatnonzero(keep), args.gs_references, replace=False)]]))
    fns = {
        "gradcam": lambda m, xx, t: gradcam_per_target(m, xx, t),
        "hirescam": lambda m, xx, t: gradcam_per_target(m, xx, t, "hirescam"),
        "ig": lambda m, xx, t: attribution.integrated_gradients(m, xx, torch.as_tensor(t), base,
                                                                n_steps=args.ig_steps),
        "gradshap": lambda m, xx, t: attribution.gradient_shap(m, xx, torch.as_tensor(t), refs,
                                                               n_samples=args.gs_samples, seed=0),
        "shapley_date": lambda m, xx, t: shapley(m, xx, torch.as_tensor(t), base, "date", args.sv_samples, 0),
    }
    if spec.arch == "attention":
        def att(m, xx, t):
            m(xx)
            return m.last_band_attention
        fns["attention"] = att
    out = {"n_pixels": int(len(idx)), "layers_top_first": ev.randomisable_layers(model), "methods": {}}
    for name, fn in fns.items():
        steps = ev.cascading_randomisation(model, fn, x, pred, seed=0)
        steps_abs = ev.cascading_randomisation(model, fn, x, pred, seed=0, absolute=True)
        for s, sa in zip(steps, steps_abs):
            s["spearman_abs_mean"] = sa["spearman_mean"]
        out["methods"][name] = steps
    # noise ceiling of the stochastic method: GradientShap with another seed on the same trained model
    gs0 = fns["gradshap"](model, x, pred).numpy()
    gs1 = attribution.gradient_shap(model, x, targets, refs, n_samples=args.gs_samples, seed=1).numpy()
    out["gradshap_seed_to_seed_spearman"] = float(np.nanmean(ev.spearman_rows(gs0.reshape(len(x), -1),
                                                                              gs1.reshape(len(x), -1))))
    log(f"  sanity: {len(idx)} px, {len(out['layers_top_first'])} layers")
    return out


def planted(args, log):
    """Section 3: models trained on a planted signal; precision at k and pointing game per method."""
    nb, nt = args.planted_bands, args.planted_dates
    pb, pd = [nb // 2], [nt // 2 - 1, nt // 2]
    truth = np.zeros((nb, nt), bool)
    truth[np.ix_(pb, pd)] = True
    band_truth, date_truth = truth.any(1), truth.any(0)
    runs = {}
    for arch in ("attention", "tempcnn"):
        runs[arch] = []
        for seed in range(args.planted_seeds):
            x, y = make_planted_signal_arrays(args.planted_n, nb, nt, pb, pd, seed=seed, delta=args.planted_delta)
            cfg = TrainConfig(arch=arch, epochs=args.planted_epochs, patience=8, batch_size=128, seed=seed,
                              test_fraction=0.0, threads=1, band_width=8, fusion_width=32, conv_width=32,
                              dense_width=64)
            t0 = time.perf_counter()
            bundle = train_on_arrays(x, y + 1, {1: "plain", 2: "planted"}, cfg)
            train_s = time.perf_counter() - t0
            model = bundle.build()
            gradcam.freeze(model)
            xt, yt = make_planted_signal_arrays(2 * args.planted_test, nb, nt, pb, pd, seed=1000 + seed,
                                                delta=args.planted_delta)
            acc = overall_accuracy(yt, ev._predict(model, xt)[0])
            xp = torch.as_tensor(xt[yt == 1][: args.planted_test])
            targets = torch.ones(len(xp), dtype=torch.long)
            refs = torch.as_tensor(np.concatenate([attribution.mean_baseline(bundle.spec.norm_mean, nt),
                                                   xt[:args.gs_references]]))
            e = explain_all(model, bundle.spec, xp, targets, refs, args, seed)
            ablation = ev.band_ablation_importance(model, xt, yt)
            r = {"seed": seed, "test_accuracy": acc, "train_s": round(train_s, 1), "feature": {}, "date": {},
                 "band": {}}

            def scores(v, t, seed=seed):
                return {"precision_at_k": float(ev.precision_at_k(v, t, absolute=False, seed=seed).mean()),
                        "precision_at_k_abs": float(ev.precision_at_k(v, t, seed=seed).mean()),
                        "pointing_game": float(ev.pointing_game(v, t, absolute=False, seed=seed).mean())}

            for m in ("ig", "gradshap"):
                r["feature"][m] = scores(e[m], truth)
            dates = {"gradcam": e["gradcam"], "gradcam_abs": e["gradcam_abs"], "hirescam": e["hirescam"],
                     "ig": e["ig"].sum(1), "gradshap": e["gradshap"].sum(1),
                     "shapley_date": e["shapley_date"]}
            near = date_truth | np.roll(date_truth, 1) | np.roll(date_truth, -1)  # planted dates +- 1 date
            for m, v in dates.items():
                r["date"][m] = scores(v, date_truth)
                r["date"][m]["pointing_game_pm1"] = float(ev.pointing_game(v, near, absolute=False,
                                                                           seed=seed).mean())
            r["gradcam_all_zero_share"] = float((e["gradcam"].max(1) <= 0).mean())
            cam_share = e["gradcam"] / e["gradcam"].sum(1, keepdims=True).clip(1e-12)
            r["gradcam_mean_per_date"] = cam_share.mean(0).round(3).tolist()
            bands = {"ig": e["ig"].sum(2), "gradshap": e["gradshap"].sum(2), "shapley_band": e["shapley_band"]}
            if "attention" in e:
                bands["attention"] = e["attention"]
            for m, v in bands.items():
                r["band"][m] = {"pointing_game": float(ev.pointing_game(v, band_truth, absolute=False,
                                                                        seed=seed).mean())}
            r["band"]["band_ablation (global)"] = {
                "pointing_game": float(ev.pointing_game(ablation["delta_probability"][None], band_truth)[0])}
            runs[arch].append(r)
            log(f"  planted {arch} seed {seed}: acc {acc:.3f}, trained in {train_s:.1f}s")
    summary = {}
    for arch, rs in runs.items():
        summary[arch] = {"test_accuracy": mean_std([r["test_accuracy"] for r in rs]),
                         "gradcam_all_zero_share": mean_std([r["gradcam_all_zero_share"] for r in rs])}
        for level in ("feature", "date", "band"):
            for m in rs[0][level]:
                for metric in rs[0][level][m]:
                    summary[arch][f"{level}/{m}/{metric}"] = mean_std([r[level][m][metric] for r in rs])
    return {"n_bands": nb, "n_dates": nt, "planted_bands": pb, "planted_dates": pd, "delta": args.planted_delta,
            "k": {"feature": int(truth.sum()), "date": int(date_truth.sum())},
            "note": "planted-class test pixels, target = planted class; units ranked by signed attribution (positive "
                    "evidence first; Grad-CAM and attention are >= 0), *_abs by |attribution|; ties at random; "
                    "precision_at_k with k = number of planted units; pointing game = top-1 unit is planted; "
                    "pointing_game_pm1 = top date within one date of a planted one; "
                    "band ablation is one global ranking per model",
            "runs": runs, "summary": summary}


def attention_check(model, bundle, x_all, y, keep, args, log):
    """Section 4: band rankings of attention, band ablation, SHAP and IG, compared by Spearman."""
    spec = bundle.spec
    x = x_all[keep]
    yy = y[keep]
    out = {"n_pixels_ablation": int(len(x)), "bands": bundle.bands}
    ablation = ev.band_ablation_importance(model, x, yy)
    with torch.no_grad():
        for s in range(0, len(x), 1024):
            model(torch.as_tensor(x[s:s + 1024]))
            out.setdefault("_att", []).append(model.last_band_attention.numpy())
    attention = np.concatenate(out.pop("_att")).mean(0)
    idx = stratified(y, keep, args.per_class, 0)
    xs = torch.as_tensor(x_all[idx])
    pred, _ = ev._predict(model, xs)
    base = torch.as_tensor(attribution.mean_baseline(spec.norm_mean, spec.n_dates))
    shap_band = np.abs(shapley(model, xs, torch.as_tensor(pred), base, "band", args.sv_samples, 0)).mean(0)
    ig_band = np.abs(attribution.integrated_gradients(model, xs, torch.as_tensor(pred), base,
                                                      n_steps=args.ig_steps).numpy().sum(2)).mean(0)
    rankings = {"attention (mean weight)": attention, "ablation Δaccuracy": ablation["delta_accuracy"],
                "ablation Δp(true class)": ablation["delta_probability"], "SHAP by band (mean |.|)": shap_band,
                "IG by band (mean |.|)": ig_band}
    names = list(rankings)
    out["values"] = {k: np.round(v, 5).tolist() for k, v in rankings.items()}
    out["accuracy_all_labelled"] = ablation["accuracy"]
    out["spearman"] = {f"{a} vs {b}": ev.spearman(rankings[a], rankings[b])
                       for i, a in enumerate(names) for b in names[i + 1:]}
    out["top3"] = {k: [bundle.bands[i] for i in np.argsort(-v)[:3]] for k, v in rankings.items()}
    log("  attention vs ablation vs SHAP done")
    return out


def cloudy_dependence(model, bundle, x_all, y, keep):
    """Does the model itself depend on the cloudy dates? Accuracy and predictions on every labelled pixel with
    the two cloudy dates replaced by interpolation in time from the clear dates (what a cloud mask + gap-fill
    would feed it)."""
    x = x_all[keep]
    yy = y[keep]
    cloudy = [bundle.dates.index(d) for d in CLOUDY]
    removed = np.zeros(x.shape, bool)
    removed[:, :, cloudy] = True
    x_fill = ev.replace(x, removed, "interp", bundle.spec.norm_mean, np.asarray(bundle.day_of_year, np.float32))
    pred0, p0 = ev._predict(model, x)
    pred1, p1 = ev._predict(model, x_fill)
    rows = np.arange(len(x))
    return {"n_pixels": int(len(x)), "accuracy": overall_accuracy(yy, pred0),
            "accuracy_cloudy_dates_interpolated": overall_accuracy(yy, pred1),
            "prediction_changed_share": float((pred0 != pred1).mean()),
            "mean_abs_delta_p_predicted": float(np.abs(p0[rows, pred0] - p1[rows, pred0]).mean())}


# ---------------------------------------------------------------------------------------------
# report
# ---------------------------------------------------------------------------------------------
def tables(result) -> list[str]:
    """The Markdown tables of every section."""
    lines = []
    f = result["faithfulness"]["table"]
    lines.append("### 1. Faithfulness on the real sample (mean ± std over pixel-sample seeds "
                 f"{result['config']['seeds']}; deletion AUC lower = better, insertion higher = better)")
    for key, row in f.items():
        lines += ["", f"**unit = {key.split('/')[0]}, baseline = {key.split('/')[1]}**", "",
                  "| method | deletion AUC ↓ | insertion AUC ↑ |", "|---|---|---|"]
        for m, v in row.items():
            lines.append(f"| {m} | {fmt(v['deletion_auc'])} | {fmt(v['insertion_auc'])} |")
    s = result["sanity"]
    lines += ["", f"### 2. Cascading randomisation (top layer first; Spearman with the trained model's explanation, "
                  f"mean over {s['n_pixels']} px; |.| in brackets; n/a = explanation constant)", ""]
    methods = list(s["methods"])
    lines.append("| randomised up to | " + " | ".join(methods) + " |")
    lines.append("|---" * (len(methods) + 1) + "|")
    for i, step in enumerate(s["methods"][methods[0]]):
        cells = []
        for m in methods:
            st = s["methods"][m][i]
            a, b = st["spearman_mean"], st["spearman_abs_mean"]
            cells.append(("n/a" if a != a else f"{a:.2f}") + " (" + ("n/a" if b != b else f"{b:.2f}") + ")"
                         + (f" [{st['n_undefined']} const]" if st["n_undefined"] else ""))
        lines.append(f"| {step['layer']} | " + " | ".join(cells) + " |")
    lines.append(f"\nGradientShap seed-to-seed Spearman on the trained model (its noise ceiling): "
                 f"{s['gradshap_seed_to_seed_spearman']:.2f}")
    p = result["planted"]
    lines += ["", f"### 3. Planted signal ({p['n_bands']} bands × {p['n_dates']} dates, band {p['planted_bands']}, "
                  f"dates {p['planted_dates']}, +{p['delta']}; mean ± std over seeds)", "",
              "| metric | " + " | ".join(p["summary"]) + " |", "|---" * (len(p["summary"]) + 1) + "|"]
    keys = []
    for arch in p["summary"]:
        keys += [k for k in p["summary"][arch] if k not in keys]
    for k in keys:
        lines.append(f"| {k} | " + " | ".join(fmt(p["summary"][a].get(k), 2) for a in p["summary"]) + " |")
    a = result["attention_check"]
    lines += ["", "### 4. Attention vs band ablation vs SHAP by band (bundled model; Spearman over 13 bands)", "",
              "| pair | Spearman |", "|---|---|"]
    for k, v in a["spearman"].items():
        lines.append(f"| {k} | {v:.2f} |")
    lines += ["", "| ranking | top 3 bands |", "|---|---|"]
    for k, v in a["top3"].items():
        lines.append(f"| {k} | {', '.join(v)} |")
    c = result["cloudy_dates"]
    lines += ["", f"### 5. Share of temporal relevance on the cloudy dates {', '.join(c['cloudy_dates'])} "
                  f"(uniform = {c['uniform_share']:.2f}; mean ± std over seeds)", "",
              "| method | share |", "|---|---|"]
    for k, v in c["share"].items():
        lines.append(f"| {k} | {fmt(v, 2)} |")
    per_date = c["mean_relevance_per_date_seed0"]
    lines += ["", "Mean share of temporal relevance per date (seed 0 sample; cloudy dates marked *):", "",
              "| method | " + " | ".join(d + ("*" if d in CLOUDY else "") for d in c["dates"]) + " |",
              "|---" * (len(c["dates"]) + 1) + "|"]
    for k, v in per_date.items():
        lines.append(f"| {k} | " + " | ".join(f"{a:.2f}" for a in v) + " |")
    d = c.get("model_dependence")
    if d:
        lines.append(f"\nModel dependence on the cloudy dates ({d['n_pixels']} labelled px): accuracy "
                     f"{d['accuracy']:.3f} as is, {d['accuracy_cloudy_dates_interpolated']:.3f} with the cloudy dates "
                     f"interpolated from the clear ones; {100 * d['prediction_changed_share']:.1f} % of predictions "
                     f"change; mean |Δp(predicted class)| {d['mean_abs_delta_p_predicted']:.3f}.")
    return lines


def findings(result) -> list[str]:
    """A few lines per section, numbers taken from this run."""
    out = ["## Findings (generated from this run's numbers)", ""]
    t = result["faithfulness"]["table"]
    for key in ("date/mean", "date/interp", "band/mean", "feature/mean", "feature/interp"):
        row = t[key]
        rnd_d, rnd_i = row["random"]["deletion_auc"], row["random"]["insertion_auc"]
        methods = [m for m in row if m != "random" and not m.startswith("occlusion")]
        # "clearly better than random": the gap exceeds the sum of the seed-to-seed stds
        not_del = [m for m in methods if row[m]["deletion_auc"]["mean"] + row[m]["deletion_auc"]["std"]
                   >= rnd_d["mean"] - rnd_d["std"]]
        not_ins = [m for m in methods if row[m]["insertion_auc"]["mean"] - row[m]["insertion_auc"]["std"]
                   <= rnd_i["mean"] + rnd_i["std"]]
        occ = row.get("occlusion_" + key.split("/")[0])
        out.append(f"- Faithfulness, unit {key}: deletion AUC random {rnd_d['mean']:.3f}, "
                   + ", ".join(f"{m} {row[m]['deletion_auc']['mean']:.3f}" for m in methods)
                   + (f", occlusion {occ['deletion_auc']['mean']:.3f}" if occ else "")
                   + "; insertion AUC random " + f"{rnd_i['mean']:.3f}, "
                   + ", ".join(f"{m} {row[m]['insertion_auc']['mean']:.3f}" for m in methods)
                   + ". Not clearly better than random: deletion "
                   + (", ".join(not_del) or "none") + "; insertion " + (", ".join(not_ins) or "none") + ".")
    s = result["sanity"]["methods"]
    out.append("- Cascading randomisation, Spearman after randomising every layer: "
               + ", ".join(f"{m} {v[-1]['spearman_mean']:.2f}" + (f" ({v[-1]['n_undefined']} constant)"
                                                                   if v[-1]['n_undefined'] else "")
                           for m, v in s.items())
               + "; after the top layer only: "
               + ", ".join(f"{m} {v[1]['spearman_mean']:.2f}" for m, v in s.items()) + ".")
    p = result["planted"]["summary"]
    for arch, sm in p.items():
        out.append(f"- Planted signal, {arch} (test acc {fmt(sm['test_accuracy'], 2)}): date pointing game "
                   + ", ".join(f"{k.split('/')[1]} {fmt(v, 2)}" for k, v in sm.items()
                               if k.startswith("date/") and k.endswith("pointing_game"))
                   + "; band pointing game "
                   + ", ".join(f"{k.split('/')[1]} {fmt(v, 2)}" for k, v in sm.items()
                               if k.startswith("band/") and k.endswith("pointing_game"))
                   + "; feature precision@k "
                   + ", ".join(f"{k.split('/')[1]} {fmt(v, 2)}" for k, v in sm.items()
                               if k.startswith("feature/") and k.endswith("precision_at_k")) + ".")
    a = result["attention_check"]["spearman"]
    out.append("- Attention vs ablation vs SHAP (Spearman): " + "; ".join(f"{k} {v:.2f}" for k, v in a.items()) + ".")
    c = result["cloudy_dates"]
    out.append(f"- Cloudy dates (uniform {c['uniform_share']:.2f}): "
               + ", ".join(f"{k} {fmt(v, 2)}" for k, v in c["share"].items()) + ".")
    return out


def main(argv=None):
    """Run every section, write the JSON and the Markdown summary, print the tables."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "explanation_quality.json"))
    ap.add_argument("--md", default=None, help="Markdown summary (default: --out with .md)")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="pixel-sample seeds (section 1)")
    ap.add_argument("--per-class", type=int, default=60, help="pixels per class in the sample")
    ap.add_argument("--ig-steps", type=int, default=32)
    ap.add_argument("--gs-samples", type=int, default=16)
    ap.add_argument("--gs-references", type=int, default=16)
    ap.add_argument("--sv-samples", type=int, default=16, help="Shapley value sampling permutations")
    ap.add_argument("--random-orders", type=int, default=5)
    ap.add_argument("--sanity-pixels", type=int, default=100)
    ap.add_argument("--planted-seeds", type=int, default=3)
    ap.add_argument("--planted-n", type=int, default=2000)
    ap.add_argument("--planted-test", type=int, default=200)
    ap.add_argument("--planted-bands", type=int, default=8)
    ap.add_argument("--planted-dates", type=int, default=12)
    ap.add_argument("--planted-delta", type=float, default=0.1)
    ap.add_argument("--planted-epochs", type=int, default=30)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--skip", nargs="*", default=[], choices=["planted", "sanity"], help="sections to skip")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    started = time.perf_counter()

    def log(msg):
        print(f"[{time.perf_counter() - started:6.1f}s] {msg}", flush=True)

    bundle, x_all, y, keep = load_sample()
    model = bundle.build()
    gradcam.freeze(model)
    log(f"sample: {int(keep.sum())} labelled px, model {bundle.spec.arch}/{bundle.spec.attention}")
    result = {"config": {k: v for k, v in vars(args).items() if k not in ("out", "md")},
              "environment": {"python": platform.python_version(), "torch": torch.__version__,
                              "threads": torch.get_num_threads(), "machine": platform.machine()},
              "model": "land_cover_xai_plugin/sample_data/sample_model.lcx",
              "target": "predicted class of each pixel",
              "methods": {"gradcam": "the plugin's ReLU Grad-CAM on model.gradcam_layer (per date)",
                          "gradcam_abs": "|Grad-CAM without ReLU| (diagnostic variant, not in the plugin)",
                          "hirescam": "HiResCAM: sum_c grad_ct * A_ct, signed (diagnostic variant, not in the plugin)",
                          "attention": "the model's SE band attention (per band)",
                          "ig": f"Integrated Gradients of p(target), mean baseline, {args.ig_steps} steps",
                          "gradshap": f"GradientShap of p(target), {args.gs_samples} samples, mean + "
                                      f"{args.gs_references} real pixels as references",
                          "shapley_date / shapley_band": f"Shapley value sampling over date / band groups, "
                                                        f"{args.sv_samples} permutations, mean baseline",
                          "occlusion_date / occlusion_band": "reference: drop of p(target) when that unit "
                                                             "alone is removed (same baseline as the curve)",
                          "random": f"{args.random_orders} random orders"}}
    result["faithfulness"], result["cloudy_dates"] = faithfulness(model, bundle, x_all, y, keep, args, log)
    if "sanity" not in args.skip:
        result["sanity"] = sanity(model, bundle, x_all, y, keep, args, log)
    if "planted" not in args.skip:
        result["planted"] = planted(args, log)
    result["attention_check"] = attention_check(model, bundle, x_all, y, keep, args, log)
    result["cloudy_dates"]["model_dependence"] = cloudy_dependence(model, bundle, x_all, y, keep)
    result["runtime_s"] = round(time.perf_counter() - started, 1)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1, default=float))
    text = []
    if "sanity" in result and "planted" in result:
        text = tables(result)
        md = ["# Explanation quality (benchmarks/explanation_quality.py)", "",
              f"Bundled sample model, torch {torch.__version__}, {args.threads} thread(s), run time "
              f"{result['runtime_s']:.0f} s. Raw numbers: `{out.name}`.", ""] + findings(result) + [""] + text
        md_path = Path(args.md or out.with_suffix(".md"))
        notes = []  # a hand-written block between the markers survives re-runs
        if md_path.exists():
            old_text = md_path.read_text()
            if NOTES_BEGIN in old_text and NOTES_END in old_text:
                notes = [old_text[old_text.index(NOTES_BEGIN):old_text.index(NOTES_END) + len(NOTES_END)], ""]
        md = md[:4] + notes + md[4:]
        md_path.write_text("\n".join(md) + "\n")
    print("\n".join(text))
    log(f"wrote {out}")


if __name__ == "__main__":
    main()
