"""Is the product's classifier better than Random Forest? Polygon-grouped, buffered spatial cross-validation.

    python benchmarks/accuracy.py --out benchmarks/results/accuracy.json          (make bench-accuracy)
    python benchmarks/accuracy.py --quick                                         (smoke run, ~1 min)
    python benchmarks/accuracy.py --models attention_se,random_forest --extra-config 'mlp={"arch": "mlp"}'

Protocol (the same for every model, never tuned to a result):
- Data: the bundled Sentinel-2 sample (100 x 101 px, 5 dates x 13 bands) and its 88 field polygons, burned on
  the stack's grid by the product (``rasterize_field_data``: class + polygon id per pixel).
- Split (``engine/data/splits.cross_validation_splits``): every field polygon goes whole to one fold (polygons
  larger than 4 blocks' worth are cut into their 16 px block pieces; the JSON lists them), the folds spread every
  class, fold f is the test side, 20 % of the other folds' units the validation side (early stopping), the rest
  training; a buffer of
  ``patch half-width + 3`` px around the test and validation sides is used by neither side. Each seed draws its
  own fold assignment (repeated cross-validation) and initialises the models.
- Neural models: the product's own ``train_model`` with the named TrainConfig (defaults otherwise: early stopping
  on validation macro-F1), given the fold as an explicit split. Its test scores come from its own report
  (``engine/accuracy/metrics.py``).
- Random Forest (scikit-learn, benchmark-only dependency): 300 trees, ``class_weight="balanced"``, on the flattened
  bands x dates of exactly the pixels the neural model used for training and early stopping (train + val sides,
  read and gap-filled by the product's own ``read_labelled_pixels``), scored on the same test pixels by the same
  metrics module. The pixel sets are checked against the neural model's report.
- Per run: OA, macro-F1, kappa (and block-bootstrap 95 % intervals over the test polygons / blocks) and training
  seconds. Per model: mean, std and the t-interval (95 %) of the mean over the runs (folds x seeds). Paired: the
  default model minus Random Forest per (condition, seed, fold): mean, 95 % t-interval, wins / losses, sign test,
  Wilcoxon signed-rank test. Folds of one seed share training data, so the runs are not independent: read the
  intervals as optimistic.
- Conditions: ``no_masking`` (every date as stored) and ``cloud_masked`` (dates whose metadata cloud fraction is
  above 0.5 count as missing and are gap-filled; needs TrainConfig.validity, see ``cloud_masking_overrides``).

Writes the JSON and a Markdown table beside it (same name, .md).
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional, Sequence

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from land_cover_xai_plugin.engine.accuracy.intervals import block_bootstrap
from land_cover_xai_plugin.engine.accuracy.metrics import accuracy_report
from land_cover_xai_plugin.engine.data.splits import Split, cross_validation_splits, default_buffer
from land_cover_xai_plugin.engine.io.labels import rasterize_field_data
from land_cover_xai_plugin.engine.io.stack import open_stack
from land_cover_xai_plugin.engine.training.trainer import (
    TrainConfig, read_labelled_pixels, train_model)

SAMPLE = ROOT / "land_cover_xai_plugin" / "sample_data"
METRICS = ("overall_accuracy", "macro_f1", "kappa")
SUMMARY_KEYS = METRICS + ("train_seconds",)
RANDOM_FOREST = "random_forest"
PRODUCT_DEFAULT = "product_default"  # TrainConfig() as shipped, added when no named model matches it
# The product's models (TrainConfig overrides) and the peer; more can be added with --extra-config.
MODELS: dict[str, Optional[dict]] = {
    "attention_se": {"arch": "attention", "attention": "se"},
    "attention_softmax": {"arch": "attention", "attention": "softmax"},
    "tempcnn": {"arch": "tempcnn"},
    RANDOM_FOREST: None,
}
VAL_FRACTION = 0.2  # share of the training folds' units held out for early stopping
CLOUD_FRACTION_MAX = 0.5  # the cloud_masked condition: a date above this metadata cloud fraction is missing


# ---------------------------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------------------------
@dataclass
class Sample:
    """A stack and its field data on the stack's grid: class ids, polygon ids, class names."""

    stack: Any
    labels: np.ndarray
    polygons: np.ndarray
    class_names: dict[int, str]
    description: dict


