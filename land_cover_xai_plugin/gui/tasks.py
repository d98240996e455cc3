"""Background work for the dock: QgsTask subclasses over the engine's job functions.

Rules kept here once for every panel:
- ``run()`` (worker thread) calls the job and touches no widget and no QgsProject; it only reports
  progress (``setProgress``) and reads ``isCanceled()``, which the engine polls between batches / epochs;
- every exception is captured in ``run()`` and reported in ``finished()`` (GUI thread): an ``LcxError``
  is the user's to fix, so its message goes to the message bar as is; anything else is a bug: a short
  message in the bar and the traceback in the QGIS log (panel "Land Cover XAI");
- a cancelled job leaves nothing behind: the engine's jobs remove their partial outputs and the folders
  they created.

Keep a Python reference to a task until ``finished()`` ran: an unreferenced QgsTask silently never runs.
"""
from __future__ import annotations

import os
import traceback
from typing import Callable, Optional

from qgis.core import Qgis, QgsMessageLog, QgsTask
from qgis.PyQt.QtCore import QCoreApplication, pyqtSignal

from ..engine.errors import Cancelled, LcxError

LOG_TAG = "Land Cover XAI"

JobFn = Callable[[Callable, Callable[[], bool]], object]


class JobTask(QgsTask):
    """Runs ``job(progress, is_cancelled) -> result`` in the background.

    Signals (emitted in the GUI thread, from ``finished()``): ``succeeded(result)``, ``failed(message)``,
    ``canceled_by_user()``.
    """

    succeeded = pyqtSignal(object)
    failed = pyqtSignal(str)
    canceled_by_user = pyqtSignal()

    def __init__(self, description: str, job: JobFn, iface=None, title: Optional[str] = None):
        super().__init__(description, QgsTask.Flag.CanCancel)
        self.job = job
        self.iface = iface
        self.title = title or description
        self.result = None
        self.error: Optional[BaseException] = None
        self.error_traceback: Optional[str] = None
        self.outcome: Optional[str] = None  # "success" | "cancelled" | "error"

    # --- worker thread -------------------------------------------------------------------------
    def run(self) -> bool:  # QgsTask API
        try:
            result = self.job(self.report_progress, self.isCanceled)
            if self.isCanceled():  # cancelled after the last check: drop what was made
                self.discard(result)
                self.outcome = "cancelled"
                self.cleanup_after_failure()
                return False
            self.result = result
            self.outcome = "success"
            return True
        except Cancelled:
            self.outcome = "cancelled"
        except LcxError as exc:
            self.error, self.outcome = exc, "error"
        except Exception as exc:  # noqa: BLE001 - a bug: reported with its traceback in finished()
            self.error, self.outcome = exc, "error"
            self.error_traceback = traceback.format_exc()
        self.cleanup_after_failure()
        return False

    def report_progress(self, value=None) -> None:
        """Engine progress callback: a fraction in [0, 1] (or an object with ``fraction``)."""
        fraction = _fraction(value)
        if fraction is not None:
            self.setProgress(100.0 * min(1.0, max(0.0, fraction)))

    def discard(self, result) -> None:
        """Remove what a job made when the user cancelled right after it finished (subclasses)."""

    def cleanup_after_failure(self) -> None:
        """Remove what a failed or cancelled job left (subclasses; worker thread, files only)."""

    # --- GUI thread ----------------------------------------------------------------------------
    def finished(self, ok: bool) -> None:  # QgsTask API
        if ok and self.outcome == "success":
            self.succeeded.emit(self.result)
            return
        if self.outcome == "cancelled" or (self.outcome is None and self.isCanceled()):
            self.outcome = "cancelled"
            self._push(tr("{0}: cancelled, nothing was kept.").format(self.title), Qgis.MessageLevel.Info, 5)
            self.canceled_by_user.emit()
            return
        if isinstance(self.error, LcxError):
            message = str(self.error)
        elif self.error is not None:
            message = tr("{0} failed because of an internal error ({1}: {2}). The details are in the log "
                          "panel 'Land Cover XAI'; please report them with 'Copy diagnostics'.").format(
                self.title, type(self.error).__name__, self.error)
            QgsMessageLog.logMessage(self.error_traceback or repr(self.error), LOG_TAG, Qgis.MessageLevel.Critical)
        else:
            message = tr("{0} stopped without a result. Run it again.").format(self.title)
        self.outcome = "error"
        self._push(message, Qgis.MessageLevel.Critical, 0)
        self.failed.emit(message)

    def _push(self, text: str, level, duration: int) -> None:
        bar = None
        if self.iface is not None:
            try:
                bar = self.iface.messageBar()
            except Exception:  # noqa: BLE001 - no bar (headless): the log still has it
                bar = None
        if bar is not None:
            bar.pushMessage(self.title, text, level, duration)
        QgsMessageLog.logMessage(f"{self.title}: {text}", LOG_TAG, level)


