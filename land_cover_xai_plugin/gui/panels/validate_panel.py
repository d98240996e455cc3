"""The dock's Validate tab: accuracy of a class map against field data.

Inputs: the class map (a raster layer), the field data (polygons or points) and its class field (and an
optional class-name field). Validate runs ``engine.jobs.run_validate_job`` in a ``tasks.ValidateTask``.
Shown: overall accuracy, kappa, macro-F1; the confusion matrix as a table (rows = reference, columns =
map) and as a picture; per-class user's / producer's accuracy and F1; the area-adjusted estimates of
Olofsson et al. (2014) with 95 % confidence intervals. Export CSV / HTML writes the engine's reports.
"""
from __future__ import annotations

import math
import os
import tempfile
from typing import Optional

import numpy as np
from qgis.core import Qgis, QgsApplication
from qgis.gui import QgsFieldComboBox, QgsMapLayerComboBox
from qgis.PyQt.QtCore import QCoreApplication, Qt
from qgis.PyQt.QtGui import QBrush, QColor, QIcon, QPixmap
from qgis.PyQt.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ...engine.errors import LcxError
from ..feedback import push_message, slot_boundary
from ..layer_sources import layer_filter, raster_layer_path, vector_layer_source
from .field_data import guess_class_field


def tr(text: str) -> str:
    return QCoreApplication.translate("ValidatePanel", text)


def _fmt(value, digits: int = 3) -> str:
    try:
        value = float(value)
    except (TypeError, ValueError):
        return "–"
    return "–" if math.isnan(value) else f"{value:.{digits}f}"


def _pm(value, half, digits: int = 3) -> str:
    text = _fmt(value, digits)
    if text == "–":
        return text
    half_text = _fmt(half, digits)
    return text if half_text == "–" else f"{text} ± {half_text}"


def _align_right(item: QTableWidgetItem) -> None:
    flags = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
    try:
        item.setTextAlignment(flags)  # Qt 6
    except TypeError:
        item.setTextAlignment(int(flags))  # PyQt 5 wants an int


def _swatch(color: str) -> QIcon:
    pixmap = QPixmap(14, 14)
    pixmap.fill(QColor(color))
    return QIcon(pixmap)


