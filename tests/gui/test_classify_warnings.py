"""The Classify tab shows the engine's warnings about a finished run (issue 11): in the message bar at warning
level, kept until dismissed, and in the status line; a run without warnings pushes none."""
from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest
from qgis.core import Qgis, QgsProject

from land_cover_xai_plugin.gui import settings
from land_cover_xai_plugin.gui.panels.classify_panel import ClassifyPanel

WARNING = "The stack's values are about 5 x the model's training data: the map may be unreliable."


@pytest.fixture()
def panel(qgis_iface, qgis_new_project):
    settings.clear_all()
    widget = ClassifyPanel(qgis_iface)
    widget._run_stack_name, widget._run_time, widget.last_out_dir = "s2", datetime.datetime.now(), "/tmp/x"
    yield widget
    widget.shutdown()
    widget.deleteLater()
    QgsProject.instance().removeAllMapLayers()
    settings.clear_all()


@pytest.mark.parametrize("warnings", [[WARNING], []])
def test_a_finished_run_shows_its_warnings(panel, qgis_iface, warnings):
    bar = qgis_iface.messageBar()
    bar.clear_messages()
    panel._on_success(SimpleNamespace(outputs=[], seconds=1.0, warnings=warnings))
    shown = bar.get_messages(Qgis.MessageLevel.Warning)
    assert [m for m in shown if WARNING in m] == ([shown[0]] if warnings else [])
    assert (WARNING in panel.status_label.text()) == bool(warnings)
    assert bar.get_messages(Qgis.MessageLevel.Success)
