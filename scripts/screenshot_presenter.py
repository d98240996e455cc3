"""QGIS startup script for docs/presenter_*.png: opens the presenter on the demo run the CLI wrote into
LCX_DEMO_DIR (as `make demo` does with a display), then shows each scene of LCX_PRESENTER_SCENES in turn and
grabs the whole screen into LCX_SHOT_PREFIX<scene>.png; quits when done. Scenes: ``photo`` (the true-colour
image of a clear date), ``explanation`` ("Why?" on a clear date), ``story`` (a touched place told),
``game`` (a round: the visitor's guess, the model's answer and the field truth).

    LCX_DEMO_OUT=/tmp/demo DISPLAY= bash scripts/demo.sh .venv/bin/python      # the run, once
    Xvfb :157 -screen 0 2560x1440x24 & DISPLAY=:157 LCX_USE_DISPLAY=1 LCX_LOCALE=fr LCX_DEMO_DIR=/tmp/demo \\
      LCX_SHOT_PREFIX=/tmp/shots/fr_2560_ bash scripts/desktop.sh .venv/bin/python \\
      --code scripts/screenshot_presenter.py
"""
import os
import traceback

from qgis.PyQt.QtCore import QTimer
from qgis.utils import plugins

OUT = os.environ.get("LCX_DEMO_DIR", "demo-output")
PREFIX = os.environ.get("LCX_SHOT_PREFIX", "/tmp/presenter_")
SCENES = [s for s in os.environ.get("LCX_PRESENTER_SCENES", "photo,explanation,story,game").split(",") if s]
LOG = os.environ.get("LCX_SHOT_LOG", "/tmp/lcx-screenshot-presenter.log")
PIXEL = (55, 40)  # a forest pixel of the sample the story tells
_keep = {"scenes": list(SCENES)}


def _log(text):
    with open(LOG, "a", encoding="utf-8") as fh:
        fh.write(text + "\n")


def _guarded(func, *args):
    try:
        func(*args)
    except Exception:  # noqa: BLE001 - a startup script has nowhere else to report
        _log(traceback.format_exc())
        _quit()


def _start():
    plugin = plugins.get("land_cover_xai_plugin")
    if plugin is None or plugin.dock is None:
        QTimer.singleShot(500, lambda: _guarded(_start))
        return
    from land_cover_xai_plugin.gui.presenter.window import present_folder

    _keep["window"] = present_folder(plugin.dock, OUT)
    _log("presenter opened")
    QTimer.singleShot(2500, lambda: _guarded(_next))


def _next():
    if not _keep["scenes"]:
        _quit()
        return
    scene = _keep["scenes"].pop(0)
    _log(f"scene {scene}")
    window = _keep["window"]
    window.game.reset() if window.game is not None else None
    if scene == "photo":
        window.set_mode("photo")
        window.date_slider.setValue(3)
        QTimer.singleShot(2500, lambda: _guarded(_grab, scene))
    elif scene == "explanation":
        window.set_mode("explanation")
        window.date_slider.setValue(3)
        QTimer.singleShot(2500, lambda: _guarded(_grab, scene))
    elif scene == "story":
        window.set_mode("classes")
        window.last_facts = None
        window.explain(*PIXEL)
        _wait_story(scene)
    elif scene == "game":
        window.set_mode("classes")
        window.game.rng.seed(3)
        here = window.new_round()
        wrong = next(c for c in window.guess_buttons if c != here.truth_id)
        window.last_facts = None
        window.guess(wrong if here.truth_id == 2 else here.truth_id)
        _wait_story(scene)
    else:
        _log(f"unknown scene {scene}")
        QTimer.singleShot(0, lambda: _guarded(_next))


def _wait_story(scene):
    window = _keep["window"]
    polls = {"n": 0}
    timer = QTimer()

    def poll():
        polls["n"] += 1
        if (window.task is None and window.last_facts is not None) or polls["n"] > 240:
            timer.stop()
            if polls["n"] > 240:
                _log(f"{scene}: no story in time: {window.story_label.text()!r}")
            QTimer.singleShot(2000, lambda: _guarded(_grab, scene))

    timer.timeout.connect(lambda: _guarded(poll))
    timer.start(500)
    _keep["poll"] = timer


def _grab(scene):
    from qgis.PyQt.QtWidgets import QApplication

    path = f"{PREFIX}{scene}.png"
    QApplication.primaryScreen().grabWindow(0).save(path)
    _log(f"screenshot: {path}")
    QTimer.singleShot(200, lambda: _guarded(_next))


def _quit():
    from qgis.core import QgsApplication

    QgsApplication.exit(0)


_log("startup script loaded")
QTimer.singleShot(1000, lambda: _guarded(_start))
