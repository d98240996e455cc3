"""Training: labelled pixels of a stack -> a ModelBundle with a held-out (spatially blocked) test report.

Pipeline: read the labelled pixels (and their k x k neighbourhood for patch models) window by window,
gap-fill them exactly as inference does, drop pixels with too few observed dates, split by spatial
blocks, compute per-band normalisation (and, for the attention model, the groups of correlated bands
that share kernels) from the training pixels only, train with a class-weighted loss, stop early on the
validation macro-F1 and keep the best weights, then score the held-out test blocks.
"""
from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Sequence

import numpy as np

from ..data.validity import ValidityConfig
from ..errors import Cancelled, LabelsError, LcxError
from ..data.splits import Split, block_ids, default_buffer, grouped_split
from ..models.spec import ARCHS, MAX_ENSEMBLE_MEMBERS
from .augment import Augmentation, augment_batch, batch_loss

MAX_PATCH_SIZE = 31  # the models' limit (ModelSpec.problems refuses a larger window after the whole training)

ProgressFn = Optional[Callable[["EpochReport"], None]]
CancelFn = Optional[Callable[[], bool]]
CLASS_WEIGHTINGS = ("sqrt_inverse", "balanced", "none")
# Per-architecture training recipes for the TrainConfig settings left at None. The MLP's was chosen by the
# accuracy benchmark (scripts/model_selection.md: a 5-seed ensemble, observation dropout, early stopping on the
# validation loss); the attention model and TempCNN keep their earlier recipe (an ensemble of them, 5-10x costlier
# per member, would break the speed budget).
ARCH_RECIPES = {"mlp": {"n_members": 5, "date_dropout": 0.2, "band_dropout": 0.05, "early_stopping": "loss"}}
RECIPE_FALLBACK = {"n_members": 1, "date_dropout": 0.0, "band_dropout": 0.0, "early_stopping": "macro_f1"}
EARLY_STOPPING_SCORES = ("macro_f1", "loss")  # validation macro-F1 (ties: lower loss), or the weighted loss


