"""The Processing algorithms, run through `processing.run("land_cover_xai:...")` on the real tiny sample."""
from __future__ import annotations

import csv
import math
import os

import numpy as np
import pytest
from osgeo import gdal
from qgis.core import (
    QgsApplication,
    QgsPalettedRasterRenderer,
    QgsProcessingAlgorithm,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProcessingOutputLayerDefinition,
    QgsProject,
    QgsSingleBandPseudoColorRenderer,
)

from land_cover_xai_plugin.engine.errors import ModelFileError, StackMismatchError
from land_cover_xai_plugin.engine.models.model_file import load_model


ALGORITHMS = {
    "train": {"INPUT", "FIELD_DATA", "CLASS_FIELD", "ARCHITECTURE", "EPOCHS", "OUTPUT_MODEL", "SEED", "DEVICE"},
    "classify": {"INPUT", "MODEL", "DEVICE", "OUTPUT", "CONFIDENCE"},
    "explain": {"INPUT", "MODEL", "METHOD", "TARGET", "OUTPUT"},
    "validate": {"CLASSIFICATION", "FIELD_DATA", "CLASS_FIELD", "OUTPUT_REPORT", "OUTPUT_TABLE"},
}
FAST = {"DEVICE": 1, "BATCH_SIZE": 256}  # cpu, no batch-size measurement


def run(algorithm: str, parameters: dict, **kwargs):
    import processing

    return processing.run(f"land_cover_xai:{algorithm}", parameters, **kwargs)


def raster(path):
    ds = gdal.Open(str(path))
    assert ds is not None, path
    return ds


def method_index(name: str) -> int:
    """The METHOD enum index of a registry method (the enum lists the registry's explanations in order)."""
    from land_cover_xai_plugin.engine.explain import registry

    return registry.names("explanation").index(name)


def leftovers(folder) -> list[str]:
    """Staging folders or engine-named files the algorithms must not leave behind."""
    return [n for n in os.listdir(folder) if n.startswith(".lcx-") or n.startswith(("prediction", "confidence."))]


@pytest.fixture(scope="module")
def classified(processing_ready, model_path, tiny_stack, tmp_path_factory):
    out = tmp_path_factory.mktemp("classified")
    results = run("classify", {"INPUT": tiny_stack, "MODEL": model_path, "OUTPUT": str(out / "landcover.tif"),
                               "CONFIDENCE": str(out / "landcover_confidence.tif"), **FAST})
    return results, out


# --- the provider ------------------------------------------------------------------------------------------

def test_provider_offers_the_four_algorithms_with_help_icon_and_group(processing_ready):
    registry = QgsApplication.processingRegistry()
    provider = registry.providerById("land_cover_xai")
    assert provider is not None and provider.name() == "Land Cover XAI"
    assert sorted(a.name() for a in provider.algorithms()) == sorted(ALGORITHMS)
    for name, required in ALGORITHMS.items():
        algorithm = registry.createAlgorithmById(f"land_cover_xai:{name}")
        assert algorithm is not None, name
        assert required <= {p.name() for p in algorithm.parameterDefinitions()}, name
        help_text = algorithm.shortHelpString()
        assert "Parameters" in help_text and "Outputs" in help_text, name
        assert algorithm.group() and algorithm.groupId() and algorithm.displayName()
        assert not algorithm.icon().isNull()
        assert type(algorithm.createInstance()) is type(algorithm)
    assert provider.supportedOutputRasterLayerExtensions() == ["tif"]
    for algorithm in provider.algorithms():
        flags = algorithm.flags()
        assert flags & QgsProcessingAlgorithm.FlagSupportsBatch and flags & QgsProcessingAlgorithm.FlagCanCancel
        assert not flags & QgsProcessingAlgorithm.FlagNoThreading  # the Toolbox runs them in the background


