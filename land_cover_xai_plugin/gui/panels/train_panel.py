"""The dock's Train tab: train a classifier on a stack from field data, in the background.

Inputs: the time-series raster layer(s), a field-data vector layer (polygons or points) with its class
field (and an optional class-name field), the architecture (band attention SE / softmax, or TempCNN),
epochs, seed, device and the output model file (.lcx). Train runs ``engine.jobs.run_train_job`` in a
``tasks.TrainTask``; each epoch's report comes back to the GUI thread through the task's signal and is
shown as a live line (loss, validation macro-F1, kappa). Cancel stops between batches and writes no
model file. On success ``model_trained(path)`` is emitted and the user is offered to use the model in the
Classify tab (``use_model_requested(path)``).
"""
from __future__ import annotations

import os
from typing import Optional

from qgis.core import Qgis, QgsApplication, QgsProject, QgsRasterLayer
from qgis.gui import QgsCheckableComboBox, QgsFieldComboBox, QgsFileWidget, QgsMapLayerComboBox
from qgis.PyQt.QtCore import QCoreApplication, Qt, pyqtSignal
from qgis.PyQt.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ...engine import runtime
from ...engine.errors import LcxError
from ...engine.jobs import architecture_choices
from .. import settings
from ..feedback import push_message, slot_boundary
from ..layer_sources import layer_filter, raster_layer_paths, stack_info, stack_summary, vector_layer_source
from .field_data import guess_class_field

def _choice_key(arch: str, variant: str) -> str:
    """The combo's data for an (arch, attention variant) choice: "attention_se", "tempcnn", "mlp"."""
    return f"{arch}_{variant}" if arch == "attention" else arch


# (key, arch, attention variant) of each choice: the engine's one list (engine.jobs.architecture_choices)
ARCHITECTURES = tuple((_choice_key(arch, variant), arch, variant) for arch, variant in architecture_choices())
DEVICES = runtime.DEVICES  # the one list of devices (engine/runtime.py)


def tr(text: str) -> str:
    return QCoreApplication.translate("TrainPanel", text)


def architecture_label(key: str) -> str:
    """The architecture choice's label for people."""
    if key == "mlp":
        return tr("Series MLP ensemble with a band gate")
    if key == "attention_se":
        return tr("Band attention (squeeze-and-excitation)")
    if key == "attention_softmax":
        return tr("Band attention (softmax over bands)")
    return tr("TempCNN (Pelletier et al. 2019)")


def format_epoch(report) -> str:
    """One line per epoch: the engine's own line (``EpochReport.summary``, as the CLI and Processing print it),
    a star on the best epoch so far."""
    line = report.summary()
    return line + " ★" if getattr(report, "is_best", False) else line


def _default_choice() -> str:
    """The key of the engine's default architecture (TrainConfig's arch and attention variant)."""
    from ...engine.training.trainer import TrainConfig  # no torch at import

    return _choice_key(TrainConfig.arch, TrainConfig.attention)


