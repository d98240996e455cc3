"""gui/layers.py: a run's outputs land in one group, styled (paletted class map with the model's names and
colours, Grad-CAM heatmap with a colour ramp and transparency above it), from real engine outputs."""
from __future__ import annotations

import datetime
import os

import pytest
from qgis.core import (
    QgsLayerTreeGroup,
    QgsPalettedRasterRenderer,
    QgsProject,
    QgsSingleBandPseudoColorRenderer,
)

torch = pytest.importorskip("torch")

from land_cover_xai_plugin.engine.inference.streaming import InferenceRequest, run_inference  # noqa: E402
from land_cover_xai_plugin.engine.models.model_file import load_model  # noqa: E402
from land_cover_xai_plugin.gui import layers  # noqa: E402
from model_factory import make_model  # noqa: E402  (tests/gui/model_factory.py)


@pytest.fixture(scope="module")
def outputs(tmp_path_factory, qgis_app):
    """Real outputs of the engine on the tiny sample: class map, confidence, Grad-CAM and probabilities."""
    from land_cover_xai_plugin import engine  # noqa: F401

    folder = tmp_path_factory.mktemp("layers")
    stack = os.path.join(os.path.dirname(engine.__file__), "..", "sample_data", "tiny", "s2_l1c_tiny.tif")
    model = make_model(stack, str(folder / "model.lcx"))
    result = run_inference(InferenceRequest(stack_paths=[stack], model_path=model, out_dir=str(folder / "out"),
                                            methods={"gradcam", "probabilities"}, target=2,
                                            batch_size=512))
    return result.paths, load_model(model).classes


@pytest.fixture()
def project(qgis_new_project):
    yield QgsProject.instance()
    QgsProject.instance().removeAllMapLayers()
    QgsProject.instance().layerTreeRoot().removeAllChildren()


def test_group_name_says_which_stack_and_when():
    name = layers.run_group_name("s2 stack", datetime.datetime(2026, 1, 2, 3, 4, 5))
    assert name == "Land Cover XAI — s2 stack 03:04:05"


def test_outputs_land_styled_in_one_group_heatmap_above_class_map(outputs, project):
    paths, classes = outputs
    assert set(paths) == {"prediction", "confidence", "gradcam_2", "probabilities"}
    group, added = layers.add_outputs(paths, "Land Cover XAI — tiny 10:00:00", classes)
    root = project.layerTreeRoot()
    assert isinstance(group, QgsLayerTreeGroup) and root.children()[0] is group
    assert set(added) == set(paths)
    assert all(layer.id() in project.mapLayers() for layer in added.values())

    nodes = group.findLayers()
    ids = [node.layer().id() for node in nodes]
    assert ids[0] == added["gradcam_2"].id() and ids[-1] == added["prediction"].id()
    visible = {node.layer().id() for node in nodes if node.itemVisibilityChecked()}
    assert visible == {added["gradcam_2"].id(), added["prediction"].id()}

    class_map = added["prediction"]
    assert class_map.name() == "Class map"
    renderer = class_map.renderer()
    assert isinstance(renderer, QgsPalettedRasterRenderer)
    assert [(c.value, c.label, c.color.name()) for c in renderer.classes()] == \
        [(c.id, c.name, c.color) for c in classes]

    heat = added["gradcam_2"]
    assert heat.name() == "Grad-CAM heatmap (class forest)"
    ramp = heat.renderer()
    assert isinstance(ramp, QgsSingleBandPseudoColorRenderer)
    items = ramp.shader().rasterShaderFunction().colorRampItemList()
    assert len(items) >= 2 and items[0].color.alpha() == 0 and items[-1].color.alpha() == 255
    assert 0.0 < heat.opacity() < 1.0
    assert added["probabilities"].name() == "Class probabilities"
    assert ramp_of(added["probabilities"]).classificationMax() == pytest.approx(1.0)


def ramp_of(layer):
    renderer = layer.renderer()
    assert isinstance(renderer, QgsSingleBandPseudoColorRenderer)
    return renderer


def test_class_map_style_from_the_qml_beside_the_file_and_ramp_fallback(outputs, project, tmp_path):
    paths, classes = outputs
    # without the model's classes: the .qml the engine wrote beside the class map
    group, added = layers.add_outputs({"prediction": paths["prediction"]}, "from qml")
    legend = [(c.value, c.label) for c in added["prediction"].renderer().classes()]
    assert legend == [(c.id, c.name) for c in classes]
    # a heatmap without its .qml still gets a ramp with a transparent low end
    import shutil

    bare = tmp_path / "gradcam.tif"
    shutil.copy(paths["gradcam_2"], bare)
    _, added = layers.add_outputs({"gradcam": str(bare)}, "fallback")
    items = ramp_of(added["gradcam"]).shader().rasterShaderFunction().colorRampItemList()
    assert items[0].color.alpha() == 0 and items[0].value == 0.0


def test_only_whole_outputs_reach_the_map(project, tmp_path):
    (tmp_path / "prediction.partial.tif").write_bytes(b"not yet a raster")
    _, added = layers.add_outputs({"prediction": str(tmp_path / "prediction.partial.tif"),
                                   "confidence": str(tmp_path / "missing.tif")}, "broken")
    assert added == {}
    assert not project.mapLayers()
