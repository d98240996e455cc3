"""GeoTIFF outputs: grid, tiling, compression, no-data, colour table and category names, atomic commit /
abort, and QGIS .qml styles that are well-formed XML of the renderer types QGIS 3.22 reads."""
from __future__ import annotations

import dataclasses
import os
import xml.etree.ElementTree as ET

import numpy as np
import pytest

gdal = pytest.importorskip("osgeo.gdal")

from land_cover_xai_plugin.engine.io import outputs
from land_cover_xai_plugin.engine.io.outputs import (
    MAGMA, ClassStyle, GeoTiffWriter, OutputError, OutputSet, OutputSpec, RampStyle)


@dataclasses.dataclass
class Grid:
    width: int = 300
    height: int = 270
    geotransform: tuple = (400000.0, 20.0, 0.0, 5000000.0, 0.0, -20.0)
    crs_wkt: str = ""

    def __post_init__(self):
        from osgeo import osr

        srs = osr.SpatialReference()
        srs.ImportFromEPSG(32633)
        self.crs_wkt = srs.ExportToWkt()


CLASSES = [ClassStyle(1, "cultivated land", "#FFD700"), ClassStyle(2, "forest & <wood>", "#006400"),
           ClassStyle(8, 'built "up"', "#ff0000")]


def class_map_spec():
    dtype, nodata = outputs.class_map_encoding([c.id for c in CLASSES])
    return OutputSpec("prediction", ["class id"], dtype, nodata, classes=CLASSES)


def test_class_map_encoding():
    assert outputs.class_map_encoding([1, 2, 5]) == ("uint8", 0)
    assert outputs.class_map_encoding([0, 1, 2]) == ("uint8", 255)
    assert outputs.class_map_encoding([1, 300]) == ("uint16", 0)
    assert outputs.class_map_encoding([0, 300]) == ("uint16", 65535)
    with pytest.raises(OutputError, match="Renumber"):
        outputs.class_map_encoding([-1, 2])


def test_writer_commits_a_tiled_compressed_raster_on_the_grid(tmp_path):
    grid = Grid()
    specs = [class_map_spec(),
             OutputSpec("gradcam", ["heatmap", "2020-01-01", "2020-02-01"], ramp=RampStyle(MAGMA, 0.0, None, True))]
    rng = np.random.default_rng(0)
    with OutputSet(str(tmp_path), grid, specs) as out:
        for y in range(0, grid.height, 128):
            for x in range(0, grid.width, 128):
                h, w = min(128, grid.height - y), min(128, grid.width - x)
                out.write("prediction", rng.choice([0, 1, 2, 8], (h, w)).astype(np.uint8), x, y)
                heat = rng.random((3, h, w)).astype(np.float32) * 4
                heat[:, 0, 0] = np.nan
                out.write("gradcam", heat, x, y)
        # while running: only the lock and the run's own staging folder, nothing under the final names
        assert sorted(os.listdir(tmp_path)) == sorted([".lcx-lock", os.path.basename(out.staging_dir)])
        assert sorted(os.listdir(out.staging_dir)) == ["gradcam.partial.tif", "prediction.partial.tif"]
        paths = out.commit()
    assert set(paths) == {"prediction", "gradcam"}
    listing = sorted(os.listdir(tmp_path))
    assert "prediction.tif" in listing and "prediction.qml" in listing and "gradcam.qml" in listing
    assert not [f for f in listing if "partial" in f or f.startswith(".lcx")]

    ds = gdal.Open(paths["prediction"])
    assert (ds.RasterXSize, ds.RasterYSize) == (grid.width, grid.height)
    assert ds.GetGeoTransform() == grid.geotransform
    assert "32633" in ds.GetProjection() or "UTM zone 33N" in ds.GetProjection()
    band = ds.GetRasterBand(1)
    assert band.DataType == gdal.GDT_Byte and band.GetNoDataValue() == 0
    assert band.GetBlockSize() == [256, 256]
    assert ds.GetMetadata("IMAGE_STRUCTURE")["COMPRESSION"] == "DEFLATE"
    assert band.GetDescription() == "class id"
    table = band.GetRasterColorTable()
    assert table.GetColorEntry(1) == (255, 215, 0, 255) and table.GetColorEntry(8) == (255, 0, 0, 255)
    names = band.GetCategoryNames()
    assert names[1] == "cultivated land" and names[8] == 'built "up"' and names[3] == ""
    assert band.GetColorInterpretation() == gdal.GCI_PaletteIndex

    heat = gdal.Open(paths["gradcam"])
    assert [heat.GetRasterBand(i).GetDescription() for i in (1, 2, 3)] == ["heatmap", "2020-01-01", "2020-02-01"]
    assert np.isnan(heat.GetRasterBand(2).GetNoDataValue())
    assert np.isnan(heat.GetRasterBand(1).ReadAsArray()[0, 0])


