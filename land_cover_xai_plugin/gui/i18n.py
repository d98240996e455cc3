"""Loads the plugin's Qt translation (i18n/land_cover_xai_<lang>.qm) for QGIS's UI language."""
from __future__ import annotations

import re
from pathlib import Path

from qgis.core import QgsSettings
from qgis.PyQt.QtCore import QCoreApplication, QLocale, QTranslator

I18N_DIR = Path(__file__).resolve().parent.parent / "i18n"


def ui_language() -> str:
    """QGIS's UI language ('fr', 'en', ...): the user override if set, else the system locale."""
    settings = QgsSettings()
    if settings.value("locale/overrideFlag", False, type=bool):
        locale = settings.value("locale/userLocale", "", type=str) or "en"
    else:
        locale = settings.value("locale/userLocale", "", type=str) or QLocale.system().name()
    return (locale or "en")[:2]


def install_translator(language: str | None = None) -> QTranslator | None:
    """Install the plugin's translation for ``language`` (QGIS's UI language by default); None without one."""
    qm = I18N_DIR / f"land_cover_xai_{language or ui_language()}.qm"
    if not qm.exists():
        return None
    translator = QTranslator()
    if not translator.load(str(qm)):
        return None
    QCoreApplication.installTranslator(translator)
    return translator


def remove_translator(translator: QTranslator | None) -> None:
    """Uninstall a translator :func:`install_translator` returned (None: nothing to do)."""
    if translator is not None:
        QCoreApplication.removeTranslator(translator)


def short_date(day, language: str | None = None) -> str:
    """'11 Jul' / '11 juil.' (a datetime.date) in ``language`` (QGIS's language by default), for plot axes."""
    from qgis.PyQt.QtCore import QDate

    return QLocale(language or ui_language()).toString(QDate(day.year, day.month, day.day), "d MMM")


# --- texts the engine builds (in English: it knows no Qt), shown in QGIS's language -----------------------
ENGINE_CONTEXT = "LandCoverXaiEngine"


def tr(text: str) -> str:
    """A text of the engine's catalogue (context LandCoverXaiEngine) in QGIS's language."""
    return QCoreApplication.translate("LandCoverXaiEngine", text)


