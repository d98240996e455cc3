"""Grouped Shapley values by date on the date-removal game of :mod:`.date_occlusion`: one band per date.

The players are the observed dates of the pass; a coalition S keeps its dates and refills the others from
them by the engine's gap filling; the empty coalition takes the class-balanced background's probability.
With A observed dates the values are **exact** (all 2^A coalitions, 2^A - 2 extra forward passes: the full
series is the shared pass, the empty one a constant) while A <= ``EXACT_MAX_DATES``; above, they are
estimated from antithetic random permutations (A forward passes each) and the last band holds each pixel's
largest standard error of the estimate over the dates (0 when exact). Efficiency holds either way: the
date values sum to p(target | x) - p(target | background). Dates that are not observations get exactly 0.
"""
from __future__ import annotations

import math

import numpy as np

from ...io.outputs import DIVERGING, OutputSpec, RampStyle
from ..explainer import BatchContext, Explainer, OutputContext, OutputDeclaration, PassSetup
from .date_occlusion import DateGame, date_game, date_metadata, stored_verdict_metadata

EXACT_MAX_DATES = 10
SAMPLED_PERMUTATIONS = 32


def shapley_weights(n_players: int) -> np.ndarray:
    """(A + 1,) w(s) = s! (A - s - 1)! / A!: the weight of a coalition of size s not holding the player."""
    a = n_players
    return np.array([math.factorial(s) * math.factorial(a - s - 1) / math.factorial(a) if s < a else 0.0
                     for s in range(a + 1)])


def exact_date_shapley(model, x, targets, game: DateGame, full=None):
    """(n, T) exact Shapley values of the observed dates (0 elsewhere): all 2^A coalitions of the game."""
    from ...runtime import import_torch

    torch = import_torch()
    players = game.players
    a = len(players)
    out = torch.zeros((len(x), game.anchors.size), dtype=x.dtype, device=x.device)
    if a == 0:
        return out
    values = {}
    for mask in range(2 ** a):
        kept = [players[j] for j in range(a) if mask >> j & 1]
        if mask == 2 ** a - 1 and full is not None:
            values[mask] = full
        else:
            values[mask] = game.value(model, x, targets, kept).to(x.dtype)
    weights = shapley_weights(a)
    for j in range(a):
        bit = 1 << j
        total = torch.zeros(len(x), dtype=x.dtype, device=x.device)
        for mask in range(2 ** a):
            if not mask & bit:
                total += float(weights[bin(mask).count("1")]) * (values[mask | bit] - values[mask])
        out[:, players[j]] = total
    return out


def sampled_date_shapley(model, x, targets, game: DateGame, n_permutations: int = SAMPLED_PERMUTATIONS,
                         seed: int = 0):
    """((n, T) Shapley estimates, (n, T) standard errors) from ``n_permutations`` antithetic permutations
    of the observed dates (one forward pass per date and permutation)."""
    from ...runtime import import_torch

    torch = import_torch()
    players = game.players
    rng = np.random.default_rng(seed)
    orders = []
    for _ in range(max(1, n_permutations // 2)):
        order = list(rng.permutation(players))
        orders += [order, order[::-1]]
    empty = game.value(model, x, targets, []).to(x.dtype)
    marginals = torch.zeros((len(orders), len(x), game.anchors.size), dtype=x.dtype, device=x.device)
    for i, order in enumerate(orders):
        previous, kept = empty, []
        for player in order:
            kept.append(int(player))
            current = game.value(model, x, targets, kept).to(x.dtype)
            marginals[i, :, int(player)] = current - previous
            previous = current
    estimate = marginals.mean(0)
    # antithetic pairs are not independent: the standard error is taken over pair means
    pairs = marginals.reshape(len(orders) // 2, 2, len(x), -1).mean(1)
    error = pairs.std(0, unbiased=True) / math.sqrt(len(pairs)) if len(pairs) > 1 else torch.full_like(
        estimate, float("nan"))
    return estimate, error


class DateShapley(Explainer):
    """Explainer: Shapley value of each observed date for the target-class probability."""

    name = "shapley_dates"
    label = "Shapley by date"
    description = ("Shapley value of each observed date for the target-class probability: a removed date is "
                   "refilled by the engine's gap filling from the kept dates, all dates removed = a "
                   "class-balanced background. Exact (2^T forward passes) up to "
                   f"{EXACT_MAX_DATES} observed dates, else {SAMPLED_PERMUTATIONS} sampled permutations with "
                   "the standard error in the last band. One band per date (probability units; 0 for dates "
                   "that are not observations).")
    takes_target = True
    order = 80
    produces = (("shapley_dates", "Shapley by date"),)

    def outputs(self, ctx: OutputContext) -> list[OutputDeclaration]:
        what = f"P({ctx.target_text})"
        meta = {**date_metadata(ctx), **stored_verdict_metadata(ctx, self.name),
                "LCX_SHAPLEY": (f"exact over the observed dates when they are at most {EXACT_MAX_DATES} (2^T "
                                f"coalitions), else {SAMPLED_PERMUTATIONS} antithetic permutations")}
        return [OutputDeclaration("shapley_dates", self.label_of("shapley_dates"), OutputSpec(
            ctx.stem("shapley_dates", True),
            [f"{d}: Shapley value of this date for {what}" for d in ctx.dates]
            + ["largest standard error of the sampled Shapley values (0 = exact)"],
            ramp=RampStyle(DIVERGING, symmetric=True), metadata=meta))]

    def prepare(self, setup: PassSetup) -> dict:
        return {"game": date_game(setup), "seed": setup.seed}

    def compute(self, batch: BatchContext) -> dict:
        from ...runtime import import_torch

        torch = import_torch()
        game, targets = batch.state["game"], batch.targets
        full = batch.forward.probabilities.gather(1, targets[:, None])[:, 0]
        x = batch.x
        if len(game.players) <= EXACT_MAX_DATES:
            values = exact_date_shapley(batch.model, x, targets, game, full.to(x.dtype))
            error = torch.zeros(len(x), dtype=x.dtype, device=x.device)
        else:
            values, errors = sampled_date_shapley(batch.model, x, targets, game,
                                                  seed=batch.state["seed"] + batch.batch_no)
            error = errors.max(1).values
        return {"shapley_dates": torch.cat([values, error[:, None]], dim=1)}


EXPLAINER = DateShapley()
