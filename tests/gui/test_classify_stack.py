"""The Classify tab's stack facts in the real QGIS: a typed StackInfo from the engine (metadata only, read once per
file, never a pixel on the GUI thread), and the engine's own stack / model check with its message."""
from __future__ import annotations

import shutil

import pytest
from qgis.core import QgsProject, QgsRasterLayer

pytest.importorskip("torch")

from land_cover_xai_plugin.engine.errors import StackMismatchError
from land_cover_xai_plugin.engine.io import stack as engine_stack
from land_cover_xai_plugin.engine.io.stack import StackInfo, read_stack_info
from land_cover_xai_plugin.engine.models.model_file import load_model, require_compatible
from land_cover_xai_plugin.gui import layer_sources, settings
from land_cover_xai_plugin.gui.panels.classify_panel import ClassifyPanel
from model_factory import make_model


@pytest.fixture()
def panel(qgis_iface, qgis_new_project, monkeypatch):
    """A Classify tab that may read metadata but never opens a stack for reading (that is the tasks' job)."""
    def no_pixels(*_args, **_kwargs):
        raise AssertionError("the Classify tab opened a stack for reading on the GUI thread")

    monkeypatch.setattr(engine_stack, "open_stack", no_pixels)
    settings.clear_all()
    layer_sources.clear_stack_info_cache()
    widget = ClassifyPanel(qgis_iface)
    yield widget
    widget.shutdown()
    widget.deleteLater()
    QgsProject.instance().removeAllMapLayers()
    settings.clear_all()


def add_layer(path, name="s2 stack") -> QgsRasterLayer:
    layer = QgsRasterLayer(str(path), name, "gdal")
    assert layer.isValid()
    QgsProject.instance().addMapLayer(layer)
    return layer


def test_the_sample_is_described_by_its_stack_info_with_the_cloudy_dates(panel, sample_dir, tmp_path):
    path = shutil.copy(sample_dir / "s2_l1c_stack.tif", tmp_path / "s2_l1c_stack.tif")
    panel.single_radio.setChecked(True)
    panel.layer_combo.setLayer(add_layer(path))
    info = panel.stack_info
    assert isinstance(info, StackInfo) and info == read_stack_info(str(path))
    assert info.cloud_fraction == [0.0, 1.0, 1.0, 0.0, 0.0]
    text = panel.stack_label.text()
    assert text.startswith("5 dates × 13 bands, 100 × 101 pixels") and "2015-07-31 (100%)" in text
    assert panel.stack_table.rowCount() == 5 and "100%" in panel.stack_table.item(1, 0).toolTip()


@pytest.fixture()
def wrong_band_model(sample_dir, tmp_path) -> str:
    """A model wanting band B99, which the tiny stack lacks (made before the panel forbids opening stacks)."""
    return make_model(str(sample_dir / "tiny" / "s2_l1c_tiny.tif"), str(tmp_path / "wrong_band.lcx"), drop_band=True)


def test_fit_check_is_the_engines_on_the_stack_info(wrong_band_model, panel, sample_dir):
    tiny = sample_dir / "tiny" / "s2_l1c_tiny.tif"
    model = wrong_band_model
    panel.model_combo.setCurrentIndex(panel.model_combo.findData("file"))
    panel.model_file.setFilePath(model)
    panel.single_radio.setChecked(True)
    panel.layer_combo.setLayer(add_layer(tiny))
    with pytest.raises(StackMismatchError) as expected:
        require_compatible(load_model(model), read_stack_info(str(tiny)))
    assert panel.fit_error == str(expected.value) == panel.check_label.text()
    assert "B99" in panel.fit_error and not panel.run_button.isEnabled()


def test_each_raster_is_read_once_however_often_the_panel_refreshes(panel, sample_dir, monkeypatch):
    reads = []
    real = layer_sources.read_stack_info
    monkeypatch.setattr(layer_sources, "read_stack_info", lambda paths, **kw: reads.append(paths) or real(paths, **kw))
    tiny = sample_dir / "tiny" / "s2_l1c_tiny.tif"
    layer = add_layer(tiny)  # the project signal refreshes the single-date list (dates every raster)
    panel.single_radio.setChecked(True)
    panel.layer_combo.setLayer(layer)
    for _ in range(3):
        panel.refresh_layers()
        panel.refresh_stack()
    assert reads == [[str(tiny)]]
    assert panel.stack_info.n_dates == 3
