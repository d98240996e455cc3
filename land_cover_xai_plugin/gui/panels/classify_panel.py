"""The dock's "Classify" tab: time series + model -> styled class map and explanation layers.

What the user sees, top to bottom: the time series (one multi-band raster layer, or several single-date
raster layers in a checkable list ordered by date), its detected dates and bands (correctable: the
correction is handed to the engine as a StackLayout), the model (bundled sample or a .lcx file) with its
classes, bands and dates, the stack / model check (Run stays disabled while they do not fit, with the
reason), device, outputs, output folder, Run / Cancel and progress.

The run itself is an InferenceTask (gui/tasks.py) in QGIS's task manager; layers are added by
gui/layers.py only when the task succeeded.
"""
from __future__ import annotations

import datetime
import os
import re
import tempfile
from pathlib import Path
from typing import Optional

from qgis.core import Qgis, QgsApplication, QgsProject, QgsRasterLayer
from qgis.gui import QgsFileWidget, QgsMapLayerComboBox
from qgis.PyQt.QtCore import QCoreApplication, Qt, QTimer, pyqtSignal
from qgis.PyQt.QtGui import QColor, QIcon, QPixmap
from qgis.PyQt.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...engine.errors import LcxError, StackMismatchError
from ...engine.explain import registry
from ...engine.explain.evaluation import stored_verdict
from ...engine.explain.explainer import verdict_fails
from ...engine.io.band_names import parse_date
from ...engine.io.stack import StackInfo, StackLayout
from ...engine.models.model_file import load_model, require_compatible
from .. import layers as layer_tools
from ..feedback import slot_boundary
from ..layer_sources import layer_filter, raster_layer_path, raster_layer_paths, stack_info, stack_summary
from ..class_names import display_name, original_label, use_model_names
from .. import settings

PLUGIN_DIR = Path(__file__).resolve().parents[2]
SAMPLE_DIR = PLUGIN_DIR / "sample_data"
BUNDLED_MODEL = SAMPLE_DIR / "sample_model.lcx"
SAMPLE_STACK = SAMPLE_DIR / "s2_l1c_stack.tif"
ROLE = Qt.ItemDataRole.UserRole
OK_STYLE = "color: #1a7f37;"
ERROR_STYLE = "color: #b3261e;"


def tr(text: str) -> str:
    return QCoreApplication.translate("ClassifyPanel", text)


def default_output_folder() -> str:
    """The project's home folder when the project is saved, else a folder under the system temp dir."""
    home = QgsProject.instance().homePath()
    if home and os.path.isdir(home) and os.access(home, os.W_OK):
        return os.path.join(home, "land_cover_xai_outputs")
    return os.path.join(tempfile.gettempdir(), "land_cover_xai")


def _swatch(color: str) -> QIcon:
    pixmap = QPixmap(14, 14)
    pixmap.fill(QColor(color))
    return QIcon(pixmap)


def _split_list(text: str) -> list[str]:
    return [part for part in re.split(r"[,;\s]+", text.strip()) if part]


