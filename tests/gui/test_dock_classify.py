"""The dock's Classify tab in the real QGIS (offscreen), with real files and real torch:
a run end to end lands styled layers in a group; a stack / model mismatch is reported before running;
cancel leaves nothing on disk or on the map; choices are remembered; task errors reach the message bar."""
from __future__ import annotations

import os

import pytest
from qgis.core import (
    Qgis,
    QgsApplication,
    QgsLayerTreeGroup,
    QgsPalettedRasterRenderer,
    QgsProject,
    QgsRasterLayer,
    QgsSingleBandPseudoColorRenderer,
)
from qgis.PyQt.QtCore import Qt

torch = pytest.importorskip("torch")

from land_cover_xai_plugin.engine.errors import LcxError
from land_cover_xai_plugin.gui import settings
from land_cover_xai_plugin.gui.dock import LandCoverXaiDock
from land_cover_xai_plugin.gui.tasks import JobTask
from model_factory import make_model


def run_and_wait(panel, timeout_s: float = 45.0, on_task=None) -> str:
    """Start the panel's run, process events until it ended; returns "success" / "cancelled" / "error"."""
    from pytest_qgis.utils import wait_until

    outcome: list = []
    panel.run_finished.connect(outcome.append)
    try:
        task = panel.run()
        assert task is not None, panel.problems()
        if on_task is not None:
            on_task(task)
        wait_until(lambda: bool(outcome), timeout_milliseconds=int(timeout_s * 1000))
    finally:
        panel.run_finished.disconnect(outcome.append)
    assert outcome, "the task did not finish in time"
    return outcome[0]


def files_under(folder) -> list:
    return [os.path.join(d, f) for d, _, names in os.walk(folder) for f in names]


@pytest.fixture()
def clean_settings():
    settings.clear_all()
    yield
    settings.clear_all()


@pytest.fixture()
def project(qgis_new_project):
    project = QgsProject.instance()
    yield project
    project.removeAllMapLayers()
    project.layerTreeRoot().removeAllChildren()


@pytest.fixture()
def dock(qgis_iface, clean_settings, project):
    widget = LandCoverXaiDock(qgis_iface)
    yield widget
    widget.shutdown()
    widget.deleteLater()


def private_copy(path, folder):
    """QGIS writes statistics (.aux.xml) beside a raster it renders: tests work on a copy of the sample."""
    import shutil

    os.makedirs(folder, exist_ok=True)
    return shutil.copy(path, os.path.join(folder, os.path.basename(path)))


def choose(panel, stack_path, model_path, out_root, methods=("gradcam",)):
    layer = QgsRasterLayer(str(stack_path), "s2 stack", "gdal")
    assert layer.isValid()
    QgsProject.instance().addMapLayer(layer)
    panel.single_radio.setChecked(True)
    panel.layer_combo.setLayer(layer)
    panel.model_combo.setCurrentIndex(panel.model_combo.findData("file"))
    panel.model_file.setFilePath(str(model_path))
    for method, check in panel.output_checks.items():
        check.setChecked(method in methods)
    panel.out_folder.setFilePath(str(out_root))
    return layer


def test_classify_end_to_end_lands_styled_layers_in_a_group(dock, sample_dir, tmp_path):
    stack = private_copy(sample_dir / "tiny" / "s2_l1c_tiny.tif", tmp_path / "data")
    model = make_model(str(stack), str(tmp_path / "model.lcx"))
    panel = dock.classify_panel
    choose(panel, stack, model, tmp_path / "out", methods=("gradcam", "probabilities"))
    # what the panel detected and shows before running
    assert panel.stack_table.rowCount() == 3
    assert panel.stack_table.item(0, 0).text() == "2015-07-11"
    assert "B8A" in panel.stack_table.item(0, 1).text()
    assert panel.class_list.count() == 5 and "forest" in panel.class_list.item(1).text()
    assert panel.run_button.isEnabled(), panel.problems()
    assert panel.ensure_devices()[0] == "cpu"

    assert run_and_wait(panel) == "success", panel.status_label.text()

    root = QgsProject.instance().layerTreeRoot()
    group = root.children()[0]
    assert isinstance(group, QgsLayerTreeGroup)
    assert group.name().startswith("Land Cover XAI — s2 stack ")
    names = [node.layer().name() for node in group.findLayers()]
    assert names[0].startswith("Grad-CAM") and names[-1] == "Class map", names
    layers = panel.last_layers
    class_map = layers["prediction"]
    renderer = class_map.renderer()
    assert isinstance(renderer, QgsPalettedRasterRenderer)
    legend = {c.value: (c.label, c.color.name()) for c in renderer.classes()}
    assert legend == {1: ("cultivated land", "#ffd92f"), 2: ("forest", "#1b7837"), 3: ("grassland", "#a6d96a"),
                      4: ("shrubland", "#808000"), 8: ("artificial surface", "#e31a1c")}
    heat = layers["gradcam"]
    assert isinstance(heat.renderer(), QgsSingleBandPseudoColorRenderer)
    assert heat.opacity() < 1.0
    assert isinstance(layers["confidence"].renderer(), QgsSingleBandPseudoColorRenderer)
    assert "probabilities" in layers
    # every layer is a whole, committed output in the run's own folder
    for layer in layers.values():
        assert layer.isValid() and not layer.source().endswith(".partial.tif")
        assert os.path.dirname(layer.source()) == panel.last_out_dir
    assert panel.progress.value() == 100 and panel.run_button.isEnabled()


