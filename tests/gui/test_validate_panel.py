"""Validate tab in the real QGIS: the sample's label raster against its own field polygons gives OA ≈ 1;
the tables, the picture and the CSV / HTML exports are filled from the report; missing inputs are named."""
from __future__ import annotations

import csv
from html.parser import HTMLParser

import pytest
from pytest_qgis.utils import wait_until
from qgis.core import QgsProject, QgsRasterLayer, QgsVectorLayer

from land_cover_xai_plugin.gui.panels.validate_panel import ValidatePanel
from tests.qgis_locale import qgis_language


@pytest.fixture()
def layers(qgis_app, sample_dir):
    project = QgsProject.instance()
    labels = QgsRasterLayer(str(sample_dir / "labels_lulc.tif"), "labels", "gdal")
    fields = QgsVectorLayer(str(sample_dir / "lulc_field_polygons.gpkg") + "|layername=LULC", "field data", "ogr")
    assert labels.isValid() and fields.isValid()
    project.addMapLayers([labels, fields])
    yield labels, fields
    project.removeMapLayers([labels.id(), fields.id()])


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)


def test_labels_against_their_polygons(qgis_iface, layers, tmp_path):
    labels, fields = layers
    panel = ValidatePanel(qgis_iface)
    panel.map_combo.setLayer(labels)
    panel.field_layer_combo.setLayer(fields)
    assert panel.class_field_combo.currentField() == "LULC_ID"  # guessed from the layer's fields
    panel.name_field_combo.setField("LULC_NAME")
    assert not panel.csv_button.isEnabled()
    task = panel.start_validation()
    assert task is not None
    assert wait_until(lambda: not panel.is_running(), timeout_milliseconds=30_000)
    assert task.outcome == "success", panel.summary_label.text()
    report = panel.report
    assert report is not None and report.overall_accuracy > 0.97
    assert "Overall accuracy" in panel.summary_label.text() and "κ" in panel.summary_label.text()

    k = len(report.class_ids)
    assert panel.matrix_table.rowCount() == k + 1 and panel.matrix_table.columnCount() == k + 1
    total = panel.matrix_table.item(k, k).text()
    assert int(total) == report.n_samples
    assert int(panel.matrix_table.item(0, 0).text()) == int(report.matrix[0][0])
    assert panel.class_table.rowCount() == k
    assert panel.area_table.rowCount() == k
    if report.area_adjusted is not None:
        assert "±" in panel.area_table.item(0, 2).text()
    assert panel.figure_label.pixmap() is not None and not panel.figure_label.pixmap().isNull()
    assert panel.csv_button.isEnabled() and panel.html_button.isEnabled()

    csv_path = panel.export_csv(str(tmp_path / "report.csv"))
    with open(csv_path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][0].startswith("Confusion matrix")
    summary = {r[0]: r[1] for r in rows if len(r) == 2}
    assert float(summary["overall_accuracy"]) == pytest.approx(report.overall_accuracy, abs=1e-6)

    html_path = panel.export_html(str(tmp_path / "report.html"))
    text = open(html_path, encoding="utf-8").read()
    parser = _Tags()
    parser.feed(text)
    assert "html" in parser.tags and "table" in parser.tags
    assert "Overall accuracy" in text or "overall accuracy" in text.lower()
    panel.shutdown()


def test_missing_inputs_are_named(qgis_iface, layers):
    labels, _fields = layers
    panel = ValidatePanel(qgis_iface)
    panel.map_combo.setLayer(None)
    assert panel.start_validation() is None and "class map" in panel.last_error
    panel.map_combo.setLayer(labels)
    panel.field_layer_combo.setLayer(None)
    assert panel.start_validation() is None and "field-data" in panel.last_error
    with pytest.raises(Exception, match="validation first"):
        panel.export_csv("/tmp/never.csv")


def _in_dock(panel, width=430, height=695):
    """The panel as the dock shows it: in the dock's scroll area, at the dock's usual width and the height the
    Validate tab gets on a 1600 x 1000 screen (measured under Xvfb: 695 px)."""
    from land_cover_xai_plugin.gui.dock import _scrolled

    area = _scrolled(panel, None)
    area.resize(width, height)
    area.show()
    return area


def _validated(qgis_iface, labels, fields):
    panel = ValidatePanel(qgis_iface)
    panel.map_combo.setLayer(labels)
    panel.field_layer_combo.setLayer(fields)
    panel.class_field_combo.setField("LULC_ID")
    panel.name_field_combo.setField("LULC_NAME")
    return panel