class TrainPanel(QWidget):
    """Train tab. Signals: ``model_trained(path)`` after a model was saved; ``use_model_requested(path)``
    when the user asks to use it in the Classify tab."""

    model_trained = pyqtSignal(str)
    use_model_requested = pyqtSignal(str)

    def __init__(self, iface, parent=None):
        super().__init__(parent)
        self.setObjectName("TrainPanel")
        self.iface = iface
        self.task = None  # keep a reference: an unreferenced QgsTask never runs
        self._task_finished = True  # set when the task's finished() reached this panel
        self.last_model_path: Optional[str] = None
        self.epoch_reports: list = []
        self.last_error: Optional[str] = None
        self._deps_ok = True

        layout = QVBoxLayout(self)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)

        self.stack_combo = QgsCheckableComboBox(self)
        self.stack_combo.setObjectName("stackLayers")
        self.stack_combo.setDefaultText(tr("Choose the time-series raster(s)"))
        self.stack_combo.setToolTip(tr("One multi-band stack, or several single-date rasters of the same grid."))
        form.addRow(tr("Time series"), self.stack_combo)
        self.stack_label = QLabel(self)
        self.stack_label.setObjectName("stackLabel")
        self.stack_label.setWordWrap(True)
        form.addRow("", self.stack_label)

        self.field_layer_combo = QgsMapLayerComboBox(self)
        self.field_layer_combo.setObjectName("fieldLayer")
        self.field_layer_combo.setFilters(layer_filter("vector"))
        self.field_layer_combo.setAllowEmptyLayer(True)
        form.addRow(tr("Field data"), self.field_layer_combo)

        self.class_field_combo = QgsFieldComboBox(self)
        self.class_field_combo.setObjectName("classField")
        self.class_field_combo.setToolTip(tr("Field holding the class (numeric ids, or names)."))
        form.addRow(tr("Class field"), self.class_field_combo)

        self.name_field_combo = QgsFieldComboBox(self)
        self.name_field_combo.setObjectName("nameField")
        self.name_field_combo.setAllowEmptyFieldName(True)
        self.name_field_combo.setToolTip(tr("Optional field with the class names beside numeric ids."))
        form.addRow(tr("Class name field"), self.name_field_combo)

        self.arch_combo = QComboBox(self)
        self.arch_combo.setObjectName("architecture")
        for key, _arch, _variant in ARCHITECTURES:
            self.arch_combo.addItem(architecture_label(key), key)
        self.arch_combo.setCurrentIndex(max(0, self.arch_combo.findData(_default_choice())))
        form.addRow(tr("Architecture"), self.arch_combo)

        self.epochs_spin = QSpinBox(self)
        self.epochs_spin.setObjectName("epochs")
        self.epochs_spin.setRange(1, 1000)
        self.epochs_spin.setValue(60)
        form.addRow(tr("Epochs"), self.epochs_spin)

        self.seed_spin = QSpinBox(self)
        self.seed_spin.setObjectName("seed")
        self.seed_spin.setRange(0, 2_000_000_000)
        self.seed_spin.setValue(0)
        form.addRow(tr("Seed"), self.seed_spin)

        # cloud masking (engine.data.validity): dates declared cloudier than the threshold are filled in by day
        from ...engine.data.validity import DEFAULT_CLOUD_FRACTION_MAX  # no torch at import

        clouds = QHBoxLayout()
        self.cloud_mask_check = QCheckBox(tr("Mask cloudy dates"), self)
        self.cloud_mask_check.setObjectName("maskCloudyDates")
        self.cloud_mask_check.setChecked(True)
        self.cloud_mask_check.setToolTip(tr(
            "A date whose declared cloud fraction exceeds the threshold counts as missing and is filled in from "
            "the neighbouring dates; the model keeps the setting. A stack that declares no cloud fraction is "
            "used as it is."))
        self.cloud_threshold_spin = QDoubleSpinBox(self)
        self.cloud_threshold_spin.setObjectName("cloudFractionMax")
        self.cloud_threshold_spin.setRange(0.0, 1.0)
        self.cloud_threshold_spin.setSingleStep(0.05)
        self.cloud_threshold_spin.setDecimals(2)
        self.cloud_threshold_spin.setValue(DEFAULT_CLOUD_FRACTION_MAX)
        self.cloud_threshold_spin.setToolTip(tr("Cloud fraction above which a date is masked (0..1)"))
        self.cloud_mask_check.toggled.connect(self.cloud_threshold_spin.setEnabled)
        clouds.addWidget(self.cloud_mask_check, 1)
        clouds.addWidget(QLabel(tr("above"), self))
        clouds.addWidget(self.cloud_threshold_spin)
        form.addRow(tr("Clouds"), clouds)

        self.device_combo = QComboBox(self)
        self.device_combo.setObjectName("device")
        for device in DEVICES:
            self.device_combo.addItem(tr("automatic (GPU when available)") if device == "auto" else device, device)
        form.addRow(tr("Device"), self.device_combo)

        self.output_widget = QgsFileWidget(self)
        self.output_widget.setObjectName("outputModel")
        self.output_widget.setStorageMode(QgsFileWidget.StorageMode.SaveFile)
        self.output_widget.setFilter(tr("Land Cover XAI model (*.lcx)"))
        settings.remember_file_widget(self.output_widget, settings.TRAIN_MODEL_FILE)  # opens where it last saved
        form.addRow(tr("Save model as"), self.output_widget)
        layout.addLayout(form)

        buttons = QHBoxLayout()
        self.train_button = QPushButton(tr("Train"), self)
        self.train_button.setObjectName("trainButton")
        self.train_button.clicked.connect(lambda *_: self._on_train_clicked())
        self.cancel_button = QPushButton(tr("Cancel"), self)
        self.cancel_button.setObjectName("cancelButton")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        buttons.addWidget(self.train_button, 1)
        buttons.addWidget(self.cancel_button)
        layout.addLayout(buttons)

        self.progress_bar = QProgressBar(self)
        self.progress_bar.setRange(0, 100)
        self.progress_bar.setValue(0)
        layout.addWidget(self.progress_bar)
        self.epoch_label = QLabel(self)
        self.epoch_label.setObjectName("epochLabel")
        self.epoch_label.setWordWrap(True)
        layout.addWidget(self.epoch_label)
        self.log = QPlainTextEdit(self)
        self.log.setObjectName("epochLog")
        self.log.setReadOnly(True)
        self.log.setMaximumBlockCount(2000)
        self.log.setMinimumHeight(90)
        layout.addWidget(self.log, 1)
        self.status_label = QLabel(self)
        self.status_label.setObjectName("statusLabel")
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.status_label)
        self.use_button = QPushButton(tr("Use this model in the Classify tab"), self)
        self.use_button.setObjectName("useModelButton")
        self.use_button.setVisible(False)
        self.use_button.clicked.connect(self._on_use_clicked)
        layout.addWidget(self.use_button)

        self.field_layer_combo.layerChanged.connect(self._on_field_layer_changed)
        self._on_field_layer_changed(self.field_layer_combo.currentLayer())
        self.stack_combo.checkedItemsChanged.connect(lambda *_: self.refresh_stack_info())
        project = QgsProject.instance()
        project.layersAdded.connect(self._on_project_layers_changed)
        project.layersRemoved.connect(self._on_project_layers_changed)
        self.refresh_stack_layers()

    # --- inputs -------------------------------------------------------------------------------------------
    def refresh_stack_layers(self) -> None:
        """List the project's raster layers as time-series choices, keeping the checked ones checked."""
        checked = set(self.stack_combo.checkedItemsData())
        self.stack_combo.clear()
        for layer in QgsProject.instance().mapLayers().values():
            if isinstance(layer, QgsRasterLayer):
                self.stack_combo.addItemWithCheckState(
                    layer.name(), Qt.CheckState.Checked if layer.id() in checked else Qt.CheckState.Unchecked,
                    layer.id())

    def _on_project_layers_changed(self, *_args) -> None:
        try:
            self.refresh_stack_layers()
        except RuntimeError:  # the panel was deleted before the project signal arrived
            pass

    def set_stack_layers(self, layers) -> None:
        """Check exactly ``layers`` (raster layers of the project) as the time series."""
        self.refresh_stack_layers()
        wanted = {layer.id() for layer in layers}
        for i in range(self.stack_combo.count()):
            state = Qt.CheckState.Checked if self.stack_combo.itemData(i) in wanted else Qt.CheckState.Unchecked
            self.stack_combo.setItemCheckState(i, state)
        self.refresh_stack_info()

    @slot_boundary("Training")
    def refresh_stack_info(self) -> None:
        """Show what the engine reads in the checked rasters (metadata only, cached), or why they are no stack."""
        layers = self.stack_layers()
        text, style = "", ""
        if layers:
            try:
                text = stack_summary(stack_info(raster_layer_paths(layers)))
            except LcxError as exc:
                text, style = str(exc), "color: #b3261e;"
        self.stack_label.setText(text)
        self.stack_label.setStyleSheet(style)

    def stack_layers(self) -> list:
        """The checked time-series layers, in list order."""
        project = QgsProject.instance()
        return [project.mapLayer(i) for i in self.stack_combo.checkedItemsData() if project.mapLayer(i)]

    def _on_field_layer_changed(self, layer) -> None:
        self.class_field_combo.setLayer(layer)
        self.name_field_combo.setLayer(layer)
        if layer is not None:
            self.name_field_combo.setField("")
            guess = guess_class_field(layer)
            if guess:
                self.class_field_combo.setField(guess)

    def build_config(self):
        """The TrainConfig of the chosen architecture, epochs, seed, device and cloud masking."""
        from ...engine.data.validity import training_validity
        from ...engine.training.trainer import TrainConfig  # no torch at import

        key = self.arch_combo.currentData()
        _key, arch, variant = next(a for a in ARCHITECTURES if a[0] == key)
        validity = training_validity(self.cloud_mask_check.isChecked(), float(self.cloud_threshold_spin.value()))
        return TrainConfig(arch=arch, attention=variant, epochs=int(self.epochs_spin.value()),
                           seed=int(self.seed_spin.value()), device=str(self.device_combo.currentData()),
                           validity=validity)

    def build_job(self):
        """The TrainJob for the current inputs; LcxError with a user message when something is missing."""
        from ...engine.jobs import TrainJob

        layers = self.stack_layers()
        if not layers:
            raise LcxError(tr("Choose the time-series raster layer(s) to train on."))
        stack_paths = raster_layer_paths(layers)
        stack_info(stack_paths)  # rasters that make no stack are refused here, before a task starts
        field_layer = self.field_layer_combo.currentLayer()
        if field_layer is None:
            raise LcxError(tr("Choose the field-data layer (polygons or points with a class field)."))
        class_field = self.class_field_combo.currentField()
        if not class_field:
            raise LcxError(tr("Choose the field that holds the class in layer '{name}'.").format(
                name=field_layer.name()))
        name_field = self.name_field_combo.currentField() or None
        out = (self.output_widget.filePath() or "").strip()
        if not out:
            raise LcxError(tr("Choose where to save the model (a .lcx file)."))
        if not out.lower().endswith(".lcx"):
            out += ".lcx"
        folder = os.path.dirname(os.path.abspath(out))
        if not os.path.isdir(folder):
            above = folder
            while above and not os.path.lexists(above) and os.path.dirname(above) != above:
                above = os.path.dirname(above)
            if os.path.lexists(above) and not os.path.isdir(above):  # the path goes on under a file
                raise LcxError(tr("{path} is a file, not a folder: the model cannot be saved under it; choose "
                                  "another place for the model.").format(path=above))
            raise LcxError(tr("The folder {folder} does not exist: choose another place for the model.").format(
                folder=folder))
        path, layer_name = vector_layer_source(field_layer)
        return TrainJob(stack_paths=stack_paths, labels_path=path, out_model=out, class_field=class_field,
                        name_field=name_field, layer=layer_name, config=self.build_config())

    # --- running ------------------------------------------------------------------------------------------
    def is_running(self) -> bool:
        """True from Train until the task's end has been shown (GUI thread)."""
        return self.task is not None and not self._task_finished

    @slot_boundary("Training")
    def _on_train_clicked(self) -> None:
        self.start_training()

    def start_training(self):
        """Start the training task; returns it (None when an input is missing: the message says which)."""
        if self.is_running():
            return self.task
        self.last_error = None
        try:
            job = self.build_job()
        except LcxError as exc:
            self._show_error(str(exc))
            return None
        from ..tasks import TrainTask

        self.epoch_reports = []
        self.log.clear()
        self.epoch_label.clear()
        self.use_button.setVisible(False)
        self.progress_bar.setValue(0)
        self.progress_bar.setMaximum(100)
        self.status_label.setText(tr("Training on {n} raster(s); the model will be saved to {path}.").format(
            n=len(job.stack_paths), path=job.out_model))
        task = TrainTask(job, iface=self.iface, title=tr("Training"))
        task.epoch_reported.connect(self._on_epoch)
        task.succeeded.connect(self._on_succeeded)
        task.failed.connect(self._on_failed)
        task.canceled_by_user.connect(self._on_cancelled)
        self.task = task
        self._task_finished = False
        self._set_running(True)
        QgsApplication.taskManager().addTask(task)
        return task

    def cancel(self) -> None:
        """Ask the running training to stop after the current batch (no model file is written)."""
        if self.is_running():
            self.status_label.setText(tr("Cancelling after the current batch…"))
            self.task.cancel()

    def _set_running(self, running: bool) -> None:
        self.train_button.setEnabled(not running and self._deps_ok)
        self.cancel_button.setEnabled(running)

    @slot_boundary("Training")
    def _on_epoch(self, report) -> None:
        if report is None:
            return
        self.epoch_reports.append(report)
        line = format_epoch(report)
        self.epoch_label.setText(line)
        self.log.appendPlainText(line)
        epoch, n = getattr(report, "epoch", None), getattr(report, "n_epochs", None)
        if isinstance(epoch, int) and isinstance(n, int) and n > 0:
            self.progress_bar.setValue(int(round(100 * epoch / n)))

    @slot_boundary("Training")
    def _on_succeeded(self, bundle) -> None:
        self._task_finished = True
        self._set_running(False)
        path = self.task.train_job.out_model
        self.last_model_path = path
        self.progress_bar.setValue(100)
        test = (getattr(bundle, "report", None) or {}).get("test") or {}
        text = tr("Model saved: {path}.").format(path=path)
        if test:
            text += " " + tr("Test blocks: OA {oa:.3f}, macro-F1 {f1:.3f}, κ {kappa:.3f}.").format(
                oa=float(test.get("overall_accuracy") or 0), f1=float(test.get("macro_f1") or 0),
                kappa=float(test.get("kappa") or 0))
        self.status_label.setText(text)
        self.use_button.setVisible(True)
        push_message(self.iface, tr("Training"), text, Qgis.MessageLevel.Success)
        self.model_trained.emit(path)

    def _on_failed(self, message: str) -> None:
        self._task_finished = True
        self._set_running(False)
        self.last_error = message
        self.status_label.setText(message)

    def _on_cancelled(self) -> None:
        self._task_finished = True
        self._set_running(False)
        self.status_label.setText(tr("Training cancelled: no model was written."))

    def _on_use_clicked(self) -> None:
        if self.last_model_path:
            self.use_model_requested.emit(self.last_model_path)

    def _show_error(self, message: str) -> None:
        self.last_error = message
        self.status_label.setText(message)
        push_message(self.iface, tr("Training"), message, Qgis.MessageLevel.Warning)

    # --- dock hooks ---------------------------------------------------------------------------------------
    def set_dependencies_ok(self, ok: bool) -> None:
        """Train stays disabled while torch / captum are missing."""
        self._deps_ok = bool(ok)
        self._set_running(self.is_running())

    def shutdown(self) -> None:
        """Cancel a running training and stop listening to the project (plugin unload)."""
        if self.is_running():
            self.task.cancel()
        project = QgsProject.instance()
        for signal in (project.layersAdded, project.layersRemoved):
            try:
                signal.disconnect(self._on_project_layers_changed)
            except (TypeError, RuntimeError):
                pass
