"""Keeps the walls standing.

- the engine and the CLI import neither Qt nor QGIS;
- no import cycle anywhere in the package (imports inside functions count: a lazy import that closes a cycle is
  still a tangle);
- dependencies point one way: engine core -> io -> data -> accuracy / models -> training / inference / explain ->
  jobs -> front ends (cli, gui, processing_provider). An inner layer never imports an outer one.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

import land_cover_xai_plugin

PACKAGE = Path(land_cover_xai_plugin.__file__).resolve().parent
ROOT_NAME = PACKAGE.name
FORBIDDEN = ("qgis", "PyQt5", "PyQt6", "PySide2", "PySide6", "sip")

# The rank of each part of the package; a module may import modules of its own rank or below, never above.
# Same-rank parts may import each other (inference uses explain), but never in a cycle.
LAYERS = {
    "engine.errors": 0, "engine.runtime": 0, "engine.dependencies": 0, "engine": 0,
    "engine.io": 1,
    "engine.data": 2,
    "engine.accuracy": 3, "engine.models": 3,
    "engine.training": 4, "engine.inference": 4, "engine.explain": 4,
    "engine.jobs": 5,
    "cli": 6, "processing_provider": 6, "gui": 6, "": 7,  # "" = the package's __init__ / __main__
}


def imported_modules(path: Path):
    """(module name as written, line) of every import in a file; relative imports keep their dots."""
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


def module_name(path: Path, package: Path) -> str:
    """Dotted name of a file inside ``package`` ('' for the package's own __init__)."""
    parts = list(path.relative_to(package).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def import_graph(package: Path) -> dict[str, dict[str, int]]:
    """module -> {imported module of the same package: line}, imports inside functions included."""
    files = {module_name(p, package): p for p in package.rglob("*.py")}
    graph: dict[str, dict[str, int]] = {}
    for name, path in files.items():
        is_pkg = path.name == "__init__.py"
        here = name.split(".") if name else []
        base_pkg = here if is_pkg else here[:-1]
        edges: dict[str, int] = {}
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            targets = []
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = base_pkg[: len(base_pkg) - (node.level - 1)] if node.level > 1 else base_pkg
                    mod = ".".join(base + (node.module.split(".") if node.module else []))
                elif node.module and node.module.split(".")[0] == package.name:
                    mod = node.module[len(package.name) + 1:] if "." in node.module else ""
                else:
                    continue
                for alias in node.names:  # `from pkg import submodule` depends on the submodule only
                    sub = f"{mod}.{alias.name}" if mod else alias.name
                    targets.append(sub if sub in files else mod)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] == package.name:
                        targets.append(alias.name[len(package.name) + 1:])
            for target in targets:
                if target in files and target != name:
                    edges.setdefault(target, node.lineno)
        graph[name] = edges
    return graph


def find_cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """Every strongly connected component of more than one module (Tarjan), each as a sorted list."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return cycles


def layer_of(module: str, layers: dict[str, int] = LAYERS) -> int:
    """Rank of a module: the longest prefix of its dotted name found in ``layers``."""
    parts = module.split(".") if module else []
    for n in range(len(parts), -1, -1):
        key = ".".join(parts[:n])
        if key in layers:
            return layers[key]
    raise KeyError(f"{module} belongs to no layer: add its package to LAYERS in tests/test_architecture.py")


def upward_imports(graph: dict[str, dict[str, int]], layers: dict[str, int] = LAYERS) -> list[str]:
    """'a:line imports b' for every import of a module ranked above the importer."""
    out = []
    for src, edges in sorted(graph.items()):
        for dst, line in sorted(edges.items()):
            if layer_of(dst, layers) > layer_of(src, layers):
                out.append(f"{src or '__init__'}:{line} imports {dst} (layer {layer_of(dst, layers)} > "
                           f"{layer_of(src, layers)})")
    return out


def test_engine_and_cli_import_no_qt_or_qgis():
    offenders = []
    for folder in ("engine", "cli"):
        for path in sorted((PACKAGE / folder).rglob("*.py")):
            for module, line in imported_modules(path):
                root = module.lstrip(".").split(".")[0]
                if root in FORBIDDEN or module.startswith(".."):
                    offenders.append(f"{path.relative_to(PACKAGE)}:{line} imports {module}")
    assert not offenders, "engine/cli must stay free of Qt/QGIS:\n" + "\n".join(offenders)


def test_no_import_cycle_in_the_package():
    cycles = find_cycles(import_graph(PACKAGE))
    assert not cycles, "import cycles:\n" + "\n".join(" <-> ".join(c) for c in cycles)


def test_dependencies_point_inwards():
    offenders = upward_imports(import_graph(PACKAGE))
    assert not offenders, "an inner layer imports an outer one:\n" + "\n".join(offenders)


def test_front_ends_do_not_import_each_other():
    """The CLI is a front end of the engine alone; Processing does not reach into the dock's widgets."""
    graph = import_graph(PACKAGE)
    offenders = [f"{src}:{line} imports {dst}" for src, edges in graph.items() for dst, line in edges.items()
                 if (src.startswith("cli") and dst.split(".")[0] in ("gui", "processing_provider"))
                 or (src.startswith("processing_provider") and dst.startswith("gui.panels"))]
    assert not offenders, "\n".join(offenders)


def test_the_scan_would_catch_an_offender(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from qgis.core import QgsProject\nimport PyQt5\n")
    assert [m for m, _ in imported_modules(bad)] == ["qgis.core", "PyQt5"]


def test_the_graph_checks_would_catch_a_cycle_and_an_upward_import(tmp_path):
    pkg = tmp_path / "toy"
    for rel, text in {
        "__init__.py": "",
        "engine/__init__.py": "",
        "engine/io/__init__.py": "",
        "engine/io/a.py": "def f():\n    from ..data import b  # lazy, still a cycle\n",
        "engine/data/__init__.py": "",
        "engine/data/b.py": "from ..io.a import f\nfrom toy.engine import jobs\n",
        "engine/jobs.py": "import toy.engine.io.a\n",
    }.items():
        (pkg / rel).parent.mkdir(parents=True, exist_ok=True)
        (pkg / rel).write_text(text)
    graph = import_graph(pkg)
    assert graph["engine.io.a"] == {"engine.data.b": 2}
    assert find_cycles(graph) == [["engine.data.b", "engine.io.a", "engine.jobs"]]
    up = upward_imports(graph)
    assert any(line.startswith("engine.io.a:2 imports engine.data.b") for line in up)
    assert any(line.startswith("engine.data.b:2 imports engine.jobs") for line in up)
    with pytest.raises(KeyError):
        layer_of("elsewhere.module", {"engine": 0})
