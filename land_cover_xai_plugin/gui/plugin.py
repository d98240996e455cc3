"""The plugin object QGIS talks to: menu / toolbar action, dock, Processing provider.

Everything it adds in initGui()/initProcessing() it removes in unload(), so a plugin reload
leaves no dock, action, map tool or provider behind.
"""
from __future__ import annotations

from pathlib import Path

from qgis.core import QgsApplication
from qgis.PyQt.QtCore import QCoreApplication, Qt
from qgis.PyQt.QtGui import QIcon
from qgis.PyQt.QtWidgets import QAction

from .i18n import install_translator, remove_translator

PLUGIN_DIR = Path(__file__).resolve().parent.parent
MENU = "&Land Cover XAI"


def tr(text: str) -> str:
    return QCoreApplication.translate("LandCoverXai", text)


class LandCoverXaiPlugin:
    def __init__(self, iface):
        self.iface = iface
        self.translator = install_translator()
        self.action: QAction | None = None
        self.dock = None
        self.provider = None

    # QGIS calls initProcessing() for plugins whose metadata says hasProcessingProvider=yes,
    # also in qgis_process, where there is no GUI and initGui() is never called.
    def initProcessing(self):
        if self.provider is not None:
            return
        from ..processing_provider.provider import LandCoverXaiProvider

        self.provider = LandCoverXaiProvider()
        QgsApplication.processingRegistry().addProvider(self.provider)

    def initGui(self):
        from .dock import LandCoverXaiDock

        self.initProcessing()
        icon = QIcon(str(PLUGIN_DIR / "resources" / "icon.svg"))
        self.action = QAction(icon, tr("Land Cover XAI"), self.iface.mainWindow())
        self.action.setObjectName("landCoverXaiAction")
        self.action.setCheckable(True)
        self.action.setToolTip(tr("Classify land cover from a Sentinel-2 time series and explain it"))
        self.iface.addToolBarIcon(self.action)
        self.iface.addPluginToRasterMenu(MENU, self.action)

        self.dock = LandCoverXaiDock(self.iface, self.iface.mainWindow())
        self.dock.setObjectName("LandCoverXaiDock")
        self.iface.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
        self.dock.setToggleVisibilityAction(self.action)

    def unload(self):
        if self.dock is not None:
            self.dock.shutdown()
            self.iface.removeDockWidget(self.dock)
            self.dock.setParent(None)
            self.dock.deleteLater()
            self.dock = None
        if self.action is not None:
            self.iface.removePluginRasterMenu(MENU, self.action)
            self.iface.removeToolBarIcon(self.action)
            self.action.deleteLater()
            self.action = None
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
        remove_translator(self.translator)
        self.translator = None
