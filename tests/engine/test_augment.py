"""Training-side augmentation: observation dropout through the engine's gap filling, mixup, ensemble losses,
and the robust-training options of TrainConfig end to end."""
import numpy as np
import pytest

from land_cover_xai_plugin.engine.data import gapfill
from land_cover_xai_plugin.engine.errors import LcxError
from land_cover_xai_plugin.engine.training.augment import (
    Augmentation, batch_loss, observation_dropout, observation_mask)
from land_cover_xai_plugin.engine.training.trainer import TrainConfig, train_on_arrays

torch = pytest.importorskip("torch")


def linear_series(n=200, n_bands=4, n_dates=9, seed=0):
    """Series linear in time per pixel and band: linear gap filling restores hidden inner dates exactly."""
    rng = np.random.default_rng(seed)
    t = np.arange(n_dates, dtype=np.float32)
    return (rng.uniform(0.1, 0.3, (n, n_bands, 1)) + rng.uniform(-0.01, 0.01, (n, n_bands, 1)) * t).astype(
        np.float32)


def test_mask_keeps_enough_dates_and_every_band():
    rng = np.random.default_rng(0)
    hidden = observation_mask((5000, 6, 7), date_dropout=0.6, band_dropout=0.3, rng=rng, min_valid_dates=3)
    fully_kept = (~hidden).all(axis=1)  # (N, T): dates with every band observed
    assert (fully_kept.sum(axis=1) >= 3).all()
    # rates near the asked ones (dates hidden unless min_valid_dates forces them back)
    date_hidden = hidden.all(axis=1)
    assert 0.4 < date_hidden.mean() < 0.6
    partly = hidden.any(axis=1) & ~date_hidden
    assert 0.2 < hidden[partly.nonzero()[0], :, partly.nonzero()[1]].mean() < 0.5
    off = observation_mask((100, 6, 7), 0.0, 0.0, rng)
    assert not off.any()


def test_dropout_goes_through_the_engines_gap_filling(monkeypatch):
    x = linear_series()
    calls = []
    real = gapfill.fill_gaps

    def spy(values, *args, **kwargs):
        calls.append(np.isnan(values).sum())
        return real(values, *args, **kwargs)

    monkeypatch.setattr(gapfill, "fill_gaps", spy)
    out = observation_dropout(x, 0.3, 0.1, np.random.default_rng(1), min_valid_dates=2)
    assert calls and calls[0] > 0, "the hidden observations must reach fill_gaps as NaN"
    hidden = observation_mask(x.shape, 0.3, 0.1, np.random.default_rng(1), 2)
    expected, _ = real(np.where(hidden, np.nan, x), min_valid_dates=2)
    np.testing.assert_array_equal(out, expected)
    # linear series: hidden dates between two kept ones come back exactly; ends take the nearest kept value
    inner = hidden.copy()
    inner[..., 0] = inner[..., -1] = False
    kept_before = np.maximum.accumulate(np.where(~hidden, np.arange(x.shape[2]), -1), axis=2) >= 0
    kept_after = np.flip(np.maximum.accumulate(np.flip(~hidden, 2), axis=2), 2)
    between = inner & kept_before & kept_after
    assert between.any()
    np.testing.assert_allclose(out[between], x[between], atol=1e-6)
    assert not np.array_equal(out, x)


def test_dropout_of_patches_shares_one_mask_per_pixel():
    x = linear_series(n=30)
    patches = np.repeat(np.repeat(x[..., None, None], 3, axis=3), 3, axis=4)
    out = observation_dropout(patches, 0.4, 0.0, np.random.default_rng(2))
    assert out.shape == patches.shape and np.isfinite(out).all()
    # every neighbour saw the same clouds: identical inputs stay identical
    np.testing.assert_array_equal(out[..., 0, 0], out[..., 2, 1])
    np.testing.assert_array_equal(out[..., 1, 1], observation_dropout(x, 0.4, 0.0, np.random.default_rng(2)))


def test_batch_loss_fits_each_ensemble_member_and_mixes_up():
    from land_cover_xai_plugin.engine.models import ModelSpec, build_model

    torch.manual_seed(0)
    spec = ModelSpec(arch="mlp", n_bands=4, n_dates=9, n_classes=3, n_members=3)
    model = build_model(spec)
    x = torch.rand(16, 4, 9)
    y = torch.randint(0, 3, (16,))
    criterion = torch.nn.CrossEntropyLoss()
    model.eval()  # no dropout / BN batch statistics: the members' own losses are reproducible
    loss = batch_loss(model, x, y, criterion, Augmentation(), np.random.default_rng(0))
    expected = torch.stack([criterion(member(x), y) for member in model.members]).mean()
    assert torch.allclose(loss, expected)
    assert not torch.allclose(loss, criterion(model(x), y)), "the ensemble must not train as one mixture"
    rng = np.random.default_rng(3)
    mixed = batch_loss(model, x, y, criterion, Augmentation(mixup_alpha=0.4), rng)
    rng = np.random.default_rng(3)
    lam, perm = rng.beta(0.4, 0.4), torch.as_tensor(rng.permutation(16))
    xm = lam * x + (1 - lam) * x[perm]
    want = torch.stack([lam * criterion(m(xm), y) + (1 - lam) * criterion(m(xm), y[perm])
                        for m in model.members]).mean()
    assert torch.allclose(mixed, want, atol=1e-6)


