"""French complete: with QGIS in French, nothing a user can read is English.

One classify + explain run of the bundled sample in a French session, then every text a user can see is
collected (the dock's tabs, the pixel window and its plots, the presenter and a pixel's story, the run's layer
names, legends and tooltips, the validation report as HTML and as a figure, the Processing algorithms' help)
and searched for English words (``ENGLISH``). Band codes, acronyms and proper nouns are allowed (``ALLOWED``);
numbers, file names and the user's own data names (the stack's file name) are not words of the interface.
"""
from __future__ import annotations

import html as html_lib
import re
from pathlib import Path

import pytest
from qgis.core import QgsApplication, QgsProject
from qgis.PyQt.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QTableWidget,
    QTabWidget,
    QTextBrowser,
    QWidget,
)

pytest.importorskip("torch")
pytest.importorskip("captum")

import land_cover_xai_plugin
from land_cover_xai_plugin.gui import i18n
from tests.qgis_locale import qgis_language

SAMPLE = Path(land_cover_xai_plugin.__file__).resolve().parent / "sample_data"
METHODS = ("probabilities", "uncertainty", "gradcam", "attention", "occlusion_dates")

# words that are English and not French (French shares "date", "image", "pixel", "description", "occlusion"...)
ENGLISH = set("""
the and of with without for from this that these those which when where what how why is are was were be been
not no yes by per into onto only also than then there it its you your our their has have had can could
should would will shall may might must does done
class band bands map maps model models probability probabilities explanation explanations predicted
prediction accuracy layer layers field fields stack stacks training train trained run running runs file files
folder choose select click open save cancel show load loading error warning check checked quality passes
fails failed measured mean value values cloud clouds cloudy missing bright reflectance confidence uncertainty
entropy margin target reference user producer users producers area areas estimated mapped sample samples output
outputs input inputs method methods evidence gates gate integrated overall agreement report help settings
device threads size epochs epoch seed learning weights weight split folds fold random forest grassland
shrubland cultivated land artificial water wetland bare soil cropland urban season time series grid day days
step masked mask masks rule rules unknown none all any other others each every first last next previous more
less most least january february march april june july august september october november december
jan feb mar apr jun jul aug sep oct nov dec
""".split())
# proper nouns, acronyms and band codes that are the same in French (compared in lower case)
ALLOWED = {"grad", "cam", "shap", "qgis", "sentinel", "gdal", "torch", "pytorch", "captum", "mlp", "tempcnn",
           "shapley", "gradientshap", "nir", "swir", "geotiff", "csv", "html", "png", "json", "xai", "ig", "lcx",
           "theia", "fmask", "scl", "olofsson", "cohen", "kappa", "f1", "cuda", "cpu", "gpu", "mps"}
# technical names kept in French texts too
TERMS = re.compile(r"squeeze-and-excitation|\b\w+_\w+\b|\bBand \d+: |\((?:Gray|Palette)\)$", re.MULTILINE)
QGIS_WIDGETS = {"QgsFileWidget", "QgsMapLayerComboBox", "QgsFieldComboBox", "QgsProjectionSelectionWidget"}
WORD = re.compile(r"[A-Za-zÀ-ÿ]+")
NOT_WORDS = re.compile(r"(?:[\w.-]*[/\\][\w./\\-]+)|(?:\b[\w-]+\.(?:tif|tiff|gpkg|lcx|csv|html|png|json|qml|shp|"
                       r"py|zip|txt)\b)|(?:https?://\S+)|(?:\bB\d{1,2}A?\b)|(?:\{[^}]*\})", re.IGNORECASE)


PRODUCT = re.compile(r"Land Cover XAI", re.IGNORECASE)  # the plugin's name, the same in every language


