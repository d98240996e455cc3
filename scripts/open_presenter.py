"""QGIS startup script of `make demo` on a machine with a display (``qgis --code scripts/open_presenter.py``).

Puts the demo run the CLI wrote into LCX_DEMO_DIR on the map (the bundled sample and model; no second run)
and opens the plugin's presenter full screen on it. Once the presenter's map has drawn, the time since QGIS
was started (LCX_QGIS_T0, seconds since the epoch, set by scripts/demo.sh) is written to LCX_DEMO_TIMING (one
line that demo.sh prints) and to the QGIS log. A failure is told in the message bar and in that line.
"""
import os
import time
import traceback

from qgis.core import Qgis, QgsMessageLog
from qgis.PyQt.QtCore import QTimer
from qgis.utils import iface, plugins

OUT = os.environ.get("LCX_DEMO_DIR", "demo-output")
T0 = float(os.environ.get("LCX_QGIS_T0") or time.time())
TIMING = os.environ.get("LCX_DEMO_TIMING", "")
_keep = {"script": time.time() - T0}  # QGIS's own start: until it runs this script


def _say(line: str) -> None:
    QgsMessageLog.logMessage(line, "Land Cover XAI", Qgis.MessageLevel.Info)
    if TIMING:
        with open(TIMING, "w", encoding="utf-8") as fh:
            fh.write(line + "\n")


def _ready() -> None:
    if _keep.get("told"):
        return
    _keep["told"] = True
    total = time.time() - T0
    _say(f"Presenter ready {total:.1f} s after QGIS was started (QGIS's own start {_keep['script']:.1f} s, "
         f"the presenter {total - _keep['script']:.1f} s).")


def open_presenter() -> None:
    plugin = plugins.get("land_cover_xai_plugin")
    if plugin is None or plugin.dock is None:
        _keep["tries"] = _keep.get("tries", 0) + 1
        if _keep["tries"] < 40:  # the plugin loads after the startup script on a slow machine
            QTimer.singleShot(250, guarded)
            return
        raise RuntimeError("the Land Cover XAI plugin is not loaded")
    from land_cover_xai_plugin.gui.presenter.window import present_folder

    window = present_folder(plugin.dock, OUT)
    window.canvas.mapCanvasRefreshed.connect(_ready)
    window.canvas.refresh()
    _keep["window"] = window


def guarded() -> None:
    try:
        open_presenter()
    except Exception as exc:  # noqa: BLE001 - a startup script has nowhere else to report
        iface.messageBar().pushCritical("Land Cover XAI", f"{exc}")
        QgsMessageLog.logMessage(traceback.format_exc(), "Land Cover XAI", Qgis.MessageLevel.Critical)
        _say(f"Presenter not opened: {exc}")


QTimer.singleShot(0, guarded)
