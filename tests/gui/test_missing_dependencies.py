"""Without torch and captum the plugin still loads and tells the user how to install them."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]

BLOCKER = textwrap.dedent(
    """
    import importlib.abc, sys

    class Block(importlib.abc.MetaPathFinder):
        # Behave as if torch and captum were not installed in QGIS's Python.
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in ("torch", "captum"):
                raise ModuleNotFoundError(f"No module named '{name}'")
            return None

    sys.meta_path.insert(0, Block())
    """
)

INNER_TEST = textwrap.dedent(
    """
    import sys
    import land_cover_xai_plugin

    def test_loads(qgis_iface):
        plugin = land_cover_xai_plugin.classFactory(qgis_iface)
        plugin.initGui()
        print("MESSAGE>>" + plugin.dock.dependency_label.text() + "<<MESSAGE")
        assert "torch" not in sys.modules and "captum" not in sys.modules
        plugin.unload()
    """
)


def test_plugin_loads_without_torch_and_says_how_to_install(tmp_path):
    (tmp_path / "conftest.py").write_text(BLOCKER)
    (tmp_path / "test_inner.py").write_text(INNER_TEST)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(REPO_ROOT))
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", str(tmp_path)],
        env=env, capture_output=True, text=True, timeout=180, cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    message = done.stdout.split("MESSAGE>>")[1].split("<<MESSAGE")[0]
    assert "torch" in message and "captum" in message
    # the exact command for each platform
    assert "pip install" in message
    assert "Linux" in message and "Windows" in message and "macOS" in message


def test_importing_the_plugin_imports_no_heavy_package():
    code = "import sys, land_cover_xai_plugin, land_cover_xai_plugin.engine.dependencies; " \
           "print(sorted(m for m in ('torch','captum','matplotlib') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=REPO_ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