class ClassifyPanel(QWidget):
    """Classify tab. ``run_finished(outcome)`` is emitted with "success", "cancelled" or "error";
    ``inputs_changed()`` when the chosen time series or model changes (the previous run's status line is then
    cleared here, and the dock clears the pixel view)."""

    run_finished = pyqtSignal(str)
    inputs_changed = pyqtSignal()

    def __init__(self, iface, parent=None):
        super().__init__(parent)
        self.setObjectName("ClassifyPanel")
        self.iface = iface
        self.bundle = None
        self.model_error: Optional[str] = None
        self.stack_info: Optional[StackInfo] = None
        self.stack_error: Optional[str] = None
        self.fit_error: Optional[str] = None
        self.dependencies_ok = True
        self.task = None
        self.last_result = None
        self.last_group = None
        self.last_layers: dict = {}
        self.last_out_dir: Optional[str] = None
        self._run_bundle = None
        self._run_stack_name = ""
        self._inputs_key = None  # (stack paths, layout, model path) shown: a change clears the stale texts
        self._filling_classes = False
        self._devices_loaded = False
        self._restoring = False
        self._build()
        self._restore_settings()
        self._connect()
        self.refresh_layers()
        self.refresh_model()

    # ------------------------------------------------------------------ building
    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(4, 4, 4, 4)

        # --- time series
        stack_box = QGroupBox(tr("Time series"), self)
        stack_layout = QVBoxLayout(stack_box)
        self.single_radio = QRadioButton(tr("One multi-band raster layer"), stack_box)
        self.multi_radio = QRadioButton(tr("One raster layer per date"), stack_box)
        self.single_radio.setChecked(True)
        self.layer_combo = QgsMapLayerComboBox(stack_box)
        self.layer_combo.setFilters(layer_filter("raster"))
        self.layer_combo.setAllowEmptyLayer(True)
        self.layer_combo.setToolTip(tr("A raster whose bands are dates x bands, e.g. described as "
                                       "'T1_2015-07-11_B04' or '20150711_B04'"))
        self.date_list = QListWidget(stack_box)
        self.date_list.setToolTip(tr("Tick the single-date rasters of the series; they are ordered by date"))
        self.date_list.setMaximumHeight(110)
        self.sample_button = QPushButton(tr("Add the bundled Sentinel-2 sample to the map"), stack_box)
        self.sample_button.setEnabled(SAMPLE_STACK.exists())
        self.stack_label = QLabel(stack_box)
        self.stack_label.setWordWrap(True)
        self.stack_table = QTableWidget(0, 2, stack_box)
        self.stack_table.setHorizontalHeaderLabels([tr("Date"), tr("Bands")])
        self.stack_table.verticalHeader().setVisible(False)
        self.stack_table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.stack_table.horizontalHeader().setStretchLastSection(True)
        self.stack_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.stack_table.setMaximumHeight(130)
        self.override_check = QCheckBox(tr("Correct the detected dates / bands"), stack_box)
        self.override_widget = QWidget(stack_box)
        override_form = QFormLayout(self.override_widget)
        override_form.setContentsMargins(0, 0, 0, 0)
        self.dates_edit = QLineEdit(self.override_widget)
        self.dates_edit.setPlaceholderText("2015-07-11, 2015-07-31, ...")
        self.bands_edit = QLineEdit(self.override_widget)
        self.bands_edit.setPlaceholderText("B02, B03, B04, B08, ...")
        self.order_combo = QComboBox(self.override_widget)
        self.order_combo.addItem(tr("date by date (date-major)"), "date-major")
        self.order_combo.addItem(tr("band by band (band-major)"), "band-major")
        override_form.addRow(tr("Dates"), self.dates_edit)
        override_form.addRow(tr("Bands"), self.bands_edit)
        override_form.addRow(tr("Band order"), self.order_combo)
        hint = QLabel(tr("To make the correction permanent, save it beside the raster as "
                         "'<raster>.layout.json': {\"dates\": [...], \"bands\": [...], \"order\": \"date-major\"}."),
                      self.override_widget)
        hint.setWordWrap(True)
        hint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        override_form.addRow(hint)
        self.override_widget.setVisible(False)
        for widget in (self.single_radio, self.layer_combo, self.multi_radio, self.date_list, self.sample_button,
                       self.stack_label, self.stack_table, self.override_check, self.override_widget):
            stack_layout.addWidget(widget)
        outer.addWidget(stack_box)

        # --- model
        model_box = QGroupBox(tr("Model"), self)
        model_layout = QVBoxLayout(model_box)
        self.model_combo = QComboBox(model_box)
        self.model_combo.addItem(tr("Bundled sample model (Slovenia 2015)"), "bundled")
        self.model_combo.addItem(tr("Model file (.lcx)"), "file")
        if not BUNDLED_MODEL.exists():
            self.model_combo.setItemText(0, tr("Bundled sample model (Slovenia 2015) — not installed"))
        self.model_file = QgsFileWidget(model_box)
        self.model_file.setFilter(tr("Land Cover XAI model (*.lcx)"))
        self.model_file.setDialogTitle(tr("Choose a Land Cover XAI model"))
        self.model_label = QLabel(model_box)
        self.model_label.setWordWrap(True)
        self.class_list = QListWidget(model_box)
        self.class_list.setObjectName("classList")
        self.class_list.setMaximumHeight(110)
        self.class_list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.class_list.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                        | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.class_list.itemChanged.connect(self._on_class_item_changed)
        self.rename_hint = QLabel(tr("Double-click a class to rename it: the model file keeps the new name "
                                     "beside the original one; legends, lists and plots show it."), model_box)
        self.rename_hint.setWordWrap(True)
        self.rename_hint.setObjectName("renameHint")
        for widget in (self.model_combo, self.model_file, self.model_label, self.class_list, self.rename_hint):
            model_layout.addWidget(widget)
        outer.addWidget(model_box)

        self.check_label = QLabel(self)
        self.check_label.setObjectName("checkLabel")
        self.check_label.setWordWrap(True)
        self.check_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        outer.addWidget(self.check_label)

        # --- run options
        run_box = QGroupBox(tr("Outputs"), self)
        grid = QGridLayout(run_box)
        grid.addWidget(QLabel(tr("Device"), run_box), 0, 0)
        self.device_combo = QComboBox(run_box)
        self._add_device("cpu")
        grid.addWidget(self.device_combo, 0, 1)
        always = QCheckBox(tr("Class map and confidence"), run_box)
        always.setChecked(True)
        always.setEnabled(False)
        grid.addWidget(always, 1, 0, 1, 2)
        # one check box per optional method of the engine's explainer registry
        self.output_checks: dict[str, QCheckBox] = {}
        for row, explainer in enumerate(registry.available(), start=2):
            check = QCheckBox(layer_tools.method_check_text(explainer, None), run_box)
            check.setToolTip(explainer.description)
            self.output_checks[explainer.name] = check
            grid.addWidget(check, row, 0, 1, 2)
        row = 2 + len(self.output_checks)
        grid.addWidget(QLabel(tr("Explain the class"), run_box), row, 0)
        self.target_combo = QComboBox(run_box)
        self.target_combo.setToolTip(tr("Class the explanations are computed for: each pixel's predicted class, "
                                        "or one class everywhere"))
        grid.addWidget(self.target_combo, row, 1)
        grid.addWidget(QLabel(tr("Output folder"), run_box), row + 1, 0)
        self.out_folder = QgsFileWidget(run_box)
        self.out_folder.setStorageMode(QgsFileWidget.StorageMode.GetDirectory)
        self.out_folder.setDialogTitle(tr("Folder for the outputs (one subfolder per run)"))
        grid.addWidget(self.out_folder, row + 1, 1)
        grid.setColumnStretch(1, 1)
        outer.addWidget(run_box)

        buttons = QHBoxLayout()
        self.run_button = QPushButton(tr("Run"), self)
        self.run_button.setObjectName("runButton")
        self.cancel_button = QPushButton(tr("Cancel"), self)
        self.cancel_button.setEnabled(False)
        buttons.addWidget(self.run_button, 1)
        buttons.addWidget(self.cancel_button)
        outer.addLayout(buttons)
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 100)
        self.progress.setValue(0)
        outer.addWidget(self.progress)
        self.status_label = QLabel(self)
        self.status_label.setWordWrap(True)
        outer.addWidget(self.status_label)
        outer.addStretch(1)
        self._update_mode()

    def _connect(self) -> None:
        project = QgsProject.instance()
        project.layersAdded.connect(self._on_layers_changed)
        project.layersRemoved.connect(self._on_layers_changed)
        project.homePathChanged.connect(self._on_home_changed)
        self.single_radio.toggled.connect(self._update_mode)
        self.layer_combo.layerChanged.connect(lambda *_: self.refresh_stack())
        self.date_list.itemChanged.connect(lambda *_: self.refresh_stack())
        self.sample_button.clicked.connect(self.add_sample_to_map)
        self.override_check.toggled.connect(self._on_override_toggled)
        self.dates_edit.editingFinished.connect(self.refresh_stack)
        self.bands_edit.editingFinished.connect(self.refresh_stack)
        self.order_combo.currentIndexChanged.connect(lambda *_: self.refresh_stack())
        self.model_combo.currentIndexChanged.connect(lambda *_: self.refresh_model())
        self.model_file.fileChanged.connect(lambda *_: self.refresh_model())
        self.device_combo.currentIndexChanged.connect(lambda *_: self.save_settings())
        for check in self.output_checks.values():
            check.toggled.connect(lambda *_: self.save_settings())
        self.target_combo.currentIndexChanged.connect(lambda *_: self.save_settings())
        self.out_folder.fileChanged.connect(lambda *_: (self.save_settings(), self.refresh_check()))
        # each file chooser opens where it last chose (QgsSettings, per widget)
        settings.remember_file_widget(self.model_file, settings.CLASSIFY_MODEL_FILE)
        settings.remember_file_widget(self.out_folder, settings.CLASSIFY_OUTPUT_FOLDER)
        self.run_button.clicked.connect(self.run)
        self.cancel_button.clicked.connect(self.cancel)

    def disconnect_project(self) -> None:
        project = QgsProject.instance()
        for signal, slot in ((project.layersAdded, self._on_layers_changed),
                             (project.layersRemoved, self._on_layers_changed),
                             (project.homePathChanged, self._on_home_changed)):
            try:
                signal.disconnect(slot)
            except (TypeError, RuntimeError):
                pass

    def _on_home_changed(self, *_args) -> None:
        """A saved / opened project: the default output folder moves to its home (a chosen folder stays)."""
        if not settings.value(settings.OUTPUT_FOLDER, ""):
            self._restoring = True
            self.out_folder.setFilePath(default_output_folder())
            self._restoring = False

    # ------------------------------------------------------------------ settings
    def _restore_settings(self) -> None:
        self._restoring = True
        try:
            source = settings.value(settings.MODEL_SOURCE, "bundled" if BUNDLED_MODEL.exists() else "file")
            self.model_file.setFilePath(settings.value(settings.LAST_MODEL_PATH, ""))
            last_folder = settings.last_folder(settings.CLASSIFY_MODEL_FILE, settings.value(settings.LAST_FOLDER, ""))
            if last_folder:
                self.model_file.setDefaultRoot(last_folder)
            index = self.model_combo.findData(source)
            self.model_combo.setCurrentIndex(index if index >= 0 else 0)
            chosen = settings.outputs()
            for method, check in self.output_checks.items():
                check.setChecked(method in chosen)
            folder = settings.value(settings.OUTPUT_FOLDER, "")
            self.out_folder.setFilePath(folder or default_output_folder())
            self._saved_device = settings.value(settings.DEVICE, "cpu")
            self._saved_target = settings.value(settings.TARGET, "predicted")
            self._select_device(self._saved_device)
        finally:
            self._restoring = False

    def save_settings(self) -> None:
        if self._restoring:
            return
        settings.set_value(settings.MODEL_SOURCE, self.model_combo.currentData())
        settings.set_value(settings.LAST_MODEL_PATH, self.model_file.filePath())
        if self._devices_loaded or self.device_combo.currentData() != "cpu":
            settings.set_value(settings.DEVICE, self.device_combo.currentData())
        settings.set_outputs(self.selected_methods(only_enabled=False))
        target = self.target_combo.currentData()
        if target is not None:
            self._saved_target = target
            settings.set_value(settings.TARGET, target)
        chosen_folder = self.out_folder.filePath().strip()
        # the default (temp dir / project home) is not remembered: it follows the project
        settings.set_value(settings.OUTPUT_FOLDER, "" if chosen_folder == default_output_folder() else chosen_folder)
        folder = os.path.dirname(self.model_file.filePath())
        if folder:
            settings.set_value(settings.LAST_FOLDER, folder)

    # ------------------------------------------------------------------ devices
    def _add_device(self, device: str) -> None:
        label = tr("CPU") if device == "cpu" else tr("GPU (CUDA)") if device.startswith("cuda") else device
        if self.device_combo.findData(device) < 0:
            self.device_combo.addItem(label, device)

    def _select_device(self, device: str) -> None:
        index = self.device_combo.findData(device)
        if index >= 0:
            self.device_combo.setCurrentIndex(index)

    def ensure_devices(self) -> list[str]:
        """Fill the device combo with what torch can use (imports torch: done when the panel is first shown)."""
        if not self._devices_loaded and self.dependencies_ok:
            from ...engine.dependencies import is_installed

            if is_installed("torch"):
                from ...engine.runtime import available_devices

                try:
                    devices = available_devices()
                except Exception:  # noqa: BLE001 - a broken torch: CPU only, diagnostics tell why
                    devices = ["cpu"]
                self._restoring = True
                for device in devices:
                    self._add_device(device)
                self._select_device(getattr(self, "_saved_device", "cpu"))
                self._restoring = False
                self._devices_loaded = True
        return [self.device_combo.itemData(i) for i in range(self.device_combo.count())]

    def showEvent(self, event):
        super().showEvent(event)
        if not self._devices_loaded:  # after the dock has painted: importing torch takes a second or two
            QTimer.singleShot(200, self.ensure_devices)

    # ------------------------------------------------------------------ time series
    def _update_mode(self, *_args) -> None:
        single = self.single_radio.isChecked()
        self.layer_combo.setVisible(single)
        self.date_list.setVisible(not single)
        self.refresh_stack()

    @slot_boundary("Land Cover XAI")
    def _on_layers_changed(self, *_args) -> None:
        self.refresh_layers()

    def _detected_date(self, layer: QgsRasterLayer) -> Optional[datetime.date]:
        """The one date of a single-date raster: from the engine's StackInfo (metadata, cached per file), else
        from the file or layer name; None when neither tells."""
        try:
            path = raster_layer_path(layer)
            dates = set(stack_info([path]).dates)
        except LcxError:  # not a file, or not a stack on its own: the name may still tell
            path, dates = layer.source(), set()
        if len(dates) == 1:
            return next(iter(dates))
        return parse_date(os.path.basename(path)) or parse_date(layer.name())

    def refresh_layers(self) -> None:
        """Rebuild the single-date list from the project's raster layers, ordered by detected date."""
        checked = {self.date_list.item(i).data(ROLE) for i in range(self.date_list.count())
                   if self.date_list.item(i).checkState() == Qt.CheckState.Checked}
        rasters = [layer for layer in QgsProject.instance().mapLayers().values()
                   if isinstance(layer, QgsRasterLayer) and layer.providerType() == "gdal"]
        dated = [(self._detected_date(layer), layer) for layer in rasters]
        dated.sort(key=lambda pair: (pair[0] is None, pair[0] or datetime.date.min, pair[1].name()))
        self.date_list.blockSignals(True)
        self.date_list.clear()
        for date, layer in dated:
            when = date.isoformat() if date else tr("no date")
            text = f"{when} — {layer.name()}"
            item = QListWidgetItem(text, self.date_list)
            item.setData(ROLE, layer.id())
            item.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
            item.setCheckState(Qt.CheckState.Checked if layer.id() in checked else Qt.CheckState.Unchecked)
        self.date_list.blockSignals(False)
        self.refresh_stack()

    def selected_layers(self) -> list[QgsRasterLayer]:
        """The chosen time-series layers: the multi-band layer, or the ticked single-date layers in date order."""
        project = QgsProject.instance()
        if self.single_radio.isChecked():
            layer = self.layer_combo.currentLayer()
            return [layer] if isinstance(layer, QgsRasterLayer) else []
        out = []
        for i in range(self.date_list.count()):
            item = self.date_list.item(i)
            if item.checkState() == Qt.CheckState.Checked:
                layer = project.mapLayer(item.data(ROLE))
                if isinstance(layer, QgsRasterLayer):
                    out.append(layer)
        return out

    def current_stack_paths(self) -> list[str]:
        """Raster file(s) of the chosen time series, in date order (the pixel tool's context too); LcxError
        when a chosen layer is not a raster file."""
        return raster_layer_paths(self.selected_layers())

    def stack_name(self) -> str:
        """A short name of the chosen series for titles ("s2 stack", "date 0 +2")."""
        chosen = self.selected_layers()
        if not chosen:
            return ""
        return chosen[0].name() if len(chosen) == 1 else f"{chosen[0].name()} +{len(chosen) - 1}"

    def current_layout(self) -> Optional[StackLayout]:
        """The user's correction of dates / bands as a StackLayout, or None (raises StackError if unusable)."""
        if not self.override_check.isChecked():
            return None
        return StackLayout(dates=_split_list(self.dates_edit.text()), bands=_split_list(self.bands_edit.text()),
                           order=self.order_combo.currentData())

    def _on_override_toggled(self, checked: bool) -> None:
        self.override_widget.setVisible(checked)
        if checked and self.stack_info is not None and not self.dates_edit.text():
            self.dates_edit.setText(", ".join(self.stack_info.iso_dates))
            self.bands_edit.setText(", ".join(self.stack_info.bands))
        self.refresh_stack()

    @slot_boundary("Land Cover XAI")
    def refresh_stack(self) -> None:
        """Show the chosen series' dates and bands: the engine's StackInfo (metadata only, cached per file)."""
        self.stack_info, self.stack_error = None, None
        if self.selected_layers():
            try:
                self.stack_info = stack_info(self.current_stack_paths(), layout=self.current_layout())
            except LcxError as exc:
                self.stack_error = str(exc)
        self._fill_stack_table()
        self.refresh_check()
        self._note_inputs()

    def _inputs(self) -> tuple:
        try:
            paths = tuple(self.current_stack_paths())
        except LcxError:
            paths = tuple(layer.id() for layer in self.selected_layers())
        layout = self.current_layout() if self.override_check.isChecked() and self.stack_info is not None else None
        return paths, repr(layout), self.current_model_path()

    def _note_inputs(self) -> None:
        """When the time series or the model differs from the last one seen: the previous run's status line
        and progress go (they spoke of other inputs) and ``inputs_changed`` is emitted."""
        try:
            key = self._inputs()
        except LcxError:
            key = None
        if key == self._inputs_key:
            return
        first = self._inputs_key is None
        self._inputs_key = key
        if first:
            return
        if self.task is None:
            self.status_label.setText("")
            self.progress.setValue(0)
        self.inputs_changed.emit()

    def _fill_stack_table(self) -> None:
        info = self.stack_info
        self.stack_table.setRowCount(0)
        if info is None:
            self.stack_label.setText(self.stack_error or tr("Choose the time series (raster layers of the project)."))
            self.stack_label.setStyleSheet(ERROR_STYLE if self.stack_error else "")
            return
        self.stack_label.setStyleSheet("")
        self.stack_label.setText(stack_summary(info))
        bands = ", ".join(info.bands)
        self.stack_table.setRowCount(info.n_dates)
        for row, (date, cloud) in enumerate(zip(info.iso_dates, info.cloud_fraction)):
            date_item = QTableWidgetItem(date)
            if cloud is not None:
                date_item.setToolTip(tr("cloud fraction {0:.0%} (metadata)").format(cloud))
            self.stack_table.setItem(row, 0, date_item)
            self.stack_table.setItem(row, 1, QTableWidgetItem(bands))

    def add_sample_to_map(self) -> Optional[QgsRasterLayer]:
        """Load the bundled Slovenia 2015 stack as a layer and choose it."""
        layer = QgsRasterLayer(str(SAMPLE_STACK), tr("Sentinel-2 sample, Slovenia 2015"), "gdal")
        if not layer.isValid():
            return None
        QgsProject.instance().addMapLayer(layer)
        self.single_radio.setChecked(True)
        self.layer_combo.setLayer(layer)
        return layer

    # ------------------------------------------------------------------ model
    def current_model_path(self) -> str:
        """The chosen model file (the pixel tool's context too)."""
        if self.model_combo.currentData() == "bundled":
            return str(BUNDLED_MODEL)
        return self.model_file.filePath().strip()

    def use_model(self, path: str) -> None:
        """Choose the model file ``path`` (e.g. one just trained in the Train tab)."""
        self.model_file.setFilePath(str(path))
        self.model_combo.setCurrentIndex(self.model_combo.findData("file"))
        self.refresh_model()

    def pixel_context(self) -> tuple[list[str], str]:
        """(stack_paths, model_path) for the 'Explain a pixel' map tool; LcxError says what is missing."""
        paths, model = self.current_stack_paths(), self.current_model_path()
        if not paths:
            raise LcxError(tr("Choose the time series in the Classify tab first."))
        if not model or not os.path.exists(model):
            raise LcxError(tr("Choose a model in the Classify tab first."))
        return paths, model

    @slot_boundary("Land Cover XAI")
    def refresh_model(self) -> None:
        """Load the chosen model file (the engine refuses a damaged one with a message) and show its classes."""
        self.model_file.setVisible(self.model_combo.currentData() == "file")
        self.bundle, self.model_error = None, None
        path = self.current_model_path()
        if not path:
            self.model_error = tr("Choose a model file (.lcx), or the bundled sample model.")
        elif not os.path.exists(path):
            if self.model_combo.currentData() == "bundled":
                self.model_error = tr("The bundled sample model is not installed: choose a model file, or train "
                                      "one in the Train tab.")
            else:
                self.model_error = tr("Model file not found: {0}").format(path)
        else:
            try:
                self.bundle = load_model(path)
            except LcxError as exc:
                self.model_error = str(exc)
        self._apply_stored_renames()
        use_model_names(self.bundle.classes if self.bundle is not None else ())
        self._fill_model()
        self.save_settings()
        self.refresh_check()
        self._note_inputs()

    # ------------------------------------------------------------------ class names
    def _renames_key(self) -> str:
        import hashlib

        path = os.path.abspath(self.current_model_path())
        return "class_names/" + hashlib.sha1(path.encode("utf-8")).hexdigest()[:16]

    def _model_is_writable(self) -> bool:
        path = self.current_model_path()
        return (self.model_combo.currentData() != "bundled" and os.path.isfile(path)
                and os.access(path, os.W_OK) and os.access(os.path.dirname(os.path.abspath(path)), os.W_OK))

    def _apply_stored_renames(self) -> None:
        """The bundled (read-only) model's renames live in QgsSettings, the others' in the model file."""
        import json

        if self.bundle is None or self._model_is_writable():
            return
        try:
            stored = json.loads(settings.value(self._renames_key(), "") or "{}")
        except ValueError:
            stored = {}
        for info in self.bundle.classes:
            name = str(stored.get(str(info.id), "") or "")
            if name:
                info.display_name = name

    def rename_class(self, class_id: int, new_name: str) -> str:
        """Give class ``class_id`` of the chosen model the name ``new_name`` ('' or its original name = back to
        the original): kept in the model file beside the original name (the bundled sample, which ships with
        the plugin, keeps it in QGIS's settings); every view and the class maps already on the map show it.
        Returns the name now shown."""
        import json

        from ...engine.models.model_file import save_model

        if self.bundle is None:
            raise LcxError(tr("Choose a model first."))
        info = next((c for c in self.bundle.classes if int(c.id) == int(class_id)), None)
        if info is None:
            raise LcxError(tr("The model has no class {0}.").format(class_id))
        new = " ".join(str(new_name or "").split())
        info.display_name = "" if new in ("", info.name, original_label(info.name)) else new
        if self._model_is_writable():
            save_model(self.current_model_path(), self.bundle)  # atomic; original and display names both kept
        else:
            stored = {str(c.id): c.display_name for c in self.bundle.classes if c.display_name}
            settings.set_value(self._renames_key(), json.dumps(stored, ensure_ascii=False))
        use_model_names(self.bundle.classes)
        layer_tools.relabel_class_maps(QgsProject.instance())
        self._fill_model()
        return display_name(info.name)

    @slot_boundary("Land Cover XAI")
    def _on_class_item_changed(self, item) -> None:
        if self._filling_classes:
            return
        class_id = item.data(ROLE)
        text = re.sub(r"^\s*\d+\s*[—–-]\s*", "", item.text())
        try:
            self.rename_class(int(class_id), text)
        except (LcxError, OSError) as exc:
            self.model_label.setText(str(exc))
            self.model_label.setStyleSheet(ERROR_STYLE)

    def _fill_model(self) -> None:
        self._filling_classes = True
        self.class_list.clear()
        self.target_combo.blockSignals(True)
        self.target_combo.clear()
        self.target_combo.addItem(tr("Predicted class (each pixel)"), "predicted")
        bundle = self.bundle
        if bundle is None:
            self.model_label.setText(self.model_error or "")
            self.model_label.setStyleSheet(ERROR_STYLE)
        else:
            spec = bundle.spec
            arch = (tr("channel attention ({0})").format(spec.attention) if spec.arch == "attention"
                    else f"MLP x{spec.n_members}" if spec.arch == "mlp" and spec.n_members > 1
                    else "MLP" if spec.arch == "mlp" else "TempCNN")
            self.model_label.setStyleSheet("")
            self.model_label.setText(tr("{0}, {1} classes; bands: {2}; {3} dates: {4}").format(
                arch, len(bundle.classes), ", ".join(bundle.bands), len(bundle.dates), ", ".join(bundle.dates)))
            for info in bundle.classes:
                item = QListWidgetItem(_swatch(info.color), f"{info.id} — {display_name(info.name)}", self.class_list)
                item.setData(ROLE, int(info.id))
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
                tip = tr("class id {0}; in the training data: '{1}'").format(info.id, info.name)
                item.setToolTip(tip + "\n" + tr("Double-click to rename."))
                self.target_combo.addItem(_swatch(info.color), display_name(info.name), str(info.id))
        index = self.target_combo.findData(getattr(self, "_saved_target", "predicted"))
        self.target_combo.setCurrentIndex(max(0, index))
        self.target_combo.blockSignals(False)
        self._filling_classes = False
        for explainer in registry.available():  # a method the model's architecture lacks is greyed out
            supported = bundle is None or explainer.supports(bundle.spec)
            check = self.output_checks[explainer.name]
            check.setEnabled(supported)
            # the model file's verdict beside the method; a failing method stays offered, with its warning
            verdict = stored_verdict(bundle, explainer.name) if bundle is not None else None
            check.setText(layer_tools.method_check_text(explainer, verdict))
            check.setIcon(QgsApplication.getThemeIcon("/mIconWarning.svg") if verdict_fails(verdict) else QIcon())
            check.setToolTip(layer_tools.method_check_tooltip(explainer, verdict) if supported else tr(
                "Only models of architecture {0} have this output.").format(" / ".join(explainer.archs)))

    # ------------------------------------------------------------------ check + run
    def set_dependencies_ok(self, ok: bool) -> None:
        self.dependencies_ok = ok
        self.refresh_check()

    def problems(self) -> list[str]:
        """Why Run is disabled (empty when it can run)."""
        found = []
        if not self.dependencies_ok:
            found.append(tr("torch / captum are missing: install them (see above) and restart QGIS."))
        if self.stack_info is None:
            found.append(self.stack_error or tr("Choose the time series."))
        if self.bundle is None:
            found.append(self.model_error or tr("Choose a model."))
        if self.fit_error:
            found.append(self.fit_error)
        return found

    def refresh_check(self) -> None:
        """Check the stack's StackInfo against the model (``check_compatible``, inference's own check) and
        enable Run when nothing is missing."""
        self.fit_error = None
        if self.stack_info is not None and self.bundle is not None:
            try:
                require_compatible(self.bundle, self.stack_info)  # the engine's message: what differs, what to do
            except StackMismatchError as exc:
                self.fit_error = str(exc)
        found = self.problems()
        if self.fit_error:
            self.check_label.setText(self.fit_error)
            self.check_label.setStyleSheet(ERROR_STYLE)
        elif found:
            self.check_label.setText("")
            self.check_label.setStyleSheet("")
        else:
            self.check_label.setText(tr("✓ The time series fits the model."))
            self.check_label.setStyleSheet(OK_STYLE)
        running = self.task is not None
        self.run_button.setEnabled(not found and not running)
        self.run_button.setToolTip("\n".join(found))

    def selected_methods(self, only_enabled: bool = True) -> set[str]:
        return {m for m, check in self.output_checks.items()
                if check.isChecked() and (check.isEnabled() or not only_enabled)}

    def output_root(self) -> str:
        return self.out_folder.filePath().strip() or default_output_folder()

    def run(self):
        """Start the classification task. Returns the InferenceTask (None when it cannot run)."""
        self.refresh_stack()
        if self.problems() or self.task is not None:
            return None
        self.ensure_devices()
        from ...engine.jobs import InferenceJob
        from ..tasks import InferenceTask

        try:
            layout = self.current_layout()
        except LcxError as exc:
            self.status_label.setText(str(exc))
            return None
        stack_name = self.stack_name()
        stamp = datetime.datetime.now()
        safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", stack_name)[:40] or "stack"
        out_dir = os.path.join(self.output_root(), f"lcx_{safe}_{stamp:%Y%m%d_%H%M%S}")
        suffix = 1
        while os.path.exists(out_dir):
            suffix += 1
            out_dir = os.path.join(self.output_root(), f"lcx_{safe}_{stamp:%Y%m%d_%H%M%S}_{suffix}")
        job = InferenceJob(
            stack_paths=self.current_stack_paths(), model_path=self.current_model_path(), out_dir=out_dir,
            outputs=self.selected_methods(), target=self.target_combo.currentData() or "predicted",
            device=self.device_combo.currentData() or "cpu", layout=layout)
        task = InferenceTask(job, self.iface, title=tr("Land Cover XAI: classifying {0}").format(stack_name))
        task.progressChanged.connect(self._on_progress)
        task.succeeded.connect(self._on_success)
        task.failed.connect(self._on_failed)
        task.canceled_by_user.connect(self._on_cancelled)
        self.task = task
        self._run_bundle = self.bundle
        self._run_stack_name = stack_name
        self._run_time = stamp
        self.last_out_dir = out_dir
        self.save_settings()
        self.progress.setValue(0)
        self.status_label.setText(tr("Classifying…"))
        self.cancel_button.setEnabled(True)
        self.refresh_check()
        QgsApplication.taskManager().addTask(task)
        return task

    def cancel(self) -> None:
        if self.task is not None:
            self.status_label.setText(tr("Cancelling…"))
            self.cancel_button.setEnabled(False)
            self.task.cancel()

    def _on_progress(self, value: float) -> None:
        self.progress.setValue(int(round(value)))

    def _end_run(self, outcome: str) -> None:
        self.task = None
        self.cancel_button.setEnabled(False)
        self.refresh_check()
        self.run_finished.emit(outcome)

    def _on_success(self, result) -> None:
        self.last_result = result
        group_name = layer_tools.run_group_name(self._run_stack_name, self._run_time)
        self.last_group, self.last_layers = layer_tools.add_outputs(result.outputs, group_name)
        self.progress.setValue(100)
        seconds = getattr(result, "seconds", 0.0) or 0.0
        text = tr("Done in {0:.1f} s: {1} layers in the group '{2}' (files in {3}).").format(
            seconds, len(self.last_layers), group_name, self.last_out_dir)
        self.status_label.setText(text)
        warnings = [str(w) for w in getattr(result, "warnings", None) or ()]  # e.g. the stack's scale is off
        if warnings:
            self.status_label.setText(text + "\n" + "\n".join(warnings))
        try:
            bar = self.iface.messageBar()
            bar.pushMessage(tr("Land Cover XAI"), text, Qgis.MessageLevel.Success, 6)
            for warning in warnings:  # kept until dismissed: the map may be unreliable
                bar.pushMessage(tr("Land Cover XAI"), warning, Qgis.MessageLevel.Warning, 0)
        except Exception:  # noqa: BLE001 - headless: the panel shows it
            pass
        self._end_run("success")

    def _on_failed(self, message: str) -> None:
        self.progress.setValue(0)
        self.status_label.setText(message)
        self._end_run("error")

    def _on_cancelled(self) -> None:
        self.progress.setValue(0)
        self.status_label.setText(tr("Cancelled: no file and no layer was kept."))
        self._end_run("cancelled")

    def shutdown(self) -> None:
        """Cancel a running task and stop listening to the project (plugin unload)."""
        if self.task is not None:
            self.task.cancel()
        self.disconnect_project()
