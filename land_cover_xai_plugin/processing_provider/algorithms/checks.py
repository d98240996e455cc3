"""Parameter checks the inference algorithms share beyond the base class's: a model path that exists but is no
regular file (a FIFO, a symlink to a device) gets the engine's own refusal, not "not found"."""
from __future__ import annotations

import os
from typing import Optional


def model_path_problem(algorithm, path: str) -> Optional[str]:
    """None when ``path`` looks like a usable model file, else the message to show (checked without reading)."""
    if path and os.path.lexists(path) and not os.path.isfile(path) and not os.path.isdir(path):
        from ...engine.errors import LcxError
        from ...engine.models.model_file import _open_regular_file

        try:
            _open_regular_file(path).close()
        except LcxError as error:
            return " ".join(str(error).split())
    return algorithm.check_model_path(path)
