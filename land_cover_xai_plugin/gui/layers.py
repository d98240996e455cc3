"""Putting a run's outputs on the map: one layer-tree group per run, every layer styled.

Only whole outputs reach the map: this is called from a task's ``finished()`` with the descriptors of the
files the engine committed (the engine writes ``*.partial.tif`` and renames at the end).

Everything comes from the engine's typed ``OutputDescriptor`` (kind, target, label, style, classes): no file
name is parsed and no colour ramp chosen a second time. The class map gets a paletted renderer built from its
classes (names in QGIS's language); the continuous outputs use the ``.qml`` the engine wrote beside each file
(its ramp, with the range computed from the data), or the descriptor's ramp when the file is missing.
Heatmaps whose ramp fades its low end out sit above the class map, half transparent.

Continuous outputs get a ramp that cannot be confused with the class colours (``distinct_ramp``: a single-hue
sequential ramp, or a diverging blue–white–purple one for signed attributions, whichever lies farthest in hue
from every class colour of the run), stretched over the 2–98 % percentiles of the valid values (one outlier
does not wash the map out), with a legend that says what the values mean (``legend_words``). The run's group
and every layer's legend open expanded.
"""
from __future__ import annotations

import collections
import datetime
import math
import os
import re
from typing import Optional, Sequence

from qgis.core import (
    Qgis,
    QgsColorRampLegendNodeSettings,
    QgsColorRampShader,
    QgsLayerTreeGroup,
    QgsPalettedRasterRenderer,
    QgsProject,
    QgsRasterBandStats,
    QgsRasterLayer,
    QgsRasterShader,
    QgsSingleBandPseudoColorRenderer,
)
from qgis.PyQt.QtCore import QCoreApplication
from qgis.PyQt.QtGui import QColor

from ..engine.explain.explainer import verdict_fails
from .class_names import display_name
from .i18n import engine_text, localise_legend

GROUP_PREFIX = "Land Cover XAI"
HEATMAP_OPACITY = 0.7
CONTEXT = "LandCoverXaiLayers"


def tr(text: str) -> str:
    return QCoreApplication.translate("LandCoverXaiLayers", text)


# Enums that moved into Qgis in later 3.x releases (the old spellings are gone in QGIS 4).
def _interpolated():
    method = getattr(Qgis, "ShaderInterpolationMethod", None)
    return method.Linear if method is not None else QgsColorRampShader.Type.Interpolated


def _min_max_flags():
    stats = getattr(Qgis, "RasterBandStatistic", None)
    if stats is not None:
        return stats.Min | stats.Max
    return QgsRasterBandStats.Stats.Min | QgsRasterBandStats.Stats.Max


def run_group_name(stack_name: str, when: Optional[datetime.datetime] = None) -> str:
    """'Land Cover XAI — <stack> <HH:MM:SS>': one group per run, told apart by its time."""
    when = when or datetime.datetime.now()
    return f"{GROUP_PREFIX} — {stack_name} {when:%H:%M:%S}"


def translated(text: str) -> str:
    """An English label of the explainer registry in QGIS's language (context LandCoverXaiLayers)."""
    return QCoreApplication.translate(CONTEXT, text)


def _catalogue() -> tuple:
    """Never called: the registry's English labels as literals, so that `make translations` keeps them in
    the catalogue. A method added later shows its English label until it is translated here."""
    return (tr("Class map"), tr("Confidence"), tr("Class probabilities"), tr("Uncertainty: entropy"),
            tr("Uncertainty: margin"), tr("Grad-CAM class evidence score"), tr("Band gates (attention)"),
            tr("SHAP by band"),
            tr("SHAP by date"), tr("Integrated Gradients by band"), tr("Integrated Gradients by date"),
            tr("Per-class probabilities"), tr("Uncertainty (entropy and margin)"),
            tr("GradientSHAP"), tr("Integrated Gradients"), tr("Class map and confidence"), tr("Date occlusion"),
            tr("Date occlusion (drop of probability)"), tr("Shapley by date"), tr("Band occlusion"),
            tr("Band occlusion (drop of probability)"), tr("Date occlusion (linearised, fast)"),
            tr("Date occlusion, linearised (estimated drop of probability)"))


