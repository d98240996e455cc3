"""Processing provider 'land_cover_xai': the engine's jobs for the Toolbox, batch mode, the
graphical modeller and qgis_process."""
from __future__ import annotations

from pathlib import Path

from qgis.core import QgsProcessingProvider
from qgis.PyQt.QtCore import QCoreApplication
from qgis.PyQt.QtGui import QIcon

ICON = Path(__file__).resolve().parent.parent / "resources" / "icon.svg"


class LandCoverXaiProvider(QgsProcessingProvider):
    def id(self):
        return "land_cover_xai"

    def name(self):
        return "Land Cover XAI"

    def icon(self):
        return QIcon(str(ICON))

    def loadAlgorithms(self):
        for algorithm in self._algorithms():
            self.addAlgorithm(algorithm)

    def longName(self):
        return QCoreApplication.translate("LandCoverXaiProvider",
                                          "Land Cover XAI (Sentinel-2 time series classification and explanation)")

    # The engine writes GeoTIFF only; offering just .tif makes the destination widgets, batch mode and
    # qgis_process choose .tif, and QGIS refuses other extensions before the algorithm starts.
    def supportedOutputRasterLayerExtensions(self):
        return ["tif"]

    def defaultRasterFileExtension(self):
        return "tif"

    def _algorithms(self):
        from .algorithms.classify_algorithm import ClassifyAlgorithm
        from .algorithms.explain_algorithm import ExplainAlgorithm
        from .algorithms.train_algorithm import TrainAlgorithm
        from .algorithms.validate_algorithm import ValidateAlgorithm

        return [TrainAlgorithm(), ClassifyAlgorithm(), ExplainAlgorithm(), ValidateAlgorithm()]
