"""The plugin loads in the real QGIS and unload() leaves nothing behind."""
from __future__ import annotations

from qgis.core import QgsApplication
from qgis.PyQt.QtWidgets import QDockWidget

import land_cover_xai_plugin


def provider_ids():
    return {p.id() for p in QgsApplication.processingRegistry().providers()}


def test_class_factory_init_gui_and_unload(qgis_iface):
    plugin = land_cover_xai_plugin.classFactory(qgis_iface)
    plugin.initGui()
    try:
        assert plugin.action is not None and plugin.action.text()
        assert isinstance(plugin.dock, QDockWidget)
        assert plugin.dock.objectName() == "LandCoverXaiDock"
        assert "land_cover_xai" in provider_ids()
    finally:
        plugin.unload()
    assert plugin.dock is None and plugin.action is None and plugin.provider is None
    assert "land_cover_xai" not in provider_ids()


def test_plugin_can_be_loaded_twice(qgis_iface):
    """A reload (Plugin Reloader, or disable/enable) must not register the provider twice."""
    for _ in range(2):
        plugin = land_cover_xai_plugin.classFactory(qgis_iface)
        plugin.initGui()
        plugin.unload()
    assert "land_cover_xai" not in provider_ids()