def test_abort_and_exceptions_leave_nothing(tmp_path):
    with pytest.raises(RuntimeError):
        with OutputSet(str(tmp_path), Grid(), [class_map_spec()]) as out:
            out.write("prediction", np.ones((10, 10), np.uint8), 0, 0)
            raise RuntimeError("model failed")
    assert os.listdir(tmp_path) == []


def test_failed_run_keeps_an_earlier_complete_output(tmp_path):
    with OutputSet(str(tmp_path), Grid(), [class_map_spec()]) as out:
        out.write("prediction", np.ones((270, 300), np.uint8), 0, 0)
        out.commit()
    before = sorted(os.listdir(tmp_path))
    with pytest.raises(RuntimeError):
        with OutputSet(str(tmp_path), Grid(), [class_map_spec()], overwrite=True) as out:
            out.write("prediction", np.full((270, 300), 2, np.uint8), 0, 0)
            raise RuntimeError("cancelled")
    assert sorted(os.listdir(tmp_path)) == before
    assert gdal.Open(str(tmp_path / "prediction.tif")).ReadAsArray().min() == 1


def test_wrong_band_count_is_refused(tmp_path):
    writer = GeoTiffWriter(str(tmp_path), Grid(), OutputSpec("x", ["a", "b"]))
    with pytest.raises(ValueError, match="bands"):
        writer.write(np.zeros((3, 4, 4), np.float32), 0, 0)
    writer.abort()
    assert os.listdir(tmp_path) == []


def _renderer(qml: str):
    root = ET.fromstring(qml.split("\n", 1)[1])  # drop the DOCTYPE line
    assert root.tag == "qgis"
    return root.find("pipe/rasterrenderer")


def test_paletted_qml_lists_every_class():
    renderer = _renderer(outputs.paletted_qml(CLASSES))
    assert renderer.get("type") == "paletted" and renderer.get("band") == "1"
    entries = renderer.findall("colorPalette/paletteEntry")
    assert [(e.get("value"), e.get("label"), e.get("color"), e.get("alpha")) for e in entries] == [
        ("1", "cultivated land", "#ffd700", "255"), ("2", "forest & <wood>", "#006400", "255"),
        ("8", 'built "up"', "#ff0000", "255")]


