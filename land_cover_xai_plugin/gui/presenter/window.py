"""The presenter's full-screen view: the demo run's map large, a legend readable from three metres, the
true-colour image, the class map and the explanation behind one switch, one slider through the dates, the
pixel's story on a click, and the guessing game. Esc or the small "operator" button top right leaves.

Everything a visitor can press recovers: no dialog opens, a failed look at a pixel says so in the story box and
the next click starts again. The torch work (``explain_pixel``) runs in a QgsTask (a reference kept).
"""
from __future__ import annotations

import math
import traceback
from pathlib import Path
from typing import Optional

from qgis.core import (
    Qgis,
    QgsApplication,
    QgsMessageLog,
    QgsMultiBandColorRenderer,
    QgsPointXY,
    QgsProject,
    QgsRasterLayer,
)
from qgis.gui import QgsMapCanvas, QgsMapToolEmitPoint, QgsVertexMarker
from qgis.PyQt.QtCore import QCoreApplication, QEvent, QRectF, Qt
from qgis.PyQt.QtGui import QColor, QFont, QKeySequence, QPainter, QPen
from qgis.PyQt.QtWidgets import (
    QButtonGroup,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QShortcut,
    QSizePolicy,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from ...engine.explain import story as story_facts
from ..class_names import display_name
from ..layers import pseudocolor_renderer
from . import story as story_words
from .game import GuessingGame, read_labels

CONTEXT = "LandCoverXaiPresenter"
LOG_TAG = "Land Cover XAI"
PLUGIN_DIR = Path(__file__).resolve().parents[2]
SAMPLE_DIR = PLUGIN_DIR / "sample_data"
LABELS = SAMPLE_DIR / "labels_lulc.tif"
BENCHMARK_VERDICTS = PLUGIN_DIR.parent / "benchmarks" / "results" / "xai.json"  # a checkout's measured verdicts
PRESENTER_OUTPUTS = ("occlusion_dates",)  # the per-date map the demo run adds for the presenter
EXPLANATION_OUTPUT = "occlusion_dates"
# helped (blue) / white / pushed away (purple): a ramp no class colour (yellow, greens, olive, red) resembles
EXPLANATION_COLOURS = ("#762a83", "#c2a5cf", "#f7f7f7", "#92c5de", "#2166ac")
BASE_FONT_PT = 20
PHOTO, CLASSES, EXPLANATION = "photo", "classes", "explanation"


def tr(text: str) -> str:
    return QCoreApplication.translate("LandCoverXaiPresenter", text)


def ui_scale() -> float:
    """How much larger than on a 1000-pixel-high screen everything is drawn: a big screen of 1440 lines gets
    fonts and boxes 1.44 times larger, so that the legend stays readable from three metres (never smaller)."""
    from qgis.PyQt.QtWidgets import QApplication

    screen = QApplication.primaryScreen()
    height = screen.geometry().height() if screen is not None else 1000
    return max(1.0, height / 1000.0)


def px(pixels: int) -> int:
    """A size in pixels of a 1000-line screen, on this screen."""
    return int(round(pixels * ui_scale()))


def _font(points: int, bold: bool = False) -> QFont:
    font = QFont()
    font.setPointSize(int(round(points * ui_scale())))
    font.setBold(bold)
    return font


class SeasonStrip(QWidget):
    """The pixel's season: one true-colour square per date (grey hatched where cloudy / unseen), the dates
    that mattered underlined in gold."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.facts: Optional[story_facts.StoryFacts] = None
        self.setMinimumHeight(px(110))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set_facts(self, facts) -> None:
        self.facts = facts
        self.update()

    def paintEvent(self, _event):
        facts = self.facts
        if facts is None or not facts.dates:
            return
        painter = QPainter(self)
        n = len(facts.dates)
        width = self.width() / n
        side = min(width - 12, self.height() - px(46))
        mattered = {r.key for r in facts.top_dates}
        painter.setFont(_font(13))
        for i, date in enumerate(facts.dates):
            x = i * width + (width - side) / 2
            box = QRectF(x, 4, side, side)
            colour = facts.season[i] if i < len(facts.season) else None
            cloudy = date in facts.cloudy_dates
            painter.setPen(QPen(QColor("#444444"), 1))
            painter.setBrush(QColor(*colour) if colour and not cloudy else QColor("#d0d0d0"))
            painter.drawRect(box)
            if cloudy:
                painter.setBrush(Qt.BrushStyle.BDiagPattern)
                painter.drawRect(box)
                painter.drawText(box, Qt.AlignmentFlag.AlignCenter, "☁")
            if date in mattered:
                painter.setPen(QPen(QColor("#d4a017"), 6))
                painter.drawLine(int(box.left()), int(box.bottom() + 6), int(box.right()), int(box.bottom() + 6))
            painter.setPen(QColor("#222222"))
            painter.drawText(QRectF(i * width, box.bottom() + 10, width, px(32)), Qt.AlignmentFlag.AlignCenter,
                             story_words.day_text(date))
        painter.end()


class PresenterWindow(QWidget):
    """Full-screen presenter view over a classify panel's demo run.

    ``panel``: the dock's ClassifyPanel (its ``last_layers`` / ``run_finished``); ``start_run``: a callable
    that starts the demo run with the outputs the presenter needs and returns its task (None: cannot start)."""

    def __init__(self, panel, start_run, idle_ms: Optional[int] = None, parent=None):
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("LandCoverXaiPresenter")
        self.setWindowTitle(tr("Land Cover XAI: presenter mode"))
        self.panel = panel
        self.start_run = start_run
        self.mode = CLASSES
        self.layers: dict = {}
        self.own_layers: list = []  # layers made here (true colour, explanation copy): kept alive here
        self.bundle = None
        self.model = None
        self.checks: dict = {}
        self.explanation_check = story_facts.QualityCheck(story_facts.UNCHECKED)
        self.task = None  # keep a reference: an unreferenced QgsTask never runs
        self._pending = None
        self.last_facts = None
        self.last_story = ""
        self._stretch = None  # the true-colour stretch of the season picture (engine.explain.story)
        self.game: Optional[GuessingGame] = None
        self._waiting_run = False
        self._filter_installed = False
        self._build(idle_ms)

    # ------------------------------------------------------------------ layout
    def _build(self, idle_ms) -> None:
        self.setStyleSheet("QWidget#LandCoverXaiPresenter { background: #fafaf7; } "
                           "QPushButton { padding: 10px 18px; } QPushButton:checked { background: #2b5797; "
                           "color: white; }")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(16, 8, 16, 16)
        top = QHBoxLayout()
        self.title_label = QLabel(tr("What does the computer see from space?"), self)
        self.title_label.setFont(_font(BASE_FONT_PT + 10, True))
        top.addWidget(self.title_label, 1)
        self.operator_button = QPushButton(tr("Operator: leave"), self)
        self.operator_button.setObjectName("presenterOperatorButton")
        self.operator_button.setFont(_font(9))
        self.operator_button.setFlat(True)
        self.operator_button.clicked.connect(self.close)
        top.addWidget(self.operator_button, 0, Qt.AlignmentFlag.AlignTop)
        outer.addLayout(top)

        body = QHBoxLayout()
        outer.addLayout(body, 1)
        self.canvas = QgsMapCanvas(self)
        self.canvas.setCanvasColor(QColor("#fafaf7"))
        self.canvas.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.tool = QgsMapToolEmitPoint(self.canvas)
        self.tool.canvasClicked.connect(self._on_map_clicked)
        self.canvas.setMapTool(self.tool)
        self.marker = QgsVertexMarker(self.canvas)
        self.marker.setIconType(QgsVertexMarker.IconType.ICON_BOX)
        self.marker.setColor(QColor("#ff00ff"))
        self.marker.setIconSize(px(34))
        self.marker.setPenWidth(5)
        self.marker.hide()
        body.addWidget(self.canvas, 3)

        side_box = QWidget(self)
        side_box.setMaximumWidth(px(640))  # the map keeps the most room
        side = QVBoxLayout(side_box)
        side.setContentsMargins(0, 0, 0, 0)
        body.addWidget(side_box, 2)
        modes = QHBoxLayout()
        self.mode_group = QButtonGroup(self)
        self.mode_buttons = {}
        for key, text in ((PHOTO, tr("Photo")), (CLASSES, tr("Map")), (EXPLANATION, tr("Why?"))):
            button = QPushButton(text, self)
            button.setCheckable(True)
            button.setFont(_font(BASE_FONT_PT, True))
            button.clicked.connect(lambda _checked, k=key: self.set_mode(k))
            self.mode_group.addButton(button)
            self.mode_buttons[key] = button
            modes.addWidget(button)
        side.addLayout(modes)

        dates = QHBoxLayout()
        self.date_slider = QSlider(Qt.Orientation.Horizontal, self)
        self.date_slider.setMinimumHeight(px(44))
        self.date_slider.setPageStep(1)
        self.date_slider.valueChanged.connect(self._on_date_changed)
        self.date_label = QLabel(self)
        self.date_label.setFont(_font(BASE_FONT_PT))
        self.date_label.setMinimumWidth(px(260))
        dates.addWidget(self.date_slider, 1)
        dates.addWidget(self.date_label)
        side.addLayout(dates)

        self.caption_label = QLabel(self)
        self.caption_label.setWordWrap(True)
        self.caption_label.setFont(_font(BASE_FONT_PT - 4))
        side.addWidget(self.caption_label)
        self.legend = QWidget(self)
        self.legend_layout = QGridLayout(self.legend)
        self.legend_layout.setContentsMargins(0, 4, 0, 4)
        side.addWidget(self.legend)

        self.story_label = QLabel(self)
        self.story_label.setObjectName("presenterStory")
        self.story_label.setWordWrap(True)
        self.story_label.setFont(_font(BASE_FONT_PT - 2))
        self.story_label.setStyleSheet("QLabel { background: white; border: 2px solid #d0d0d0; "
                                       "border-radius: 8px; padding: 12px; }")
        self.story_label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.story_label.setMinimumHeight(px(180))
        side.addWidget(self.story_label, 1)
        self.season = SeasonStrip(self)
        side.addWidget(self.season)
        self.season_caption = QLabel(self)
        self.season_caption.setWordWrap(True)
        self.season_caption.setFont(_font(BASE_FONT_PT - 7))
        side.addWidget(self.season_caption)

        game_row = QHBoxLayout()
        self.play_button = QPushButton(tr("Play: guess!"), self)
        self.play_button.setObjectName("presenterPlayButton")
        self.play_button.setFont(_font(BASE_FONT_PT, True))
        self.play_button.clicked.connect(self.new_round)
        self.score_label = QLabel(self)
        self.score_label.setFont(_font(BASE_FONT_PT, True))
        game_row.addWidget(self.play_button, 1)
        game_row.addWidget(self.score_label)
        side.addLayout(game_row)
        self.guess_box = QWidget(self)
        self.guess_layout = QGridLayout(self.guess_box)
        self.guess_layout.setContentsMargins(0, 0, 0, 0)
        self.guess_box.hide()
        side.addWidget(self.guess_box)
        self.idle_ms = idle_ms
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, activated=self.close)
        self.set_story(tr("Getting ready…"))

    # ------------------------------------------------------------------ opening: the demo run's layers
    def open(self):
        """Show full screen and put the demo run's layers in (starting the run when there is none)."""
        screen = self.screen() if hasattr(self, "screen") else None
        if screen is not None:
            self.setGeometry(screen.geometry())  # a desktop without a window manager ignores full screen
        self.showFullScreen()
        self._install_filter()
        if self._usable_run():
            self.show_run()
            return None
        task = self.start_run()
        if task is None:
            self.set_story(tr("The demo cannot start on this computer. Operator: see the plugin's panel."))
            return None
        self._waiting_run = True
        self.panel.run_finished.connect(self._on_run_finished)
        return task

    def _usable_run(self) -> bool:
        layers = getattr(self.panel, "last_layers", None) or {}
        project = QgsProject.instance()
        return all(name in layers and project.mapLayer(layers[name].id()) is not None
                   for name in ("prediction", EXPLANATION_OUTPUT))

    def _on_run_finished(self, outcome: str) -> None:
        self._disconnect_run()
        if outcome == "success" and self._usable_run():
            self.show_run()
        else:
            self.set_story(tr("The demo did not run. Operator: leave and see the plugin's panel."))

    def _disconnect_run(self) -> None:
        if self._waiting_run:
            self._waiting_run = False
            try:
                self.panel.run_finished.disconnect(self._on_run_finished)
            except (TypeError, RuntimeError):
                pass

    def show_run(self) -> None:
        """The run's class map and explanation, a true-colour layer of the sample, the legend, the dates."""
        self.bundle = getattr(self.panel, "_run_bundle", None) or self.panel.bundle
        layers = self.panel.last_layers
        class_map = layers["prediction"]
        self.layers = {CLASSES: class_map}
        stack_layer = self.panel.layer_combo.currentLayer()
        self.dates = list(self.bundle.dates)
        self.cloud_fraction = self._cloud_fraction()
        self.stack_bands = list(self.bundle.bands)
        if stack_layer is not None:
            photo = QgsRasterLayer(stack_layer.source(), tr("Photo"), "gdal")
            if photo.isValid():
                self.layers[PHOTO] = photo
                self.own_layers.append(photo)
        explanation = layers[EXPLANATION_OUTPUT].clone()
        self.own_layers.append(explanation)
        self.layers[EXPLANATION] = explanation
        self._explanation_range = self._max_abs(explanation)
        self._load_checks()
        self.canvas.setDestinationCrs(class_map.crs())
        self.canvas.setExtent(class_map.extent())
        self.date_slider.blockSignals(True)
        self.date_slider.setRange(0, max(0, len(self.dates) - 1))
        self.date_slider.setValue(self._first_clear_date())
        self.date_slider.blockSignals(False)
        self._make_guess_buttons()
        self.set_mode(CLASSES)
        self.set_story(tr("Touch the map: the computer tells you what it sees there, and why."))

    def _cloud_fraction(self) -> list:
        try:
            from ..layer_sources import stack_info

            return list(stack_info(self.panel.current_stack_paths()).cloud_fraction_on(self.dates))
        except Exception:  # noqa: BLE001 - no metadata: only unseen dates count as cloudy
            return [None] * len(self.dates)

    def _first_clear_date(self) -> int:
        for i, fraction in enumerate(self.cloud_fraction):
            if fraction is None or fraction <= story_facts.CLOUDY_SCENE:
                return i
        return 0

    @staticmethod
    def _max_abs(layer) -> float:
        """The explanation's colour range: the 98th percentile of its absolute values over all dates (the
        largest few would wash every other place out to white)."""
        import numpy as np
        from osgeo import gdal

        dataset = gdal.Open(layer.source())
        values = dataset.ReadAsArray().astype(float) if dataset is not None else np.zeros(1)
        dataset = None
        values = np.abs(values[np.isfinite(values) & (values != 0)])
        bound = float(np.percentile(values, 98)) if values.size else 0.0
        return bound or 1.0

    def _load_checks(self) -> None:
        """The explanations' verdicts: the model file's, else a checkout's benchmark result."""
        quality = getattr(self.bundle, "explanation_quality", None) or {}
        if not story_facts.output_verdicts(quality):
            quality = story_facts.load_quality(BENCHMARK_VERDICTS) or {}
        self.checks = story_facts.quality_checks(quality)
        self.explanation_check = story_facts.check_from_verdict(
            story_facts.output_verdicts(quality).get(EXPLANATION_OUTPUT))

    # ------------------------------------------------------------------ modes, dates, legend
    def set_mode(self, mode: str) -> None:
        """Show the photo, the class map or the explanation (the two last over nothing else)."""
        if mode not in self.layers:
            mode = CLASSES if CLASSES in self.layers else mode
        self.mode = mode
        if mode in self.mode_buttons:
            self.mode_buttons[mode].setChecked(True)
        dated = mode in (PHOTO, EXPLANATION)
        self.date_slider.setEnabled(dated)
        self._on_date_changed(self.date_slider.value())
        self._fill_legend()

    def current_date_index(self) -> int:
        return int(self.date_slider.value())

    def _on_date_changed(self, index: int) -> None:
        if not self.layers:
            return
        index = max(0, min(int(index), len(self.dates) - 1))
        date = self.dates[index]
        cloudy = self.cloud_fraction[index] is not None and self.cloud_fraction[index] > story_facts.CLOUDY_SCENE
        text = story_words.day_text(date)
        self.date_label.setText(tr("{0} (cloudy)").format(text) if cloudy else text)
        if self.mode == PHOTO and PHOTO in self.layers:
            self._show_photo(index)
        elif self.mode == EXPLANATION:
            self._show_explanation(index)
        layer = self.layers.get(self.mode)
        self.canvas.setLayers([layer] if layer is not None else [])
        self.canvas.refresh()

    def _show_photo(self, index: int) -> None:
        """B04 / B03 / B02 of date ``index`` (the stack is date-major: band = t * n_bands + b + 1)."""
        layer = self.layers[PHOTO]
        per_date = layer.bandCount() // max(1, len(self.dates))
        upper = [b.upper() for b in self.stack_bands]
        rgb = [index * per_date + upper.index(b) + 1 if b in upper else 1 for b in ("B04", "B03", "B02")]
        renderer = QgsMultiBandColorRenderer(layer.dataProvider(), *rgb)
        from qgis.core import QgsContrastEnhancement

        for band, setter in zip(rgb, (renderer.setRedContrastEnhancement, renderer.setGreenContrastEnhancement,
                                      renderer.setBlueContrastEnhancement)):
            enhancement = QgsContrastEnhancement(layer.dataProvider().dataType(band))
            enhancement.setContrastEnhancementAlgorithm(
                QgsContrastEnhancement.ContrastEnhancementAlgorithm.StretchToMinimumMaximum)
            low, high = self._cut(layer, band)
            enhancement.setMinimumValue(low)
            enhancement.setMaximumValue(high)
            setter(enhancement)
        layer.setRenderer(renderer)
        layer.triggerRepaint()

    @staticmethod
    def _cut(layer, band: int) -> tuple:
        """The band's 2nd and 98th percentiles (as the season picture's stretch, per band: the blue haze of a
        top-of-atmosphere image does not tint the photo)."""
        low, high = story_facts.STRETCH_PERCENTILES
        try:
            cut = layer.dataProvider().cumulativeCut(band, low / 100.0, high / 100.0)
            lo, hi = float(cut[0]), float(cut[1])
        except (TypeError, ValueError, IndexError):
            lo, hi = 0.0, 3000.0  # L1C digital numbers: ~0.3 reflectance reads as white
        return lo, hi if hi > lo else lo + 1.0

    def _show_explanation(self, index: int) -> None:
        layer = self.layers[EXPLANATION]
        bound = self._explanation_range
        renderer = pseudocolor_renderer(layer, EXPLANATION_COLOURS, -bound, bound)
        set_band = getattr(renderer, "setInputBand", None) or renderer.setBand
        set_band(index + 1)
        layer.setRenderer(renderer)
        layer.triggerRepaint()

    def _clear_legend(self) -> None:
        while self.legend_layout.count():
            item = self.legend_layout.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()

    def _legend_row(self, row: int, colour: str, text: str) -> None:
        swatch = QLabel(self.legend)
        swatch.setFixedSize(px(56), px(40))
        swatch.setStyleSheet(f"QLabel {{ background: {colour}; border: 1px solid #555555; }}")
        label = QLabel(text, self.legend)
        label.setFont(_font(BASE_FONT_PT + 2, True))
        label.setWordWrap(True)
        self.legend_layout.addWidget(swatch, row, 0)
        self.legend_layout.addWidget(label, row, 1)

    def _fill_legend(self) -> None:
        self._clear_legend()
        if self.bundle is None:
            return
        if self.mode == CLASSES:
            self.caption_label.setText(tr("What the computer recognises in each place:"))
            for row, info in enumerate(self.bundle.classes):
                self._legend_row(row, str(info.color), display_name(info.name))
        elif self.mode == EXPLANATION:
            caption = tr("For the image of the chosen day: did it help the computer choose its answer?")
            if self.explanation_check.status == story_facts.FAILED:
                caption += " " + tr("Careful: this map did not pass its quality check; read it with caution.")
            elif not self.explanation_check.passed:
                caption += " " + tr("This map has not been checked yet.")
            self.caption_label.setText(caption)
            self._legend_row(0, EXPLANATION_COLOURS[-1], tr("helped"))
            self._legend_row(1, EXPLANATION_COLOURS[2], tr("no effect"))
            self._legend_row(2, EXPLANATION_COLOURS[0], tr("pushed towards another answer"))
        else:
            self.caption_label.setText(tr("The satellite image of the chosen day, in natural colours."))

    # ------------------------------------------------------------------ the pixel's story
    def set_story(self, text: str) -> None:
        self.last_story = text
        self.story_label.setText(text)

    def pixel_of(self, point: QgsPointXY) -> Optional[tuple]:
        """(row, col) of a map point on the class map's grid; None outside."""
        layer = self.layers.get(CLASSES)
        if layer is None:
            return None
        extent = layer.extent()
        col = math.floor((point.x() - extent.xMinimum()) / layer.rasterUnitsPerPixelX())
        row = math.floor((extent.yMaximum() - point.y()) / layer.rasterUnitsPerPixelY())
        if 0 <= row < layer.height() and 0 <= col < layer.width():
            return int(row), int(col)
        return None

    def map_point(self, row: int, col: int) -> QgsPointXY:
        layer = self.layers[CLASSES]
        extent = layer.extent()
        return QgsPointXY(extent.xMinimum() + (col + 0.5) * layer.rasterUnitsPerPixelX(),
                          extent.yMaximum() - (row + 0.5) * layer.rasterUnitsPerPixelY())

    def _on_map_clicked(self, point, _button=None) -> None:
        try:
            where = self.pixel_of(QgsPointXY(point))
            if where is None:
                self.set_story(tr("That is outside the picture: touch the map."))
                return
            self.explain(*where)
        except Exception:  # noqa: BLE001 - a visitor's click never breaks the view
            QgsMessageLog.logMessage(traceback.format_exc(), LOG_TAG, Qgis.MessageLevel.Warning)
            self.set_story(tr("I could not look at that place: touch another one."))

    def explain(self, row: int, col: int):
        """Tell the story of pixel (row, col) once the explanation task is back; returns the task."""
        if self.bundle is None:
            return None
        self.marker.setCenter(self.map_point(row, col))
        self.marker.show()
        self.set_story(tr("Let me look…"))
        if self.task is not None:
            self._pending = (row, col)  # the newest touch wins once the running one is back
            return self.task
        return self._start(row, col)

    def _start(self, row: int, col: int):
        from ..tasks import JobTask

        stack_paths = self.panel.current_stack_paths()
        bundle, checks, fractions = self.bundle, dict(self.checks), list(self.cloud_fraction)

        def job(_progress, _is_cancelled):
            from ...engine.explain.pixel import explain_pixel  # torch: worker thread only
            from ...engine.io.stack import open_stack

            if self.model is None:
                self.model = bundle.build("cpu")
            with open_stack(stack_paths) as stack:
                # the reasons: the checked methods (per-date and per-band occlusion) measured at this pixel
                evidence = story_facts.measure_pixel(bundle, stack, row, col, model=self.model)
                explanation = explain_pixel(bundle, stack, row, col, shap_samples=8, ig_steps=8, model=self.model)
                if self._stretch is None:  # each date's photo colours, for the season picture
                    self._stretch = [story_facts.true_colour_stretch(stack, t) for t in range(len(stack.dates))]
            return story_facts.pixel_story(explanation, checks, fractions, evidence, self._stretch)

        task = JobTask(tr("Looking at one place"), job, iface=None, title=tr("Presenter"))
        task.succeeded.connect(lambda facts, t=task: self._on_story(t, facts))
        task.failed.connect(lambda _text, t=task: self._on_story(t, None))
        task.canceled_by_user.connect(lambda t=task: self._on_story(t, None))
        self.task = task
        QgsApplication.taskManager().addTask(task)
        return task

    def _on_story(self, task, facts) -> None:
        if task is not self.task:
            return
        self.task = None
        if self._pending is not None:
            row, col = self._pending
            self._pending = None
            self._start(row, col)
            return
        if facts is None:
            self.set_story(tr("I could not look at that place: touch another one."))
            return
        self.last_facts = facts
        self.season.set_facts(facts)
        self.season_caption.setText(tr("Each square: this place in the image of that day. Hatched: clouds. "
                                       "Underlined in gold: what mattered most."))
        text = story_words.story_text(facts)
        answer = getattr(self, "_answer", None)
        if answer is not None:
            self._answer = None
            verdict = tr("Well done!") if answer.correct else tr("Not quite!")
            text = (tr("You said: {0}.").format(self._class_name(answer.guess_id)) + " "
                    + tr("In the field, it really is: {0}.").format(self._class_name(answer.truth_id)) + " "
                    + verdict + "\n\n" + text)
        self.set_story(text)

    # ------------------------------------------------------------------ the guessing game
    def _class_name(self, class_id: int) -> str:
        for info in self.bundle.classes:
            if int(info.id) == int(class_id):
                return display_name(info.name)
        return str(class_id)

    def _make_guess_buttons(self) -> None:
        while self.guess_layout.count():
            item = self.guess_layout.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.guess_buttons = {}
        for i, info in enumerate(self.bundle.classes):
            button = QPushButton(display_name(info.name), self.guess_box)
            button.setFont(_font(BASE_FONT_PT - 2, True))
            button.setStyleSheet(f"QPushButton {{ border-left: 24px solid {info.color}; }}")
            button.clicked.connect(lambda _checked, c=int(info.id): self.guess(c))
            self.guess_layout.addWidget(button, i // 2, i % 2)
            self.guess_buttons[int(info.id)] = button
        try:
            labels = read_labels(LABELS)
        except OSError:
            self.play_button.setEnabled(False)
            return
        kwargs = {} if self.idle_ms is None else {"idle_ms": self.idle_ms}
        if self.game is None:
            self.game = GuessingGame(labels, self.guess_buttons, parent=self, **kwargs)
            self.game.reset_done.connect(self._on_game_reset)
        self._show_score()

    def _show_score(self) -> None:
        game = self.game
        self.score_label.setText(tr("Score: {0} / {1}").format(game.score, game.played) if game else "")

    def new_round(self):
        """Highlight a place whose field truth is known and ask the visitor."""
        if self.game is None or self.bundle is None:
            return None
        here = self.game.new_round()
        self.set_mode(CLASSES if self.mode == EXPLANATION else self.mode)
        self.marker.setCenter(self.map_point(here.row, here.col))
        self.marker.show()
        self.guess_box.show()
        self.set_story(tr("What do you think is in the pink square?"))
        return here

    def guess(self, class_id: int):
        """The visitor's pick: score it, then let the model answer and show why."""
        if self.game is None or self.game.current is None:
            return None
        answer = self.game.guess(class_id)
        self._show_score()
        self.guess_box.hide()
        self._answer = answer
        self.explain(self.game.current.row, self.game.current.col)
        return answer

    def _on_game_reset(self) -> None:
        self._answer = None
        self.guess_box.hide()
        self.marker.hide()
        self.season.set_facts(None)
        self.season_caption.setText("")
        self._show_score()
        if self.layers:
            self.set_mode(CLASSES)
            self.canvas.setExtent(self.layers[CLASSES].extent())
            self.set_story(tr("Touch the map: the computer tells you what it sees there, and why."))

    # ------------------------------------------------------------------ operator
    def _install_filter(self) -> None:
        if not self._filter_installed:
            QCoreApplication.instance().installEventFilter(self)
            self._filter_installed = True

    def eventFilter(self, watched, event):
        if self.game is not None and event.type() in (QEvent.Type.MouseButtonPress, QEvent.Type.KeyPress,
                                                       QEvent.Type.TouchBegin):
            self.game.touch()
        return False

    def closeEvent(self, event):
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop listening (run, app events, idle timer) and cancel a running look; the view can be reopened."""
        self._disconnect_run()
        if self._filter_installed:
            QCoreApplication.instance().removeEventFilter(self)
            self._filter_installed = False
        if self.game is not None:
            self.game.timer.stop()
        if self.task is not None:
            try:
                self.task.cancel()
            except RuntimeError:
                pass

    def release(self) -> None:
        """Before the window is deleted: the marker and map tool leave the canvas, the copies are dropped
        (Qt and Python would otherwise both delete them)."""
        self.shutdown()
        if self.marker is not None:
            self.canvas.scene().removeItem(self.marker)
            self.marker = None
        self.canvas.unsetMapTool(self.tool)
        self.canvas.setLayers([])
        self.layers, self.own_layers = {}, []


# the presenter's own demo run computes only what it shows (measured: 4.8 s from the click instead of 8.2 s with
# Grad-CAM and the band gates too); `make demo` writes these and the analysts' maps (scripts/demo.sh)
DEMO_METHODS = PRESENTER_OUTPUTS
MAKE_DEMO_METHODS = ("gradcam", "attention", "probabilities") + PRESENTER_OUTPUTS


def open_presenter(dock) -> PresenterWindow:
    """The dock's "Presenter mode" button: one window per dock, reopened full screen."""
    window = getattr(dock, "presenter", None)
    if window is None:
        window = PresenterWindow(dock.classify_panel, lambda: dock.run_demo(DEMO_METHODS))
        dock.presenter = window
    window.open()
    return window


def present_folder(dock, out_dir, methods=MAKE_DEMO_METHODS) -> PresenterWindow:
    """``make demo`` with a display: the outputs the CLI already wrote for the bundled sample and model in
    ``out_dir`` (``methods``, for the predicted class) go on the map as the dock's last run, then the presenter
    opens full screen on them, without classifying again. Raises LcxError when the folder lacks the class map
    or the per-date explanation."""
    from ...engine.errors import LcxError
    from ...engine.jobs import describe_folder
    from ..layers import add_outputs, run_group_name

    panel = dock.classify_panel
    if panel.add_sample_to_map() is None:
        raise LcxError(tr("The bundled sample is missing from the plugin folder: reinstall the plugin."))
    panel.model_combo.setCurrentIndex(panel.model_combo.findData("bundled"))
    panel.refresh_model()
    if panel.bundle is None:
        raise LcxError(panel.model_error or tr("The bundled model cannot be read."))
    outputs = describe_folder(panel.bundle, set(methods), "predicted", str(out_dir))
    names = {o.name for o in outputs}
    if not {"prediction", EXPLANATION_OUTPUT} <= names:
        raise LcxError(tr("{0} holds no demo run (class map and per-date explanation): run `make demo`.").format(
            out_dir))
    panel.last_group, panel.last_layers = add_outputs(outputs, run_group_name(tr("Presenter")))
    panel._run_bundle = panel.bundle
    return open_presenter(dock)
