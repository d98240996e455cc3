"""The pixel's story as one short plain-language text, in QGIS's language, from ``engine.explain.story`` facts.

Only the facts are told: a reason is given for dates / bands only where the engine named one (measured at
this pixel by a method that passed its quality check); otherwise the text says it cannot tell why. No method
names, no numbers a visitor cannot read.
"""
from __future__ import annotations

import datetime

from qgis.PyQt.QtCore import QCoreApplication, QDate, QLocale

from ...engine.explain.story import FAILED, StoryFacts
from ..class_names import display_name
from ..i18n import ui_language

CONTEXT = "LandCoverXaiPresenter"


def tr(text: str) -> str:
    return QCoreApplication.translate("LandCoverXaiPresenter", text)


def family_phrase(family: str) -> str:
    """A band family as the object of "relied on" (French: with its contracted article)."""
    phrases = {
        "blue": tr("the blue light"), "green": tr("the green light"), "red": tr("the red light"),
        "red_edge": tr("the red edge, just before the infrared"),
        "near_infrared": tr("the near infrared (which plants reflect strongly)"),
        "shortwave_infrared": tr("the short-wave infrared (which sees water in plants and soil)"),
    }
    return phrases.get(family, family)


def join_words(items: list) -> str:
    """'a', 'a and b', 'a, b and c' in QGIS's language."""
    items = [str(i) for i in items]
    if len(items) <= 1:
        return "".join(items)
    return tr("{0} and {1}").format(", ".join(items[:-1]), items[-1])


def day_text(iso: str) -> str:
    """'11 July' / '11 juillet' for an ISO date."""
    day = datetime.date.fromisoformat(str(iso)[:10])
    return QLocale(ui_language()).toString(QDate(day.year, day.month, day.day), "d MMMM")


def class_text(facts: StoryFacts) -> str:
    """The first sentence: what the model sees here (hesitant when it is not sure)."""
    name = display_name(facts.predicted_name)
    if facts.probability < 0.6:
        return tr("Here the model hesitates, but leans towards: {0}.").format(name)
    return tr("Here the model sees: {0}.").format(name)


def why_sentences(facts: StoryFacts) -> list:
    """The sentences about why: only the reasons the engine named, and what it cannot tell."""
    out = []
    if facts.top_bands:
        out.append(tr("It relied mostly on {0}.").format(join_words([family_phrase(r.key) for r in facts.top_bands])))
    if len(facts.top_dates) == 1:
        out.append(tr("The image that mattered most was taken on {0}.").format(day_text(facts.top_dates[0].key)))
    elif facts.top_dates:
        out.append(tr("The images that mattered most were taken on {0}.").format(
            join_words([day_text(r.key) for r in facts.top_dates])))
    if facts.dates_redundant:
        out.append(tr("No single image decided it: without any one of them, the others tell the same."))
    if (facts.top_dates or facts.dates_redundant) and facts.cloudy_dates:
        out.append(tr("Careful: the cloudy images counted too.") if facts.cloudy_counted
                   else tr("The cloudy images did not count."))
    if not facts.knows_why and not facts.dates_redundant:
        out.append(tr("Why? I cannot tell: the explanation of this model did not pass its quality check.")
                   if FAILED in (facts.date_check.status, facts.band_check.status)
                   else tr("Why? I cannot tell: the explanation of this model has not been checked."))
    elif not facts.top_dates and not facts.dates_redundant:
        out.append(tr("Which images mattered, I cannot tell: that part of the explanation did not pass its "
                      "quality check.") if facts.date_check.status == FAILED
                   else tr("Which images mattered, I cannot tell: that part of the explanation has not been "
                           "checked."))
    return out


def story_text(facts: StoryFacts) -> str:
    """The whole story: what the model sees, then why (as far as measured)."""
    return " ".join([class_text(facts)] + why_sentences(facts))