def test_classify_runs_in_a_background_task_as_the_toolbox_does(processing_ready, model_path, tiny_stack,
                                                                tmp_path):
    """The Toolbox runs an algorithm in a QgsProcessingAlgRunnerTask (a worker thread): torch and GDAL
    must work there, with progress reported through the feedback."""
    from pytest_qgis.utils import wait_until
    from qgis.core import QgsProcessingAlgRunnerTask

    algorithm = QgsApplication.processingRegistry().createAlgorithmById("land_cover_xai:classify")
    context = QgsProcessingContext()
    feedback = QgsProcessingFeedback()
    progress = []
    feedback.progressChanged.connect(progress.append)
    outcome = {}
    task = QgsProcessingAlgRunnerTask(algorithm, {
        "INPUT": tiny_stack, "MODEL": model_path, "OUTPUT": str(tmp_path / "map.tif"),
        "CONFIDENCE": str(tmp_path / "confidence.tif"), **FAST}, context, feedback)
    task.executed.connect(lambda ok, results: outcome.update(ok=ok, results=results))
    QgsApplication.taskManager().addTask(task)
    assert wait_until(lambda: "ok" in outcome, timeout_milliseconds=60_000)
    assert outcome["ok"], outcome
    assert outcome["results"]["OUTPUT"] == str(tmp_path / "map.tif") and (tmp_path / "map.tif").is_file()
    assert progress and max(progress) == 100


def test_enums_match_the_contract(processing_ready):
    registry = QgsApplication.processingRegistry()
    train = registry.algorithmById("land_cover_xai:train")
    from land_cover_xai_plugin.engine import jobs
    from land_cover_xai_plugin.engine.explain import registry as explainers

    assert len(train.parameterDefinition("ARCHITECTURE").options()) == len(jobs.architecture_choices()) >= 3
    explain = registry.algorithmById("land_cover_xai:explain")
    assert explain.parameterDefinition("METHOD").options() == [e.label for e in explainers.available(
        category="explanation")]
    assert {"Grad-CAM class evidence score", "Band gates (attention)", "GradientSHAP", "Integrated Gradients"} <= set(
        explain.parameterDefinition("METHOD").options())
    for name, _, _ in explainers.help_lines("explanation"):  # help generated from the registry
        assert f"<code>{name}</code>" in explain.shortHelpString()
    classify = registry.algorithmById("land_cover_xai:classify")
    assert classify.parameterDefinition("DEVICE").options() == ["auto", "cpu", "cuda"]
    assert {"PROBABILITIES", "ENTROPY", "MARGIN"} <= {p.name() for p in classify.destinationParameterDefinitions()}
    validate = registry.algorithmById("land_cover_xai:validate")
    assert {"OVERALL_ACCURACY", "KAPPA", "MACRO_F1"} <= {o.name() for o in validate.outputDefinitions()}


# --- train -------------------------------------------------------------------------------------------------

def test_train_writes_a_model_that_loads_and_reports_each_epoch(trained, train_epochs):
    results, feedback, path = trained
    assert path.is_file() and path.suffix == ".lcx"
    bundle = load_model(str(path))
    assert bundle.spec.arch == "tempcnn"
    assert set(bundle.class_ids) <= {1, 2, 3, 4, 8} and len(bundle.class_ids) >= 2
    assert bundle.class_names[2] == "forest"  # NAME_FIELD=LULC_NAME
    assert len(bundle.dates) == 3 and len(bundle.bands) == 13
    epoch_lines = [line for line in feedback.infos if line.startswith("epoch ")]
    assert [line.split()[1] for line in epoch_lines] == [f"{i}/{train_epochs}" for i in range(1, train_epochs + 1)]
    assert 100.0 / train_epochs in feedback.progress_values and feedback.progress_values[-1] == 100
    for key in ("TEST_OVERALL_ACCURACY", "TEST_KAPPA", "TEST_MACRO_F1"):
        assert isinstance(results[key], float)  # NaN on the tiny sample: too few blocks for a test split


def test_train_cancelled_after_the_first_epoch_leaves_no_model(processing_ready, tiny_stack, field_polygons,
                                                               tmp_path):
    class CancelAfterFirstEpoch(QgsProcessingFeedback):
        def pushInfo(self, info):
            if info.startswith("epoch 1/"):
                self.cancel()

    out = tmp_path / "cancelled.lcx"
    with pytest.raises(QgsProcessingException, match="(?i)cancel"):
        run("train", {"INPUT": tiny_stack, "FIELD_DATA": field_polygons, "CLASS_FIELD": "LULC_ID",
                      "ARCHITECTURE": 2, "EPOCHS": 30, "DEVICE": 1, "OUTPUT_MODEL": str(out)},
            feedback=CancelAfterFirstEpoch())
    assert not out.exists()


