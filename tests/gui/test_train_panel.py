"""Train tab in the real QGIS: trains from the sample's field polygons (LULC_ID) on the tiny stack, emits
model_trained with a model file that loads; cancelling leaves no model file; missing inputs are named."""
from __future__ import annotations

import os

import pytest

pytest.importorskip("torch")

from pytest_qgis.utils import wait_until
from qgis.core import QgsProject, QgsRasterLayer, QgsVectorLayer

from land_cover_xai_plugin.engine.errors import LcxError
from land_cover_xai_plugin.gui.panels.train_panel import TrainPanel, format_epoch


@pytest.fixture()
def layers(qgis_app, sample_dir):
    project = QgsProject.instance()
    stack = QgsRasterLayer(str(sample_dir / "tiny" / "s2_l1c_tiny.tif"), "tiny stack", "gdal")
    fields = QgsVectorLayer(str(sample_dir / "lulc_field_polygons.gpkg") + "|layername=LULC", "field data", "ogr")
    assert stack.isValid() and fields.isValid()
    project.addMapLayers([stack, fields])
    yield stack, fields
    project.removeMapLayers([stack.id(), fields.id()])


def make_panel(qgis_iface, stack, fields, out, epochs=1):
    panel = TrainPanel(qgis_iface)
    panel.set_stack_layers([stack])
    panel.field_layer_combo.setLayer(fields)
    panel.class_field_combo.setField("LULC_ID")
    panel.epochs_spin.setValue(epochs)
    panel.seed_spin.setValue(3)
    panel.device_combo.setCurrentIndex(panel.device_combo.findData("cpu"))
    panel.arch_combo.setCurrentIndex(panel.arch_combo.findData("tempcnn"))
    panel.output_widget.setFilePath(str(out))
    return panel


def test_training_from_field_polygons_saves_model_and_emits_signal(qgis_iface, layers, tmp_path):
    from land_cover_xai_plugin.engine.models.model_file import load_model

    stack, fields = layers
    out = tmp_path / "trained.lcx"
    panel = make_panel(qgis_iface, stack, fields, out, epochs=1)
    job = panel.build_job()
    assert job.class_field == "LULC_ID" and job.layer == "LULC" and job.stack_paths == [stack.source()]
    emitted = []
    panel.model_trained.connect(emitted.append)
    task = panel.start_training()
    assert task is not None and panel.is_running() and not panel.train_button.isEnabled()
    assert wait_until(lambda: not panel.is_running(), timeout_milliseconds=50_000), panel.status_label.text()
    assert task.outcome == "success", panel.status_label.text()
    assert emitted == [str(out)] and out.exists()
    bundle = load_model(str(out))
    assert bundle.spec.arch == "tempcnn"
    assert sorted(bundle.class_ids) == [2, 3, 4, 8] or set(bundle.class_ids) <= {1, 2, 3, 4, 8}
    # the live per-epoch line reached the GUI thread
    assert len(panel.epoch_reports) == 1
    assert "macro-F1" in panel.epoch_label.text() and "kappa" in panel.epoch_label.text()  # EpochReport.summary()
    assert panel.progress_bar.value() == 100
    assert panel.use_button.isVisibleTo(panel) and panel.train_button.isEnabled()
    used = []
    panel.use_model_requested.connect(used.append)
    panel.use_button.click()
    assert used == [str(out)]
    panel.shutdown()


def test_cancelled_training_leaves_no_model(qgis_iface, layers, tmp_path):
    stack, fields = layers
    out = tmp_path / "cancelled.lcx"
    panel = make_panel(qgis_iface, stack, fields, out, epochs=50)
    emitted = []
    panel.model_trained.connect(emitted.append)
    task = panel.start_training()
    assert task is not None
    panel.cancel()
    assert wait_until(lambda: not panel.is_running(), timeout_milliseconds=30_000)
    assert task.outcome == "cancelled"
    assert not out.exists() and not emitted
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".lcx")]
    assert "cancelled" in panel.status_label.text().lower()
    assert panel.train_button.isEnabled() and not panel.cancel_button.isEnabled()
    panel.shutdown()


