"""Tiled, compressed GeoTIFF outputs written atomically, with colour tables and QGIS ``.qml`` styles.

Every output is written to ``<name>.partial.tif`` and renamed to ``<name>.tif`` only when the whole pass
succeeded (``OutputSet.commit``); on cancel or failure ``OutputSet.abort`` deletes the partial files, so a
half-written map is never left behind.

Conventions (shared by every output):
- on the stack's grid (same size, geotransform, CRS), 256×256 tiles, DEFLATE;
- float outputs are float32 with no-data = NaN (``FLOAT_NODATA``), the same convention as the stack reader;
- the class map is uint8 (uint16 when a class id is > 254) with a no-data value that is not a class id
  (0 when unused, which is the label convention, else the dtype's max), a colour table and category names;
- every band carries a description (class, date or band name) and a ``.qml`` style sits beside each file.
"""
from __future__ import annotations

import colorsys
import contextlib
import json
import os
import shutil
import socket
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Sequence
from xml.sax.saxutils import quoteattr

import numpy as np

from ..errors import LcxError

FLOAT_NODATA = float("nan")
TILE_SIZE = 256
_SAMPLES_PER_WRITE = 1024  # values of band 1 kept per window written, for the style's range

# Perceptually uniform ramps sampled at 5 stops (matplotlib's magma / viridis; RdBu reversed for signed values).
MAGMA = ["#000004", "#51127c", "#b73779", "#fc8961", "#fcfdbf"]
VIRIDIS = ["#440154", "#3b528b", "#21918c", "#5ec962", "#fde725"]
DIVERGING = ["#2166ac", "#92c5de", "#f7f7f7", "#f4a582", "#b2182b"]

# The ramps a continuous output is shown with (the .qml styles written here and the dock's layers alike), none of
# them in the hues of a usual land-cover palette's greens, yellows, reds and browns: the methods name a ramp
# (MAGMA, DIVERGING, ...) for its kind (sequential or signed), and ``distinct_ramp`` picks, for the classes of
# the run, the one farthest in hue from every class colour. Grey ramps (confidence) are kept as they are.
SEQUENTIAL_RAMPS = {
    "purples": ["#fcfbfd", "#dadaeb", "#9e9ac8", "#6a51a3", "#3f007d"],
    "blues": ["#f7fbff", "#c6dbef", "#6baed6", "#2171b5", "#08306b"],
    "pinks": ["#fff7f3", "#fcc5c0", "#f768a1", "#ae017e", "#49006a"],
}
DIVERGING_RAMPS = {
    "blue_purple": ["#2166ac", "#92c5de", "#f7f7f7", "#c2a5cf", "#762a83"],
    "blue_magenta": ["#2166ac", "#92c5de", "#f7f7f7", "#f1b6da", "#c51b7d"],
    "teal_purple": ["#01665e", "#80cdc1", "#f5f5f5", "#c2a5cf", "#762a83"],
}
STRETCH_PERCENTILES = (2.0, 98.0)  # the open ends of a ramp: a few extreme pixels do not set them
_CHROMATIC = 0.25  # saturation below which a colour counts as grey (no hue to confuse)


def _rgb(color: str) -> tuple[float, float, float]:
    text = str(color).strip().lstrip("#")
    if len(text) == 3:
        text = "".join(c * 2 for c in text)
    try:
        return tuple(int(text[i:i + 2], 16) / 255.0 for i in (0, 2, 4))  # type: ignore[return-value]
    except ValueError:
        return 0.0, 0.0, 0.0


def _hue_sat(color: str) -> tuple[float, float]:
    r, g, b = _rgb(color)
    hue, _light, sat = colorsys.rgb_to_hls(r, g, b)
    return hue * 360.0, (sat if max(r, g, b) > 0.15 else 0.0)


def hue_distance(colors_a: Sequence[str], colors_b: Sequence[str]) -> float:
    """The smallest hue difference (degrees, 0..180) between a coloured stop of ``colors_a`` and a coloured
    entry of ``colors_b`` ("#rrggbb"; greys have no hue and are left out); 180 when either has none."""
    hues_a = [h for h, s in map(_hue_sat, colors_a) if s >= _CHROMATIC]
    hues_b = [h for h, s in map(_hue_sat, colors_b) if s >= _CHROMATIC]
    best = 180.0
    for a in hues_a:
        for b in hues_b:
            d = abs(a - b) % 360.0
            best = min(best, min(d, 360.0 - d))
    return best


