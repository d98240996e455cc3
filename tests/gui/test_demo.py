"""The demo operator's one click: the bundled sample and model, classified and explained, on the map."""
from __future__ import annotations

import pytest
from qgis.core import QgsPalettedRasterRenderer, QgsProject

pytest.importorskip("torch")

from land_cover_xai_plugin.gui.dock import LandCoverXaiDock
from land_cover_xai_plugin.gui.tasks import _fraction
from land_cover_xai_plugin.engine.training.trainer import EpochReport


def test_run_demo_puts_class_map_gradcam_and_attention_on_the_map(qgis_iface, qgis_new_project, tmp_path):
    from pytest_qgis.utils import wait_until

    dock = LandCoverXaiDock(qgis_iface)
    try:
        dock.classify_panel.out_folder.setFilePath(str(tmp_path))
        outcome = []
        dock.classify_panel.run_finished.connect(outcome.append)
        task = dock.run_demo()
        assert task is not None, dock.classify_panel.problems()
        wait_until(lambda: bool(outcome), timeout_milliseconds=120_000)
        assert outcome == ["success"]
        layers = list(QgsProject.instance().mapLayers().values())
        sources = {layer.source().rsplit("/", 1)[-1] for layer in layers}
        assert {"s2_l1c_stack.tif", "prediction.tif", "gradcam.tif", "attention.tif"} <= sources
        class_map = next(layer for layer in layers if layer.source().endswith("prediction.tif"))
        assert isinstance(class_map.renderer(), QgsPalettedRasterRenderer)
        labels = {c.label for c in class_map.renderer().classes()}
        assert {"forest", "grassland"} <= labels
    finally:
        dock.shutdown()
        dock.deleteLater()


def test_training_progress_reaches_the_task_as_a_fraction():
    report = EpochReport(epoch=3, n_epochs=12, train_loss=0.5, val_loss=0.6, val_overall_accuracy=0.8,
                         val_macro_f1=0.5, val_kappa=0.4, is_best=True, seconds=1.0)
    assert _fraction(report) == pytest.approx(0.25)
