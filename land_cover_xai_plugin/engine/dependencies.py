"""Which heavy Python packages are missing, and the exact command that installs them."""
from __future__ import annotations

import importlib
import importlib.util
import platform
import sys

REQUIRED = ("torch", "captum")


def is_installed(name: str) -> bool:
    """Whether a package can be imported, without importing it."""
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):  # a broken or blocked install counts as missing
        return False


def missing_packages() -> list[str]:
    """The required packages that QGIS's Python cannot find."""
    return [name for name in REQUIRED if not is_installed(name)]


def install_commands(packages: list[str] | None = None) -> dict[str, str]:
    """Install command per platform, for the Python that QGIS runs."""
    pkgs = " ".join(packages or list(REQUIRED))
    return {
        "Linux": f"python3 -m pip install --user {pkgs}   "
        "(Debian 12 / Ubuntu 24.04: add --break-system-packages)",
        "Windows (OSGeo4W Shell, run as administrator)": f"python -m pip install {pkgs}",
        "macOS": f"/Applications/QGIS.app/Contents/MacOS/bin/python3 -m pip install {pkgs}",
    }


def missing_message(packages: list[str] | None = None) -> str:
    """User-facing text naming the missing packages and how to install them."""
    packages = packages or missing_packages()
    if not packages:
        return "All dependencies are installed."
    lines = [
        f"Land Cover XAI needs the Python package(s) {', '.join(packages)}, which QGIS's Python cannot find.",
        "Install them into the Python that QGIS uses, then restart QGIS:",
    ]
    lines += [f"  {osname}: {cmd}" for osname, cmd in install_commands(packages).items()]
    return "\n".join(lines)


def diagnostics() -> str:
    """A block of text a user can paste into a bug report (the dock's 'Copy diagnostics' button)."""
    rows = [f"Python: {sys.version.split()[0]} ({sys.executable})", f"Platform: {platform.platform()}"]
    for name in ("numpy", "torch", "captum", "osgeo.gdal", "matplotlib"):
        if not is_installed(name.split(".")[0]):
            rows.append(f"{name}: MISSING")
            continue
        try:
            mod = importlib.import_module(name)
            rows.append(f"{name}: {getattr(mod, '__version__', 'present')}")
        except Exception as exc:  # noqa: BLE001 - a broken install is exactly what diagnostics must report
            rows.append(f"{name}: import failed ({exc})")
    try:
        import torch

        rows.append(f"CUDA available: {torch.cuda.is_available()}")
    except Exception:  # noqa: BLE001 - diagnostics never fail; the rows above already say what is broken
        pass
    return "\n".join(rows)

