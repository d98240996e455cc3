"""Processing enum parameters take an option's name (METHOD=gradcam, DEVICE=cpu, ARCHITECTURE=tempcnn) as well as
its index: through `processing.run` and through the real `qgis_process` binary."""
from __future__ import annotations

import json

import pytest
from osgeo import gdal
from qgis.core import QgsApplication, QgsProcessingContext, QgsProcessingException
from test_qgis_process import QGIS_PROCESS, enabled, qgis_process, qgis_process_env  # noqa: F401 - fixtures

from land_cover_xai_plugin.engine.explain import registry as explainers
from land_cover_xai_plugin.engine.jobs import architecture_choices
from land_cover_xai_plugin.engine.models.model_file import load_model
from land_cover_xai_plugin.processing_provider.base import NamedEnum, architecture_names


def algorithm(name: str):
    return QgsApplication.processingRegistry().algorithmById(f"land_cover_xai:{name}")


def every_enum(processing_ready):
    for name in ("train", "classify", "explain", "validate"):
        alg = algorithm(name)
        for definition in alg.parameterDefinitions():
            if definition.type() == "enum":
                yield name, definition


def test_every_enum_parameter_takes_names_and_indices(processing_ready):
    context = QgsProcessingContext()
    enums = list(every_enum(processing_ready))
    assert {(a, d.name()) for a, d in enums} >= {("train", "ARCHITECTURE"), ("train", "DEVICE"),
                                                 ("train", "MASK_RULE"), ("classify", "DEVICE"),
                                                 ("explain", "METHOD"), ("explain", "DEVICE")}
    for alg_name, definition in enums:
        assert isinstance(definition, NamedEnum), (alg_name, definition.name())
        assert len(definition.names) == len(definition.options())
        for index, name in enumerate(definition.names):
            assert definition.checkValueIsAcceptable(name, context), (alg_name, name)
            assert definition.checkValueIsAcceptable(name.upper(), context)
            assert definition.checkValueIsAcceptable(index, context) and definition.checkValueIsAcceptable(
                str(index), context)
            assert definition.index_of(name) == index == definition.index_of(str(index))
        assert not definition.checkValueIsAcceptable("no-such-option", context)
        assert not definition.checkValueIsAcceptable(len(definition.names), context)
        assert ", ".join(definition.names) in definition.help()


def test_the_names_are_the_engines_names(processing_ready):
    assert algorithm("explain").parameterDefinition("METHOD").names == list(explainers.names("explanation"))
    assert algorithm("classify").parameterDefinition("DEVICE").names == ["auto", "cpu", "cuda"]
    train_arch = algorithm("train").parameterDefinition("ARCHITECTURE")
    assert train_arch.names == architecture_names()
    assert len(train_arch.names) == len(architecture_choices()) == len(set(train_arch.names))
    assert {"tempcnn", "mlp", "attention", "attention_softmax"} <= set(train_arch.names)
    # the dialog keeps the translated labels, not the names
    assert train_arch.options() != train_arch.names


def test_parameter_as_enum_reads_a_name_or_an_index(processing_ready, tiny_stack):
    context = QgsProcessingContext()
    explain = algorithm("explain")
    gradcam = explainers.names("explanation").index("gradcam")
    for value in ("gradcam", "GradCam", gradcam, str(gradcam)):
        assert explain.parameterAsEnum({"METHOD": value}, "METHOD", context) == gradcam
    attention = explainers.names("explanation").index("attention")
    assert explain.parameterAsEnum({"METHOD": "attention"}, "METHOD", context) == attention != gradcam
    assert explain.parameterAsEnum({"DEVICE": "cuda"}, "DEVICE", context) == 2
    ok, message = explain.checkParameterValues({"METHOD": "nonsense", "INPUT": tiny_stack, "MODEL": "x.lcx",
                                                "OUTPUT": "TEMPORARY_OUTPUT"}, context)
    assert not ok and "METHOD" in message, message


def test_processing_run_by_name_gives_what_the_index_gives(processing_ready, model_path, tiny_stack, tmp_path):
    import processing

    by_name, by_index = tmp_path / "by_name.tif", tmp_path / "by_index.tif"
    processing.run("land_cover_xai:explain", {"INPUT": tiny_stack, "MODEL": model_path, "METHOD": "gradcam",
                                              "DEVICE": "cpu", "BATCH_SIZE": 256, "OUTPUT": str(by_name)})
    processing.run("land_cover_xai:explain", {
        "INPUT": tiny_stack, "MODEL": model_path, "METHOD": explainers.names("explanation").index("gradcam"),
        "DEVICE": 1, "BATCH_SIZE": 256, "OUTPUT": str(by_index)})
    a, b = gdal.Open(str(by_name)), gdal.Open(str(by_index))
    assert a.RasterCount == b.RasterCount == 1 + len(load_model(model_path).dates)
    assert a.GetRasterBand(1).GetDescription() == b.GetRasterBand(1).GetDescription()
    assert "class evidence score" in a.GetRasterBand(1).GetDescription().lower()
    with pytest.raises(QgsProcessingException):
        processing.run("land_cover_xai:explain", {"INPUT": tiny_stack, "MODEL": model_path, "METHOD": "gradcm",
                                                  "OUTPUT": str(tmp_path / "typo.tif")})
    assert not (tmp_path / "typo.tif").exists()


@pytest.mark.skipif(QGIS_PROCESS is None, reason="qgis_process is not installed")
def test_qgis_process_takes_method_and_device_by_name(enabled, model_path, tiny_stack, tmp_path):  # noqa: F811
    out = tmp_path / "gradcam.tif"
    done = qgis_process(enabled, "--json", "run", "land_cover_xai:explain", "--", f"INPUT={tiny_stack}",
                        f"MODEL={model_path}", "METHOD=gradcam", "DEVICE=cpu", "BATCH_SIZE=256", f"OUTPUT={out}")
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout[done.stdout.index("{"):])["results"]["OUTPUT"] == str(out)
    ds = gdal.Open(str(out))
    assert "class evidence score" in ds.GetRasterBand(1).GetDescription().lower()
    # an index keeps working, and a wrong name is refused before anything is written
    out_index = tmp_path / "by_index.tif"
    done = qgis_process(enabled, "run", "land_cover_xai:explain", "--", f"INPUT={tiny_stack}", f"MODEL={model_path}",
                        f"METHOD={explainers.names('explanation').index('gradcam')}", "DEVICE=1", "BATCH_SIZE=256",
                        f"OUTPUT={out_index}")
    assert done.returncode == 0, done.stdout + done.stderr
    assert gdal.Open(str(out_index)).RasterCount == ds.RasterCount
    done = qgis_process(enabled, "run", "land_cover_xai:explain", "--", f"INPUT={tiny_stack}", f"MODEL={model_path}",
                        "METHOD=gradcm", f"OUTPUT={tmp_path / 'typo.tif'}")
    assert done.returncode != 0 and not (tmp_path / "typo.tif").exists()
