"""Dates on a calendar: the model's fixed temporal grid and any stack's dates placed on it.

A model reads its input at fixed days of a season (its :class:`TemporalGrid`), not at "date 1, date 2...".
A stack of any year and any dates that covers that season is brought onto the grid by gap filling in real
time (``gapfill.fill_gaps_onto``: linear between the nearest observations, the nearest one at the ends);
a stack that leaves part of the season without any acquisition is refused, naming the missing span.

Days are counted from 1 January of the season's first year (1 January = day 1), so a season that runs into
the next year keeps growing (day 400 = early February of the next year). A stack of another year is placed
on the grid by the year shift under which its dates cover the grid best.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np

from ..errors import StackMismatchError
from .gapfill import fill_gaps_onto, nearest_observation_days


def _as_date(value) -> _dt.date:
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    return _dt.date.fromisoformat(str(value)[:10])


def season_day(date, first_year: int) -> int:
    """Day number of ``date`` counted from 1 January of ``first_year`` (that day = 1)."""
    return (_as_date(date) - _dt.date(first_year, 1, 1)).days + 1


def day_to_date(day: int, first_year: int) -> _dt.date:
    """Inverse of :func:`season_day`."""
    return _dt.date(first_year, 1, 1) + _dt.timedelta(days=int(day) - 1)


@dataclass(frozen=True)
class TemporalGrid:
    """The days at which a model reads its input.

    ``days``: strictly increasing day numbers (see the module docstring) of the model's dates.
    ``year``: the first year of the training season (only for naming dates in messages and reports).
    ``tolerance_days``: each grid day needs a stack acquisition no farther than this, or the stack does not
    cover the season (the gap filling would invent the series there).
    """

    days: tuple[int, ...]
    year: int
    tolerance_days: int

    def __post_init__(self) -> None:
        days = tuple(int(d) for d in self.days)
        if not days or any(b <= a for a, b in zip(days, days[1:])):
            raise ValueError(f"a temporal grid needs strictly increasing days, got {list(self.days)}")
        if int(self.tolerance_days) < 0:
            raise ValueError(f"tolerance_days must be >= 0, got {self.tolerance_days}")
        object.__setattr__(self, "days", days)
        object.__setattr__(self, "year", int(self.year))
        object.__setattr__(self, "tolerance_days", int(self.tolerance_days))

    @property
    def n_dates(self) -> int:
        """Number of dates on the grid."""
        return len(self.days)

    @property
    def dates(self) -> list[_dt.date]:
        """The grid's days as dates of the training season."""
        return [day_to_date(d, self.year) for d in self.days]

    def season_text(self, year: Optional[int] = None) -> str:
        """'2015-07-11 .. 2015-09-09' (in ``year`` when given: the season as it falls in another year)."""
        first = self.year if year is None else year
        return f"{day_to_date(self.days[0], first).isoformat()} .. {day_to_date(self.days[-1], first).isoformat()}"

    def to_dict(self) -> dict:
        """JSON-safe form stored in the model file (``dates`` is informative, ``days`` / ``year`` rule)."""
        return {"days": list(self.days), "year": self.year, "tolerance_days": self.tolerance_days,
                "dates": [d.isoformat() for d in self.dates]}

    @classmethod
    def from_dict(cls, data: dict) -> "TemporalGrid":
        """Rebuild from :meth:`to_dict`; ValueError on anything malformed."""
        if not isinstance(data, dict):
            raise ValueError("the temporal grid is not a JSON object")
        try:
            days, year, tolerance = data["days"], data["year"], data["tolerance_days"]
        except KeyError as exc:
            raise ValueError(f"the temporal grid lacks '{exc.args[0]}'") from exc
        if not isinstance(days, list) or not all(isinstance(d, int) and not isinstance(d, bool) for d in days):
            raise ValueError("the temporal grid's days must be a list of integers")
        if not isinstance(year, int) or not 1 <= year <= 9998 or not isinstance(tolerance, int):
            raise ValueError("the temporal grid's year and tolerance_days must be integers")
        if len(days) > 10_000 or (days and not 1 <= days[0] <= days[-1] <= 10 * 366):
            raise ValueError("the temporal grid's days are out of range")
        return cls(tuple(days), year, tolerance)