def english_words(text: str) -> list[str]:
    """The English words of a user-visible text (HTML tags, paths, file names, URLs, band codes, the plugin's
    name and values to type, quoted « like this », left out)."""
    # values to type, as typed: <code>...</code>, and a single word in italics (<i>predicted</i>)
    text = re.sub(r"<code>.*?</code>|<i>\w+</i>", " ", str(text), flags=re.DOTALL)
    text = html_lib.unescape(re.sub(r"<[^>]+>", " ", text))
    text = TERMS.sub(" ", PRODUCT.sub(" ", re.sub(r"«[^»]*»", " ", text)))
    text = NOT_WORDS.sub(" ", text)
    return [w for w in WORD.findall(text) if w.lower() in ENGLISH and w.lower() not in ALLOWED]


def findings(texts) -> list[str]:
    """'text  <- [words]' for each text with English words (each text once)."""
    out = []
    for text in dict.fromkeys(t for t in texts if t):
        words = english_words(text)
        if words:
            out.append(f"{text[:160]!r} <- {sorted(set(words))}")
    return out


def widget_texts(root: QWidget, skip_combos=()) -> list[str]:
    """Every text a user can read in ``root`` and its children: labels, buttons, group boxes, tabs, tooltips,
    combo items, placeholders, table headers and window titles (hidden tabs included)."""
    out = [root.windowTitle(), root.toolTip()]
    # QGIS's own composite widgets (file chooser, layer and field combos) speak QGIS's language: QGIS's
    # translation, not the plugin's, holds their inner texts
    for w in [root] + root.findChildren(QWidget):
        if _inside_qgis_widget(w):
            continue
        out += [w.toolTip(), w.whatsThis()]
        if isinstance(w, QLabel):
            out.append(w.text())
        elif isinstance(w, QAbstractButton):
            out.append(w.text())
        if isinstance(w, QGroupBox):
            out.append(w.title())
        if isinstance(w, QTabWidget):
            out += [w.tabText(i) for i in range(w.count())] + [w.tabToolTip(i) for i in range(w.count())]
        if isinstance(w, QComboBox) and w not in skip_combos and type(w).__name__ != "QgsMapLayerComboBox":
            out += [w.itemText(i) for i in range(w.count())]
            out += [str(w.itemData(i, 3) or "") for i in range(w.count())]  # 3 = Qt.ToolTipRole
        if isinstance(w, QLineEdit):
            out.append(w.placeholderText())
        if isinstance(w, QTextBrowser):
            out.append(w.toPlainText())
        if isinstance(w, QTableWidget):
            for i in range(w.columnCount()):
                item = w.horizontalHeaderItem(i)
                out.append(item.text() if item else "")
            for i in range(w.rowCount()):
                item = w.verticalHeaderItem(i)
                out.append(item.text() if item else "")
        dialog_title = getattr(w, "dialogTitle", None)
        if callable(dialog_title) and type(w).__name__ == "QgsFileWidget":
            out += [w.dialogTitle(), w.filter()]
    return [t for t in out if t]


def _inside_qgis_widget(widget) -> bool:
    """True for one of QGIS's composite widgets (QGIS_WIDGETS) or a widget inside one."""
    while widget is not None:
        if type(widget).__name__ in QGIS_WIDGETS:
            return True
        widget = widget.parentWidget()
    return False


