"""The dock's Validate tab: accuracy of a class map against field data.

Inputs: the class map (a raster layer), the field data (polygons or points) and its class field (and an
optional class-name field). Validate runs ``engine.jobs.run_validate_job`` in a ``tasks.ValidateTask``.
Shown: overall accuracy, kappa, macro-F1; the confusion matrix as a table (rows = reference, columns =
map) and as a picture; per-class user's / producer's accuracy and F1; the area-adjusted estimates of
Olofsson et al. (2014) with 95 % confidence intervals. Export CSV / HTML writes the engine's reports.

The matrix tab holds the whole matrix and its picture without scrolling in a dock of its usual width on a
1600 x 1000 screen: the columns are headed by class id (colour swatch, the name in the tooltip and in the row
headers), the table is as tall as its rows, and the picture is scaled to the room left (``FittedPicture``).
"Show full size…" opens both whole, with full class names (``FullSizeDialog``, one window reused).
"""
from __future__ import annotations

import math
import os
import tempfile
from typing import Optional

import numpy as np
from qgis.core import Qgis, QgsApplication
from qgis.gui import QgsFieldComboBox, QgsMapLayerComboBox
from qgis.PyQt.QtCore import QCoreApplication, QSize, Qt, pyqtSignal
from qgis.PyQt.QtGui import QBrush, QColor, QIcon, QPixmap
from qgis.PyQt.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ...engine.errors import LcxError
from .. import settings
from ..feedback import push_message, slot_boundary
from ..i18n import engine_text, report_class_name, report_texts
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


class FittedPicture(QLabel):
    """A picture scaled (aspect kept) to the room it is given, never cropped; a click asks for full size."""

    clicked = pyqtSignal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self._original = QPixmap()
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setMinimumSize(120, 90)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def set_picture(self, pixmap: QPixmap) -> None:
        """Show ``pixmap`` scaled to the label; an empty pixmap clears it."""
        self._original = QPixmap(pixmap)
        self._fit()

    def original(self) -> QPixmap:
        """The picture at its own size."""
        return self._original

    # small hints: the layout gives the picture the room left, and a dock's scroll area (which lays a panel out
    # at its preferred height) never grows because of the picture
    def sizeHint(self):
        return QSize(160, 100)

    def minimumSizeHint(self):
        return QSize(120, 90)

    def resizeEvent(self, event):
        super().resizeEvent(event)
        self._fit()

    def mouseReleaseEvent(self, event):
        super().mouseReleaseEvent(event)
        if not self._original.isNull():
            self.clicked.emit()

    def _fit(self) -> None:
        if self._original.isNull():
            self.clear()
            return
        room = self.contentsRect().size()
        if room.width() < 2 or room.height() < 2:
            return
        scaled = self._original.scaled(room, Qt.AspectRatioMode.KeepAspectRatio,
                                       Qt.TransformationMode.SmoothTransformation)
        super().setPixmap(scaled)


class FittedMatrix(QTableWidget):
    """The dock's confusion matrix: every column shown; the row names are shortened (…) to the width left, the
    whole name staying in the row's tooltip and in the full-size window."""

    ROW_NAME_ROLE = Qt.ItemDataRole.UserRole + 1

    def resizeEvent(self, event):
        super().resizeEvent(event)
        self.fit_rows()

    MIN_ROW_NAME = 60  # below this the row names are unreadable: the matrix scrolls instead (and Full size…)

    def fits(self) -> bool:
        """True when every column fits beside row names of at least MIN_ROW_NAME pixels."""
        columns = sum(self.columnWidth(c) for c in range(self.columnCount()))
        return self.width() - 2 * self.frameWidth() - columns - 4 >= self.MIN_ROW_NAME

    def fit_rows(self) -> None:
        """Shorten the row headers so that the row names and every column fit the table's width; when even short
        names leave no room (many classes), the table scrolls sideways and keeps every row in view."""
        header = self.verticalHeader()
        columns = sum(self.columnWidth(c) for c in range(self.columnCount()))
        fits = self.fits()
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff if fits
                                          else Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        room = max(self.MIN_ROW_NAME, self.width() - 2 * self.frameWidth() - columns - 4)
        metrics = header.fontMetrics()
        icon = self.iconSize().width() if self.iconSize().width() > 0 else 16
        for r in range(self.rowCount()):
            item = self.verticalHeaderItem(r)
            if item is None:
                continue
            name = item.data(self.ROW_NAME_ROLE) or item.text()
            item.setData(self.ROW_NAME_ROLE, name)
            width = room - (icon + 10 if not item.icon().isNull() else 10)
            text = metrics.elidedText(name, Qt.TextElideMode.ElideMiddle, max(24, width))
            if text != item.text():
                item.setText(text)
        header.setMaximumWidth(max(40, room))
        height = _table_height(self)
        if self.height() != height:
            self.setFixedHeight(height)


