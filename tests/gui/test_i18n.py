"""French translation: loaded when QGIS's locale is fr, complete, placeholders intact, up to date."""
from __future__ import annotations

import ast
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from qgis.PyQt.QtCore import QCoreApplication

import land_cover_xai_plugin
from land_cover_xai_plugin.gui import i18n
from tests.qgis_locale import qgis_language

PLUGIN_DIR = Path(land_cover_xai_plugin.__file__).resolve().parent
TS = PLUGIN_DIR / "i18n" / "land_cover_xai_fr.ts"
QM = PLUGIN_DIR / "i18n" / "land_cover_xai_fr.qm"
MY_MODULES = ("gui/panels/classify_panel.py", "gui/dock.py", "gui/layers.py", "gui/tasks.py")


def ts_messages() -> list[tuple[str, str, str | None, str | None]]:
    """(context, source, translation, type) of every message of the .ts."""
    out = []
    for ctx in ET.parse(TS).getroot().findall("context"):
        for message in ctx.findall("message"):
            node = message.find("translation")
            out.append((ctx.findtext("name"), message.findtext("source"), node.text, node.get("type")))
    return out


def tr_strings(path: Path) -> set[str]:
    """Literal strings passed to tr(...) / self.tr(...) in a module."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", None)) == "tr":
            if node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                found.add(node.args[0].value)
    return found


@pytest.fixture()
def french():
    translator = i18n.install_translator("fr")
    assert translator is not None, "land_cover_xai_fr.qm is missing: run `make translations`"
    yield translator
    i18n.remove_translator(translator)


def test_tr_returns_french_for_known_strings(french):
    assert QCoreApplication.translate("ClassifyPanel", "Run") == "Lancer"
    assert QCoreApplication.translate("LandCoverXaiDock", "Explain a pixel") == "Expliquer un pixel"
    assert QCoreApplication.translate("LandCoverXaiLayers", "Class map") == "Carte des classes"
    assert QCoreApplication.translate("ClassifyAlgorithm", "Classify land cover") == "Classer l'occupation du sol"


def test_dock_speaks_french_when_the_translator_is_installed(french, qgis_iface, qgis_new_project):
    from land_cover_xai_plugin.gui.dock import LandCoverXaiDock

    dock = LandCoverXaiDock(qgis_iface)
    try:
        assert dock.tabs.tabText(0) == "Classer"
        assert dock.classify_panel.run_button.text() == "Lancer"
        assert dock.diagnostics_button.text() == "Copier le diagnostic"
    finally:
        dock.shutdown()


def test_plugin_loads_french_when_qgis_locale_is_fr(qgis_iface):
    with qgis_language("fr_FR", install=False):  # the plugin installs its translator itself
        assert i18n.ui_language() == "fr"
        plugin = land_cover_xai_plugin.classFactory(qgis_iface)
        try:
            assert plugin.translator is not None
            assert QCoreApplication.translate("ClassifyPanel", "Cancel") == "Annuler"
        finally:
            i18n.remove_translator(plugin.translator)
            plugin.translator = None
    assert QCoreApplication.translate("ClassifyPanel", "Cancel") == "Cancel"


def test_translation_is_complete_and_keeps_placeholders():
    assert QM.exists() and QM.stat().st_mtime >= TS.stat().st_mtime - 5
    messages = ts_messages()
    assert len(messages) > 100
    unfinished = [source for _, source, text, kind in messages if kind == "unfinished" or not (text or "").strip()]
    assert not unfinished, unfinished[:5]
    for _, source, text, _ in messages:
        assert sorted(re.findall(r"\{[^{}]*\}", source)) == sorted(re.findall(r"\{[^{}]*\}", text)), source
        assert sorted(re.findall(r"</?\w+>", source)) == sorted(re.findall(r"</?\w+>", text)), source


def test_every_string_is_in_the_catalogue():
    """New tr() strings need `make translations`; the dock's own modules must be fully covered."""
    catalogue = {source for _, source, _, _ in ts_messages()}
    for module in MY_MODULES:
        missing = tr_strings(PLUGIN_DIR / module) - catalogue
        assert not missing, f"{module}: {sorted(missing)[:5]} not translated: run `make translations`"
    everything = set().union(*(tr_strings(p) for folder in ("gui", "processing_provider")
                               for p in (PLUGIN_DIR / folder).rglob("*.py")))
    assert len(everything) > 300, "the scan found too few tr() strings: it no longer reads the sub-packages"
    missing = sorted(everything - catalogue)
    assert not missing, f"{len(missing)} tr() strings are not in the French catalogue, e.g. {missing[:3]}: " \
                        "run `make translations` and translate them"


def test_common_class_names_are_shown_in_french_but_unknown_ones_stay(qgis_app):
    from land_cover_xai_plugin.gui.class_names import display_name
    from land_cover_xai_plugin.gui.i18n import install_translator, remove_translator

    translator = install_translator("fr")
    try:
        assert display_name("forest") == "forêt"
        assert display_name("artificial surface") == "surface artificialisée"
        assert display_name("Douglas fir plantation") == "Douglas fir plantation"
    finally:
        remove_translator(translator)
    assert display_name("forest") == "forest"


def test_engine_texts_are_shown_in_french_whole_by_template_and_by_phrase(french):
    from land_cover_xai_plugin.gui.i18n import engine_text, short_date

    assert engine_text("class id") == "identifiant de classe"
    assert engine_text("2015-07-11: drop of P(class 2 (forest)) when this date is removed (refilled from the "
                       "other observed dates)") == ("2015-07-11 : baisse de P(classe 2 (forêt)) quand on retire "
                                                    "cette date (comblée à partir des autres dates observées)")
    assert engine_text("band gate B8A") == "porte de la bande B8A"
    verdict = "fails: pointing game 0.80 on planted data (< 0.9) (deletion 0.50 vs random 0.57, pointing game 0.80)"
    assert engine_text(verdict) == ("échoue : jeu du pointage 0.80 sur données plantées (< 0.9) (retrait 0.50 "
                                    "contre hasard 0.57, jeu du pointage 0.80)")
    assert engine_text("exact (32 coalitions of 5 dates)") == "exactes (32 coalitions de 5 dates)"
    assert engine_text("A sentence no catalogue knows.") == "A sentence no catalogue knows."
    assert engine_text(None) == "" and engine_text("") == ""
    import datetime

    assert short_date(datetime.date(2015, 7, 31), "fr").startswith("31 juil")
    assert short_date(datetime.date(2015, 7, 31), "en") == "31 Jul"


def test_engine_texts_stay_english_without_the_french_translator(qgis_app):
    from land_cover_xai_plugin.gui.i18n import engine_text

    text = "2015-07-11: drop of P(predicted class) when this date is removed (refilled from the other observed dates)"
    assert engine_text(text) == text


def test_every_engine_text_the_gui_shows_is_in_the_catalogue():
    """A method's description, each template and phrase of gui/i18n.py: listed for the translators (a method
    added to the registry without its description here would be shown in English)."""
    from land_cover_xai_plugin.engine.explain import registry
    from land_cover_xai_plugin.gui import i18n as gui_i18n

    listed = tr_strings(PLUGIN_DIR / "gui" / "i18n.py")
    assert set(gui_i18n.ENGINE_TEMPLATES) <= listed and set(gui_i18n.ENGINE_PHRASES) <= listed
    missing = [e.name for e in registry.all_explainers() if e.description not in listed]
    assert not missing, f"descriptions of {missing} are not in gui/i18n.py's engine catalogue"