def test_pseudocolor_qml_ramp_transparency_and_data_range(tmp_path):
    renderer = _renderer(outputs.pseudocolor_qml(MAGMA, 0.0, 2.0, transparent_low=True))
    assert renderer.get("type") == "singlebandpseudocolor"
    shader = renderer.find("rastershader/colorrampshader")
    assert shader.get("colorRampType") == "INTERPOLATED"
    items = shader.findall("item")
    assert len(items) == 5 and items[0].get("alpha") == "0" and items[-1].get("alpha") == "255"
    assert float(items[0].get("value")) == 0.0 and float(items[-1].get("value")) == 2.0
    assert shader.find("colorramp").get("type") == "gradient"

    # ranges left open are taken from the data written; symmetric ramps centre on 0
    spec = OutputSpec("shap", ["B04"], ramp=RampStyle(outputs.DIVERGING, symmetric=True))
    writer = GeoTiffWriter(str(tmp_path), Grid(), spec)
    values = np.linspace(-1.0, 1.0, 1000, dtype=np.float32)
    values[0], values[1], values[2] = -50.0, 80.0, np.nan  # outliers do not set the range
    writer.write(values.reshape(1, 4, 250), 0, 0)
    writer.commit()
    shader = _renderer(open(tmp_path / "shap.qml", encoding="utf-8").read()).find("rastershader/colorrampshader")
    lo, hi = float(shader.get("minimumValue")), float(shader.get("maximumValue"))
    assert lo == -hi and 0.9 < hi < 1.0


def test_styles_load_in_qgis(tmp_path, qgis_app):
    """The real check: QGIS reads each .qml into the intended renderer, legend included."""
    qgis_core = pytest.importorskip("qgis.core")
    grid = Grid()
    specs = [class_map_spec(), OutputSpec("gradcam", ["heatmap"], ramp=RampStyle(MAGMA, 0.0, None, True))]
    with OutputSet(str(tmp_path), grid, specs) as out:
        out.write("prediction", np.ones((grid.height, grid.width), np.uint8), 0, 0)
        out.write("gradcam", np.random.default_rng(0).random((1, grid.height, grid.width), np.float32), 0, 0)
        paths = out.commit()
    layer = qgis_core.QgsRasterLayer(paths["prediction"], "prediction")
    _, ok = layer.loadNamedStyle(paths["prediction"][:-4] + ".qml")
    assert ok and layer.renderer().type() == "paletted"
    assert [(c.value, c.label, c.color.name()) for c in layer.renderer().classes()] == [
        (1.0, "cultivated land", "#ffd700"), (2.0, "forest & <wood>", "#006400"), (8.0, 'built "up"', "#ff0000")]
    layer = qgis_core.QgsRasterLayer(paths["gradcam"], "gradcam")
    _, ok = layer.loadNamedStyle(paths["gradcam"][:-4] + ".qml")
    assert ok and layer.renderer().type() == "singlebandpseudocolor"
    items = layer.renderer().shader().rasterShaderFunction().colorRampItemList()
    assert len(items) == 5 and items[0].color.alpha() == 0 and items[-1].color.alpha() == 255
    assert 0.9 < items[-1].value <= 1.0


# --- outputs owned by their run ----------------------------------------------------------------------------

def _listing(folder):
    return sorted(os.listdir(folder)) if os.path.isdir(folder) else None


def _commit_ones(folder, value=1, **kwargs):
    with OutputSet(str(folder), Grid(), [class_map_spec()], **kwargs) as out:
        out.write("prediction", np.full((270, 300), value, np.uint8), 0, 0)
        return out.commit()


def test_existing_results_are_refused_unless_overwrite(tmp_path):
    _commit_ones(tmp_path, 1)
    before = _listing(tmp_path)
    with pytest.raises(OutputError, match="already holds results .*prediction.tif.*overwrit"):
        _commit_ones(tmp_path, 2)
    assert _listing(tmp_path) == before
    assert gdal.Open(str(tmp_path / "prediction.tif")).ReadAsArray().max() == 1
    _commit_ones(tmp_path, 2, overwrite=True)
    assert _listing(tmp_path) == before
    assert gdal.Open(str(tmp_path / "prediction.tif")).ReadAsArray().min() == 2


