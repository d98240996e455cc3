"""The real `qgis_process` (headless Processing) finds, enables and runs the plugin's algorithms.

Debian's /usr/bin/qgis_process wrapper adds --noversioncheck, which QGIS 3.22 rejects, so the binary
`qgis_process.bin` is called directly (on other systems `qgis_process` is the binary itself). A throw-away
HOME holds the QGIS profile, so the user's profile is never touched.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sysconfig
from pathlib import Path

import pytest
from osgeo import gdal

import land_cover_xai_plugin

REPO_ROOT = Path(land_cover_xai_plugin.__file__).resolve().parent.parent
QGIS_PROCESS = shutil.which("qgis_process.bin") or (
    shutil.which("qgis_process") if not Path("/usr/bin/qgis_process.bin").exists() else None)

pytestmark = pytest.mark.skipif(
    QGIS_PROCESS is None,
    reason="qgis_process is not installed (Debian: apt-get install qgis; `make test` installs it)")


@pytest.fixture(scope="module")
def qgis_process_env(tmp_path_factory) -> dict:
    home = tmp_path_factory.mktemp("qgis_process_home")
    runtime = home / "runtime"
    runtime.mkdir(mode=0o700)
    # pytest-qgis points QGIS_CUSTOM_CONFIG_PATH at the repository's .qgis-settings: not for this profile
    env = {k: v for k, v in os.environ.items() if k != "QGIS_OPTIONS_PATH"}
    env.update({
        # qgis_process 3.22 has no --profiles-path: QGIS_CUSTOM_CONFIG_PATH (or HOME) moves the profile
        "QGIS_CUSTOM_CONFIG_PATH": str(home / "config"),
        "HOME": str(home),
        "XDG_RUNTIME_DIR": str(runtime),
        "QT_QPA_PLATFORM": "offscreen",
        "QGIS_PLUGINPATH": str(REPO_ROOT),  # the folder that holds land_cover_xai_plugin/
        # torch / captum of the venv for QGIS's own Python (the same Python 3.11)
        "PYTHONPATH": os.pathsep.join(p for p in (sysconfig.get_paths()["purelib"], env.get("PYTHONPATH")) if p),
    })
    return env


def qgis_process(env, *args, timeout=180) -> subprocess.CompletedProcess:
    return subprocess.run([QGIS_PROCESS, *args], env=env, capture_output=True, text=True, timeout=timeout,
                          cwd=str(REPO_ROOT))


@pytest.fixture(scope="module")
def enabled(qgis_process_env) -> dict:
    done = qgis_process(qgis_process_env, "plugins", "enable", "land_cover_xai_plugin")
    assert done.returncode == 0 or "already enabled" in done.stderr, done.stdout + done.stderr
    profile = Path(qgis_process_env["QGIS_CUSTOM_CONFIG_PATH"]) / "profiles" / "default" / "QGIS" / "QGIS3.ini"
    assert "land_cover_xai_plugin=true" in profile.read_text()
    return qgis_process_env


def test_plugin_is_enabled_and_lists_its_algorithms(enabled):
    done = qgis_process(enabled, "list")
    assert done.returncode == 0, done.stderr
    for name in ("train", "classify", "explain", "validate"):
        assert f"land_cover_xai:{name}" in done.stdout


def test_classify_runs_headless_and_writes_styled_rasters(enabled, model_path, tiny_stack, tmp_path):
    out_map, out_conf = tmp_path / "landcover.tif", tmp_path / "confidence.tif"
    done = qgis_process(enabled, "--json", "run", "land_cover_xai:classify", "--",
                        f"INPUT={tiny_stack}", f"MODEL={model_path}", "DEVICE=1", "BATCH_SIZE=256",
                        f"OUTPUT={out_map}", f"CONFIDENCE={out_conf}")
    assert done.returncode == 0, done.stdout + done.stderr
    results = json.loads(done.stdout[done.stdout.index("{"):])["results"]
    assert results["OUTPUT"] == str(out_map) and results["CONFIDENCE"] == str(out_conf)
    for path in (out_map, out_conf):
        ds = gdal.Open(str(path))
        assert ds is not None and (ds.RasterXSize, ds.RasterYSize) == (32, 32)
        assert path.with_suffix(".qml").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["landcover.tif", "landcover.tif.aux.xml", "landcover.qml", "confidence.tif", "confidence.qml"]
        + (["confidence.tif.aux.xml"] if (tmp_path / "confidence.tif.aux.xml").exists() else []))


def test_a_bad_model_fails_with_a_message_and_no_output(enabled, tiny_stack, tmp_path):
    garbage = tmp_path / "garbage.lcx"
    garbage.write_bytes(b"not a model")
    out = tmp_path / "out"
    done = qgis_process(enabled, "run", "land_cover_xai:classify", "--", f"INPUT={tiny_stack}",
                        f"MODEL={garbage}", f"OUTPUT={out / 'map.tif'}", f"CONFIDENCE={out / 'conf.tif'}")
    assert done.returncode != 0
    assert "garbage.lcx" in done.stdout + done.stderr
    assert not out.exists() or list(out.iterdir()) == []