@dataclass
class TrainConfig:
    """Every training setting, stored in the model's report (``to_dict``); ``check`` refuses bad ones."""

    # Defaults chosen by the accuracy benchmark (benchmarks/accuracy.py, polygon-grouped buffered spatial CV
    # against Random Forest; scripts/forward_speed.py for the speed budget): an ensemble of 5 series MLPs with
    # an SE band gate, observation dropout, early stopping on the validation loss.
    arch: str = "mlp"  # "attention" | "tempcnn" | "mlp"
    attention: str = "se"  # "se" | "softmax" (attention model only)
    patch_size: int = 1  # odd k: k x k spatial context
    epochs: int = 60
    batch_size: int = 256
    lr: float = 1e-3
    weight_decay: float = 1e-4
    seed: int = 0
    patience: int = 10  # epochs without a better validation score before stopping
    early_stopping: Optional[str] = None  # the validation score that picks the epoch: "loss" or "macro_f1"
    block_size: int = 16  # side of the square blocks (px) that go whole to one split
    buffer: Optional[int] = None  # px between the sides, used by neither; None: patch half-width + 3
    val_fraction: float = 0.2
    test_fraction: float = 0.2
    device: str = "auto"
    min_valid_dates: int = 2  # same default as inference: fewer observed dates -> pixel dropped
    class_weighting: str = "sqrt_inverse"  # loss weights: 1/sqrt(n), 1/n ("balanced") or none
    band_group_threshold: float = 0.9  # |r| above which bands share kernels (attention model)
    kernel_size: int = 5
    band_width: int = 8
    fusion_width: int = 64
    conv_width: int = 64
    dense_width: int = 256
    embed_width: int = 32  # mlp: per-date spectral embedding
    hidden_width: int = 128  # mlp: hidden dense layer
    band_attention: bool = True  # mlp: gate the input bands with the ``attention`` variant (per-band weights)
    dropout: Optional[float] = None  # None: 0.5 for TempCNN (as published), 0.3 for the attention model and MLP
    # Robust training (training/augment.py): K seeds in one model, hidden observations re-filled by gap filling
    # None below: the architecture's recipe (ARCH_RECIPES; the benchmark chose the MLP's, the others keep theirs)
    n_members: Optional[int] = None  # > 1: ensemble of independently initialised members, probabilities averaged
    date_dropout: Optional[float] = None  # probability of hiding a date of a training series (as a cloud does)
    band_dropout: Optional[float] = None  # probability of hiding one band of one date
    label_smoothing: float = 0.0
    mixup_alpha: float = 0.0  # > 0: mixup, lambda ~ Beta(alpha, alpha)
    max_pixels: Optional[int] = 200_000  # cap on labelled pixels used (per-class quota keeps rare classes)
    threads: Optional[int] = None
    # Observation validity (data/validity.py): dates above a cloud fraction and masked pixels are missing,
    # re-filled by day; the threshold and mask rule travel in the model, so inference masks the same way.
    # Default: dates declared more than half cloudy are missing (silent on a stack declaring no cloud fraction)
    validity: ValidityConfig = field(default_factory=ValidityConfig.default)
    # The model's temporal grid (data/calendar.py): None = the training stack's own dates; e.g. 10 = every
    # 10 days over its season (a stack of any dates covering that season then runs)
    grid_step_days: Optional[int] = None

    def to_dict(self) -> dict[str, Any]:
        """The settings as a plain dict (JSON-able)."""
        return dataclasses.asdict(self)

    def resolved(self) -> "TrainConfig":
        """A copy whose recipe settings left at None take the architecture's values (ARCH_RECIPES)."""
        recipe = {**RECIPE_FALLBACK, **ARCH_RECIPES.get(self.arch, {})}
        return dataclasses.replace(self, **{k: v for k, v in recipe.items() if getattr(self, k) is None})

    def check(self) -> None:
        """Raise LcxError naming every invalid setting and how to fix it."""
        if isinstance(self.validity, dict):  # a config read back from a report / JSON
            self.validity = ValidityConfig.from_dict(self.validity)
        problems = []
        if self.grid_step_days is not None and not 1 <= int(self.grid_step_days) <= 366:
            problems.append(f"grid_step_days must be between 1 and 366 (or None), not {self.grid_step_days}")
        if self.arch not in ARCHS:
            problems.append(f"arch must be one of {', '.join(ARCHS)}, not '{self.arch}'")
        if self.n_members is not None and not 1 <= self.n_members <= MAX_ENSEMBLE_MEMBERS:
            problems.append(f"n_members must be between 1 and {MAX_ENSEMBLE_MEMBERS}, not {self.n_members}")
        for name in ("date_dropout", "band_dropout", "label_smoothing"):
            if getattr(self, name) is not None and not 0.0 <= getattr(self, name) < 1.0:
                problems.append(f"{name} must be in [0, 1), not {getattr(self, name)}")
        if self.early_stopping is not None and self.early_stopping not in EARLY_STOPPING_SCORES:
            problems.append(f"early_stopping must be one of {', '.join(EARLY_STOPPING_SCORES)}, "
                            f"not '{self.early_stopping}'")
        if self.mixup_alpha < 0:
            problems.append(f"mixup_alpha must be >= 0, not {self.mixup_alpha}")
        if self.attention not in ("se", "softmax"):
            problems.append(f"attention must be 'se' or 'softmax', not '{self.attention}'")
        if self.patch_size < 1 or self.patch_size % 2 == 0 or self.patch_size > MAX_PATCH_SIZE:
            problems.append(f"patch_size must be odd, from 1 to {MAX_PATCH_SIZE} (1, 3, 5... {MAX_PATCH_SIZE}: the "
                            f"largest window the models take), not {self.patch_size}")
        if self.epochs < 1 or self.batch_size < 2:
            problems.append("epochs must be >= 1 and batch_size >= 2")
        if self.class_weighting not in CLASS_WEIGHTINGS:
            problems.append(f"class_weighting must be one of {', '.join(CLASS_WEIGHTINGS)}")
        if problems:
            raise LcxError("Invalid training settings: " + "; ".join(problems) + ". Fix them and train again.")


@dataclass
class EpochReport:
    """One epoch: training loss, validation loss and scores (accuracy.metrics), whether it is the best yet."""

    epoch: int  # 1-based
    n_epochs: int
    train_loss: float
    val_loss: float
    val_overall_accuracy: float
    val_macro_f1: float
    val_kappa: float
    is_best: bool = False
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """The epoch as a plain dict (the report's ``history``)."""
        return dataclasses.asdict(self)

    def summary(self) -> str:
        """The one epoch line the CLI, Processing and the dock print."""
        return (f"epoch {self.epoch}/{self.n_epochs}  loss {self.train_loss:.4f}  "
                f"val macro-F1 {self.val_macro_f1:.3f}  val kappa {self.val_kappa:.3f}"
                + ("  (best)" if self.is_best else ""))


