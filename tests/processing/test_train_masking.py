"""Processing train: the default architecture from TrainConfig, cloud masking (on by default, threshold),
mask rasters with their rule and the temporal grid step, as parameters reaching the model file."""
from __future__ import annotations

import numpy as np
import pytest
from osgeo import gdal
from qgis.core import QgsApplication

from land_cover_xai_plugin.engine.data.validity import DEFAULT_CLOUD_FRACTION_MAX
from land_cover_xai_plugin.engine.models.model_file import load_model
from land_cover_xai_plugin.engine.training.trainer import TrainConfig


def test_default_architecture_and_masking_parameters(processing_ready):
    from land_cover_xai_plugin.processing_provider.algorithms.train_algorithm import ARCHITECTURES, MASK_RULES

    train = QgsApplication.processingRegistry().algorithmById("land_cover_xai:train")
    architecture = train.parameterDefinition("ARCHITECTURE")
    default = architecture.defaultValue()
    assert ARCHITECTURES[default] == (TrainConfig.arch, TrainConfig.attention)
    assert architecture.options()[default] == "MLP ensemble (default)"
    assert sum("(default)" in option for option in architecture.options()) == 1
    assert train.parameterDefinition("MASK_CLOUDY_DATES").defaultValue() is True
    assert train.parameterDefinition("CLOUD_FRACTION_MAX").defaultValue() == DEFAULT_CLOUD_FRACTION_MAX
    rule = train.parameterDefinition("MASK_RULE")
    assert rule.options() == list(MASK_RULES) and rule.options()[rule.defaultValue()] == "s2_scl"
    assert {"fmask", "theia_clm", "theia_mg2"} <= set(MASK_RULES)
    assert "Mask cloudy dates" in train.shortHelpString()
    # the ensemble's disagreement, a classification method of the registry, is an optional Classify output
    classify = QgsApplication.processingRegistry().algorithmById("land_cover_xai:classify")
    disagreement = classify.parameterDefinition("DISAGREEMENT")
    assert disagreement is not None and disagreement.flags() & disagreement.FlagOptional


def write_scl(path, like: str, value: int) -> str:
    stack = gdal.Open(like)
    n_dates = 3
    ds = gdal.GetDriverByName("GTiff").Create(str(path), stack.RasterXSize, stack.RasterYSize, n_dates, gdal.GDT_Byte)
    ds.SetGeoTransform(stack.GetGeoTransform())
    ds.SetProjection(stack.GetProjection())
    for t in range(n_dates):
        ds.GetRasterBand(t + 1).WriteArray(np.full((stack.RasterYSize, stack.RasterXSize), value, np.uint8))
    ds = None
    return str(path)


def train(tiny_stack, field_polygons, out, **parameters):
    import processing

    return processing.run("land_cover_xai:train", {
        "INPUT": tiny_stack, "FIELD_DATA": field_polygons, "CLASS_FIELD": "LULC_ID", "ARCHITECTURE": 2,
        "EPOCHS": 1, "SEED": 0, "DEVICE": 1, "OUTPUT_MODEL": str(out), **parameters})


def test_masking_parameters_reach_the_model(processing_ready, tiny_stack, field_polygons, tmp_path):
    from land_cover_xai_plugin.processing_provider.algorithms.train_algorithm import MASK_RULES

    train(tiny_stack, field_polygons, tmp_path / "default.lcx")
    assert load_model(str(tmp_path / "default.lcx")).validity == TrainConfig().validity
    train(tiny_stack, field_polygons, tmp_path / "off.lcx", MASK_CLOUDY_DATES=False, GRID_STEP_DAYS=60)
    off = load_model(str(tmp_path / "off.lcx"))
    assert off.validity.cloud_fraction_max is None and len(off.dates) == 2  # 07-11 and 09-09: every 60 days
    clear = write_scl(tmp_path / "clear.tif", tiny_stack, 0)  # Fmask 0: clear land
    train(tiny_stack, field_polygons, tmp_path / "masks.lcx", CLOUD_FRACTION_MAX=0.3, MASKS=[clear],
          MASK_RULE=MASK_RULES.index("fmask"))
    masked = load_model(str(tmp_path / "masks.lcx"))
    assert masked.validity.cloud_fraction_max == 0.3 and masked.validity.mask_rule.name == "fmask"
    assert masked.report["config"]["validity"]["mask_paths"] == [clear]
    # the masks are read: every observation marked as cloud (Fmask 4) leaves no pixel to train on
    from qgis.core import QgsProcessingException

    cloud = write_scl(tmp_path / "cloud.tif", tiny_stack, 4)
    with pytest.raises(QgsProcessingException, match="observed dates"):
        train(tiny_stack, field_polygons, tmp_path / "cloudy.lcx", MASKS=[cloud], MASK_RULE=MASK_RULES.index("fmask"))