def is_grey_ramp(colors: Sequence[str]) -> bool:
    """True when no stop of the ramp has a hue (a grey ramp: nothing to confuse with a class colour)."""
    return all(_hue_sat(c)[1] < _CHROMATIC for c in colors)


def distinct_ramp(signed: bool, class_colors: Sequence[str] = ()) -> list[str]:
    """The ramp (colour stops) least like the class colours: diverging when ``signed``, else sequential
    (without class colours: single-hue purples, blue–white–purple)."""
    candidates = DIVERGING_RAMPS if signed else SEQUENTIAL_RAMPS
    return list(max(candidates.values(), key=lambda ramp: hue_distance(ramp, class_colors)))


def shown_ramp(ramp: "RampStyle", class_colors: Sequence[str] = ()) -> list[str]:
    """The colour stops an output with ``ramp`` is shown with: a grey ramp as it is, else ``distinct_ramp``
    (diverging for a symmetric ramp) for the run's class colours."""
    colors = list(ramp.colors)
    return colors if is_grey_ramp(colors) else distinct_ramp(bool(ramp.symmetric), class_colors)


class OutputError(LcxError):
    """An output raster cannot be created or written."""


@dataclass
class ClassStyle:
    """One entry of the class-map legend."""

    id: int
    name: str
    color: str  # "#rrggbb"


@dataclass
class RampStyle:
    """A continuous colour ramp. ``transparent_low`` fades the low end out (heatmaps over imagery).
    ``symmetric`` centres the ramp on 0 (signed attributions). ``vmin``/``vmax`` None = from the data."""

    colors: list[str]
    vmin: float | None = None
    vmax: float | None = None
    transparent_low: bool = False
    symmetric: bool = False


@dataclass
class OutputSpec:
    """What one output file holds."""

    name: str  # file stem, e.g. "prediction", "gradcam_3"
    band_descriptions: list[str]
    dtype: str = "float32"  # "uint8" | "uint16" | "float32"
    nodata: float = FLOAT_NODATA
    classes: list[ClassStyle] | None = None  # class map only: colour table + category names
    ramp: RampStyle | None = None
    metadata: dict[str, str] = field(default_factory=dict)

    @property
    def n_bands(self) -> int:
        """Number of bands of the output raster."""
        return len(self.band_descriptions)


def class_map_encoding(class_ids: Sequence[int]) -> tuple[str, int]:
    """(dtype, nodata) for a class map: the smallest unsigned type, and a no-data value that is no class id."""
    ids = [int(i) for i in class_ids]
    if min(ids) < 0 or max(ids) > 65534:
        raise OutputError(
            f"Class ids must lie in 0..65534 to be written as a class map (got {min(ids)}..{max(ids)}). "
            "Renumber the classes in the field data and retrain."
        )
    dtype = "uint8" if max(ids) <= 254 else "uint16"
    if 0 not in ids:
        return dtype, 0
    return dtype, 255 if dtype == "uint8" else 65535


def _gdal():
    from osgeo import gdal

    gdal.UseExceptions()
    return gdal


_GDAL_TYPES = {"uint8": "GDT_Byte", "uint16": "GDT_UInt16", "float32": "GDT_Float32"}


