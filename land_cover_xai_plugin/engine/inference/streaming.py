"""Streaming inference: one pass over the stack computes the class map and every explanation asked for.

Pipeline (memory bounded whatever the raster size):

    reader thread  --(queue of 2 prepared windows)-->  main thread: torch  --(queue of 2)-->  writer thread
    own GDAL handle (stack.clone()),                   batches of pixels,                    GDAL writes into
    read window + halo, gap-fill, pad edges             forward (+ backward)                  *.partial.tif

GDAL's reads / writes and torch's kernels release the GIL, so reading, gap-filling and writing overlap the
model. Where torch's threads fill every CPU core, windows are instead read on the main thread between two
windows' batches, by several GDAL threads at once (``_InlineWindows``): reading beside the forward there slowed
it by more than the reading cost. Windows are aligned with the stack's blocks (whole blocks are decoded
once). Models with spatial context (patch_size k) get a halo of k//2 pixels read from the neighbouring
windows, and the raster's outer edge is padded with edge values, so the streamed map has no seams: it equals
the whole-array result.

No-data: a pixel is no-data in every output when fewer than ``min_valid_dates`` dates are observed
(``gapfill.fill_gaps``); missing dates of the other pixels are filled linearly in time. For patch models, a
no-data neighbour inside the patch is replaced by the per-band training mean (a neutral value).
"""
from __future__ import annotations

import contextlib
import json
import logging
import os
import queue
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Optional, Sequence

import numpy as np

from ..data.windows import (  # noqa: F401 - PreparedWindow, Window, prepare_window: part of this module's API
    BufferPool, InputSpec, PreparedWindow, Window, auto_window_size, batch_input, plan_windows, prepare,
    prepare_window)
from ..errors import Cancelled, LcxError, StackError
from ..explain import gradcam, registry
from ..explain.explainer import BatchContext, Explainer, OutputContext, OutputDescriptor, PassSetup, output_verdict
from ..io.outputs import OutputSet, check_output_folder
from ..models.input_scale import check_input_scale, sample_stack_values
from ..runtime import import_torch, resolve_device, set_threads

_log = logging.getLogger(__name__)

# One window prefetched is enough: reading + gap-filling runs ~5-10x faster than the model.
_QUEUE_DEPTH = 1
CPU_BATCH_CANDIDATES = (512, 1024, 2048)  # the batches a CPU pass chooses among
_CUDA_BATCH = 8192
_GDAL_CACHE_BYTES = 128 * 1024 * 1024
# CPU passes whose torch threads fill every core read each window between two windows' batches, in
# _MAX_READ_THREADS GDAL threads (the stack's planes split between handles), instead of in a reader thread
# beside the forward: on 2 cores an OpenMP team with a thread preempted by the reader stalled at its barriers
# (every CPU second of reading cost the forward one), and torch yielding a thread to the reader still lost
# ~10 % to the two sharing caches (see benchmarks/README.md). GPU passes, and CPU passes that leave torch a
# core of its own, keep the reader thread, which hides reading behind compute.
_MAX_READ_THREADS = 4
_MIN_BATCH = 16
# Methods that need no more of the model than its forward function: the shared forward pass's outputs
# (probabilities, band gates, the ensemble's disagreement), forward passes on altered inputs (occlusion, date
# Shapley) or the stand-in's own differentiable forward (the linearised date occlusion). With these alone the
# pass runs ``models.ensemble.inference_model``'s stand-in (the same function, BatchNorm folded and the members
# batched; ~2x faster forward for the default MLP ensemble). Gradient methods on the model's layers (Grad-CAM,
# SHAP, IG) run on the model itself.
FORWARD_ONLY_METHODS = frozenset({"classification", "probabilities", "uncertainty", "disagreement", "attention",
                                  "linear_occlusion_dates", "occlusion_dates", "shapley_dates", "occlusion_bands"})


