"""Shared fixtures. QT_QPA_PLATFORM=offscreen is set by the Makefile (pytest.ini too) before
Python starts; pytest-qgis provides the real QgsApplication (qgis_app, qgis_iface, qgis_new_project)."""
from __future__ import annotations

from pathlib import Path

import pytest

import land_cover_xai_plugin

PLUGIN_DIR = Path(land_cover_xai_plugin.__file__).resolve().parent
SAMPLE_DIR = PLUGIN_DIR / "sample_data"


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    return SAMPLE_DIR