def load_sample(stack_path: Path = SAMPLE / "s2_l1c_stack.tif", field_data: Path = SAMPLE / "lulc_field_polygons.gpkg",
                class_field: str = "LULC_ID", name_field: Optional[str] = "LULC_NAME") -> Sample:
    """Open the stack and burn the field data (classes and polygon ids) on its grid, as training does."""
    stack = open_stack([str(stack_path)])
    burned = rasterize_field_data(str(field_data), stack.grid, class_field, name_field=name_field)
    description = {"stack": str(Path(stack_path).relative_to(ROOT)) if ROOT in Path(stack_path).parents
                   else str(stack_path), "field_data": Path(field_data).name, "class_field": class_field,
                   "size": [stack.width, stack.height], "n_dates": stack.n_dates, "n_bands": len(stack.bands),
                   "n_polygons": int(len(np.unique(burned.polygon_ids[burned.polygon_ids > 0])))}
    return Sample(stack, burned.labels, burned.polygon_ids, dict(burned.class_names), description)


def cloud_masking_overrides(cloud_fraction_max: float = CLOUD_FRACTION_MAX) -> Optional[dict]:
    """TrainConfig overrides of the ``cloud_masked`` condition, or None while TrainConfig has no validity option.

    TrainConfig.validity (engine/data/validity.ValidityConfig) marks the dates whose metadata cloud fraction is
    above the threshold as missing (on the sample: 2015-07-31 and 2015-08-20); ``labelled_pixels`` passes the
    same config to read_labelled_pixels, so Random Forest sees exactly the masked, gap-filled series the neural
    model sees.
    """
    names = {f.name for f in dataclasses.fields(TrainConfig)}
    if "validity" not in names:
        return None
    from land_cover_xai_plugin.engine.data.validity import ValidityConfig

    return {"validity": ValidityConfig(cloud_fraction_max=cloud_fraction_max)}


def shipped_condition() -> str:
    """The condition the product's own default trains under (the headline figures of the JSON)."""
    from land_cover_xai_plugin.engine.training.trainer import TrainConfig

    return "cloud_masked" if TrainConfig().validity.cloud_fraction_max is not None else "no_masking"


def condition_overrides(condition: str) -> Optional[dict]:
    """TrainConfig overrides of a condition (None: the condition is not available in this build)."""
    if condition == "no_masking":  # explicit: the shipped default masks cloudy dates
        from land_cover_xai_plugin.engine.data.validity import ValidityConfig

        return {"validity": ValidityConfig(cloud_fraction_max=None)}
    if condition == "cloud_masked":
        return cloud_masking_overrides()
    raise ValueError(f"unknown condition {condition!r}: use no_masking or cloud_masked")


def labelled_pixels(sample: Sample, config: TrainConfig):
    """The gap-filled series of the labelled pixels exactly as ``train_model`` reads them (same function)."""
    import inspect

    accepted = inspect.signature(read_labelled_pixels).parameters
    kwargs = {}
    if "validity" in accepted and hasattr(config, "validity"):
        kwargs["validity"] = config.validity
    if "grid" in accepted and getattr(config, "grid_step_days", None) is not None:
        from land_cover_xai_plugin.engine.data.calendar import grid_from_dates

        kwargs["grid"] = grid_from_dates(sample.stack.dates, config.grid_step_days)
    out = read_labelled_pixels(sample.stack, sample.labels, config.patch_size, config.min_valid_dates, **kwargs)
    return out[:5]


# ---------------------------------------------------------------------------------------------
# one run per (model, fold)
# ---------------------------------------------------------------------------------------------
@dataclass
class RunResult:
    model: str
    condition: str
    seed: int
    fold: int
    overall_accuracy: float
    macro_f1: float
    kappa: float
    train_seconds: float
    ci95: dict
    n_train: int
    n_val: int
    n_test: int
    extra: dict = dataclasses.field(default_factory=dict)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def _side_counts(y: np.ndarray, idx: np.ndarray) -> dict[str, int]:
    ids, counts = np.unique(y[idx], return_counts=True)
    return {str(int(i)): int(c) for i, c in zip(ids, counts)}