@dataclass
class InferenceRequest:
    """What to compute. ``stack`` (an open TimeSeriesStack) may replace ``stack_paths``; ``bundle`` may
    replace ``model_path``. ``methods``: names of optional outputs (``explain.registry.names()``; the class
    map and confidence are always written). ``target``: "predicted" (each pixel's class), a class id or a
    class name, for the explanations (``ModelBundle.resolve_target``). ``region`` (xoff, yoff, xsize, ysize)
    restricts the pass to part of the raster (outputs still cover the whole grid, no-data elsewhere)."""

    stack_paths: Sequence[str] = ()
    model_path: Optional[str] = None
    out_dir: str = "."
    methods: set = field(default_factory=set)
    target: object = "predicted"
    device: str = "auto"
    batch_size: Optional[int] = None
    window_size: Optional[int] = None
    bundle: object = None
    stack: object = None
    min_valid_dates: int = 2
    shap_samples: int = 8
    ig_steps: int = 32
    threads: Optional[int] = None
    region: Optional[tuple] = None
    seed: int = 0
    # which observations count as missing (data.validity.ValidityConfig: cloud-fraction threshold, this stack's
    # mask rasters and their rule); None: the settings the model was trained with
    validity: object = None
    overwrite: bool = False  # replace results already in out_dir (else refused: io.outputs.OutputSet)


@dataclass
class InferenceResult:
    """What a pass wrote (``outputs``: one typed descriptor per raster) and how it went."""

    outputs: list  # [OutputDescriptor], the class map first
    n_pixels: int  # pixels processed (region)
    n_valid: int
    n_nodata: int
    seconds: float
    device: str
    batch_size: int
    window_size: tuple
    # seconds: setup (model load, checks, outputs created: before the first window), read (reader thread,
    # wall), read_cpu (its CPU time), compute (main), write (writer thread), wait_read (main idle), commit
    timings: dict
    warnings: list = field(default_factory=list)  # for the user: e.g. the stack's scale is off the model's

    @property
    def pixels_per_second(self) -> float:
        """Pixels of the region per second of the whole pass."""
        return self.n_pixels / self.seconds if self.seconds > 0 else float("nan")

    @property
    def paths(self) -> dict:
        """File stem -> path of every output (for listings and logs; style from ``outputs``)."""
        return {d.name: d.path for d in self.outputs}

    def output(self, kind: str) -> Optional[OutputDescriptor]:
        """The output of ``kind`` ("prediction", "gradcam", "shap_dates" ...), None when not written."""
        return next((d for d in self.outputs if d.kind == kind), None)


# --- outputs -----------------------------------------------------------------------------------------------

@dataclass
class PlannedOutputs:
    """The methods of a run and the rasters each declares."""

    context: OutputContext
    methods: list  # [(Explainer, [explainer.OutputDeclaration])]

    @property
    def specs(self) -> list:
        """The OutputSpec of every raster, in order (the class map first)."""
        return [d.spec for _, decls in self.methods for d in decls]

    def describe(self, paths: dict) -> list[OutputDescriptor]:
        """Descriptors of the committed rasters (``paths``: file stem -> path)."""
        ctx, out = self.context, []
        for explainer, decls in self.methods:
            target_id = ctx.target_id if explainer.takes_target else None
            for d in decls:
                out.append(OutputDescriptor(
                    kind=d.kind, method=explainer.name, target_id=target_id, label=d.label,
                    title=output_title(d.label, explainer, ctx), path=paths[d.spec.name], style=d.spec.ramp,
                    classes=d.spec.classes, band_descriptions=list(d.spec.band_descriptions), visible=d.visible,
                    takes_target=explainer.takes_target, category=explainer.category,
                    target_name=_class_name(ctx, target_id),
                    verdict=output_verdict(ctx.bundle, explainer.name, d.kind)))
        return out


def _class_name(ctx: OutputContext, class_id) -> Optional[str]:
    if class_id is None:
        return None
    return next((c.name for c in ctx.bundle.classes if int(c.id) == int(class_id)), str(class_id))


def output_title(label: str, explainer: Explainer, ctx: OutputContext) -> str:
    """English layer title: the label, and the explained class for target-dependent methods."""
    if not explainer.takes_target:
        return label
    if ctx.target_id is None:
        return f"{label} (predicted class)"
    return f"{label} (class {ctx.target_id}: {_class_name(ctx, ctx.target_id)})"


def plan_outputs(bundle, methods, target_id) -> PlannedOutputs:
    """The registry's methods for ``methods`` (checked against the model's architecture) and their rasters."""
    ctx = OutputContext(bundle, target_id)
    explainers = registry.resolve(methods, bundle.spec)
    return PlannedOutputs(ctx, [(e, e.outputs(ctx)) for e in explainers])


