"""Class renaming in the Classify tab (real widgets, real model files): the model file keeps the original name
and the user's name; legends of class maps already on the map, lists and new layers show the new name; the
bundled sample (shipped with the plugin) keeps its renames in QGIS's settings, its file untouched."""
from __future__ import annotations

import os
import shutil

import pytest
from qgis.core import QgsProject

torch = pytest.importorskip("torch")

from land_cover_xai_plugin.engine.jobs import InferenceJob, run_inference_job
from land_cover_xai_plugin.engine.models.model_file import load_model
from land_cover_xai_plugin.gui import class_names, layers, settings
from land_cover_xai_plugin.gui.panels.classify_panel import ROLE, ClassifyPanel
from model_factory import make_model


@pytest.fixture()
def clean(qgis_new_project):
    settings.clear_all()
    yield
    settings.clear_all()
    class_names.use_model_names(())
    QgsProject.instance().removeAllMapLayers()
    QgsProject.instance().layerTreeRoot().removeAllChildren()


@pytest.fixture()
def tiny_model(tmp_path, sample_dir):
    stack = shutil.copy(sample_dir / "tiny" / "s2_l1c_tiny.tif", tmp_path / "s2_l1c_tiny.tif")
    return str(stack), make_model(str(stack), str(tmp_path / "tiny.lcx"))


def item_of(panel, class_id):
    for i in range(panel.class_list.count()):
        if panel.class_list.item(i).data(ROLE) == class_id:
            return panel.class_list.item(i)
    raise AssertionError(f"no class {class_id} in the list")


def test_renaming_in_the_list_is_kept_in_the_model_file_beside_the_original(qgis_iface, clean, tiny_model,
                                                                              tmp_path):
    stack, model = tiny_model
    assert load_model(model).classes[3].display_name == ""  # a file without display names reads as before
    panel = ClassifyPanel(qgis_iface)
    panel.use_model(model)
    # a class map of this model already on the map
    result = run_inference_job(InferenceJob(stack_paths=[stack], model_path=model, out_dir=str(tmp_path / "out"),
                                            outputs=set(), batch_size=512))
    _, added = layers.add_outputs(result.outputs, "before the renaming")
    class_map = added["prediction"]
    assert "shrubland" in [c.label for c in class_map.renderer().classes()]

    item = item_of(panel, 4)
    assert item.text() == "4 — shrubland" and "training data: 'shrubland'" in item.toolTip()
    item.setText("4 — Broussailles (landes)")  # what the list's editor hands back after a double-click
    bundle = load_model(model)
    shrub = next(c for c in bundle.classes if c.id == 4)
    assert shrub.name == "shrubland" and shrub.display_name == "Broussailles (landes)"
    assert item_of(panel, 4).text() == "4 — Broussailles (landes)"
    assert panel.target_combo.itemText(panel.target_combo.findData("4")) == "Broussailles (landes)"
    # the legend of the map already drawn, and of a new run
    labels = {c.value: c.label for c in class_map.renderer().classes()}
    assert labels[4] == "Broussailles (landes)" and labels[2] == "forest"
    _, again = layers.add_outputs(result.outputs, "after the renaming")
    assert {c.value: c.label for c in again["prediction"].renderer().classes()}[4] == "Broussailles (landes)"
    assert class_names.display_name("shrubland") == "Broussailles (landes)"
    panel.shutdown()

    # another session reads the name from the file; the original name gives the original back
    fresh = ClassifyPanel(qgis_iface)
    fresh.use_model(model)
    assert item_of(fresh, 4).text() == "4 — Broussailles (landes)"
    assert fresh.rename_class(4, "shrubland") == "shrubland"
    assert next(c for c in load_model(model).classes if c.id == 4).display_name == ""
    assert {c.value: c.label for c in class_map.renderer().classes()}[4] == "shrubland"
    fresh.shutdown()


def test_the_bundled_sample_keeps_its_renames_in_the_settings(qgis_iface, clean, sample_dir):
    bundled = sample_dir / "sample_model.lcx"
    before = bundled.read_bytes()
    panel = ClassifyPanel(qgis_iface)
    panel.model_combo.setCurrentIndex(panel.model_combo.findData("bundled"))
    original = next(c for c in panel.bundle.classes if c.id == 4).name
    assert panel.rename_class(4, "Shrubland") == "Shrubland"
    assert bundled.read_bytes() == before  # the file shipped with the plugin is not written
    panel.shutdown()
    again = ClassifyPanel(qgis_iface)
    again.model_combo.setCurrentIndex(again.model_combo.findData("bundled"))
    again.refresh_model()
    assert item_of(again, 4).text() == "4 — Shrubland"
    assert class_names.display_name(original) == "Shrubland"
    again.rename_class(4, "")
    assert class_names.display_name(original) == class_names.original_label(original)
    again.shutdown()
    assert os.path.getsize(bundled) == len(before)