def run_neural(sample: Sample, name: str, config: TrainConfig, split: Split, rows, cols, y) -> RunResult:
    """Train the product's model on the fold's train side (early stopping on its val side), score its test side."""
    raster_split = split.to_raster(rows, cols, sample.labels.shape)
    t0 = time.perf_counter()
    bundle = train_model(sample.stack, sample.labels, sample.class_names, config, split=raster_split)
    seconds = time.perf_counter() - t0
    report = bundle.report
    expected = {side: _side_counts(y, getattr(split, side)) for side in ("train", "val", "test")}
    if report["class_counts"] != expected:  # the RF comparison would not be on the same pixels
        raise RuntimeError(f"{name}: training used other pixels than the fold: {report['class_counts']} vs {expected}")
    test = report["test"]
    return RunResult(name, "", split.seed, int(split.fold), test["overall_accuracy"], test["macro_f1"],
                     test["kappa"], seconds, {m: test["ci95"][m]["ci95"] for m in METRICS},
                     int(split.train.size), int(split.val.size), int(split.test.size),
                     {"best_epoch": report["best_epoch"], "epochs_run": report["epochs_run"]})


def run_random_forest(x: np.ndarray, y: np.ndarray, split: Split, seed: int, threads: int = 1,
                      n_trees: int = 300) -> RunResult:
    """300-tree balanced Random Forest on the flattened bands x dates of the fold's train + val pixels."""
    from sklearn.ensemble import RandomForestClassifier

    fit = np.concatenate([split.train, split.val])
    features = x.reshape(x.shape[0], -1)
    forest = RandomForestClassifier(n_estimators=n_trees, class_weight="balanced", n_jobs=threads,
                                    random_state=seed)
    t0 = time.perf_counter()
    forest.fit(features[fit], y[fit])
    seconds = time.perf_counter() - t0
    predicted = forest.predict(features[split.test])
    class_ids = sorted(int(c) for c in np.unique(y))
    report = accuracy_report(y[split.test], predicted, class_ids)
    ci = block_bootstrap(y[split.test], predicted, split.unit[split.test], class_ids, seed=seed)
    return RunResult(RANDOM_FOREST, "", split.seed, int(split.fold), report.overall_accuracy, report.macro_f1,
                     report.kappa, seconds, {m: ci[m]["ci95"] for m in METRICS}, int(split.train.size),
                     int(split.val.size), int(split.test.size), {"fit_pixels": int(fit.size)})


# ---------------------------------------------------------------------------------------------
# the protocol
# ---------------------------------------------------------------------------------------------
def protocol_splits(rows, cols, y, polygons_of_pixel, seed: int, n_folds: int, block_size: int,
                    buffer: int) -> list[Split]:
    """The folds of one seed (pixel-level, aligned with rows / cols / y). The one place the benchmark splits."""
    return cross_validation_splits(rows, cols, y, polygons_of_pixel, n_folds=n_folds, block_size=block_size,
                                   buffer=buffer, seed=seed, val_fraction=VAL_FRACTION)


def run_protocol(sample: Sample, models: dict[str, Optional[dict]], seeds: Sequence[int], n_folds: int = 5,
                 conditions: Sequence[str] = ("no_masking", "cloud_masked"), base: Optional[dict] = None,
                 block_size: int = 16, threads: int = 1, log: Callable[[str], None] = print) -> dict:
    """Every model on every (condition, seed, fold); returns ``{"runs": [...], "skipped": {...}, "split": ...}``.

    ``models``: name -> TrainConfig overrides (None = Random Forest). ``base``: overrides applied to every
    neural model first (e.g. fewer epochs for a smoke run).
    """
    runs: list[RunResult] = []
    skipped: dict[str, str] = {}
    split_info: dict = {}
    for condition in conditions:
        overrides = condition_overrides(condition)
        if overrides is None:
            skipped[condition] = ("TrainConfig has no validity option yet (engineer E): condition not run; "
                                  "see cloud_masking_overrides")
            log(f"[{condition}] skipped: {skipped[condition]}")
            continue
        for seed in seeds:
            # Pixels as training reads them under this condition (patch_size 1 for every model here).
            reader_config = TrainConfig(**{**(base or {}), **overrides, "seed": seed})
            x, rows, cols, y, _ = labelled_pixels(sample, reader_config)
            buffer = default_buffer(reader_config.patch_size) if reader_config.buffer is None \
                else reader_config.buffer
            folds = protocol_splits(rows, cols, y, sample.polygons[rows, cols], seed, n_folds, block_size, buffer)
            if not split_info:
                split_info = {key: value for key, value in folds[0].describe(y).items()
                              if key in ("kind", "block_size", "buffer_px", "n_folds", "cut_polygons")}
            for split in folds:
                for name, model_overrides in models.items():
                    if model_overrides is None:
                        result = run_random_forest(x, y, split, seed, threads)
                    else:
                        config = TrainConfig(**{**(base or {}), **model_overrides, **overrides, "seed": seed,
                                                "threads": threads, "device": "cpu", "block_size": block_size,
                                                "buffer": buffer})
                        result = run_neural(sample, name, config, split, rows, cols, y)
                    result.condition = condition
                    runs.append(result)
                    log(f"[{condition}] seed {seed} fold {split.fold} {name:<18} OA {result.overall_accuracy:.3f} "
                        f"F1 {result.macro_f1:.3f} kappa {result.kappa:.3f} ({result.train_seconds:.1f} s) "
                        f"{json.dumps(result.extra)}")
    return {"runs": runs, "skipped": skipped, "split": split_info}


