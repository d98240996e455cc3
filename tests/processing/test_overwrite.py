"""Processing and earlier results (issue 11): an output file that exists is refused unless OVERWRITE, before any
work; with OVERWRITE it is replaced; the engine's message reaches the user as a QgsProcessingException."""
from __future__ import annotations

import os

import pytest
from qgis.core import QgsProcessingException

from test_algorithms import FAST, leftovers, raster, run


def _classify(model_path, tiny_stack, out, **extra):
    return run("classify", {"INPUT": tiny_stack, "MODEL": model_path, "OUTPUT": str(out / "map.tif"),
                            "CONFIDENCE": str(out / "map_confidence.tif"), **FAST, **extra})


def test_classify_refuses_an_existing_map_and_leaves_it(processing_ready, model_path, tiny_stack, tmp_path):
    existing = tmp_path / "map.tif"
    existing.write_bytes(b"an earlier map")
    with pytest.raises(QgsProcessingException, match="exists already.*Overwrite existing output files"):
        _classify(model_path, tiny_stack, tmp_path)
    assert existing.read_bytes() == b"an earlier map"
    assert not (tmp_path / "map_confidence.tif").exists() and not leftovers(tmp_path)


def test_classify_with_overwrite_replaces_the_map(processing_ready, model_path, tiny_stack, tmp_path):
    _classify(model_path, tiny_stack, tmp_path)
    first = os.stat(tmp_path / "map.tif").st_mtime_ns
    _classify(model_path, tiny_stack, tmp_path, OVERWRITE=True)
    assert os.stat(tmp_path / "map.tif").st_mtime_ns != first
    assert raster(tmp_path / "map.tif").RasterXSize > 0 and not leftovers(tmp_path)


def test_a_destination_appearing_during_the_run_is_not_overwritten(tmp_path):
    from land_cover_xai_plugin.engine.errors import LcxError
    from land_cover_xai_plugin.engine.jobs import StagedFiles

    destination = tmp_path / "map.tif"
    with StagedFiles([str(destination)]) as stage:
        staged = os.path.join(stage.dir, "prediction.tif")
        open(staged, "wb").write(b"new")
        destination.write_bytes(b"written meanwhile by someone else")
        with pytest.raises(LcxError, match="exists already"):
            stage.commit({staged: str(destination)})
    assert destination.read_bytes() == b"written meanwhile by someone else" and not leftovers(tmp_path)


def test_train_refuses_an_existing_model_before_training(processing_ready, tiny_stack, field_polygons, tmp_path):
    model = tmp_path / "model.lcx"
    model.write_bytes(b"an earlier model")
    with pytest.raises(QgsProcessingException, match="exists already"):
        run("train", {"INPUT": tiny_stack, "FIELD_DATA": field_polygons, "CLASS_FIELD": "LULC_ID",
                      "ARCHITECTURE": 2, "EPOCHS": 1, "DEVICE": 1, "OUTPUT_MODEL": str(model)})
    assert model.read_bytes() == b"an earlier model"


def test_every_writing_algorithm_offers_overwrite_off_by_default(processing_ready):
    from qgis.core import QgsApplication

    for name in ("classify", "explain", "train", "validate"):
        algorithm = QgsApplication.processingRegistry().algorithmById(f"land_cover_xai:{name}")
        parameter = algorithm.parameterDefinition("OVERWRITE")
        assert parameter is not None and parameter.defaultValue() is False, name


def test_validate_refuses_an_existing_report_unless_overwrite(processing_ready, sample_dir, field_polygons,
                                                              tmp_path):
    table, page = tmp_path / "accuracy.csv", tmp_path / "accuracy.html"
    table.write_text("earlier")
    parameters = {"CLASSIFICATION": str(sample_dir / "labels_lulc.tif"), "FIELD_DATA": field_polygons,
                  "CLASS_FIELD": "LULC_ID", "OUTPUT_REPORT": str(page), "OUTPUT_TABLE": str(table)}
    with pytest.raises(QgsProcessingException, match="exists already.*OVERWRITE"):
        run("validate", parameters)
    assert table.read_text() == "earlier" and not page.exists() and not leftovers(tmp_path)
    results = run("validate", {**parameters, "OVERWRITE": True})
    assert results["OUTPUT_TABLE"] == str(table) and table.read_text() != "earlier" and page.is_file()
    assert sorted(os.listdir(tmp_path)) == ["accuracy.csv", "accuracy.html"]
