"""The hostile corpus (tests/hostile_corpus.py) through the dock's Classify tab, where it is cheap (model files and
stacks): the dock refuses before running (Run disabled, the problem in its check line) or the task ends in the
message bar with the engine's message; no exception escapes, no file is written, no layer is added."""
from __future__ import annotations

import re

import pytest
from qgis.core import Qgis, QgsLayerTreeGroup, QgsProject

pytest.importorskip("torch")

from test_dock_classify import choose, clean_settings, dock, project, run_and_wait  # noqa: F401 - fixtures

from tests.hostile_corpus import CASES, Inputs, good_inputs, leftovers, snapshot

DOCK_CASES = [c for c in CASES if c.dock]


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> Inputs:
    return good_inputs(tmp_path_factory.mktemp("corpus_good"))


@pytest.mark.parametrize("case", DOCK_CASES, ids=[c.id for c in DOCK_CASES])
def test_dock(case, good, dock, qgis_iface, tmp_path):  # noqa: F811 - fixture
    inputs = case.build(good, tmp_path)
    before = snapshot(tmp_path)
    panel = dock.classify_panel
    qgis_iface.messageBar().clear_messages()
    choose(panel, inputs.stack, inputs.model, inputs.out, methods=())
    if panel.run_button.isEnabled():  # not refused up front: the run itself must fail cleanly
        assert run_and_wait(panel) == "error"
        shown = " ".join(qgis_iface.messageBar().get_messages(Qgis.MessageLevel.Critical))
    else:
        shown = " ".join(" ".join(panel.problems()).split())  # what the model / stack / check lines show
        assert panel.run() is None
    assert re.search(case.message, shown, re.IGNORECASE), shown
    assert "Traceback" not in shown
    assert {k: v for k, v in snapshot(tmp_path).items() if not k.startswith("out")} == {
        k: v for k, v in before.items() if not k.startswith("out")} and not leftovers(tmp_path)
    assert not any(p for p in snapshot(tmp_path) if p.startswith("out"))
    assert not any(isinstance(n, QgsLayerTreeGroup) for n in QgsProject.instance().layerTreeRoot().children())
