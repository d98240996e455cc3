"""QGIS startup script (``qgis --code scripts/screenshot_classify.py``) for docs/screenshot.png.

Opens the plugin's dock, adds the Sentinel-2 sample (true colour, first date), chooses a model and runs a
classification with Grad-CAM from the Classify tab, exactly as a user would; when the task has finished,
the class map and the Grad-CAM heatmap are on the map in the run's group.

    LCX_SHOT_MODEL=/path/model.lcx LCX_DESKTOP_WAIT=60 \
      bash scripts/desktop.sh .venv/bin/python --screenshot docs/screenshot.png --code scripts/screenshot_classify.py

Environment: LCX_SHOT_MODEL (a .lcx that fits the sample stack; default: the bundled sample model),
LCX_SHOT_OUT (output folder, default /tmp/lcx-screenshot-outputs), LCX_SHOT_LOG (errors).
"""
import os
import traceback

from qgis.core import QgsContrastEnhancement, QgsRasterMinMaxOrigin
from qgis.PyQt.QtCore import Qt, QTimer
from qgis.utils import iface, plugins

MODEL = os.environ.get("LCX_SHOT_MODEL", "")
OUT = os.environ.get("LCX_SHOT_OUT", "/tmp/lcx-screenshot-outputs")
LOG = os.environ.get("LCX_SHOT_LOG", "/tmp/lcx-screenshot-classify.log")


def _guarded(func, *args):
    try:
        func(*args)
    except Exception:  # noqa: BLE001 - a startup script has nowhere else to report
        with open(LOG, "a", encoding="utf-8") as fh:
            fh.write(traceback.format_exc())


def _start():
    plugin = plugins["land_cover_xai_plugin"]
    dock = plugin.dock
    dock.show()
    dock.raise_()
    iface.mainWindow().resizeDocks([dock], [520], Qt.Orientation.Horizontal)
    panel = dock.classify_panel
    stack = panel.add_sample_to_map()
    renderer = stack.renderer().clone()
    if hasattr(renderer, "setRedBand"):  # date 1 = bands 1..13: B04, B03, B02
        renderer.setRedBand(4)
        renderer.setGreenBand(3)
        renderer.setBlueBand(2)
        stack.setRenderer(renderer)
        stack.setContrastEnhancement(QgsContrastEnhancement.ContrastEnhancementAlgorithm.StretchToMinimumMaximum,
                                     QgsRasterMinMaxOrigin.Limits.CumulativeCut)
    if MODEL:
        panel.model_combo.setCurrentIndex(panel.model_combo.findData("file"))
        panel.model_file.setFilePath(MODEL)
    for method, check in panel.output_checks.items():
        check.setChecked(method == "gradcam")
    panel.out_folder.setFilePath(OUT)
    panel.run_finished.connect(lambda outcome: _guarded(_finished, stack))
    panel.run()


def _finished(stack):
    canvas = iface.mapCanvas()
    extent = stack.extent()
    extent.scale(1.05)
    canvas.setExtent(extent)
    canvas.refresh()


QTimer.singleShot(2500, lambda: _guarded(_start))