def layer_title(output) -> str:
    """The layer name of an output: its label and, for a target-dependent method, the explained class (its
    name in QGIS's language); an output whose stored verdict fails says so in its name, the legend being
    what a reader sees first."""
    title = translated(output.label)
    if output.takes_target:
        if output.target_id is None:
            title += " " + tr("(predicted class)")
        else:
            title += " " + tr("(class {0})").format(display_name(output.target_name or str(output.target_id)))
    if verdict_fails(getattr(output, "verdict", None)):
        title += " — ⚠ " + tr("fails its quality check")
    return title


def verdict_text(verdict: Optional[str]) -> str:
    """The benchmark's verdict on an explanation in plain words, for abstracts, tooltips and the dock:
    "Measured quality: passes: deletion 0.48 vs random 0.57, ..." or "⚠ Fails its quality check: ...".
    (The figures stay in the benchmark's English; the frame is translated.)"""
    if not verdict:
        return tr("Quality not measured for this model (make bench-xai stores the verdicts in a model file).")
    text = str(verdict).strip()
    if "; " not in text:  # a one-output method's summary: "occlusion_dates: passes: ..." reads "passes: ..."
        text = re.sub(r"^[a-z_]+: (?=passes|fails)", "", text)
    if verdict_fails(text):
        detail = text.split(":", 1)[1].strip() if text.lower().startswith("fails:") else text
        return "⚠ " + tr("Fails its quality check: {0}").format(engine_text(detail))
    return tr("Measured quality: {0}").format(engine_text(text))


def method_check_text(explainer, verdict: Optional[str]) -> str:
    """A method's check box text in the dock: its label, "(slow)", and its measured quality in plain words
    ("passes its quality check" / "⚠ fails its quality check"; nothing when the model file has no verdict)."""
    text = translated(explainer.label) + (" " + tr("(slow)") if explainer.slow else "")
    if not verdict:
        return text
    if verdict_fails(verdict):
        return text + " — ⚠ " + tr("fails its quality check")
    return text + " — " + tr("passes its quality check")


def method_check_tooltip(explainer, verdict: Optional[str]) -> str:
    """A method's check box tooltip: its description, then the stored verdict with its figures."""
    return engine_text(explainer.description) + "\n\n" + verdict_text(verdict)


def describe_layer(layer: QgsRasterLayer, output) -> None:
    """The layer's abstract (metadata and layer properties, shown in the layer tree's tooltip): what the output
    is, its band descriptions and, for an explanation, the stored verdict of its quality check."""
    lines = [layer.name()]
    if output.category == "explanation":
        lines.append(verdict_text(getattr(output, "verdict", None)))
    if output.style is not None and not output.classes:
        lines.append(tr("Colours: stretched over the 2nd to 98th percentile of the valid values (a few extreme "
                        "pixels do not wash the map out); the legend says what higher values mean."))
    if output.band_descriptions:
        lines.append(tr("Bands: {0}").format("; ".join(engine_text(d) for d in output.band_descriptions[:6])
                                             + ("; …" if len(output.band_descriptions) > 6 else "")))
    abstract = "\n".join(lines)
    metadata = layer.metadata()
    metadata.setAbstract(abstract)
    layer.setMetadata(metadata)
    if hasattr(layer, "setAbstract"):  # QGIS < 3.38: the layer tree's tooltip reads the layer's own abstract
        layer.setAbstract(abstract)
    layer.setCustomProperty("land_cover_xai/verdict", getattr(output, "verdict", None) or "")


def band_dates(path: str) -> list[datetime.date]:
    """The dates of a raster whose bands are dates (``LCX_BAND_DATES`` metadata, ISO dates in band order);
    empty for other rasters."""
    from osgeo import gdal

    dataset = gdal.Open(str(path))
    text = dataset.GetMetadataItem("LCX_BAND_DATES") if dataset is not None else None
    dataset = None
    out = []
    for item in (text or "").split(","):
        try:
            out.append(datetime.date.fromisoformat(item.strip()[:10]))
        except ValueError:
            continue
    return out


def set_season(layer: QgsRasterLayer, dates: Sequence[datetime.date]) -> bool:
    """Put a raster whose bands are dates in QGIS's temporal controller: the layer is shown over the run's
    season (first date to the day after the last). QGIS 3.22 has no per-band time ranges (3.38 adds them), so
    the bands stay one layer over the whole season. False when there are no dates."""
    from qgis.core import QgsDateTimeRange, QgsRasterLayerTemporalProperties
    from qgis.PyQt.QtCore import QDate, QDateTime, QTime

    if not dates:
        return False
    first, last = min(dates), max(dates) + datetime.timedelta(days=1)
    begin = QDateTime(QDate(first.year, first.month, first.day), QTime(0, 0))
    end = QDateTime(QDate(last.year, last.month, last.day), QTime(0, 0))
    properties = layer.temporalProperties()
    modes = getattr(Qgis, "RasterTemporalMode", None)  # QGIS >= 3.26; the old spelling is gone in QGIS 4
    properties.setMode(modes.FixedTemporalRange if modes is not None
                       else QgsRasterLayerTemporalProperties.ModeFixedTemporalRange)
    properties.setFixedTemporalRange(QgsDateTimeRange(begin, end))
    properties.setIsActive(True)
    return True