def figure_texts(figure) -> list[str]:
    """Every text of a matplotlib figure once drawn: titles, axis labels, tick labels, legends, annotations."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import Text

    if figure.canvas is None or not hasattr(figure.canvas, "get_renderer"):
        FigureCanvasAgg(figure)
    figure.canvas.draw()
    return [t.get_text() for t in figure.findobj(Text) if t.get_visible() and t.get_text()]


@pytest.fixture(scope="module")
def french_session(qgis_iface, tmp_path_factory):
    """QGIS in French (the override a French user sets), the plugin's translator installed, a fresh project;
    yields a dict the tests fill with what they collected."""
    with qgis_language("fr_FR") as translator:
        assert translator is not None and i18n.ui_language() == "fr"
        QgsProject.instance().clear()
        from land_cover_xai_plugin.gui.dock import LandCoverXaiDock

        dock = LandCoverXaiDock(qgis_iface)
        state = {"dock": dock, "tmp": tmp_path_factory.mktemp("french")}
        try:
            yield state
        finally:
            dock.shutdown()
            dock.deleteLater()
            QgsProject.instance().clear()


@pytest.fixture(scope="module")
def french_run(french_session):
    """The bundled sample classified and explained (METHODS) from the dock, in French."""
    from pytest_qgis.utils import wait_until

    dock = french_session["dock"]
    dock.classify_panel.out_folder.setFilePath(str(french_session["tmp"] / "resultats"))
    outcome = []
    dock.classify_panel.run_finished.connect(outcome.append)
    task = dock.run_demo(METHODS)
    assert task is not None, dock.classify_panel.problems()
    wait_until(lambda: bool(outcome), timeout_milliseconds=180_000)
    assert outcome == ["success"], dock.classify_panel.status_label.text()
    french_session["layers"] = dict(dock.classify_panel.last_layers)
    return french_session


def test_the_dock_speaks_only_french_on_every_tab(french_run):
    dock = french_run["dock"]
    texts = widget_texts(dock)
    assert {"Classer", "Entraîner", "Valider"} <= set(texts), "the dock lacks a tab"  # the walk reads the tabs
    bar = [item.text() for item in french_run["dock"].iface.messageBar().items()] \
        if hasattr(french_run["dock"].iface.messageBar(), "items") else []
    found = findings(texts + bar)
    assert not found, "English in the dock:\n" + "\n".join(found)


def test_the_run_layers_their_legends_and_tooltips_are_french(french_run):
    from qgis.core import QgsLayerTreeLayer, QgsMapLayerLegendUtils

    root = QgsProject.instance().layerTreeRoot()
    texts = []
    for layer in french_run["layers"].values():
        node = root.findLayer(layer.id())
        assert isinstance(node, QgsLayerTreeLayer)
        texts += [layer.name(), layer.metadata().abstract(), node.parent().name()]
        legend_nodes = layer.legend().createLayerTreeModelLegendNodes(node)
        QgsMapLayerLegendUtils.applyLayerNodeProperties(node, legend_nodes)  # the labels the layer tree shows
        texts += [str(n.data(0) or "") for n in legend_nodes]  # 0 = Qt.DisplayRole
    assert len(texts) > 3 * len(METHODS)
    found = findings(texts)
    assert not found, "English in the run's layers and legends:\n" + "\n".join(found)


def test_the_pixel_window_and_its_plots_are_french(french_run):
    from pytest_qgis.utils import wait_until

    dock = french_run["dock"]
    dock.activate_pixel_tool()
    tool = dock.pixel_tool
    class_map = french_run["layers"]["prediction"]
    extent = class_map.extent()
    from qgis.core import QgsPointXY

    point = QgsPointXY(extent.xMinimum() + 50.5 * class_map.rasterUnitsPerPixelX(),
                       extent.yMaximum() - 50.5 * class_map.rasterUnitsPerPixelY())
    task = tool.explain_map_point(point)
    assert task is not None, tool.last_message
    wait_until(lambda: tool.last_data is not None or (tool.last_message or ""), timeout_milliseconds=120_000)
    assert tool.last_data is not None, tool.last_message
    panel = tool.dialog.panel
    texts = widget_texts(tool.dialog)
    if panel.figure is not None:
        texts += figure_texts(panel.figure)
    assert len(texts) > 10
    found = findings(texts)
    assert not found, "English in the pixel window:\n" + "\n".join(found)


def test_the_presenter_and_a_pixel_story_are_french(french_run):
    from pytest_qgis.utils import wait_until

    from land_cover_xai_plugin.gui.presenter.window import CLASSES, EXPLANATION, PHOTO

    window = french_run["dock"].open_presenter()
    try:
        assert window.layers, "the presenter did not take the French run's layers"
        texts = []
        for mode in (PHOTO, EXPLANATION, CLASSES):
            window.set_mode(mode)
            texts += widget_texts(window)
        window.date_slider.setValue(1)  # a cloudy date
        texts.append(window.date_label.text())
        window.explain(50, 50)
        wait_until(lambda: window.task is None and window.last_facts is not None, timeout_milliseconds=120_000)
        texts += widget_texts(window)
        here = window.new_round()
        texts += widget_texts(window)
        window.guess(here.truth_id)
        wait_until(lambda: window.task is None and "terrain" in window.story_label.text(),
                   timeout_milliseconds=120_000)
        texts += widget_texts(window)
        assert "juillet" in " ".join(texts)
        found = findings(texts)
        assert not found, "English in the presenter:\n" + "\n".join(found)
    finally:
        window.close()


def test_the_validation_report_html_and_figure_are_french(french_run):
    from pytest_qgis.utils import wait_until
    from qgis.core import QgsVectorLayer

    dock = french_run["dock"]
    panel = dock.validate_panel
    field = QgsVectorLayer(str(SAMPLE / "lulc_field_polygons.gpkg"), "terrain", "ogr")
    assert field.isValid()
    QgsProject.instance().addMapLayer(field)
    panel.map_combo.setLayer(french_run["layers"]["prediction"])
    panel.field_layer_combo.setLayer(field)
    panel.class_field_combo.setField("LULC_ID")
    panel.start_validation()
    wait_until(lambda: panel.report is not None or not panel.is_running(), timeout_milliseconds=60_000)
    assert panel.report is not None, panel.summary_label.text()
    texts = widget_texts(panel)
    html_path = panel.export_html(str(french_run["tmp"] / "rapport.html"))
    page = Path(html_path).read_text(encoding="utf-8")
    texts.append(re.sub(r"<style>.*?</style>", " ", page, flags=re.DOTALL))  # the CSS is not read by anyone
    texts += _report_figure_texts(panel.report)
    found = findings(texts)
    assert not found, "English in the validation report:\n" + "\n".join(found)


def _report_figure_texts(report) -> list[str]:
    """The texts of the report's figure, as the engine draws it (matplotlib) with the Validate tab's words."""
    import matplotlib.figure

    from land_cover_xai_plugin.engine.accuracy import validation

    figures = []
    original = matplotlib.figure.Figure.savefig

    def keep(self, *args, **kwargs):
        figures.append(self)
        return original(self, *args, **kwargs)

    matplotlib.figure.Figure.savefig = keep
    try:
        validation._figure_png(report, i18n.report_texts())
    finally:
        matplotlib.figure.Figure.savefig = original
    return [t for fig in figures for t in figure_texts(fig)]


def test_the_processing_algorithms_help_is_french(french_session):
    from land_cover_xai_plugin.processing_provider.provider import LandCoverXaiProvider

    provider = LandCoverXaiProvider()
    QgsApplication.processingRegistry().addProvider(provider)
    try:
        texts = [provider.name(), provider.longName()]
        algorithms = provider.algorithms()
        assert len(algorithms) >= 4
        for alg in algorithms:
            texts += [alg.displayName(), alg.group(), alg.shortHelpString()]
            alg = alg.create()
            alg.initAlgorithm({})
            for parameter in alg.parameterDefinitions():
                texts += [parameter.description(), parameter.help() if hasattr(parameter, "help") else ""]
                options = getattr(parameter, "options", None)
                if callable(options):
                    texts += [str(o) for o in options()]
            texts += [out.description() for out in alg.outputDefinitions()]
        found = findings(texts)
        assert not found, "English in the Processing help:\n" + "\n".join(found)
    finally:
        QgsApplication.processingRegistry().removeProvider(provider)


def test_the_detector_finds_english_and_lets_french_proper_nouns_and_paths_through():
    assert english_words("SHAP by band (class bands)") == ["by", "band", "class", "bands"]
    assert english_words("Explained on 11 July") == ["July"]
    assert not english_words("Carte des classes — Grad-CAM (classe prédite), B04, NIR, Sentinel-2, QGIS, Land Cover XAI")
    assert not english_words("Écrit : /tmp/the_map/prediction.tif, model.lcx")
    assert not english_words("<b>Forêt</b> : probabilité 0,98 ; {name} ; <code>predicted</code>")
    # QGIS's own words around a band description ("Band 1: ... (Gray)") are QGIS's translation, not ours
    assert english_words("Band 1: class id (Palette)") == ["class"]
