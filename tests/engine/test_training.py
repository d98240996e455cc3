"""Spatial splits, band grouping, training on planted-signal arrays and on the real tiny sample."""
import json
from pathlib import Path

import numpy as np
import pytest

from land_cover_xai_plugin.engine.errors import Cancelled, LabelsError, LcxError
from land_cover_xai_plugin.engine.accuracy.metrics import accuracy_report, report_from_dict
from land_cover_xai_plugin.engine.data.splits import block_ids, spatial_block_split
from land_cover_xai_plugin.engine.training.trainer import (
    EpochReport, TrainConfig, band_groups_from_correlation, class_loss_weights, is_better_epoch, train_model,
    train_on_arrays)

SAMPLE = Path(__file__).resolve().parents[2] / "land_cover_xai_plugin" / "sample_data" / "tiny"


# --- splits ---------------------------------------------------------------------------------------
def grid_labels(h=60, w=60, seed=0):
    rng = np.random.default_rng(seed)
    rows, cols = np.divmod(np.arange(h * w), w)
    y = rng.choice([1, 2, 3, 5], size=h * w, p=[0.6, 0.3, 0.09, 0.01])
    return rows, cols, y


def test_split_blocks_are_disjoint_and_cover_everything():
    rows, cols, y = grid_labels()
    split = spatial_block_split(rows, cols, y, block_size=6, val_fraction=0.2, test_fraction=0.2, seed=1)
    train, val, test = split.blocks("train"), split.blocks("val"), split.blocks("test")
    assert not (train & val) and not (train & test) and not (val & test)
    assert train and val and test
    everything = np.sort(np.concatenate([split.train, split.val, split.test]))
    assert np.array_equal(everything, np.arange(y.size))
    blocks = block_ids(rows, cols, 6)
    for name in ("train", "val", "test"):  # no block has pixels in two splits
        idx = getattr(split, name)
        others = np.setdiff1d(np.arange(y.size), idx)
        assert not set(blocks[idx]) & set(blocks[others])
    # Each class reaches training; fractions are roughly met.
    assert set(np.unique(y[split.train])) == {1, 2, 3, 5}
    assert 0.45 < split.train.size / y.size < 0.75


def test_split_is_seeded():
    rows, cols, y = grid_labels()
    a = spatial_block_split(rows, cols, y, 6, seed=3)
    b = spatial_block_split(rows, cols, y, 6, seed=3)
    c = spatial_block_split(rows, cols, y, 6, seed=4)
    assert np.array_equal(a.test, b.test)
    assert not np.array_equal(a.test, c.test)


def test_rare_class_in_a_single_block_goes_to_training():
    rows, cols, y = grid_labels()
    y = y.copy()
    y[y == 5] = 1
    y[(rows < 3) & (cols < 3)] = 7  # one block only
    split = spatial_block_split(rows, cols, y, 6, seed=0)
    assert (y[split.train] == 7).sum() == 9


def test_split_rejects_bad_settings():
    rows, cols, y = grid_labels(10, 10)
    with pytest.raises(LabelsError, match="fraction"):
        spatial_block_split(rows, cols, y, 4, val_fraction=0.6, test_fraction=0.5)


# --- helpers --------------------------------------------------------------------------------------
def test_band_groups_follow_correlation():
    rng = np.random.default_rng(0)
    base, other = rng.normal(size=(500, 1, 6)), rng.normal(size=(500, 1, 6))
    x = np.concatenate([base, base * 2 + 0.01 * rng.normal(size=base.shape), other, -base,
                        np.ones_like(base)], axis=1)
    assert band_groups_from_correlation(x, 0.9) == [[0, 1, 3], [2], [4]]


def test_early_stopping_rule_ranks_nan_last():
    nan, inf = float("nan"), float("inf")
    assert is_better_epoch(0.5, 1.0, -inf, inf)  # the first epoch
    assert is_better_epoch(0.6, 9.0, 0.5, 1.0) and not is_better_epoch(0.4, 0.1, 0.5, 1.0)
    assert is_better_epoch(0.5, 0.9, 0.5, 1.0) and not is_better_epoch(0.5, 1.1, 0.5, 1.0)  # tie: lower loss
    assert not is_better_epoch(nan, 0.0, 0.1, 1.0)  # nothing scored never replaces a score
    assert is_better_epoch(0.0, 5.0, nan, 1.0)
    assert is_better_epoch(nan, 0.5, nan, 1.0) and not is_better_epoch(nan, 1.5, nan, 1.0)