def _stack_order(outputs: Sequence) -> list:
    """Top of the group first: explanations (registry order) above the classification outputs, the class map
    at the bottom."""
    explanations = [o for o in outputs if o.category == "explanation"]
    classification = [o for o in outputs if o.category != "explanation"]
    return explanations + classification[::-1]


def paletted_renderer(layer: QgsRasterLayer, classes: Sequence) -> QgsPalettedRasterRenderer:
    """Paletted renderer on band 1 whose legend lists the model's classes with their names and colours."""
    entries = [QgsPalettedRasterRenderer.Class(int(c.id), QColor(str(c.color)), display_name(c.name))
               for c in sorted(classes, key=lambda c: int(c.id))]
    return QgsPalettedRasterRenderer(layer.dataProvider(), 1, entries)


CLASS_NAMES_PROPERTY = "land_cover_xai/class_names"  # a class map's classes: JSON [[id, original name, colour]]


def relabel_class_maps(project: Optional[QgsProject] = None) -> int:
    """Redraw the legends of the class maps this plugin put on the map with the names shown now (after the user
    renamed a class); returns how many layers were relabelled."""
    import json

    project = project or QgsProject.instance()
    count = 0
    for layer in project.mapLayers().values():
        stored = layer.customProperty(CLASS_NAMES_PROPERTY, "") if isinstance(layer, QgsRasterLayer) else ""
        if not stored:
            continue
        try:
            classes = [_Class(int(i), str(n), str(c)) for i, n, c in json.loads(stored)]
        except (ValueError, TypeError):
            continue
        layer.setRenderer(paletted_renderer(layer, classes))
        layer.triggerRepaint()
        count += 1
    return count


_Class = collections.namedtuple("_Class", "id name color")  # what paletted_renderer reads of a ClassStyle


def pseudocolor_renderer(layer: QgsRasterLayer, colors: Sequence[str], vmin: float, vmax: float,
                         transparent_low: bool = False) -> QgsSingleBandPseudoColorRenderer:
    """Interpolated colour ramp on band 1; ``transparent_low`` fades the low end out (heatmaps)."""
    if not vmax > vmin:
        vmax = vmin + 1.0
    items = []
    n = len(colors)
    for i, color in enumerate(colors):
        frac = i / (n - 1)
        qcolor = QColor(color)
        if transparent_low:
            qcolor.setAlpha(int(round(255 * min(1.0, 2 * frac))))
        value = vmin + frac * (vmax - vmin)
        items.append(QgsColorRampShader.ColorRampItem(value, qcolor, f"{value:.3g}"))
    ramp = QgsColorRampShader(vmin, vmax)
    ramp.setColorRampType(_interpolated())
    ramp.setColorRampItemList(items)
    shader = QgsRasterShader()
    shader.setRasterShaderFunction(ramp)
    renderer = QgsSingleBandPseudoColorRenderer(layer.dataProvider(), 1, shader)
    renderer.setClassificationMin(vmin)
    renderer.setClassificationMax(vmax)
    return renderer


# Ramps for continuous outputs: the engine owns them (engine/io/outputs.py), so that the .qml styles the CLI and
# Processing write beside the files and the layers the dock styles use the same ramps and the same stretch.
from ..engine.io.outputs import (  # noqa: E402, F401  (re-exported: the dock's names for them)
    DIVERGING_RAMPS,
    SEQUENTIAL_RAMPS,
    STRETCH_PERCENTILES,
    distinct_ramp,
    hue_distance,
    is_grey_ramp,
    shown_ramp,
)

_SAMPLE_SIDE = 1024  # the percentile stretch reads band 1 at most this many pixels a side


