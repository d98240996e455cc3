"""User-facing errors. Each message says what is wrong *and* what to do about it.

The CLI prints them as one line (exit code 2); the plugin shows them in the message bar.
Anything that is not an LcxError is a bug and keeps its traceback.
"""


class LcxError(Exception):
    """Base class of every error a user can cause and fix."""


class StackError(LcxError):
    """The time-series raster(s) cannot be read or understood."""


class LabelsError(LcxError):
    """Field data or label raster cannot be used."""


class ModelFileError(LcxError):
    """A model file is missing, damaged, tampered with or of an unknown version."""


class StackMismatchError(LcxError):
    """The stack does not fit the model (bands, dates, grid)."""


class DependencyError(LcxError):
    """torch or captum is missing; the message carries the install command."""


class Cancelled(LcxError):  # noqa: N818 - a cancel is the user's choice, not an error
    """The user cancelled; outputs were removed."""
