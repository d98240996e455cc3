"""Class names as people read them: common land-cover names follow QGIS's language.

The model file keeps the names it was trained with; only what is shown (legend, lists, plots) is
translated, and a name the catalogue does not know is shown as it is.
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


def display_name(name) -> str:
    return QCoreApplication.translate(CONTEXT, str(name))