def test_overwrite_replaces_a_stale_sidecar_of_the_earlier_run(tmp_path):
    (tmp_path / "confidence.tif.aux.xml").write_text("<PAMDataset>old</PAMDataset>")
    with pytest.raises(OutputError, match="confidence.tif.aux.xml"):
        OutputSet(str(tmp_path), Grid(), [OutputSpec("confidence", ["c"])])
    with OutputSet(str(tmp_path), Grid(), [OutputSpec("confidence", ["c"])], overwrite=True) as out:
        out.write("confidence", np.zeros((270, 300), np.float32), 0, 0)
        out.commit()
    assert not (tmp_path / "confidence.tif.aux.xml").exists() or "old" not in (
        tmp_path / "confidence.tif.aux.xml").read_text()


def test_a_second_run_into_the_same_folder_is_refused(tmp_path):
    first = OutputSet(str(tmp_path), Grid(), [class_map_spec()])
    try:
        with pytest.raises(OutputError, match="Another run .*process %d" % os.getpid()):
            OutputSet(str(tmp_path), Grid(), [OutputSpec("confidence", ["c"])])
        assert (tmp_path / ".lcx-lock").exists()  # the refused run left the first one's lock alone
    finally:
        first.abort()
    assert _listing(tmp_path) == []


def _dead_pid():
    import subprocess
    import sys

    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_stale_lock_and_staging_of_a_dead_process_are_removed(tmp_path):
    import json
    import socket

    pid = _dead_pid()
    (tmp_path / ".lcx-lock").write_text(json.dumps({"pid": pid, "host": socket.gethostname(), "token": "x"}))
    stale = tmp_path / f".lcx-staging-{pid}-abc"
    stale.mkdir()
    (stale / "prediction.partial.tif").write_bytes(b"half written")
    alive = tmp_path / f".lcx-staging-{os.getppid()}-other"  # a live process's staging is never touched
    alive.mkdir()
    paths = _commit_ones(tmp_path)
    assert os.path.exists(paths["prediction"])
    assert not stale.exists() and alive.exists()
    assert not (tmp_path / ".lcx-lock").exists()


def test_lock_of_another_machine_is_respected(tmp_path):
    import json

    (tmp_path / ".lcx-lock").write_text(json.dumps({"pid": 1, "host": "elsewhere", "token": "x"}))
    with pytest.raises(OutputError, match="elsewhere.*delete"):
        _commit_ones(tmp_path)
    assert _listing(tmp_path) == [".lcx-lock"]


def test_a_failed_run_removes_the_folder_it_created_and_only_that(tmp_path):
    target = tmp_path / "new" / "deeper"
    with pytest.raises(RuntimeError):
        with OutputSet(str(target), Grid(), [class_map_spec()]):
            raise RuntimeError("failed")
    assert _listing(tmp_path) == []
    (tmp_path / "mine.txt").write_text("user file")
    with pytest.raises(RuntimeError):
        with OutputSet(str(tmp_path), Grid(), [class_map_spec()]):
            raise RuntimeError("failed")
    assert _listing(tmp_path) == ["mine.txt"]


def test_out_dir_that_is_a_file_or_under_a_file_is_refused(tmp_path):
    afile = tmp_path / "afile"
    afile.write_text("x")
    with pytest.raises(OutputError, match="is a file"):
        OutputSet(str(afile), Grid(), [class_map_spec()])
    with pytest.raises(OutputError, match="is a file"):
        OutputSet(str(afile / "sub"), Grid(), [class_map_spec()])
    assert _listing(tmp_path) == ["afile"]