def percentile_range(path: str, symmetric: bool = False) -> Optional[tuple[float, float]]:
    """The 2nd / 98th percentiles of band 1's valid values (no-data and NaN left out), read at most
    _SAMPLE_SIDE pixels a side; ``symmetric``: ±98th percentile of the absolute values. None when unreadable."""
    import numpy as np
    from osgeo import gdal

    dataset = gdal.Open(str(path))
    if dataset is None:
        return None
    band = dataset.GetRasterBand(1)
    scale = max(1.0, max(dataset.RasterXSize, dataset.RasterYSize) / _SAMPLE_SIDE)
    data = band.ReadAsArray(buf_xsize=max(1, int(dataset.RasterXSize / scale)),
                            buf_ysize=max(1, int(dataset.RasterYSize / scale)),
                            resample_alg=gdal.GRIORA_NearestNeighbour)
    nodata = band.GetNoDataValue()
    dataset = None
    if data is None:
        return None
    values = np.asarray(data, dtype=np.float64).ravel()
    valid = np.isfinite(values)
    if nodata is not None and math.isfinite(nodata):
        valid &= values != nodata
    values = values[valid]
    if not values.size:
        return None
    if symmetric:
        bound = float(np.percentile(np.abs(values), STRETCH_PERCENTILES[1])) or 1.0
        return -bound, bound
    low, high = (float(v) for v in np.percentile(values, STRETCH_PERCENTILES))
    return low, high


def legend_words(output) -> tuple[str, str, str]:
    """What the low end, the middle and the high end of an output's ramp mean, in words (the layer legend)."""
    kind = str(getattr(output, "kind", "") or "")
    what = tr("the class")
    if getattr(output, "takes_target", False) and getattr(output, "target_id", None) is not None:
        what = display_name(getattr(output, "target_name", None) or str(output.target_id))
    by = tr("the date") if kind.endswith("_dates") else tr("the band")
    if kind == "gradcam":
        return (tr("no evidence for {0}").format(what), "",
                tr("higher = stronger evidence for {0} (class evidence score, logit-like)").format(what))
    if kind.startswith(("occlusion", "linear_occlusion")):
        return (tr("removing {0} raised P({1})").format(by, what), tr("no effect"),
                tr("higher = {0} raised P({1}) (drop of probability when removed)").format(by, what))
    if kind.startswith(("shap", "ig", "shapley")):
        return (tr("{0} lowered P({1})").format(by, what), tr("no effect"),
                tr("higher = {0} raised P({1}) (probability)").format(by, what))
    if kind == "attention":
        return tr("band shut out"), "", tr("higher = the model lets the band through (gate 0..1)")
    if kind == "confidence":
        return tr("unsure"), "", tr("higher = the model is surer of its class (max probability)")
    if kind == "probabilities":
        return tr("unlikely"), "", tr("higher = more probable (probability 0..1)")
    if kind == "entropy":
        return tr("certain"), "", tr("higher = more uncertain (normalised entropy 0..1)")
    if kind == "margin":
        return tr("two classes tie"), "", tr("higher = clearer lead of the first class (margin 0..1)")
    if kind == "disagreement":
        return tr("members agree"), "", tr("higher = the ensemble's members disagree more")
    return "", "", tr("higher = more")