class FullSizeDialog(QDialog):
    """The confusion matrix with full class names and its picture at full size, in a window of its own."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("ConfusionMatrixFullSize")
        self.setWindowTitle(tr("Confusion matrix — full size"))
        self.setModal(False)
        layout = QVBoxLayout(self)
        self.table = QTableWidget(self)
        self.table.setObjectName("fullMatrix")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        layout.addWidget(self.table)
        self.picture = QLabel(self)
        self.picture.setObjectName("fullPicture")
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.picture)
        layout.addWidget(scroll, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.close)
        layout.addWidget(buttons)

    def show_report(self, panel, report, pixmap: QPixmap) -> None:
        """Fill the full table (headers 'map: name (id)') and the picture, size the window to them."""
        panel._fill_matrix_table(self.table, report, compact=False)
        self.picture.setPixmap(pixmap)
        self.table.resizeColumnsToContents()
        table_height = _table_height(self.table)
        self.table.setFixedHeight(table_height)
        columns = sum(self.table.columnWidth(c) for c in range(self.table.columnCount()))
        rows_header = max(self.table.verticalHeader().width(), self.table.verticalHeader().sizeHint().width())
        width = max(rows_header + columns + 2 * self.table.frameWidth() + 30, pixmap.width() + 40, 480)
        screen = self.screen().availableGeometry() if hasattr(self, "screen") and self.screen() else None
        height = table_height + pixmap.height() + 100
        if screen is not None:
            width, height = min(width, screen.width() - 40), min(height, screen.height() - 60)
        self.resize(width, height)


def _table_height(table: QTableWidget) -> int:
    """The height that shows every row of ``table`` without a scroll bar."""
    rows = sum(table.rowHeight(r) for r in range(table.rowCount()))
    header = max(table.horizontalHeader().height(), table.horizontalHeader().sizeHint().height())
    scroll = (table.horizontalScrollBar().sizeHint().height()
              if table.horizontalScrollBarPolicy() == Qt.ScrollBarPolicy.ScrollBarAlwaysOn else 0)
    return header + rows + 2 * table.frameWidth() + scroll


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
        matrix_page = QWidget(self.tabs)
        matrix_layout = QVBoxLayout(matrix_page)
        matrix_layout.setContentsMargins(2, 2, 2, 2)
        caption_row = QHBoxLayout()
        self.matrix_caption = QLabel(matrix_page)
        self.matrix_caption.setObjectName("matrixCaption")
        self.matrix_caption.setWordWrap(True)
        caption_row.addWidget(self.matrix_caption, 1)
        matrix_layout.addLayout(caption_row)
        self.matrix_table = self._table("confusionMatrix", FittedMatrix)
        self.matrix_table.setMinimumHeight(0)
        header = self.matrix_table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setMinimumSectionSize(24)
        self.matrix_table.setStyleSheet("QTableView::item { padding: 0px 3px; }")
        rows = self.matrix_table.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(max(18, self.fontMetrics().height() + 6))
        self.matrix_table.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.matrix_table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.matrix_table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        matrix_layout.addWidget(self.matrix_table)
        self.figure_label = FittedPicture(matrix_page)
        self.figure_label.setObjectName("matrixFigure")
        self.figure_label.setToolTip(tr("Click for the full size"))
        self.figure_label.clicked.connect(self.show_full_size)
        matrix_layout.addWidget(self.figure_label, 1)
        self.full_size_button = QToolButton(matrix_page)
        self.full_size_button.setText(tr("Full size…"))
        self.full_size_button.setObjectName("fullSizeButton")
        self.full_size_button.setToolTip(tr("The matrix with the full class names and its picture, in a window"))
        self.full_size_button.setEnabled(False)
        self.full_size_button.clicked.connect(lambda *_: self.show_full_size())
        caption_row.addWidget(self.full_size_button, 0, Qt.AlignmentFlag.AlignTop)
        self.tabs.addTab(matrix_page, tr("Confusion matrix"))
        self.class_table = self._table("perClass")
        self.tabs.addTab(self.class_table, tr("Per class"))
        self.area_table = self._table("areaAdjusted")
        self.tabs.addTab(self.area_table, tr("Areas"))  # short: the three tabs fit the dock in French too
        self.tabs.setTabToolTip(2, tr("Area-adjusted estimates (Olofsson et al. 2014) with 95 % confidence "
                                      "intervals"))
        self.full_size: Optional[FullSizeDialog] = None
        layout.addWidget(self.tabs, 1)
        self.notes_label = QLabel(self)
        self.notes_label.setObjectName("notesLabel")
        self.notes_label.setWordWrap(True)
        layout.addWidget(self.notes_label)

        self.field_layer_combo.layerChanged.connect(self._on_field_layer_changed)
        self._on_field_layer_changed(self.field_layer_combo.currentLayer())
        self._update_buttons()

    def _table(self, name: str, cls=QTableWidget) -> QTableWidget:
        table = cls(self)
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
        self.clear_report()
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
        self.notes_label.setText("\n".join(engine_text(note) for note in report.notes or []))
        self.full_size_button.setEnabled(True)
        self._update_buttons()

    def clear_report(self) -> None:
        """Forget the report shown: tables, picture, notes (a failed validation leaves no earlier figures)."""
        self.report = None
        for table in (self.matrix_table, self.class_table, self.area_table):
            table.clear()
            table.setRowCount(0)
            table.setColumnCount(0)
        self.matrix_caption.setText("")
        self.figure_label.set_picture(QPixmap())
        self.notes_label.setText("")
        self.full_size_button.setEnabled(False)
        if self.full_size is not None:
            self.full_size.close()
        self._update_buttons()

    def _label(self, report, cid) -> str:
        return f"{report_class_name(report.name_of(cid))} ({cid})"

    def _fill_matrix(self, report) -> None:
        self.matrix_caption.setText(tr("Rows: field data; columns: map (class id)."))
        self.matrix_caption.setToolTip(tr("Blue: agreement; red: confusion; the shade is the share of the row "
                                          "(the reference class)."))
        self._fill_matrix_table(self.matrix_table, report, compact=True)
        self.matrix_table.resizeColumnsToContents()
        self.matrix_table.fit_rows()
        self.matrix_table.setFixedHeight(_table_height(self.matrix_table))
        if not self.matrix_table.fits():
            self.matrix_caption.setText(tr("Rows: field data; columns: map (class id). Too many classes for the "
                                           "dock's width: scroll sideways, or open Full size…"))

    def _fill_matrix_table(self, t: QTableWidget, report, compact: bool) -> None:
        """The matrix in ``t``: ``compact`` heads the columns by class id (swatch, name in the tooltip) and
        shortens long row names (the dock); otherwise 'map: name (id)' / 'reference: name (id)' in full."""
        m = np.asarray(report.matrix)
        k = len(report.class_ids)
        labels = [self._label(report, c) for c in report.class_ids]
        colors = report.class_colors or {}
        t.clear()
        t.setRowCount(k + 1)
        t.setColumnCount(k + 1)
        for c, (cid, lab) in enumerate(zip(report.class_ids, labels)):
            column = QTableWidgetItem(str(cid) if compact else tr("map: {label}").format(label=lab))
            row = QTableWidgetItem(lab if compact else tr("reference: {label}").format(label=lab))
            column.setToolTip(tr("map: {label}").format(label=lab))
            row.setToolTip(tr("reference: {label}").format(label=lab))
            if int(cid) in colors:
                row.setIcon(_swatch(colors[int(cid)]))
                if not compact:  # in the dock the columns stay narrow: the row's swatch tells the colour
                    column.setIcon(_swatch(colors[int(cid)]))
            t.setHorizontalHeaderItem(c, column)
            t.setVerticalHeaderItem(c, row)
        total = tr("total")
        t.setHorizontalHeaderItem(k, QTableWidgetItem("Σ" if compact else total))
        t.horizontalHeaderItem(k).setToolTip(total)
        t.setVerticalHeaderItem(k, QTableWidgetItem(total))
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
        confusion_matrix_figure(report, path, report_texts())
        self.figure_label.set_picture(QPixmap(path))
        if self.full_size is not None and self.full_size.isVisible():
            self.full_size.show_report(self, report, self.figure_label.original())

    def show_full_size(self) -> Optional[FullSizeDialog]:
        """Open (or bring up) the window with the whole matrix, full class names, and its picture at full size;
        None before a validation."""
        if self.report is None:
            return None
        if self.full_size is None:
            self.full_size = FullSizeDialog(self.window())
        self.full_size.show_report(self, self.report, self.figure_label.original())
        self.full_size.show()
        self.full_size.raise_()
        return self.full_size

    # --- exports ------------------------------------------------------------------------------------------
    def export_csv(self, path: str) -> str:
        """Write the report as CSV to ``path`` (the engine's writer); returns the path."""
        from ...engine.accuracy.validation import write_report_csv

        if self.report is None:
            raise LcxError(tr("Run the validation first."))
        return write_report_csv(self.report, path)

    def export_html(self, path: str) -> str:
        """Write the report as HTML to ``path`` (the engine's writer, in QGIS's language); returns the path."""
        from ...engine.accuracy.validation import write_report_html

        if self.report is None:
            raise LcxError(tr("Run the validation first."))
        return write_report_html(self.report, path, texts=report_texts())

    def _ask_csv(self) -> None:
        self._ask_and_export(tr("Export the accuracy report as CSV"), tr("CSV (*.csv)"), ".csv", self.export_csv)

    def _ask_html(self) -> None:
        self._ask_and_export(tr("Export the accuracy report as HTML"), tr("HTML (*.html)"), ".html",
                             self.export_html)

    @slot_boundary("Validation")
    def _ask_and_export(self, title: str, file_filter: str, suffix: str, writer) -> None:
        start = settings.last_folder(settings.VALIDATE_REPORTS)
        path, _ = QFileDialog.getSaveFileName(self, title, os.path.join(start, "accuracy" + suffix) if start else "",
                                              file_filter)
        if not path:
            return
        if not path.lower().endswith(suffix):
            path += suffix
        settings.remember_folder(settings.VALIDATE_REPORTS, path)
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
        """Cancel a running validation, close the full-size window (plugin unload)."""
        if self.is_running():
            self.task.cancel()
        if self.full_size is not None:
            self.full_size.close()
            self.full_size.deleteLater()
            self.full_size = None
