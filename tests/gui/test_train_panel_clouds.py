"""The Train tab's cloud masking option: "Mask cloudy dates" (on by default) with its threshold becomes the
TrainConfig's validity (the training default, a user threshold, or no masking)."""
from __future__ import annotations

import pytest

pytest.importorskip("torch")

from land_cover_xai_plugin.engine.data.validity import ValidityConfig
from land_cover_xai_plugin.engine.training.trainer import TrainConfig
from land_cover_xai_plugin.gui.panels.train_panel import TrainPanel


def test_mask_cloudy_dates_option(qgis_iface):
    panel = TrainPanel(qgis_iface)
    assert panel.cloud_mask_check.isChecked() and panel.cloud_threshold_spin.value() == pytest.approx(0.5)
    assert panel.build_config().validity == TrainConfig().validity  # the silent default
    panel.cloud_threshold_spin.setValue(0.3)
    assert panel.build_config().validity == ValidityConfig(cloud_fraction_max=0.3)
    panel.cloud_mask_check.setChecked(False)
    assert not panel.cloud_threshold_spin.isEnabled()
    assert panel.build_config().validity.cloud_fraction_max is None
    panel.cloud_mask_check.setChecked(True)
    assert panel.cloud_threshold_spin.isEnabled() and panel.build_config().validity.cloud_fraction_max == 0.3
    panel.deleteLater()
