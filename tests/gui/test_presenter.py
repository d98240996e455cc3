"""Presenter mode: one click opens the demo run full screen, a click tells the pixel's story, the game scores
and resets itself, nothing a visitor reads is jargon or a path."""
from __future__ import annotations

import numpy as np
import pytest
from qgis.core import QgsPointXY, QgsProject
from qgis.PyQt.QtWidgets import QAbstractButton, QLabel

pytest.importorskip("torch")

from land_cover_xai_plugin.engine.explain import story as story_facts
from land_cover_xai_plugin.gui.dock import LandCoverXaiDock
from land_cover_xai_plugin.gui.presenter import story as story_words
from land_cover_xai_plugin.gui.presenter.game import GuessingGame
from land_cover_xai_plugin.gui.presenter.window import CLASSES, EXPLANATION, PHOTO

JARGON = ("grad-cam", "shap", "kappa", "κ", "/tmp", ".tif", "attention", "occlusion", "f1")


def visible_texts(widget) -> list:
    return [w.text() for w in widget.findChildren((QLabel, QAbstractButton)) if w.text()]


@pytest.fixture
def presenter(qgis_iface, qgis_new_project, tmp_path):
    from pytest_qgis.utils import wait_until

    dock = LandCoverXaiDock(qgis_iface)
    dock.classify_panel.out_folder.setFilePath(str(tmp_path))
    outcome = []
    dock.classify_panel.run_finished.connect(outcome.append)
    window = dock.open_presenter()
    wait_until(lambda: bool(outcome), timeout_milliseconds=120_000)
    assert outcome == ["success"], dock.classify_panel.status_label.text()
    yield window
    dock.shutdown()
    dock.deleteLater()


def test_one_click_opens_the_demo_run_full_screen_with_photo_map_and_explanation(presenter):
    assert presenter.isVisible()  # full screen: seen on the real desktop (offscreen keeps no window state)
    assert {PHOTO, CLASSES, EXPLANATION} <= set(presenter.layers)
    assert presenter.layers[CLASSES] in QgsProject.instance().mapLayers().values()  # the run's own layer
    # its own run computes only what it shows (the visitor waits for it)
    assert set(presenter.panel.last_layers) == {"prediction", "confidence", "occlusion_dates"}
    assert presenter.canvas.layers() == [presenter.layers[CLASSES]]
    names = {t for t in visible_texts(presenter.legend)}
    assert {"forest", "grassland"} <= names
    presenter.set_mode(PHOTO)
    assert presenter.canvas.layers() == [presenter.layers[PHOTO]]
    assert presenter.layers[PHOTO].renderer().redBand() == 4  # B04 of the first (clear) date
    presenter.date_slider.setValue(3)
    assert presenter.layers[PHOTO].renderer().redBand() == 3 * 13 + 4
    presenter.set_mode(EXPLANATION)
    assert presenter.layers[EXPLANATION].renderer().band() == 4
    presenter.date_slider.setValue(1)
    assert "(cloudy)" in presenter.date_label.text()
    texts = " ".join(visible_texts(presenter)).lower()
    assert not [j for j in JARGON if j in texts], texts


def test_a_click_tells_the_pixel_story_from_its_measured_explanation(presenter):
    from pytest_qgis.utils import wait_until

    where = presenter.pixel_of(presenter.map_point(50, 50))
    assert where == (50, 50)
    assert presenter.pixel_of(QgsPointXY(0, 0)) is None
    presenter._on_map_clicked(QgsPointXY(0, 0))
    assert "outside" in presenter.story_label.text()
    task = presenter.explain(50, 50)
    assert task is not None and presenter.task is task
    wait_until(lambda: presenter.last_facts is not None, timeout_milliseconds=120_000)
    facts = presenter.last_facts
    text = presenter.story_label.text()
    assert facts.predicted_name in text
    assert facts.cloudy_dates == ["2015-07-31", "2015-08-20"]
    # the bundled model stores a passing verdict for the per-date occlusion the story measures: dates are told
    assert facts.date_check.passed and facts.date_check.verdict.startswith("passes")
    assert facts.top_dates or facts.dates_redundant
    if facts.top_dates:
        assert "that mattered most w" in text  # "The image ... was" / "The images ... were taken on"
    assert "The cloudy images did not count." in text  # masked dates are no players of the occlusion
    assert not [r for r in facts.top_dates if r.key in facts.cloudy_dates]
    # the season picture is the photo's stretch (per band 2-98 %), not a per-pixel brightening
    assert presenter._stretch is not None and len(presenter._stretch) == 5  # one per date, as each photo


