"""The one contract every map output of inference follows (in the spirit of captum's ``attribute()``).

An :class:`Explainer` declares what it is (name, label, description, the architectures it supports,
whether it takes a target class, whether it is slow), which rasters it writes (:meth:`Explainer.outputs`:
band descriptions and style, as ``io.outputs.OutputSpec``) and how it computes them on a batch
(:meth:`Explainer.compute`). Classification by-products (class map, probabilities, uncertainty) follow the
same contract with ``category = "classification"``.

The streaming pass runs ONE forward pass per batch, fused with the Grad-CAM backward when an explainer asks
for it (``fused_gradcam``), and hands every explainer the result (:class:`BatchContext`). An explainer that
needs more (SHAP, IG) runs its own passes from ``batch.model`` / ``batch.x``.

Adding a method = one file in ``engine/explain/methods/`` with one ``Explainer`` subclass; the registry
(``explain/registry.py``) finds it, and the CLI, Processing and the dock list it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Optional

from ..io.outputs import ClassStyle, OutputSpec, RampStyle
from ..models.spec import ARCHS

CATEGORIES = ("classification", "explanation")


@dataclass
class OutputContext:
    """What the rasters of a run depend on: the model (classes, bands, dates) and the explained class."""

    bundle: Any  # models.model_file.ModelBundle (or a stand-in with classes / bands / dates / spec)
    target_id: Optional[int] = None  # None: each pixel's predicted class

    @property
    def classes(self) -> list[ClassStyle]:
        """The model's classes as legend entries (id, name, colour)."""
        return [ClassStyle(int(c.id), str(c.name), str(c.color)) for c in self.bundle.classes]

    @property
    def dates(self) -> list[str]:
        """The model's dates (ISO), one per date band."""
        return [str(d) for d in self.bundle.dates]

    @property
    def bands(self) -> list[str]:
        """The model's band names, in model order."""
        return [str(b) for b in self.bundle.bands]

    @property
    def target_text(self) -> str:
        """'predicted class' or 'class 3 (forest)': how band descriptions name the explained class."""
        if self.target_id is None:
            return "predicted class"
        name = next((c.name for c in self.bundle.classes if int(c.id) == int(self.target_id)), str(self.target_id))
        return f"class {self.target_id} ({name})"

    @property
    def metadata(self) -> dict[str, str]:
        """GeoTIFF metadata items written into every target-dependent output."""
        return {"LCX_TARGET": self.target_text, "LCX_MODEL_ARCH": str(self.bundle.spec.arch)}

    def stem(self, kind: str, takes_target: bool) -> str:
        """File stem of an output: ``gradcam`` for the predicted class, ``gradcam_3`` for class 3."""
        return kind if not takes_target or self.target_id is None else f"{kind}_{self.target_id}"


@dataclass
class OutputDeclaration:
    """One raster an explainer writes: ``kind`` (unique over the registry, e.g. ``shap_bands``), the English
    layer ``label``, the file ``spec`` and whether a map shows it when it is loaded."""

    kind: str
    label: str
    spec: OutputSpec
    visible: bool = False


@dataclass
class OutputDescriptor:
    """A written output, as inference returns it: what it is, for which class, where, and how to style it.

    Front ends style layers from it (``style`` / ``classes``) and never parse file names."""

    kind: str  # "prediction", "confidence", "gradcam", "shap_bands", "entropy" ...
    method: str  # the explainer that wrote it ("classification", "gradcam", "uncertainty" ...)
    target_id: Optional[int]  # explained class id; None = each pixel's predicted class (or no target)
    label: str  # English layer title without the target, e.g. "SHAP by band"
    title: str  # English layer title with the target, e.g. "SHAP by band (class 3: forest)"
    path: str
    style: Optional[RampStyle] = None  # continuous outputs: colour ramp
    classes: Optional[list[ClassStyle]] = None  # the class map: legend
    band_descriptions: list[str] = field(default_factory=list)
    visible: bool = False
    takes_target: bool = False
    category: str = "explanation"  # or "classification" (class map, probabilities, uncertainty)
    target_name: Optional[str] = None  # the explained class's name (None with target_id None)
    # the benchmark's verdict on this output stored in the model file, one plain sentence
    # ("passes: deletion 0.48 vs random 0.57, ..."); None when the method was not measured
    verdict: Optional[str] = None

    @property
    def verdict_fails(self) -> bool:
        """True when the stored verdict says this output fails its quality check."""
        return verdict_fails(self.verdict)

    @property
    def name(self) -> str:
        """File stem of the output (``gradcam_3``)."""
        import os

        return os.path.splitext(os.path.basename(self.path))[0]

    def moved_to(self, path: str) -> "OutputDescriptor":
        """The same output at another path (after the job moved it to the user's destination)."""
        import dataclasses

        return dataclasses.replace(self, path=str(path))


