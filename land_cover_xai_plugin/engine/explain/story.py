"""A pixel's story as facts: what the model says here and what made it say so, only as far as measured.

:func:`measure_pixel` measures one pixel with the very methods ``benchmarks/xai.py`` checks on held-out
pixels: the per-date occlusion (``occlusion_dates``: the drop of the predicted class's probability when one
observed date is removed and refilled) and the per-band occlusion (``occlusion_bands``).
:func:`pixel_story` turns a :class:`~.pixel.PixelExplanation` (what the model says, what it saw), that
:class:`PixelEvidence` and the stored verdicts of those two methods into a :class:`StoryFacts`. No sentence is
made here: the presenter turns the facts into French or English through Qt's ``tr()``. A reason is only given
for an axis (dates or bands) whose method passed its quality check; an unchecked or failed axis is reported as
such, so the story says it does not know rather than inventing a reason. The pixel view's own Shapley values
are not used: they are not the estimators the benchmark checked.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Sequence

import numpy as np

# The benchmark output whose verdict stands for each axis of the story: the same methods measure_pixel runs.
CHECKED_OUTPUTS = {"band": "occlusion_bands", "date": "occlusion_dates"}

PASSED, FAILED, UNCHECKED = "passed", "failed", "unchecked"

# Sentinel-2 bands grouped into what a visitor can picture; B01 / B09 / B10 look at the air, not the ground.
BAND_FAMILIES = {
    "B01": "atmosphere", "B02": "blue", "B03": "green", "B04": "red", "B05": "red_edge", "B06": "red_edge",
    "B07": "red_edge", "B08": "near_infrared", "B8A": "near_infrared", "B09": "atmosphere",
    "B10": "atmosphere", "B11": "shortwave_infrared", "B12": "shortwave_infrared",
}

MAX_REASONS = 2  # a visitor remembers two reasons, not five
MIN_SHARE = 0.15  # a date / band family below this share of the evidence is not named
MIN_DROP = 0.02  # nor one whose removal moves the probability by less than this (the others make up for it)
CLOUDY_COUNTED_SHARE = 0.10  # cloudy dates above this share of the evidence "counted"


@dataclass(frozen=True)
class Reason:
    """One thing that mattered: a date (ISO) or a band family, and its share of the evidence (0..1)."""

    key: str
    share: float


@dataclass(frozen=True)
class QualityCheck:
    """The verdict of one explanation axis: ``status`` PASSED / FAILED / UNCHECKED and the benchmark's words."""

    status: str
    verdict: str = ""

    @property
    def passed(self) -> bool:
        """Whether the benchmark passed this axis."""
        return self.status == PASSED


@dataclass
class StoryFacts:
    """What the presenter may say about one pixel (no sentence, no Qt)."""

    predicted_id: int
    predicted_name: str
    probability: float  # p(predicted class)
    top_dates: list = field(default_factory=list)  # [Reason] by date, largest first; empty when unchecked
    top_bands: list = field(default_factory=list)  # [Reason] by band family, largest first
    cloudy_dates: list = field(default_factory=list)  # ISO dates not observed at this pixel (clouds, no data)
    cloudy_share: float = 0.0  # share of the date evidence on the cloudy dates
    date_check: QualityCheck = QualityCheck(UNCHECKED)
    band_check: QualityCheck = QualityCheck(UNCHECKED)
    dates: list = field(default_factory=list)  # the model's dates (ISO), for the season picture
    date_shares: list = field(default_factory=list)  # signed share of each date's evidence
    season: list = field(default_factory=list)  # per model date: (r, g, b) 0..255 true colour, None if unseen
    dates_redundant: bool = False  # dates checked, but no single clear date moved the answer (>= MIN_DROP)

    @property
    def cloudy_counted(self) -> bool:
        """True when the cloudy dates carried a real part of the evidence (their filled values mattered)."""
        return self.cloudy_share > CLOUDY_COUNTED_SHARE

    @property
    def knows_why(self) -> bool:
        """True when at least one axis passed its check and named a reason."""
        return bool(self.top_dates or self.top_bands)


def check_from_verdict(verdict: Optional[str]) -> QualityCheck:
    """A benchmark sentence ("passes: ..." / "fails: ...") as a QualityCheck; None or other text: UNCHECKED."""
    text = (verdict or "").strip()
    if text.startswith("passes"):
        return QualityCheck(PASSED, text)
    if text.startswith("fails"):
        return QualityCheck(FAILED, text)
    return QualityCheck(UNCHECKED, text)


