"""QGIS startup script: presses the dock's one-click demo button, as a demo operator would.

    LCX_LOCALE=fr LCX_DESKTOP_WAIT=40 bash scripts/desktop.sh .venv/bin/python \\
        --screenshot docs/demo_fr.png --code scripts/screenshot_demo.py
"""
from qgis.PyQt.QtCore import QTimer
from qgis.PyQt.QtWidgets import QApplication, QDockWidget
from qgis.utils import iface, plugins


def press_demo():
    window = iface.mainWindow()
    window.setGeometry(QApplication.primaryScreen().availableGeometry())  # Xvfb has no window manager
    browser = window.findChild(QDockWidget, "Browser")
    if browser is not None:
        browser.hide()
    dock = plugins["land_cover_xai_plugin"].dock
    dock.show()
    window.resizeDocks([dock], [520], 1)  # 1 = Qt.Horizontal
    dock.demo_button.click()


QTimer.singleShot(1500, press_demo)