def grid_from_dates(dates: Sequence, step_days: Optional[int] = None,
                    tolerance_days: Optional[int] = None) -> TemporalGrid:
    """The grid chosen from a training stack's dates.

    ``step_days`` None: the dates themselves (a model that reads exactly its training dates). An integer:
    every ``step_days`` days from the first date to the last (e.g. 10). ``tolerance_days`` None: the grid's
    widest step (at least ``step_days``, at least 5 days, Sentinel-2's revisit)."""
    parsed = sorted({_as_date(d) for d in dates})
    if not parsed:
        raise ValueError("no date to build a temporal grid from")
    year = parsed[0].year
    observed_days = [season_day(d, year) for d in parsed]
    if step_days is None:
        days = observed_days
    else:
        if int(step_days) < 1:
            raise ValueError(f"step_days must be >= 1, got {step_days}")
        days = list(range(observed_days[0], observed_days[-1] + 1, int(step_days)))
    if tolerance_days is None:
        widest = max((b - a for a, b in zip(days, days[1:])), default=0)
        tolerance_days = max(widest, int(step_days or 0), 5)
    return TemporalGrid(tuple(days), year, int(tolerance_days))


@dataclass(frozen=True)
class StackOnGrid:
    """A stack's dates placed on a grid: ``days`` (one per stack date, on the grid's day axis), the first
    year of the season as it falls in the stack, and ``target_days``: the days the model input is sampled
    at (the grid's, or the stack's own days for a model that reads dates by position)."""

    days: tuple[int, ...]
    first_year: int
    target_days: tuple[int, ...]

    @property
    def is_identity(self) -> bool:
        """True when the model reads the stack's own dates (no resampling in time)."""
        return self.days == self.target_days

    def date(self, day: int) -> _dt.date:
        """A grid day as a date of the stack's season."""
        return day_to_date(day, self.first_year)


def place_on_grid(grid: TemporalGrid, stack_dates: Sequence) -> StackOnGrid:
    """The year shift under which ``stack_dates`` cover ``grid`` best (most grid days within tolerance,
    then the smallest distance), with the stack's day numbers on the grid's axis."""
    dates = [_as_date(d) for d in stack_dates]
    if not dates:
        raise StackMismatchError("The stack has no date. Build a time series with dated bands.")
    best = None
    for first_year in sorted({d.year for d in dates} | {d.year - 1 for d in dates}):
        days = np.array([season_day(d, first_year) for d in dates])
        distance = np.abs(np.asarray(grid.days)[:, None] - days[None, :]).min(axis=1)
        score = (int((distance <= grid.tolerance_days).sum()), -float(distance.sum()))
        if best is None or score > best[0]:
            best = (score, StackOnGrid(tuple(int(d) for d in days), first_year, grid.days))
    return best[1]


def missing_spans(grid: TemporalGrid, placed: StackOnGrid) -> list[tuple[int, int]]:
    """Runs of grid days (first, last) with no stack acquisition within the grid's tolerance."""
    days = np.asarray(placed.days)
    spans: list[tuple[int, int]] = []
    for day in grid.days:
        if np.abs(days - day).min() <= grid.tolerance_days:
            continue
        if spans and spans[-1][1] == grid.days[grid.days.index(day) - 1]:
            spans[-1] = (spans[-1][0], day)
        else:
            spans.append((day, day))
    return spans


def place_stack(grid: TemporalGrid, stack_dates: Sequence, positional: bool = False,
                n_model_dates: Optional[int] = None) -> StackOnGrid:
    """The stack's dates on the grid, whether or not they cover it.

    ``positional``: a model saved before temporal grids existed reads a stack with its number of dates
    (``n_model_dates``, default the grid's) date by date, whatever the dates (as it always did); only other
    stacks are resampled onto its dates."""
    if positional and len(stack_dates) == (n_model_dates or grid.n_dates):
        first_year = _as_date(min(stack_dates)).year
        own = tuple(season_day(d, first_year) for d in stack_dates)
        return StackOnGrid(own, first_year, own)
    return place_on_grid(grid, stack_dates)


