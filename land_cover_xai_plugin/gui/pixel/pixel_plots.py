"""The pixel-explanation panel: what the model saw at one pixel and why it chose its class.

Plots (matplotlib as QGIS ships it): class probabilities in the class colours; the pixel's reflectance
time series per band (observations as markers, gap-filled series as lines, missing / bright dates shaded);
Grad-CAM relevance per date; band attention (attention models); SHAP (and IG when available) by band and
by date. A class selector recomputes the explanations for any class. The computation runs in a QgsTask
(gui/tasks.py ``JobTask``, started by the map tool), never in the GUI thread. The panel lives in a dock beside
the map (``PixelExplanationDock``: right dock area, tabified with the plugin's dock), never over the canvas; a
new pixel, stack or model clears what the previous one showed (``PixelExplanationPanel.clear``).

This module only draws: the data come from the engine (``panel_data_from`` an engine PixelExplanation and the
stack's StackInfo); which dates are cloudy comes from the stack's metadata (``StackInfo.cloud_fraction``) and
the brightness test of ``engine.data.validity.bright_dates``.
"""
from __future__ import annotations

import datetime as _dt
import io
import math
import os
from dataclasses import dataclass, field
from typing import Optional

import numpy as np
from qgis.gui import QgsDockWidget
from qgis.PyQt.QtCore import QCoreApplication, Qt, pyqtSignal
from qgis.PyQt.QtGui import QPixmap
from qgis.PyQt.QtWidgets import (
    QComboBox,
    QDockWidget,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from ...engine.data import validity
from ...engine.explain.pixel import PixelExplanation
from ...engine.io.stack import StackInfo
from .. import settings
from ..class_names import display_name
from ..i18n import engine_text, short_date

# A date is flagged "cloudy" in the plots when its scene cloud fraction (stack metadata) is above this.
CLOUDY_SCENE_FRACTION = 0.5

try:  # QGIS 3 on Qt 5: the interactive canvas
    from matplotlib.backends.backend_qt5agg import FigureCanvasQTAgg as _FigureCanvas
except ImportError:  # Qt 6 / no Qt backend: fall back to a PNG rendered with Agg
    _FigureCanvas = None


SHAP_METHOD_NAMES = {"shapley_sampling": "SHAP (Shapley sampling)", "kernel": "SHAP (Kernel SHAP)"}


def tr(text: str) -> str:
    return QCoreApplication.translate("PixelExplanationPanel", text)


# --- the data shown --------------------------------------------------------------------------------------

@dataclass
class PixelContext:
    """Where the user clicked: map point and CRS, the same point in the stack's CRS, the pixel."""

    map_x: float = math.nan
    map_y: float = math.nan
    map_crs: str = ""
    stack_x: float = math.nan
    stack_y: float = math.nan
    stack_crs: str = ""
    row: int = -1
    col: int = -1
    stack_paths: list = field(default_factory=list)
    model_path: str = ""


@dataclass
class PixelPanelData:
    """Everything the panel draws, as plain numpy (``panel_data_from`` an engine PixelExplanation)."""

    class_ids: list
    class_names: list
    class_colors: list
    probabilities: np.ndarray  # (K,)
    predicted_id: int
    target_id: int  # the class the explanations are for
    dates: list  # datetime.date
    bands: list  # str
    series: np.ndarray  # (B, T) raw reflectance, NaN where missing
    filled: np.ndarray  # (B, T) gap-filled
    gradcam: Optional[np.ndarray] = None  # (T,)
    attention: Optional[np.ndarray] = None  # (B,)
    shap_bands: Optional[np.ndarray] = None  # (B,)
    shap_dates: Optional[np.ndarray] = None  # (T,)
    ig_bands: Optional[np.ndarray] = None
    ig_dates: Optional[np.ndarray] = None
    arch: str = ""
    shap_method: str = "SHAP"
    # how each Shapley axis was computed, from the engine ("exact (32 coalitions of 5 dates)", "sampled (...)")
    shap_how: dict = field(default_factory=dict)
    context: PixelContext = field(default_factory=PixelContext)
    cloud_fraction: Optional[list] = None  # (T,) scene cloud fraction from the stack's metadata, None if unknown

    def name_of(self, class_id) -> str:
        """The shown name of ``class_id`` (the id itself when the model has no such class)."""
        for cid, name in zip(self.class_ids, self.class_names):
            if int(cid) == int(class_id):
                return str(name)
        return str(class_id)


def _as_date(value) -> _dt.date:
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    return _dt.date.fromisoformat(str(value)[:10])


def _vector(value) -> Optional[np.ndarray]:
    return None if value is None else np.asarray(value, dtype=np.float64)


def panel_data_from(explanation: PixelExplanation, bundle, info: Optional[StackInfo] = None,
                    context: Optional[PixelContext] = None) -> PixelPanelData:
    """The panel's plain data from the engine's PixelExplanation of one pixel, the model (class names and
    colours) and the stack's facts (``info``: the declared cloud fraction of each date; None: unknown)."""
    colours = {int(c.id): c.color for c in bundle.classes}
    dates = [_as_date(d) for d in explanation.dates]
    ig = np.asarray(explanation.ig, dtype=np.float64)  # (B, T)
    cloud_fraction = info.cloud_fraction_on(dates) if info is not None else None
    if cloud_fraction is not None and all(value is None for value in cloud_fraction):
        cloud_fraction = None
    return PixelPanelData(
        class_ids=[int(c) for c in explanation.class_ids],
        class_names=[display_name(name) for name in explanation.class_names],
        class_colors=[colours[int(c)] for c in explanation.class_ids],
        probabilities=np.asarray(explanation.probabilities, dtype=np.float64),
        predicted_id=int(explanation.predicted_id),
        target_id=int(explanation.target_id),
        dates=dates,
        bands=[str(b) for b in explanation.bands],
        series=np.asarray(explanation.reflectance, dtype=np.float64),
        filled=np.asarray(explanation.reflectance_filled, dtype=np.float64),
        gradcam=_vector(explanation.gradcam),
        attention=_vector(explanation.band_attention),
        shap_bands=_vector(explanation.shap_by_band),
        shap_dates=_vector(explanation.shap_by_date),
        ig_bands=ig.sum(axis=1),
        ig_dates=ig.sum(axis=0),
        arch=str(bundle.spec.arch),
        shap_method=SHAP_METHOD_NAMES.get(explanation.shap_method, "SHAP"),
        context=context or PixelContext(),
        cloud_fraction=cloud_fraction,
        shap_how={by: str((explanation.extra or {}).get(f"shap_by_{by}_method", ""))
                  for by in ("band", "date")},
    )


def _shap_title(data: PixelPanelData, by: str, target_name: str) -> str:
    """The Shapley plot's title: exact Shapley values when the engine computed them exactly, else the sampling
    method, and how ("exact (32 coalitions of 5 dates)"), so the view says when it samples."""
    how = data.shap_how.get(by, "")
    method = tr("Shapley values") if how.startswith("exact") else data.shap_method
    if by == "band":
        title = tr("{method} by band: effect on P({name})").format(method=method, name=target_name)
    else:
        title = tr("{method} by date: effect on P({name})").format(method=method, name=target_name)
    return title + (f"\n[{engine_text(how)}]" if how else "")


def cloudy_dates(data: PixelPanelData) -> np.ndarray:
    """(T,) bool: the stack's metadata declare the scene mostly cloudy on that date (above CLOUDY_SCENE_FRACTION)."""
    if not data.cloud_fraction or len(data.cloud_fraction) != len(data.dates):
        return np.zeros(len(data.dates), bool)
    return ~validity.dates_kept(data.cloud_fraction, CLOUDY_SCENE_FRACTION)


def missing_dates(data: PixelPanelData) -> np.ndarray:
    """(T,) bool: the date has no observation (any band NaN) at this pixel."""
    return ~np.all(np.isfinite(data.series), axis=0)


def bright_dates(data: PixelPanelData) -> np.ndarray:
    """(T,) bool: observed but very bright in blue, probably cloud or haze (``engine.data.validity.bright_dates``)."""
    return validity.bright_dates(data.series, data.bands)


# --- drawing ---------------------------------------------------------------------------------------------

def _band_colours(n: int):
    import matplotlib

    name = "tab20" if n > 10 else "tab10"
    registry = getattr(matplotlib, "colormaps", None)
    if registry is not None:
        cmap = registry[name]
    else:  # matplotlib < 3.5
        from matplotlib import cm

        cmap = cm.get_cmap(name)
    return [cmap(i % cmap.N) for i in range(n)]


def _date_labels(dates) -> list:
    return [short_date(d) if isinstance(d, _dt.date) else str(d) for d in dates]


def _diverging_bars(ax, labels, values, ig=None, horizontal=False):
    values = np.asarray(values, dtype=float)
    colours = ["#d6604d" if v >= 0 else "#4393c3" for v in values]
    pos = np.arange(len(values))
    if horizontal:
        ax.barh(pos, values, color=colours)
        ax.set_yticks(pos)
        ax.set_yticklabels(labels, fontsize=7)
        ax.invert_yaxis()
        ax.axvline(0, color="#444444", lw=0.8)
        if ig is not None and len(ig) == len(values):
            ax.plot(ig, pos, "k.", ms=5, label="IG")
    else:
        ax.bar(pos, values, color=colours)
        ax.set_xticks(pos)
        ax.set_xticklabels(labels, fontsize=7, rotation=0)
        ax.axhline(0, color="#444444", lw=0.8)
        if ig is not None and len(ig) == len(values):
            ax.plot(pos, ig, "k.", ms=6, label="IG")
    if ig is not None and len(ig) == len(values):
        ax.legend(fontsize=7, loc="best", frameon=False)


def draw_explanation(fig, data: PixelPanelData) -> None:
    """Fill ``fig`` with the six plots of one pixel's explanation."""
    fig.clear()
    axes = fig.subplots(3, 2)
    target_name = data.name_of(data.target_id)
    n_dates = len(data.dates)
    date_labels = _date_labels(data.dates)
    miss = missing_dates(data)
    cloudy = cloudy_dates(data)
    bright = bright_dates(data) | cloudy
    flagged_labels = []
    for t, label in enumerate(date_labels):
        if miss[t]:
            label += "\n" + tr("missing")
        elif cloudy[t]:
            label += "\n" + tr("cloudy {p:.0%}").format(p=float(data.cloud_fraction[t]))
        elif bright[t]:
            label += "\n" + tr("bright: cloud?")
        flagged_labels.append(label)

    # 1. probabilities
    ax = axes[0, 0]
    pos = np.arange(len(data.class_ids))
    bars = ax.barh(pos, data.probabilities, color=data.class_colors, edgecolor="#333333", linewidth=0.6)
    for i, cid in enumerate(data.class_ids):
        if int(cid) == data.predicted_id:
            bars[i].set_linewidth(2.0)
        ax.text(min(float(data.probabilities[i]) + 0.02, 0.98), i, f"{float(data.probabilities[i]):.2f}",
                va="center", ha="left" if data.probabilities[i] < 0.85 else "right", fontsize=7)
    ax.set_yticks(pos)
    ax.set_yticklabels([f"{n} ({c})" for n, c in zip(data.class_names, data.class_ids)], fontsize=7,
                       parse_math=False)  # a class name may hold "$" or "_": text, not mathtext
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_title(tr("Class probabilities (predicted: {name})").format(name=data.name_of(data.predicted_id)),
                 parse_math=False,
                 fontsize=9)

    # 2. reflectance series
    ax = axes[0, 1]
    colours = _band_colours(len(data.bands))
    x = np.arange(n_dates)
    for b, band in enumerate(data.bands):
        ax.plot(x, data.filled[b], "-", color=colours[b], lw=1.0, label=band)
        ax.plot(x, data.series[b], "o", color=colours[b], ms=3.5)
    for t in range(n_dates):
        if miss[t]:
            ax.axvspan(t - 0.35, t + 0.35, color="#bbbbbb", alpha=0.45, lw=0)
        elif bright[t]:
            ax.axvspan(t - 0.35, t + 0.35, color="#9ecae1", alpha=0.35, lw=0)
    ax.set_xticks(x)
    ax.set_xticklabels(flagged_labels, fontsize=7)
    ax.set_xlim(-0.5, n_dates - 0.5)
    ax.set_ylabel(tr("reflectance"), fontsize=7)
    ax.tick_params(labelsize=7)
    ax.set_title(tr("Reflectance (markers: observed, lines: gap-filled)"), fontsize=9)
    ax.legend(fontsize=6, ncol=1, loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False,
              handlelength=1.0, borderaxespad=0.2)

    # 3. Grad-CAM per date
    ax = axes[1, 0]
    if data.gradcam is not None and len(data.gradcam) == n_dates:
        cam_bars = ax.bar(np.arange(n_dates), data.gradcam, color="#b2182b")
        for t in range(n_dates):
            if miss[t] or bright[t]:
                cam_bars[t].set_hatch("//")
                cam_bars[t].set_alpha(0.6)
        ax.set_xticks(np.arange(n_dates))
        ax.set_xticklabels(flagged_labels, fontsize=7)
        ax.tick_params(labelsize=7)
    else:
        _empty(ax, tr("Grad-CAM not available for this model."))
    ax.set_title(tr("Grad-CAM by fused-layer position (not input dates) for {name}").format(name=target_name),
                 fontsize=9, parse_math=False)

    # 4. band attention
    ax = axes[1, 1]
    if data.attention is not None and len(data.attention) == len(data.bands):
        ax.bar(np.arange(len(data.bands)), data.attention, color=colours)
        ax.set_xticks(np.arange(len(data.bands)))
        ax.set_xticklabels(data.bands, fontsize=6, rotation=90)
        ax.tick_params(labelsize=7)
        ax.set_title(tr("Band attention (model weights per band)"), fontsize=9)
    else:
        _empty(ax, tr("Band attention exists only in attention models (this model: {arch}).").format(
            arch=data.arch or "?"))
        ax.set_title(tr("Band attention"), fontsize=9)

    # 5. SHAP by band
    ax = axes[2, 0]
    if data.shap_bands is not None and len(data.shap_bands) == len(data.bands):
        _diverging_bars(ax, data.bands, data.shap_bands, data.ig_bands)
        ax.tick_params(axis="x", labelrotation=90, labelsize=6)
        ax.tick_params(axis="y", labelsize=7)
    else:
        _empty(ax, tr("SHAP not computed."))
    ax.set_title(_shap_title(data, "band", target_name), fontsize=9, parse_math=False)

    # 6. SHAP by date
    ax = axes[2, 1]
    if data.shap_dates is not None and len(data.shap_dates) == n_dates:
        _diverging_bars(ax, flagged_labels, data.shap_dates, data.ig_dates)
        ax.tick_params(axis="y", labelsize=7)
        for t, patch in enumerate(ax.patches[:n_dates]):
            if miss[t] or bright[t]:
                patch.set_hatch("//")
    else:
        _empty(ax, tr("SHAP not computed."))
    ax.set_title(_shap_title(data, "date", target_name), fontsize=9, parse_math=False)
    fig.tight_layout(pad=0.6, h_pad=1.0, w_pad=1.2)


def _empty(ax, text: str) -> None:
    ax.set_xticks([])
    ax.set_yticks([])
    ax.text(0.5, 0.5, text, ha="center", va="center", fontsize=8, wrap=True, transform=ax.transAxes,
            color="#555555")


def _new_figure(width_in: float, height_in: float, dpi: int):
    """A Figure that lays itself out again at every draw (the panel is resizable)."""
    from matplotlib.figure import Figure

    try:
        return Figure(figsize=(width_in, height_in), dpi=dpi, layout="tight")
    except TypeError:  # matplotlib < 3.5
        return Figure(figsize=(width_in, height_in), dpi=dpi, tight_layout=True)


def figure_png(data: PixelPanelData, width_in=10.0, height_in=9.0, dpi=90) -> bytes:
    """The six plots as a PNG (Agg, no Qt): used where the Qt canvas is not importable, and for exports."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = _new_figure(width_in, height_in, dpi)
    FigureCanvasAgg(fig)
    draw_explanation(fig, data)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


# --- the widget ------------------------------------------------------------------------------------------

class PixelExplanationPanel(QWidget):
    """Shows one pixel's explanation; emits ``target_requested(target)`` ("predicted" or a class id) when
    the user picks another class in the selector."""

    target_requested = pyqtSignal(object)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("PixelExplanationPanel")
        self.data: Optional[PixelPanelData] = None
        self._updating = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)

        self.location_label = QLabel(self)
        self.location_label.setObjectName("locationLabel")
        self.location_label.setWordWrap(True)
        self.location_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.location_label)

        row = QHBoxLayout()
        row.addWidget(QLabel(tr("Explain class:"), self))
        self.class_combo = QComboBox(self)
        self.class_combo.setObjectName("classCombo")
        self.class_combo.setToolTip(tr("Recompute Grad-CAM and SHAP for the predicted class or any other class."))
        self.class_combo.currentIndexChanged.connect(self._on_class_changed)
        row.addWidget(self.class_combo, 1)
        self.save_button = QPushButton(tr("Save figure…"), self)
        self.save_button.setObjectName("saveFigureButton")
        self.save_button.setToolTip(tr("Save the six plots as a PNG picture."))
        self.save_button.setEnabled(False)
        self.save_button.clicked.connect(self._ask_save)
        row.addWidget(self.save_button)
        layout.addLayout(row)

        self.status_label = QLabel(self)
        self.status_label.setObjectName("statusLabel")
        self.status_label.setWordWrap(True)
        layout.addWidget(self.status_label)

        self.figure = None
        self.canvas = None
        self.png_label = None
        if _FigureCanvas is not None:
            self.figure = _new_figure(10, 9, 90)
            self.canvas = _FigureCanvas(self.figure)
            self.canvas.setMinimumSize(640, 560)
            self.canvas.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
            plot_widget = self.canvas
        else:
            self.png_label = QLabel(self)
            self.png_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            plot_widget = self.png_label
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(plot_widget)
        layout.addWidget(scroll, 1)

    # --- state -------------------------------------------------------------------------------------------
    def set_location(self, context: PixelContext) -> None:
        """Say where the user clicked (map point, stack point, row / column). Another pixel, stack or model
        than the one drawn clears the plots first: nothing of the previous pixel stays under the new header."""
        shown = self.data.context if self.data is not None else None
        if shown is not None and not same_place(shown, context):
            self.clear()
        self.location_label.setText(describe_location(context))

    def clear(self, text: str = "") -> None:
        """Forget the explanation shown: plots, class selector, status and location (a new pixel, stack or
        model); ``text`` is shown in the status line."""
        self.data = None
        self.location_label.setText("")
        self.status_label.setText(text)
        self._updating = True
        try:
            self.class_combo.clear()
        finally:
            self._updating = False
        self.class_combo.setEnabled(False)
        self.save_button.setEnabled(False)
        if self.figure is not None:
            self.figure.clear()
            self.canvas.draw_idle()
        elif self.png_label is not None:
            self.png_label.clear()

    def is_empty(self) -> bool:
        """True when no explanation is drawn."""
        return self.data is None

    def set_busy(self, text: Optional[str] = None) -> None:
        """Say that an explanation is being computed; the selector and Save wait meanwhile."""
        self.status_label.setText(text or tr("Computing the explanation (Grad-CAM, attention, SHAP)…"))
        self.class_combo.setEnabled(False)
        self.save_button.setEnabled(False)

    def set_message(self, text: str) -> None:
        """Show ``text`` (an error, a cancellation) under the selector."""
        self.status_label.setText(text)
        self.class_combo.setEnabled(self.data is not None)
        self.save_button.setEnabled(self.data is not None)

    def set_classes(self, class_ids, class_names, predicted_id=None, target=None) -> None:
        """Fill the class selector ("predicted" first) and select ``target`` without asking for a recomputation."""
        self._updating = True
        try:
            self.class_combo.clear()
            label = tr("Predicted class")
            if predicted_id is not None:
                name = next((n for c, n in zip(class_ids, class_names) if int(c) == int(predicted_id)), "")
                label = tr("Predicted class ({name})").format(name=name)
            self.class_combo.addItem(label, "predicted")
            for cid, name in zip(class_ids, class_names):
                self.class_combo.addItem(f"{name} ({cid})", int(cid))
            index = 0 if target in (None, "predicted") else self.class_combo.findData(int(target))
            self.class_combo.setCurrentIndex(max(0, index))
        finally:
            self._updating = False

    def current_target(self):
        """The selected class: "predicted" or a class id."""
        value = self.class_combo.currentData()
        return "predicted" if value is None else value

    def show_explanation(self, data: PixelPanelData, requested_target="predicted") -> None:
        """Draw ``data``; the selector shows "predicted" when that was asked for, else the explained class."""
        self.data = data
        self.set_location(data.context)
        predicted = requested_target is None or str(requested_target).strip().lower() in ("", "predicted")
        self.set_classes(data.class_ids, data.class_names, data.predicted_id,
                         "predicted" if predicted else data.target_id)
        self.class_combo.setEnabled(True)
        self.save_button.setEnabled(True)
        p = float(data.probabilities[data.class_ids.index(data.predicted_id)]) if data.predicted_id in data.class_ids \
            else float("nan")
        text = tr("Predicted: {name} (p = {p:.2f}). Explanations for: {target}.").format(
            name=data.name_of(data.predicted_id), p=p, target=data.name_of(data.target_id))
        miss = [d for d, m in zip(_date_labels(data.dates), missing_dates(data)) if m]
        if miss:
            text += " " + tr("No observation on {dates} (gap-filled).").format(dates=", ".join(miss))
        cloudy = [d for d, c in zip(_date_labels(data.dates), cloudy_dates(data)) if c]
        if cloudy:
            text += " " + tr("Cloudy scene on {dates} (stack metadata).").format(dates=", ".join(cloudy))
        self.status_label.setText(text)
        self.redraw()

    def redraw(self) -> None:
        """Draw the current explanation again (Qt canvas, or a PNG where there is none)."""
        if self.data is None:
            return
        if self.figure is not None:
            draw_explanation(self.figure, self.data)
            self.canvas.draw_idle()
        else:
            pixmap = QPixmap()
            pixmap.loadFromData(figure_png(self.data))
            self.png_label.setPixmap(pixmap)

    def save_png(self, path: str) -> str:
        """Write the current explanation's plots to ``path`` (PNG)."""
        if self.data is None:
            raise ValueError("no explanation shown yet")
        with open(path, "wb") as fh:
            fh.write(figure_png(self.data, 12.0, 10.0, 110))
        return path

    def _ask_save(self) -> None:
        if self.data is None:
            return
        ctx = self.data.context
        name = f"pixel_r{ctx.row}_c{ctx.col}_{self.data.name_of(self.data.target_id)}.png".replace(" ", "_")
        start = settings.last_folder(settings.PIXEL_FIGURE)
        path, _ = QFileDialog.getSaveFileName(self, tr("Save the explanation as PNG"),
                                              os.path.join(start, name) if start else name, tr("PNG (*.png)"))
        if not path:
            return
        if not path.lower().endswith(".png"):
            path += ".png"
        settings.remember_folder(settings.PIXEL_FIGURE, path)
        try:
            self.save_png(path)
        except OSError as exc:
            self.status_label.setText(tr("Cannot write {path}: {error}").format(path=path, error=exc))

    def _on_class_changed(self, _index: int) -> None:
        if not self._updating and self.class_combo.count():
            self.target_requested.emit(self.current_target())


def same_place(a: PixelContext, b: PixelContext) -> bool:
    """The same pixel of the same stack explained by the same model (the class asked for may differ)."""
    return ((a.row, a.col) == (b.row, b.col) and list(a.stack_paths) == list(b.stack_paths)
            and a.model_path == b.model_path)


def describe_location(ctx: PixelContext) -> str:
    """The click, its place in the stack and the files used, in words."""
    def fmt(v):
        return "?" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:,.2f}".replace(",", " ")

    text = tr("Clicked {mx}, {my} ({mcrs}) → stack {sx}, {sy} ({scrs}); pixel row {row}, column {col}.").format(
        mx=fmt(ctx.map_x), my=fmt(ctx.map_y), mcrs=ctx.map_crs or "?", sx=fmt(ctx.stack_x), sy=fmt(ctx.stack_y),
        scrs=ctx.stack_crs or "?", row=ctx.row, col=ctx.col)
    if ctx.model_path or ctx.stack_paths:
        text += "\n" + tr("Model: {model} · stack: {stack}").format(
            model=os.path.basename(ctx.model_path) or "?",
            stack=", ".join(os.path.basename(p) for p in ctx.stack_paths) or "?")
    return text