def test_mismatch_is_reported_before_running_and_run_is_disabled(dock, sample_dir, tmp_path):
    stack = private_copy(sample_dir / "tiny" / "s2_l1c_tiny.tif", tmp_path / "data")
    model = make_model(str(stack), str(tmp_path / "model.lcx"), drop_band=True)
    panel = dock.classify_panel
    choose(panel, stack, model, tmp_path / "out")
    assert not panel.run_button.isEnabled()
    text = panel.check_label.text()
    assert "B99" in text and "does not fit" in text
    assert panel.run() is None
    assert not (tmp_path / "out").exists() or files_under(tmp_path / "out") == []


def test_cancel_leaves_no_file_and_no_layer(dock, sample_dir, tmp_path):
    stack = private_copy(sample_dir / "s2_l1c_stack.tif", tmp_path / "data")
    model = make_model(str(stack), str(tmp_path / "model.lcx"))
    panel = dock.classify_panel
    out_root = tmp_path / "out"
    choose(panel, stack, model, out_root, methods=("gradcam", "probabilities"))
    layers_before = set(QgsProject.instance().mapLayers())

    def cancel_at_first_progress(task):
        task.progressChanged.connect(lambda value: panel.cancel())

    assert run_and_wait(panel, on_task=cancel_at_first_progress) == "cancelled"
    assert files_under(out_root) == []
    assert not [p for p in out_root.glob("*")] if out_root.exists() else True
    assert set(QgsProject.instance().mapLayers()) == layers_before
    assert not any(isinstance(n, QgsLayerTreeGroup) for n in QgsProject.instance().layerTreeRoot().children())
    assert panel.run_button.isEnabled() and not panel.cancel_button.isEnabled()


def test_choices_are_remembered_across_dock_instances(qgis_iface, clean_settings, project, sample_dir, tmp_path):
    model = make_model(str(sample_dir / "tiny" / "s2_l1c_tiny.tif"), str(tmp_path / "model.lcx"))
    first = LandCoverXaiDock(qgis_iface)
    panel = first.classify_panel
    panel.model_combo.setCurrentIndex(panel.model_combo.findData("file"))
    panel.model_file.setFilePath(model)
    panel.output_checks["gradcam"].setChecked(False)
    panel.output_checks["shap"].setChecked(True)
    panel.output_checks["ig"].setChecked(True)
    panel.target_combo.setCurrentIndex(panel.target_combo.findData("2"))
    panel.out_folder.setFilePath(str(tmp_path / "results"))
    first.shutdown()

    second_dock = LandCoverXaiDock(qgis_iface)
    second = second_dock.classify_panel
    assert second.model_combo.currentData() == "file"
    assert second.current_model_path() == model
    assert second.selected_methods() == {"shap", "ig"}
    assert second.target_combo.currentData() == "2"
    assert second.output_root() == str(tmp_path / "results")
    assert second.device_combo.currentData() == "cpu"
    second_dock.shutdown()


def _run_task(task) -> list:
    """Run a task in the task manager; returns the failure messages it emitted (the manager deletes it)."""
    from pytest_qgis.utils import wait_until

    ended: list = []
    task.failed.connect(ended.append)
    task.succeeded.connect(lambda result: ended.append("ok"))
    task.canceled_by_user.connect(lambda: ended.append("cancelled"))
    QgsApplication.taskManager().addTask(task)
    wait_until(lambda: bool(ended), timeout_milliseconds=10000)
    return ended


