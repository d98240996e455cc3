"""Every public function, class and method of the engine says what it is in a docstring.

Exempt: ``forward`` of torch ``nn.Module`` subclasses, and the ``outputs`` / ``prepare`` / ``compute``
overrides of the explainers in ``engine/explain/methods`` (they implement the documented ``Explainer``
contract).
"""
from __future__ import annotations

import ast
from pathlib import Path

import land_cover_xai_plugin

ENGINE = Path(land_cover_xai_plugin.__file__).resolve().parent / "engine"
EXPLAINER_OVERRIDES = {"outputs", "prepare", "compute"}
_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_FUNCS = (ast.FunctionDef, ast.AsyncFunctionDef)


def _is_module_subclass(node: ast.ClassDef) -> bool:
    return any(ast.unparse(base).split(".")[-1] == "Module" for base in node.bases)


def undocumented(path: Path, explainer_file: bool = False) -> list[str]:
    """``path:line name`` of each public top-level def / class and public method without a docstring."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    missing = []
    for node in tree.body:
        if not isinstance(node, _DEFS) or node.name.startswith("_"):
            continue
        if not ast.get_docstring(node):
            missing.append(f"{path}:{node.lineno} {node.name}")
        if not isinstance(node, ast.ClassDef):
            continue
        for item in node.body:
            if not isinstance(item, _FUNCS) or item.name.startswith("_") or ast.get_docstring(item):
                continue
            if item.name == "forward" and _is_module_subclass(node):
                continue
            if explainer_file and item.name in EXPLAINER_OVERRIDES:
                continue
            missing.append(f"{path}:{item.lineno} {node.name}.{item.name}")
    return missing


def _is_explainer_file(path: Path) -> bool:
    return path.parent == ENGINE / "explain" / "methods"


def test_engine_public_api_has_docstrings():
    files = sorted(ENGINE.rglob("*.py"))
    assert files, ENGINE
    missing = [m for p in files for m in undocumented(p, _is_explainer_file(p))]
    assert not missing, "public engine names without a docstring:\n" + "\n".join(missing)


def test_scan_catches_undocumented_names(tmp_path):
    source = tmp_path / "sample.py"
    source.write_text(
        "import torch.nn as nn\n"
        "\n"
        "def documented():\n"
        '    """Says what it is."""\n'
        "\n"
        "def bare():\n"
        "    return 1\n"
        "\n"
        "def _private():\n"
        "    return 2\n"
        "\n"
        "class Net(nn.Module):\n"
        '    """A module."""\n'
        "    def forward(self, x):\n"
        "        return x\n"
        "    def extra(self):\n"
        "        return 3\n"
        "\n"
        "class Plain:\n"
        "    def forward(self, x):\n"
        "        return x\n"
        "    def compute(self):\n"
        "        return 4\n",
        encoding="utf-8",
    )
    names = [m.split(" ", 1)[1] for m in undocumented(source)]
    assert names == ["bare", "Net.extra", "Plain", "Plain.forward", "Plain.compute"]
    # in an explainer file the contract overrides are exempt, nothing else is
    names = [m.split(" ", 1)[1] for m in undocumented(source, explainer_file=True)]
    assert names == ["bare", "Net.extra", "Plain", "Plain.forward"]
