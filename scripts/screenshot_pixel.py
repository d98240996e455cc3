"""QGIS startup script (``qgis --code scripts/screenshot_pixel.py``) for docs/pixel_explanation.png.

Loads the Sentinel-2 sample stack (true colour, first date) and its field polygons, shows the map in Web
Mercator (so the click goes through a CRS transform), activates the plugin's pixel-explanation tool and
clicks one grassland pixel. The explanation opens in its dock beside the map (a tab beside the plugin's dock).

    LCX_SHOT_MODEL=/path/model.lcx LCX_DESKTOP_WAIT=60 \
      bash scripts/desktop.sh .venv/bin/python --screenshot docs/pixel_explanation.png \
      --code scripts/screenshot_pixel.py

Environment: LCX_SHOT_MODEL (a .lcx that fits the sample stack; default sample_data/sample_model.lcx),
LCX_SHOT_ROW / LCX_SHOT_COL (pixel, default 76 / 48: grassland).
"""
import os
import shutil
import tempfile
import traceback
from pathlib import Path

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsContrastEnhancement,
    QgsCoordinateTransform,
    QgsFillSymbol,
    QgsPointXY,
    QgsProject,
    QgsRasterLayer,
    QgsRasterMinMaxOrigin,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QTimer
from qgis.PyQt.QtWidgets import QApplication
from qgis.utils import iface

import land_cover_xai_plugin

SAMPLE = Path(land_cover_xai_plugin.__file__).resolve().parent / "sample_data"
STACK = str(SAMPLE / "s2_l1c_stack.tif")
MODEL = os.environ.get("LCX_SHOT_MODEL") or str(SAMPLE / "sample_model.lcx")
ROW = int(os.environ.get("LCX_SHOT_ROW", "76"))
COL = int(os.environ.get("LCX_SHOT_COL", "48"))
DIALOG_WIDTH = 900
LOG = os.environ.get("LCX_SHOT_LOG", "/tmp/lcx-screenshot-pixel.log")
_keep = {}


def _setup():
    # no window manager under Xvfb: give the main window the whole screen now, so that the layout below is
    # computed on the final geometry
    main = iface.mainWindow()
    screen = QApplication.primaryScreen().availableGeometry()
    main.move(screen.topLeft())
    main.resize(screen.size())
    project = QgsProject.instance()
    stack = QgsRasterLayer(STACK, "Sentinel-2 2015 (true colour, 11 Jul)", "gdal")
    renderer = stack.renderer().clone() if hasattr(stack.renderer(), "setRedBand") else None
    if renderer is not None:  # date 1: bands 1..13; B04 = 4, B03 = 3, B02 = 2
        renderer.setRedBand(4)
        renderer.setGreenBand(3)
        renderer.setBlueBand(2)
        stack.setRenderer(renderer)
    copy = Path(tempfile.mkdtemp(prefix="lcx-field-")) / "lulc_field_polygons.gpkg"  # QGIS writes into a gpkg
    shutil.copyfile(SAMPLE / "lulc_field_polygons.gpkg", copy)
    fields = QgsVectorLayer(str(copy) + "|layername=LULC", "field data (LULC)", "ogr")
    fields.setRenderer(fields.renderer().clone())
    fields.renderer().setSymbol(QgsFillSymbol.createSimple(
        {"color": "0,0,0,0", "outline_color": "255,255,0,200", "outline_width": "0.4"}))
    stack.setContrastEnhancement(QgsContrastEnhancement.ContrastEnhancementAlgorithm.StretchToMinimumMaximum,
                                 QgsRasterMinMaxOrigin.Limits.CumulativeCut)
    project.addMapLayers([stack, fields])
    QTimer.singleShot(2500, lambda: _guarded(_click, stack))


def _guarded(func, *args):
    try:
        func(*args)
    except Exception:  # noqa: BLE001 - a startup script has nowhere else to report
        with open(LOG, "a", encoding="utf-8") as fh:
            fh.write(traceback.format_exc())


def _click(stack):
    from qgis.PyQt.QtCore import Qt

    from land_cover_xai_plugin.gui.pixel.pixel_tool import PixelExplainTool

    project = QgsProject.instance()
    project.setCrs(QgsCoordinateReferenceSystem("EPSG:3857"))
    canvas = iface.mapCanvas()
    canvas.setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:3857"))
    to_map = QgsCoordinateTransform(stack.crs(), canvas.mapSettings().destinationCrs(), project)
    tool = PixelExplainTool(canvas, lambda: ([STACK], MODEL), iface=iface)
    _keep["tool"] = tool
    canvas.setMapTool(tool)
    extent = stack.extent()
    x = extent.xMinimum() + (COL + 0.5) * stack.rasterUnitsPerPixelX()
    y = extent.yMaximum() - (ROW + 0.5) * stack.rasterUnitsPerPixelY()
    tool.explain_map_point(to_map.transform(QgsPointXY(x, y)))
    if tool.dialog is not None:  # the explanation's dock, beside the map: give it room for the plots
        iface.mainWindow().resizeDocks([tool.dialog], [DIALOG_WIDTH], Qt.Orientation.Horizontal)
    QTimer.singleShot(800, lambda: _guarded(_fit, stack, to_map))


def _fit(stack, to_map):
    """The stack fills the map canvas that the docks leave."""
    canvas = iface.mapCanvas()
    box = to_map.transformBoundingBox(stack.extent())
    box.scale(1.08)
    canvas.setExtent(box)
    canvas.refresh()


QTimer.singleShot(3000, lambda: _guarded(_setup))