# Whole texts: an engine text equal to one of these (a method's description, a band description without a
# value in it) is translated as a whole. Templates: ``{slot}`` stands for a value the engine put in (a date,
# a band code, a class, a number); the text must match the template as a whole, each slot's value is
# translated in turn (``{name}``: a class name, as class_names shows it). Phrases: templates found anywhere
# in a longer text (the benchmark's verdict sentences), their slots one token (a number, "mean") each.
ENGINE_TEMPLATES = (
    "{date}: drop of {target} when this date is removed (refilled from the other observed dates)",
    "{date}: Shapley value of this date for {target}",
    "{date}: first-order estimate of the drop of {target} when this date is removed (refilled from the other "
    "observed dates)",
    "{band}: drop of {target} when this band is replaced by real background pixels'",
    "GradientSHAP {band} (sum over dates) of {target}",
    "Integrated Gradients {band} (sum over dates) of {target}",
    "Grad-CAM class evidence score of {target} (logit-like, not a location of evidence)",
    "Grad-CAM fused-layer position at {date} (not the input date: the layer sees every date), {target}",
    "band gate {band}",
    "P({name}) class {id}",
    "P({target})",
    "class {id} ({name})",
    "normalised entropy of the {n} class probabilities (0 certain .. 1 uniform)",
    "disagreement of the {n} ensemble members (normalised mutual information, 0 agree .. 1 each sure of "
    "another class)",
    "exact ({n} coalitions of {g} dates)",
    "exact ({n} coalitions of {g} bands)",
    "sampled ({n} permutations)",
    "Kernel SHAP ({n} samples)",
    # the validation report's notes and sources (engine/accuracy)
    "Every validation feature ({count}) belongs to the model's training data ({where}): these figures measure how "
    "well the model fits its training polygons, not its accuracy. Validate with field data kept out of training "
    "(e.g. a held-out set of polygons).",
    "{shared} of {count} validation features ({share}) belong to the model's training data ({where}): the figures "
    "are optimistic. Validate with field data kept out of training (e.g. a held-out set of polygons).",
    "Every validation pixel ({count}) was a training pixel of the model ({where}): these figures measure how well "
    "the model fits its training data, not its accuracy. Validate with field data kept out of training (e.g. a "
    "held-out set of polygons).",
    "{shared} of {count} validation pixels ({share}) were training pixels of the model ({where}): the figures are "
    "optimistic. Validate with field data kept out of training (e.g. a held-out set of polygons).",
    "{n} labelled pixel(s) fall on map no-data and are not compared.",
    "Field classes not named in the map: {names}. Each got its own id, so its pixels count as errors; fix the "
    "spelling in the field data if they mean a map class.",
    "{name} ({id}) is mapped but absent from the reference: its producer's accuracy is not available.",
    "{name} ({id}) is in the reference but never mapped: its user's accuracy is not available.",
    "Mapped area given for ids {ids} that are not among the assessed classes: ignored.",
    "Map class {name} ({id}) covers {area} {unit} but has no reference sample: that area is left out of the "
    "area-adjusted estimates.",
    "Map class {name} ({id}) has reference samples but no mapped area: it carries no weight in the area-adjusted "
    "estimates.",
    "Map class(es) {listed} have a single reference sample: standard errors and confidence intervals cannot be "
    "estimated (shown as not available).",
    "{size} ha per pixel",
)
ENGINE_PHRASES = (
    "deletion ({op} removal) {d} not below random {r} at p < {p} (p {q})",
    "insertion ({op}) {d} not above random {r} at p < {p} (p {q})",
    "survives weight randomisation (final Spearman {m})",
    "pointing game {g} on planted data (< {m})",
    "{c} of its relevance on the two cloud-masked dates",
    "deletion {d} vs random {r}",
    "pointing game {g}",
    "randomisation {m}",
    "passes:",
    "fails:",
)


