"""gui/layers.py: a run's outputs land in one group, styled from the engine's typed descriptors (paletted class
map with the model's names and colours, Grad-CAM class evidence score with a colour ramp and transparency
above it, uncertainty ramps), from real engine outputs; no file name is parsed."""
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

import dataclasses

from land_cover_xai_plugin.engine.jobs import InferenceJob, run_inference_job
from land_cover_xai_plugin.engine.models.model_file import load_model
from land_cover_xai_plugin.gui import layers
from model_factory import make_model


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
    assert heat.name() == "Grad-CAM class evidence score (class forest)"
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
    # ... the engine's ramp for a run without class colours (what its .qml would hold), not the raw magma
    from land_cover_xai_plugin.engine.io.outputs import SEQUENTIAL_RAMPS

    assert [i.color.name() for i in items] == SEQUENTIAL_RAMPS["purples"]
    # from the descriptor, not the file name
    assert added["heat"].name() == "Grad-CAM class evidence score (class forest)"


def test_only_whole_outputs_reach_the_map(outputs, project, tmp_path):
    described, _ = outputs
    (tmp_path / "prediction.partial.tif").write_bytes(b"not yet a raster")
    _, added = layers.add_outputs([described["prediction"].moved_to(str(tmp_path / "prediction.partial.tif")),
                                   described["confidence"].moved_to(str(tmp_path / "missing.tif"))], "broken")
    assert added == {}
    assert not project.mapLayers()


def test_the_stored_verdict_reaches_the_layer_name_and_abstract(outputs, project):
    described, _ = outputs
    assert described["gradcam_2"].verdict is None  # a model file without measured verdicts
    failing = dataclasses.replace(described["gradcam_2"], verdict=(
        "gradcam_dates: fails: pointing game 0.80 on planted data (< 0.9) (deletion 0.50 vs random 0.57)"))
    passing = dataclasses.replace(described["entropy"], category="explanation",
                                  verdict="passes: deletion 0.48 vs random 0.57")
    _, added = layers.add_outputs([failing, passing], "verdicts")
    heat = added["gradcam_2"]
    assert heat.name() == "Grad-CAM class evidence score (class forest) — ⚠ fails its quality check"
    for abstract in (heat.metadata().abstract(), heat.abstract()):
        assert "Fails its quality check" in abstract and "pointing game 0.80" in abstract
    assert heat.customProperty("land_cover_xai/verdict").startswith("gradcam_dates: fails")
    good = added["entropy"]
    assert good.name() == "Uncertainty: entropy"  # a passing output keeps its name
    assert "Measured quality: passes: deletion 0.48 vs random 0.57" in good.metadata().abstract()
    unmeasured = layers.add_outputs([described["gradcam_2"]], "unmeasured")[1]["gradcam_2"]
    assert "not measured" in unmeasured.metadata().abstract()


def test_a_raster_whose_bands_are_dates_plays_over_the_run_season(outputs, project, tmp_path):
    from osgeo import gdal

    described, _ = outputs
    path = tmp_path / "dates.tif"
    dataset = gdal.GetDriverByName("GTiff").Create(str(path), 4, 3, 3, gdal.GDT_Float32)
    dataset.SetGeoTransform((500000, 10, 0, 5100000, 0, -10))
    dataset.SetMetadataItem("LCX_BAND_DATES", "2015-04-22,2015-07-31,2015-10-09")
    dataset = None
    assert layers.band_dates(str(path)) == [datetime.date(2015, 4, 22), datetime.date(2015, 7, 31),
                                            datetime.date(2015, 10, 9)]
    assert layers.band_dates(described["prediction"].path) == []
    by_date = dataclasses.replace(described["entropy"], path=str(path), style=None)
    _, added = layers.add_outputs([by_date, described["prediction"]], "season")
    temporal = added["dates"].temporalProperties()
    assert temporal.isActive()
    season = temporal.fixedTemporalRange()
    assert season.begin().date().toPyDate() == datetime.date(2015, 4, 22)
    assert season.end().date().toPyDate() == datetime.date(2015, 10, 10)
    assert not added["prediction"].temporalProperties().isActive()  # a class map is not a date series


def test_group_and_every_legend_open_expanded(outputs, project):
    described, _ = outputs
    group, added = layers.add_outputs(list(described.values()), "expanded")
    assert group.isExpanded()
    nodes = group.findLayers()
    assert len(nodes) == len(added) and all(node.isExpanded() for node in nodes)


def test_heatmap_ramps_are_unlike_the_class_colours_and_say_what_they_mean(outputs, project):
    described, classes = outputs
    class_colors = [c.color for c in classes]
    _, added = layers.add_outputs(list(described.values()), "ramps")
    for name in ("gradcam_2", "probabilities", "entropy", "margin"):
        items = ramp_of(added[name]).shader().rasterShaderFunction().colorRampItemList()
        colours = [item.color.name() for item in items]
        assert layers.hue_distance(colours, class_colors) >= 45.0, (name, colours, class_colors)
        assert "higher =" in items[-1].label, (name, items[-1].label)
        legend = ramp_of(added[name]).shader().rasterShaderFunction().legendSettings()
        assert not legend.useContinuousLegend()  # the worded items, not a bare gradient
    assert "forest" in ramp_of(added["gradcam_2"]).shader().rasterShaderFunction().colorRampItemList()[-1].label
    # the bundled sample's palette (yellow, greens, olive, red): still a ramp of other hues
    sample = ["#ffd92f", "#1b7837", "#a6d96a", "#808000", "#e31a1c"]
    for signed in (False, True):
        assert layers.hue_distance(layers.distinct_ramp(signed, sample), sample) >= 60.0
    # a palette with purple and blue classes gets another ramp than the default purple one
    bluish = ["#3f007d", "#6a51a3", "#2171b5"]
    assert layers.distinct_ramp(False, bluish) != layers.distinct_ramp(False, sample)
    assert layers.hue_distance(layers.distinct_ramp(False, bluish), bluish) > layers.hue_distance(
        layers.distinct_ramp(False, sample), bluish)


