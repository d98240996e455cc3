"""A few cases of the hostile corpus (tests/hostile_corpus.py) through the real `qgis_process` binary, as a server
script meets them: a non-zero exit, the engine's message on the console, no traceback, nothing written."""
from __future__ import annotations

import re

import pytest
from test_processing_corpus import algorithm_and_parameters
from test_qgis_process import QGIS_PROCESS, enabled, qgis_process, qgis_process_env  # noqa: F401 - fixtures

from tests.hostile_corpus import CASES, Inputs, good_inputs, leftovers, snapshot

pytest.importorskip("torch")

CHOSEN = ["fifo-model", "nan-weights", "int16-negatives", "out-dir-is-a-file", "single-class-labels"]
SERVER_CASES = [c for c in CASES if c.id in CHOSEN]


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> Inputs:
    return good_inputs(tmp_path_factory.mktemp("corpus_good"))


@pytest.mark.parametrize("case", SERVER_CASES, ids=[c.id for c in SERVER_CASES])
def test_qgis_process(case, good, enabled, tmp_path):  # noqa: F811 - fixture
    inputs = case.build(good, tmp_path)
    name, parameters = algorithm_and_parameters(case.command, inputs, tmp_path)
    before = snapshot(tmp_path)
    done = qgis_process(enabled, "run", f"land_cover_xai:{name}", "--",
                        *[f"{key}={value}" for key, value in parameters.items()], timeout=120)
    console = done.stdout + done.stderr
    assert done.returncode != 0, console
    assert re.search(case.message, console, re.IGNORECASE), console[-2000:]
    assert "Traceback" not in console, console[-2000:]
    assert snapshot(tmp_path) == before and not leftovers(tmp_path)
