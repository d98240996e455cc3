"""Putting a run's outputs on the map: one layer-tree group per run, every layer styled.

Only whole outputs reach the map: this is called from a task's ``finished()`` with the descriptors of the
files the engine committed (the engine writes ``*.partial.tif`` and renames at the end).

Everything comes from the engine's typed ``OutputDescriptor`` (kind, target, label, style, classes): no file
name is parsed and no colour ramp chosen a second time. The class map gets a paletted renderer built from its
classes (names in QGIS's language); the continuous outputs use the ``.qml`` the engine wrote beside each file
(its ramp, with the range computed from the data), or the descriptor's ramp when the file is missing.
Heatmaps whose ramp fades its low end out sit above the class map, half transparent.
"""
from __future__ import annotations

import datetime
import os
import re
from typing import Optional, Sequence

from qgis.core import (
    Qgis,
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
            tr("Band occlusion (drop of probability)"))


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
        return "⚠ " + tr("Fails its quality check: {0}").format(detail)
    return tr("Measured quality: {0}").format(text)


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
    return explainer.description + "\n\n" + verdict_text(verdict)


def describe_layer(layer: QgsRasterLayer, output) -> None:
    """The layer's abstract (metadata and layer properties, shown in the layer tree's tooltip): what the output
    is, its band descriptions and, for an explanation, the stored verdict of its quality check."""
    lines = [layer.name()]
    if output.category == "explanation":
        lines.append(verdict_text(getattr(output, "verdict", None)))
    if output.band_descriptions:
        lines.append(tr("Bands: {0}").format("; ".join(output.band_descriptions[:6])
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


def _band_range(layer: QgsRasterLayer) -> tuple[float, float]:
    stats = layer.dataProvider().bandStatistics(1, _min_max_flags())
    return float(stats.minimumValue), float(stats.maximumValue)


def ramp_renderer(layer: QgsRasterLayer, style) -> QgsSingleBandPseudoColorRenderer:
    """The descriptor's RampStyle as a renderer: its range, else the band's (symmetric around 0 when asked)."""
    low, high = _band_range(layer)
    vmin = style.vmin if style.vmin is not None else low
    vmax = style.vmax if style.vmax is not None else high
    if style.symmetric:
        bound = max(abs(low), abs(high)) or 1.0
        vmin, vmax = -bound, bound
    return pseudocolor_renderer(layer, style.colors, vmin, vmax, transparent_low=style.transparent_low)


def style_layer(layer: QgsRasterLayer, output) -> None:
    """Class map: paletted from the descriptor's classes. Others: the .qml beside the file, else the
    descriptor's ramp. A ramp with a transparent low end (a heatmap) also makes the layer half transparent."""
    if output.classes:
        layer.setRenderer(paletted_renderer(layer, output.classes))
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
    for output in _stack_order(outputs):
        layer = QgsRasterLayer(str(output.path), layer_title(output), "gdal")
        if not layer.isValid():
            continue
        style_layer(layer, output)
        describe_layer(layer, output)
        set_season(layer, band_dates(output.path))
        project.addMapLayer(layer, False)
        node = group.addLayer(layer)
        node.setItemVisibilityChecked(bool(output.visible))
        node.setExpanded(bool(output.classes))
        layers[output.name] = layer
    return group, layers