def test_the_game_scores_the_visitor_then_the_model_answers_with_the_field_truth(presenter):
    from pytest_qgis.utils import wait_until

    here = presenter.new_round()
    assert presenter.guess_box.isVisibleTo(presenter) and presenter.marker.isVisible()
    answer = presenter.guess(here.truth_id)
    assert answer.correct and presenter.game.score == 1 and presenter.game.played == 1
    assert presenter.score_label.text() == "Score: 1 / 1"
    wait_until(lambda: "In the field" in presenter.story_label.text(), timeout_milliseconds=120_000)
    assert presenter.story_label.text().startswith(f"You said: {presenter._class_name(here.truth_id)}.")
    assert "Hatched: clouds" in presenter.season_caption.text()
    presenter.game.reset()
    assert presenter.score_label.text() == "Score: 0 / 0" and not presenter.marker.isVisible()


def test_the_game_resets_itself_after_the_idle_interval(qgis_app):
    from pytest_qgis.utils import wait_until

    labels = np.array([[0, 2, 2], [3, 3, 0]])
    game = GuessingGame(labels, [2, 3, 8], idle_ms=50, seed=1)
    resets = []
    game.reset_done.connect(lambda: resets.append(1))
    for _ in range(20):  # every class of the truth comes up, never an unknown place
        here = game.new_round()
        assert labels[here.row, here.col] == here.truth_id != 0
    game.guess(here.truth_id)
    game.guess(0)  # a second guess on the same place does not count
    assert (game.score, game.played) == (1, 1)
    wait_until(lambda: bool(resets), timeout_milliseconds=2_000)
    assert (game.score, game.played, game.current) == (0, 0, None)


def test_story_words_never_name_a_reason_that_failed_its_check(qgis_app):
    facts = story_facts.StoryFacts(predicted_id=2, predicted_name="forest", probability=0.9,
                                   date_check=story_facts.QualityCheck(story_facts.FAILED),
                                   band_check=story_facts.QualityCheck(story_facts.FAILED))
    text = story_words.story_text(facts)
    assert text.startswith("Here the model sees: forest.") and "did not pass its quality check" in text
    facts.top_bands = [story_facts.Reason("near_infrared", 0.6)]
    facts.band_check = story_facts.QualityCheck(story_facts.PASSED)
    text = story_words.story_text(facts)
    assert "near infrared" in text and "Which images mattered, I cannot tell" in text
    facts.top_dates = [story_facts.Reason("2015-07-11", 0.5), story_facts.Reason("2015-09-09", 0.3)]
    facts.cloudy_dates, facts.cloudy_share = ["2015-07-31"], 0.02
    text = story_words.story_text(facts)
    assert "11 July and 9 September" in text and "The cloudy images did not count." in text
    facts.top_dates = facts.top_dates[:1]
    assert "The image that mattered most was taken on 11 July." in story_words.story_text(facts)
    # checked, but no single date moved the answer: said so, no date named
    facts.top_dates, facts.dates_redundant = [], True
    facts.date_check = story_facts.QualityCheck(story_facts.PASSED)
    text = story_words.story_text(facts)
    assert "No single image decided it" in text and "July" not in text and "cannot tell" not in text
    # a failed date check never names a date, whatever the facts hold
    facts.dates_redundant = False
    facts.date_check = story_facts.QualityCheck(story_facts.FAILED)
    text = story_words.story_text(facts)
    assert "Which images mattered, I cannot tell" in text and "did not pass its quality check" in text


def test_esc_and_the_operator_corner_leave(presenter):
    presenter.operator_button.click()
    assert not presenter.isVisible()
    assert not presenter._filter_installed


def _receivers(obj) -> dict:
    """{signal signature: receiver count} for every signal of ``obj``."""
    from qgis.PyQt.QtCore import QMetaMethod

    meta, counts = obj.metaObject(), {}
    for i in range(meta.methodCount()):
        method = meta.method(i)
        if method.methodType() == QMetaMethod.MethodType.Signal:
            name = bytes(method.name()).decode()
            signal = getattr(obj, name, None)
            if signal is not None and hasattr(signal, "connect"):
                try:
                    counts[name] = obj.receivers(signal)
                except (TypeError, RuntimeError):
                    pass
    return counts


def test_unload_disconnects_every_signal_the_plugin_connected(qgis_iface, qgis_new_project):
    import land_cover_xai_plugin

    watched = (QgsProject.instance(), qgis_iface.mapCanvas())
    before = [_receivers(obj) for obj in watched]
    plugin = land_cover_xai_plugin.classFactory(qgis_iface)
    plugin.initGui()
    during = [_receivers(obj) for obj in watched]
    assert during[0]["layersAdded"] > before[0]["layersAdded"]  # the count sees the plugin's connections
    plugin.dock.activate_pixel_tool()
    plugin.unload()
    from qgis.PyQt.QtCore import QCoreApplication, QEvent

    # the dock's widgets go with deleteLater(): Qt widgets (layer combo boxes) drop their own connections then
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    after = [_receivers(obj) for obj in watched]
    for obj, was, now in zip(watched, before, after):
        grown = {name: (was.get(name), n) for name, n in now.items() if n > was.get(name, 0)}
        assert not grown, f"{type(obj).__name__} keeps handlers after unload: {grown}"