def output_verdicts(quality: Optional[dict]) -> dict:
    """{output name: verdict sentence} of a verdict document (a model file's ``explanation_quality`` or
    ``benchmarks/results/xai.json``: {"methods" | "verdicts": {method: {"outputs": {output: sentence}}}})."""
    found = {}
    for key in ("methods", "verdicts"):  # xai.json also has a "methods" of measurements: only verdicts count
        methods = quality.get(key) if isinstance(quality, dict) else None
        for entry in methods.values() if isinstance(methods, dict) else ():
            outputs = entry.get("outputs") if isinstance(entry, dict) else None
            if isinstance(outputs, dict):
                found.update({str(k): str(v) for k, v in outputs.items()
                              if isinstance(v, str) and v.startswith(("passes", "fails"))})
    return found


def quality_checks(quality: Optional[dict]) -> dict:
    """{"band": QualityCheck, "date": QualityCheck} from a verdict document: a model file's
    ``explanation_quality`` or ``benchmarks/results/xai.json`` (both hold {"methods" | "verdicts": {method:
    {"outputs": {output: sentence}}}}, see :func:`output_verdicts`)."""
    found = output_verdicts(quality)
    return {axis: check_from_verdict(found.get(output)) for axis, output in CHECKED_OUTPUTS.items()}


