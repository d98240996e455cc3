"""Streaming inference: one pass over the stack computes the class map and every explanation asked for.

Pipeline (memory bounded whatever the raster size):

    reader thread  --(queue of 2 prepared windows)-->  main thread: torch  --(queue of 2)-->  writer thread
    own GDAL handle (stack.clone()),                   batches of pixels,                    GDAL writes into
    read window + halo, gap-fill, pad edges             forward (+ backward)                  *.partial.tif

GDAL's reads / writes and torch's kernels release the GIL, so reading, gap-filling and writing overlap the
model. Windows are aligned with the stack's blocks (whole blocks are decoded once). Models with spatial
context (patch_size k) get a halo of k//2 pixels read from the neighbouring windows, and the raster's outer
edge is padded with edge values, so the streamed map has no seams: it equals the whole-array result.

No-data: a pixel is no-data in every output when fewer than ``min_valid_dates`` dates are observed
(``gapfill.fill_gaps``); missing dates of the other pixels are filled linearly in time. For patch models, a
no-data neighbour inside the patch is replaced by the per-band training mean (a neutral value).
"""
from __future__ import annotations

import contextlib
import json
import queue
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Optional, Sequence

import numpy as np

from ..data.windows import PreparedWindow, Window, auto_window_size, batch_input, plan_windows, prepare_window  # noqa: F401
from ..errors import Cancelled, LcxError, StackError
from ..explain import attribution, gradcam
from ..io.outputs import DIVERGING, MAGMA, VIRIDIS, ClassStyle, OutputSet, OutputSpec, RampStyle, class_map_encoding
from ..runtime import import_torch, resolve_device, set_threads

METHODS = ("probabilities", "gradcam", "attention", "shap", "ig")
GREYS = ["#000000", "#404040", "#808080", "#c0c0c0", "#ffffff"]
# One window prefetched is enough: reading + gap-filling runs ~5-10x faster than the model.
_QUEUE_DEPTH = 1
_CPU_BATCH_CANDIDATES = (512, 1024, 2048)
_CUDA_BATCH = 8192
_GDAL_CACHE_BYTES = 128 * 1024 * 1024
_MIN_BATCH = 16


@dataclass
class InferenceRequest:
    """What to compute. ``stack`` (an open TimeSeriesStack) may replace ``stack_paths``; ``bundle`` may
    replace ``model_path``. ``target``: "predicted" (each pixel's class) or a class id, for the explanations.
    ``region`` (xoff, yoff, xsize, ysize) restricts the pass to part of the raster (outputs still cover the
    whole grid, no-data elsewhere)."""

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


@dataclass
class InferenceResult:
    paths: dict  # output name -> path of the .tif
    n_pixels: int  # pixels processed (region)
    n_valid: int
    n_nodata: int
    seconds: float
    device: str
    batch_size: int
    window_size: tuple
    timings: dict  # seconds: read (reader thread), compute (main), write (writer thread), wait_read (main idle)

    @property
    def pixels_per_second(self) -> float:
        return self.n_pixels / self.seconds if self.seconds > 0 else float("nan")


# --- outputs -----------------------------------------------------------------------------------------------

def _suffix(target_id) -> str:
    return "" if target_id is None else f"_{target_id}"


def output_specs(bundle, methods: set, target_id) -> list[OutputSpec]:
    classes = [ClassStyle(int(c.id), c.name, c.color) for c in bundle.classes]
    dtype, nodata = class_map_encoding([c.id for c in classes])
    dates = [str(d) for d in bundle.dates]
    bands = list(bundle.bands)
    target_txt = "predicted class" if target_id is None else f"class {target_id} ({_class_name(bundle, target_id)})"
    meta = {"LCX_TARGET": target_txt, "LCX_MODEL_ARCH": bundle.spec.arch}
    specs = [
        OutputSpec("prediction", ["class id"], dtype, nodata, classes=classes, metadata=meta),
        OutputSpec("confidence", ["confidence (max class probability)"], ramp=RampStyle(GREYS, 0.0, 1.0)),
    ]
    if "probabilities" in methods:
        specs.append(OutputSpec("probabilities", [f"P({c.name}) class {c.id}" for c in classes],
                                ramp=RampStyle(VIRIDIS, 0.0, 1.0)))
    sfx = _suffix(target_id)
    if "gradcam" in methods:
        specs.append(OutputSpec(
            "gradcam" + sfx,
            [f"Grad-CAM heatmap, mean over dates of ReLU Grad-CAM, {target_txt}"]
            + [f"Grad-CAM {d}, {target_txt}" for d in dates],
            ramp=RampStyle(MAGMA, vmin=0.0, transparent_low=True), metadata=meta))
    if "attention" in methods:
        specs.append(OutputSpec("attention", [f"attention {b}" for b in bands], ramp=RampStyle(VIRIDIS)))
    for method, label in (("shap", "GradientSHAP"), ("ig", "Integrated Gradients")):
        if method in methods:
            what = f"of P({target_txt})"
            specs.append(OutputSpec(f"{method}_bands{sfx}", [f"{label} {b} (sum over dates) {what}" for b in bands],
                                    ramp=RampStyle(DIVERGING, symmetric=True), metadata=meta))
            specs.append(OutputSpec(f"{method}_dates{sfx}", [f"{label} {d} (sum over bands) {what}" for d in dates],
                                    ramp=RampStyle(DIVERGING, symmetric=True), metadata=meta))
    return specs


