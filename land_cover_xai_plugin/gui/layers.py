"""Putting a run's outputs on the map: one layer-tree group per run, every layer styled.

Only whole outputs reach the map: this is called from a task's ``finished()`` with the paths the
engine committed (the engine writes ``*.partial.tif`` and renames at the end).

Styles: the class map gets a paletted renderer built from the model's classes (names + colours; the
``.qml`` beside the file when no classes are given); the continuous outputs use the ``.qml`` the engine
wrote beside each file (colour ramp computed from the data), or a ramp built here when it is missing.
Grad-CAM sits above the class map, half transparent, with its low end fully transparent.
"""
from __future__ import annotations

import datetime
import os
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

from .class_names import display_name

GROUP_PREFIX = "Land Cover XAI"
MAGMA = ["#000004", "#51127c", "#b73779", "#fc8961", "#fcfdbf"]
VIRIDIS = ["#440154", "#3b528b", "#21918c", "#5ec962", "#fde725"]
DIVERGING = ["#2166ac", "#92c5de", "#f7f7f7", "#f4a582", "#b2182b"]
HEATMAP_OPACITY = 0.7


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


def _kind(name: str) -> str:
    """Output kind from its file stem: prediction, confidence, probabilities, gradcam, attention, shap, ig."""
    for kind in ("prediction", "confidence", "probabilities", "gradcam", "attention", "shap", "ig"):
        if name == kind or name.startswith(kind + "_"):
            return kind
    return name


# Top of the group first: explanations above the class map, the class map at the bottom.
_ORDER = ("gradcam", "attention", "shap", "ig", "probabilities", "confidence", "prediction")
_VISIBLE = ("gradcam", "prediction")


def layer_title(name: str, classes: Optional[Sequence] = None) -> str:
    kind = _kind(name)
    suffix = name[len(kind) + 1:] if name != kind else ""
    target = ""
    if suffix and kind in ("gradcam", "shap", "ig"):
        part = suffix.split("_")[-1]
        label = next((display_name(c.name) for c in classes or () if str(c.id) == part), part)
        target = " " + tr("(class {0})").format(label)
    elif kind in ("gradcam", "shap", "ig"):
        target = " " + tr("(predicted class)")
    if kind == "prediction":
        return tr("Class map")
    if kind == "confidence":
        return tr("Confidence")
    if kind == "probabilities":
        return tr("Class probabilities")
    if kind == "gradcam":
        return tr("Grad-CAM heatmap") + target
    if kind == "attention":
        return tr("Band attention")
    if kind == "shap":
        what = tr("SHAP by date") if "_dates" in name else tr("SHAP by band")
        return what + target
    if kind == "ig":
        what = tr("Integrated Gradients by date") if "_dates" in name else tr("Integrated Gradients by band")
        return what + target
    return name


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


def style_layer(layer: QgsRasterLayer, name: str, classes: Optional[Sequence] = None) -> None:
    """Class map: paletted from ``classes`` (else the .qml beside the file). Others: the .qml beside the file,
    else a ramp built here. Grad-CAM: transparent low end and layer opacity."""
    kind = _kind(name)
    qml = os.path.splitext(layer.source())[0] + ".qml"
    if kind == "prediction" and classes:
        layer.setRenderer(paletted_renderer(layer, classes))
    else:
        loaded = False
        if os.path.exists(qml):
            _message, loaded = layer.loadNamedStyle(qml)
        if not loaded or (kind != "prediction" and not isinstance(layer.renderer(), QgsSingleBandPseudoColorRenderer)):
            vmin, vmax = _band_range(layer)
            if kind in ("shap", "ig"):
                bound = max(abs(vmin), abs(vmax)) or 1.0
                layer.setRenderer(pseudocolor_renderer(layer, DIVERGING, -bound, bound))
            elif kind == "gradcam":
                layer.setRenderer(pseudocolor_renderer(layer, MAGMA, 0.0, max(vmax, 1e-6), transparent_low=True))
            elif kind in ("confidence", "probabilities"):
                layer.setRenderer(pseudocolor_renderer(layer, VIRIDIS, 0.0, 1.0))
            else:
                layer.setRenderer(pseudocolor_renderer(layer, VIRIDIS, vmin, vmax))
    if kind == "gradcam":
        layer.setOpacity(HEATMAP_OPACITY)
    layer.triggerRepaint()


def add_outputs(paths: dict, group_name: str, classes: Optional[Sequence] = None,
                project: Optional[QgsProject] = None) -> tuple[QgsLayerTreeGroup, dict]:
    """Load each output as a styled layer into a new group ``group_name`` at the top of the layer tree.

    Returns (group, {output name: layer}). The class map and Grad-CAM are visible; the other outputs are
    loaded unchecked (one click away) so the map stays readable.
    """
    project = project or QgsProject.instance()
    root = project.layerTreeRoot()
    group = root.insertGroup(0, group_name)
    group.setExpanded(True)
    ordered = sorted(paths.items(), key=lambda kv: (_ORDER.index(_kind(kv[0])) if _kind(kv[0]) in _ORDER
                                                    else len(_ORDER), kv[0]))
    layers = {}
    for name, path in ordered:
        layer = QgsRasterLayer(str(path), layer_title(name, classes), "gdal")
        if not layer.isValid():
            continue
        style_layer(layer, name, classes)
        project.addMapLayer(layer, False)
        node = group.addLayer(layer)
        node.setItemVisibilityChecked(_kind(name) in _VISIBLE)
        node.setExpanded(_kind(name) == "prediction")
        layers[name] = layer
    return group, layers