# ---------------------------------------------------------------------------------------------
# summaries
# ---------------------------------------------------------------------------------------------
def mean_interval(values: Sequence[float], level: float = 0.95) -> dict:
    """Mean, std (ddof 1) and the t-interval of the mean of a set of run values."""
    from scipy import stats

    v = np.asarray([x for x in values if x is not None and np.isfinite(x)], np.float64)
    if v.size == 0:
        return {"mean": None, "std": None, "ci95": None, "n": 0}
    if v.size == 1:
        return {"mean": float(v[0]), "std": 0.0, "ci95": None, "n": 1}
    std = float(v.std(ddof=1))
    half = float(stats.t.ppf(0.5 + level / 2, v.size - 1)) * std / np.sqrt(v.size)
    return {"mean": float(v.mean()), "std": std, "ci95": [float(v.mean() - half), float(v.mean() + half)],
            "n": int(v.size)}


def summarise(runs: Sequence[RunResult], condition: str) -> dict[str, dict]:
    """Per model: mean / std / 95 % interval of OA, macro-F1, kappa and training seconds over its runs."""
    out: dict[str, dict] = {}
    for name in dict.fromkeys(r.model for r in runs if r.condition == condition):
        mine = [r for r in runs if r.condition == condition and r.model == name]
        out[name] = {key: mean_interval([getattr(r, key) for r in mine]) for key in SUMMARY_KEYS}
        out[name]["n_runs"] = len(mine)
    return out


def paired(runs: Sequence[RunResult], condition: str, model: str, reference: str = RANDOM_FOREST) -> Optional[dict]:
    """``model`` minus ``reference`` per (seed, fold) of a condition, for macro-F1, kappa and OA."""
    from scipy import stats

    a = {(r.seed, r.fold): r for r in runs if r.condition == condition and r.model == model}
    b = {(r.seed, r.fold): r for r in runs if r.condition == condition and r.model == reference}
    keys = sorted(set(a) & set(b))
    if not keys:
        return None
    out: dict = {"model": model, "reference": reference, "n_pairs": len(keys)}
    for metric in METRICS:
        diff = np.array([getattr(a[k], metric) - getattr(b[k], metric) for k in keys], np.float64)
        wins, losses = int((diff > 0).sum()), int((diff < 0).sum())
        entry = {**mean_interval(diff), "wins": wins, "losses": losses, "ties": int(len(keys) - wins - losses),
                 "sign_test_p": float(stats.binomtest(wins, wins + losses).pvalue) if wins + losses else None}
        try:
            entry["wilcoxon_p"] = float(stats.wilcoxon(diff).pvalue) if np.any(diff != 0) else None
        except ValueError:
            entry["wilcoxon_p"] = None
        out[metric] = entry
    f1, kappa = out["macro_f1"], out["kappa"]
    out["ahead_in_macro_f1_and_kappa"] = bool(f1["mean"] > 0 and kappa["mean"] > 0)
    out["significantly_ahead_in_both"] = bool(f1["ci95"] and kappa["ci95"] and f1["ci95"][0] > 0
                                              and kappa["ci95"][0] > 0)
    return out


def default_model_name(models: dict[str, Optional[dict]]) -> Optional[str]:
    """The benchmarked model whose overrides match the product's TrainConfig defaults (what a user gets)."""
    defaults = TrainConfig()
    for name, overrides in models.items():
        if overrides is not None and all(getattr(defaults, k) == v for k, v in overrides.items()):
            return name
    return None


