"""Validate tab in the real QGIS: the sample's label raster against its own field polygons gives OA ≈ 1;
the tables, the picture and the CSV / HTML exports are filled from the report; missing inputs are named."""
from __future__ import annotations

import csv
from html.parser import HTMLParser

import pytest
from pytest_qgis.utils import wait_until
from qgis.core import QgsProject, QgsRasterLayer, QgsVectorLayer

from land_cover_xai_plugin.gui.panels.validate_panel import ValidatePanel


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