def _class_name(bundle, class_id) -> str:
    return next((c.name for c in bundle.classes if int(c.id) == int(class_id)), str(class_id))


# --- per-batch compute -------------------------------------------------------------------------------------

@dataclass
class ComputePlan:
    methods: set
    target_index: Optional[int]  # None = predicted
    baseline: object = None  # IG baseline tensor (1, B, T[, k, k])
    references: object = None  # GradientShap reference set (R, B, T[, k, k])
    shap_samples: int = 8
    ig_steps: int = 32
    seed: int = 0


def compute_batch(model, x, plan: ComputePlan, batch_no: int = 0) -> dict:
    """Everything asked for on one batch (x a tensor on the model's device). Returns numpy arrays."""
    torch = import_torch()
    want_attention = "attention" in plan.methods
    if "gradcam" in plan.methods:
        res = gradcam.predict_with_gradcam(model, x, plan.target_index, want_attention)
    else:
        res = gradcam.predict(model, x, want_attention)
    conf, _ = res.probabilities.max(1)
    out = {"class_index": res.predicted, "confidence": conf}
    if "probabilities" in plan.methods:
        out["probabilities"] = res.probabilities
    if res.cam is not None:
        out["cam"] = res.cam
        out["heatmap"] = gradcam.heatmap_from(res.cam)
    if want_attention:
        out["attention"] = res.band_attention
    if "shap" in plan.methods or "ig" in plan.methods:
        targets = gradcam.resolve_targets(res.predicted, plan.target_index)
        if "ig" in plan.methods:
            g = attribution.group(attribution.integrated_gradients(
                model, x, targets, plan.baseline, n_steps=plan.ig_steps, internal_batch_size=len(x)))
            out["ig_bands"], out["ig_dates"] = g.by_band, g.by_date
        if "shap" in plan.methods:
            chunk = max(_MIN_BATCH, len(x) // max(1, plan.shap_samples))  # captum expands by n_samples
            parts = []
            for i in range(0, len(x), chunk):
                parts.append(attribution.gradient_shap(model, x[i:i + chunk], targets[i:i + chunk], plan.references,
                                                       plan.shap_samples, seed=plan.seed + batch_no * 131 + i))
            g = attribution.group(torch.cat(parts))
            out["shap_bands"], out["shap_dates"] = g.by_band, g.by_date
    return {k: v.detach().float().cpu().numpy() if k != "class_index" else v.cpu().numpy() for k, v in out.items()}


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
    key = (json.dumps(spec.to_dict(), sort_keys=True), device, with_grad)
    if key in _BATCH_CACHE:
        return _BATCH_CACHE[key]
    torch = import_torch()
    shape = (spec.n_bands, spec.n_dates) + ((spec.patch_size,) * 2 if spec.patch_size > 1 else ())
    plan = ComputePlan({"gradcam"} if with_grad else set(), None)
    best, best_rate = 512, 0.0
    for bs in _CPU_BATCH_CANDIDATES:
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
    """Run the streaming pass; returns the output paths. On cancel (``Cancelled``) or failure, every output
    of this run is removed."""
    t_start = time.perf_counter()
    methods = set(request.methods or ())
    unknown = methods - set(METHODS)
    if unknown:
        raise LcxError(f"Unknown output(s) {sorted(unknown)}: choose among {', '.join(METHODS)}.")
    bundle = request.bundle
    if bundle is None:
        if not request.model_path:
            raise LcxError("No model given: pass a model file (.lcx) or a loaded model bundle.")
        from ..models.model_file import load_model  # noqa: PLC0415

        bundle = load_model(request.model_path)
    spec = bundle.spec
    if "attention" in methods and spec.arch != "attention":
        raise LcxError(
            f"Band attention exists only in attention models; this model is '{spec.arch}'. Remove 'attention' "
            "from the outputs, or use a model trained with the attention architecture.")
    target_id, target_index = _resolve_target(bundle, request.target)

    own_stack = request.stack is None
    if own_stack:
        if not request.stack_paths:
            raise LcxError("No stack given: pass the Sentinel-2 time-series raster(s).")
        from ..io.stack import open_stack  # noqa: PLC0415

        stack = open_stack(list(request.stack_paths))
    else:
        stack = request.stack
    try:
        with _bounded_gdal_cache():
            return _run(request, bundle, stack, methods, target_id, target_index, progress, is_cancelled, t_start)
    finally:
        if own_stack:
            stack.close()


@contextlib.contextmanager
def _bounded_gdal_cache():
    """Cap GDAL's block cache during the pass (restored after).

    GDAL's default cache is 5 % of RAM: on a large stack it filled with decoded blocks that the block-aligned
    windows never read twice (measured: peak RSS 1.9 GB instead of 0.85 GB on a 4600² × 200-band stack)."""
    from osgeo import gdal  # noqa: PLC0415

    previous = gdal.GetCacheMax()
    gdal.SetCacheMax(min(previous, _GDAL_CACHE_BYTES))
    try:
        yield
    finally:
        gdal.SetCacheMax(previous)


def _resolve_target(bundle, target):
    """'predicted', a class id (int or digits) or a class name (case-insensitive) -> (class id, index)."""
    if target is None or str(target).strip().lower() in ("", "predicted"):
        return None, None
    ids = [int(c.id) for c in bundle.classes]
    by_name = {str(c.name).strip().lower(): int(c.id) for c in bundle.classes}
    text = str(target).strip()
    class_id = int(text) if text.lstrip("-").isdigit() else by_name.get(text.lower())
    if class_id not in ids:
        choices = ", ".join(f"{c.id} ({c.name})" for c in bundle.classes)
        raise LcxError(f"Target class {target!r} is not a class of this model: choose 'predicted' or one of "
                       f"{choices}.")
    return class_id, ids.index(class_id)


def _run(request, bundle, stack, methods, target_id, target_index, progress, is_cancelled, t_start):
    torch = import_torch()
    bundle.check_fits(stack)
    band_order = list(bundle.band_order_for(stack))
    band_order = None if band_order == list(range(stack.n_bands)) else band_order
    spec = bundle.spec
    k = int(spec.patch_size)
    device = resolve_device(request.device)
    set_threads(request.threads)
    model = bundle.build(device)
    model.eval()
    gradcam.freeze(model)

    batch_size = int(request.batch_size or choose_batch_size(model, spec, device, "gradcam" in methods))
    window_size = int(request.window_size or auto_window_size(spec.n_bands, spec.n_dates))
    windows = plan_windows(stack.width, stack.height, stack.block_size, window_size, request.region)
    total_px = sum(w.xsize * w.ysize for w in windows)
    mean_series = attribution.mean_baseline(spec.norm_mean, spec.n_dates)[0]  # (B, T)

    plan = ComputePlan(methods, target_index, shap_samples=request.shap_samples, ig_steps=request.ig_steps,
                       seed=request.seed)
    if "ig" in methods:
        plan.baseline = torch.as_tensor(attribution.mean_baseline(spec.norm_mean, spec.n_dates, k), device=device)
    if "shap" in methods:
        plan.references = torch.as_tensor(
            reference_set(stack, band_order, spec, request.min_valid_dates, request.seed), device=device)

    specs = output_specs(bundle, methods, target_id)
    class_ids = np.asarray([int(c.id) for c in bundle.classes])
    timings = {"read": 0.0, "compute": 0.0, "write": 0.0, "wait_read": 0.0}
    n_valid = 0
    done_px = 0
    with OutputSet(request.out_dir, stack.grid, specs) as outputs:
        names = {s.name: s for s in specs}
        read_q: queue.Queue = queue.Queue(maxsize=_QUEUE_DEPTH)
        write_q: queue.Queue = queue.Queue(maxsize=_QUEUE_DEPTH)
        stop = threading.Event()
        errors: list = []
        reader = threading.Thread(
            target=_reader_loop, name="lcx-reader", daemon=True,
            args=(stack, windows, band_order, request.min_valid_dates, k, mean_series, read_q, stop, errors, timings))
        writer = threading.Thread(target=_writer_loop, name="lcx-writer", daemon=True,
                                  args=(outputs, write_q, stop, errors, timings))
        reader.start()
        writer.start()
        try:
            for wi, _ in enumerate(windows):
                t0 = time.perf_counter()
                prepared = _get(read_q, stop, errors)
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
                        res = compute_batch(model, x, plan, batch_no=wi * 1_000_003 + i)
                    except Exception as exc:  # noqa: BLE001 - only OOM is retried
                        if not _is_oom(exc) or batch_size <= _MIN_BATCH:
                            raise
                        batch_size = max(_MIN_BATCH, batch_size // 2)
                        if device.startswith("cuda"):
                            torch.cuda.empty_cache()
                        continue
                    _scatter(arrays, names, res, sel, class_ids, target_id)
                    i += len(sel)
                    if is_cancelled is not None and is_cancelled():
                        raise Cancelled("Inference cancelled; no output was kept. Run it again to produce the maps.")
                    if progress is not None:
                        progress(min(1.0, (done_px + prepared.valid.size * i / max(1, len(sel_all))) / total_px))
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
        except BaseException:
            stop.set()
            _drain(read_q)
            _drain(write_q)
            reader.join(timeout=30)
            writer.join(timeout=30)
            raise
        reader.join()
        if n_valid == 0:  # raising inside the OutputSet removes every partial output
            raise StackError(
                f"Every pixel of the stack is no-data (fewer than {request.min_valid_dates} observed dates "
                f"everywhere, no-data value {stack.nodata}): nothing to classify. Check the stack's no-data value "
                "and cloud mask, or choose a stack (or region) with cloud-free observations.")
        paths = outputs.commit()
    seconds = time.perf_counter() - t_start
    return InferenceResult(paths, total_px, n_valid, total_px - n_valid, seconds, device, batch_size,
                           (window_size, window_size), timings)


def _new_window_arrays(specs, win: Window) -> dict:
    return {s.name: np.full((s.n_bands, win.ysize, win.xsize), s.nodata, dtype=s.dtype) for s in specs}


def _scatter(arrays, names, res, sel, class_ids, target_id) -> None:
    """Put a batch's results (pixel-major) into the window arrays (band-major, flattened rows)."""
    def put(name, values):  # values (n,) or (n, bands)
        flat = arrays[name].reshape(arrays[name].shape[0], -1)
        flat[:, sel] = values.T if values.ndim == 2 else values

    put("prediction", class_ids[res["class_index"]])
    put("confidence", res["confidence"])
    if "probabilities" in res:
        put("probabilities", res["probabilities"])
    sfx = _suffix(target_id)
    if "cam" in res:
        put("gradcam" + sfx, np.concatenate([res["heatmap"][:, None], res["cam"]], axis=1))
    if "attention" in res:
        put("attention", res["attention"])
    for key in ("shap_bands", "shap_dates", "ig_bands", "ig_dates"):
        if key in res:
            put(key + sfx, res[key])


def reference_set(stack, band_order, spec, min_valid_dates: int, seed: int, n_pixels: int = 15) -> np.ndarray:
    """GradientShap baselines: the per-band training mean plus up to ``n_pixels`` real gap-filled pixels read
    from a few small windows of the stack (constant over a patch for patch models)."""
    rng = np.random.default_rng(seed)
    refs = [attribution.mean_baseline(spec.norm_mean, spec.n_dates)[0]]
    size = 16
    for _ in range(4):
        xo = int(rng.integers(0, max(1, stack.width - size + 1)))
        yo = int(rng.integers(0, max(1, stack.height - size + 1)))
        win = Window(xo, yo, min(size, stack.width - xo), min(size, stack.height - yo))
        prepared = prepare_window(stack, win, band_order, min_valid_dates, 1, None)
        good = np.flatnonzero(prepared.valid)
        if len(good):
            refs.extend(prepared.pixels[rng.choice(good, size=min(len(good), 4), replace=False)])
        if len(refs) > n_pixels:
            break
    out = np.stack(refs[: n_pixels + 1]).astype(np.float32)
    if spec.patch_size > 1:
        k = spec.patch_size
        out = np.broadcast_to(out[..., None, None], out.shape + (k, k)).copy()
    return out


# --- threads -----------------------------------------------------------------------------------------------

def _reader_loop(stack, windows, band_order, min_valid_dates, k, mean_series, out_q, stop, errors, timings):
    handle = None
    try:
        handle = stack.clone()
        for win in windows:
            if stop.is_set():
                return
            t0 = time.perf_counter()
            prepared = prepare_window(handle, win, band_order, min_valid_dates, k, mean_series)
            timings["read"] += time.perf_counter() - t0
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
    except BaseException as exc:  # noqa: BLE001
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
