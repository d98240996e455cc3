"""`make package` gives a zip that QGIS's 'Install from ZIP' accepts."""
from __future__ import annotations

import configparser
import subprocess
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_make_package_builds_an_installable_zip():
    done = subprocess.run(["make", "-s", "package"], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    meta = configparser.ConfigParser()
    meta.read(REPO / "metadata.txt")
    version = meta["general"]["version"]
    zip_path = REPO / "dist" / f"land_cover_xai_plugin-{version}.zip"
    assert zip_path.stat().st_size <= 25 * 1024 * 1024
    with zipfile.ZipFile(zip_path) as archive:
        names = archive.namelist()
        assert all(n.startswith("land_cover_xai_plugin/") for n in names)
        assert "land_cover_xai_plugin/metadata.txt" in names
        assert "land_cover_xai_plugin/__init__.py" in names
        assert "land_cover_xai_plugin/LICENSE" in names
        assert not [n for n in names if n.endswith((".pyc", ".so", ".dll", ".pyd")) or "__pycache__" in n]
        assert not [n for n in names if "/tests/" in n or ".pytest_cache" in n]
        packaged_meta = archive.read("land_cover_xai_plugin/metadata.txt").decode()
        packaged_license = archive.read("land_cover_xai_plugin/LICENSE")
    assert packaged_meta == (REPO / "metadata.txt").read_text()
    assert packaged_license == (REPO / "LICENSE").read_bytes()


def test_license_is_inside_the_plugin_folder():
    """plugins.qgis.org's checks read LICENSE in the plugin folder itself, not only in the zip."""
    inside = REPO / "land_cover_xai_plugin" / "LICENSE"
    assert inside.is_file()
    assert inside.read_bytes() == (REPO / "LICENSE").read_bytes()
    assert b"GNU GENERAL PUBLIC LICENSE" in inside.read_bytes()


def test_metadata_has_the_fields_plugins_qgis_org_requires():
    meta = configparser.ConfigParser()
    meta.read(REPO / "metadata.txt")
    general = meta["general"]
    for field in ("name", "qgisMinimumVersion", "description", "about", "version", "author", "email",
                  "repository", "tracker", "homepage", "license"):
        assert general.get(field), field
    assert general["qgisMinimumVersion"] == "3.22"
    assert general["qgisMaximumVersion"] == "4.99"
    assert general["hasProcessingProvider"] == "yes"
    assert "torch" in general["about"] and "captum" in general["about"]
    assert (REPO / "land_cover_xai_plugin" / general["icon"]).exists()
