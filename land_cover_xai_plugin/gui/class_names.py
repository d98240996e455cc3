"""Class names as people read them: the user's own name for a class first, else common land-cover names in
QGIS's language, else the name as the data gave it.

The model file keeps the names it was trained with and, beside them, the user's display names
(``ClassInfo.display_name``, renamed in the Classify tab). ``use_model_names(bundle)`` makes a model's display
names the ones every view shows (legends, lists, plots, the presenter) through ``display_name``.
"""
from __future__ import annotations

from qgis.PyQt.QtCore import QCoreApplication

CONTEXT = "LandCoverClasses"


def known_class_names() -> tuple[str, ...]:
    """Listed literally so that pylupdate5 collects them for the translators."""
    return (
        QCoreApplication.translate("LandCoverClasses", "cultivated land"),
        QCoreApplication.translate("LandCoverClasses", "forest"),
        QCoreApplication.translate("LandCoverClasses", "grassland"),
        QCoreApplication.translate("LandCoverClasses", "shrubland"),
        QCoreApplication.translate("LandCoverClasses", "artificial surface"),
        QCoreApplication.translate("LandCoverClasses", "water"),
        QCoreApplication.translate("LandCoverClasses", "wetland"),
        QCoreApplication.translate("LandCoverClasses", "bare soil"),
        QCoreApplication.translate("LandCoverClasses", "cropland"),
        QCoreApplication.translate("LandCoverClasses", "urban"),
    )


_USER_NAMES: dict[str, str] = {}  # original class name -> the user's name, for the model in use


def use_model_names(classes) -> dict[str, str]:
    """Make the user's names of ``classes`` (ClassInfo with ``display_name``) the shown ones; returns them."""
    _USER_NAMES.clear()
    for info in classes or ():
        user = str(getattr(info, "display_name", "") or "").strip()
        if user:
            _USER_NAMES[str(info.name)] = user
    return dict(_USER_NAMES)


def display_name(name) -> str:
    """The name shown for a class named ``name`` in the data: the user's name, else its translation."""
    user = _USER_NAMES.get(str(name))
    if user:
        return user
    return QCoreApplication.translate(CONTEXT, str(name))


def original_label(name) -> str:
    """The class's name without the user's renaming (the catalogue's translation, else as the data gave it)."""
    return QCoreApplication.translate(CONTEXT, str(name))