def test_train_refuses_a_model_name_without_lcx(processing_ready, tiny_stack, field_polygons, tmp_path):
    with pytest.raises(QgsProcessingException, match=r"\.lcx"):
        run("train", {"INPUT": tiny_stack, "FIELD_DATA": field_polygons, "CLASS_FIELD": "LULC_ID", "EPOCHS": 1,
                      "OUTPUT_MODEL": str(tmp_path / "model.zip")})
    assert not (tmp_path / "model.zip").exists()


# --- classify ----------------------------------------------------------------------------------------------

def test_classify_writes_class_map_and_confidence_on_the_stack_grid(classified, model_path, tiny_stack):
    results, out = classified
    assert results["OUTPUT"] == str(out / "landcover.tif")
    stack = raster(tiny_stack)
    class_ids = set(load_model(model_path).class_ids)
    for key in ("OUTPUT", "CONFIDENCE"):
        ds = raster(results[key])
        assert (ds.RasterXSize, ds.RasterYSize) == (stack.RasterXSize, stack.RasterYSize)
        assert np.allclose(ds.GetGeoTransform(), stack.GetGeoTransform())
        assert ds.GetSpatialRef().IsSame(stack.GetSpatialRef())
    class_map = raster(results["OUTPUT"])  # keep the dataset alive while its band is used (GDAL < 3.8)
    band = class_map.GetRasterBand(1)
    values = band.ReadAsArray()
    mapped = values[values != band.GetNoDataValue()]
    assert mapped.size > 0 and set(np.unique(mapped).tolist()) <= class_ids
    confidence = raster(results["CONFIDENCE"]).ReadAsArray()
    finite = confidence[np.isfinite(confidence)]
    assert finite.size and finite.min() >= 0.0 and finite.max() <= 1.0 + 1e-6
    # the styles travel with the files, renamed after them; nothing else is left behind
    assert (out / "landcover.qml").is_file() and (out / "landcover_confidence.qml").is_file()
    assert "paletted" in (out / "landcover.qml").read_text()
    assert leftovers(out) == []


def test_classify_to_temporary_outputs_with_probabilities(processing_ready, model_path, tiny_stack):
    results = run("classify", {"INPUT": tiny_stack, "MODEL": model_path, "OUTPUT": "TEMPORARY_OUTPUT",
                               "CONFIDENCE": "TEMPORARY_OUTPUT", "PROBABILITIES": "TEMPORARY_OUTPUT", **FAST})
    for key in ("OUTPUT", "CONFIDENCE", "PROBABILITIES"):
        assert os.path.isfile(results[key]) and results[key].endswith(".tif"), key
        assert leftovers(os.path.dirname(results[key])) == []
    probabilities = raster(results["PROBABILITIES"]).ReadAsArray()
    assert probabilities.shape[0] == len(load_model(model_path).class_ids)
    assert np.allclose(probabilities.sum(0), 1.0, atol=1e-3)


def test_classify_writes_uncertainty_rasters_when_asked(processing_ready, model_path, tiny_stack, tmp_path):
    out = tmp_path / "unc"
    results = run("classify", {"INPUT": tiny_stack, "MODEL": model_path, "OUTPUT": str(out / "map.tif"),
                               "CONFIDENCE": str(out / "conf.tif"), "ENTROPY": str(out / "entropy.tif"),
                               "MARGIN": str(out / "margin.tif"), **FAST})
    assert results["ENTROPY"] == str(out / "entropy.tif") and results["MARGIN"] == str(out / "margin.tif")
    entropy = raster(results["ENTROPY"]).ReadAsArray()
    margin = raster(results["MARGIN"]).ReadAsArray()
    confidence = raster(results["CONFIDENCE"]).ReadAsArray()
    valid = np.isfinite(confidence)
    assert valid.any() and (entropy[valid] >= 0).all() and (entropy[valid] <= 1 + 1e-6).all()
    assert (margin[valid] <= confidence[valid] + 1e-6).all()
    assert (out / "entropy.qml").is_file() and (out / "margin.qml").is_file()
    assert not (out / "probabilities.tif").exists() and leftovers(out) == []