def _label_items(items: list, output, signed: bool) -> None:
    low, middle, high = legend_words(output)

    def put(item, words):
        if words:
            item.label = f"{item.label}  {words}"

    put(items[0], low)
    put(items[-1], high)
    if signed and len(items) % 2 == 1:
        put(items[len(items) // 2], middle)


def styled_ramp_renderer(layer: QgsRasterLayer, output, class_colors: Sequence[str] = ()):
    """A continuous output's renderer: the descriptor's ramp kept when it is grey, else ``distinct_ramp``
    (diverging for a signed style); the style's fixed range, else the 2–98 % percentiles of the valid values;
    legend items that say what the values mean (listed, not a bare gradient)."""
    style = output.style
    signed = bool(style.symmetric)
    colors = shown_ramp(style, class_colors)  # the ramp the engine's .qml has too
    stretch = percentile_range(layer.source(), symmetric=signed)
    low, high = stretch if stretch is not None else _band_range(layer)
    vmin = style.vmin if style.vmin is not None and not signed else low
    vmax = style.vmax if style.vmax is not None and not signed else high
    renderer = pseudocolor_renderer(layer, colors, vmin, vmax, transparent_low=style.transparent_low)
    shader_function = renderer.shader().rasterShaderFunction()
    items = shader_function.colorRampItemList()
    for item in items:
        item.label = f"{item.value:+.3g}" if signed else f"{item.value:.3g}"
    _label_items(items, output, signed)
    shader_function.setColorRampItemList(items)
    settings = QgsColorRampLegendNodeSettings()
    settings.setUseContinuousLegend(False)  # the items, with their words, rather than a bare gradient
    shader_function.setLegendSettings(settings)
    return renderer


def _band_range(layer: QgsRasterLayer) -> tuple[float, float]:
    stats = layer.dataProvider().bandStatistics(1, _min_max_flags())
    return float(stats.minimumValue), float(stats.maximumValue)


def ramp_renderer(layer: QgsRasterLayer, style) -> QgsSingleBandPseudoColorRenderer:
    """The descriptor's RampStyle as a renderer, as the engine's .qml would have it without class colours: the
    ramp ``shown_ramp`` gives, the style's range, else the 2–98 % percentiles of the valid values (±98th
    percentile of the absolute values when symmetric), else the band's range."""
    signed = bool(style.symmetric)
    stretch = percentile_range(layer.source(), symmetric=signed)
    if stretch is not None:
        low, high = stretch
    else:
        low, high = _band_range(layer)
        if signed:
            bound = max(abs(low), abs(high)) or 1.0
            low, high = -bound, bound
    vmin = style.vmin if style.vmin is not None and not signed else low
    vmax = style.vmax if style.vmax is not None and not signed else high
    return pseudocolor_renderer(layer, shown_ramp(style), vmin, vmax, transparent_low=style.transparent_low)


def style_layer(layer: QgsRasterLayer, output, class_colors: Optional[Sequence[str]] = None) -> None:
    """Class map: paletted from the descriptor's classes. A continuous output with a style: a ramp unlike the
    class colours (``class_colors``: the run's palette; ``styled_ramp_renderer``). Others: the .qml beside the
    file, else the descriptor's ramp. A ramp with a transparent low end (a heatmap) also makes the layer half
    transparent."""
    if output.classes:
        import json

        layer.setRenderer(paletted_renderer(layer, output.classes))
        layer.setCustomProperty(CLASS_NAMES_PROPERTY, json.dumps(
            [[int(c.id), str(c.name), str(c.color)] for c in output.classes], ensure_ascii=False))
    elif output.style is not None and class_colors is not None:
        layer.setRenderer(styled_ramp_renderer(layer, output, class_colors))
    else:
        qml = os.path.splitext(layer.source())[0] + ".qml"
        loaded = False
        if os.path.exists(qml):
            _message, loaded = layer.loadNamedStyle(qml)
        if output.style is not None and (not loaded
                                         or not isinstance(layer.renderer(), QgsSingleBandPseudoColorRenderer)):
            layer.setRenderer(ramp_renderer(layer, output.style))
    if output.style is not None and output.style.transparent_low:
        layer.setOpacity(HEATMAP_OPACITY)
    layer.triggerRepaint()


def add_outputs(outputs: Sequence, group_name: str,
                project: Optional[QgsProject] = None) -> tuple[QgsLayerTreeGroup, dict]:
    """Load each output (engine OutputDescriptor) as a styled layer into a new group ``group_name`` at the top
    of the layer tree.

    Returns (group, {output file stem: layer}). The outputs the engine marks ``visible`` (class map,
    Grad-CAM) are checked; the others are loaded unchecked (one click away) so the map stays readable.
    """
    project = project or QgsProject.instance()
    root = project.layerTreeRoot()
    group = root.insertGroup(0, group_name)
    group.setExpanded(True)
    layers = {}
    class_colors = [str(c.color) for o in outputs for c in (o.classes or ())]
    for output in _stack_order(outputs):
        layer = QgsRasterLayer(str(output.path), layer_title(output), "gdal")
        if not layer.isValid():
            continue
        style_layer(layer, output, class_colors)
        describe_layer(layer, output)
        set_season(layer, band_dates(output.path))
        project.addMapLayer(layer, False)
        node = group.addLayer(layer)
        node.setItemVisibilityChecked(bool(output.visible))
        node.setExpanded(True)  # the legend shows: class names, or what the ramp's values mean
        if localise_legend(node):  # QGIS titles it with the GeoTIFF's (English) band description
            layer.legendChanged.emit()  # the layer tree built its legend already: rebuilt with the new labels
        layers[output.name] = layer
    # the layer tree view expands a group only once it has rows: it was empty when inserted, so tell the view
    # again now (a no-op setExpanded(True) would not reach it)
    group.setExpanded(False)
    group.setExpanded(True)
    return group, layers