def coverage_problem(grid: TemporalGrid, stack_dates: Sequence, positional: bool = False,
                     n_model_dates: Optional[int] = None) -> Optional[str]:
    """Why the stack's dates do not cover the model's season (one clause naming the missing span), or None."""
    placed = place_stack(grid, stack_dates, positional, n_model_dates)
    spans = [] if placed.is_identity else missing_spans(grid, placed)
    if not spans:
        return None
    described = ", ".join(
        placed.date(a).isoformat() if a == b else f"{placed.date(a).isoformat()} .. {placed.date(b).isoformat()}"
        for a, b in spans)
    stack_span = f"{_as_date(min(stack_dates)).isoformat()} .. {_as_date(max(stack_dates)).isoformat()}"
    # the model's season in its own dates (its training year); the missing span is named in the stack's year
    season = grid.season_text()
    if placed.first_year != grid.year:
        season += f", that is {grid.season_text(placed.first_year)} in the stack's year"
    return (f"the stack does not cover the model's season: no acquisition within {grid.tolerance_days} days of "
            f"{described} (the model reads {grid.n_dates} dates over {season}; the "
            f"stack's {len(stack_dates)} dates span {stack_span})")


def check_coverage(grid: TemporalGrid, stack_dates: Sequence, positional: bool = False,
                   n_model_dates: Optional[int] = None) -> StackOnGrid:
    """The stack's dates on the grid, or StackMismatchError naming the part of the season left uncovered
    (``positional``: see :func:`place_stack`)."""
    if not stack_dates:
        raise StackMismatchError("The stack has no date. Build a time series with dated bands.")
    problem = coverage_problem(grid, stack_dates, positional, n_model_dates)
    if problem:
        raise StackMismatchError(f"{problem[0].upper()}{problem[1:]}. Add acquisitions of that period to the "
                                 "stack, or train a model on this stack's season.")
    return place_stack(grid, stack_dates, positional, n_model_dates)


def resample_to_grid(x: np.ndarray, placed: StackOnGrid, min_valid_dates: int = 1, copy: bool = True,
                     out: Optional[np.ndarray] = None,
                     complete: Optional[bool] = None) -> tuple[np.ndarray, np.ndarray]:
    """Pixel series ``x`` (N, B, T_stack) (NaN = missing) gap-filled onto the grid: (N, B, G) float32 and
    the pixels' validity (N,) (at least ``min_valid_dates`` dates observed in every band). ``copy``, ``out``,
    ``complete``: as for ``gapfill.fill_gaps_onto``."""
    return fill_gaps_onto(x, placed.days, placed.target_days, min_valid_dates, copy=copy, out=out,
                          complete=complete)


def observed_on_grid(observed: np.ndarray, placed: StackOnGrid) -> np.ndarray:
    """(N, G) bool: the grid value of a pixel stands for a real observation, i.e. one lies within half the
    narrower neighbouring grid step (on a grid made of the stack's own dates: exactly the observed dates).

    ``observed`` (N, T_stack): pixel-dates observed in every band. Statistics (normalisation, band groups)
    are taken on these grid values only, so that filled-in clouds never count as data."""
    days = np.asarray(placed.target_days, np.float64)
    steps = np.diff(days)
    if steps.size:
        narrower = np.minimum(np.r_[steps[:1], steps], np.r_[steps, steps[-1:]])
    else:
        narrower = np.ones(1)
    reach = np.floor(narrower / 2.0)
    reach[narrower <= 1] = 0.0
    distance = nearest_observation_days(observed, placed.days, placed.target_days)
    return distance <= reach[None, :]


def values_on_grid(series: np.ndarray, placed: StackOnGrid) -> np.ndarray:
    """``series`` (..., T_stack) shown at the model's dates (..., G): the stack's value where one of its dates
    falls on that grid day (the first such date), NaN where none does. For plots of what was observed."""
    series = np.asarray(series)
    out = np.full(series.shape[:-1] + (len(placed.target_days),), np.nan, np.float32)
    column = {}
    for j, day in enumerate(placed.days):
        column.setdefault(day, j)
    for g, day in enumerate(placed.target_days):
        if day in column:
            out[..., g] = series[..., column[day]]
    return out
