"""Processing provider 'land_cover_xai': the engine's jobs for the Toolbox, batch mode, the
graphical modeller and qgis_process."""
from __future__ import annotations

from pathlib import Path

from qgis.core import QgsProcessingProvider
from qgis.PyQt.QtGui import QIcon

ICON = Path(__file__).resolve().parent.parent / "resources" / "icon.svg"


class LandCoverXaiProvider(QgsProcessingProvider):
    def id(self):
        return "land_cover_xai"

    def name(self):
        return "Land Cover XAI"

    def icon(self):
        return QIcon(str(ICON))

    def loadAlgorithms(self):  # noqa: N802 - name fixed by QGIS
        for algorithm in self._algorithms():
            self.addAlgorithm(algorithm)

    def _algorithms(self):
        return []