def _engine_catalogue() -> tuple:
    """Never called: the engine's texts as literals, so that `make translations` keeps them in the catalogue
    (a text the engine adds later is shown in English until it is listed and translated here)."""
    return (
        # whole texts
        tr("predicted class"), tr("class id"), tr("confidence (max class probability)"),
        tr("margin: top-1 minus top-2 class probability (0 = tie)"),
        tr("The model's probability of every class, one band per class (0..1)."),
        tr("The class of each pixel (styled with the model's class names and colours) and its confidence, the "
           "highest class probability (0..1)."),
        tr("Per-pixel uncertainty of the class probabilities: normalised entropy (0 = certain, 1 = every class "
           "equally likely) and margin (top-1 minus top-2 probability; near 0 = the model hesitates between "
           "two classes)."),
        tr("Per-pixel disagreement of the ensemble's members (normalised mutual information: 0 = all members "
           "agree, 1 = each is sure of another class); high where the pixel is unlike the training data. Only "
           "for ensemble models (more than one member)."),
        tr("Grad-CAM on the last temporal convolution. Band 1, the heatmap, is a class evidence score: it "
           "follows the class logit (how strongly the model scores the class, in logit-like units), not a "
           "location of evidence, since each pixel is classified from its own series. The other bands are "
           "positions of the fused layer, not input dates (each position sees every date); as a date ranking "
           "they measure at random level (benchmarks/results/xai.md): for the dates that matter use Date "
           "occlusion or Shapley by date."),
        tr("The model's band gates: the weight its attention layer gives each spectral band in the forward "
           "pass, one band per spectral band. Not a measured importance: the gates barely vary between pixels "
           "and the layer after them absorbs a constant gain, and their ranking is not validated by band "
           "ablation (benchmarks/results/xai.md)."),
        tr("GradientSHAP attribution of the target-class probability, summed over dates (one band per spectral "
           "band) and over bands (one band per date). Slow on a CPU (about 1,000 pixels per second): use it on "
           "a clip of the area of interest."),
        tr("Integrated Gradients of the target-class probability from the per-band training mean, summed over "
           "dates (one band per spectral band) and over bands (one band per date)."),
        tr("Drop of the target-class probability when one observed date is removed and refilled by the "
           "engine's linear gap filling from the other observed dates: one band per date (probability units; "
           "0 for dates that are not observations, e.g. masked as cloudy). One extra forward pass per observed "
           "date."),
        tr("Shapley value of each observed date for the target-class probability: a removed date is refilled "
           "by the engine's gap filling from the kept dates, all dates removed = a class-balanced background. "
           "Exact (2^T forward passes) up to 10 observed dates, else 32 sampled permutations with the standard "
           "error in the last band. One band per date (probability units; 0 for dates that are not "
           "observations)."),
        tr("Drop of the target-class probability when one spectral band is removed: its whole series replaced "
           "by that band in 8 real pixels of the stack spread over the predicted classes (averaged). One band "
           "per spectral band (probability units). 8 forward passes per band: use it on a clip."),
        tr("First-order (linearised) estimate of Date occlusion: for each observed date, the gradient of the "
           "target-class probability times the change the removal makes (the date refilled by the engine's "
           "linear gap filling from the other observed dates). One forward and one backward pass for all dates "
           "instead of one forward pass per date; not the exact drop where the model is nonlinear. One band per "
           "date (probability units; 0 for dates that are not observations, e.g. masked as cloudy)."),
        # templates
        tr("{date}: drop of {target} when this date is removed (refilled from the other observed dates)"),
        tr("{date}: first-order estimate of the drop of {target} when this date is removed (refilled from the "
           "other observed dates)"),
        tr("{date}: Shapley value of this date for {target}"),
        tr("{band}: drop of {target} when this band is replaced by real background pixels'"),
        tr("GradientSHAP {band} (sum over dates) of {target}"),
        tr("Integrated Gradients {band} (sum over dates) of {target}"),
        tr("Grad-CAM class evidence score of {target} (logit-like, not a location of evidence)"),
        tr("Grad-CAM fused-layer position at {date} (not the input date: the layer sees every date), {target}"),
        tr("band gate {band}"), tr("P({name}) class {id}"), tr("P({target})"), tr("class {id} ({name})"),
        tr("normalised entropy of the {n} class probabilities (0 certain .. 1 uniform)"),
        tr("disagreement of the {n} ensemble members (normalised mutual information, 0 agree .. 1 each sure of "
           "another class)"),
        tr("exact ({n} coalitions of {g} dates)"), tr("exact ({n} coalitions of {g} bands)"),
        tr("sampled ({n} permutations)"), tr("Kernel SHAP ({n} samples)"),
        # phrases
        tr("deletion ({op} removal) {d} not below random {r} at p < {p} (p {q})"),
        tr("insertion ({op}) {d} not above random {r} at p < {p} (p {q})"),
        tr("survives weight randomisation (final Spearman {m})"), tr("pointing game {g} on planted data (< {m})"),
        tr("{c} of its relevance on the two cloud-masked dates"), tr("deletion {d} vs random {r}"),
        tr("pointing game {g}"), tr("randomisation {m}"), tr("passes:"), tr("fails:"), tr("mean"),
        tr("Only for {archs} models."),  # the registry's limit of a method (Processing help)
        # the validation report: notes (whole texts, then templates) and sources
        tr("The map has no usable CRS: areas are given in pixels, not hectares."),
        tr("The class field holds text and the map carries no class names: field classes were numbered 1..K in "
           "alphabetical order (as training does) and compared with the map's ids."),
        tr("No sample where both reference and map have a class: nothing to assess."),
        tr("Kappa is undefined: reference and map both hold a single class."),
        tr("Area-adjusted estimates are not available: the map has no classified area."),
        tr("Every validation feature ({count}) belongs to the model's training data ({where}): these figures "
           "measure how well the model fits its training polygons, not its accuracy. Validate with field data "
           "kept out of training (e.g. a held-out set of polygons)."),
        tr("{shared} of {count} validation features ({share}) belong to the model's training data ({where}): the "
           "figures are optimistic. Validate with field data kept out of training (e.g. a held-out set of "
           "polygons)."),
        tr("Every validation pixel ({count}) was a training pixel of the model ({where}): these figures measure "
           "how well the model fits its training data, not its accuracy. Validate with field data kept out of "
           "training (e.g. a held-out set of polygons)."),
        tr("{shared} of {count} validation pixels ({share}) were training pixels of the model ({where}): the "
           "figures are optimistic. Validate with field data kept out of training (e.g. a held-out set of "
           "polygons)."),
        tr("{n} labelled pixel(s) fall on map no-data and are not compared."),
        tr("Field classes not named in the map: {names}. Each got its own id, so its pixels count as errors; fix "
           "the spelling in the field data if they mean a map class."),
        tr("{name} ({id}) is mapped but absent from the reference: its producer's accuracy is not available."),
        tr("{name} ({id}) is in the reference but never mapped: its user's accuracy is not available."),
        tr("Mapped area given for ids {ids} that are not among the assessed classes: ignored."),
        tr("Map class {name} ({id}) covers {area} {unit} but has no reference sample: that area is left out of "
           "the area-adjusted estimates."),
        tr("Map class {name} ({id}) has reference samples but no mapped area: it carries no weight in the "
           "area-adjusted estimates."),
        tr("Map class(es) {listed} have a single reference sample: standard errors and confidence intervals "
           "cannot be estimated (shown as not available)."),
        tr("{size} ha per pixel"), tr("cell area per row on the authalic sphere (geographic CRS)"), tr("1 pixel"),
        tr("classification"), tr("field data"), tr("class field"), tr("layer"), tr("mapped area"), tr("band 1"),
    )