def output_specs(bundle, methods: set, target_id) -> list:
    """The OutputSpec of every raster a run with ``methods`` writes (class map and confidence first)."""
    return plan_outputs(bundle, methods, target_id).specs


# --- per-batch compute -------------------------------------------------------------------------------------

@dataclass
class ComputePlan:
    """The methods run on every batch, with what each prepared, and the explained class index."""

    explainers: list  # [Explainer], the class map first
    states: dict  # explainer name -> what its prepare() returned
    target_index: Optional[int] = None  # None = predicted

    @property
    def fused_gradcam(self) -> bool:
        """Whether a method needs the fused forward + Grad-CAM backward pass."""
        return any(e.fused_gradcam for e in self.explainers)

    @property
    def band_attention(self) -> bool:
        """Whether a method reads the model's band attention."""
        return any(e.band_attention for e in self.explainers)


def compute_batch(model, x, plan: ComputePlan, batch_no: int = 0) -> dict:
    """Every output of ``plan`` on one batch (x a tensor on the model's device): {kind: numpy array}.

    One forward pass, fused with the Grad-CAM backward when a method needs it, shared by every method."""
    want_attention = plan.band_attention
    if plan.fused_gradcam:
        forward = gradcam.predict_with_gradcam(model, x, plan.target_index, want_attention)
    else:
        forward = gradcam.predict(model, x, want_attention)
    out = {}
    for explainer in plan.explainers:
        batch = BatchContext(model, x, forward, plan.target_index, plan.states.get(explainer.name), batch_no)
        out.update(explainer.compute(batch))
    return {k: (v.detach().float() if v.is_floating_point() else v).cpu().numpy() for k, v in out.items()}


def forward_model(model, explainers):
    """The module a pass runs: ``inference_model(model)`` when every method is in ``FORWARD_ONLY_METHODS``,
    else ``model`` (explanations that differentiate or re-run the model keep the original modules)."""
    from ..models.ensemble import inference_model

    if all(e.name in FORWARD_ONLY_METHODS and not e.fused_gradcam for e in explainers):
        return inference_model(model)
    return model


def prepare_plan(explainers, setup: PassSetup) -> ComputePlan:
    """Run each method's ``prepare`` once (baselines, reference pixels, class ids on the device)."""
    return ComputePlan(list(explainers), {e.name: e.prepare(setup) for e in explainers}, setup.target_index)


def _is_oom(exc: BaseException) -> bool:
    torch = import_torch()
    oom_type = getattr(torch.cuda, "OutOfMemoryError", None)
    return (oom_type is not None and isinstance(exc, oom_type)) or (
        isinstance(exc, RuntimeError) and "out of memory" in str(exc).lower())


_BATCH_CACHE: dict = {}


def choose_batch_size(model, spec, device: str, with_grad: bool) -> int:
    """CUDA: a large batch (an out-of-memory halves it). CPU: the fastest of 512 / 1024 / 2048 by a short
    measurement, cached per model architecture / device (benchmarks/results/throughput.json: on a 2-core CPU
    the default-size models run ~2x faster at 1024-4096 than at 128-256)."""
    if device.startswith("cuda"):
        return _CUDA_BATCH
    key = (json.dumps(spec.to_dict(), sort_keys=True), type(model).__name__, device, with_grad)
    if key in _BATCH_CACHE:
        return _BATCH_CACHE[key]
    torch = import_torch()
    shape = (spec.n_bands, spec.n_dates) + ((spec.patch_size,) * 2 if spec.patch_size > 1 else ())
    chosen = [registry.get("classification")] + ([registry.get("gradcam")] if with_grad else [])
    plan = ComputePlan(chosen, {"classification": torch.arange(spec.n_classes, device=device)})
    best, best_rate = 512, 0.0
    for bs in CPU_BATCH_CANDIDATES:
        x = torch.as_tensor(np.asarray(spec.norm_mean, np.float32).reshape((1, -1) + (1,) * (len(shape) - 1))).expand(
            (bs,) + shape).contiguous()
        x = x * (1 + 0.1 * torch.randn_like(x))
        compute_batch(model, x, plan)  # warm-up
        t0 = time.perf_counter()
        for _ in range(2):
            compute_batch(model, x, plan)
        rate = 2 * bs / (time.perf_counter() - t0)
        if rate > best_rate:
            best, best_rate = bs, rate
    _BATCH_CACHE[key] = best
    return best


# --- the pass ----------------------------------------------------------------------------------------------

