"""Baseline sensitivity: the metric gives 1 / 0 to a method that ignores its baseline and tells a
baseline-driven one (Integrated Gradients from two different real baselines) apart."""
from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("captum")

from land_cover_xai_plugin.engine.explain import attribution
from land_cover_xai_plugin.engine.explain.evaluation import baseline_sensitivity


class _Pixel(torch.nn.Module):
    """A small non-linear pixel model (B=3, T=6, K=3)."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(18, 32), torch.nn.Tanh(),
                                       torch.nn.Linear(32, 3))

    def forward(self, x):
        return self.net((x - 0.2) * 8.0)


def _data(n=60):
    rng = np.random.default_rng(0)
    x = torch.as_tensor(rng.uniform(0.0, 0.4, (n, 3, 6)).astype(np.float32))
    return x


def _input_x_gradient(model, x, targets, baseline):
    """Gradient x input of the target probability: takes a baseline argument and ignores it."""
    x = x.detach().requires_grad_(True)
    p = torch.softmax(model(x), 1).gather(1, targets[:, None]).sum()
    (grad,) = torch.autograd.grad(p, x)
    return (grad * x).detach()


def _by_date(attr):
    return attr.sum(1).numpy()


def test_a_method_that_ignores_its_baseline_scores_one_and_zero():
    model = _Pixel().eval()
    x = _data()
    targets = torch.softmax(model(x), 1).argmax(1)
    low, high = torch.full((1, 3, 6), 0.05), torch.full((1, 3, 6), 0.35)
    got = baseline_sensitivity(_by_date(_input_x_gradient(model, x, targets, low)),
                               _by_date(_input_x_gradient(model, x, targets, high)))
    assert got["spearman"] == pytest.approx(1.0) and got["relative_l1"] == pytest.approx(0.0)
    assert got["n"] == 60 and got["n_undefined"] == 0


def test_a_baseline_driven_method_scores_lower():
    model = _Pixel().eval()
    x = _data()
    targets = torch.softmax(model(x), 1).argmax(1)
    rng = np.random.default_rng(1)
    # two valid baselines: real pixels of the data set (a different one per explained pixel)
    first = x[torch.as_tensor(rng.permutation(len(x)))]
    second = x[torch.as_tensor(rng.permutation(len(x)))]
    a = attribution.integrated_gradients(model, x, targets, first, n_steps=32)
    b = attribution.integrated_gradients(model, x, targets, second, n_steps=32)
    got = baseline_sensitivity(_by_date(a), _by_date(b))
    assert got["spearman"] < 0.8 and got["relative_l1"] > 0.3
    # and IG from the same baseline twice is the same explanation (the metric is not noise)
    again = baseline_sensitivity(_by_date(a), _by_date(attribution.integrated_gradients(
        model, x, targets, first, n_steps=32)))
    assert again["spearman"] == pytest.approx(1.0) and again["relative_l1"] < 1e-6


def test_undefined_rankings_are_left_out_and_counted():
    reference = np.array([[0.0, 0.0, 0.0], [1.0, 2.0, 3.0], [3.0, 2.0, 1.0]])
    alternative = np.array([[0.0, 0.0, 0.0], [1.0, 2.0, 3.0], [1.0, 2.0, 3.0]])
    got = baseline_sensitivity(reference, alternative)
    assert got["n_undefined"] == 1 and got["spearman"] == pytest.approx(0.0)  # (1 + -1) / 2
    assert got["relative_l1"] == pytest.approx(4.0 / 12.0)
    with pytest.raises(ValueError):
        baseline_sensitivity(reference, alternative[:, :2])