def load_quality(path) -> Optional[dict]:
    """A verdict document read from a JSON file (``benchmarks/results/xai.json``); None when absent or unreadable."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _shares(values: np.ndarray) -> np.ndarray:
    """Each value over the sum of absolute values (0 everywhere when all are 0 or not finite)."""
    v = np.nan_to_num(np.asarray(values, dtype=float))
    total = float(np.abs(v).sum())
    return v / total if total > 0 else np.zeros_like(v)


def _top(keys: Sequence[str], shares: np.ndarray, drops: Optional[np.ndarray] = None) -> list:
    """The largest positive shares (at least MIN_SHARE, and a drop of at least MIN_DROP where ``drops`` are
    given; at most MAX_REASONS), largest first."""
    order = sorted(range(len(keys)), key=lambda i: -shares[i])
    return [Reason(keys[i], float(shares[i])) for i in order[:MAX_REASONS]
            if shares[i] >= MIN_SHARE and (drops is None or drops[i] >= MIN_DROP)]


@dataclass
class PixelEvidence:
    """One pixel measured by the checked methods, for its predicted class (probability units).

    ``dates``: (T,) per model date, p(class) minus p(class without that date, refilled from the other observed
    dates) (``occlusion_dates``; 0 for dates that are no observation). ``bands``: (B,) per model band,
    p(class) minus its mean when the band's series comes from class-balanced background pixels
    (``occlusion_bands``)."""

    class_id: int
    dates: np.ndarray
    bands: np.ndarray


def measure_pixel(bundle, stack, row: int, col: int, model=None, device: str = "cpu", seed: int = 0,
                  min_valid_dates: int = 2) -> PixelEvidence:
    """Per-date and per-band occlusion of pixel (row, col) for its predicted class, computed by the map
    methods' own functions (``methods/date_occlusion.py``, ``methods/band_occlusion.py``) on the pixel's model
    input, with the background a map pass of the same ``seed`` draws. Raises LcxError for a pixel outside the
    stack or without enough observed dates."""
    from ..runtime import import_torch, resolve_device
    from .explainer import PassSetup
    from .methods import band_occlusion, date_occlusion
    from .pixel import pixel_input

    torch = import_torch()
    device = resolve_device(device)
    inputs, x = pixel_input(bundle, stack, row, col, min_valid_dates, device=device)
    if model is None:
        model = bundle.build(device)
    model.eval()
    with torch.no_grad():
        probabilities = torch.softmax(model(x), dim=1)
    targets = probabilities.argmax(1)
    setup = PassSetup(model, bundle, stack, inputs.band_order, device, None, min_valid_dates, seed=seed,
                      inputs=inputs)
    by_date = date_occlusion.occlusion_by_date(model, x, targets, date_occlusion.date_game(setup), probabilities)
    bands = band_occlusion.EXPLAINER.prepare(setup)
    by_band = band_occlusion.occlusion_by_band(model, x, targets, bands["background"], probabilities,
                                               runner=bands["runner"][1])
    class_id = int(bundle.classes[int(targets[0])].id)
    return PixelEvidence(class_id, by_date[0].cpu().numpy().astype(float), by_band[0].cpu().numpy().astype(float))


CLOUDY_SCENE = 0.5  # a date whose declared scene cloud fraction is above this is a cloudy image


def cloudy_dates(explanation, cloud_fraction: Optional[Sequence] = None) -> list:
    """The model's dates that are no clear view of this pixel: not observed (every band missing: masked clouds,
    no data, a date the stack lacks), or declared cloudy (``cloud_fraction``: one scene fraction 0..1 or None
    per model date, ``StackInfo.cloud_fraction_on(dates)``) above CLOUDY_SCENE."""
    stack_dates = list(explanation.stack_dates or explanation.dates)
    observed = np.isfinite(np.asarray(explanation.reflectance, dtype=float)).any(axis=0)
    missing = {d for d, seen in zip(stack_dates, observed) if not seen}
    fractions = list(cloud_fraction or [])
    fractions += [None] * (len(explanation.dates) - len(fractions))
    return [d for d, f in zip(explanation.dates, fractions)
            if d in missing or d not in stack_dates or (f is not None and float(f) > CLOUDY_SCENE)]


def band_family_shares(bands: Sequence[str], values: np.ndarray) -> tuple[list, np.ndarray]:
    """(families, signed shares): the band values summed per family (order of first appearance)."""
    families = list(dict.fromkeys(BAND_FAMILIES.get(str(b).upper(), str(b)) for b in bands))
    return families, _shares(_family_sums(bands, values))


NOT_MEASURED = QualityCheck(UNCHECKED, "not measured at this pixel by the checked methods")


def pixel_story(explanation, checks: Optional[dict] = None, cloud_fraction: Optional[Sequence] = None,
                evidence: Optional[PixelEvidence] = None, stretch: Optional[Sequence] = None) -> StoryFacts:
    """The facts of one pixel's story, for its predicted class.

    ``checks``: {"band" | "date": QualityCheck} (:func:`quality_checks`: the verdicts of ``occlusion_bands`` /
    ``occlusion_dates``); missing axes are UNCHECKED. ``evidence``: the pixel measured by those methods
    (:func:`measure_pixel`); without it (or when it is for another class than the predicted one) both axes are
    UNCHECKED, whatever the verdicts say. ``cloud_fraction``: the declared scene cloud fraction per model date
    (see :func:`cloudy_dates`). Dates and bands are named only where their check passed and their removal
    moved the probability (MIN_DROP); the atmosphere bands are never named as a reason (they describe the air
    above the pixel). Cloudy dates are never named as reasons. ``stretch``: the season picture's colours
    (:func:`season_colours`)."""
    checks = checks or {}
    date_check = checks.get("date", QualityCheck(UNCHECKED))
    band_check = checks.get("band", QualityCheck(UNCHECKED))
    index = explanation.class_ids.index(explanation.predicted_id)
    if evidence is None or int(evidence.class_id) != int(explanation.predicted_id):
        date_check = band_check = NOT_MEASURED
        evidence = PixelEvidence(int(explanation.predicted_id), np.zeros(len(explanation.dates)),
                                 np.zeros(len(explanation.bands)))
    cloudy = cloudy_dates(explanation, cloud_fraction)
    date_values = np.nan_to_num(np.asarray(evidence.dates, dtype=float))
    date_shares = _shares(date_values)
    cloudy_share = float(sum(abs(s) for d, s in zip(explanation.dates, date_shares) if d in cloudy))
    top_dates, redundant = [], False
    if date_check.passed:
        clear = [i for i, d in enumerate(explanation.dates) if d not in cloudy]
        top_dates = _top([explanation.dates[i] for i in clear], date_shares[clear], date_values[clear])
        redundant = not top_dates and not (date_values[clear] >= MIN_DROP).any()
    top_bands = []
    if band_check.passed:
        families, shares = band_family_shares(explanation.bands, evidence.bands)
        drops = _family_sums(explanation.bands, evidence.bands)
        ground = [i for i, f in enumerate(families) if f != "atmosphere"]
        top_bands = _top([families[i] for i in ground], shares[ground], drops[ground])
    probability = float(explanation.probabilities[index])
    return StoryFacts(
        predicted_id=int(explanation.predicted_id), predicted_name=str(explanation.class_names[index]),
        probability=probability if math.isfinite(probability) else 0.0, top_dates=top_dates,
        top_bands=top_bands, cloudy_dates=cloudy, cloudy_share=cloudy_share, date_check=date_check,
        band_check=band_check, dates=list(explanation.dates), date_shares=[float(s) for s in date_shares],
        season=season_colours(explanation, stretch), dates_redundant=redundant)


def _family_sums(bands: Sequence[str], values) -> np.ndarray:
    """The band values summed per family, in :func:`band_family_shares`'s order (probability units)."""
    families = list(dict.fromkeys(BAND_FAMILIES.get(str(b).upper(), str(b)) for b in bands))
    sums = np.zeros(len(families))
    for band, value in zip(bands, np.nan_to_num(np.asarray(values, dtype=float))):
        sums[families.index(BAND_FAMILIES.get(str(band).upper(), str(band)))] += float(value)
    return sums