def test_output_layers_open_styled_as_from_the_toolbox(processing_ready, model_path, tiny_stack, tmp_path):
    """What the Toolbox does when "Open output file after running" is ticked: Processing loads the layer
    without its default style; our post-processor applies the .qml written beside it."""
    import sys

    sys.path.append("/usr/share/qgis/python/plugins")
    from processing.gui.Postprocessing import handleAlgorithmResults

    project = QgsProject.instance()
    context = QgsProcessingContext()
    context.setProject(project)
    feedback = QgsProcessingFeedback()
    parameters = {"INPUT": tiny_stack, "MODEL": model_path, **FAST,
                  "OUTPUT": QgsProcessingOutputLayerDefinition(str(tmp_path / "map.tif"), project),
                  "CONFIDENCE": QgsProcessingOutputLayerDefinition(str(tmp_path / "confidence.tif"), project)}
    algorithm = QgsApplication.processingRegistry().createAlgorithmById("land_cover_xai:classify")
    import processing

    processing.run(algorithm, parameters, context=context, feedback=feedback)
    assert set(context.layersToLoadOnCompletion()) == {str(tmp_path / "map.tif"), str(tmp_path / "confidence.tif")}
    assert handleAlgorithmResults(algorithm, context, feedback, showResults=False, parameters=parameters)
    layers = {os.path.basename(layer.source()): layer for layer in project.mapLayers().values()}
    try:
        class_map, confidence = layers["map.tif"], layers["confidence.tif"]
        assert isinstance(class_map.renderer(), QgsPalettedRasterRenderer)
        labels = {c.value: c.label for c in class_map.renderer().classes()}
        assert labels.get(2) == "forest"
        assert isinstance(confidence.renderer(), QgsSingleBandPseudoColorRenderer)
    finally:
        project.removeAllMapLayers()


# --- explain -----------------------------------------------------------------------------------------------

def test_explain_gradcam_has_a_heatmap_and_one_band_per_date(processing_ready, model_path, tiny_stack, tmp_path):
    out = tmp_path / "why_forest.tif"
    results = run("explain", {"INPUT": tiny_stack, "MODEL": model_path, "METHOD": method_index("gradcam"),
                              "TARGET": "Forest",
                              "OUTPUT": str(out), **FAST})
    assert results["OUTPUT"] == str(out)
    ds = raster(out)
    n_dates = len(load_model(model_path).dates)
    assert ds.RasterCount == 1 + n_dates
    descriptions = [ds.GetRasterBand(i + 1).GetDescription() for i in range(ds.RasterCount)]
    assert "class evidence score" in descriptions[0].lower() and "class 2" in descriptions[0]
    assert all("2015-" in d for d in descriptions[1:])
    assert (tmp_path / "why_forest.qml").is_file()
    assert leftovers(tmp_path) == []


def test_explain_rejects_an_unknown_target_or_attention_on_tempcnn(processing_ready, model_path, tiny_stack,
                                                                   tmp_path):
    with pytest.raises(QgsProcessingException, match="not a class of this model"):
        run("explain", {"INPUT": tiny_stack, "MODEL": model_path, "METHOD": method_index("gradcam"),
                        "TARGET": "vineyard",
                        "OUTPUT": str(tmp_path / "x.tif")})
    with pytest.raises(QgsProcessingException, match="attention / mlp models"):
        run("explain", {"INPUT": tiny_stack, "MODEL": model_path, "METHOD": method_index("attention"),
                        "TARGET": "predicted",
                        "OUTPUT": str(tmp_path / "x.tif")})
    assert os.listdir(tmp_path) == []


# --- validate ----------------------------------------------------------------------------------------------