class ValidatePanel(QWidget):
    """Validate tab. ``report`` holds the last AccuracyReport; ``export_csv(path)`` / ``export_html(path)``
    write it (the buttons ask for the path with a file dialog)."""

    def __init__(self, iface, parent=None):
        super().__init__(parent)
        self.setObjectName("ValidatePanel")
        self.iface = iface
        self.task = None  # keep a reference: an unreferenced QgsTask never runs
        self._task_finished = True
        self.report = None
        self.last_error: Optional[str] = None
        self._deps_ok = True
        self._figure_dir = tempfile.mkdtemp(prefix="lcx-validate-")

        layout = QVBoxLayout(self)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.map_combo = QgsMapLayerComboBox(self)
        self.map_combo.setObjectName("classMapLayer")
        self.map_combo.setFilters(layer_filter("raster"))
        self.map_combo.setAllowEmptyLayer(True)
        self.map_combo.setToolTip(tr("The classification raster (one band of class ids), e.g. prediction.tif."))
        form.addRow(tr("Class map"), self.map_combo)
        self.field_layer_combo = QgsMapLayerComboBox(self)
        self.field_layer_combo.setObjectName("fieldLayer")
        self.field_layer_combo.setFilters(layer_filter("vector"))
        self.field_layer_combo.setAllowEmptyLayer(True)
        form.addRow(tr("Field data"), self.field_layer_combo)
        self.class_field_combo = QgsFieldComboBox(self)
        self.class_field_combo.setObjectName("classField")
        form.addRow(tr("Class field"), self.class_field_combo)
        self.name_field_combo = QgsFieldComboBox(self)
        self.name_field_combo.setObjectName("nameField")
        self.name_field_combo.setAllowEmptyFieldName(True)
        form.addRow(tr("Class name field"), self.name_field_combo)
        layout.addLayout(form)

        buttons = QHBoxLayout()
        self.validate_button = QPushButton(tr("Validate"), self)
        self.validate_button.setObjectName("validateButton")
        self.validate_button.clicked.connect(lambda *_: self._on_validate_clicked())
        self.csv_button = QPushButton(tr("Export CSV…"), self)
        self.csv_button.setObjectName("exportCsvButton")
        self.csv_button.clicked.connect(self._ask_csv)
        self.html_button = QPushButton(tr("Export HTML…"), self)
        self.html_button.setObjectName("exportHtmlButton")
        self.html_button.clicked.connect(self._ask_html)
        buttons.addWidget(self.validate_button, 1)
        buttons.addWidget(self.csv_button)
        buttons.addWidget(self.html_button)
        layout.addLayout(buttons)

        self.summary_label = QLabel(self)
        self.summary_label.setObjectName("summaryLabel")
        self.summary_label.setWordWrap(True)
        self.summary_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.summary_label)

        self.tabs = QTabWidget(self)
        self.matrix_table = self._table("confusionMatrix")
        self.tabs.addTab(self.matrix_table, tr("Confusion matrix"))
        self.class_table = self._table("perClass")
        self.tabs.addTab(self.class_table, tr("Per class"))
        self.area_table = self._table("areaAdjusted")
        self.tabs.addTab(self.area_table, tr("Area-adjusted"))
        self.figure_label = QLabel(self)
        self.figure_label.setObjectName("matrixFigure")
        self.figure_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.figure_label)
        self.tabs.addTab(scroll, tr("Picture"))
        layout.addWidget(self.tabs, 1)
        self.notes_label = QLabel(self)
        self.notes_label.setObjectName("notesLabel")
        self.notes_label.setWordWrap(True)
        layout.addWidget(self.notes_label)

        self.field_layer_combo.layerChanged.connect(self._on_field_layer_changed)
        self._on_field_layer_changed(self.field_layer_combo.currentLayer())
        self._update_buttons()

    def _table(self, name: str) -> QTableWidget:
        table = QTableWidget(self)
        table.setObjectName(name)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        table.setMinimumHeight(160)
        return table

    def _on_field_layer_changed(self, layer) -> None:
        self.class_field_combo.setLayer(layer)
        self.name_field_combo.setLayer(layer)
        if layer is not None:
            self.name_field_combo.setField("")
            guess = guess_class_field(layer)
            if guess:
                self.class_field_combo.setField(guess)

    # --- running ------------------------------------------------------------------------------------------
    def build_job(self):
        """The ValidateJob for the current inputs; LcxError with a user message when something is missing."""
        from ...engine.jobs import ValidateJob

        map_layer = self.map_combo.currentLayer()
        if map_layer is None:
            raise LcxError(tr("Choose the class map (classification raster) to validate."))
        field_layer = self.field_layer_combo.currentLayer()
        if field_layer is None:
            raise LcxError(tr("Choose the field-data layer (polygons or points with a class field)."))
        class_field = self.class_field_combo.currentField()
        if not class_field:
            raise LcxError(tr("Choose the field that holds the class in layer '{name}'.").format(
                name=field_layer.name()))
        path, layer_name = vector_layer_source(field_layer)
        return ValidateJob(classification_path=raster_layer_path(map_layer), field_data_path=path,
                           class_field=class_field, layer=layer_name,
                           name_field=self.name_field_combo.currentField() or None)

    def is_running(self) -> bool:
        """True from Validate until the task's end has been shown (GUI thread)."""
        return self.task is not None and not self._task_finished

    @slot_boundary("Validation")
    def _on_validate_clicked(self) -> None:
        self.start_validation()

    def start_validation(self):
        """Start the validation task; returns it (None when an input is missing: the message says which)."""
        if self.is_running():
            return self.task
        self.last_error = None
        try:
            job = self.build_job()
        except LcxError as exc:
            self._show_error(str(exc))
            return None
        from ..tasks import ValidateTask

        self.summary_label.setText(tr("Comparing the class map with the field data…"))
        task = ValidateTask(job, iface=self.iface, title=tr("Validation"))
        task.succeeded.connect(self._on_succeeded)
        task.failed.connect(self._on_failed)
        task.canceled_by_user.connect(self._on_cancelled)
        self.task = task
        self._task_finished = False
        self._update_buttons(running=True)
        QgsApplication.taskManager().addTask(task)
        return task

    @slot_boundary("Validation")
    def _on_succeeded(self, report) -> None:
        self._task_finished = True
        self.show_report(report)

    def _on_failed(self, message: str) -> None:
        self._task_finished = True
        self.report = None
        self._show_error(message, push=False)  # the task pushed it to the message bar
        self._update_buttons()

    def _on_cancelled(self) -> None:
        self._task_finished = True
        self.summary_label.setText(tr("Validation cancelled."))
        self._update_buttons()

    def _update_buttons(self, running: bool = False) -> None:
        self.validate_button.setEnabled(not running and self._deps_ok)
        has = self.report is not None
        self.csv_button.setEnabled(has and not running)
        self.html_button.setEnabled(has and not running)

    def _show_error(self, message: str, push: bool = True) -> None:
        self.last_error = message
        self.summary_label.setText(message)
        if push:
            push_message(self.iface, tr("Validation"), message, Qgis.MessageLevel.Warning)

    # --- showing ------------------------------------------------------------------------------------------
    def show_report(self, report) -> None:
        """Fill the summary, the tables and the picture from an AccuracyReport."""
        self.report = report
        summary = tr("{n} reference pixels. Overall accuracy {oa}, κ {kappa}, macro-F1 {f1}.").format(
            n=int(report.n_samples), oa=_fmt(report.overall_accuracy), kappa=_fmt(report.kappa),
            f1=_fmt(report.macro_f1))
        area = report.area_adjusted
        if area is not None:
            summary += " " + tr("Area-adjusted overall accuracy {oa} (95 % CI).").format(
                oa=_pm(area.overall_accuracy, area.overall_accuracy_ci95))
        self.summary_label.setText(summary)
        self._fill_matrix(report)
        self._fill_per_class(report)
        self._fill_area(report)
        self._fill_figure(report)
        self.notes_label.setText("\n".join(report.notes or []))
        self._update_buttons()

    def _label(self, report, cid) -> str:
        return f"{report.name_of(cid)} ({cid})"

    def _fill_matrix(self, report) -> None:
        m = np.asarray(report.matrix)
        k = len(report.class_ids)
        labels = [self._label(report, c) for c in report.class_ids]
        t = self.matrix_table
        t.clear()
        t.setRowCount(k + 1)
        t.setColumnCount(k + 1)
        t.setHorizontalHeaderLabels([tr("map: {label}").format(label=lab) for lab in labels] + [tr("total")])
        t.setVerticalHeaderLabels([tr("reference: {label}").format(label=lab) for lab in labels] + [tr("total")])
        row_sums = m.sum(axis=1)
        for r in range(k + 1):
            for c in range(k + 1):
                if r < k and c < k:
                    value = int(m[r, c])
                elif r < k:
                    value = int(row_sums[r])
                elif c < k:
                    value = int(m[:, c].sum())
                else:
                    value = int(m.sum())
                item = QTableWidgetItem(str(value))
                _align_right(item)
                if r < k and c < k and row_sums[r] > 0 and value:
                    share = value / row_sums[r]
                    colour = QColor(66, 146, 198) if r == c else QColor(214, 96, 77)
                    colour.setAlphaF(0.15 + 0.6 * share)
                    item.setBackground(QBrush(colour))
                t.setItem(r, c, item)

    def _fill_per_class(self, report) -> None:
        headers = [tr("class"), tr("user's accuracy"), tr("producer's accuracy"), tr("F1"), tr("reference pixels"),
                   tr("map pixels")]
        t = self.class_table
        t.clear()
        t.setColumnCount(len(headers))
        t.setHorizontalHeaderLabels(headers)
        t.setRowCount(len(report.class_ids))
        for k, cid in enumerate(report.class_ids):
            values = [self._label(report, cid), _fmt(report.users_accuracy[k]), _fmt(report.producers_accuracy[k]),
                      _fmt(report.f1[k]), str(int(report.support[k])), str(int(report.map_count[k]))]
            for c, text in enumerate(values):
                item = QTableWidgetItem(text)
                if c == 0 and int(cid) in (report.class_colors or {}):
                    item.setIcon(_swatch(report.class_colors[int(cid)]))
                t.setItem(k, c, item)

    def _fill_area(self, report) -> None:
        t = self.area_table
        t.clear()
        area = report.area_adjusted
        if area is None:
            t.setRowCount(1)
            t.setColumnCount(1)
            t.setHorizontalHeaderLabels([tr("area-adjusted estimates")])
            t.setItem(0, 0, QTableWidgetItem(tr("Not available: the class map's areas are unknown.")))
            return
        u = area.area_unit
        headers = [tr("class"), tr("mapped area ({unit})").format(unit=u),
                   tr("estimated area ({unit}) ± 95 % CI").format(unit=u), tr("user's accuracy ± 95 % CI"),
                   tr("producer's accuracy ± 95 % CI")]
        t.setColumnCount(len(headers))
        t.setHorizontalHeaderLabels(headers)
        t.setRowCount(len(report.class_ids))
        digits = 2 if u != "pixels" else 0
        for k, cid in enumerate(report.class_ids):
            values = [self._label(report, cid), _fmt(area.mapped_area[k], digits),
                      _pm(area.estimated_area[k], area.area_ci95[k], digits),
                      _pm(area.users_accuracy[k], area.users_accuracy_ci95[k]),
                      _pm(area.producers_accuracy[k], area.producers_accuracy_ci95[k])]
            for c, text in enumerate(values):
                t.setItem(k, c, QTableWidgetItem(text))

    def _fill_figure(self, report) -> None:
        from ...engine.accuracy.validation import confusion_matrix_figure  # matplotlib Agg, no Qt

        path = os.path.join(self._figure_dir, "confusion_matrix.png")
        confusion_matrix_figure(report, path)
        pixmap = QPixmap(path)
        self.figure_label.setPixmap(pixmap)

    # --- exports ------------------------------------------------------------------------------------------
    def export_csv(self, path: str) -> str:
        """Write the report as CSV to ``path`` (the engine's writer); returns the path."""
        from ...engine.accuracy.validation import write_report_csv

        if self.report is None:
            raise LcxError(tr("Run the validation first."))
        return write_report_csv(self.report, path)

    def export_html(self, path: str) -> str:
        """Write the report as HTML to ``path`` (the engine's writer); returns the path."""
        from ...engine.accuracy.validation import write_report_html

        if self.report is None:
            raise LcxError(tr("Run the validation first."))
        return write_report_html(self.report, path)

    def _ask_csv(self) -> None:
        self._ask_and_export(tr("Export the accuracy report as CSV"), tr("CSV (*.csv)"), ".csv", self.export_csv)

    def _ask_html(self) -> None:
        self._ask_and_export(tr("Export the accuracy report as HTML"), tr("HTML (*.html)"), ".html",
                             self.export_html)

    @slot_boundary("Validation")
    def _ask_and_export(self, title: str, file_filter: str, suffix: str, writer) -> None:
        path, _ = QFileDialog.getSaveFileName(self, title, "", file_filter)
        if not path:
            return
        if not path.lower().endswith(suffix):
            path += suffix
        try:
            writer(path)
        except (LcxError, OSError) as exc:
            self._show_error(str(exc))
            return
        push_message(self.iface, tr("Validation"), tr("Report written: {path}").format(path=path),
                     Qgis.MessageLevel.Success, 5)

    # --- dock hooks ---------------------------------------------------------------------------------------
    def set_dependencies_ok(self, ok: bool) -> None:
        """Validation needs neither torch nor captum: the flag changes nothing here."""
        self._deps_ok = True  # validation needs neither torch nor captum

    def shutdown(self) -> None:
        """Cancel a running validation (plugin unload)."""
        if self.is_running():
            self.task.cancel()