def verdict_fails(verdict: Optional[str]) -> bool:
    """True for a verdict sentence that reports a failed quality check: ``"fails: ..."``, or a method's summary
    over its outputs (``"shap_dates: fails: ...; shap_bands: passes: ..."``) where one of them fails."""
    import re

    return bool(verdict) and re.search(r"(^|: |; )fails\b", str(verdict).strip().lower()) is not None


def output_verdict(bundle, method: str, kind: Optional[str] = None) -> Optional[str]:
    """The stored verdict on one output: the benchmark's sentence for the raster ``kind`` when the model file
    has one per output (``{"methods": {method: {"outputs": {kind: sentence}}}}``), else the method's own
    (``evaluation.stored_verdict``); None when the method was not measured."""
    from .evaluation import stored_verdict

    quality = getattr(bundle, "explanation_quality", None) or {}
    entry = (quality.get("methods") or {}).get(method) if isinstance(quality, dict) else None
    per_output = entry.get("outputs") if isinstance(entry, dict) else None
    if isinstance(per_output, dict) and kind in per_output:
        return str(per_output[kind]) or None
    return stored_verdict(bundle, method)


@dataclass
class PassSetup:
    """What an explainer may read once, before the pass (:meth:`Explainer.prepare`)."""

    model: Any  # torch module in eval mode, parameters frozen
    bundle: Any
    stack: Any  # io.stack.TimeSeriesStack
    band_order: Optional[list[int]]  # stack band index of each model band (None: same order)
    device: str
    target_index: Optional[int]  # output index of the explained class; None = predicted
    min_valid_dates: int = 2
    shap_samples: int = 8
    ig_steps: int = 32
    seed: int = 0
    inputs: Any = None  # data.windows.InputSpec of the pass: how windows of this stack become model input


@dataclass
class BatchContext:
    """One batch as every explainer sees it: input, the shared forward pass and the explained class."""

    model: Any
    x: Any  # (n, B, T[, k, k]) tensor on the model's device
    forward: Any  # explain.gradcam.GradCamBatch: logits, probabilities, predicted, cam, band_attention
    target_index: Optional[int]
    state: Any = None  # what this explainer's prepare() returned
    batch_no: int = 0

    @property
    def targets(self):
        """(n,) class index explained at each pixel: the fixed target or each pixel's predicted class."""
        from . import gradcam

        return gradcam.resolve_targets(self.forward.predicted, self.target_index)


class Explainer:
    """Base of every map output method. Subclasses set the class attributes and implement ``outputs`` and
    ``compute`` (and ``prepare`` when they need data read once)."""

    name: ClassVar[str] = ""  # what front ends pass: "gradcam"
    label: ClassVar[str] = ""  # "Grad-CAM"
    description: ClassVar[str] = ""  # one or two sentences for help texts
    category: ClassVar[str] = "explanation"  # or "classification"
    archs: ClassVar[tuple[str, ...]] = ARCHS  # architectures it supports
    takes_target: ClassVar[bool] = False  # explains one class (the target)
    slow: ClassVar[bool] = False  # far slower than the forward pass: for clips, not whole tiles
    always: ClassVar[bool] = False  # written by every run (the class map)
    fused_gradcam: ClassVar[bool] = False  # needs the fused forward + Grad-CAM backward pass
    band_attention: ClassVar[bool] = False  # needs the model's band attention of the forward pass
    # Position in lists. Processing's METHOD enum takes its indices in this order, and saved models /
    # scripts pass those indices: a new method takes an order above every existing one.
    order: ClassVar[int] = 100
    # (kind, English layer label) of each raster, in order: what front ends offer as destinations
    produces: ClassVar[tuple[tuple[str, str], ...]] = ()

    def label_of(self, kind: str) -> str:
        """The English layer label of one of this method's output kinds."""
        return dict(self.produces)[kind]

    def supports(self, model) -> bool:
        """True when this method works with ``model``: a ModelSpec (what the model exposes) or an
        architecture name. Default: the architecture is one of ``archs``."""
        return getattr(model, "arch", model) in self.archs

    def outputs(self, ctx: OutputContext) -> list[OutputDeclaration]:  # pragma: no cover - abstract
        """The rasters this method writes for ``ctx`` (names via ``ctx.stem(kind, self.takes_target)``)."""
        raise NotImplementedError

    def prepare(self, setup: PassSetup) -> Any:
        """Read once before the pass what ``compute`` needs (baselines, reference pixels); default nothing."""
        return None

    def compute(self, batch: BatchContext) -> dict[str, Any]:  # pragma: no cover - abstract
        """{kind: tensor (n,) or (n, bands)} for the batch, one entry per declared output."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"
