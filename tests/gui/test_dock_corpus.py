"""The hostile corpus (tests/hostile_corpus.py) through the dock's Classify tab, where it is cheap (model files and
stacks): the dock refuses before running (Run disabled, the problem in its check line) or the task ends in the
message bar with the engine's message; no exception escapes, no file is written, no layer is added."""
from __future__ import annotations

import re

import pytest
from qgis.core import Qgis, QgsLayerTreeGroup, QgsProject

pytest.importorskip("torch")

from test_dock_classify import choose, clean_settings, dock, project, run_and_wait  # noqa: F401 - fixtures

from tests.hostile_corpus import CASES, Inputs, good_inputs, leftovers, snapshot

DOCK_CASES = [c for c in CASES if c.dock]


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> Inputs:
    return good_inputs(tmp_path_factory.mktemp("corpus_good"))


@pytest.mark.parametrize("case", DOCK_CASES, ids=[c.id for c in DOCK_CASES])
def test_dock(case, good, dock, qgis_iface, tmp_path):  # noqa: F811 - fixture
    inputs = case.build(good, tmp_path)
    before = snapshot(tmp_path)
    panel = dock.classify_panel
    qgis_iface.messageBar().clear_messages()
    choose(panel, inputs.stack, inputs.model, inputs.out, methods=())
    if panel.run_button.isEnabled():  # not refused up front: the run itself must fail cleanly
        assert run_and_wait(panel) == "error"
        shown = " ".join(qgis_iface.messageBar().get_messages(Qgis.MessageLevel.Critical))
    else:
        shown = " ".join(" ".join(panel.problems()).split())  # what the model / stack / check lines show
        assert panel.run() is None
    assert re.search(case.message, shown, re.IGNORECASE), shown
    assert "Traceback" not in shown
    assert {k: v for k, v in snapshot(tmp_path).items() if not k.startswith("out")} == {
        k: v for k, v in before.items() if not k.startswith("out")} and not leftovers(tmp_path)
    assert not any(p for p in snapshot(tmp_path) if p.startswith("out"))
    assert not any(isinstance(n, QgsLayerTreeGroup) for n in QgsProject.instance().layerTreeRoot().children())


TRAIN_CASES = [pytest.param(c, id=c.id) for c in CASES if c.id in ("single-class-labels", "model-out-under-a-file")]
# ("empty-field-data-train" is refused correctly in the Train tab too, but an empty GeoPackage opened as a QGIS
#  layer makes QGIS 3.22's interpreter teardown abort with a double free after every test has passed.)


@pytest.mark.parametrize("case", TRAIN_CASES)
def test_train_tab(case, good, qgis_iface, project, tmp_path):  # noqa: F811 - fixture
    """The Train tab: the problem is shown (status line, message bar), no exception, no model file."""
    from pytest_qgis.utils import wait_until
    from qgis.core import QgsRasterLayer, QgsVectorLayer

    from land_cover_xai_plugin.gui.panels.train_panel import TrainPanel

    inputs = case.build(good, tmp_path)
    before = snapshot(tmp_path)
    stack = QgsRasterLayer(inputs.stack, "stack", "gdal")
    fields = QgsVectorLayer(inputs.labels, "field data", "ogr")
    assert stack.isValid() and fields.isValid()
    project.addMapLayers([stack, fields])
    panel = TrainPanel(qgis_iface)
    try:
        panel.set_stack_layers([stack])
        panel.field_layer_combo.setLayer(fields)
        panel.class_field_combo.setField(inputs.class_field)
        panel.epochs_spin.setValue(1)
        panel.device_combo.setCurrentIndex(panel.device_combo.findData("cpu"))
        panel.arch_combo.setCurrentIndex(panel.arch_combo.findData("tempcnn"))
        panel.output_widget.setFilePath(inputs.out)
        task = panel.start_training()
        if task is not None:
            assert wait_until(lambda: not panel.is_running(), timeout_milliseconds=60_000)
            assert task.outcome == "error", panel.status_label.text()
        shown = " ".join(panel.status_label.text().split())
        assert re.search(case.message, shown, re.IGNORECASE), shown
        assert "Traceback" not in shown
    finally:
        panel.shutdown()
        panel.deleteLater()
        project.removeMapLayers([stack.id(), fields.id()])
    assert snapshot(tmp_path) == before and not leftovers(tmp_path)