def test_task_reports_user_errors_and_bugs_in_the_message_bar(qgis_iface):
    bar = qgis_iface.messageBar()
    bar.clear_messages()

    def user_error(progress, is_cancelled):
        raise LcxError("The stack lacks band B04: add it.")

    def bug(progress, is_cancelled):
        return {}["missing"]

    logged = []
    log = QgsApplication.messageLog()
    log.messageReceived.connect(lambda message, tag, level: logged.append((message, tag)))
    first = _run_task(JobTask("job one", user_error, iface=qgis_iface))
    second = _run_task(JobTask("job two", bug, iface=qgis_iface))
    critical = " ".join(bar.get_messages(Qgis.MessageLevel.Critical))
    assert "The stack lacks band B04: add it." in critical
    assert "internal error" in critical and "KeyError" in critical
    assert any("Traceback" in message and tag == "Land Cover XAI" for message, tag in logged)
    assert first == ["The stack lacks band B04: add it."]
    assert len(second) == 1 and "KeyError" in second[0]


def test_missing_dependencies_disable_run(dock, monkeypatch):
    from land_cover_xai_plugin.engine import dependencies

    monkeypatch.setattr(dependencies, "missing_packages", lambda: ["torch", "captum"])
    assert dock.refresh_dependencies() == ["torch", "captum"]
    assert "pip install" in dock.dependency_label.text()
    assert not dock.classify_panel.run_button.isEnabled()
    assert "torch" in dock.classify_panel.run_button.toolTip()
    assert dock.copy_diagnostics()


def test_single_date_layers_are_listed_by_date_and_stacked(dock, sample_dir, tmp_path):
    from osgeo import gdal

    tiny = str(sample_dir / "tiny" / "s2_l1c_tiny.tif")
    model = make_model(tiny, str(tmp_path / "model.lcx"))
    source = gdal.Open(tiny)
    dates = ["20150711", "20150830", "20150909"]
    layers = []
    for t in (2, 0, 1):  # added out of order
        path = str(tmp_path / f"S2_{dates[t]}.tif")
        gdal.Translate(path, source, bandList=list(range(t * 13 + 1, t * 13 + 14)))
        layers.append(QgsRasterLayer(path, f"date {t}", "gdal"))
    source = None
    QgsProject.instance().addMapLayers(layers)
    panel = dock.classify_panel
    panel.multi_radio.setChecked(True)
    items = [panel.date_list.item(i) for i in range(panel.date_list.count())]
    assert [item.text()[:10] for item in items] == ["2015-07-11", "2015-08-30", "2015-09-09"]
    for item in items:
        item.setCheckState(Qt.CheckState.Checked)
    assert [os.path.basename(p) for p in panel.current_stack_paths()] == [f"S2_{d}.tif" for d in dates]
    assert panel.stack_table.rowCount() == 3
    panel.model_combo.setCurrentIndex(panel.model_combo.findData("file"))
    panel.model_file.setFilePath(model)
    assert panel.run_button.isEnabled(), panel.problems()
    assert panel.pixel_context() == (panel.current_stack_paths(), model)


def test_corrected_layout_is_checked_against_the_model(dock, sample_dir, tmp_path):
    stack = private_copy(sample_dir / "tiny" / "s2_l1c_tiny.tif", tmp_path / "data")
    model = make_model(str(stack), str(tmp_path / "model.lcx"))
    panel = dock.classify_panel
    choose(panel, stack, model, tmp_path / "out")
    assert panel.run_button.isEnabled()
    panel.override_check.setChecked(True)
    assert panel.dates_edit.text() == "2015-07-11, 2015-08-30, 2015-09-09"
    assert panel.bands_edit.text().startswith("B01, B02")
    # a wrong correction: 4 bands per date instead of 13 -> the stack no longer fits the model
    panel.bands_edit.setText("B02, B03, B04, B08")
    panel.refresh_stack()
    assert not panel.run_button.isEnabled()
    assert panel.stack_error or panel.fit_error
    panel.override_check.setChecked(False)
    assert panel.run_button.isEnabled()
    layout_ok = panel.current_layout() is None
    assert layout_ok


def test_dock_has_the_three_tabs_and_the_pixel_tool_uses_the_classify_choices(dock, sample_dir, tmp_path):
    tabs = [dock.tabs.tabText(i) for i in range(dock.tabs.count())]
    assert tabs[0] == "Classify"
    assert set(tabs) <= {"Classify", "Train", "Validate"}
    stack = private_copy(sample_dir / "tiny" / "s2_l1c_tiny.tif", tmp_path / "data")
    model = make_model(str(stack), str(tmp_path / "model.lcx"))
    dock.use_model(model)  # what the Train tab's "Use this model in the Classify tab" does
    panel = dock.classify_panel
    assert panel.current_model_path() == model and panel.bundle is not None
    with pytest.raises(LcxError):
        panel.pixel_context()  # no time series chosen yet: the tool says what to do
    choose(panel, stack, model, tmp_path / "out")
    if "Train" not in tabs:  # the pixel tool comes with the other tabs
        return
    tool = dock.activate_pixel_tool()
    assert tool is not None and dock.explain_button.isChecked()
    assert tool.context_provider() == ([str(stack)], model)
    dock.explain_button.setChecked(False)