# --- data preparation --------------------------------------------------------------------------
def band_groups_from_correlation(x: np.ndarray, threshold: float = 0.9, max_samples: int = 100_000,
                                 seed: int = 0, observed: Optional[np.ndarray] = None) -> list[list[int]]:
    """Groups of bands whose values (over pixels and dates) correlate with |r| > threshold.

    Complete-linkage agglomeration: two groups merge only while *every* pair of their bands is that
    correlated, so a group never chains weakly related bands. Constant bands stay alone. ``observed``
    (N, T) bool: only those pixel-dates count (filled-in clouds are not data).
    """
    n, n_bands, n_dates = x.shape
    samples = x.transpose(0, 2, 1).reshape(-1, n_bands)
    if observed is not None and np.any(observed):
        samples = samples[np.asarray(observed, bool).reshape(-1)]
    if samples.shape[0] > max_samples:
        samples = samples[np.random.default_rng(seed).choice(samples.shape[0], max_samples, replace=False)]
    samples = samples.astype(np.float64)
    std = samples.std(axis=0)
    centred = (samples - samples.mean(axis=0)) / np.where(std > 0, std, 1.0)
    corr = np.abs(centred.T @ centred / max(len(samples), 1))
    corr[std == 0, :] = 0.0
    corr[:, std == 0] = 0.0
    groups = [[b] for b in range(n_bands)]
    while len(groups) > 1:
        best, pair = -1.0, None
        for i in range(len(groups)):
            for j in range(i + 1, len(groups)):
                link = corr[np.ix_(groups[i], groups[j])].min()
                if link > best:
                    best, pair = link, (i, j)
        if best <= threshold:
            break
        i, j = pair
        groups[i] = sorted(groups[i] + groups[j])
        del groups[j]
    return sorted(groups)


def normalisation_stats(x: np.ndarray, observed: Optional[np.ndarray] = None) -> tuple[np.ndarray, np.ndarray]:
    """Per-band mean and std over pixels and dates ((N, B, T) input); std floored to stay invertible.
    ``observed`` (N, T) bool: only those pixel-dates count (filled-in clouds are not data)."""
    if observed is not None and np.any(observed):
        x = x.transpose(0, 2, 1)[np.asarray(observed, bool)][:, :, None]  # (n observed, B, 1)
    mean = x.mean(axis=(0, 2), dtype=np.float64)
    std = x.std(axis=(0, 2), dtype=np.float64)
    return mean.astype(np.float32), np.maximum(std, 1e-4).astype(np.float32)


def centre(x: np.ndarray) -> np.ndarray:
    """(N, B, T) view of the centre pixel of (N, B, T, k, k) patches; (N, B, T) passes through."""
    if x.ndim == 3:
        return x
    h = x.shape[-1] // 2
    return x[..., h, h]


def read_labelled_pixels(stack, labels: np.ndarray, patch_size: int = 1, min_valid_dates: int = 2,
                         window_size: int = 256, is_cancelled: CancelFn = None, *, validity=None, grid=None,
                         with_observed: bool = False):
    """Gap-filled series of every labelled pixel, prepared by ``data.windows`` exactly as inference prepares them.

    Returns ``(x, rows, cols, y, n_dropped)``: x (N, B, T) or (N, B, T, k, k) float32, pixels with fewer
    than ``min_valid_dates`` observed dates dropped. Patch neighbours outside the raster repeat the edge;
    neighbours that are no-data are NaN here (the training mean that inference puts there is only known after
    the split: ``train_on_arrays`` puts it in with ``windows.replace_missing``).

    ``validity`` (``data.validity.ValidityConfig``): which observations are missing (None: no-data only);
    ``grid`` (``data.calendar.TemporalGrid``): the days the series are filled onto (None: the stack's own
    dates). ``with_observed``: a sixth item, (N, T) bool, the values that are real observations.
    """
    from ..data.calendar import grid_from_dates
    from ..data.windows import InputSpec, batch_input, pixel_indices, plan_windows, prepare

    inputs = InputSpec.for_stack(stack, grid_from_dates(stack.dates) if grid is None else grid, validity,
                                 min_valid_dates=min_valid_dates, patch_size=patch_size,
                                 with_observed=with_observed)  # the stack's band order
    xs, rows_out, cols_out, ys, observed = [], [], [], [], []
    n_dropped = 0
    # A fixed grid from (0, 0), not the stack's blocks: the pixel order (hence the seeded split) stays put.
    for win in plan_windows(stack.width, stack.height, (window_size, window_size), window_size):
        if is_cancelled is not None and is_cancelled():
            raise Cancelled("Training cancelled while reading the stack; no model was written.")
        tile = labels[win.yoff:win.yoff + win.ysize, win.xoff:win.xoff + win.xsize]
        local_r, local_c = np.nonzero(tile > 0)
        if local_r.size == 0:
            continue
        prepared = prepare(stack, win, inputs)
        sel = pixel_indices(win, local_r + win.yoff, local_c + win.xoff)
        keep = prepared.valid[sel]
        n_dropped += int((~keep).sum())
        sel, local_r, local_c = sel[keep], local_r[keep], local_c[keep]
        if sel.size == 0:
            continue
        xs.append(np.array(batch_input(prepared, sel, patch_size)))  # a copy: the window is freed
        if with_observed:
            observed.append(prepared.observed[sel])
        rows_out.append(local_r + win.yoff)
        cols_out.append(local_c + win.xoff)
        ys.append(tile[local_r, local_c])
    if not xs:
        raise LabelsError(
            f"None of the labelled pixels has {min_valid_dates} or more observed dates ({n_dropped} dropped). "
            "Check that the labels overlap valid (cloud-free) data, or lower the minimum number of valid dates."
        )
    out = (np.concatenate(xs).astype(np.float32, copy=False), np.concatenate(rows_out),
           np.concatenate(cols_out), np.concatenate(ys).astype(np.int64), n_dropped)
    return out + (np.concatenate(observed),) if with_observed else out