def test_validate_writes_html_and_csv_and_returns_the_scores(classified, field_polygons, tmp_path):
    results = run("validate", {"CLASSIFICATION": classified[0]["OUTPUT"], "FIELD_DATA": field_polygons,
                               "CLASS_FIELD": "LULC_ID", "OUTPUT_REPORT": str(tmp_path / "accuracy.html"),
                               "OUTPUT_TABLE": str(tmp_path / "accuracy.csv")})
    assert "<html" in (tmp_path / "accuracy.html").read_text(encoding="utf-8").lower()
    with open(tmp_path / "accuracy.csv", newline="", encoding="utf-8") as fh:
        assert len(list(csv.reader(fh))) > 3
    assert 0.0 <= results["OVERALL_ACCURACY"] <= 1.0
    for key in ("KAPPA", "MACRO_F1"):
        assert isinstance(results[key], float) and not math.isnan(results[key])
    assert results["N_SAMPLES"] > 0
    assert sorted(os.listdir(tmp_path)) == ["accuracy.csv", "accuracy.html"]


def test_validate_writes_the_report_in_qgis_language_and_the_csv_in_english(classified, field_polygons, tmp_path):
    """QGIS in French: the HTML page (title, headings, the figure) in French, the CSV (for scripts) in English."""
    from land_cover_xai_plugin.engine.accuracy.validation import CSV_SECTION_PER_CLASS, read_report_csv
    from tests.qgis_locale import qgis_language

    with qgis_language("fr_FR"):
        run("validate", {"CLASSIFICATION": classified[0]["OUTPUT"], "FIELD_DATA": field_polygons,
                         "CLASS_FIELD": "LULC_ID", "OUTPUT_REPORT": str(tmp_path / "rapport.html"),
                         "OUTPUT_TABLE": str(tmp_path / "table.csv")})
    page = (tmp_path / "rapport.html").read_text(encoding="utf-8")
    assert '<html lang="fr">' in page and "<h1>Évaluation de la précision</h1>" in page, page[:400]
    assert "Comment lire ces chiffres" in page and "How to read this" not in page
    assert CSV_SECTION_PER_CLASS in read_report_csv(str(tmp_path / "table.csv"))  # the CSV's English sections
    # back in English: the same algorithm writes the English page
    run("validate", {"CLASSIFICATION": classified[0]["OUTPUT"], "FIELD_DATA": field_polygons,
                     "CLASS_FIELD": "LULC_ID", "OUTPUT_REPORT": str(tmp_path / "report.html"),
                     "OUTPUT_TABLE": str(tmp_path / "table_en.csv")})
    assert "How to read this" in (tmp_path / "report.html").read_text(encoding="utf-8")


def test_validate_takes_a_filtered_layer_as_field_data(classified, field_polygons, tmp_path):
    """A layer with a filter (or a memory layer, or "selected features only") is not a plain file: QGIS
    exports what the layer shows to a temporary GeoPackage for the engine."""
    from qgis.core import QgsVectorLayer

    layer = QgsVectorLayer(f"{field_polygons}|layername=LULC", "forest only", "ogr")
    assert layer.isValid() and layer.setSubsetString('"LULC_ID" = 2')
    everything = run("validate", {"CLASSIFICATION": classified[0]["OUTPUT"], "FIELD_DATA": field_polygons,
                                  "CLASS_FIELD": "LULC_ID", "OUTPUT_REPORT": "TEMPORARY_OUTPUT",
                                  "OUTPUT_TABLE": "TEMPORARY_OUTPUT"})
    forest = run("validate", {"CLASSIFICATION": classified[0]["OUTPUT"], "FIELD_DATA": layer,
                              "CLASS_FIELD": "LULC_ID", "OUTPUT_REPORT": str(tmp_path / "forest.html"),
                              "OUTPUT_TABLE": str(tmp_path / "forest.csv")})
    assert 0 < forest["N_SAMPLES"] < everything["N_SAMPLES"]


# --- bad input: the engine's message reaches the caller, nothing is left behind ---------------------------

def engine_message(error_type, call) -> str:
    with pytest.raises(error_type) as info:
        call()
    return str(info.value)