def test_missing_inputs_are_named(qgis_iface, layers, tmp_path):
    stack, fields = layers
    panel = TrainPanel(qgis_iface)
    panel.set_stack_layers([])
    assert panel.start_training() is None
    assert "time-series" in panel.last_error
    panel.set_stack_layers([stack])
    panel.field_layer_combo.setLayer(fields)
    panel.class_field_combo.setField("LULC_ID")
    panel.output_widget.setFilePath("")
    assert panel.start_training() is None
    assert ".lcx" in panel.last_error
    panel.shutdown()


def test_epoch_line_format():
    from land_cover_xai_plugin.engine.training.trainer import EpochReport

    line = format_epoch(EpochReport(epoch=3, n_epochs=60, train_loss=0.5123, val_loss=0.6, val_overall_accuracy=0.9,
                                    val_macro_f1=0.8123, val_kappa=0.7741, is_best=True))
    assert "3/60" in line and "0.512" in line and "0.812" in line and "0.774" in line and "★" in line


def test_memory_field_data_is_written_for_the_engine(qgis_app, layers, tmp_path):
    from qgis.core import QgsFeature, QgsGeometry, QgsPointXY

    from land_cover_xai_plugin.gui.layer_sources import vector_layer_source

    _stack, fields = layers
    path, layer = vector_layer_source(fields)
    assert path.endswith("lulc_field_polygons.gpkg") and layer == "LULC"
    points = QgsVectorLayer("Point?crs=EPSG:32633&field=cls:integer", "points", "memory")
    feature = QgsFeature(points.fields())
    feature.setAttribute("cls", 2)
    feature.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(465900.0, 5080100.0)))
    points.dataProvider().addFeatures([feature])
    path, layer = vector_layer_source(points, str(tmp_path))
    check = QgsVectorLayer(f"{path}|layername={layer}", "check", "ogr")
    assert check.isValid() and check.featureCount() == 1
    assert [f["cls"] for f in check.getFeatures()] == [2]
    lines = QgsVectorLayer("LineString?crs=EPSG:32633&field=cls:integer", "lines", "memory")
    with pytest.raises(LcxError, match="neither polygons nor points"):
        vector_layer_source(lines, str(tmp_path))


def test_the_chosen_stack_is_described_by_the_engine_and_read_once(qgis_iface, layers, sample_dir, tmp_path,
                                                                   monkeypatch):
    from land_cover_xai_plugin.gui import layer_sources

    layer_sources.clear_stack_info_cache()
    reads = []
    real = layer_sources.read_stack_info
    monkeypatch.setattr(layer_sources, "read_stack_info", lambda paths, **kw: reads.append(paths) or real(paths, **kw))
    stack, fields = layers
    panel = make_panel(qgis_iface, stack, fields, tmp_path / "m.lcx")
    assert panel.stack_label.text().startswith("3 dates × 13 bands, 32 × 32 pixels")
    panel.refresh_stack_info()
    panel.build_job()
    assert reads == [[stack.source()]]  # metadata read once, then cached
    # a raster that is no time series: the engine's message, before any task starts
    labels = QgsRasterLayer(str(sample_dir / "labels_lulc.tif"), "labels", "gdal")
    QgsProject.instance().addMapLayer(labels)
    try:
        panel.set_stack_layers([labels])
        assert "Cannot tell the" in panel.stack_label.text() and "layout" in panel.stack_label.text()
        with pytest.raises(LcxError, match="Cannot tell the"):
            panel.build_job()
        assert panel.start_training() is None and "Cannot tell the" in panel.last_error
    finally:
        panel.shutdown()
        QgsProject.instance().removeMapLayer(labels.id())