def planted(n_side=20, n_bands=5, n_dates=7, seed=0):
    rng = np.random.default_rng(seed)
    n = n_side * n_side
    rows, cols = np.divmod(np.arange(n), n_side)
    y = rng.integers(1, 4, size=n)
    x = 0.2 + rng.normal(0, 0.02, (n, n_bands, n_dates))
    for c in (1, 2, 3):
        x[y == c, c - 1, 2:5] += 0.15
    return x.astype(np.float32), y, rows, cols


FAST = dict(epochs=8, batch_size=64, lr=3e-3, patience=8, block_size=4, threads=1, device="cpu")


def test_robust_options_train_an_ensemble_in_one_file(tmp_path):
    from land_cover_xai_plugin.engine.models.model_file import load_model, save_model

    x, y, rows, cols = planted()
    config = TrainConfig(arch="mlp", n_members=3, date_dropout=0.2, band_dropout=0.05, label_smoothing=0.1,
                         mixup_alpha=0.2, **FAST)
    bundle = train_on_arrays(x, y, None, config, rows=rows, cols=cols)
    assert bundle.report["test"]["macro_f1"] > 0.85, bundle.report["test"]
    assert bundle.report["config"]["n_members"] == 3 and bundle.spec.n_members == 3
    save_model(str(tmp_path / "ens.lcx"), bundle)
    model = load_model(str(tmp_path / "ens.lcx")).build()
    probs = torch.softmax(model(torch.from_numpy(x[:50])), 1)
    members = model.last_member_probabilities
    assert members.shape == (50, 3, 3)
    assert torch.allclose(probs, members.mean(1), atol=1e-5)
    assert model.last_disagreement.shape == (50,) and (model.last_disagreement >= 0).all()
    # the members differ (independent initialisations), so they disagree somewhere
    assert float(model.last_disagreement.max()) > 0


def test_observation_dropout_changes_training_and_is_seeded():
    x, y, rows, cols = planted(n_side=12)
    base = dict(arch="mlp", **{**FAST, "epochs": 2})
    plain = train_on_arrays(x, y, None, TrainConfig(**base), rows=rows, cols=cols)
    dropped = [train_on_arrays(x, y, None, TrainConfig(date_dropout=0.3, **base), rows=rows, cols=cols)
               for _ in range(2)]
    def same(a, b):
        return all(np.array_equal(a.state_dict[k], b.state_dict[k]) for k in a.state_dict)
    assert same(dropped[0], dropped[1])
    assert not same(plain, dropped[0])


@pytest.mark.parametrize("bad", [dict(n_members=0), dict(n_members=99), dict(date_dropout=1.0),
                                 dict(band_dropout=-0.1), dict(label_smoothing=1.5), dict(mixup_alpha=-1),
                                 dict(arch="lstm")])
def test_bad_robust_settings_are_refused(bad):
    with pytest.raises(LcxError, match="Invalid training settings"):
        TrainConfig(**bad).check()



def test_early_stopping_on_validation_loss_keeps_the_lowest_loss_epoch():
    x, y, rows, cols = planted(n_side=14)
    bundle = train_on_arrays(x, y, None, TrainConfig(arch="mlp", early_stopping="loss", **{**FAST, "epochs": 6}),
                             rows=rows, cols=cols)
    losses = [epoch["val_loss"] for epoch in bundle.report["history"]]
    assert bundle.report["best_epoch"] == 1 + int(np.argmin(losses))
    with pytest.raises(LcxError, match="early_stopping"):
        TrainConfig(early_stopping="kappa").check()


def test_recipe_defaults_follow_the_architecture():
    mlp = TrainConfig().resolved()
    assert TrainConfig().arch == "mlp" and TrainConfig().n_members is None
    assert (mlp.n_members, mlp.date_dropout, mlp.band_dropout, mlp.early_stopping) == (5, 0.2, 0.05, "loss")
    attention = TrainConfig(arch="attention").resolved()
    assert (attention.n_members, attention.date_dropout, attention.early_stopping) == (1, 0.0, "macro_f1")
    assert TrainConfig(arch="tempcnn", n_members=2, date_dropout=0.1).resolved().n_members == 2
    x, y, rows, cols = planted(n_side=10)
    bundle = train_on_arrays(x, y, None, TrainConfig(**{**FAST, "epochs": 1}), rows=rows, cols=cols)
    assert bundle.spec.arch == "mlp" and bundle.spec.n_members == 5 and bundle.spec.band_attention
    assert bundle.report["config"]["n_members"] == 5 and bundle.report["config"]["early_stopping"] == "loss"
