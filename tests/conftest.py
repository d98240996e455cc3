"""Shared fixtures. QT_QPA_PLATFORM=offscreen is set by the Makefile (pytest.ini too) before
Python starts; pytest-qgis provides the real QgsApplication (qgis_app, qgis_iface, qgis_new_project)."""
from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

import land_cover_xai_plugin

PLUGIN_DIR = Path(land_cover_xai_plugin.__file__).resolve().parent
SAMPLE_DIR = PLUGIN_DIR / "sample_data"


def _fingerprint(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha1(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and not p.name.endswith(".aux.xml")}


@pytest.fixture(scope="session", autouse=True)
def bundled_sample_stays_untouched():
    """The bundled sample ships in the plugin zip: no test may write into it. (QGIS opens a
    GeoPackage in update mode and leaves -wal/-shm files behind: open a copy, see field_polygons.)"""
    before = _fingerprint(SAMPLE_DIR)
    yield
    after = _fingerprint(SAMPLE_DIR)
    changed = sorted(set(before.items()) ^ set(after.items()))
    assert not changed, f"tests modified the bundled sample data: {changed}"


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    return SAMPLE_DIR


@pytest.fixture
def field_polygons(tmp_path) -> Path:
    """A private copy of the sample's field polygons (GeoPackage), safe to open in QGIS."""
    copy = tmp_path / "lulc_field_polygons.gpkg"
    shutil.copyfile(SAMPLE_DIR / "lulc_field_polygons.gpkg", copy)
    return copy


# QGIS 3.22 (Debian) frees GDAL datasets that Python still references once more while the interpreter shuts down
# after exitQgis(): the run then dies with "double free or corruption" AFTER pytest has reported every result, and
# make sees an abort instead of pytest's exit status. Every test has run and been reported by then, so the process
# ends here with pytest's own status, skipping only that teardown (a crash during a test still fails the run).
def pytest_sessionfinish(session, exitstatus):
    session.config._lcx_exit_status = int(exitstatus)


@pytest.hookimpl(tryfirst=True)
def pytest_unconfigure(config):
    import os
    import sys

    status = getattr(config, "_lcx_exit_status", None)
    if status is None:  # the session never finished (e.g. a usage error): leave pytest's own exit alone
        return
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)