def _cap_per_class(y: np.ndarray, max_pixels: Optional[int], rng: np.random.Generator) -> np.ndarray:
    """Indices kept when there are more than ``max_pixels`` labelled pixels: equal quota per class,
    the quota unused by small classes shared among the large ones."""
    if not max_pixels or y.size <= max_pixels:
        return np.arange(y.size)
    classes, counts = np.unique(y, return_counts=True)
    quota = np.zeros_like(counts)
    remaining, open_classes = max_pixels, list(np.argsort(counts))
    while open_classes:
        share = remaining // len(open_classes)
        c = open_classes[0]
        if counts[c] <= share:
            quota[c] = counts[c]
            remaining -= counts[c]
            open_classes.pop(0)
        else:
            for c in open_classes:
                quota[c] = share
            break
    keep = [rng.choice(np.flatnonzero(y == cls), q, replace=False) for cls, q in zip(classes, quota)]
    return np.sort(np.concatenate(keep))


def class_loss_weights(train_counts: np.ndarray, mode: str) -> np.ndarray:
    """Loss weight per class (mean 1 over the classes present in training; absent classes 0)."""
    counts = train_counts.astype(np.float64)
    present = counts > 0
    weights = np.zeros_like(counts)
    if mode == "none":
        weights[present] = 1.0
    else:
        power = 0.5 if mode == "sqrt_inverse" else 1.0
        weights[present] = counts[present] ** -power
        weights[present] /= weights[present].mean()
    return weights.astype(np.float32)


# --- training ----------------------------------------------------------------------------------
def is_better_epoch(macro_f1: float, loss: float, best_macro_f1: float, best_loss: float) -> bool:
    """Early stopping's rule: a higher validation macro-F1, or the same one (within 1e-9) with a lower loss.

    A NaN macro-F1 (``accuracy.metrics``: nothing to score) ranks below every number, so it never replaces a
    scored epoch; two NaN epochs compare by loss. ``best_macro_f1`` is -inf before the first epoch."""
    score = macro_f1 if math.isfinite(macro_f1) else -math.inf
    best = best_macro_f1 if math.isfinite(best_macro_f1) else -math.inf
    if score > best + 1e-9:
        return True
    return score >= best - 1e-9 and loss < best_loss


def _single_class_message(class_id: int, name) -> str:
    label = f"{class_id} ({name})" if name else str(class_id)
    return (f"The labels hold a single class, {label}: a classifier learns to tell classes apart and needs at least "
            "two (a one-class model would map everything as that class with full confidence). Add field data of "
            "the other land-cover classes, or check that the class field is the right one.")


def _single_class_message(class_id: int, name) -> str:
    label = f"{class_id} ({name})" if name else str(class_id)
    return (f"The labels hold a single class, {label}: a classifier learns to tell classes apart and needs at least "
            "two (a one-class model would map everything as that class with full confidence). Add field data of "
            "the other land-cover classes, or check that the class field is the right one.")


