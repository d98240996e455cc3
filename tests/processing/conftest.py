"""Processing fixtures: the real QGIS Processing framework with the land_cover_xai provider, and a model
trained once per session through `processing.run("land_cover_xai:train", ...)` on the tiny sample."""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

QGIS_PYTHON_PLUGINS = "/usr/share/qgis/python/plugins"
TRAIN_EPOCHS = 2


@pytest.fixture(scope="session")
def processing_ready(qgis_app):
    """Processing initialised (native + Python providers) and our provider registered."""
    if QGIS_PYTHON_PLUGINS not in sys.path:
        sys.path.append(QGIS_PYTHON_PLUGINS)
    from processing.core.Processing import Processing
    from qgis.analysis import QgsNativeAlgorithms
    from qgis.core import QgsApplication

    registry = QgsApplication.processingRegistry()
    if registry.providerById("native") is None:
        registry.addProvider(QgsNativeAlgorithms())
    Processing.initialize()

    from land_cover_xai_plugin.processing_provider.provider import LandCoverXaiProvider

    provider = registry.providerById("land_cover_xai")
    added = None
    if provider is None:
        added = LandCoverXaiProvider()
        assert registry.addProvider(added)
        provider = added
    yield provider
    if added is not None:
        registry.removeProvider(added)


@pytest.fixture(scope="session")
def tiny_stack(sample_dir) -> str:
    return str(sample_dir / "tiny" / "s2_l1c_tiny.tif")


@pytest.fixture(scope="session")
def full_stack(sample_dir) -> str:
    return str(sample_dir / "s2_l1c_stack.tif")


@pytest.fixture(scope="session")
def field_polygons(sample_dir, tmp_path_factory) -> str:
    """A private copy of the sample's field polygons: QGIS opens a GeoPackage in update mode and would
    modify the bundled file (see tests/conftest.py)."""
    copy = tmp_path_factory.mktemp("field_data") / "lulc_field_polygons.gpkg"
    shutil.copyfile(sample_dir / "lulc_field_polygons.gpkg", copy)
    return str(copy)


class RecordingFeedback:
    """A QgsProcessingFeedback that keeps what the algorithm reported."""

    def __new__(cls):
        from qgis.core import QgsProcessingFeedback

        class _Recording(QgsProcessingFeedback):
            def __init__(self):
                super().__init__()
                self.infos: list[str] = []
                self.progress_values: list[float] = []
                self.progressChanged.connect(self.progress_values.append)

            def pushInfo(self, info):
                self.infos.append(info)
                super().pushInfo(info)

        return _Recording()


@pytest.fixture
def recording_feedback():
    return RecordingFeedback()


@pytest.fixture(scope="session")
def trained(processing_ready, tiny_stack, field_polygons, tmp_path_factory):
    """(results, feedback, model path): land_cover_xai:train, TempCNN, a few epochs on the tiny sample."""
    import processing

    out = tmp_path_factory.mktemp("train") / "tiny_model.lcx"
    feedback = RecordingFeedback()
    results = processing.run("land_cover_xai:train", {
        "INPUT": tiny_stack,
        "FIELD_DATA": field_polygons,
        "CLASS_FIELD": "LULC_ID",
        "NAME_FIELD": "LULC_NAME",
        "ARCHITECTURE": 2,  # TempCNN: fastest to train
        "EPOCHS": TRAIN_EPOCHS,
        "SEED": 3,
        "DEVICE": 1,  # cpu
        "OUTPUT_MODEL": str(out),
    }, feedback=feedback)
    return results, feedback, Path(results["OUTPUT_MODEL"])


@pytest.fixture(scope="session")
def train_epochs() -> int:
    return TRAIN_EPOCHS


@pytest.fixture(scope="session")
def model_path(trained) -> str:
    return str(trained[2])