def test_the_qml_the_engine_writes_has_the_ramps_the_dock_shows(outputs, project):
    """CLI / Processing users get the .qml beside each file: the same colour stops as the dock's layer (chosen
    away from the class colours, grey kept) and the same 2-98 % stretch."""
    from qgis.core import QgsRasterLayer

    from land_cover_xai_plugin.engine.io import outputs as engine_outputs

    described, classes = outputs
    class_colors = [c.color for c in classes]
    _, added = layers.add_outputs(list(described.values()), "same ramps")
    for name in ("gradcam_2", "probabilities", "entropy", "margin", "confidence"):
        qml = os.path.splitext(described[name].path)[0] + ".qml"
        from_file = QgsRasterLayer(described[name].path, name, "gdal")
        message, ok = from_file.loadNamedStyle(qml)
        assert ok, message
        written, shown = ramp_of(from_file), ramp_of(added[name])
        stops = [i.color.name() for i in written.shader().rasterShaderFunction().colorRampItemList()]
        assert stops == [i.color.name() for i in shown.shader().rasterShaderFunction().colorRampItemList()], name
        if name != "confidence":  # grey: kept as the method gave it
            assert stops not in (engine_outputs.MAGMA, engine_outputs.VIRIDIS), name
            assert engine_outputs.hue_distance(stops, class_colors) >= 45.0, (name, stops)
        assert written.classificationMin() == pytest.approx(shown.classificationMin(), abs=0.02), name
        assert written.classificationMax() == pytest.approx(shown.classificationMax(), rel=0.1, abs=0.02), name
    # without class colours (no class map in the run): single-hue purples and blue-white-purple
    assert engine_outputs.distinct_ramp(False) == engine_outputs.SEQUENTIAL_RAMPS["purples"]
    assert engine_outputs.distinct_ramp(True) == engine_outputs.DIVERGING_RAMPS["blue_purple"]
    assert layers.distinct_ramp is engine_outputs.distinct_ramp  # one definition


def test_signed_attribution_is_diverging_stretched_over_percentiles(project, tmp_path):
    import numpy as np
    from osgeo import gdal

    from land_cover_xai_plugin.engine.explain.explainer import OutputDescriptor
    from land_cover_xai_plugin.engine.io.outputs import DIVERGING, RampStyle

    rng = np.random.default_rng(0)
    values = rng.uniform(-0.05, 0.05, size=(40, 50)).astype(np.float32)
    values[0, 0] = 40.0  # one outlier must not wash the map out
    values[1, 1] = np.nan
    path = tmp_path / "shap_bands_3.tif"
    ds = gdal.GetDriverByName("GTiff").Create(str(path), 50, 40, 1, gdal.GDT_Float32)
    ds.GetRasterBand(1).WriteArray(values)
    ds.GetRasterBand(1).SetNoDataValue(float("nan"))
    ds = None
    output = OutputDescriptor(kind="shap_bands", method="shap", target_id=3, label="SHAP by band",
                              title="SHAP by band (class 3: grassland)", path=str(path),
                              style=RampStyle(DIVERGING, symmetric=True), takes_target=True, target_name="grassland")
    _, added = layers.add_outputs([output], "signed")
    renderer = ramp_of(added["shap_bands_3"])
    assert renderer.classificationMin() == pytest.approx(-renderer.classificationMax())
    assert 0.04 < renderer.classificationMax() < 0.06  # the 98th percentile of |value|, not the outlier
    items = renderer.shader().rasterShaderFunction().colorRampItemList()
    assert items[len(items) // 2].color.name() in ("#f7f7f7", "#f5f5f5")  # white at 0
    assert items[0].color.name() != items[-1].color.name()
    assert "lowered P(grassland)" in items[0].label and "raised P(grassland)" in items[-1].label
    assert "no effect" in items[len(items) // 2].label
    assert layers.hue_distance([i.color.name() for i in items], ["#ffd92f", "#1b7837", "#a6d96a", "#e31a1c"]) >= 60
    assert "98th percentile" in added["shap_bands_3"].metadata().abstract()


def test_the_layer_tree_view_shows_the_group_and_legends_open(outputs, project):
    from qgis.core import QgsLayerTreeModel
    from qgis.gui import QgsLayerTreeView

    described, _ = outputs
    view = QgsLayerTreeView()
    model = QgsLayerTreeModel(project.layerTreeRoot())
    view.setModel(model)
    view.show()
    group, added = layers.add_outputs(list(described.values()), "in the view")
    assert view.isExpanded(view.node2index(group))  # expanded in the view, not only in the node's flag
    for node in group.findLayers():
        assert view.isExpanded(view.node2index(node)), node.layer().name()
    view.hide()
    view.setModel(None)
    view.deleteLater()


def test_every_per_date_method_gets_legend_words_saying_what_higher_means(qgis_app):
    from types import SimpleNamespace

    from land_cover_xai_plugin.gui.layers import legend_words

    def words(kind):
        return legend_words(SimpleNamespace(kind=kind, takes_target=True, target_id=3, target_name="forest"))

    assert words("linear_occlusion_dates") == words("occlusion_dates")
    for kind in ("occlusion_dates", "linear_occlusion_dates", "shapley_dates", "occlusion_bands"):
        assert words(kind)[2] != "higher = more" and "forest" in words(kind)[2], kind