def build_results(protocol: dict, models: dict, seeds: Sequence[int], n_folds: int, conditions: Sequence[str],
                  sample: Sample, args: dict, seconds: float) -> dict:
    runs = protocol["runs"]
    default = default_model_name(models)
    ran = [c for c in conditions if c not in protocol["skipped"]]
    by_condition = {c: {"models": summarise(runs, c),
                        "paired": paired(runs, c, default) if default and RANDOM_FOREST in models else None}
                    for c in ran}
    main = shipped_condition() if shipped_condition() in ran else (ran[0] if ran else None)
    verdicts = {}
    for c in ran:
        p = by_condition[c]["paired"]
        if p is not None:
            verdicts[c] = (f"{'YES' if p['ahead_in_macro_f1_and_kappa'] else 'NO'}: default model {default} minus "
                           f"Random Forest, macro-F1 {p['macro_f1']['mean']:+.3f} (95 % CI "
                           f"{_fmt_ci(p['macro_f1']['ci95'], signed=True)}), kappa {p['kappa']['mean']:+.3f} "
                           f"(95 % CI {_fmt_ci(p['kappa']['ci95'], signed=True)}) over {p['n_pairs']} paired runs")
    return {
        "benchmark": "accuracy",
        "split": {**protocol["split"], "protocol": "polygon-grouped, buffered spatial cross-validation; fold f "
                  f"= test, {VAL_FRACTION:.0%} of the other folds' units = validation (early stopping), the rest = "
                  "training; each seed its own folds",
                  "n_folds": n_folds},
        "seeds": len(seeds),
        "seed_values": list(seeds),
        "data": sample.description,
        "default_model": default,
        "models": by_condition[main]["models"] if main else {},
        "paired": by_condition[main]["paired"] if main else None,
        "condition": main,
        "conditions": by_condition,
        "skipped_conditions": protocol["skipped"],
        "default_beats_random_forest": verdicts,
        "runs": [r.to_dict() for r in runs],
        "settings": {k: v for k, v in args.items() if k != "code"},
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "load_average_1m": os.getloadavg()[0], "load_average_15m": os.getloadavg()[2],
                    "torch_threads": args.get("threads")},
        "code": args.get("code") or code_version(),
        "seconds": seconds,
    }


def code_version() -> dict:
    """The commit the run used and whether engine files differed from it (results of uncommitted code say so)."""
    import subprocess

    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10).stdout.rstrip()
        except (OSError, subprocess.SubprocessError):
            return ""

    changed = git("status", "--porcelain", "--", "land_cover_xai_plugin/engine", "benchmarks/accuracy.py")
    return {"commit": git("rev-parse", "--short", "HEAD") or None,
            "uncommitted_engine_changes": [line[3:] for line in changed.splitlines()]}


def _fmt_ci(ci, digits: int = 3, signed: bool = False) -> str:
    if not ci:
        return "n/a"
    f = f"{{:+.{digits}f}}" if signed else f"{{:.{digits}f}}"
    return "[" + f.format(ci[0]) + ", " + f.format(ci[1]) + "]"


