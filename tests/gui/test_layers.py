"""gui/layers.py: a run's outputs land in one group, styled from the engine's typed descriptors (paletted class
map with the model's names and colours, Grad-CAM heatmap with a colour ramp and transparency above it,
uncertainty ramps), from real engine outputs; no file name is parsed."""
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

import dataclasses  # noqa: E402

from land_cover_xai_plugin.engine.jobs import InferenceJob, run_inference_job  # noqa: E402
from land_cover_xai_plugin.engine.models.model_file import load_model  # noqa: E402
from land_cover_xai_plugin.gui import layers  # noqa: E402
from model_factory import make_model  # noqa: E402  (tests/gui/model_factory.py)


@pytest.fixture(scope="module")
def outputs(tmp_path_factory, qgis_app):
    """Real outputs of the engine on the tiny sample: class map, confidence, probabilities, uncertainty and
    Grad-CAM, as descriptors."""
    from land_cover_xai_plugin import engine

    folder = tmp_path_factory.mktemp("layers")
    stack = os.path.join(os.path.dirname(engine.__file__), "..", "sample_data", "tiny", "s2_l1c_tiny.tif")
    model = make_model(stack, str(folder / "model.lcx"))
    result = run_inference_job(InferenceJob(stack_paths=[stack], model_path=model, out_dir=str(folder / "out"),
                                            outputs={"gradcam", "probabilities", "uncertainty"}, target=2,
                                            batch_size=512))
    return {d.name: d for d in result.outputs}, load_model(model).classes


@pytest.fixture()
def project(qgis_new_project):
    yield QgsProject.instance()
    QgsProject.instance().removeAllMapLayers()
    QgsProject.instance().layerTreeRoot().removeAllChildren()


def test_group_name_says_which_stack_and_when():
    name = layers.run_group_name("s2 stack", datetime.datetime(2026, 1, 2, 3, 4, 5))
    assert name == "Land Cover XAI — s2 stack 03:04:05"


def test_outputs_land_styled_in_one_group_heatmap_above_class_map(outputs, project):
    described, classes = outputs
    assert set(described) == {"prediction", "confidence", "gradcam_2", "probabilities", "entropy", "margin"}
    group, added = layers.add_outputs(list(described.values()), "Land Cover XAI — tiny 10:00:00")
    root = project.layerTreeRoot()
    assert isinstance(group, QgsLayerTreeGroup) and root.children()[0] is group
    assert set(added) == set(described)
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
    assert added["entropy"].name() == "Uncertainty: entropy" and added["margin"].name() == "Uncertainty: margin"
    for kind in ("entropy", "margin"):  # 0..1 ramps from the engine's style, opaque, one click away
        assert ramp_of(added[kind]).classificationMin() == pytest.approx(0.0)
        assert ramp_of(added[kind]).classificationMax() == pytest.approx(1.0)
        assert added[kind].opacity() == 1.0


def ramp_of(layer):
    renderer = layer.renderer()
    assert isinstance(renderer, QgsSingleBandPseudoColorRenderer)
    return renderer


def test_class_map_style_from_the_qml_beside_the_file_and_ramp_fallback(outputs, project, tmp_path):
    described, classes = outputs
    # a descriptor without classes: the .qml the engine wrote beside the class map
    bare_map = dataclasses.replace(described["prediction"], classes=None)
    group, added = layers.add_outputs([bare_map], "from qml")
    legend = [(c.value, c.label) for c in added["prediction"].renderer().classes()]
    assert legend == [(c.id, c.name) for c in classes]
    # a heatmap without its .qml still gets the descriptor's ramp with a transparent low end
    import shutil

    bare = tmp_path / "heat.tif"
    shutil.copy(described["gradcam_2"].path, bare)
    _, added = layers.add_outputs([described["gradcam_2"].moved_to(str(bare))], "fallback")
    items = ramp_of(added["heat"]).shader().rasterShaderFunction().colorRampItemList()
    assert items[0].color.alpha() == 0 and items[0].value == 0.0
    assert added["heat"].name() == "Grad-CAM heatmap (class forest)"  # from the descriptor, not the file name


def test_only_whole_outputs_reach_the_map(outputs, project, tmp_path):
    described, _ = outputs
    (tmp_path / "prediction.partial.tif").write_bytes(b"not yet a raster")
    _, added = layers.add_outputs([described["prediction"].moved_to(str(tmp_path / "prediction.partial.tif")),
                                   described["confidence"].moved_to(str(tmp_path / "missing.tif"))], "broken")
    assert added == {}
    assert not project.mapLayers()