def test_engine_error_during_the_run_reaches_the_message_bar_and_leaves_nothing(dock, qgis_iface, sample_dir,
                                                                              tmp_path):
    stack = private_copy(sample_dir / "tiny" / "s2_l1c_tiny.tif", tmp_path / "data")
    model = make_model(str(stack), str(tmp_path / "model.lcx"))
    panel = dock.classify_panel
    out_root = tmp_path / "out"
    choose(panel, stack, model, out_root)
    qgis_iface.messageBar().clear_messages()
    with open(model, "wb") as fh:  # the file is damaged after it was chosen
        fh.write(b"not a model")
    assert run_and_wait(panel) == "error"
    critical = " ".join(qgis_iface.messageBar().get_messages(Qgis.MessageLevel.Critical))
    assert "model.lcx" in critical and "Please" in critical  # the engine's message: what is wrong, what to do
    assert panel.status_label.text() in critical
    assert files_under(out_root) == []
    assert not any(isinstance(n, QgsLayerTreeGroup) for n in QgsProject.instance().layerTreeRoot().children())


def test_bundled_model_on_the_real_sample_maps_mostly_forest(dock, sample_dir, tmp_path):
    """The user's first run: bundled model, real Slovenia 2015 stack, Grad-CAM; 3/4 of the labels are forest."""
    import numpy as np
    from osgeo import gdal

    if not (sample_dir / "sample_model.lcx").exists():
        pytest.skip("the bundled sample model is not built yet (make model)")
    stack = private_copy(sample_dir / "s2_l1c_stack.tif", tmp_path / "data")
    panel = dock.classify_panel
    choose(panel, stack, sample_dir / "sample_model.lcx", tmp_path / "out")
    panel.model_combo.setCurrentIndex(panel.model_combo.findData("bundled"))
    assert panel.current_model_path() == str(sample_dir / "sample_model.lcx")
    assert panel.run_button.isEnabled(), panel.problems()
    assert run_and_wait(panel) == "success", panel.status_label.text()
    class_map = panel.last_layers["prediction"]
    names = {c.value: c.label for c in class_map.renderer().classes()}
    assert names[2] == "forest"
    values = gdal.Open(class_map.source()).ReadAsArray()
    ids, counts = np.unique(values, return_counts=True)
    assert ids[np.argmax(counts)] == 2


def test_output_list_is_the_registry_and_uncertainty_lands_as_styled_layers(dock, sample_dir, tmp_path):
    """The Outputs box lists the engine registry's methods (greyed out where the model's architecture lacks
    them); entropy and margin reach the map as 0..1 ramps, unchecked, below the explanations."""
    from land_cover_xai_plugin.engine.explain import registry

    panel = dock.classify_panel
    assert list(panel.output_checks) == [e.name for e in registry.available()]
    stack = private_copy(sample_dir / "tiny" / "s2_l1c_tiny.tif", tmp_path / "data")
    model = make_model(str(stack), str(tmp_path / "model.lcx"))
    choose(panel, stack, model, tmp_path / "out", methods=("uncertainty", "gradcam"))
    for explainer in registry.available():
        assert panel.output_checks[explainer.name].isEnabled() == explainer.supports(panel.bundle.spec), explainer.name
    assert run_and_wait(panel) == "success", panel.status_label.text()
    layers = panel.last_layers
    assert {"prediction", "confidence", "entropy", "margin", "gradcam"} == set(layers)
    group = QgsProject.instance().layerTreeRoot().children()[0]
    nodes = {node.layer().id(): node for node in group.findLayers()}
    for kind in ("entropy", "margin"):
        renderer = layers[kind].renderer()
        assert isinstance(renderer, QgsSingleBandPseudoColorRenderer)
        assert (renderer.classificationMin(), renderer.classificationMax()) == (0.0, 1.0)
        assert not nodes[layers[kind].id()].itemVisibilityChecked()
    order = [node.layer().id() for node in group.findLayers()]
    assert order.index(layers["gradcam"].id()) < order.index(layers["entropy"].id()) < order.index(
        layers["prediction"].id())
