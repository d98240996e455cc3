"""Land Cover XAI — a QGIS plugin that classifies land cover from Sentinel-2 time series and shows why.

QGIS calls classFactory(iface). Nothing heavy (torch, captum, matplotlib) is imported here.
"""


def classFactory(iface):
    from .gui.plugin import LandCoverXaiPlugin

    return LandCoverXaiPlugin(iface)