def test_class_loss_weights():
    w = class_loss_weights(np.array([100, 25, 0]), "sqrt_inverse")
    assert w[2] == 0 and w[1] == pytest.approx(2 * w[0]) and w[:2].mean() == pytest.approx(1.0)


# --- training on arrays ---------------------------------------------------------------------------
def planted(n_side=24, n_bands=6, n_dates=8, seed=0):
    """Class c (1..3) differs from the others only by +0.15 in band c-1 at dates 3..5."""
    rng = np.random.default_rng(seed)
    n = n_side * n_side
    rows, cols = np.divmod(np.arange(n), n_side)
    y = rng.integers(1, 4, size=n)
    t = np.linspace(0, np.pi, n_dates)
    x = 0.1 + 0.2 * np.sin(t)[None, None, :] * rng.uniform(0.5, 1.0, (n, n_bands, 1))
    x = x + rng.normal(0, 0.02, x.shape)
    for c in (1, 2, 3):
        x[y == c, c - 1, 3:6] += 0.15
    x[rng.random(x.shape) < 0.05] = np.nan  # clouds: gap-filled inside
    return x.astype(np.float32), y, rows, cols


FAST = dict(epochs=6, batch_size=64, lr=3e-3, patience=6, block_size=4, buffer=1, band_width=4, fusion_width=16,
            conv_width=16, dense_width=32, threads=1, device="cpu")


@pytest.mark.parametrize("arch,attention", [("attention", "se"), ("attention", "softmax"), ("tempcnn", "se")])
def test_planted_signal_is_learned(arch, attention):
    x, y, rows, cols = planted()
    reports = []
    bundle = train_on_arrays(x, y, {1: "forest", 2: "water", 3: "grassland"},
                             TrainConfig(arch=arch, attention=attention, **FAST), rows=rows, cols=cols,
                             progress=reports.append)
    assert bundle.report["test"]["overall_accuracy"] > 0.9, bundle.report["test"]
    assert bundle.report["test"]["macro_f1"] > 0.85
    assert bundle.class_ids == [1, 2, 3] and bundle.classes[1].color == "#1f78b4"
    assert all(isinstance(r, EpochReport) for r in reports) and reports[-1].n_epochs == 6
    assert 1 <= bundle.report["best_epoch"] <= len(reports)
    assert set(bundle.report["class_counts"]) == {"train", "val", "test"}
    model = bundle.build()
    assert not model.training
    test = bundle.report["test"]
    assert set(test["per_class_f1"]) == {"1", "2", "3"} and test["n_blocks"] >= 1
    assert report_from_dict(test).overall_accuracy == pytest.approx(test["overall_accuracy"])
    json.dumps(bundle.report, allow_nan=False)


def test_epoch_scores_are_accuracy_metrics():
    """Early stopping reads the validation scores of accuracy.metrics (one implementation): with no val / test
    block the validation pixels are the training pixels, and one epoch's model is the bundle's."""
    from land_cover_xai_plugin.engine.data.gapfill import fill_gaps

    x, y, rows, cols = planted(n_side=10)
    reports = []
    bundle = train_on_arrays(x, y, None, TrainConfig(**{**FAST, "epochs": 1, "val_fraction": 0.0,
                                                        "test_fraction": 0.0}),
                             rows=rows, cols=cols, progress=reports.append)
    filled, valid = fill_gaps(x, min_valid_dates=2)
    torch = pytest.importorskip("torch")
    with torch.no_grad():
        pred = bundle.build()(torch.from_numpy(filled[valid])).argmax(1).numpy()
    expected = accuracy_report(y[valid], np.asarray(bundle.class_ids)[pred], bundle.class_ids)
    (epoch,) = reports
    assert epoch.val_overall_accuracy == pytest.approx(expected.overall_accuracy)
    assert epoch.val_macro_f1 == pytest.approx(expected.macro_f1)
    assert epoch.val_kappa == pytest.approx(expected.kappa)
    assert bundle.report["best_val_macro_f1"] == pytest.approx(expected.macro_f1)


