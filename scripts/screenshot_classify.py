"""QGIS startup script (``qgis --code scripts/screenshot_classify.py``) for docs/screenshot.png.

Opens the plugin's dock, adds the Sentinel-2 sample (true colour, first date), chooses a model and runs a
classification with Grad-CAM from the Classify tab, exactly as a user would; when the task has finished,
the class map and the Grad-CAM heatmap are on the map in the run's group.

    LCX_SHOT_MODEL=/path/model.lcx LCX_DESKTOP_WAIT=60 \
      bash scripts/desktop.sh .venv/bin/python --screenshot docs/screenshot.png --code scripts/screenshot_classify.py

Environment: LCX_SHOT_MODEL (a .lcx that fits the sample stack; default: the bundled sample model),
LCX_SHOT_OUT (output folder, default /tmp/lcx-screenshot-outputs), LCX_SHOT_LOG (progress and errors),
LCX_SHOT_SELF (grab the screen into this PNG once the layers are drawn, then quit QGIS: on a slow or
busy machine this does not depend on LCX_DESKTOP_WAIT; run desktop.sh without --screenshot then).
"""
import os
import traceback

from qgis.core import QgsContrastEnhancement, QgsRasterMinMaxOrigin
from qgis.PyQt.QtCore import Qt, QTimer
from qgis.utils import iface, plugins

MODEL = os.environ.get("LCX_SHOT_MODEL", "")
OUT = os.environ.get("LCX_SHOT_OUT", "/tmp/lcx-screenshot-outputs")
LOG = os.environ.get("LCX_SHOT_LOG", "/tmp/lcx-screenshot-classify.log")
SELF_SHOT = os.environ.get("LCX_SHOT_SELF", "")
_keep = {}


def _log(text):
    with open(LOG, "a", encoding="utf-8") as fh:
        fh.write(text + "\n")


def _guarded(func, *args):
    try:
        func(*args)
    except Exception:  # noqa: BLE001 - a startup script has nowhere else to report
        _log(traceback.format_exc())


def _start():
    from qgis.core import QgsProject
    from qgis.PyQt.QtWidgets import QDockWidget

    from qgis.PyQt.QtWidgets import QApplication

    window = iface.mainWindow()
    window.showMaximized()
    window.setGeometry(QApplication.primaryScreen().availableGeometry())  # Xvfb has no window manager
    plugin = plugins["land_cover_xai_plugin"]
    dock = plugin.dock
    dock.show()
    dock.raise_()
    browser = window.findChild(QDockWidget, "Browser")
    if browser is not None:
        browser.hide()
    layers_dock = window.findChild(QDockWidget, "Layers")
    window.resizeDocks([dock], [540], Qt.Orientation.Horizontal)
    if layers_dock is not None:
        window.resizeDocks([layers_dock], [380], Qt.Orientation.Horizontal)
    panel = dock.classify_panel
    stack = panel.add_sample_to_map()
    node = QgsProject.instance().layerTreeRoot().findLayer(stack.id())
    if node is not None:
        node.setExpanded(False)
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
    panel.run_finished.connect(lambda outcome: _guarded(_finished, stack, outcome))
    _log("run started" if panel.run() is not None else f"run refused: {panel.problems()}")


def _finished(stack, outcome):
    _log(f"run finished: {outcome}")
    dock = plugins["land_cover_xai_plugin"].dock
    scroll = dock.tabs.currentWidget()
    if hasattr(scroll, "verticalScrollBar"):  # the tab's scroll area: down to the run's result
        bar = scroll.verticalScrollBar()
        QTimer.singleShot(500, lambda: bar.setValue(bar.maximum()))
    canvas = iface.mapCanvas()
    extent = stack.extent()
    extent.scale(1.05)
    canvas.setExtent(extent)
    if SELF_SHOT:
        canvas.mapCanvasRefreshed.connect(lambda: QTimer.singleShot(3000, lambda: _guarded(_grab)))
    canvas.refresh()


def _grab():
    from qgis.core import QgsApplication
    from qgis.PyQt.QtWidgets import QApplication

    if _keep.get("grabbed"):
        return
    _keep["grabbed"] = True
    QApplication.primaryScreen().grabWindow(0).save(SELF_SHOT)
    _log(f"screenshot: {SELF_SHOT}")
    QgsApplication.exit(0)


_log("startup script loaded")
_keep["timer"] = QTimer()
_keep["timer"].setSingleShot(True)
_keep["timer"].timeout.connect(lambda: _guarded(_start))
_keep["timer"].start(2500)
