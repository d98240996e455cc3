"""Keeps the walls standing: the engine and the CLI import neither Qt nor QGIS."""
from __future__ import annotations

import ast
from pathlib import Path

import land_cover_xai_plugin

PACKAGE = Path(land_cover_xai_plugin.__file__).resolve().parent
FORBIDDEN = ("qgis", "PyQt5", "PyQt6", "PySide2", "PySide6", "sip")


def imported_modules(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module, node.lineno
        elif isinstance(node, ast.ImportFrom) and node.level > 0 and node.module:
            # a relative import that climbs out into the QGIS side
            if node.module.split(".")[0] in ("gui", "processing_provider"):
                yield f"..{node.module}", node.lineno


def test_engine_and_cli_import_no_qt_or_qgis():
    offenders = []
    for folder in ("engine", "cli"):
        for path in sorted((PACKAGE / folder).rglob("*.py")):
            for module, line in imported_modules(path):
                root = module.lstrip(".").split(".")[0]
                if root in FORBIDDEN or module.startswith(".."):
                    offenders.append(f"{path.relative_to(PACKAGE)}:{line} imports {module}")
    assert not offenders, "engine/cli must stay free of Qt/QGIS:\n" + "\n".join(offenders)


def test_the_scan_would_catch_an_offender(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from qgis.core import QgsProject\nimport PyQt5\n")
    assert [m for m, _ in imported_modules(bad)] == ["qgis.core", "PyQt5"]
