"""The hostile corpus (tests/hostile_corpus.py) through the Processing algorithms, in process (what the Toolbox,
the modeller and `processing.run` call): a refusal is one QgsProcessingException whose message names the problem
as the CLI does, no traceback in it, nothing written or left in the case's folder; an unusual input succeeds."""
from __future__ import annotations

import re

import pytest

pytest.importorskip("torch")

from qgis.core import QgsProcessingException

from land_cover_xai_plugin.processing_provider.algorithms.train_algorithm import ARCHITECTURES
from tests.hostile_corpus import CASES, Inputs, good_inputs, leftovers, snapshot

PROCESSING_CASES = [c for c in CASES if c.processing]


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> Inputs:
    return good_inputs(tmp_path_factory.mktemp("corpus_good"))


def algorithm_and_parameters(command: str, inputs: Inputs, folder) -> tuple[str, dict]:
    """The algorithm and parameters a Toolbox user fills for ``command`` with ``inputs``."""
    if command == "predict":
        return "classify", {"INPUT": inputs.stack, "MODEL": inputs.model, "OUTPUT": f"{inputs.out}/map.tif",
                            "CONFIDENCE": f"{inputs.out}/confidence.tif", "DEVICE": 1, "BATCH_SIZE": 256}
    if command == "train":
        return "train", {"INPUT": inputs.stack, "FIELD_DATA": inputs.labels, "CLASS_FIELD": inputs.class_field,
                         "ARCHITECTURE": ARCHITECTURES.index(("tempcnn", "se")), "EPOCHS": 1, "DEVICE": 1,
                         "OUTPUT_MODEL": inputs.out, **({"OUTPUT_REPORT": inputs.report} if inputs.report else {})}
    return "validate", {"CLASSIFICATION": inputs.classification, "FIELD_DATA": inputs.field_data,
                        "CLASS_FIELD": inputs.class_field, "OUTPUT_TABLE": inputs.csv or str(folder / "table.csv"),
                        "OUTPUT_REPORT": inputs.html or str(folder / "report.html")}


@pytest.mark.parametrize("case", PROCESSING_CASES, ids=[c.id for c in PROCESSING_CASES])
def test_processing(case, good, processing_ready, tmp_path):
    import processing

    inputs = case.build(good, tmp_path)
    name, parameters = algorithm_and_parameters(case.command, inputs, tmp_path)
    before = snapshot(tmp_path)
    if (case.processing_outcome or case.outcome) == "succeeds":
        processing.run(f"land_cover_xai:{name}", parameters)
        case.check(inputs)
        return
    with pytest.raises(QgsProcessingException) as caught:
        processing.run(f"land_cover_xai:{name}", parameters)
    message = str(caught.value)
    assert "Traceback" not in message
    assert re.search(case.message, message, re.IGNORECASE), message
    assert snapshot(tmp_path) == before and not leftovers(tmp_path)
