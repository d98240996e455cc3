"""The plugin's dock: dependency banner, "Explain a pixel", and the Classify / Train / Validate tabs.

The Train and Validate tabs and the pixel map tool live in their own modules; they are imported
guarded, so the dock still opens (with the Classify tab) when one of them is missing or broken.
"""
from __future__ import annotations

import traceback

from qgis.core import Qgis, QgsMessageLog
from qgis.gui import QgsDockWidget
from qgis.PyQt.QtCore import QCoreApplication, Qt
from qgis.PyQt.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ..engine import dependencies
from .panels.classify_panel import ClassifyPanel

LOG_TAG = "Land Cover XAI"
BANNER_STYLE = "QLabel { background: #fff4ce; border: 1px solid #e0b252; padding: 6px; color: #4a3b00; }"


def tr(text: str) -> str:
    return QCoreApplication.translate("LandCoverXaiDock", text)


def _scrolled(widget: QWidget, parent: QWidget) -> QScrollArea:
    area = QScrollArea(parent)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidget(widget)
    return area


class LandCoverXaiDock(QgsDockWidget):
    def __init__(self, iface, parent=None):
        super().__init__(tr("Land Cover XAI"), parent)
        self.iface = iface
        self.pixel_tool = None
        self.train_panel = None
        self.validate_panel = None
        self.presenter = None  # gui/presenter/window.py, made on the first click
        body = QWidget(self)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)

        self.dependency_label = QLabel(body)
        self.dependency_label.setObjectName("dependencyLabel")
        self.dependency_label.setWordWrap(True)
        self.dependency_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.dependency_label)

        self.demo_button = QPushButton(tr("Run the demo: classify and explain the bundled sample"), body)
        self.demo_button.setObjectName("runDemoButton")
        self.demo_button.setToolTip(tr("One click, offline: adds the bundled Sentinel-2 sample (Slovenia 2015) to "
                                       "the map and runs the bundled model with Grad-CAM and band attention"))
        self.demo_button.clicked.connect(lambda _checked=False: self.run_demo())  # clicked(bool) is no method list
        layout.addWidget(self.demo_button)

        row = QHBoxLayout()
        self.explain_button = QPushButton(tr("Explain a pixel"), body)
        self.explain_button.setObjectName("explainPixelButton")
        self.explain_button.setCheckable(True)
        self.explain_button.setToolTip(tr("Click a pixel on the map: its class probabilities, Grad-CAM over "
                                          "dates and SHAP by band and date"))
        self.explain_button.toggled.connect(self._on_explain_toggled)
        self.diagnostics_button = QPushButton(tr("Copy diagnostics"), body)
        self.diagnostics_button.setToolTip(tr("Copy versions of Python, torch, captum, GDAL to the clipboard, "
                                              "for a bug report"))
        self.diagnostics_button.clicked.connect(self.copy_diagnostics)
        row.addWidget(self.explain_button, 1)
        row.addWidget(self.diagnostics_button)
        layout.addLayout(row)
        self.presenter_button = QPushButton(tr("Presenter mode"), body)
        self.presenter_button.setObjectName("presenterModeButton")
        self.presenter_button.setToolTip(tr("Full screen for a public: the demo's map, a big legend, a click tells "
                                            "why; Esc leaves"))
        self.presenter_button.clicked.connect(self.open_presenter)
        layout.addWidget(self.presenter_button)

        self.tabs = QTabWidget(body)
        self.classify_panel = ClassifyPanel(iface, self.tabs)
        self.tabs.addTab(_scrolled(self.classify_panel, self.tabs), tr("Classify"))
        self.train_panel = self._optional_tab("panels.train_panel", "TrainPanel", tr("Train"))
        self.validate_panel = self._optional_tab("panels.validate_panel", "ValidatePanel", tr("Validate"))
        layout.addWidget(self.tabs, 1)
        self.setWidget(body)
        self.setMinimumWidth(430)  # the forms stay readable without a horizontal scroll bar
        self.classify_panel.inputs_changed.connect(self._on_inputs_changed)
        use_model = getattr(self.train_panel, "use_model_requested", None)
        if use_model is not None:
            use_model.connect(self.use_model)
        self.refresh_dependencies()

    def _optional_tab(self, module: str, cls: str, title: str):
        """Add a tab from gui/<module>.py if it imports and builds; log why not otherwise."""
        try:
            mod = __import__(f"{__package__}.{module}", fromlist=[cls])
            panel = getattr(mod, cls)(self.iface, self.tabs)
        except Exception:  # noqa: BLE001 - a missing / broken tab must not take the dock down
            QgsMessageLog.logMessage(f"{title} tab unavailable:\n{traceback.format_exc()}", LOG_TAG,
                                     Qgis.MessageLevel.Warning)
            return None
        self.tabs.addTab(_scrolled(panel, self.tabs), title)
        return panel

    # ------------------------------------------------------------------ dependencies
    def refresh_dependencies(self) -> list[str]:
        missing = dependencies.missing_packages()
        if missing:
            self.dependency_label.setText(dependencies.missing_message(missing))
            self.dependency_label.setStyleSheet(BANNER_STYLE)
        else:
            self.dependency_label.setText(tr("torch and captum found: ready."))
            self.dependency_label.setStyleSheet("")
        self.classify_panel.set_dependencies_ok(not missing)
        self.explain_button.setEnabled(not missing)
        self.demo_button.setEnabled(not missing)
        self.presenter_button.setEnabled(not missing)
        for panel in (self.train_panel, self.validate_panel):
            setter = getattr(panel, "set_dependencies_ok", None)
            if setter is not None:
                setter(not missing)
        return missing

    def copy_diagnostics(self) -> str:
        text = dependencies.diagnostics()
        QApplication.clipboard().setText(text)
        return text

    def use_model(self, path: str) -> None:
        """A model just trained in the Train tab becomes the Classify tab's model."""
        self.classify_panel.use_model(path)
        self.tabs.setCurrentIndex(0)

    def open_presenter(self):
        """The presenter's full-screen view of the demo run (gui/presenter)."""
        from .presenter.window import open_presenter

        return open_presenter(self)

    def run_demo(self, methods=("gradcam", "attention")):
        """The demo operator's one click: sample on the map, bundled model, Grad-CAM + attention, run.
        Returns the InferenceTask (None when it cannot start; the Classify tab then says why)."""
        panel = self.classify_panel
        self.tabs.setCurrentIndex(0)
        if panel.add_sample_to_map() is None:
            self.iface.messageBar().pushMessage(
                tr("Land Cover XAI"), tr("The bundled sample is missing from the plugin folder: reinstall the "
                                         "plugin."), Qgis.MessageLevel.Critical, 8)
            return None
        panel.model_combo.setCurrentIndex(panel.model_combo.findData("bundled"))
        panel.refresh_model()
        for method, check in panel.output_checks.items():
            check.setChecked(method in methods)
        return panel.run()

    # ------------------------------------------------------------------ pixel tool
    def _make_pixel_tool(self):
        from .pixel.pixel_tool import PixelExplainTool

        canvas = self.iface.mapCanvas()
        try:
            return PixelExplainTool(canvas, self.classify_panel.pixel_context, iface=self.iface)
        except TypeError:
            return PixelExplainTool(canvas, self.classify_panel.pixel_context)

    def _on_explain_toggled(self, checked: bool) -> None:
        canvas = self.iface.mapCanvas()
        if not checked:
            if self.pixel_tool is not None and canvas.mapTool() is self.pixel_tool:
                canvas.unsetMapTool(self.pixel_tool)
            return
        if self.pixel_tool is None:
            try:
                self.pixel_tool = self._make_pixel_tool()
            except Exception as exc:  # noqa: BLE001 - the tool is another module: say so, keep the dock
                QgsMessageLog.logMessage(traceback.format_exc(), LOG_TAG, Qgis.MessageLevel.Warning)
                self.iface.messageBar().pushMessage(
                    tr("Land Cover XAI"), tr("The pixel explanation tool is not available ({0}).").format(exc),
                    Qgis.MessageLevel.Warning, 6)
                self.explain_button.setChecked(False)
                return
            self.pixel_tool.deactivated.connect(lambda: self.explain_button.setChecked(False))
        canvas.setMapTool(self.pixel_tool)

    def _on_inputs_changed(self) -> None:
        """Another time series or model: the pixel view's plots and texts spoke of the previous ones."""
        if self.pixel_tool is not None:
            self.pixel_tool.clear(tr("The time series or the model changed: click a pixel to explain it."))

    def activate_pixel_tool(self):
        self.explain_button.setChecked(True)
        return self.pixel_tool

    def shutdown(self) -> None:
        """Called by the plugin's unload(): cancel running work, drop map tools."""
        if self.presenter is not None:
            self.presenter.close()
            self.presenter.release()
            self.presenter.deleteLater()
            self.presenter = None
        self.classify_panel.shutdown()
        for panel in (self.train_panel, self.validate_panel):
            stop = getattr(panel, "shutdown", None)
            if stop is not None:
                try:
                    stop()
                except Exception:  # noqa: BLE001 - unload goes on: one panel's failure must not block the rest
                    QgsMessageLog.logMessage(traceback.format_exc(), LOG_TAG, Qgis.MessageLevel.Warning)
        if self.pixel_tool is not None:
            try:
                stop = getattr(self.pixel_tool, "shutdown", None)
                if stop is not None:
                    stop()
                canvas = self.iface.mapCanvas()
                if canvas.mapTool() is self.pixel_tool:
                    canvas.unsetMapTool(self.pixel_tool)
            except Exception:  # noqa: BLE001 - unload goes on; the traceback goes to the log
                QgsMessageLog.logMessage(traceback.format_exc(), LOG_TAG, Qgis.MessageLevel.Warning)
            self.pixel_tool = None
