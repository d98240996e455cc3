"""The slot boundary in the real QGIS: a user error reaches the message bar as the engine wrote it; a bug says
"unexpected error" in the bar and leaves its traceback in the log panel 'Land Cover XAI'."""
from __future__ import annotations

from qgis.core import Qgis, QgsApplication

from land_cover_xai_plugin.engine.errors import StackError
from land_cover_xai_plugin.gui.feedback import LOG_TAG, slot_boundary


class Widget:
    def __init__(self, iface):
        self.iface = iface
        self.shown: list = []

    @slot_boundary("Test tab", lambda self, text: self.shown.append(text))
    def user_error(self):
        raise StackError("The stack lacks band B04: add it.")

    @slot_boundary("Test tab", lambda self, text: self.shown.append(text))
    def bug(self):
        return {}["missing"]

    @slot_boundary("Test tab")
    def fine(self, value):
        return value * 2


def test_user_errors_and_bugs_at_the_slot_boundary(qgis_iface):
    bar = qgis_iface.messageBar()
    bar.clear_messages()
    logged = []
    log = QgsApplication.messageLog()
    log.messageReceived.connect(lambda message, tag, level: logged.append((message, tag, level)))
    widget = Widget(qgis_iface)
    assert widget.fine(21) == 42
    assert widget.user_error() is None
    assert widget.bug() is None
    assert "The stack lacks band B04: add it." in " ".join(bar.get_messages(Qgis.MessageLevel.Warning))
    critical = " ".join(bar.get_messages(Qgis.MessageLevel.Critical))
    assert "Unexpected error (KeyError" in critical and "log panel 'Land Cover XAI'" in critical
    assert any("Traceback" in message and "KeyError" in message and tag == LOG_TAG for message, tag, _ in logged)
    assert widget.shown[0] == "The stack lacks band B04: add it." and widget.shown[1].startswith("Unexpected error")
