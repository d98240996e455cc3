"""QGIS startup script (``qgis --code scripts/screenshot_validate.py``) for docs/validate_en.png / validate_fr.png.

Adds the Sentinel-2 sample, classifies it with the bundled model from the Classify tab, then validates the class
map against (a copy of) the sample's field polygons from the Validate tab, exactly as a user would, and grabs the
screen with the Validate tab showing the confusion matrix and its picture; then the "full size" window.

    LCX_SHOT_SELF=docs/validate_en.png bash scripts/desktop.sh .venv/bin/python --code scripts/screenshot_validate.py
    LCX_LOCALE=fr LCX_SHOT_SELF=docs/validate_fr.png bash scripts/desktop.sh .venv/bin/python \
      --code scripts/screenshot_validate.py

Environment: LCX_SHOT_SELF (the matrix screenshot; the full-size window goes to <name>_full.png beside it),
LCX_SHOT_OUT (output folder, default /tmp/lcx-validate-outputs),
LCX_SHOT_LOG (progress and errors), LCX_SHOT_DOCK_WIDTH (dock width in pixels; default: the dock's own width).
"""
import os
import shutil
import tempfile
import traceback
from pathlib import Path

from qgis.PyQt.QtCore import QTimer
from qgis.PyQt.QtWidgets import QWidget
from qgis.utils import iface, plugins

import land_cover_xai_plugin

SAMPLE = Path(land_cover_xai_plugin.__file__).resolve().parent / "sample_data"
OUT = os.environ.get("LCX_SHOT_OUT", "/tmp/lcx-validate-outputs")
LOG = os.environ.get("LCX_SHOT_LOG", "/tmp/lcx-screenshot-validate.log")
SELF_SHOT = os.environ.get("LCX_SHOT_SELF", "")
DOCK_WIDTH = int(os.environ.get("LCX_SHOT_DOCK_WIDTH", "0") or 0)
_keep = {}


def _log(text):
    with open(LOG, "a", encoding="utf-8") as fh:
        fh.write(text + "\n")


def _guarded(func, *args):
    try:
        func(*args)
    except Exception:  # noqa: BLE001 - a startup script has nowhere else to report
        _log(traceback.format_exc())


def _sibling(suffix):
    root, ext = os.path.splitext(SELF_SHOT)
    return f"{root}_{suffix}{ext or '.png'}"


def _start():
    from qgis.PyQt.QtCore import Qt
    from qgis.PyQt.QtWidgets import QApplication, QDockWidget

    window = iface.mainWindow()
    window.showMaximized()
    window.setGeometry(QApplication.primaryScreen().availableGeometry())  # Xvfb has no window manager
    dock = plugins["land_cover_xai_plugin"].dock
    dock.show()
    dock.raise_()
    browser = window.findChild(QDockWidget, "Browser")
    if browser is not None:
        browser.hide()
    if DOCK_WIDTH:
        window.resizeDocks([dock], [DOCK_WIDTH], Qt.Orientation.Horizontal)
    panel = dock.classify_panel
    panel.add_sample_to_map()
    panel.model_combo.setCurrentIndex(panel.model_combo.findData("bundled"))
    panel.refresh_model()
    for check in panel.output_checks.values():
        check.setChecked(False)
    shutil.rmtree(OUT, ignore_errors=True)
    panel.out_folder.setFilePath(OUT)
    panel.run_finished.connect(lambda outcome: _guarded(_classified, outcome))
    _log("run started" if panel.run() is not None else f"run refused: {panel.problems()}")


def _classified(outcome):
    from qgis.core import QgsProject, QgsVectorLayer

    _log(f"classification: {outcome}")
    dock = plugins["land_cover_xai_plugin"].dock
    class_map = dock.classify_panel.last_layers.get("prediction")
    folder = tempfile.mkdtemp(prefix="lcx-field-")  # QGIS opens a GeoPackage in update mode: a copy
    gpkg = shutil.copy(SAMPLE / "lulc_field_polygons.gpkg", os.path.join(folder, "lulc_field_polygons.gpkg"))
    field = QgsVectorLayer(gpkg, "lulc_field_polygons", "ogr")
    group = dock.classify_panel.last_group
    if os.environ.get("LCX_SHOT_DEBUG") and group is not None:
        _log(f"group expanded before the field layer: {group.isExpanded()}")
    QgsProject.instance().addMapLayer(field)
    if os.environ.get("LCX_SHOT_DEBUG") and group is not None:
        _log(f"group expanded after the field layer: {group.isExpanded()}")
    validate = dock.validate_panel
    dock.tabs.setCurrentIndex(dock.tabs.indexOf(validate.parentWidget().parentWidget())
                              if dock.tabs.indexOf(validate) < 0 else dock.tabs.indexOf(validate))
    validate.map_combo.setLayer(class_map)
    validate.field_layer_combo.setLayer(field)
    validate.class_field_combo.setField("LULC_ID")
    validate.name_field_combo.setField("LULC_NAME")
    task = validate.start_validation()
    _log(f"validation started: {task is not None} {validate.last_error or ''}")
    if task is not None:
        task.succeeded.connect(lambda *_: QTimer.singleShot(2500, lambda: _guarded(_grab_matrix)))
        task.failed.connect(lambda message: _log(f"validation failed: {message}"))


def _grab(path):
    from qgis.PyQt.QtWidgets import QApplication

    QApplication.primaryScreen().grabWindow(0).save(path)
    _log(f"screenshot: {path}")


def _grab_matrix():
    validate = plugins["land_cover_xai_plugin"].dock.validate_panel
    validate.tabs.setCurrentIndex(0)
    if os.environ.get("LCX_SHOT_DEBUG"):
        scroll = validate.parentWidget().parentWidget()
        _log(f"panel {validate.size()} min {validate.minimumSizeHint()} viewport {scroll.viewport().size()}")
        for child in validate.findChildren(QWidget):
            if child.isVisible() and child.parentWidget() in (validate, validate.tabs.currentWidget()):
                _log(f"  {type(child).__name__} {child.objectName()} {child.size()} min {child.minimumSizeHint()}"
                     f" minsize {child.minimumSize()}")
    if SELF_SHOT:
        _grab(SELF_SHOT)
    opener = getattr(validate, "show_full_size", None)
    if opener is not None:
        opener()
        QTimer.singleShot(2000, lambda: _guarded(_grab_full))
    else:
        _quit()


def _grab_full():
    if SELF_SHOT:
        _grab(_sibling("full"))
    _quit()


def _quit():
    from qgis.core import QgsApplication

    if SELF_SHOT:
        QgsApplication.exit(0)


_log("startup script loaded")
_keep["timer"] = QTimer()
_keep["timer"].setSingleShot(True)
_keep["timer"].timeout.connect(lambda: _guarded(_start))
_keep["timer"].start(2500)