def run_inference(request: InferenceRequest, progress: Optional[Callable[[float], None]] = None,
                  is_cancelled: Optional[Callable[[], bool]] = None) -> InferenceResult:
    """Run the streaming pass; returns the typed output descriptors. On cancel (``Cancelled``) or failure,
    every output of this run is removed. Front ends run it through ``engine.jobs.run_inference_job``."""
    t_start = time.perf_counter()
    bundle = request.bundle
    if bundle is None:
        if not request.model_path:
            raise LcxError("No model given: pass a model file (.lcx) or a loaded model bundle.")
        from ..models.model_file import load_model

        bundle = load_model(request.model_path)
    target_id, target_index = bundle.resolve_target(request.target)
    planned = plan_outputs(bundle, set(request.methods or ()), target_id)  # refuses unknown / unsupported methods

    own_stack = request.stack is None
    if own_stack:
        if not request.stack_paths:
            raise LcxError("No stack given: pass the Sentinel-2 time-series raster(s).")
        from ..io.stack import open_stack

        stack = open_stack(list(request.stack_paths))
    else:
        stack = request.stack
    try:
        with _bounded_gdal_cache():
            return _run(request, bundle, stack, planned, target_index, progress, is_cancelled, t_start)
    finally:
        if own_stack:
            stack.close()


@contextlib.contextmanager
def _bounded_gdal_cache():
    """Cap GDAL's block cache during the pass (restored after).

    GDAL's default cache is 5 % of RAM: on a large stack it filled with decoded blocks that the block-aligned
    windows never read twice (measured: peak RSS 1.9 GB instead of 0.85 GB on a 4600² × 200-band stack)."""
    from osgeo import gdal

    previous = gdal.GetCacheMax()
    gdal.SetCacheMax(min(previous, _GDAL_CACHE_BYTES))
    try:
        yield
    finally:
        gdal.SetCacheMax(previous)


def _run(request, bundle, stack, planned: PlannedOutputs, target_index, progress, is_cancelled, t_start):
    torch = import_torch()
    bundle.check_fits(stack)
    # the one data path (data/windows.py): band order, the model's calendar and validity settings
    inputs = InputSpec.for_model(bundle, stack, request.min_valid_dates, request.validity)
    check_output_folder(request.out_dir, [s.name for s in planned.specs], request.overwrite)  # cheap checks first
    spec = bundle.spec
    window_size = int(request.window_size or auto_window_size(spec.n_bands, spec.n_dates))
    windows = plan_windows(stack.width, stack.height, stack.block_size, window_size, request.region)
    device = resolve_device(request.device)
    set_threads(request.threads)
    threads = torch.get_num_threads()
    timings = {"read": 0.0, "read_cpu": 0.0, "compute": 0.0, "write": 0.0, "wait_read": 0.0}
    stop = threading.Event()
    errors: list = []
    pool = BufferPool()  # window arrays: filled by the reader, given back by the main thread after each window
    if device == "cpu" and 1 < threads and (os.cpu_count() or 1) <= threads:
        source = _InlineWindows(stack, windows, inputs, pool, timings, min(threads, _MAX_READ_THREADS))
    else:  # the reader starts now: its first window is read while the stack's scale is checked and the model built
        source = _ThreadedWindows(stack, windows, inputs, pool, timings, stop, errors)
    try:
        result = _stream(request, bundle, stack, planned, target_index, progress, is_cancelled, t_start, inputs,
                         windows, window_size, device, timings, stop, errors, source, pool)
    except BaseException:
        stop.set()
        source.close()
        raise
    source.close()
    return result


class _ThreadedWindows:
    """Windows prepared one ahead by a reader thread with its own GDAL handle (GDAL's reads and numpy release
    the GIL, so reading overlaps the model): GPU passes, and CPU passes that leave torch a core of its own."""

    sample_handle = None  # the stack's own handle samples its scale (the reader thread has its own)

    def __init__(self, stack, windows, inputs, pool, timings, stop, errors):
        self._queue: queue.Queue = queue.Queue(maxsize=_QUEUE_DEPTH)
        self._stop, self._errors = stop, errors
        self._thread = threading.Thread(
            target=_reader_loop, name="lcx-reader", daemon=True,
            args=(stack, windows, inputs, self._queue, stop, errors, timings, pool))
        self._thread.start()

    def next(self) -> PreparedWindow:
        """The next window (the main thread waits for it when the reader is behind)."""
        return _get(self._queue, self._stop, self._errors)

    def close(self) -> None:
        """Stop the reader (at the end: it has finished) and wait for it."""
        if self._stop.is_set():
            _drain(self._queue)
        self._thread.join(timeout=30)