class InferenceTask(JobTask):
    """Classification + explanations: ``engine.jobs.run_inference_job(job)`` (an ``InferenceJob``).

    The job owns its files: it opens the stack with the job's layout (the user's correction of the detected
    dates / bands) in this worker thread, creates ``job.out_dir`` when missing and removes it again (with
    anything in it) when the run is cancelled or fails."""

    def __init__(self, job, iface=None, title: Optional[str] = None):
        super().__init__(title or tr("Land Cover XAI classification"), self._work, iface, title)
        self.inference_job = job

    def _work(self, progress, is_cancelled):
        from ..engine.jobs import run_inference_job  # heavy, worker thread only

        return run_inference_job(self.inference_job, progress, is_cancelled)

    def discard(self, result) -> None:
        from ..engine.jobs import remove_outputs

        remove_outputs(getattr(result, "outputs", None) or [])


class TrainTask(JobTask):
    """Training: ``engine.jobs.run_train_job(job)``. ``epoch_reported(report)`` carries each epoch's report
    to the GUI thread (for a live loss / accuracy plot). A cancelled training writes no model file."""

    epoch_reported = pyqtSignal(object)

    def __init__(self, job, iface=None, title: Optional[str] = None):
        super().__init__(title or tr("Land Cover XAI training"), self._work, iface, title)
        self.train_job = job

    def _work(self, progress, is_cancelled):
        from ..engine.jobs import run_train_job

        def on_epoch(report=None, *args):
            progress(report)
            self.epoch_reported.emit(report)

        return run_train_job(self.train_job, on_epoch, is_cancelled)

    def discard(self, result) -> None:
        for path in (self.train_job.out_model, getattr(self.train_job, "report_path", None)):
            if path and os.path.exists(path):
                os.remove(path)


class ValidateTask(JobTask):
    """Accuracy assessment: ``engine.jobs.run_validate_job(job)`` -> AccuracyReport."""

    def __init__(self, job, iface=None, title: Optional[str] = None):
        super().__init__(title or tr("Land Cover XAI validation"), self._work, iface, title)
        self.validate_job = job

    def _work(self, progress, is_cancelled):
        from ..engine.jobs import run_validate_job

        return run_validate_job(self.validate_job)


def _fraction(value) -> Optional[float]:
    """Progress as a fraction: a number in [0, 1], or a report with ``fraction`` / (``epoch``, ``epochs``)."""
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    fraction = getattr(value, "fraction", None)
    if isinstance(fraction, (int, float)):
        return float(fraction)
    epoch = getattr(value, "epoch", None)
    epochs = getattr(value, "n_epochs", getattr(value, "epochs", None))  # engine.training.EpochReport: n_epochs
    if isinstance(epoch, (int, float)) and isinstance(epochs, (int, float)) and epochs > 0:
        return float(epoch) / float(epochs)
    return None


def tr(text: str) -> str:
    return QCoreApplication.translate("LandCoverXaiTasks", text)
