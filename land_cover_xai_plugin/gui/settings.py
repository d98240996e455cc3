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
