"""The pixel explanation sits in a dock beside the map (right area, a tab beside the plugin's dock), one dock
reused for every click; stale results go: a new pixel or a failed explanation never leaves the previous pixel's
plots under the new header, and a new stack or model clears the pixel view and the Classify tab's status line.
Real QGIS widgets, real files, real torch."""
from __future__ import annotations

import os
import shutil

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("captum")

from pytest_qgis.utils import wait_until
from qgis.core import QgsPointXY, QgsProject, QgsRasterLayer
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtWidgets import QDockWidget, QMainWindow

from land_cover_xai_plugin.gui import settings
from land_cover_xai_plugin.gui.dock import LandCoverXaiDock
from land_cover_xai_plugin.gui.pixel.pixel_plots import DOCK_OBJECT_NAME, PixelExplanationDock
from model_factory import make_model


@pytest.fixture()
def project(qgis_new_project):
    yield QgsProject.instance()
    QgsProject.instance().removeAllMapLayers()
    QgsProject.instance().layerTreeRoot().removeAllChildren()


@pytest.fixture()
def tiny(tmp_path, sample_dir):
    """A private copy of the tiny stack (QGIS writes .aux.xml beside what it renders) and two models for it."""
    stack = shutil.copy(sample_dir / "tiny" / "s2_l1c_tiny.tif", tmp_path / "s2_l1c_tiny.tif")
    model = make_model(str(stack), str(tmp_path / "tiny.lcx"))
    other = make_model(str(stack), str(tmp_path / "other.lcx"), arch="tempcnn")
    misfit = make_model(str(stack), str(tmp_path / "misfit.lcx"), drop_band=True)
    return str(stack), model, other, misfit


@pytest.fixture()
def plugin_dock(qgis_iface, project):
    settings.clear_all()
    main = qgis_iface.mainWindow()
    assert isinstance(main, QMainWindow)
    dock = LandCoverXaiDock(qgis_iface, main)
    dock.setObjectName("LandCoverXaiDock")
    main.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)  # what the plugin's initGui does
    dock.show()
    yield dock
    dock.shutdown()
    main.removeDockWidget(dock)
    dock.deleteLater()
    settings.clear_all()


def choose(panel, stack_path, model_path):
    layer = QgsRasterLayer(stack_path, "tiny", "gdal")
    QgsProject.instance().addMapLayer(layer)
    panel.single_radio.setChecked(True)
    panel.layer_combo.setLayer(layer)
    panel.use_model(model_path)
    return layer


def pixel_point(stack_path, row, col) -> QgsPointXY:
    """The centre of a pixel in the stack's CRS (the canvas of the test interface shows that CRS)."""
    from land_cover_xai_plugin.engine.io.stack import open_stack

    with open_stack([stack_path]) as stack:
        x0, a, _, y0, _, e = stack.grid.geotransform
    return QgsPointXY(x0 + (col + 0.5) * a, y0 + (row + 0.5) * e)


def explain(tool, point, timeout_ms=45_000):
    task = tool.explain_map_point(point)
    assert task is not None, tool.last_message
    assert wait_until(lambda: not tool.is_busy(), timeout_milliseconds=timeout_ms)
    return task


def prepare_canvas(qgis_iface, layer):
    canvas = qgis_iface.mapCanvas()
    canvas.setDestinationCrs(layer.crs())
    canvas.setLayers([layer])
    canvas.setExtent(layer.extent())
    return canvas


def test_the_pixel_view_is_a_dock_beside_the_map_reused_for_every_click(plugin_dock, qgis_iface, tiny):
    stack, model, _other, _misfit = tiny
    layer = choose(plugin_dock.classify_panel, stack, model)
    prepare_canvas(qgis_iface, layer)
    tool = plugin_dock.activate_pixel_tool()
    tool.shap_samples, tool.ig_steps = 4, 4
    explain(tool, pixel_point(stack, 2, 3))
    assert tool.last_data is not None, tool.last_message
    main = qgis_iface.mainWindow()
    view = tool.dialog
    assert isinstance(view, PixelExplanationDock) and isinstance(view, QDockWidget)
    assert view.objectName() == DOCK_OBJECT_NAME and main.findChild(QDockWidget, DOCK_OBJECT_NAME) is view
    assert main.dockWidgetArea(view) == Qt.DockWidgetArea.RightDockWidgetArea and not view.isFloating()
    assert plugin_dock in main.tabifiedDockWidgets(view)  # a tab beside the plugin's dock, not over the map
    assert view.panel.data is tool.last_data
    # the next click reuses the same dock, even after the user closed it
    view.close()
    explain(tool, pixel_point(stack, 4, 1))
    assert tool.dialog is view and not view.isHidden() and not view.isFloating()
    assert len(main.findChildren(PixelExplanationDock)) == 1
    assert tool.last_data.context.row == 4
    plugin_dock.shutdown()  # the plugin's unload takes the dock away
    assert tool.dialog is None
    left = main.findChild(QDockWidget, DOCK_OBJECT_NAME)
    assert left is None or left.isHidden()


