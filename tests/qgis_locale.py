"""QGIS switched to another user-interface language for a test, as a user sets it, and put back afterwards."""
from __future__ import annotations

import contextlib

LOCALE_KEYS = ("locale/overrideFlag", "locale/userLocale")


@contextlib.contextmanager
def qgis_language(locale: str = "fr_FR", install: bool = True):
    """QGIS's locale override set to ``locale`` (the settings a user changes), the plugin's translator installed
    when ``install`` (yielded; None otherwise); on exit the translator removed and the settings restored and
    synced (the test process ends with os._exit, conftest: unsynced, the language would stay for the next run)."""
    from qgis.core import QgsSettings

    from land_cover_xai_plugin.gui import i18n

    settings = QgsSettings()
    saved = {key: settings.value(key) for key in LOCALE_KEYS}
    settings.setValue("locale/overrideFlag", True)
    settings.setValue("locale/userLocale", locale)
    translator = i18n.install_translator(locale.split("_")[0]) if install else None
    try:
        yield translator
    finally:
        if translator is not None:
            i18n.remove_translator(translator)
        for key, value in saved.items():
            if value is None:
                settings.remove(key)
            else:
                settings.setValue(key, value)
        settings.sync()