def test_patch_training_runs():
    x, y, rows, cols = planted(n_side=14)
    patches = np.repeat(np.repeat(x[..., None, None], 3, axis=3), 3, axis=4)
    patches[:5, :, :, 0, 0] = np.nan  # a no-data neighbour
    bundle = train_on_arrays(patches, y, None, TrainConfig(arch="tempcnn", patch_size=3, **{**FAST, "epochs": 2}),
                             rows=rows, cols=cols)
    assert bundle.spec.patch_size == 3 and bundle.report["epochs_run"] == 2


def test_same_seed_same_weights_and_different_seed_differs():
    x, y, rows, cols = planted(n_side=12)
    config = TrainConfig(**{**FAST, "epochs": 2})
    a = train_on_arrays(x, y, None, config, rows=rows, cols=cols)
    b = train_on_arrays(x, y, None, config, rows=rows, cols=cols)
    c = train_on_arrays(x, y, None, TrainConfig(**{**FAST, "epochs": 2, "seed": 1}), rows=rows, cols=cols)
    assert a.state_dict.keys() == b.state_dict.keys()
    assert all(np.array_equal(a.state_dict[k], b.state_dict[k]) for k in a.state_dict)
    assert not all(np.array_equal(a.state_dict[k], c.state_dict[k]) for k in a.state_dict)


def test_cancel_raises_cancelled():
    x, y, rows, cols = planted(n_side=12)
    calls = []

    def is_cancelled():
        calls.append(1)
        return len(calls) > 3

    with pytest.raises(Cancelled):
        train_on_arrays(x, y, None, TrainConfig(**FAST), rows=rows, cols=cols, is_cancelled=is_cancelled)


def test_bad_arrays_are_explained():
    x, y, _, _ = planted(n_side=6)
    with pytest.raises(LabelsError, match="patch_size 3"):
        train_on_arrays(x, y, None, TrainConfig(patch_size=3))
    with pytest.raises(LcxError, match="odd"):
        train_on_arrays(x, y, None, TrainConfig(patch_size=2))


def test_a_patch_larger_than_the_models_take_is_refused_before_training():
    """33 is odd but beyond the models' 31: said at once by the settings check, not after the training."""
    TrainConfig(patch_size=31).check()
    with pytest.raises(LcxError, match=r"patch_size must be odd, from 1 to 31 .*not 33"):
        TrainConfig(patch_size=33).check()
    x, y, _, _ = planted(n_side=6)
    with pytest.raises(LcxError, match="from 1 to 31"):
        train_on_arrays(x, y, None, TrainConfig(patch_size=33))


# --- the real tiny sample, through the stack API ---------------------------------------------------
@pytest.mark.parametrize("patch_size", [1, 3])
def test_real_tiny_sample_end_to_end(tmp_path, patch_size):
    stack_mod = pytest.importorskip("land_cover_xai_plugin.engine.io.stack")
    from osgeo import gdal

    from land_cover_xai_plugin.engine.models.model_file import load_model, save_model

    stack = stack_mod.open_stack([str(SAMPLE / "s2_l1c_tiny.tif")])
    labels = gdal.Open(str(SAMPLE / "labels_lulc_tiny.tif")).ReadAsArray().astype(np.int32)
    names = {1: "cultivated land", 2: "forest", 3: "grassland", 4: "shrubland", 8: "artificial surface"}
    config = TrainConfig(arch="attention" if patch_size == 1 else "tempcnn", patch_size=patch_size,
                         **{**FAST, "epochs": 2, "block_size": 8})
    bundle = train_model(stack, labels, names, config)
    assert bundle.bands == list(stack.bands) and bundle.spec.n_dates == stack.n_dates == 3
    assert bundle.dates == [d.isoformat() for d in stack.dates]
    assert set(bundle.class_ids) <= set(names) and 2 in bundle.class_ids
    assert bundle.report["test"] is not None and 0 <= bundle.report["test"]["overall_accuracy"] <= 1
    assert bundle.scaling["scale"] == pytest.approx(1e-4)
    bundle.check_fits(stack)
    path = str(tmp_path / "tiny.lcx")
    save_model(path, bundle)
    assert load_model(path).describe()["n_bands"] == 13
    stack.close()


def test_labels_of_the_wrong_size_are_refused():
    stack_mod = pytest.importorskip("land_cover_xai_plugin.engine.io.stack")
    stack = stack_mod.open_stack([str(SAMPLE / "s2_l1c_tiny.tif")])
    with pytest.raises(LabelsError, match="grid"):
        train_model(stack, np.ones((5, 5), np.int32), {1: "a"}, TrainConfig(**FAST))
    stack.close()
