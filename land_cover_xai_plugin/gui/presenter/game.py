"""The guessing game's rules: a place is picked where the field truth is known, the visitor guesses its class,
the score counts the right guesses of the session, and everything starts over after a minute untouched."""
from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Optional

import numpy as np
from qgis.PyQt.QtCore import QObject, QTimer, pyqtSignal

IDLE_RESET_MS = 60_000  # a minute without a touch: the next visitor starts afresh


@dataclass(frozen=True)
class Round:
    """One place to guess: its pixel and the field truth there (class id)."""

    row: int
    col: int
    truth_id: int


@dataclass(frozen=True)
class Answer:
    """A visitor's guess against the field truth."""

    guess_id: int
    truth_id: int

    @property
    def correct(self) -> bool:
        return self.guess_id == self.truth_id


def read_labels(path) -> np.ndarray:
    """The field-truth raster (band 1) as an int array."""
    from osgeo import gdal

    dataset = gdal.Open(str(path))  # kept in a variable: its band must not outlive it
    if dataset is None:
        raise OSError(f"cannot read {path}")
    return dataset.GetRasterBand(1).ReadAsArray().astype(np.int64)


class GuessingGame(QObject):
    """Session state of the game. ``labels``: the field truth (0 = unknown); ``class_ids``: the classes a
    visitor may pick. ``reset_done`` is emitted when the idle timer (``idle_ms``) starts the game over."""

    reset_done = pyqtSignal()

    def __init__(self, labels: np.ndarray, class_ids, idle_ms: int = IDLE_RESET_MS, seed: Optional[int] = None,
                 parent=None):
        super().__init__(parent)
        self.labels = np.asarray(labels)
        self.class_ids = [int(c) for c in class_ids]
        self.rng = random.Random(seed)
        self.score = 0
        self.played = 0
        self.current: Optional[Round] = None
        self.answered = False
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(int(idle_ms))
        self.timer.timeout.connect(self.reset)

    def touch(self) -> None:
        """A visitor did something: the idle countdown starts again."""
        self.timer.start()

    def new_round(self) -> Round:
        """A new place, drawn so that every class of the field truth is as likely (forest would be 3 in 4)."""
        present = [c for c in self.class_ids if (self.labels == c).any()]
        if not present:
            raise ValueError("the field truth holds none of the model's classes")
        wanted = self.rng.choice(present)
        rows, cols = np.nonzero(self.labels == wanted)
        pick = self.rng.randrange(len(rows))
        self.current = Round(int(rows[pick]), int(cols[pick]), int(wanted))
        self.answered = False
        self.touch()
        return self.current

    def guess(self, class_id: int) -> Answer:
        """The visitor's guess for the current place; a second guess for the same place does not score."""
        if self.current is None:
            raise ValueError("no place to guess: start a round first")
        answer = Answer(int(class_id), self.current.truth_id)
        if not self.answered:
            self.played += 1
            self.score += int(answer.correct)
        self.answered = True
        self.touch()
        return answer

    def reset(self) -> None:
        """Back to the start: no score, no place."""
        self.score = 0
        self.played = 0
        self.current = None
        self.answered = False
        self.timer.stop()
        self.reset_done.emit()