def test_a_garbage_model_file_fails_with_the_engines_message(processing_ready, tiny_stack, tmp_path):
    garbage = tmp_path / "garbage.lcx"
    garbage.write_bytes(b"this is not a model" * 10)
    expected = engine_message(ModelFileError, lambda: load_model(str(garbage)))
    out = tmp_path / "out"
    with pytest.raises(QgsProcessingException) as info:
        run("classify", {"INPUT": tiny_stack, "MODEL": str(garbage), "OUTPUT": str(out / "map.tif"),
                         "CONFIDENCE": str(out / "confidence.tif"), **FAST})
    assert " ".join(expected.split()) in str(info.value)
    assert not out.exists() or os.listdir(out) == []


def test_a_stack_that_does_not_fit_the_model_fails_with_the_engines_message(processing_ready, model_path,
                                                                          full_stack, tmp_path):
    from land_cover_xai_plugin.engine.io.stack import open_stack

    # the model reads 13 bands; this stack lacks the last three at every date (the full sample's other dates
    # would fit: they cover the model's season and are resampled onto its calendar)
    source = gdal.Open(full_stack)
    fewer = str(tmp_path.parent / f"{tmp_path.name}_fewer_bands.tif")
    gdal.Translate(fewer, source, bandList=[i + 1 for i in range(source.RasterCount) if i % 13 < 10])
    stack = open_stack([fewer])
    try:
        expected = engine_message(StackMismatchError, lambda: load_model(model_path).check_fits(stack))
    finally:
        stack.close()
    with pytest.raises(QgsProcessingException) as info:
        run("classify", {"INPUT": fewer, "MODEL": model_path, "OUTPUT": str(tmp_path / "map.tif"),
                         "CONFIDENCE": str(tmp_path / "confidence.tif"), **FAST})
    assert "B11" in expected and " ".join(expected.split()) in str(info.value)
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("model_name, message", [("missing.lcx", "not found"), ("model.pth", r"\.lcx")])
def test_a_missing_or_misnamed_model_is_refused_before_running(processing_ready, tiny_stack, tmp_path,
                                                             model_name, message):
    model = tmp_path / model_name
    if model_name.endswith(".pth"):
        model.write_bytes(b"\0" * 16)
    with pytest.raises(QgsProcessingException, match=message):
        run("classify", {"INPUT": tiny_stack, "MODEL": str(model), "OUTPUT": str(tmp_path / "map.tif"),
                         "CONFIDENCE": str(tmp_path / "confidence.tif")})
    assert not (tmp_path / "map.tif").exists()


def test_a_non_file_raster_layer_is_refused_with_a_clear_message(processing_ready, model_path, tmp_path):
    from qgis.core import QgsRasterLayer

    layer = QgsRasterLayer("type=xyz&url=https://example.invalid/{z}/{x}/{y}.png", "tiles", "wms")
    if not layer.isValid():
        pytest.skip("the wms provider cannot build an offline XYZ layer here")
    with pytest.raises(QgsProcessingException, match="GeoTIFF"):
        run("classify", {"INPUT": layer, "MODEL": model_path, "OUTPUT": str(tmp_path / "map.tif"),
                         "CONFIDENCE": str(tmp_path / "confidence.tif")})


# --- the graphical modeller ----------------------------------------------------------------------------------

