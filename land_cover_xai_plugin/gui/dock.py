"""The plugin's dock panel (foundation version: dependency status and diagnostics)."""
from __future__ import annotations

from qgis.gui import QgsDockWidget
from qgis.PyQt.QtCore import QCoreApplication
from qgis.PyQt.QtWidgets import QApplication, QLabel, QPushButton, QVBoxLayout, QWidget

from ..engine import dependencies


def tr(text: str) -> str:
    return QCoreApplication.translate("LandCoverXaiDock", text)


class LandCoverXaiDock(QgsDockWidget):
    def __init__(self, iface, parent=None):
        super().__init__(tr("Land Cover XAI"), parent)
        self.iface = iface
        body = QWidget(self)
        layout = QVBoxLayout(body)
        self.dependency_label = QLabel(body)
        self.dependency_label.setObjectName("dependencyLabel")
        self.dependency_label.setWordWrap(True)
        self.dependency_label.setTextInteractionFlags(self.dependency_label.textInteractionFlags() | 1)
        layout.addWidget(self.dependency_label)
        self.diagnostics_button = QPushButton(tr("Copy diagnostics"), body)
        self.diagnostics_button.clicked.connect(self.copy_diagnostics)
        layout.addWidget(self.diagnostics_button)
        layout.addStretch(1)
        self.setWidget(body)
        self.refresh_dependencies()

    def refresh_dependencies(self) -> list[str]:
        missing = dependencies.missing_packages()
        if missing:
            self.dependency_label.setText(dependencies.missing_message(missing))
        else:
            self.dependency_label.setText(tr("torch and captum found: ready."))
        return missing

    def copy_diagnostics(self) -> str:
        text = dependencies.diagnostics()
        QApplication.clipboard().setText(text)
        return text

    def shutdown(self) -> None:
        """Called by the plugin's unload(): cancel running work, drop map tools."""
