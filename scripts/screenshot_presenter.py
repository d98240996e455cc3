"""QGIS startup script for docs/presenter_*.png: presses the dock's "Presenter mode" button, as the operator
would, then (LCX_PRESENTER_SCENE) touches a pixel (``story``, the class map) or plays a round of the game
(``game``: explanation view, a guess, the model's answer); grabs the screen into LCX_SHOT_SELF and quits.

    LCX_LOCALE=fr LCX_SHOT_SELF=$PWD/docs/presenter_story_fr.png LCX_PRESENTER_SCENE=story \\
        bash scripts/desktop.sh .venv/bin/python --code scripts/screenshot_presenter.py
"""
import os
import traceback

from qgis.PyQt.QtCore import QTimer
from qgis.utils import plugins

SELF_SHOT = os.environ.get("LCX_SHOT_SELF", "/tmp/presenter.png")
SCENE = os.environ.get("LCX_PRESENTER_SCENE", "story")
LOG = os.environ.get("LCX_SHOT_LOG", "/tmp/lcx-screenshot-presenter.log")
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
    dock = plugins["land_cover_xai_plugin"].dock
    dock.classify_panel.out_folder.setFilePath("/tmp/lcx-presenter-outputs")
    dock.classify_panel.run_finished.connect(lambda outcome: (_log(f"run: {outcome}"),
                                                              QTimer.singleShot(1500, lambda: _guarded(_scene))))
    dock.presenter_button.click()
    _log("presenter opened")


def _scene():
    window = plugins["land_cover_xai_plugin"].dock.presenter
    if SCENE == "game":
        here = window.new_round()
        window.guess(here.truth_id)
    else:
        window.explain(55, 40)
    _keep["poll"] = QTimer()
    _keep["poll"].timeout.connect(lambda: _guarded(_when_told, window))
    _keep["poll"].start(500)


def _when_told(window):
    _keep["polls"] = _keep.get("polls", 0) + 1
    if _keep["polls"] > 240:  # two minutes: grab what is there, say so
        _log(f"no story in time: {window.story_label.text()!r}")
    if (window.task is None and window.last_facts is not None) or _keep["polls"] > 240:
        _keep["poll"].stop()
        if SCENE == "game":  # the answer told: show the explanation view of a clear date
            window.set_mode("explanation")
            window.date_slider.setValue(3)
        QTimer.singleShot(2500, lambda: _guarded(_grab))


def _grab():
    from qgis.core import QgsApplication
    from qgis.PyQt.QtWidgets import QApplication

    QApplication.primaryScreen().grabWindow(0).save(SELF_SHOT)
    _log(f"screenshot: {SELF_SHOT}")
    QgsApplication.exit(0)


_log("startup script loaded")
_keep["timer"] = QTimer()
_keep["timer"].setSingleShot(True)
_keep["timer"].timeout.connect(lambda: _guarded(_start))
_keep["timer"].start(2500)
