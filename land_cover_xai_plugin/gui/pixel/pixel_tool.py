"""Click-a-pixel map tool: explains the model's decision at the clicked pixel.

The click (map CRS) is transformed to the stack's CRS with QgsCoordinateTransform and turned into a pixel
row / column by the stack's grid (``StackInfo.grid.pixel_of``; the StackInfo is the engine's, read from
metadata and cached per file by gui/layer_sources.py). The explanation (probabilities, series, Grad-CAM,
attention, SHAP by band / date, IG) is computed by ``engine.explain.pixel.explain_pixel`` in a QgsTask, for
the target ``ModelBundle.resolve_target`` gives (predicted, a class id or a class name). The result is shown
in the pixel-explanation dock beside the map (gui/pixel/pixel_plots.py; one dock, reused for every click). A
click outside the raster, or a missing stack / model, gives a message and computes nothing; a failed explanation
clears the plots, so the previous pixel's never stand under the new one's header.
"""
from __future__ import annotations

import math
import os
from typing import Callable, Optional

from qgis.core import (
    Qgis,
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsCsException,
    QgsPointXY,
    QgsProject,
)
from qgis.gui import QgsMapToolEmitPoint, QgsVertexMarker
from qgis.PyQt.QtCore import QCoreApplication, Qt, pyqtSignal
from qgis.PyQt.QtGui import QColor

from ...engine.errors import LcxError
from ..feedback import push_message, slot_boundary
from ..layer_sources import stack_info
from .pixel_plots import PixelContext, PixelExplanationDock, panel_data_from


def tr(text: str) -> str:
    return QCoreApplication.translate("PixelExplainTool", text)


def _extent_text(grid) -> str:
    xmin, ymin, xmax, ymax = grid.extent
    return f"{xmin:.1f}, {ymin:.1f} – {xmax:.1f}, {ymax:.1f}"


