"""docs/PROCESSING.md lists, in each algorithm's section, every parameter the algorithm has and every name its enum
parameters accept (an added parameter or option without its line fails here)."""
from __future__ import annotations

import re
from pathlib import Path

from qgis.core import QgsApplication

DOC = Path(__file__).resolve().parents[2] / "docs" / "PROCESSING.md"


def section(text: str, algorithm: str) -> str:
    """The text of the doc's '### `land_cover_xai:<algorithm>`' section, up to the next heading."""
    match = re.search(rf"^### `land_cover_xai:{algorithm}`\n(.*?)(?=^##)", text, re.MULTILINE | re.DOTALL)
    assert match, f"docs/PROCESSING.md has no section for {algorithm}"
    return match.group(1)


def test_every_parameter_and_enum_name_is_documented(processing_ready):
    text = DOC.read_text(encoding="utf-8")
    assert "`METHOD=gradcam`" in text and "`OVERWRITE`" in text
    missing = []
    for name in ("train", "classify", "explain", "validate"):
        alg = QgsApplication.processingRegistry().algorithmById(f"land_cover_xai:{name}")
        part = section(text, name)
        if name == "explain":  # "as for classify": the shared parameters are documented there
            part += section(text, "classify")
        for definition in alg.parameterDefinitions():
            if f"`{definition.name()}`" not in part:
                missing.append(f"{name}: {definition.name()}")
            for option in getattr(definition, "names", None) or ():
                if f"`{option}`" not in part:
                    missing.append(f"{name}: {definition.name()}={option}")
    assert not missing, "not in docs/PROCESSING.md: " + ", ".join(missing)
