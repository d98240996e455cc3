"""Loads the plugin's Qt translation (i18n/land_cover_xai_<lang>.qm) for QGIS's UI language."""
from __future__ import annotations

from pathlib import Path

from qgis.core import QgsSettings
from qgis.PyQt.QtCore import QCoreApplication, QLocale, QTranslator

I18N_DIR = Path(__file__).resolve().parent.parent / "i18n"


def ui_language() -> str:
    """QGIS's UI language ('fr', 'en', ...): the user override if set, else the system locale."""
    settings = QgsSettings()
    if settings.value("locale/overrideFlag", False, type=bool):
        locale = settings.value("locale/userLocale", "", type=str) or "en"
    else:
        locale = settings.value("locale/userLocale", "", type=str) or QLocale.system().name()
    return (locale or "en")[:2]


def install_translator(language: str | None = None) -> QTranslator | None:
    qm = I18N_DIR / f"land_cover_xai_{language or ui_language()}.qm"
    if not qm.exists():
        return None
    translator = QTranslator()
    if not translator.load(str(qm)):
        return None
    QCoreApplication.installTranslator(translator)
    return translator


def remove_translator(translator: QTranslator | None) -> None:
    if translator is not None:
        QCoreApplication.removeTranslator(translator)
