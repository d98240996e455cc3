"""Telling the user, once for every panel and tool: the message bar and the QGIS log panel "Land Cover XAI".

The rule at a slot boundary (a Qt signal handler the user triggered): an ``LcxError`` is the user's to fix, so its
message goes to the message bar as it is; any other exception is a bug: the bar says "unexpected error" and the
traceback goes to the log. ``slot_boundary`` applies that rule to a method; inside, engine calls raise freely.
"""
from __future__ import annotations

import functools
import traceback
from typing import Callable, Optional

from qgis.core import Qgis, QgsMessageLog
from qgis.PyQt.QtCore import QCoreApplication

from ..engine.errors import LcxError

LOG_TAG = "Land Cover XAI"


def tr(text: str) -> str:
    return QCoreApplication.translate("LandCoverXaiFeedback", text)


def push_message(iface, title: str, text: str, level=Qgis.MessageLevel.Info, duration: int = 6) -> None:
    """``text`` in the message bar of ``iface`` (when there is one: headless runs have none) and in the log."""
    bar = iface.messageBar() if iface is not None and hasattr(iface, "messageBar") else None
    if bar is not None:
        bar.pushMessage(title, text, level, duration)
    QgsMessageLog.logMessage(f"{title}: {text}", LOG_TAG, level)


def report_unexpected(iface, title: str, error: BaseException) -> str:
    """A bug reached a slot: "unexpected error" in the message bar, the traceback in the log. Returns the bar text."""
    text = tr("Unexpected error ({kind}: {error}). The details are in the log panel 'Land Cover XAI'; please "
              "report them with 'Copy diagnostics'.").format(kind=type(error).__name__, error=error)
    details = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    QgsMessageLog.logMessage(f"{title}: {details}", LOG_TAG, Qgis.MessageLevel.Critical)
    push_message(iface, title, text, Qgis.MessageLevel.Critical, 0)
    return text


def slot_boundary(title: str, on_message: Optional[Callable[[object, str], None]] = None):
    """Decorator for a slot method of an object with ``iface``: LcxError -> its message in the bar (warning);
    other exceptions -> ``report_unexpected``. ``on_message(self, text)`` also shows the text in the widget."""
    def decorate(method):
        @functools.wraps(method)
        def guarded(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except LcxError as exc:
                text = str(exc)
                push_message(getattr(self, "iface", None), title, text, Qgis.MessageLevel.Warning)
            except Exception as exc:  # noqa: BLE001 - the slot boundary: a bug is reported, not lost
                text = report_unexpected(getattr(self, "iface", None), title, exc)
            if on_message is not None:
                on_message(self, text)
            return None
        return guarded
    return decorate