class PixelExplainTool(QgsMapToolEmitPoint):
    """Map tool: click a pixel of the stack, see why the model classified it so.

    ``context_provider()`` returns ``(stack_paths, model_path)`` or raises LcxError with a user message.
    Signals: ``message(text, level)`` for every user message (also pushed to the QGIS message bar when
    there is one); ``explanation_ready(PixelPanelData)`` when a result is shown.
    """

    message = pyqtSignal(str, int)
    explanation_ready = pyqtSignal(object)

    def __init__(self, canvas, context_provider: Callable[[], tuple], iface=None, shap_samples: int = 64,
                 ig_steps: int = 64):
        super().__init__(canvas)
        self.canvas = canvas
        self.context_provider = context_provider
        self.iface = iface if iface is not None else _default_iface()
        self.shap_samples = int(shap_samples)
        self.ig_steps = int(ig_steps)
        self._model_cache = None  # (path, mtime, bundle, built model): reused between clicks
        self.dialog: Optional[PixelExplanationDock] = None  # the dock beside the map (one, reused)
        self.task = None  # keep a reference: an unreferenced QgsTask never runs
        self._task_done = True  # the result of self.task came back to the GUI thread
        self.last_message: Optional[str] = None
        self.last_context: Optional[PixelContext] = None
        self.last_data = None
        self._pending = None  # (context, target) asked while a task was running
        self.marker: Optional[QgsVertexMarker] = None
        self.canvasClicked.connect(self._on_canvas_clicked)

    # --- events ------------------------------------------------------------------------------------------
    def canvasPressEvent(self, _event) -> None:  # QGIS API; the click completes on release
        pass

    def canvasReleaseEvent(self, event) -> None:  # QGIS API
        if event.button() != Qt.MouseButton.LeftButton:
            return
        point = event.mapPoint() if hasattr(event, "mapPoint") else self.toMapCoordinates(event.pos())
        self.canvasClicked.emit(QgsPointXY(point), event.button())

    @slot_boundary("Pixel explanation", lambda self, text: self._show_in_panel(text))
    def _on_canvas_clicked(self, point, _button) -> None:
        self.explain_map_point(QgsPointXY(point))

    # --- the work ----------------------------------------------------------------------------------------
    def locate(self, map_point: QgsPointXY) -> PixelContext:
        """Map point -> PixelContext (stack CRS point, row / col). Raises LcxError with a user message."""
        stack_paths, model_path = self.context_provider()
        stack_paths = [str(p) for p in (stack_paths or [])]
        if not stack_paths:
            raise LcxError(tr("No time-series stack chosen: choose the Sentinel-2 stack in the Classify tab."))
        if not model_path:
            raise LcxError(tr("No model chosen: choose a model file (.lcx) in the Classify tab."))
        info = stack_info(stack_paths)  # the engine's facts, metadata only, cached per file
        map_crs = self.canvas.mapSettings().destinationCrs()
        stack_crs = QgsCoordinateReferenceSystem.fromWkt(info.grid.crs_wkt)
        x, y = float(map_point.x()), float(map_point.y())
        if stack_crs.isValid() and map_crs.isValid() and stack_crs != map_crs:
            transform = QgsCoordinateTransform(map_crs, stack_crs, QgsProject.instance())
            try:
                p = transform.transform(QgsPointXY(x, y))
            except QgsCsException as exc:
                raise LcxError(tr("The clicked point cannot be transformed from {a} to the stack's CRS {b}: "
                                  "click on the stack.").format(a=map_crs.authid(), b=stack_crs.authid())) from exc
            sx, sy = float(p.x()), float(p.y())
        else:
            sx, sy = x, y
        frow, fcol = info.grid.pixel_of(sx, sy)
        ctx = PixelContext(
            map_x=x, map_y=y, map_crs=_crs_label(map_crs), stack_x=sx, stack_y=sy, stack_crs=_crs_label(stack_crs),
            row=int(math.floor(frow)) if math.isfinite(frow) else -1,
            col=int(math.floor(fcol)) if math.isfinite(fcol) else -1,
            stack_paths=stack_paths, model_path=str(model_path))
        if not info.grid.contains_pixel(ctx.row, ctx.col):
            raise LcxError(tr("The clicked point ({x:.1f}, {y:.1f} in {crs}) lies outside the stack "
                              "({w} x {h} pixels, extent {extent}). Click inside the raster.").format(
                x=sx, y=sy, crs=ctx.stack_crs, w=info.width, h=info.height, extent=_extent_text(info.grid)))
        return ctx

    def explain_map_point(self, map_point: QgsPointXY, target=None):
        """Locate the point and start the explanation task. Returns the task, or None (message given).
        ``target``: "predicted", a class id or a class name (``ModelBundle.resolve_target``), or None = the
        class chosen in the panel (predicted at first)."""
        if target is None:
            target = self.dialog.panel.current_target() if self.dialog is not None else "predicted"
        try:
            ctx = self.locate(map_point)
        except LcxError as exc:
            self._notify(str(exc), Qgis.MessageLevel.Warning)
            return None
        self._mark(map_point)
        return self.explain(ctx, target)

    def _mark(self, map_point: QgsPointXY) -> None:
        """A cross on the clicked pixel, kept until the next click."""
        if self.canvas is None:
            return
        if self.marker is None:
            self.marker = QgsVertexMarker(self.canvas)
            self.marker.setIconType(QgsVertexMarker.IconType.ICON_CROSS)
            self.marker.setColor(QColor(255, 0, 255))
            self.marker.setIconSize(18)
            self.marker.setPenWidth(3)
        self.marker.setCenter(QgsPointXY(map_point))
        self.marker.show()

    def explain(self, ctx: PixelContext, target="predicted"):
        """Explain the located pixel ``ctx`` for ``target`` in a task (the newest request wins over a running one)."""
        self.last_context = ctx
        dialog = self.ensure_dialog()
        dialog.panel.set_location(ctx)
        dialog.panel.set_busy()
        if self.is_busy():
            self._pending = (ctx, target)  # the newest click wins once the running one ends
            try:
                self.task.cancel()
            except RuntimeError:
                pass
            return self.task
        return self._start(ctx, target)

    def _start(self, ctx: PixelContext, target):
        from ..tasks import JobTask
        from qgis.core import QgsApplication

        shap_samples, ig_steps = self.shap_samples, self.ig_steps

        def job(_progress, _is_cancelled):
            from ...engine.explain.pixel import explain_pixel  # torch: worker thread only
            from ...engine.io.stack import open_stack

            bundle, model = self._model_for(ctx.model_path)
            target_id, _index = bundle.resolve_target(target)  # the front ends' one target resolution
            with open_stack(ctx.stack_paths) as stack:
                explanation = explain_pixel(bundle, stack, ctx.row, ctx.col, target=target_id,
                                            shap_samples=shap_samples, ig_steps=ig_steps, model=model)
                return panel_data_from(explanation, bundle, stack.info(), ctx)

        task = JobTask(tr("Explaining pixel row {row}, column {col}").format(row=ctx.row, col=ctx.col), job,
                       iface=self.iface, title=tr("Pixel explanation"))
        task.succeeded.connect(lambda data, t=target: self._on_done(task, data, t))
        task.failed.connect(lambda text: self._on_failed(task, text))
        task.canceled_by_user.connect(lambda: self._on_cancelled(task))
        self.task, self._task_done = task, False
        QgsApplication.taskManager().addTask(task)
        return task

    def is_busy(self) -> bool:
        """True while an explanation task has not come back to the GUI thread."""
        return self.task is not None and not self._task_done

    def _model_for(self, path: str):
        """(bundle, built model) of ``path``, built once and reused while the file is unchanged (worker
        thread; tasks of this tool never run two at a time)."""
        from ...engine.models.model_file import load_model

        mtime = os.path.getmtime(path) if os.path.exists(path) else None
        cached = self._model_cache
        if cached is not None and cached[0] == path and cached[1] == mtime:
            return cached[2], cached[3]
        bundle = load_model(path)
        model = bundle.build("cpu")
        self._model_cache = (path, mtime, bundle, model)
        return bundle, model

    def _finish(self, task) -> bool:
        """Mark ``task`` done; start the pending click if any. True when ``task``'s result is still wanted."""
        if task is not self.task:
            return False  # superseded: its result is not wanted
        self._task_done = True
        if self._pending is not None:
            ctx, target = self._pending
            self._pending = None
            self._start(ctx, target)
            return False
        return True

    @slot_boundary("Pixel explanation", lambda self, text: self._show_in_panel(text))
    def _on_done(self, task, data, target) -> None:
        if not self._finish(task):
            return
        self.last_data = data
        dialog = self.ensure_dialog()
        dialog.panel.show_explanation(data, target)
        self.explanation_ready.emit(data)

    def _on_failed(self, task, text: str) -> None:
        if not self._finish(task):
            return
        self.last_data = None
        if self.dialog is not None:  # no plot of an earlier pixel or class under this failure
            location = self.dialog.panel.location_label.text()
            self.dialog.panel.clear()
            self.dialog.panel.location_label.setText(location)
        self._notify(text, Qgis.MessageLevel.Critical, push=False)  # the task already pushed it

    def clear(self, text: str = "") -> None:
        """Forget the pixel shown (the stack or the model changed): plots, texts and the marker; a running
        explanation is cancelled and its result dropped."""
        self._pending = None
        if self.is_busy():
            running, self.task = self.task, None  # its result is no longer wanted
            self._task_done = True
            try:
                running.cancel()
            except RuntimeError:
                pass
        self.last_context = None
        self.last_data = None
        self.last_message = None
        if self.dialog is not None:
            self.dialog.panel.clear(text)
        if self.marker is not None:
            self.marker.hide()

    def _on_cancelled(self, task) -> None:
        if self._finish(task) and self.dialog is not None:
            self.dialog.panel.set_message(tr("Explanation cancelled."))

    @slot_boundary("Pixel explanation", lambda self, text: self._show_in_panel(text))
    def _on_target_requested(self, target) -> None:
        if self.last_context is not None:
            self.explain(self.last_context, target)

    # --- UI ----------------------------------------------------------------------------------------------
    def ensure_dialog(self) -> PixelExplanationDock:
        """The explanation dock beside the map, created at the first use (right dock area, a tab beside the
        plugin's dock), shown and raised; the same dock for every click."""
        main = self._main_window()
        if self.dialog is None:
            self.dialog = PixelExplanationDock(main)
            self.dialog.panel.target_requested.connect(self._on_target_requested)
        if not self.dialog.isVisible() or self.dialog.isFloating():
            self.dialog.place(self.iface, main)
        else:
            self.dialog.raise_()
        return self.dialog

    def _main_window(self):
        """QGIS's main window: the interface's, else the canvas's window when it is a main window."""
        main = None
        if self.iface is not None:
            try:
                main = self.iface.mainWindow()
            except (AttributeError, RuntimeError):
                main = None
        if main is None and self.canvas is not None:
            window = self.canvas.window()
            main = window if hasattr(window, "addDockWidget") else None
        return main

    def _show_in_panel(self, text: str) -> None:
        self.last_message = text
        if self.dialog is not None:
            self.dialog.panel.set_message(text)

    def _notify(self, text: str, level, push: bool = True) -> None:
        """Show ``text`` in the panel, emit ``message``; ``push``: also to the message bar and the log (a failed
        task has done that already)."""
        self._show_in_panel(text)
        self.message.emit(text, int(level))
        if push:
            push_message(self.iface, tr("Pixel explanation"), text, level)

    def shutdown(self) -> None:
        """Cancel a running explanation, close the window (the plugin's unload)."""
        self._pending = None
        if self.is_busy():
            try:
                self.task.cancel()
            except RuntimeError:
                pass
        if self.dialog is not None:
            self.dialog.remove(self.iface)
            self.dialog = None
        if self.marker is not None:
            try:
                self.canvas.scene().removeItem(self.marker)
            except RuntimeError:
                pass
            self.marker = None


def _default_iface():
    try:
        from qgis.utils import iface
    except ImportError:
        return None
    return iface


def _crs_label(crs) -> str:
    if crs is None or not crs.isValid():
        return "?"
    return crs.authid() or crs.description() or "?"