def train_model(stack, labels: np.ndarray, class_names: dict[int, str], config: Optional[TrainConfig] = None,
                progress: ProgressFn = None, is_cancelled: CancelFn = None, *, groups: Optional[np.ndarray] = None,
                split: Optional[Split] = None):
    """Train on the labelled pixels of ``stack`` (labels (H, W) int, 0 = unlabelled) -> ModelBundle.

    ``groups`` (H, W): field polygon of each pixel (``LabelRaster.polygon_ids``; 0 = none): whole polygons
    go to one side of the default split. ``split``: an explicit split as (H, W) rasters
    (``Split.to_raster``), e.g. one cross-validation fold; it replaces the default split.
    """
    config = config or TrainConfig()
    config.check()
    labels = np.asarray(labels)
    if labels.shape != (stack.height, stack.width):
        raise LabelsError(
            f"The label raster is {labels.shape[1]}x{labels.shape[0]} px but the stack is "
            f"{stack.width}x{stack.height}. Burn the field data onto the stack's grid (labels.rasterize_field_data)."
        )
    if not (labels > 0).any():
        raise LabelsError("The labels hold no labelled pixel (all 0). Check that the field data overlap the stack.")
    if np.unique(labels[labels > 0]).size < 2:  # cheap, before any pixel is read
        only = int(labels[labels > 0].flat[0])
        raise LabelsError(_single_class_message(only, (class_names or {}).get(only)))
    if np.unique(labels[labels > 0]).size < 2:  # cheap, before any pixel is read
        only = int(labels[labels > 0].flat[0])
        raise LabelsError(_single_class_message(only, (class_names or {}).get(only)))
    from ..data.calendar import grid_from_dates
    from ..data.validity import dates_kept

    grid = grid_from_dates(stack.dates, config.grid_step_days)
    x, rows, cols, y, n_dropped, observed = read_labelled_pixels(
        stack, labels, config.patch_size, config.min_valid_dates, is_cancelled=is_cancelled,
        validity=config.validity, grid=grid, with_observed=True)
    masked = [] if config.validity.cloud_fraction_max is None else [
        d.isoformat() for d, kept in zip(stack.dates, dates_kept(stack.info().cloud_fraction,
                                                                  config.validity.cloud_fraction_max)) if not kept]
    extra = {
        "stack": {"width": stack.width, "height": stack.height, "paths": [str(p) for p in getattr(stack, "paths", [])],
                  "dates": [d.isoformat() for d in stack.dates], "dates_missing_by_cloud_fraction": masked},
        "pixels_dropped_too_few_valid_dates": n_dropped,
        "observed_fraction": float(observed.mean()) if observed.size else None,
    }
    return train_on_arrays(x, y, class_names, config, rows=rows, cols=cols, bands=list(stack.bands),
                           dates=grid.dates, scaling=getattr(stack, "scaling", None), progress=progress,
                           is_cancelled=is_cancelled, extra_report=extra, observed=observed, temporal_grid=grid,
                           groups=None if groups is None else np.asarray(groups)[rows, cols],
                           split=None if split is None else split.at(rows, cols))


