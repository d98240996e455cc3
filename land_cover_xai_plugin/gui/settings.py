"""The dock's remembered choices, in QgsSettings under "land_cover_xai/...".

One small typed accessor per value, so that panels never spell a key twice.
"""
from __future__ import annotations

from qgis.core import QgsSettings

from ..engine.explain import registry

PREFIX = "land_cover_xai/"

MODEL_SOURCE = "model_source"           # "bundled" | "file"
LAST_MODEL_PATH = "last_model_path"
DEVICE = "device"
OUTPUTS = "outputs"                     # comma-separated names of registry methods
TARGET = "target"                       # "predicted" or a class id
OUTPUT_FOLDER = "last_output_folder"
LAST_FOLDER = "last_folder"             # last folder browsed (models, rasters, field data)
FOLDERS = "folders/"                    # + a widget's key: the last folder that widget chose (per widget)

# the widgets whose last folder is remembered (one key each)
CLASSIFY_MODEL_FILE = "classify_model_file"
CLASSIFY_OUTPUT_FOLDER = "classify_output_folder"
TRAIN_MODEL_FILE = "train_model_file"
VALIDATE_REPORTS = "validate_reports"
PIXEL_FIGURE = "pixel_figure"

DEFAULT_OUTPUTS = ("gradcam",)


def _key(name: str) -> str:
    return PREFIX + name


def value(name: str, default: str = "") -> str:
    """The remembered value of ``name`` (``default`` when none)."""
    stored = QgsSettings().value(_key(name), default)
    return default if stored is None else str(stored)


def set_value(name: str, new_value) -> None:
    """Remember ``new_value`` under ``name`` (None is stored as '')."""
    QgsSettings().setValue(_key(name), "" if new_value is None else str(new_value))


def remove(name: str) -> None:
    """Forget ``name``."""
    QgsSettings().remove(_key(name))


def last_folder(widget_key: str, default: str = "") -> str:
    """The last folder the widget ``widget_key`` chose (``default`` when none, or when it is gone)."""
    import os

    folder = value(FOLDERS + widget_key, "")
    return folder if folder and os.path.isdir(folder) else default


def remember_folder(widget_key: str, path: str) -> str:
    """Remember the folder of ``path`` (the path itself when it is a folder) for ``widget_key``; returns it
    ('' when there is no folder to remember)."""
    import os

    path = str(path or "").strip().strip('"')
    if not path:
        return ""
    folder = path if os.path.isdir(path) else os.path.dirname(os.path.abspath(path))
    if folder and os.path.isdir(folder):
        set_value(FOLDERS + widget_key, folder)
        return folder
    return ""


def remember_file_widget(widget, widget_key: str) -> None:
    """A QgsFileWidget that opens its dialog in the last folder it chose (per widget, kept in QgsSettings)."""
    folder = last_folder(widget_key)
    if folder:
        widget.setDefaultRoot(folder)

    def on_change(path, widget=widget, widget_key=widget_key):
        first = str(path).split('" "')[0] if path else ""
        chosen = remember_folder(widget_key, first)
        if chosen:
            widget.setDefaultRoot(chosen)

    widget.fileChanged.connect(on_change)


def outputs() -> set[str]:
    """The optional outputs last chosen (class map and confidence are always written); names the registry
    no longer knows (a method renamed or removed since) are dropped."""
    settings = QgsSettings()
    if not settings.contains(_key(OUTPUTS)):
        return set(DEFAULT_OUTPUTS)
    text = str(settings.value(_key(OUTPUTS), "") or "")
    return {part for part in text.split(",") if part in registry.names()}


def set_outputs(methods) -> None:
    """Remember the optional outputs chosen (registry method names)."""
    set_value(OUTPUTS, ",".join(sorted(methods)))


def clear_all() -> None:
    """Forget every remembered choice (used by tests and a future 'reset' action)."""
    settings = QgsSettings()
    settings.beginGroup(PREFIX.rstrip("/"))
    settings.remove("")
    settings.endGroup()
