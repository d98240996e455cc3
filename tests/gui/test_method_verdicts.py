"""The explanations' measured quality beside each method in the dock: the bundled model file carries the
verdicts of benchmarks/results/xai.json, and each method's check box says whether it passed, with a warning
icon and the figures for one that fails (still offered)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from qgis.core import QgsProject

pytest.importorskip("torch")

from land_cover_xai_plugin.engine.explain import registry
from land_cover_xai_plugin.gui import layers, settings
from land_cover_xai_plugin.gui.dock import LandCoverXaiDock

XAI_JSON = Path(__file__).resolve().parents[2] / "benchmarks" / "results" / "xai.json"


@pytest.fixture()
def dock(qgis_iface, qgis_new_project):
    settings.clear_all()
    widget = LandCoverXaiDock(qgis_iface)
    yield widget
    widget.shutdown()
    settings.clear_all()
    QgsProject.instance().removeAllMapLayers()


def test_check_box_texts_say_pass_or_fail_in_plain_words():
    gradcam, occlusion = registry.get("gradcam"), registry.get("occlusion_dates")
    assert layers.method_check_text(occlusion, None) == "Date occlusion"
    assert layers.method_check_text(occlusion, "passes: deletion 0.48 vs random 0.57") == \
        "Date occlusion — passes its quality check"
    failing = "gradcam_dates: fails: pointing game 0.80 on planted data (< 0.9)"
    assert layers.method_check_text(gradcam, failing) == \
        "Grad-CAM class evidence score — ⚠ fails its quality check"
    tip = layers.method_check_tooltip(gradcam, failing)
    assert tip.startswith(gradcam.description) and "Fails its quality check" in tip and "0.80" in tip
    # a method summary over several outputs fails when one of them fails
    mixed = "shap_dates: fails: pointing game 0.70; shap_bands: passes: deletion 0.27 vs random 0.52"
    assert "fails" in layers.method_check_text(registry.get("shap"), mixed)


def test_the_bundled_model_shows_each_method_verdict_beside_its_check_box(dock, sample_dir):
    if not (sample_dir / "sample_model.lcx").exists():
        pytest.skip("the bundled sample model is not built yet (make model)")
    verdicts = json.loads(XAI_JSON.read_text())["verdicts"]
    panel = dock.classify_panel
    panel.model_combo.setCurrentIndex(panel.model_combo.findData("bundled"))
    panel.refresh_model()
    assert panel.bundle is not None and panel.bundle.explanation_quality["methods"] == verdicts
    for name, check in panel.output_checks.items():
        if name not in verdicts:
            assert "quality check" not in check.text(), name  # not measured (classification outputs)
            continue
        failing = verdicts[name]["verdict"] != "passes"
        assert ("⚠ fails its quality check" in check.text()) == failing, (name, check.text())
        assert ("passes its quality check" in check.text()) == (not failing), (name, check.text())
        assert check.icon().isNull() == (not failing), name
        if check.isEnabled():
            assert ("Fails its quality check" if failing else "Measured quality: passes") in check.toolTip()
    assert verdicts["occlusion_dates"]["verdict"] == "passes"
    assert "passes" in panel.output_checks["occlusion_dates"].text()
    assert "fails" in panel.output_checks["gradcam"].text()  # still offered, with its warning
