"""First-order (linearised) date occlusion: the Taylor estimate of :mod:`.date_occlusion`'s drop, all dates at once.

Date occlusion removes one observed date t of a pixel and refills the series from the other observed dates
with the engine's linear gap filling: ``refill_t(x) = x @ W_t`` with W_t the (T, T) refill matrix of the kept
set "anchors without t" (``date_occlusion.refill_matrix``). Its drop is ``p(x) - p(refill_t(x))``, one forward
pass of the model per observed date. Here the drop is replaced by its first-order Taylor estimate around x:

    value_t = grad_x p(target | x) . (x - refill_t(x))

summed over every band and every date of the series. The refill of t changes date t and also the dates that
are not observations (cloud-masked dates, whose filled values were interpolated from t among others): those
changes are part of the sum. Observed dates other than t keep their values (W_t is the identity on them).
One forward + one backward pass of the model give the gradient for every date; the differences
``x - x @ W_t`` of all observed dates reduce to a (T, T) product per pixel.

Exact when p is linear in the input; the model's nonlinearity (saturated softmax, the band gate reading every
date) makes it differ from the exact drop by the second-order terms, which the benchmark measures. Dates that
are not observations get exactly 0; with a single observed date (no refill left) the value is the exact one,
p(x) - p(background), as in date occlusion. Band value in probability units.
"""
from __future__ import annotations

from ...io.outputs import DIVERGING, OutputSpec, RampStyle
from ..explainer import BatchContext, Explainer, OutputContext, OutputDeclaration, PassSetup
from .date_occlusion import DateGame, date_game, date_metadata, stored_verdict_metadata


def removal_differences(game: DateGame, dtype, device):
    """(P, T, T) tensor ``I - W_t`` of each player t (``game.players`` order): ``x @ D[i]`` is what removing
    player i and refilling it subtracts from the series ``x`` (dates last)."""
    from ...runtime import import_torch

    torch = import_torch()
    eye = torch.eye(game.anchors.size, dtype=dtype, device=device)
    out = []
    for t in game.players:
        kept = game.anchors.copy()
        kept[t] = False
        out.append(eye - game.refill(kept, dtype, device))
    return torch.stack(out)


def target_gradient(module, x, targets):
    """(p(target | x) (n,), its gradient with respect to x (same shape as x)) from one forward + one
    backward pass of ``module`` (pixels are independent in eval mode, so the gradient of the sum is per pixel).
    An inference stand-in of the MLP (ensemble) (``FastEnsembleMLP`` / ``FastSeriesMLP``, forward-only) is
    differentiated through its ``FusedSeriesMLPs.differentiable_logits``: p = the members' mean softmax, as the
    model's."""
    from ...runtime import import_torch

    torch = import_torch()
    fused = getattr(module, "fused", None)
    with torch.enable_grad():
        xg = x.detach().clone().requires_grad_(True)
        if fused is not None and hasattr(fused, "differentiable_logits"):
            probabilities = torch.softmax(fused.differentiable_logits(xg), dim=2).mean(0)
        else:
            probabilities = torch.softmax(module(xg), dim=1)
        p = probabilities.gather(1, targets[:, None])[:, 0]
        (grad,) = torch.autograd.grad(p.sum(), xg)
    return p.detach(), grad


def linear_occlusion_by_date(model, x, targets, game: DateGame, probabilities=None):
    """(n, T) tensor: grad_x p(target | x) . (x - refill_t(x)) for each observed date t, 0 at the others.

    The gradient comes from the game's inference stand-in of ``model`` when it has one
    (:meth:`DateGame.forward_for`, differentiated by :func:`target_gradient`; the same function to float32
    rounding, ~1.7x faster forward + backward for the default MLP ensemble), else from ``model``;
    ``probabilities`` (the shared forward pass) is read only with a single observed date, whose value is the
    exact p(x) - p(background)."""
    from ...runtime import import_torch

    torch = import_torch()
    out = torch.zeros((len(x), game.anchors.size), dtype=x.dtype, device=x.device)
    players = game.players
    if not players or not len(x):
        return out
    if len(players) == 1:  # removing the only observation leaves the background: no refill to linearise
        if probabilities is None:
            with torch.no_grad():
                probabilities = torch.softmax(model(x), dim=1)
        full = probabilities.gather(1, targets[:, None])[:, 0]
        out[:, players[0]] = (full - game.background[targets].to(full.dtype)).to(x.dtype)
        return out
    _, grad = target_gradient(game.forward_for(model), x, targets)
    n_dates = game.anchors.size
    series = x.detach().movedim(2, -1).reshape(len(x), -1, n_dates)  # (n, B[*k*k], T)
    grad = grad.movedim(2, -1).reshape(len(x), -1, n_dates)
    # sum_{r,s} grad[r, s] * (x @ D)[r, s] = sum_{g,s} D[g, s] * (sum_r x[r, g] grad[r, s])
    outer = torch.bmm(series.transpose(1, 2), grad)  # (n, T, T)
    differences = removal_differences(game, x.dtype, x.device)  # (P, T, T)
    out[:, players] = outer.reshape(len(x), -1) @ differences.reshape(len(players), -1).T
    return out


class LinearDateOcclusion(Explainer):
    """Explainer: first-order estimate of date occlusion's drop, from one forward + one backward pass."""

    name = "linear_occlusion_dates"
    label = "Date occlusion (linearised, fast)"
    description = ("First-order (linearised) estimate of Date occlusion: for each observed date, the gradient of "
                   "the target-class probability times the change the removal makes (the date refilled by the "
                   "engine's linear gap filling from the other observed dates). One forward and one backward "
                   "pass for all dates instead of one forward pass per date; not the exact drop where the model "
                   "is nonlinear. One band per date (probability units; 0 for dates that are not observations, "
                   "e.g. masked as cloudy).")
    takes_target = True
    order = 100
    produces = (("linear_occlusion_dates", "Date occlusion, linearised (estimated drop of probability)"),)

    def outputs(self, ctx: OutputContext) -> list[OutputDeclaration]:
        what = f"P({ctx.target_text})"
        return [OutputDeclaration("linear_occlusion_dates", self.label_of("linear_occlusion_dates"), OutputSpec(
            ctx.stem("linear_occlusion_dates", True),
            [f"{d}: first-order estimate of the drop of {what} when this date is removed (refilled from the "
             f"other observed dates)" for d in ctx.dates],
            ramp=RampStyle(DIVERGING, symmetric=True),
            metadata={**date_metadata(ctx), **stored_verdict_metadata(ctx, self.name)}))]

    def prepare(self, setup: PassSetup) -> DateGame:
        return date_game(setup)

    def compute(self, batch: BatchContext) -> dict:
        return {"linear_occlusion_dates": linear_occlusion_by_date(batch.model, batch.x, batch.targets,
                                                                   batch.state, batch.forward.probabilities)}


EXPLAINER = LinearDateOcclusion()