_CLASS_ID = re.compile(r"class (\d+)")


def report_class_name(name) -> str:
    """A class name of a validation report as shown: the user's / the catalogue's name, and "class 3" (a class
    without a name) in QGIS's language."""
    from .class_names import display_name

    shown = display_name(name)
    match = _CLASS_ID.fullmatch(str(name))
    if shown == str(name) and match:
        return tr("class {id}").format(id=match.group(1))
    return shown


def report_texts():
    """The validation report's words (engine.accuracy.validation.ReportTexts) in QGIS's language, for the HTML
    page and the figure the Validate tab and the Processing algorithm write."""
    from ..engine.accuracy.validation import ReportTexts

    return ReportTexts(
        language=ui_language(),
        title=tr("Accuracy assessment"), source=tr("source"), value=tr("value"), metric=tr("metric"),
        summary=tr("Summary"), samples=tr("reference samples (pixels)"), overall_accuracy=tr("overall accuracy"),
        kappa=tr("Cohen's kappa (κ)"), macro_f1=tr("macro-F1"),
        area_overall_accuracy=tr("area-adjusted overall accuracy (95 % CI)"), matrix=tr("Confusion matrix"),
        matrix_caption=tr("Rows = reference (field data), columns = map. Pixel counts."),
        corner=tr("reference \\ map"), total=tr("total"), per_class=tr("Per-class accuracy"), class_id=tr("id"),
        class_=tr("class"), reference_pixels=tr("reference pixels"), map_pixels=tr("map pixels"),
        producers=tr("producer's accuracy (recall)"), users=tr("user's accuracy (precision)"), f1=tr("F1"),
        area_title=tr("Area-adjusted estimates (Olofsson et al. 2014)"), mapped_area=tr("mapped area ({unit})"),
        estimated_area=tr("estimated area ({unit})"), ci95=tr("95 % CI"), users_ci=tr("user's accuracy ± 95 %"),
        producers_ci=tr("producer's accuracy ± 95 %"),
        unassessed=tr("{area} {unit} of mapped area lie in classes without any reference pixel and are not "
                      "covered by these estimates."),
        notes=tr("Notes"), how_to_read=tr("How to read this"),
        guide=(
            tr("<b>Producer's accuracy</b> (recall): of the field-data pixels of a class, the share the map got "
               "right (read along a row). Low = the map misses that class (omission)."),
            tr("<b>User's accuracy</b> (precision): of the pixels the map puts in a class, the share that really "
               "are that class (read down a column). Low = the map over-paints it (commission)."),
            tr("<b>F1</b> balances the two; <b>macro-F1</b> averages it over classes, so rare classes count as "
               "much as common ones. With imbalanced classes, overall accuracy alone flatters the map: look at κ "
               "and macro-F1 too."),
            tr("<b>Area-adjusted estimates</b> correct the mapped area of each class for the errors seen in the "
               "reference data, weighting each map class by its share of the map (Olofsson et al. 2014, Remote "
               "Sensing of Environment 148: 42–57). They assume the reference pixels are a random sample within "
               "each map class; hand-drawn field polygons are not, and neighbouring pixels are not independent, "
               "so treat the confidence intervals as optimistic."),
        ),
        not_available=tr("n/a"), unit_pixels=tr("pixels"), figure_map=tr("map"),
        figure_reference=tr("reference (field data)"), figure_title=tr("Confusion matrix, n = {n}, OA = {oa}"),
        figure_colorbar=tr("share of the reference class (row)"),
        note=engine_text, class_name=report_class_name, source_text=engine_text,
    )