def test_a_failed_explanation_never_leaves_the_previous_pixels_plots(plugin_dock, qgis_iface, tiny):
    stack, model, _other, misfit = tiny
    panel = plugin_dock.classify_panel
    layer = choose(panel, stack, model)
    prepare_canvas(qgis_iface, layer)
    tool = plugin_dock.activate_pixel_tool()
    tool.shap_samples, tool.ig_steps = 4, 4
    explain(tool, pixel_point(stack, 2, 3))
    view = tool.dialog.panel
    assert view.data is not None and view.figure.axes and view.class_combo.count() > 1
    # the model no longer fits the stack: this pixel's explanation fails
    panel.use_model(misfit)
    assert view.data is None and not view.figure.axes  # the model changed: the view is empty already
    task = explain(tool, pixel_point(stack, 5, 5))
    assert task.outcome == "error"
    assert view.data is None and not view.figure.axes and view.class_combo.count() == 0
    assert not view.save_button.isEnabled()
    assert "misfit.lcx" in view.location_label.text() and "row 5" in view.location_label.text()
    assert view.status_label.text() == tool.last_message and "B99" in tool.last_message
    # a good pixel again, then a failing class on another pixel: nothing of the first stays
    panel.use_model(model)
    explain(tool, pixel_point(stack, 1, 1))
    assert view.data is not None
    tool.last_data = None
    task = tool.explain_map_point(pixel_point(stack, 6, 2), target="no such class")
    assert wait_until(lambda: not tool.is_busy(), timeout_milliseconds=45_000)
    assert task.outcome == "error" and view.data is None and not view.figure.axes
    assert "row 6" in view.location_label.text()


def test_a_new_stack_or_model_clears_the_pixel_view_and_the_run_status(plugin_dock, qgis_iface, tiny, tmp_path):
    stack, model, other, _misfit = tiny
    panel = plugin_dock.classify_panel
    layer = choose(panel, stack, model)
    prepare_canvas(qgis_iface, layer)
    # a real run leaves its status line
    panel.out_folder.setFilePath(str(tmp_path / "out"))
    for check in panel.output_checks.values():
        check.setChecked(False)
    outcome = []
    panel.run_finished.connect(outcome.append)
    assert panel.run() is not None, panel.problems()
    assert wait_until(lambda: bool(outcome), timeout_milliseconds=45_000) and outcome == ["success"]
    assert "Done in" in panel.status_label.text() and panel.progress.value() == 100
    tool = plugin_dock.activate_pixel_tool()
    tool.shap_samples, tool.ig_steps = 4, 4
    explain(tool, pixel_point(stack, 2, 3))
    view = tool.dialog.panel
    assert view.data is not None and view.location_label.text()

    panel.use_model(other)  # another model
    assert panel.status_label.text() == "" and panel.progress.value() == 0
    assert view.data is None and not view.figure.axes and view.location_label.text() == ""
    assert "changed" in view.status_label.text() and tool.last_context is None
    assert tool.marker is None or not tool.marker.isVisible()

    explain(tool, pixel_point(stack, 2, 3))
    assert view.data is not None
    copy = shutil.copy(stack, tmp_path / "second.tif")  # another stack
    second = QgsRasterLayer(str(copy), "second", "gdal")
    QgsProject.instance().addMapLayer(second)
    panel.layer_combo.setLayer(second)
    assert view.data is None and not view.figure.axes and "changed" in view.status_label.text()
    # the same stack and model chosen again is no change: an explanation stays
    explain(tool, pixel_point(str(copy), 2, 3))
    panel.refresh_stack()
    panel.refresh_model()
    assert view.data is not None
    assert os.path.basename(str(copy)) in view.location_label.text()
