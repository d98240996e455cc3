"""QGIS startup script for `make demo` (``qgis --code scripts/open_demo_layers.py``).

Adds the bundled Sentinel-2 sample (true colour) and the demo outputs of LCX_DEMO_DIR as styled layers in
one group, opens the plugin's dock and zooms to the sample.
"""
import os
import traceback
from pathlib import Path

from qgis.core import QgsProject
from qgis.PyQt.QtCore import QTimer
from qgis.utils import iface, plugins

OUT = Path(os.environ.get("LCX_DEMO_DIR", "demo-output"))
MODEL = os.environ.get("LCX_DEMO_MODEL", "")


def open_layers():
    from land_cover_xai_plugin.engine.models.model_file import load_model
    from land_cover_xai_plugin.gui.layers import add_outputs

    plugin = plugins.get("land_cover_xai_plugin")
    if plugin is not None and plugin.dock is not None:
        plugin.dock.show()
        stack = plugin.dock.classify_panel.add_sample_to_map()
        node = QgsProject.instance().layerTreeRoot().findLayer(stack.id())
        if node is not None:
            node.setExpanded(False)
    from land_cover_xai_plugin.engine.jobs import describe_folder

    # the outputs scripts/demo.sh asked the CLI for, described by the engine (kinds, titles, styles)
    outputs = describe_folder(load_model(MODEL), {"gradcam", "attention", "probabilities"}, "predicted", str(OUT))
    _, layers = add_outputs(outputs, "Land Cover XAI — demo")
    if layers:
        canvas = iface.mapCanvas()
        canvas.setExtent(next(iter(layers.values())).extent())
        canvas.refresh()


def guarded():
    try:
        open_layers()
    except Exception:  # noqa: BLE001 - a startup script has nowhere else to report
        iface.messageBar().pushCritical("Land Cover XAI", traceback.format_exc(limit=3))


QTimer.singleShot(500, guarded)