class GeoTiffWriter:
    """One output raster, written window by window, committed atomically."""

    def __init__(self, out_dir: str, grid, spec: OutputSpec, staging_dir: str | None = None):
        gdal = _gdal()
        self.spec = spec
        self.final_path = os.path.join(out_dir, spec.name + ".tif")
        self.partial_path = os.path.join(staging_dir or out_dir, spec.name + ".partial.tif")
        self.qml_path = os.path.join(out_dir, spec.name + ".qml")
        self._np_dtype = np.dtype(spec.dtype)
        self._samples: list[np.ndarray] = []
        self.class_colors: list[str] = [c.color for c in spec.classes or []]  # the run's (OutputSet sets them)
        self.committed = False
        is_float = spec.dtype == "float32"
        options = [
            "TILED=YES",
            f"BLOCKXSIZE={TILE_SIZE}",
            f"BLOCKYSIZE={TILE_SIZE}",
            "COMPRESS=DEFLATE",
            # ZLEVEL 1: outputs are written while the model runs on the same cores; level 6 costs ~3x the
            # CPU for a few % smaller files.
            "ZLEVEL=1",
            f"PREDICTOR={3 if is_float else 2}",
            "BIGTIFF=IF_SAFER",
            "INTERLEAVE=BAND",
        ]
        driver = gdal.GetDriverByName("GTiff")
        try:
            for stale in (self.partial_path,):
                if os.path.exists(stale):
                    os.remove(stale)
            ds = driver.Create(
                self.partial_path, grid.width, grid.height, spec.n_bands, getattr(gdal, _GDAL_TYPES[spec.dtype]),
                options,
            )
        except RuntimeError as exc:
            raise OutputError(
                f"Cannot create {self.partial_path}: {exc}. Check that the output folder exists, is writable "
                "and has free space."
            ) from exc
        ds.SetGeoTransform(tuple(grid.geotransform))
        if grid.crs_wkt:
            ds.SetProjection(grid.crs_wkt)
        for key, value in spec.metadata.items():
            ds.SetMetadataItem(key, str(value))
        for i, description in enumerate(spec.band_descriptions):
            band = ds.GetRasterBand(i + 1)
            band.SetDescription(description)
            band.SetNoDataValue(float(spec.nodata))
        if spec.classes:
            self._set_class_table(gdal, ds.GetRasterBand(1), spec.classes)
        self._ds = ds

    @staticmethod
    def _set_class_table(gdal, band, classes: list[ClassStyle]) -> None:
        table = gdal.ColorTable()
        names = [""] * (max(c.id for c in classes) + 1)
        for c in classes:
            table.SetColorEntry(int(c.id), (*_hex_to_rgb(c.color), 255))
            names[c.id] = c.name
        band.SetRasterColorTable(table)
        band.SetRasterColorInterpretation(gdal.GCI_PaletteIndex)
        band.SetCategoryNames(names)

    def write(self, data: np.ndarray, xoff: int, yoff: int) -> None:
        """Write ``data`` (bands, h, w) — or (h, w) for a one-band output — at (xoff, yoff)."""
        if data.ndim == 2:
            data = data[None]
        if data.shape[0] != self.spec.n_bands:
            raise ValueError(f"{self.spec.name}: got {data.shape[0]} bands, expected {self.spec.n_bands}")
        data = np.ascontiguousarray(data, dtype=self._np_dtype)
        if self.spec.ramp is not None:  # a thin sample of band 1, for the style's colour-ramp range
            first = data[0].reshape(-1)
            step = max(1, first.size // _SAMPLES_PER_WRITE)
            sample = first[::step]
            sample = sample[np.isfinite(sample)] if sample.dtype.kind == "f" else sample
            if sample.size:
                self._samples.append(sample.astype(np.float32))
        try:
            for i in range(data.shape[0]):
                self._ds.GetRasterBand(i + 1).WriteArray(data[i], xoff, yoff)
        except RuntimeError as exc:
            raise OutputError(f"Cannot write {self.spec.name}.tif ({exc}). Check the free space of the output "
                              "folder.") from exc

    def finish(self) -> list[tuple[str, str]]:
        """Close the raster and write its style beside it in the staging place. Returns the (staged, final)
        path pairs that ``OutputSet.commit`` renames into place."""
        self._close()
        staged_qml = self.partial_path[: -len(".partial.tif")] + ".qml"
        with open(staged_qml, "w", encoding="utf-8") as fh:
            fh.write(self.style_qml())
        pairs = [(self.partial_path, self.final_path), (staged_qml, self.qml_path)]
        if os.path.exists(self.partial_path + ".aux.xml"):  # GTiff keeps category names in the PAM sidecar
            pairs.insert(1, (self.partial_path + ".aux.xml", self.final_path + ".aux.xml"))
        return pairs

    def commit(self) -> str:
        """Flush, rename ``.partial.tif`` -> ``.tif`` and write the ``.qml`` beside it. Returns the final path."""
        self._close()
        os.replace(self.partial_path, self.final_path)
        # GTiff keeps category names in the PAM sidecar: it moves with the raster
        if os.path.exists(self.partial_path + ".aux.xml"):
            os.replace(self.partial_path + ".aux.xml", self.final_path + ".aux.xml")
        self.committed = True
        with open(self.qml_path, "w", encoding="utf-8") as fh:
            fh.write(self.style_qml())
        return self.final_path

    def abort(self) -> None:
        """Close and delete whatever was written (the partial file, its sidecar and staged style)."""
        with contextlib.suppress(OutputError):
            self._close()
        doomed = [self.partial_path, self.partial_path + ".aux.xml"]
        if os.path.dirname(self.partial_path) != os.path.dirname(self.qml_path):  # a staged style, never the final
            doomed.append(self.partial_path[: -len(".partial.tif")] + ".qml")
        for path in doomed:
            if os.path.exists(path):
                os.remove(path)

    def _close(self) -> None:
        ds, self._ds = getattr(self, "_ds", None), None
        if ds is None:
            return
        # Closing writes the last tiles and the PAM sidecar; a failure there (a full disk) would otherwise print
        # GDAL warnings and an "Exception ignored in delete_Dataset" traceback. GDAL's quiet handler (per thread,
        # no Python callback: safe in QGIS task threads) silences them; the failure is read back from the
        # exception of FlushCache, the destructor's unraisable exception and GDAL's last error. The process-wide
        # exception mode is never touched (GDAL refuses to switch it once ogr and gdal both use exceptions).
        gdal = _gdal()
        messages: list[tuple[int, str]] = []
        lost: list[BaseException] = []
        gdal.PushErrorHandler("CPLQuietErrorHandler")
        try:
            gdal.ErrorReset()
            try:
                ds.FlushCache()
            except RuntimeError as exc:
                messages.append((gdal.CE_Failure, str(exc)))
            previous_hook = sys.unraisablehook
            sys.unraisablehook = lambda info: lost.append(info.exc_value)
            try:
                ds = None
            finally:
                sys.unraisablehook = previous_hook
            if gdal.GetLastErrorType() >= gdal.CE_Warning and gdal.GetLastErrorMsg():
                messages.append((gdal.GetLastErrorType(), gdal.GetLastErrorMsg()))
        finally:
            gdal.PopErrorHandler()
        messages += [(gdal.CE_Failure, str(exc)) for exc in lost]
        failures = [text for level, text in messages
                    if level >= gdal.CE_Failure or "Unable to save" in text]  # a sidecar of category names lost
        failures.sort(key=lambda text: "space" not in text.lower())  # the cause first when GDAL names it
        problem = failures[0] if failures else None
        if problem:
            raise OutputError(f"Cannot finish {self.spec.name}.tif ({problem}). Check the free space of the "
                              "output folder.")

    def style_qml(self) -> str:
        """QGIS style (.qml) for the output: paletted for class maps, else a colour ramp."""
        spec = self.spec
        if spec.classes:
            return paletted_qml(spec.classes)
        ramp = spec.ramp or RampStyle(VIRIDIS)
        # Open ends of the ramp: 2nd / 98th percentile of the values written (a few extreme pixels would
        # otherwise squeeze the whole map into one colour)
        values = np.concatenate(self._samples) if self._samples else np.zeros(0, np.float32)
        low, high = (float(v) for v in np.percentile(values, STRETCH_PERCENTILES)) if values.size else (0.0, 1.0)
        vmin = ramp.vmin if ramp.vmin is not None else low
        vmax = ramp.vmax if ramp.vmax is not None else high
        if ramp.symmetric:
            bound = float(np.percentile(np.abs(values), STRETCH_PERCENTILES[1])) if values.size else 1.0
            vmin, vmax = -(bound or 1.0), bound or 1.0
        if vmax <= vmin:
            vmax = vmin + 1.0
        # the ramp the dock shows too: unlike the run's class colours (grey ramps kept)
        return pseudocolor_qml(shown_ramp(ramp, self.class_colors), vmin, vmax, transparent_low=ramp.transparent_low)


LOCK_NAME = ".lcx-lock"
STAGING_PREFIX = ".lcx-staging-"
_HELD_TOKENS: set[str] = set()  # locks held by OutputSets of this process (a QGIS session runs several tasks)
_TOKENS_GUARD = threading.Lock()


def output_files(out_dir: str, name: str) -> list[str]:
    """The files one output ``name`` occupies in ``out_dir``: raster, its PAM sidecar, its style."""
    base = os.path.join(out_dir, name)
    return [base + ".tif", base + ".tif.aux.xml", base + ".qml"]


def existing_outputs(out_dir: str, names: Sequence[str]) -> list[str]:
    """File names in ``out_dir`` that outputs ``names`` would replace (empty when the folder is free)."""
    if not os.path.isdir(out_dir):
        return []
    return [os.path.basename(p) for name in names for p in output_files(out_dir, name) if os.path.lexists(p)]


def check_output_folder(out_dir: str, names: Sequence[str], overwrite: bool = False) -> None:
    """Cheap checks front ends run before any expensive work: ``out_dir`` is (or can become) a folder, and
    holds no results of these ``names`` unless ``overwrite``. Raises OutputError saying what to do."""
    out_dir = os.path.abspath(out_dir)
    if os.path.exists(out_dir) and not os.path.isdir(out_dir):
        raise OutputError(f"The output folder {out_dir} is a file: choose a folder (or a new folder name).")
    parent = out_dir
    while not os.path.exists(parent):
        parent = os.path.dirname(parent)
    if not os.path.isdir(parent):
        raise OutputError(f"Cannot create the output folder {out_dir}: {parent} is a file, not a folder. Choose "
                          "another output folder.")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(f"The output folder {parent} is not writable: choose a folder you can write to.")
    taken = existing_outputs(out_dir, names)
    if taken and not overwrite:
        raise OutputError(
            f"The output folder {out_dir} already holds results ({', '.join(taken[:6])}"
            + (", ..." if len(taken) > 6 else "") + "): choose another folder, or allow overwriting them "
            "(the overwrite option).")


def pid_alive(pid: int) -> bool:
    """True when process ``pid`` exists on this machine (signal 0 on POSIX; OpenProcess on Windows, where
    ``os.kill(pid, 0)`` would send Ctrl-C)."""
    if pid <= 0:
        return False
    if os.name == "nt":  # pragma: no cover - exercised on Windows only
        import ctypes

        kernel32 = ctypes.windll.kernel32
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return kernel32.GetLastError() == 5  # access denied: it exists
        code = ctypes.c_ulong()
        kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        kernel32.CloseHandle(handle)
        return code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _lock_owner(lock_path: str) -> dict | None:
    try:
        with open(lock_path, encoding="utf-8") as fh:
            owner = json.loads(fh.read(4096))
        return owner if isinstance(owner, dict) else {}
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return {}  # unreadable / half-written: treated as held


def _owner_is_gone(owner: dict) -> bool:
    """A lock whose process has ended (or an OutputSet of this process that no longer holds it)."""
    if owner.get("host") != socket.gethostname():
        return False  # another machine (shared drive): we cannot tell, so it counts as held
    pid = owner.get("pid")
    if not isinstance(pid, int):
        return False
    if pid == os.getpid():
        with _TOKENS_GUARD:
            return owner.get("token") not in _HELD_TOKENS
    return not pid_alive(pid)


def new_staging_dir(folder: str) -> str:
    """A private hidden folder in ``folder`` for one run's files, named with this process's pid so that the next
    run recognises it (``remove_stale_staging``) if this process is killed before cleaning up."""
    path = os.path.join(folder, f"{STAGING_PREFIX}{os.getpid()}-{uuid.uuid4().hex[:12]}")
    os.mkdir(path)
    return path


def remove_stale_staging(out_dir: str) -> None:
    """Staging folders left by runs whose process died (killed, power cut): removed by the next run."""
    for entry in os.listdir(out_dir):
        if not entry.startswith(STAGING_PREFIX):
            continue
        pid_text = entry[len(STAGING_PREFIX):].split("-", 1)[0]
        if not pid_text.isdigit():
            continue
        owner = {"host": socket.gethostname(), "pid": int(pid_text), "token": entry[len(STAGING_PREFIX):]}
        if _owner_is_gone(owner):
            shutil.rmtree(os.path.join(out_dir, entry), ignore_errors=True)


class Terminated(BaseException):
    """SIGTERM arrived (``terminate_as_exception``): unwinds like KeyboardInterrupt, so every OutputSet aborts."""


@contextlib.contextmanager
def terminate_as_exception():
    """While the block runs in the main thread, SIGTERM (a ``kill``, a job scheduler, a closing terminal) raises
    ``Terminated`` instead of killing the process outright: the run's staging, lock and partial files are removed
    on the way out, as for Ctrl-C. Outside the main thread (QGIS tasks) it does nothing."""
    import signal

    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGTERM"):
        yield
        return

    def handler(signum, frame):
        raise Terminated(f"terminated by signal {signum}")

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def clean_up_on_terminate():
    """For hosts that leave SIGTERM at its default (``qgis_process``, a Python script, QGIS itself): while the
    block runs in the main thread, SIGTERM unwinds the block as ``Terminated`` (every OutputSet, staging folder
    and partial file inside it is removed on the way out), then the signal is delivered again with its default
    action, so the process still ends as the sender meant. A further SIGTERM during that cleanup is ignored.

    Where SIGTERM already has a handler (the CLI's ``terminate_as_exception``, a host's own) or is ignored, and
    outside the main thread (QGIS tasks, Processing's background thread), it changes nothing."""
    import signal

    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGTERM"):
        yield
        return
    try:
        previous = signal.getsignal(signal.SIGTERM)
    except (ValueError, OSError):  # pragma: no cover - not the main interpreter
        previous = None
    if previous is not signal.SIG_DFL:
        yield
        return

    def handler(signum, frame):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # the cleanup below is not interrupted by a second one
        raise Terminated(f"terminated by signal {signum}")

    signal.signal(signal.SIGTERM, handler)
    terminated = False
    try:
        yield
    except Terminated:
        terminated = True
        raise
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        if terminated:
            signal.raise_signal(signal.SIGTERM)  # ends the process now, after the cleanup of the block


class OutputSet:
    """Several outputs of one run into ``out_dir``, owned by that run: all committed together, or none.

    - the run takes ``out_dir/.lcx-lock`` (pid, host): a second run into the same folder is refused while the
      first lives; a lock or staging folder left by a dead process is recognised and removed;
    - results already in the folder are refused unless ``overwrite`` (then replaced only at commit, and put
      back if the commit fails);
    - every file is written into a private staging folder ``out_dir/.lcx-staging-<pid>-<token>/`` and renamed
      into place by ``commit``; ``abort`` (also on leaving the ``with`` block through an exception) removes
      only what this run created: its staging folder, its lock, and ``out_dir`` itself when the run created it.
    """

    def __init__(self, out_dir: str, grid, specs: Sequence[OutputSpec], overwrite: bool = False):
        self.out_dir = os.path.abspath(out_dir)
        self.overwrite = bool(overwrite)
        self.writers: dict[str, GeoTiffWriter] = {}
        self.committed_paths: dict[str, str] = {}
        self._token = f"{os.getpid()}-{uuid.uuid4().hex[:12]}"
        self._lock_path = os.path.join(self.out_dir, LOCK_NAME)
        self._locked = False
        self._created_dirs: list[str] = []
        self.staging_dir = os.path.join(self.out_dir, STAGING_PREFIX + self._token)
        names = [s.name for s in specs]
        check_output_folder(self.out_dir, names, self.overwrite)
        try:
            self._make_out_dir()
            self._acquire_lock()
            remove_stale_staging(self.out_dir)
            check_output_folder(self.out_dir, names, self.overwrite)  # again, now that the folder is ours
            os.mkdir(self.staging_dir)
            class_colors = [c.color for spec in specs for c in spec.classes or []]
            for spec in specs:
                self.writers[spec.name] = GeoTiffWriter(self.out_dir, grid, spec, staging_dir=self.staging_dir)
                self.writers[spec.name].class_colors = class_colors  # the ramps are chosen away from them
        except BaseException:
            self.abort()
            raise

    # --- ownership ------------------------------------------------------------------------------------
    def _make_out_dir(self) -> None:
        missing, folder = [], self.out_dir
        while not os.path.exists(folder):
            missing.append(folder)
            folder = os.path.dirname(folder)
        for folder in reversed(missing):
            try:
                os.mkdir(folder)
            except FileExistsError:
                continue  # made meanwhile by someone else: not ours to remove
            except OSError as exc:
                raise OutputError(f"Cannot create the output folder {folder}: {exc.strerror or exc}. Choose "
                                  "a folder you can write to.") from exc
            self._created_dirs.append(folder)

    def _acquire_lock(self) -> None:
        payload = json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "token": self._token,
                              "started": time.strftime("%Y-%m-%dT%H:%M:%S")})
        for _attempt in range(2):
            try:
                fd = os.open(self._lock_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            except FileExistsError:
                owner = _lock_owner(self._lock_path)
                if owner is None:
                    continue  # released meanwhile
                if _owner_is_gone(owner):
                    with contextlib.suppress(FileNotFoundError):
                        os.remove(self._lock_path)
                    continue
                who = f"process {owner.get('pid', '?')} on {owner.get('host', '?')}"
                raise OutputError(
                    f"Another run ({who}, started {owner.get('started', '?')}) is writing into {self.out_dir}: "
                    f"wait for it to finish or choose another output folder. If no run is active, delete "
                    f"{self._lock_path}.") from None
            except OSError as exc:
                raise OutputError(f"Cannot write into the output folder {self.out_dir}: {exc.strerror or exc}. "
                                  "Choose a folder you can write to.") from exc
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(payload)
            with _TOKENS_GUARD:
                _HELD_TOKENS.add(self._token)
            self._locked = True
            return
        raise OutputError(f"Could not take the lock of {self.out_dir} (other runs keep starting there): choose "
                          "another output folder.")

    def _release(self) -> None:
        if self._locked:
            owner = _lock_owner(self._lock_path)
            if owner is not None and owner.get("token") == self._token:
                with contextlib.suppress(FileNotFoundError):
                    os.remove(self._lock_path)
            with _TOKENS_GUARD:
                _HELD_TOKENS.discard(self._token)
            self._locked = False
        shutil.rmtree(self.staging_dir, ignore_errors=True)
        for folder in reversed(self._created_dirs):  # innermost last created... remove if still empty
            with contextlib.suppress(OSError):
                os.rmdir(folder)
        self._created_dirs = []

    # --- writing ----------------------------------------------------------------------------------------
    def write(self, name: str, data: np.ndarray, xoff: int, yoff: int) -> None:
        """Write one block of data into the named output at pixel offset (xoff, yoff)."""
        self.writers[name].write(data, xoff, yoff)

    def commit(self) -> dict[str, str]:
        """Close every output, then move them all into the folder; on any failure put everything back as it
        was (earlier results restored when overwriting). Returns name -> path of the committed .tif."""
        moved: list[tuple[str, str]] = []  # (staged, final) renamed into place
        backups: list[tuple[str, str]] = []  # (final, backup) earlier results set aside
        backup_dir = os.path.join(self.staging_dir, "replaced")
        try:
            staged = {name: w.finish() for name, w in self.writers.items()}
            os.mkdir(backup_dir)
            for name, files in staged.items():
                for final in output_files(self.out_dir, name):
                    if os.path.lexists(final):
                        if not self.overwrite:
                            raise OutputError(f"{final} appeared during the run: nothing was overwritten; "
                                              "choose another folder or allow overwriting.")
                        backup = os.path.join(backup_dir, os.path.basename(final))
                        os.replace(final, backup)
                        backups.append((final, backup))
                for source, final in files:
                    os.replace(source, final)
                    moved.append((source, final))
        except BaseException as exc:
            for _source, final in reversed(moved):
                with contextlib.suppress(OSError):
                    os.remove(final)
            for final, backup in reversed(backups):
                with contextlib.suppress(OSError):
                    os.replace(backup, final)
            self.abort()
            if isinstance(exc, OSError):
                raise OutputError(f"Cannot move the outputs into {self.out_dir}: {exc.strerror or exc}. Check the "
                                  "free space and permissions of the folder.") from exc
            raise
        for w in self.writers.values():
            w.committed = True
        self.committed_paths = {name: w.final_path for name, w in self.writers.items()}
        self._created_dirs = []  # the folder now holds results: never removed
        self._release()
        return dict(self.committed_paths)

    def abort(self) -> None:
        """Remove everything this run created (staging, lock, folders it made); earlier results stay."""
        for w in self.writers.values():
            if not w.committed:
                w.abort()
        self._release()

    def __enter__(self) -> "OutputSet":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self.abort()


# --- QGIS styles (plain XML, valid for QGIS 3.22+) ------------------------------------------------------

_QML_HEAD = (
    "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
    '<qgis version="3.22.16-Białowieża" styleCategories="AllStyleCategories" '
    'hasScaleBasedVisibilityFlag="0" minScale="1e+08" maxScale="0">\n'
    "  <pipe>\n"
)
_QML_TAIL = (
    '    <brightnesscontrast brightness="0" contrast="0" gamma="1"/>\n'
    '    <huesaturation saturation="0" grayscaleMode="0" colorizeOn="0" colorizeRed="255" colorizeGreen="128" '
    'colorizeBlue="128" colorizeStrength="100"/>\n'
    '    <rasterresampler maxOversampling="2"/>\n'
    "  </pipe>\n"
    "  <blendMode>0</blendMode>\n"
    "</qgis>\n"
)
_MINMAX = (
    "      <minMaxOrigin>\n"
    "        <limits>None</limits>\n"
    "        <extent>WholeRaster</extent>\n"
    "        <statAccuracy>Estimated</statAccuracy>\n"
    "        <cumulativeCutLower>0.02</cumulativeCutLower>\n"
    "        <cumulativeCutUpper>0.98</cumulativeCutUpper>\n"
    "        <stdDevFactor>2</stdDevFactor>\n"
    "      </minMaxOrigin>\n"
)


def paletted_qml(classes: Sequence[ClassStyle]) -> str:
    """A paletted renderer whose legend lists every class with its name and colour."""
    entries = "".join(
        f"        <paletteEntry value={quoteattr(str(int(c.id)))} color={quoteattr(c.color.lower())} "
        f"label={quoteattr(c.name)} alpha=\"255\"/>\n"
        for c in sorted(classes, key=lambda c: c.id)
    )
    return (
        _QML_HEAD
        + '    <rasterrenderer type="paletted" band="1" opacity="1" alphaBand="-1" nodataColor="">\n'
        + "      <rasterTransparency/>\n"
        + _MINMAX
        + "      <colorPalette>\n"
        + entries
        + "      </colorPalette>\n"
        + "    </rasterrenderer>\n"
        + _QML_TAIL
    )


def pseudocolor_qml(colors: Sequence[str], vmin: float, vmax: float, transparent_low: bool = False) -> str:
    """A single-band pseudocolour renderer (interpolated colour ramp) over band 1.

    ``transparent_low``: alpha rises from 0 at ``vmin`` to opaque at the middle of the ramp, so a heatmap
    over imagery only shows where the relevance is high.
    """
    n = len(colors)
    items, props = [], []
    for i, color in enumerate(colors):
        frac = i / (n - 1)
        value = vmin + frac * (vmax - vmin)
        alpha = int(round(255 * min(1.0, 2 * frac))) if transparent_low else 255
        items.append(
            f'          <item alpha="{alpha}" value="{value:.6g}" label="{value:.4g}" color="{color.lower()}"/>\n'
        )
        r, g, b = _hex_to_rgb(color)
        if i == 0:
            props.append(f'          <prop k="color1" v="{r},{g},{b},{alpha}"/>\n')
        elif i == n - 1:
            props.append(f'          <prop k="color2" v="{r},{g},{b},{alpha}"/>\n')
    stops = ":".join(
        "{:.4g};{},{},{},{}".format(
            i / (n - 1), *_hex_to_rgb(colors[i]),
            int(round(255 * min(1.0, 2 * i / (n - 1)))) if transparent_low else 255,
        )
        for i in range(1, n - 1)
    )
    props.append(f'          <prop k="stops" v="{stops}"/>\n')
    props.append('          <prop k="discrete" v="0"/>\n')
    return (
        _QML_HEAD
        + f'    <rasterrenderer type="singlebandpseudocolor" band="1" opacity="1" alphaBand="-1" nodataColor="" '
        f'classificationMin="{vmin:.6g}" classificationMax="{vmax:.6g}">\n'
        + "      <rasterTransparency/>\n"
        + _MINMAX
        + "      <rastershader>\n"
        + f'        <colorrampshader colorRampType="INTERPOLATED" classificationMode="1" clip="0" '
        f'minimumValue="{vmin:.6g}" maximumValue="{vmax:.6g}" labelPrecision="4">\n'
        + '          <colorramp type="gradient" name="[source]">\n'
        + "".join("  " + p for p in props)
        + "          </colorramp>\n"
        + "".join(items)
        + "        </colorrampshader>\n"
        + "      </rastershader>\n"
        + "    </rasterrenderer>\n"
        + _QML_TAIL
    )


def _hex_to_rgb(color: str) -> tuple[int, int, int]:
    c = color.lstrip("#")
    if len(c) != 6:
        raise OutputError(f"Colour '{color}' is not of the form #rrggbb: fix the class colours in the model file.")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)
