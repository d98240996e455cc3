"""The map output methods inference offers, as the CLI, Processing and the dock list them.

Every module of ``engine/explain/methods/`` that defines ``EXPLAINER`` (an ``explainer.Explainer``) is a
method: adding one is adding one file. Front ends ask :func:`available` (what a model of an architecture
supports) and :func:`get`; inference checks a request with :func:`resolve`.
"""
from __future__ import annotations

import importlib
import pkgutil
from typing import Iterable, Optional

from ..errors import LcxError
from . import methods as _methods_package
from ..models.spec import ARCHS
from .explainer import Explainer

_REGISTRY: dict[str, Explainer] = {}


def _load() -> dict[str, Explainer]:
    """Import every module of explain/methods once; each ``EXPLAINER`` found is registered under its name."""
    if not _REGISTRY:
        found = {}
        for info in pkgutil.iter_modules(_methods_package.__path__):
            module = importlib.import_module(f"{_methods_package.__name__}.{info.name}")
            explainer = getattr(module, "EXPLAINER", None)
            if isinstance(explainer, Explainer):
                if explainer.name in found:
                    raise RuntimeError(f"two explainers are named {explainer.name!r}")
                found[explainer.name] = explainer
        _REGISTRY.update(sorted(found.items(), key=lambda kv: (kv[1].order, kv[0])))
    return _REGISTRY


def all_explainers() -> list[Explainer]:
    """Every registered method (the class map first), in display order."""
    return list(_load().values())


def names(category: Optional[str] = None) -> tuple[str, ...]:
    """Names of the optional methods (``category``: 'classification' or 'explanation' only)."""
    return tuple(e.name for e in all_explainers() if not e.always and (category is None or e.category == category))


def get(name: str) -> Explainer:
    """The method called ``name``; LcxError listing the known ones otherwise."""
    found = _load().get(str(name).strip().lower())
    if found is None:
        raise LcxError(f"Unknown output {name!r}: choose among {', '.join(names())}.")
    return found


def available(model=None, category: Optional[str] = None) -> list[Explainer]:
    """The optional methods ``model`` (a ModelSpec, or an architecture name) supports; all when None."""
    return [e for e in all_explainers() if not e.always and (model is None or e.supports(model))
            and (category is None or e.category == category)]


def resolve(requested: Iterable[str], model) -> list[Explainer]:
    """The methods a run writes: the always-written class map plus ``requested``, checked against ``model``
    (a ModelSpec, or an architecture name).

    Raises LcxError for an unknown method or one the model does not support."""
    wanted = {str(n).strip().lower() for n in requested or ()}
    unknown = sorted(n for n in wanted if n not in _load())
    if unknown:
        raise LcxError(f"Unknown output(s) {unknown}: choose among {', '.join(names())}.")
    chosen = [e for e in all_explainers() if e.always or e.name in wanted]
    refused = [e for e in chosen if not e.supports(model)]
    if refused:
        e, arch = refused[0], getattr(model, "arch", model)
        others = ", ".join(x.name for x in available(model, "explanation"))
        raise LcxError(
            f"{e.label} ('{e.name}') works only with {' / '.join(e.archs)} models; this model is '{arch}'. "
            f"Remove '{e.name}' from the outputs (this model offers {others}), or use a model trained with the "
            f"{' / '.join(e.archs)} architecture.")
    return chosen


def help_lines(category: Optional[str] = None) -> list[tuple[str, str, str]]:
    """(name, label, description + limits) of each optional method: the one source of help texts."""
    out = []
    for e in available(category=category):
        limit = f" Only for {' / '.join(e.archs)} models." if set(e.archs) != set(ARCHS) else ""
        out.append((e.name, e.label, e.description + limit))
    return out