def train_on_arrays(x: np.ndarray, y: np.ndarray, class_names: Optional[dict[int, str]] = None,
                    config: Optional[TrainConfig] = None, *, rows: Optional[np.ndarray] = None,
                    cols: Optional[np.ndarray] = None, bands: Optional[Sequence[str]] = None,
                    dates: Optional[Sequence] = None, scaling=None, progress: ProgressFn = None,
                    is_cancelled: CancelFn = None, extra_report: Optional[dict] = None,
                    groups: Optional[np.ndarray] = None, split: Optional[Split] = None,
                    observed: Optional[np.ndarray] = None, temporal_grid=None):
    """Train on reflectance arrays: x (N, B, T) (NaN allowed: gap-filled here) or (N, B, T, k, k) patches,
    y (N,) class ids (> 0). ``rows`` / ``cols`` (pixel positions) give the spatially blocked split; without
    them every pixel is its own block. ``groups`` (N,): field polygon of each pixel, kept whole on one side;
    ``split`` (pixel-level, aligned with x): an explicit split instead of the default one.
    ``bands`` / ``dates`` default to B01.. / daily dates from 2000-01-01. ``observed`` (N, T) bool: the values
    that are real observations (normalisation and band groups use those only). ``temporal_grid``
    (``data.calendar.TemporalGrid``) the model keeps; default: ``dates`` when given (gaps are then filled by
    day), else none (a model that reads any stack of T dates by position).
    """
    import datetime

    from ..data.gapfill import fill_gaps
    from ..data.windows import mean_series, replace_missing
    from ..models.model_file import _json_safe, bundle_from_module, classes_from_names
    from ..models import ModelSpec, build_model
    from ..accuracy.metrics import confusion_matrix, report_from_matrix
    from ..runtime import import_torch, resolve_device, set_threads

    config = config or TrainConfig()
    config.check()
    config = config.resolved()  # the report records the recipe actually trained
    started = time.perf_counter()
    x = np.asarray(x, dtype=np.float32)
    y = np.asarray(y).astype(np.int64)
    k = config.patch_size
    expected_ndim = 3 if k == 1 else 5
    if x.ndim != expected_ndim or (k > 1 and x.shape[-2:] != (k, k)) or x.shape[0] != y.shape[0]:
        raise LabelsError(
            f"Training arrays have shape {x.shape} for {y.shape[0]} labels; patch_size {k} needs "
            + ("(N, B, T)" if k == 1 else f"(N, B, T, {k}, {k})") + ". Pass matching arrays."
        )
    n_bands, n_dates = x.shape[1], x.shape[2]
    bands = list(bands) if bands is not None else [f"B{b + 1:02d}" for b in range(n_bands)]
    if temporal_grid is None and dates is not None:
        from ..data.calendar import grid_from_dates

        temporal_grid = grid_from_dates(dates)
        temporal_grid = temporal_grid if temporal_grid.n_dates == n_dates else None  # repeated dates: by position
    times = None if temporal_grid is None else temporal_grid.days
    if dates is None:
        dates = [datetime.date(2000, 1, 1) + datetime.timedelta(days=t) for t in range(n_dates)]
    if len(bands) != n_bands or len(dates) != n_dates:
        raise LabelsError(f"{len(bands)} band names / {len(dates)} dates given for arrays of {n_bands} bands x "
                          f"{n_dates} dates. Pass one name per band and one date per date.")
    labelled = y > 0
    if rows is None or cols is None:  # no positions: every pixel its own block, no buffer
        rows, cols, block_size, buffer = np.arange(y.size), np.zeros(y.size, np.int64), 1, 0
    else:
        rows, cols, block_size = np.asarray(rows), np.asarray(cols), config.block_size
        buffer = default_buffer(k) if config.buffer is None else int(config.buffer)
    groups = None if groups is None else np.asarray(groups)
    split = None if split is None else split.at(rows, cols)
    x, y, rows, cols = x[labelled], y[labelled], rows[labelled], cols[labelled]
    groups = None if groups is None else groups[labelled]
    observed = None if observed is None else np.asarray(observed, bool)[labelled]
    split = None if split is None else split.subset(labelled)

    # Gap filling (idempotent on already filled data): drop pixels with too few observed dates.
    if k == 1:
        x, valid = fill_gaps(x, min_valid_dates=config.min_valid_dates, times=times)
    else:  # every patch pixel filled in time; no-data neighbours stay NaN (-> training mean below)
        n = x.shape[0]
        flat = np.ascontiguousarray(x.transpose(0, 3, 4, 1, 2)).reshape(-1, n_bands, n_dates)
        flat, flat_valid = fill_gaps(flat, min_valid_dates=config.min_valid_dates, times=times)
        flat[~flat_valid] = np.nan
        x = np.ascontiguousarray(flat.reshape(n, k, k, n_bands, n_dates).transpose(0, 3, 4, 1, 2))
        valid = flat_valid.reshape(n, k, k)[:, k // 2, k // 2]
    n_dropped = int((~valid).sum())
    x, y, rows, cols = x[valid], y[valid], rows[valid], cols[valid]
    groups = None if groups is None else groups[valid]
    observed = None if observed is None else observed[valid]
    split = None if split is None else split.subset(valid)
    if y.size == 0:
        raise LabelsError("No labelled pixel has enough observed dates. Lower min_valid_dates or check the data.")

    rng = np.random.default_rng(config.seed)
    keep = _cap_per_class(y, config.max_pixels, rng)
    x, y, rows, cols = x[keep], y[keep], rows[keep], cols[keep]
    groups = None if groups is None else groups[keep]
    observed = None if observed is None else observed[keep]
    split = None if split is None else split.subset(keep)

    class_ids = sorted(int(c) for c in np.unique(y))
    names = {cid: str((class_names or {}).get(cid, f"class {cid}")) for cid in class_ids}
    if len(class_ids) < 2:
        raise LabelsError(_single_class_message(class_ids[0], names[class_ids[0]]))
    if len(class_ids) < 2:
        raise LabelsError(_single_class_message(class_ids[0], names[class_ids[0]]))
    index_of = {cid: i for i, cid in enumerate(class_ids)}
    y_index = np.array([index_of[int(c)] for c in y], dtype=np.int64)
    n_classes = len(class_ids)

    if split is None:  # whole polygons (else blocks) to one side, sides kept `buffer` px apart
        split = grouped_split(rows, cols, y, groups, block_size, buffer, config.val_fraction,
                              config.test_fraction, config.seed)
    notes = []
    if split.train.size == 0:
        raise LabelsError("No block went to training. Lower block_size or the validation / test fractions.")
    val_idx = split.val
    if val_idx.size == 0:
        notes.append("no validation block (too few blocks): early stopping monitored the training pixels")
        val_idx = split.train
    if split.test.size == 0 and config.test_fraction > 0:
        notes.append("no test block (too few blocks): no held-out scores; lower block_size for a test set")
    train_counts = np.bincount(y_index[split.train], minlength=n_classes)
    missing_in_train = [class_ids[i] for i in range(n_classes) if train_counts[i] == 0]
    if missing_in_train:
        notes.append(f"classes {missing_in_train} have no training pixel and cannot be learned")

    # Normalisation and band groups from the training pixels only (no leakage from val / test).
    train_centre = centre(x[split.train])
    train_observed = None if observed is None else observed[split.train]  # clouds filled in are not data
    mean, std = normalisation_stats(train_centre, train_observed)
    if k > 1:  # no-data neighbours -> the per-band training mean, as inference does
        replace_missing(x, mean_series(mean, n_dates))
    if config.arch == "attention":
        band_groups = band_groups_from_correlation(train_centre, config.band_group_threshold, seed=config.seed,
                                                   observed=train_observed)
    else:
        band_groups = [[b] for b in range(n_bands)]
    dropout = config.dropout if config.dropout is not None else (0.5 if config.arch == "tempcnn" else 0.3)
    spec = ModelSpec(arch=config.arch, n_bands=n_bands, n_dates=n_dates, n_classes=n_classes, patch_size=k,
                     attention=config.attention, band_groups=band_groups, norm_mean=mean.tolist(),
                     norm_std=std.tolist(), kernel_size=config.kernel_size, band_width=config.band_width,
                     fusion_width=config.fusion_width, conv_width=config.conv_width, dense_width=config.dense_width,
                     embed_width=config.embed_width, hidden_width=config.hidden_width,
                     band_attention=config.band_attention, dropout=dropout,
                     n_members=config.n_members)

    torch = import_torch()
    set_threads(config.threads)
    device = resolve_device(config.device)
    torch.manual_seed(config.seed)
    model = build_model(spec).to(device)
    optimiser = torch.optim.Adam(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    weights = torch.as_tensor(class_loss_weights(train_counts, config.class_weighting), device=device)
    criterion = torch.nn.CrossEntropyLoss(weight=weights, label_smoothing=config.label_smoothing)
    augmentation = Augmentation(date_dropout=config.date_dropout, band_dropout=config.band_dropout,
                                mixup_alpha=config.mixup_alpha, min_valid_dates=config.min_valid_dates,
                                times=times)  # hidden dates re-filled by day, as the data path fills clouds
    augment_rng = np.random.default_rng([config.seed, 1])
    x_all = torch.as_tensor(x, device=device)
    y_all = torch.as_tensor(y_index, device=device)
    train_idx = torch.as_tensor(split.train, device=device)
    generator = torch.Generator(device="cpu").manual_seed(config.seed)

    def check_cancel():
        if is_cancelled is not None and is_cancelled():
            raise Cancelled("Training cancelled; no model was written.")

    def evaluate(indices: np.ndarray) -> tuple[float, np.ndarray]:
        """Weighted loss and predicted class indices of ``indices`` (eval mode). Batches of 1024: on CPU
        the attention net slows down several-fold at 4096 (measured on 2 cores: ~14k vs ~90k px/s at 256)."""
        model.eval()
        preds, loss_sum = [], 0.0
        with torch.no_grad():
            for start in range(0, indices.size, 1024):
                check_cancel()
                sel = torch.as_tensor(indices[start:start + 1024], device=device)
                logits = model(x_all[sel])
                loss_sum += float(torch.nn.functional.cross_entropy(
                    logits, y_all[sel], weight=weights, reduction="sum"))
                preds.append(logits.argmax(1).cpu().numpy())
        denom = float(weights[y_all[torch.as_tensor(indices, device=device)]].sum()) or 1.0
        return loss_sum / denom, np.concatenate(preds) if preds else np.zeros(0, np.int64)

    history: list[dict] = []
    best = {"f1": -math.inf, "loss": math.inf, "epoch": 0, "state": None}
    stale = 0
    n_train = split.train.size
    for epoch in range(1, config.epochs + 1):
        t0 = time.perf_counter()
        model.train()
        order = train_idx[torch.randperm(n_train, generator=generator).to(device)]
        loss_sum, seen = 0.0, 0
        for start in range(0, n_train, config.batch_size):
            check_cancel()
            sel = order[start:start + config.batch_size]
            if sel.numel() < 2:  # BatchNorm cannot train on a single sample
                continue
            optimiser.zero_grad(set_to_none=True)
            batch = augment_batch(x_all[sel], augmentation, augment_rng)
            loss = batch_loss(model, batch, y_all[sel], criterion, augmentation, augment_rng)
            loss.backward()
            optimiser.step()
            loss_sum += float(loss.detach()) * sel.numel()
            seen += sel.numel()
        val_loss, val_pred = evaluate(val_idx)
        val_scores = report_from_matrix(confusion_matrix(y_index[val_idx], val_pred, range(n_classes)),
                                        range(n_classes))
        f1 = val_scores.macro_f1
        if config.early_stopping == "loss":
            improved = best["state"] is None or val_loss < best["loss"]
        else:
            improved = best["state"] is None or is_better_epoch(f1, val_loss, best["f1"], best["loss"])
        if improved:
            best = {"f1": f1, "loss": val_loss, "epoch": epoch,
                    "state": {name: t.detach().clone() for name, t in model.state_dict().items()}}
            stale = 0
        else:
            stale += 1
        report = EpochReport(epoch=epoch, n_epochs=config.epochs, train_loss=loss_sum / max(seen, 1),
                             val_loss=val_loss, val_overall_accuracy=val_scores.overall_accuracy,
                             val_macro_f1=f1, val_kappa=val_scores.kappa, is_best=improved,
                             seconds=time.perf_counter() - t0)
        history.append(report.to_dict())
        if progress is not None:
            progress(report)
        if stale >= config.patience:
            score = "macro-F1" if config.early_stopping == "macro_f1" else "loss"
            notes.append(f"early stop after epoch {epoch}: no better validation {score} for {config.patience} epochs")
            break

    model.load_state_dict(best["state"])
    model.eval()
    test = None
    if split.test.size:
        from ..accuracy.intervals import block_bootstrap
        from ..accuracy.metrics import accuracy_report

        _, test_pred = evaluate(split.test)
        ids = np.asarray(class_ids)
        # The full accuracy report (confusion matrix, UA / PA / F1 per class; metrics.report_from_dict reads it
        # back) plus the headline numbers the CLI, Processing and the dock show.
        test = accuracy_report(ids[y_index[split.test]], ids[test_pred], class_ids, names).to_dict()
        test["per_class_f1"] = {str(c["id"]): c["f1"] for c in test["per_class"]}
        test["n_pixels"] = int(split.test.size)
        test["n_units"] = int(np.unique(split.unit[split.test]).size)
        test["n_blocks"] = int(np.unique(block_ids(rows[split.test], cols[split.test], block_size)).size)
        # Test pixels of one polygon / block are not independent: intervals resample whole units.
        test["ci95"] = block_bootstrap(ids[y_index[split.test]], ids[test_pred], split.unit[split.test],
                                       class_ids, seed=config.seed)
        test["notes"] = list(test.get("notes", [])) + [
            f"held-out side of a {split.kind} split (blocks of {split.block_size} px, {split.buffer} px buffer), "
            "never seen in training or early stopping"]
    counts = split.support(y)
    report = _json_safe({
        "config": config.to_dict(),
        "device": device,
        "class_ids": class_ids,
        "class_counts": {name: {str(c): n for c, n in counts[name].items()} for name in ("train", "val", "test")},
        "split": split.describe(y),
        "band_groups": [[bands[b] for b in g] for g in band_groups],
        "class_loss_weights": {str(cid): float(w) for cid, w in zip(class_ids, weights.cpu().numpy())},
        "pixels_dropped_too_few_valid_dates": n_dropped,
        "best_epoch": best["epoch"],
        "best_val_macro_f1": best["f1"],
        "epochs_run": len(history),
        "history": history,
        "test": test,
        "notes": notes,
        "seconds": time.perf_counter() - started,
        **(extra_report or {}),
    })
    if extra_report and "pixels_dropped_too_few_valid_dates" in extra_report:
        report["pixels_dropped_too_few_valid_dates"] = extra_report["pixels_dropped_too_few_valid_dates"] + n_dropped
    return bundle_from_module(model.cpu(), spec, bands, dates, classes_from_names(names), scaling=scaling,
                              report=report, temporal_grid=temporal_grid, validity=config.validity)