def markdown(results: dict) -> str:
    """The tables of the JSON, for humans."""
    lines = ["# Accuracy benchmark (`make bench-accuracy`)", "",
             f"Split: {results['split']['protocol']}; {results['split']['n_folds']} folds x {results['seeds']} seeds, "
             f"blocks of {results['split'].get('block_size')} px, buffer {results['split'].get('buffer_px')} px, "
             f"polygons cut into blocks: {results['split'].get('cut_polygons')}. Data: {results['data']['stack']} "
             f"({results['data']['n_polygons']} field polygons). Mean ± std over folds x seeds, [95 % t-interval of "
             "the mean].", ""]
    for condition, block in results["conditions"].items():
        lines += [f"## {condition}", "", "| model | OA | macro-F1 | kappa | train s |", "|---|---|---|---|---|"]
        for name, s in block["models"].items():
            cells = [f"{s[k]['mean']:.3f} ± {s[k]['std']:.3f} {_fmt_ci(s[k]['ci95'])}" for k in METRICS]
            cells.append(f"{s['train_seconds']['mean']:.1f} ± {s['train_seconds']['std']:.1f}")
            lines.append(f"| {name}{' (default)' if name == results['default_model'] else ''} | " + " | ".join(cells)
                         + " |")
        p = block["paired"]
        if p:
            lines += ["", f"Paired, {p['model']} minus {p['reference']} ({p['n_pairs']} runs):", "",
                      "| metric | mean diff [95 % CI] | wins / losses | sign test p | Wilcoxon p |",
                      "|---|---|---|---|---|"]
            for metric in METRICS:
                e = p[metric]
                wil = "n/a" if e["wilcoxon_p"] is None else f"{e['wilcoxon_p']:.3g}"
                sign = "n/a" if e["sign_test_p"] is None else f"{e['sign_test_p']:.3g}"
                lines.append(f"| {metric} | {e['mean']:+.3f} {_fmt_ci(e['ci95'], signed=True)} | {e['wins']} / "
                             f"{e['losses']} | {sign} | {wil} |")
            lines += ["", f"**Default model ahead of Random Forest in both macro-F1 and kappa ({condition}): "
                      f"{results['default_beats_random_forest'][condition]}**", ""]
        lines.append("")
    for condition, why in results["skipped_conditions"].items():
        lines += [f"## {condition}", "", f"Not run: {why}", ""]
    lines += [f"Run: {results['seconds'] / 60:.1f} min on {results['machine']['cpus']} CPUs (load "
              f"{results['machine']['load_average_1m']:.1f}); settings {json.dumps(results['settings'])}.", ""]
    return "\n".join(lines)


def parse_models(names: Optional[str], extra: Sequence[str]) -> dict[str, Optional[dict]]:
    """--models a,b (from MODELS and the extras) and --extra-config NAME=JSON (TrainConfig overrides)."""
    available = dict(MODELS)
    for item in extra:
        name, _, text = item.partition("=")
        if not name or not text:
            raise SystemExit(f"--extra-config takes NAME=JSON, got {item!r}")
        overrides = json.loads(text)
        unknown = set(overrides) - {f.name for f in dataclasses.fields(TrainConfig)}
        if unknown:
            raise SystemExit(f"--extra-config {name}: not TrainConfig fields: {sorted(unknown)}")
        available[name] = overrides
    if not names:
        return available
    chosen = {}
    for name in names.split(","):
        name = name.strip()
        if name not in available:
            raise SystemExit(f"unknown model {name!r}; known: {', '.join(available)}")
        chosen[name] = available[name]
    return chosen


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "accuracy.json"))
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--models", default=None, help="comma-separated subset (default: all)")
    parser.add_argument("--extra-config", action="append", default=[], metavar="NAME=JSON",
                        help="another neural model: TrainConfig overrides as JSON (repeatable)")
    parser.add_argument("--conditions", default="no_masking,cloud_masked")
    parser.add_argument("--epochs", type=int, default=None, help="cap on epochs (default: TrainConfig's)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="smoke run: 1 seed, 3 folds, 5 epochs")
    args = parser.parse_args(argv)
    models = parse_models(args.models, args.extra_config)
    if default_model_name(models) is None and not args.models:  # the product's default is always compared
        models = {PRODUCT_DEFAULT: {}, **models}
    seeds, folds, base = list(range(args.seeds)), args.folds, {}
    if args.epochs:
        base["epochs"] = args.epochs
    if args.quick:
        seeds, folds, base = [0], 3, {"epochs": 5, "patience": 5}
        args.seeds, args.folds, args.epochs = 1, 3, 5
        if args.out == parser.get_default("out"):
            args.out = str(Path(os.environ.get("TMPDIR", "/tmp")) / "lcx_accuracy_quick.json")
    conditions = [c.strip() for c in args.conditions.split(",") if c.strip()]
    sample = load_sample()
    code = code_version()  # at the start: the code the run loaded
    t0 = time.perf_counter()
    protocol = run_protocol(sample, models, seeds, folds, conditions, base, threads=args.threads)
    results = build_results(protocol, models, seeds, folds, conditions, sample,
                            {**{k: v for k, v in vars(args).items() if k != "out"}, "code": code},
                            time.perf_counter() - t0)
    sample.stack.close()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1, allow_nan=False))
    out.with_suffix(".md").write_text(markdown(results))
    print(markdown(results))
    print(f"wrote {out} and {out.with_suffix('.md')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