def test_classify_then_validate_in_a_processing_model(processing_ready, model_path, tiny_stack, field_polygons,
                                                      tmp_path, recording_feedback):
    from qgis.core import (
        QgsProcessingModelAlgorithm,
        QgsProcessingModelChildAlgorithm,
        QgsProcessingModelChildParameterSource as Source,
        QgsProcessingModelOutput,
        QgsProcessingModelParameter,
        QgsProcessingParameterRasterLayer,
    )
    import processing

    model = QgsProcessingModelAlgorithm("classify_and_validate", "tests")
    model.addModelParameter(QgsProcessingParameterRasterLayer("stack", "stack"), QgsProcessingModelParameter("stack"))
    classify = QgsProcessingModelChildAlgorithm("land_cover_xai:classify")
    classify.setChildId("classify")
    classify.addParameterSources("INPUT", [Source.fromModelParameter("stack")])
    classify.addParameterSources("MODEL", [Source.fromStaticValue(model_path)])
    classify.addParameterSources("DEVICE", [Source.fromStaticValue(1)])
    classify.addParameterSources("BATCH_SIZE", [Source.fromStaticValue(256)])
    model.addChildAlgorithm(classify)
    validate = QgsProcessingModelChildAlgorithm("land_cover_xai:validate")
    validate.setChildId("validate")
    validate.addParameterSources("CLASSIFICATION", [Source.fromChildOutput("classify", "OUTPUT")])
    validate.addParameterSources("FIELD_DATA", [Source.fromStaticValue(field_polygons)])
    validate.addParameterSources("CLASS_FIELD", [Source.fromStaticValue("LULC_ID")])
    report = QgsProcessingModelOutput("report")
    report.setChildId("validate")
    report.setChildOutputName("OUTPUT_REPORT")
    validate.setModelOutputs({"report": report})
    model.addChildAlgorithm(validate)

    feedback = recording_feedback
    results = processing.run(model, {"stack": tiny_stack, "validate:report": str(tmp_path / "model_report.html")},
                             feedback=feedback)
    assert os.path.isfile(results["validate:report"])
    assert any("overall accuracy" in line for line in feedback.infos)


# --- the base class's helpers ------------------------------------------------------------------------------

def test_staged_outputs_move_rasters_with_renamed_styles_and_roll_back_on_failure(tmp_path):
    from land_cover_xai_plugin.engine.errors import LcxError
    from land_cover_xai_plugin.processing_provider.base import StagedOutputs

    dest = tmp_path / "maps"
    dest.mkdir()
    (dest / "landcover.qml").write_text("stale style")
    with StagedOutputs([str(dest / "landcover.tif")]) as stage:
        assert os.path.dirname(stage.dir) == str(dest) and os.path.basename(stage.dir).startswith(".lcx-")
        for name in ("prediction.tif", "prediction.tif.aux.xml", "prediction.qml", "confidence.tif"):
            (tmp_path / stage.dir / name).write_text(name)
        stage.commit({os.path.join(stage.dir, "prediction.tif"): str(dest / "landcover.tif"),
                      os.path.join(stage.dir, "confidence.tif"): ""})  # '' = not wanted
    assert sorted(os.listdir(dest)) == ["landcover.qml", "landcover.tif", "landcover.tif.aux.xml"]
    assert (dest / "landcover.qml").read_text() == "prediction.qml"

    blocker = tmp_path / "a_file"
    blocker.write_text("")
    with pytest.raises(LcxError, match="Cannot write"):
        with StagedOutputs([str(tmp_path / "ok.tif")]) as stage:
            for name in ("one.tif", "two.tif"):
                (tmp_path / stage.dir / name).write_text(name)
            stage.commit({os.path.join(stage.dir, "one.tif"): str(tmp_path / "ok.tif"),
                          os.path.join(stage.dir, "two.tif"): str(blocker / "sub" / "two.tif")})
    assert not (tmp_path / "ok.tif").exists()  # the first move was undone
    assert not [n for n in os.listdir(tmp_path) if n.startswith(".lcx-")]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_model_path_that_is_a_fifo_a_device_or_a_folder_says_what_it_is(tmp_path):
    """check_model_path: a path that exists but is no file is named for what it is, never 'not found'; only
    stat is used (a FIFO opened for reading would block)."""
    from land_cover_xai_plugin.processing_provider.base import LcxAlgorithm

    fifo = tmp_path / "pipe.lcx"
    os.mkfifo(fifo)
    device = tmp_path / "null.lcx"
    device.symlink_to("/dev/null")
    folder = tmp_path / "folder.lcx"
    folder.mkdir()
    for path, kind in ((fifo, "a FIFO (named pipe)"), (device, "a device"), (folder, "a folder")):
        message = LcxAlgorithm.check_model_path(str(path))
        assert message == f"The model {path} is {kind}, not a regular file: choose a model file (.lcx).", message
    assert "not found" in LcxAlgorithm.check_model_path(str(tmp_path / "missing.lcx"))
