"""The demo operator's one click: the bundled sample and model, classified and explained, on the map."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from qgis.core import QgsPalettedRasterRenderer, QgsProject

pytest.importorskip("torch")

from land_cover_xai_plugin.engine.errors import LcxError
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


def test_the_demo_button_itself_starts_the_demo(qgis_iface, qgis_new_project, tmp_path):
    """The operator clicks the button (clicked(bool) must not reach run_demo as its method list)."""
    from pytest_qgis.utils import wait_until

    dock = LandCoverXaiDock(qgis_iface)
    try:
        dock.classify_panel.out_folder.setFilePath(str(tmp_path))
        outcome = []
        dock.classify_panel.run_finished.connect(outcome.append)
        dock.demo_button.click()
        assert dock.classify_panel.task is not None, dock.classify_panel.problems()
        wait_until(lambda: bool(outcome), timeout_milliseconds=120_000)
        assert outcome == ["success"]
        assert {"prediction", "gradcam", "attention"} <= set(dock.classify_panel.last_layers)
    finally:
        dock.shutdown()
        dock.deleteLater()


def test_training_progress_reaches_the_task_as_a_fraction():
    report = EpochReport(epoch=3, n_epochs=12, train_loss=0.5, val_loss=0.6, val_overall_accuracy=0.8,
                         val_macro_f1=0.5, val_kappa=0.4, is_best=True, seconds=1.0)
    assert _fraction(report) == pytest.approx(0.25)


REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def headless_demo(tmp_path_factory):
    """`make demo` where there is no display: scripts/demo.sh runs the CLI into LCX_DEMO_OUT and opens nothing."""
    out = tmp_path_factory.mktemp("demo") / "demo-output"
    env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
    env["LCX_DEMO_OUT"] = str(out)
    done = subprocess.run(["bash", str(REPO / "scripts" / "demo.sh"), sys.executable], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return out, done.stdout


def test_make_demo_without_a_display_writes_the_run_and_opens_nothing(headless_demo):
    out, stdout = headless_demo
    assert {"prediction.tif", "gradcam.tif", "attention.tif", "occlusion_dates.tif",
            "probabilities.tif"} <= {p.name for p in out.iterdir()}
    assert all((out / name).with_suffix(".qml").exists() for name in ("gradcam.tif", "occlusion_dates.tif"))
    assert "No display here" in stdout and "Opening QGIS" not in stdout


def test_the_demo_folder_opens_straight_in_presenter_mode_without_a_second_run(headless_demo, qgis_iface,
                                                                               qgis_new_project):
    from land_cover_xai_plugin.gui.presenter.window import CLASSES, EXPLANATION, PHOTO, present_folder

    out, _ = headless_demo
    dock = LandCoverXaiDock(qgis_iface)
    try:
        started = time.perf_counter()
        window = present_folder(dock, out)
        seconds = time.perf_counter() - started
        assert window.isVisible() and dock.presenter is window
        assert dock.classify_panel.task is None  # the CLI's outputs, not a second classification
        assert {PHOTO, CLASSES, EXPLANATION} <= set(window.layers)
        assert window.layers[CLASSES].source() == str(out / "prediction.tif")
        assert window.canvas.layers() == [window.layers[CLASSES]]
        assert seconds < 10, f"presenter took {seconds:.1f} s to open on the demo folder"
        with pytest.raises(LcxError):  # a folder without the demo run says what to do
            present_folder(dock, out.parent / "empty")
    finally:
        dock.shutdown()
        dock.deleteLater()