DOCK_OBJECT_NAME = "LandCoverXaiPixelDock"


class PixelExplanationDock(QgsDockWidget):
    """The pixel explanation docked beside the map (right dock area, tabified with the plugin's dock), not a
    window over the canvas; the pixel tool makes one and reuses it for every click."""

    def __init__(self, parent=None):
        super().__init__(tr("Land Cover XAI — pixel explanation"), parent)
        self.setObjectName(DOCK_OBJECT_NAME)
        self.setAllowedAreas(Qt.DockWidgetArea.LeftDockWidgetArea | Qt.DockWidgetArea.RightDockWidgetArea)
        self.panel = PixelExplanationPanel(self)
        self.setWidget(self.panel)

    def place(self, iface=None, main_window=None) -> None:
        """Dock it in the main window's right area, as a tab beside the plugin's dock when that is docked there
        (``iface.addDockWidget`` as QGIS wants; the main window itself where the interface does not dock)."""
        main = main_window
        if main is None and iface is not None:
            main = iface.mainWindow()
        if main is None or not hasattr(main, "dockWidgetArea"):
            return
        if main.dockWidgetArea(self) == Qt.DockWidgetArea.NoDockWidgetArea:
            if iface is not None:
                iface.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self)
            if main.dockWidgetArea(self) == Qt.DockWidgetArea.NoDockWidgetArea:
                main.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self)
            plugin_dock = main.findChild(QDockWidget, "LandCoverXaiDock")
            if (plugin_dock is not None and plugin_dock is not self and not plugin_dock.isFloating()
                    and main.dockWidgetArea(plugin_dock) == main.dockWidgetArea(self)):
                main.tabifyDockWidget(plugin_dock, self)
        self.setFloating(False)
        self.show()
        self.raise_()

    def remove(self, iface=None) -> None:
        """Take it out of the main window (the plugin's unload) and delete it."""
        self.hide()
        parent = self.parentWidget()
        if iface is not None:
            try:
                iface.removeDockWidget(self)
            except (AttributeError, RuntimeError):
                pass
        if parent is not None and hasattr(parent, "removeDockWidget"):
            parent.removeDockWidget(self)
        self.setParent(None)
        self.deleteLater()