def _pattern(template: str, slot: str) -> re.Pattern:
    """A regular expression of an English template: its text literally, each ``{slot}`` a named group."""
    parts = re.split(r"\{(\w+)\}", template)
    regex = "".join(re.escape(part) if i % 2 == 0 else f"(?P<{part}>{slot})" for i, part in enumerate(parts))
    return re.compile(regex)


_COMPILED: dict = {}


def _compiled(kind: str) -> list:
    """(template, compiled pattern) of ENGINE_TEMPLATES ("templates") or ENGINE_PHRASES ("phrases"), once."""
    if kind not in _COMPILED:
        if kind == "templates":
            _COMPILED[kind] = [(t, _pattern(t, ".+?")) for t in ENGINE_TEMPLATES]
        else:
            _COMPILED[kind] = [(t, _pattern(t, r"[^\s(),;]+")) for t in ENGINE_PHRASES]
    return _COMPILED[kind]


def engine_text(text) -> str:
    """A text the engine built in English (a method's description, a band description, a verdict), in QGIS's
    language through the catalogue: the whole text, else the first whole-text template it matches (slots
    translated in turn), else every phrase found in it; a text the catalogue does not know stays as it is."""
    from .class_names import display_name

    text = "" if text is None else str(text)
    if not text.strip():
        return text
    whole = tr(text)
    if whole != text:
        return whole
    for template, pattern in _compiled("templates"):
        match = pattern.fullmatch(text)
        if match is not None:
            slots = {k: display_name(v) if k == "name" else engine_text(v) for k, v in match.groupdict().items()}
            return tr(template).format(**slots)
    out = text
    for template, pattern in _compiled("phrases"):
        out = pattern.sub(lambda m, t=template: tr(t).format(**{k: engine_text(v) for k, v in m.groupdict().items()}),
                          out)
    return out


def localise_legend(node) -> int:
    """A raster layer-tree node's legend in QGIS's language: QGIS titles the legend of a one-band raster with
    the band's description, which the engine wrote in English into the GeoTIFF; where a legend item holds
    one, the item gets the description in QGIS's language as its user label (the layer tree's own renaming,
    kept in the project). Returns how many items were relabelled."""
    from osgeo import gdal
    from qgis.core import QgsMapLayerLegendUtils

    layer = node.layer()
    if layer is None or layer.legend() is None:
        return 0
    dataset = gdal.Open(layer.source())
    descriptions = ([dataset.GetRasterBand(b).GetDescription() for b in range(1, dataset.RasterCount + 1)]
                    if dataset is not None else [])
    dataset = None
    pairs = [(d, engine_text(d)) for d in sorted(set(descriptions), key=len, reverse=True) if d]
    pairs = [(d, t) for d, t in pairs if t != d]
    changed = 0
    for index, legend_node in enumerate(layer.legend().createLayerTreeModelLegendNodes(node)):
        label = str(legend_node.data(0) or "")  # 0 = Qt.DisplayRole
        new = label
        for description, text in pairs:
            new = new.replace(description, text)
        if new != label:
            QgsMapLayerLegendUtils.setLegendNodeUserLabel(node, index, new)
            changed += 1
    return changed
