"""The README's "How far to trust each explanation" is the benchmark's text: benchmarks/xai_readme.py rewrites
the block between its markers from benchmarks/results/xai.json, and the committed README is up to date."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _script():
    spec = importlib.util.spec_from_file_location("xai_readme", ROOT / "benchmarks" / "xai_readme.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_block_between_the_markers_is_replaced_and_the_rest_kept():
    script = _script()
    readme = f"# Title\n\nbefore\n{script.START}\nold text\n{script.END}\nafter\n"
    updated = script.with_trust_section(readme, "## How far\n\n- new")
    assert updated == f"# Title\n\nbefore\n{script.START}\n## How far\n\n- new\n{script.END}\nafter\n"
    assert script.with_trust_section(updated, "## How far\n\n- new") == updated  # idempotent
    with pytest.raises(ValueError, match="no block"):
        script.with_trust_section("# no markers\n", "x")


def test_the_committed_readme_carries_the_benchmark_verdicts():
    pytest.importorskip("torch")  # benchmarks/xai.py imports the engine's torch side
    assert _script().main(["--check"]) == 0
    readme = (ROOT / "README.md").read_text()
    assert "**occlusion_dates** (occlusion_dates): passes" in readme