def test_a_failing_commit_restores_the_earlier_results(tmp_path, monkeypatch):
    _commit_ones(tmp_path, 1)
    before = _listing(tmp_path)
    real_replace = os.replace
    calls = {"n": 0}

    def flaky_replace(src, dst):
        if dst.endswith("prediction.qml") and "replaced" not in dst and not calls["n"]:
            calls["n"] += 1  # fails once: the disk is full as the style moves in
            raise OSError(28, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(outputs.os, "replace", flaky_replace)
    with pytest.raises(OutputError, match="No space left"):
        _commit_ones(tmp_path, 2, overwrite=True)
    monkeypatch.undo()
    assert _listing(tmp_path) == before
    assert gdal.Open(str(tmp_path / "prediction.tif")).ReadAsArray().max() == 1


def test_processing_staging_of_a_killed_run_is_removed_by_the_next(tmp_path):
    from land_cover_xai_plugin.engine.jobs import StagedFiles

    stale = tmp_path / f".lcx-staging-{_dead_pid()}-old"
    stale.mkdir()
    (stale / "prediction.tif").write_bytes(b"left by a killed qgis_process")
    with StagedFiles([str(tmp_path / "map.tif")]) as stage:
        assert os.path.basename(stage.dir).startswith(f".lcx-staging-{os.getpid()}-")
        assert not stale.exists()
    assert _listing(tmp_path) == []


def test_sigterm_during_a_run_leaves_the_folder_as_it_was(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    script = f"""
import dataclasses, time, numpy as np
from land_cover_xai_plugin.engine.io.outputs import OutputSet, OutputSpec, terminate_as_exception
@dataclasses.dataclass
class Grid:
    width: int = 64
    height: int = 64
    geotransform: tuple = (0.0, 1.0, 0.0, 0.0, 0.0, -1.0)
    crs_wkt: str = ""
with terminate_as_exception():
    with OutputSet({str(tmp_path / "out")!r}, Grid(), [OutputSpec("confidence", ["c"])]) as out:
        out.write("confidence", np.zeros((64, 64), np.float32), 0, 0)
        print("writing", flush=True)
        time.sleep(60)
"""
    (tmp_path / "mine.txt").write_text("kept")
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                             cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    assert child.stdout.readline().strip() == "writing"
    assert (tmp_path / "out" / ".lcx-lock").exists()
    child.send_signal(signal.SIGTERM)
    t0 = time.time()
    child.wait(timeout=30)
    assert time.time() - t0 < 10 and child.returncode != 0
    assert _listing(tmp_path) == ["mine.txt"]  # the folder it created, its lock and staging: all gone


@pytest.fixture()
def tiny_disk(tmp_path):
    """A 64 KiB tmpfs (a really full disk); skipped where mounting is not allowed (not root, not Linux)."""
    import subprocess

    mount_point = tmp_path / "tiny_disk"
    mount_point.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount_point)],
                          capture_output=True)
    if done.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", str(mount_point)], capture_output=True)


def test_a_full_disk_gives_one_clear_error_and_leaves_the_folder_as_it_was(tiny_disk, capfd):
    (tiny_disk / "mine.txt").write_text("kept")
    rng = np.random.default_rng(0)
    with pytest.raises(OutputError, match="Cannot finish noise.tif .*free space"):
        with OutputSet(str(tiny_disk / "out"), Grid(), [OutputSpec("noise", ["a", "b"])]) as out:
            out.write("noise", rng.random((2, 270, 300)).astype(np.float32), 0, 0)  # ~650 kB, incompressible
            out.commit()
    assert _listing(tiny_disk) == ["mine.txt"]
    assert "Exception ignored" not in capfd.readouterr().err  # no GDAL destructor traceback on stderr


def test_a_failing_run_never_deletes_what_another_run_put_in_the_folder_it_created(tmp_path):
    """Issue 11: run A creates the folder, run B starts writing into it, A fails: B's files stay."""
    from land_cover_xai_plugin.engine.jobs import CreatedFolder

    out = tmp_path / "new" / "run"
    with pytest.raises(RuntimeError):
        with CreatedFolder(str(out)):
            (out / ".lcx-lock").write_text("run B")  # another run took the folder meanwhile
            raise RuntimeError("run A fails")
    assert (out / ".lcx-lock").read_text() == "run B"
    with pytest.raises(RuntimeError):
        with CreatedFolder(str(tmp_path / "other" / "run")):
            raise RuntimeError("a run alone fails")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new"]  # its own (empty) folders are gone
