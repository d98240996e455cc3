"""The file choosers open where they last chose, each its own folder (QgsSettings, per widget): the Classify
tab's model file and output folder, the Train tab's model file, the Validate exports and the pixel figure."""
from __future__ import annotations

import os

import pytest

from land_cover_xai_plugin.gui import settings


@pytest.fixture()
def clean_settings():
    settings.clear_all()
    yield
    settings.clear_all()


def test_each_file_chooser_remembers_its_own_last_folder(qgis_iface, clean_settings, tmp_path):
    from land_cover_xai_plugin.gui.panels.classify_panel import ClassifyPanel
    from land_cover_xai_plugin.gui.panels.train_panel import TrainPanel

    models, outputs, trained = (tmp_path / name for name in ("models", "outputs", "trained"))
    for folder in (models, outputs, trained):
        folder.mkdir()
    panel = ClassifyPanel(qgis_iface)
    panel.model_file.setFilePath(str(models / "forest.lcx"))
    panel.out_folder.setFilePath(str(outputs))
    train = TrainPanel(qgis_iface)
    train.output_widget.setFilePath(str(trained / "new_model.lcx"))
    assert settings.last_folder(settings.CLASSIFY_MODEL_FILE) == str(models)
    assert settings.last_folder(settings.CLASSIFY_OUTPUT_FOLDER) == str(outputs)
    assert settings.last_folder(settings.TRAIN_MODEL_FILE) == str(trained)
    panel.shutdown()
    train.shutdown()

    # a new session: each chooser opens in its own last folder
    again = ClassifyPanel(qgis_iface)
    again_train = TrainPanel(qgis_iface)
    assert again.model_file.defaultRoot() == str(models)
    assert again.out_folder.defaultRoot() == str(outputs) and again.out_folder.filePath() == str(outputs)
    assert again_train.output_widget.defaultRoot() == str(trained)
    # choosing elsewhere in one chooser moves only that one
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    again_train.output_widget.setFilePath(str(elsewhere / "m.lcx"))
    assert again_train.output_widget.defaultRoot() == str(elsewhere)
    assert settings.last_folder(settings.CLASSIFY_MODEL_FILE) == str(models)
    again.shutdown()
    again_train.shutdown()


def test_dialog_folders_are_remembered_and_a_vanished_folder_is_forgotten(clean_settings, tmp_path):
    reports = tmp_path / "reports"
    reports.mkdir()
    assert settings.remember_folder(settings.VALIDATE_REPORTS, str(reports / "accuracy.html")) == str(reports)
    assert settings.remember_folder(settings.PIXEL_FIGURE, str(tmp_path)) == str(tmp_path)
    assert settings.last_folder(settings.VALIDATE_REPORTS) == str(reports)
    assert settings.last_folder(settings.PIXEL_FIGURE) == str(tmp_path)
    assert settings.remember_folder(settings.PIXEL_FIGURE, "") == ""  # a cancelled dialog changes nothing
    assert settings.last_folder(settings.PIXEL_FIGURE) == str(tmp_path)
    os.rmdir(reports)
    assert settings.last_folder(settings.VALIDATE_REPORTS, "fallback") == "fallback"
