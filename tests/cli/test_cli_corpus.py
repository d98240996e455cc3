"""The hostile corpus (tests/hostile_corpus.py) through the command line, in process (``cli.main.main``, what
``python -m land_cover_xai_plugin`` runs): a refusal is exit 2 and one 'error:' line on stderr naming the problem,
no traceback, nothing written or left in the case's folder; an unusual input succeeds with a correct result."""
from __future__ import annotations

import re

import pytest

pytest.importorskip("torch")

from tests.hostile_corpus import CASES, Inputs, good_inputs, leftovers, snapshot


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> Inputs:
    return good_inputs(tmp_path_factory.mktemp("corpus_good"))


def argv(command: str, inputs: Inputs) -> list[str]:
    """The command line a user types for ``command`` with ``inputs``."""
    if command == "predict":
        return ["predict", "--stack", inputs.stack, "--model", inputs.model, "--out-dir", inputs.out,
                "--device", "cpu", "--batch-size", "256"]
    if command == "train":
        return ["train", "--stack", inputs.stack, "--labels", inputs.labels, "--arch", "tempcnn", "--epochs", "1",
                "--device", "cpu", "--out", inputs.out] + (["--class-field", inputs.class_field]
                                                          if inputs.class_field else []) + (
            ["--report", inputs.report] if inputs.report else [])
    args = ["validate", "--classification", inputs.classification, "--field-data", inputs.field_data]
    for option, path in (("--class-field", inputs.class_field), ("--csv", inputs.csv), ("--html", inputs.html)):
        if path:
            args += [option, path]
    return args


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_cli(case, good, tmp_path, capfd):
    from land_cover_xai_plugin.cli.main import main

    inputs = case.build(good, tmp_path)
    before = snapshot(tmp_path)
    capfd.readouterr()
    code = main([str(a) for a in argv(case.command, inputs) + list(inputs.extra)])
    out, err = capfd.readouterr()
    assert "Traceback" not in err, err
    if case.outcome == "succeeds":
        assert code == 0, err
        case.check(inputs)
        return
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2 and len(lines) == 1 and lines[0].startswith("error: "), (code, err)
    assert re.search(case.message, lines[0], re.IGNORECASE), lines[0]
    assert snapshot(tmp_path) == before and not leftovers(tmp_path)