class _InlineWindows:
    """Windows prepared on the calling thread when it asks for the next one, between batches, each read by
    ``read_threads`` GDAL threads (``TimeSeriesStack.clone(read_threads)``) and gap-filled in as many slices:
    the CPU passes whose torch threads fill the cores, where reading beside the forward slowed it more than
    reading cost."""

    def __init__(self, stack, windows, inputs, pool, timings, read_threads: int):
        self._handle = stack.clone(read_threads) if hasattr(stack, "read_threads") else stack.clone()
        self.sample_handle = self._handle  # the scale sample is read in the read threads too
        self._windows = iter(windows)
        self._inputs, self._pool, self._timings, self._threads = inputs, pool, timings, read_threads

    def next(self) -> Optional[PreparedWindow]:
        """The next window, read now (None after the last one)."""
        win = next(self._windows, None)
        if win is None:
            return None
        t0, c0 = time.perf_counter(), time.process_time()
        prepared = prepare(self._handle, win, self._inputs, self._pool, self._threads)
        self._timings["read"] += time.perf_counter() - t0
        self._timings["read_cpu"] += time.process_time() - c0  # the read threads' CPU (and the writer's)
        return prepared

    def close(self) -> None:
        """Release the handle."""
        self._handle.close()


def _stream(request, bundle, stack, planned, target_index, progress, is_cancelled, t_start, inputs, windows,
            window_size, device, timings, stop, errors, source, pool):
    """The pass once the reader runs: scale check, model, outputs, the window loop, commit."""
    band_order = inputs.band_order
    sample = sample_stack_values(source.sample_handle or stack, band_order)  # a few blocks of every band
    warnings = check_input_scale(bundle, sample, stack)  # refuses when far off
    for warning in warnings:
        _log.warning(warning)
    spec = bundle.spec
    k = int(spec.patch_size)
    model = bundle.build(device)
    model.eval()
    gradcam.freeze(model)
    torch = import_torch()

    explainers = [e for e, _ in planned.methods]
    fused = any(e.fused_gradcam for e in explainers)
    runner = forward_model(model, explainers)  # the module every batch runs through
    batch_size = int(request.batch_size or choose_batch_size(runner, spec, device, fused))
    total_px = sum(w.xsize * w.ysize for w in windows)

    setup = PassSetup(model, bundle, stack, band_order, device, target_index, request.min_valid_dates,
                      request.shap_samples, request.ig_steps, request.seed, inputs=inputs)
    plan = prepare_plan(explainers, setup)
    specs = planned.specs
    file_of = {d.kind: d.spec.name for _, decls in planned.methods for d in decls}  # kind -> file stem
    n_valid = 0
    done_px = 0
    with OutputSet(request.out_dir, stack.grid, specs, overwrite=request.overwrite) as outputs:
        write_q: queue.Queue = queue.Queue(maxsize=_QUEUE_DEPTH)
        writer = threading.Thread(target=_writer_loop, name="lcx-writer", daemon=True,
                                  args=(outputs, write_q, stop, errors, timings))
        timings["setup"] = time.perf_counter() - t_start  # model load, checks, outputs created
        writer.start()
        try:
            for wi, _ in enumerate(windows):
                t0 = time.perf_counter()
                prepared = source.next()
                _raise_thread_error(errors)
                timings["wait_read"] += time.perf_counter() - t0
                t0 = time.perf_counter()
                arrays = _new_window_arrays(specs, prepared.window)
                sel_all = np.flatnonzero(prepared.valid)
                n_valid += len(sel_all)
                i = 0
                while i < len(sel_all):
                    sel = sel_all[i: i + batch_size]
                    x = torch.from_numpy(batch_input(prepared, sel, k)).to(device, non_blocking=True)
                    try:
                        res = compute_batch(runner, x, plan, batch_no=wi * 1_000_003 + i)
                    except Exception as exc:  # only an out-of-memory is retried
                        if not _is_oom(exc) or batch_size <= _MIN_BATCH:
                            raise
                        batch_size = max(_MIN_BATCH, batch_size // 2)
                        if device.startswith("cuda"):
                            torch.cuda.empty_cache()
                        continue
                    _scatter(arrays, file_of, res, sel)
                    i += len(sel)
                    if is_cancelled is not None and is_cancelled():
                        raise Cancelled("Inference cancelled; no output was kept. Run it again to produce the maps.")
                    if progress is not None:
                        progress(min(1.0, (done_px + prepared.valid.size * i / max(1, len(sel_all))) / total_px))
                pool.release(prepared)  # its pixels are not read again: the reader may refill the array
                timings["compute"] += time.perf_counter() - t0
                if is_cancelled is not None and is_cancelled():
                    raise Cancelled("Inference cancelled; no output was kept. Run it again to produce the maps.")
                _put(write_q, (prepared.window, arrays), stop, errors)
                done_px += prepared.valid.size
                if progress is not None:
                    progress(done_px / total_px)
            _put(write_q, None, stop, errors)
            writer.join()
            _raise_thread_error(errors)
        except BaseException:  # the caller (_run) stops and closes the window source
            stop.set()
            _drain(write_q)
            writer.join(timeout=30)
            raise
        if n_valid == 0:  # raising inside the OutputSet removes every partial output
            raise StackError(
                f"Every pixel of the stack is no-data (fewer than {request.min_valid_dates} observed dates "
                f"everywhere, no-data value {stack.nodata}): nothing to classify. Check the stack's no-data value "
                "and cloud mask, or choose a stack (or region) with cloud-free observations.")
        t0 = time.perf_counter()
        paths = outputs.commit()
    timings["commit"] = time.perf_counter() - t0
    seconds = time.perf_counter() - t_start
    return InferenceResult(planned.describe(paths), total_px, n_valid, total_px - n_valid, seconds, device,
                           batch_size, (window_size, window_size), timings, warnings)


def _new_window_arrays(specs, win: Window) -> dict:
    return {s.name: np.full((s.n_bands, win.ysize, win.xsize), s.nodata, dtype=s.dtype) for s in specs}


def _scatter(arrays, file_of, res, sel) -> None:
    """Put a batch's results (pixel-major, by kind) into the window arrays (band-major, flattened rows)."""
    for kind, values in res.items():
        target = arrays[file_of[kind]]
        flat = target.reshape(target.shape[0], -1)
        flat[:, sel] = values.T if values.ndim == 2 else values


# --- threads -----------------------------------------------------------------------------------------------

def _reader_loop(stack, windows, inputs, out_q, stop, errors, timings, pool=None):
    handle = None
    try:
        handle = stack.clone()
        for win in windows:
            if stop.is_set():
                return
            t0, c0 = time.perf_counter(), time.thread_time()
            prepared = prepare(handle, win, inputs, pool)
            timings["read"] += time.perf_counter() - t0
            timings["read_cpu"] += time.thread_time() - c0
            if not _put(out_q, prepared, stop, None):
                return
    except BaseException as exc:  # noqa: BLE001 - handed to the main thread
        errors.append(exc)
        stop.set()
    finally:
        if handle is not None and handle is not stack:
            handle.close()


def _writer_loop(outputs, in_q, stop, errors, timings):
    try:
        while True:
            item = _get(in_q, stop, None)
            if item is None:
                return
            win, arrays = item
            t0 = time.perf_counter()
            for name, data in arrays.items():
                outputs.write(name, data, win.xoff, win.yoff)
            timings["write"] += time.perf_counter() - t0
    except BaseException as exc:  # noqa: BLE001 - handed to the main thread, which re-raises it
        errors.append(exc)
        stop.set()


def _put(q, item, stop, errors) -> bool:
    while True:
        if errors:
            _raise_thread_error(errors)
        if stop.is_set():
            if errors is not None:
                _raise_thread_error(errors)
            return False
        try:
            q.put(item, timeout=0.1)
            return True
        except queue.Full:
            continue


def _get(q, stop, errors):
    while True:
        try:
            return q.get(timeout=0.1)
        except queue.Empty:
            if errors:
                _raise_thread_error(errors)
            if stop.is_set():
                if errors is not None:
                    _raise_thread_error(errors)
                return None


def _raise_thread_error(errors) -> None:
    if errors:
        raise errors[0]


def _drain(q) -> None:
    try:
        while True:
            q.get_nowait()
    except queue.Empty:
        pass