TRUE_COLOUR = ("B04", "B03", "B02")
REFLECTANCE_WHITE = 0.3  # top-of-atmosphere reflectance shown as full intensity


STRETCH_PERCENTILES = (2.0, 98.0)  # the true-colour stretch: a few very dark / bright pixels do not set it
STRETCH_SIDE = 512  # the stretch is measured on at most this many pixels square of the stack's centre


def true_colour_stretch(stack, date_index: int = 0) -> Optional[tuple]:
    """((low, high) reflectance of B04, B03, B02): the 2nd and 98th percentiles of the stack on date
    ``date_index`` (its centre, at most STRETCH_SIDE square), the stretch a photo of that date is shown with,
    per band, so that the haze of top-of-atmosphere blue does not tint everything; None without those bands."""
    bands = [str(b).upper() for b in stack.info().bands]
    if not all(b in bands for b in TRUE_COLOUR):
        return None
    w, h = min(stack.width, STRETCH_SIDE), min(stack.height, STRETCH_SIDE)
    window = stack.read_window((stack.width - w) // 2, (stack.height - h) // 2, w, h)[date_index]
    out = []
    for band in TRUE_COLOUR:
        values = window[bands.index(band)]
        values = values[np.isfinite(values)]
        if not values.size:
            return None
        low, high = np.percentile(values, STRETCH_PERCENTILES)
        out.append((float(low), float(high) if high > low else float(low) + 1e-3))
    return tuple(out)


def season_colours(explanation, stretch: Optional[Sequence] = None) -> list:
    """The pixel's true colour (B04 / B03 / B02 as observed) on each model date: (r, g, b) in 0..255, None
    where the date was not observed or the stack lacks a true-colour band. ``stretch``: ((low, high) x 3)
    reflectance per band (:func:`true_colour_stretch`, as the photo is shown), or one such stretch per stack
    date (each date as its photo; None for a date without one); without it the pixel is brightened to its
    own brightest clear value (at most REFLECTANCE_WHITE)."""
    bands = [str(b).upper() for b in explanation.bands]
    if not all(b in bands for b in TRUE_COLOUR):
        return [None] * len(explanation.dates)
    stack_dates = list(explanation.stack_dates or explanation.dates)
    reflectance = np.asarray(explanation.reflectance, dtype=float)
    rgb = reflectance[[bands.index(b) for b in TRUE_COLOUR]]
    per_date = _per_date_stretch(stretch, len(stack_dates))
    finite = rgb[np.isfinite(rgb)]
    white = (min(REFLECTANCE_WHITE, float(finite.max())) if finite.size and finite.max() > 0
             else REFLECTANCE_WHITE)
    out = []
    for date in explanation.dates:
        t = stack_dates.index(date) if date in stack_dates else None
        column = rgb[:, t] if t is not None else None
        if column is None or not np.isfinite(column).all():
            out.append(None)
            continue
        if per_date[t] is not None:
            low = np.array([float(lo) for lo, _ in per_date[t]])
            span = np.array([float(hi) - float(lo) for lo, hi in per_date[t]])
            scaled = np.clip((column - low) / span, 0, 1)
        else:  # brightened, with a gamma so that vegetation is not black
            scaled = np.clip(column / white, 0, 1) ** (1 / 1.8)
        out.append(tuple(int(round(255 * v)) for v in scaled))
    return out


def _per_date_stretch(stretch, n_dates: int) -> list:
    """One stretch (or None) per stack date from one stretch for all dates, or a list of them."""
    if stretch is None:
        return [None] * n_dates
    stretch = list(stretch)
    one = len(stretch) == 3 and all(s is not None and len(s) == 2 and np.isscalar(s[0]) for s in stretch)
    if one:
        return [stretch] * n_dates
    return (stretch + [None] * n_dates)[:n_dates]
