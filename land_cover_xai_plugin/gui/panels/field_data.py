"""Helpers for field-data layers (the Train and Validate tabs)."""
from __future__ import annotations

from typing import Optional

CLASS_FIELD_GUESSES = ("LULC_ID", "class_id", "class", "classe", "code", "id")


def guess_class_field(layer) -> Optional[str]:
    """The field most likely to hold the class: the first of CLASS_FIELD_GUESSES present (any case)."""
    if layer is None:
        return None
    names = [field.name() for field in layer.fields()]
    for guess in CLASS_FIELD_GUESSES:
        match = next((name for name in names if name.lower() == guess.lower()), None)
        if match:
            return match
    return None