def test_whole_matrix_and_picture_fit_the_dock_without_scrolling(qgis_iface, qgis_app, sample_dir, field_polygons):
    labels = QgsRasterLayer(str(sample_dir / "labels_lulc.tif"), "labels", "gdal")
    fields = QgsVectorLayer(str(field_polygons) + "|layername=LULC", "field data", "ogr")
    QgsProject.instance().addMapLayers([labels, fields])
    try:
        panel = _validated(qgis_iface, labels, fields)
        area = _in_dock(panel)
        task = panel.start_validation()
        assert wait_until(lambda: not panel.is_running(), timeout_milliseconds=30_000)
        assert task.outcome == "success", panel.summary_label.text()
        qgis_app.processEvents()
        report = panel.report
        k = len(report.class_ids)
        table = panel.matrix_table
        assert panel.tabs.currentIndex() == 0 and table.isVisible() and panel.figure_label.isVisible()
        # every column of every class and the totals inside the table, every row shown
        columns = sum(table.columnWidth(c) for c in range(k + 1))
        assert table.verticalHeader().width() + columns + 2 * table.frameWidth() <= table.width()
        assert table.height() >= table.horizontalHeader().height() + sum(table.rowHeight(r) for r in range(k + 1))
        for c in range(k + 1):  # no cell text cut: each column is as wide as its widest number
            assert table.columnWidth(c) >= table.sizeHintForColumn(c)
        assert table.horizontalHeaderItem(0).text() == str(report.class_ids[0])
        assert report.name_of(report.class_ids[0]) in table.verticalHeaderItem(0).toolTip()
        # the picture whole (scaled, aspect kept) in the same tab, and no scroll bar in the dock
        shown, original = panel.figure_label.pixmap(), panel.figure_label.original()
        assert not original.isNull() and shown is not None and not shown.isNull()
        assert shown.width() <= panel.figure_label.width() and shown.height() <= panel.figure_label.height()
        assert abs(shown.width() / shown.height() - original.width() / original.height()) < 0.02
        assert shown.height() >= 90
        assert not area.verticalScrollBar().isVisible() and not area.horizontalScrollBar().isVisible()
        # full size: the whole matrix with full names and the picture at its own size, one window reused
        assert panel.full_size_button.isEnabled()
        dialog = panel.show_full_size()
        assert dialog is not None and dialog.isVisible()
        assert dialog.table.horizontalHeaderItem(0).text().startswith("map: ")
        assert dialog.table.verticalHeaderItem(0).text().startswith("reference: ")
        assert dialog.picture.pixmap().size() == original.size()
        assert panel.show_full_size() is dialog
        # a failed validation leaves no earlier figures
        panel._on_failed("the class map cannot be read")
        assert table.rowCount() == 0 and panel.figure_label.original().isNull() and panel.report is None
        assert not dialog.isVisible() and not panel.full_size_button.isEnabled()
        assert panel.summary_label.text() == "the class map cannot be read"
        panel.shutdown()
        area.hide()
    finally:
        QgsProject.instance().removeMapLayers([labels.id(), fields.id()])


def test_many_classes_keep_every_row_and_say_how_to_see_every_column(qgis_iface, qgis_app):
    import numpy as np

    from land_cover_xai_plugin.engine.accuracy.metrics import accuracy_report

    ids = list(range(1, 15))  # 14 classes: more columns than a dock's width holds
    rng = np.random.default_rng(1)
    truth = rng.choice(ids, size=20_000)
    predicted = np.where(rng.random(truth.size) < 0.8, truth, rng.choice(ids, size=truth.size))
    report = accuracy_report(truth, predicted, ids, {i: f"land cover type {i}" for i in ids})
    panel = ValidatePanel(qgis_iface)
    area = _in_dock(panel)
    panel.show_report(report)
    qgis_app.processEvents()
    table = panel.matrix_table
    assert table.rowCount() == table.columnCount() == len(ids) + 1
    assert not table.fits() and table.horizontalScrollBar().isVisible()
    # every row in view (the sideways scroll bar counted), long names shortened
    assert table.height() >= (table.horizontalHeader().height() + sum(table.rowHeight(r) for r in range(len(ids) + 1))
                              + table.horizontalScrollBar().height())
    assert "Full size" in panel.matrix_caption.text()
    dialog = panel.show_full_size()
    assert dialog.table.columnCount() == len(ids) + 1
    panel.shutdown()
    area.hide()


def test_the_reports_notes_are_shown_in_qgis_language(qgis_iface, sample_dir):
    """Real notes of the engine (validation on the training polygons; a class mapped but not in the reference)
    shown in the Validate tab with QGIS in French: translated, their values (counts, file names) kept."""
    from land_cover_xai_plugin.engine.accuracy.metrics import accuracy_report
    from land_cover_xai_plugin.engine.accuracy.provenance import labels_fingerprint, training_overlap

    polygons = str(sample_dir / "lulc_field_polygons.gpkg")
    overlap = training_overlap(labels_fingerprint(polygons, "LULC", "LULC_ID"), polygons, "LULC")
    assert overlap and overlap.startswith("Every validation feature")
    report = accuracy_report([1, 1, 2], [1, 2, 3], [1, 2, 3], {1: "forest", 2: "grassland", 3: "water"})
    report.notes.insert(0, overlap)
    assert any("is mapped but absent from the reference" in n for n in report.notes)
    with qgis_language("fr_FR"):
        panel = ValidatePanel(qgis_iface)
        try:
            panel.show_report(report)
            shown = panel.notes_label.text()
            rows = [panel.class_table.item(r, 0).text() for r in range(panel.class_table.rowCount())]
        finally:
            panel.shutdown()
            panel.deleteLater()
    assert "Toutes les entités de validation" in shown and "lulc_field_polygons.gpkg" in shown, shown
    assert "est cartographiée mais absente de la référence" in shown and "eau (3)" in shown, shown
    assert "Every" not in shown and "mapped" not in shown
    assert rows[0] == "forêt (1)", rows  # the class names as the dock shows them
