"""The command line against bad input, signals and earlier results (issue 11): exit 2 with one line on stderr
that names the problem and the fix, checked before any work; nothing of a failed or killed run left behind."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
from osgeo import gdal

from test_cli import REPO, TINY_LABELS, TINY_STACK, assert_user_error, cli

LEFTOVER_MARKS = (".partial", ".part", ".lcx-", ".tmp")


@pytest.fixture(scope="module")
def model(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("hostile_model") / "tiny.lcx"
    done = cli("train", "--stack", TINY_STACK, "--labels", TINY_LABELS, "--epochs", "1", "--out", out)
    assert done.returncode == 0, done.stderr
    return out


@pytest.fixture(scope="module")
def predicted(model, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("hostile_run") / "run"
    done = cli("predict", "--stack", TINY_STACK, "--model", model, "--out-dir", out)
    assert done.returncode == 0, done.stderr
    return out


def leftovers(folder: Path) -> list[str]:
    """Names in ``folder`` (recursively) that a run in progress writes: partial files, staging, locks."""
    if not folder.exists():
        return []
    return [str(p.relative_to(folder)) for p in folder.rglob("*") if any(m in p.name for m in LEFTOVER_MARKS)]


def snapshot(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}


# --- earlier results ----------------------------------------------------------------------------------

def test_predict_into_a_folder_with_results_is_refused_and_left_untouched(model, predicted):
    before = snapshot(predicted)
    done = cli("predict", "--stack", TINY_STACK, "--model", model, "--out-dir", predicted)
    assert_user_error(done, "already holds results", "--overwrite", "another --out-dir")
    assert snapshot(predicted) == before


def test_explain_into_a_folder_with_results_is_refused(model, predicted):
    done = cli("explain", "--stack", TINY_STACK, "--model", model, "--out-dir", predicted, "--method", "gradcam")
    assert_user_error(done, "already holds results", "--overwrite")


def test_overwrite_replaces_the_results(model, predicted):
    before = snapshot(predicted)
    done = cli("predict", "--stack", TINY_STACK, "--model", model, "--out-dir", predicted, "--overwrite")
    assert done.returncode == 0, done.stderr
    after = snapshot(predicted)
    assert after["prediction.tif"] != before["prediction.tif"]
    assert not leftovers(predicted)


def test_train_refuses_an_existing_model_file_before_training(model):
    before = model.stat().st_mtime_ns
    started = time.perf_counter()
    done = cli("train", "--stack", TINY_STACK, "--labels", TINY_LABELS, "--epochs", "1", "--out", model)
    assert_user_error(done, "exists already", "--overwrite")
    assert model.stat().st_mtime_ns == before
    assert time.perf_counter() - started < 60  # refused before the stack is read (start-up only)


def test_train_refuses_an_existing_report(tmp_path):
    report = tmp_path / "report.json"
    report.write_text("{}")
    done = cli("train", "--stack", TINY_STACK, "--labels", TINY_LABELS, "--epochs", "1",
               "--out", tmp_path / "m.lcx", "--report", report)
    assert_user_error(done, "exists already", "--overwrite")
    assert report.read_text() == "{}" and not (tmp_path / "m.lcx").exists()


# --- options that can only fail, refused before any work --------------------------------------------

def _train(tmp_path, *extra):
    return cli("train", "--stack", TINY_STACK, "--labels", TINY_LABELS, "--epochs", "1", *extra)


def test_even_patch_size_refused_before_training(tmp_path):
    done = _train(tmp_path, "--patch-size", "4", "--out", tmp_path / "m.lcx")
    assert_user_error(done, "patch_size must be odd")
    assert "epoch" not in done.stderr and not (tmp_path / "m.lcx").exists()


def test_model_out_a_folder_refused(tmp_path):
    done = _train(tmp_path, "--out", tmp_path)
    assert_user_error(done, "is a folder", "file name")


def test_model_out_under_a_file_refused(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    done = _train(tmp_path, "--out", blocker / "m.lcx")
    assert_user_error(done, "is a file")
    assert "epoch" not in done.stderr


def test_out_dir_a_file_refused(model, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    done = cli("predict", "--stack", TINY_STACK, "--model", model, "--out-dir", blocker)
    assert_user_error(done, "is a file", "folder")
    assert blocker.read_text() == "x"


def test_out_dir_under_a_file_refused(model, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    done = cli("predict", "--stack", TINY_STACK, "--model", model, "--out-dir", blocker / "run")
    assert_user_error(done, "is a file")


def test_report_into_a_folder_that_cannot_be_made_refused(predicted, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    done = cli("validate", "--classification", predicted / "prediction.tif",
               "--field-data", REPO / "land_cover_xai_plugin" / "sample_data" / "lulc_field_polygons.gpkg",
               "--class-field", "LULC_ID", "--html", blocker / "sub" / "report.html")
    assert_user_error(done, "--html", "is a file")


def test_usage_error_is_one_line():
    done = cli("predict", "--stack", TINY_STACK)
    assert_user_error(done, "required", "--help")


# --- hostile files --------------------------------------------------------------------------------

def _rewrite_model(src: Path, out: Path, text: str | None = None, mutate=None) -> Path:
    with zipfile.ZipFile(src) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    if mutate is not None:
        doc = json.loads(members["model.json"])
        mutate(doc)
        text = json.dumps(doc)
    members["model.json"] = text.encode()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return out


def test_deeply_nested_model_json_is_one_line(model, tmp_path):
    text = json.loads(zipfile.ZipFile(model).read("model.json"))
    deep = json.dumps(text)[:-1] + ', "deep": ' + "[" * 50_000 + "]" * 50_000 + "}"
    bad = _rewrite_model(model, tmp_path / "deep.lcx", text=deep)
    for command in (("info", bad), ("predict", "--stack", TINY_STACK, "--model", bad, "--out-dir", tmp_path / "o")):
        assert_user_error(cli(*command), "nested")
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("scaling", [{"scale": "abc"}, [1, 2], {"scale": 0}])
def test_bad_scaling_entry_is_one_line(model, tmp_path, scaling):
    bad = _rewrite_model(model, tmp_path / "scaling.lcx", mutate=lambda d: d.update(scaling=scaling))
    assert_user_error(cli("predict", "--stack", TINY_STACK, "--model", bad, "--out-dir", tmp_path / "o"), "scaling")
    assert not (tmp_path / "o").exists()


def test_encrypted_member_is_one_line(model, tmp_path):
    from tests.engine.test_hostile_inputs import _set_encrypted_flag

    bad = _rewrite_model(model, tmp_path / "enc.lcx", mutate=lambda d: None)
    _set_encrypted_flag(str(bad), "model.json")
    assert_user_error(cli("info", bad), "encrypted")


def test_not_a_raster_stack_gives_one_line_without_gdal_noise(model, tmp_path):
    fake = tmp_path / "stack.tif"
    fake.write_bytes(b"II*\x00" + os.urandom(2000))  # a TIFF header and garbage: GDAL complains loudly
    done = cli("predict", "--stack", fake, "--model", model, "--out-dir", tmp_path / "o")
    assert_user_error(done)
    assert "ERROR 1" not in done.stderr and not (tmp_path / "o").exists()


# --- what a run says and prints ---------------------------------------------------------------------

def test_a_mildly_off_stack_prints_the_engine_warning(model, tmp_path):
    src = gdal.Open(str(TINY_STACK))
    brighter = tmp_path / "brighter.tif"
    copy = gdal.GetDriverByName("GTiff").CreateCopy(str(brighter), src)
    for i in range(1, copy.RasterCount + 1):
        band = copy.GetRasterBand(i)
        band.WriteArray(np.clip(band.ReadAsArray().astype(np.int64) * 5, 0, 65535).astype(np.uint16))
    copy = None
    done = cli("predict", "--stack", brighter, "--model", model, "--out-dir", tmp_path / "o")
    assert done.returncode == 0, done.stderr
    warning_lines = [line for line in done.stderr.splitlines() if line.startswith("warning: ")]
    assert len(warning_lines) == 1 and "x the model" in warning_lines[0], done.stderr
    assert "WARNING" not in done.stderr  # the engine's log is not printed a second time


def test_info_prints_strict_json_for_a_nan_nodata_stack(tmp_path):
    path = tmp_path / "nan.tif"
    src = gdal.Open(str(TINY_STACK))
    assert gdal.Translate(str(path), src, outputType=gdal.GDT_Float32, noData=float("nan")) is not None  # closed

    def refuse(constant):
        raise AssertionError(f"not strict JSON: {constant}")

    done = cli("info", path)
    assert done.returncode == 0, done.stderr
    json.loads(done.stdout, parse_constant=refuse)


def test_info_into_a_closed_pipe_exits_quietly():
    env = dict(os.environ, PYTHONPATH=str(REPO))
    process = subprocess.Popen([sys.executable, "-m", "land_cover_xai_plugin", "info", *[str(TINY_STACK)] * 300],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=REPO)
    process.stdout.readline()  # `| head -1`
    process.stdout.close()
    _, stderr = process.communicate(timeout=300)
    assert process.returncode == 0 and stderr == b"", stderr.decode()


def test_unexpected_error_is_one_line_and_debug_shows_the_traceback(monkeypatch, capsys):
    from land_cover_xai_plugin.cli import main as cli_main

    def broken(args):
        raise RuntimeError("a bug\nover two lines")

    monkeypatch.setattr(cli_main, "cmd_info", broken)
    assert cli_main.main(["info", str(TINY_STACK)]) == 1
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines == ["unexpected error: RuntimeError: a bug over two lines (run with --debug for the traceback)"]
    assert cli_main.main(["--debug", "info", str(TINY_STACK)]) == 1
    assert "Traceback" in capsys.readouterr().err
    assert cli_main.main(["info", "--debug", str(TINY_STACK)]) == 1
    assert "Traceback" in capsys.readouterr().err


# --- signals ----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def large_stack(tmp_path_factory) -> Path:
    """The tiny stack resampled to 800 x 800 px (same dates and bands): a run long enough to be killed."""
    path = tmp_path_factory.mktemp("large") / "large.tif"
    gdal.Translate(str(path), str(TINY_STACK), width=800, height=800, resampleAlg="nearest")
    return path


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_during_predict_leaves_nothing(model, large_stack, tmp_path, signum):
    parent = tmp_path / "results"
    parent.mkdir()
    out = parent / "run"
    env = dict(os.environ, PYTHONPATH=str(REPO))
    process = subprocess.Popen([sys.executable, "-m", "land_cover_xai_plugin", "predict", "--stack", str(large_stack),
                                "--model", str(model), "--out-dir", str(out), "--batch-size", "256"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=REPO)
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and process.poll() is None:
        if out.is_dir() and any(p.name.startswith(".lcx-staging") for p in out.iterdir()):
            break  # the run is writing
        time.sleep(0.05)
    assert process.poll() is None, process.communicate()[1].decode()
    time.sleep(0.5)
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=120)
    expected = {signal.SIGTERM: 143, signal.SIGINT: 130}[signum]
    assert process.returncode == expected, stderr.decode()
    assert "Traceback" not in stderr.decode()
    assert not out.exists(), sorted(p.name for p in out.iterdir())  # the folder this run created, removed
    assert not leftovers(parent)


def test_validating_on_the_training_polygons_warns(tmp_path):
    import shutil

    polygons = tmp_path / "fields.gpkg"
    shutil.copyfile(REPO / "land_cover_xai_plugin" / "sample_data" / "lulc_field_polygons.gpkg", polygons)
    model = tmp_path / "fields.lcx"
    done = cli("train", "--stack", TINY_STACK, "--labels", polygons, "--class-field", "LULC_ID", "--epochs", "1",
               "--out", model)
    assert done.returncode == 0, done.stderr
    assert cli("predict", "--stack", TINY_STACK, "--model", model, "--out-dir", tmp_path / "run").returncode == 0
    done = cli("validate", "--classification", tmp_path / "run" / "prediction.tif", "--field-data", polygons,
               "--class-field", "LULC_ID")
    assert done.returncode == 0, done.stderr
    warning_lines = [line for line in done.stderr.splitlines() if line.startswith("warning: ")]
    assert warning_lines and "training data" in warning_lines[0], done.stderr


def test_validate_refuses_existing_reports_and_replaces_them_with_overwrite(predicted, tmp_path):
    polygons = REPO / "land_cover_xai_plugin" / "sample_data" / "lulc_field_polygons.gpkg"
    csv_path, html_path = tmp_path / "r.csv", tmp_path / "r.html"
    csv_path.write_text("earlier")
    args = ("validate", "--classification", predicted / "prediction.tif", "--field-data", polygons,
            "--class-field", "LULC_ID", "--csv", csv_path, "--html", html_path)
    assert_user_error(cli(*args), "exists already", "--overwrite")
    assert csv_path.read_text() == "earlier" and not html_path.exists()
    done = cli(*args, "--overwrite")
    assert done.returncode == 0, done.stderr
    assert csv_path.read_text() != "earlier" and html_path.read_text().startswith("<!DOCTYPE html>")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.csv", "r.html"]


def test_validate_against_a_label_raster_needs_no_class_field(predicted):
    done = cli("validate", "--classification", predicted / "prediction.tif", "--field-data", TINY_LABELS)
    assert done.returncode == 0, done.stderr
    assert "overall accuracy" in done.stdout
    # the model of this module was trained on that raster: the figures are flagged
    assert any(line.startswith("warning: ") and "training pixel" in line for line in done.stderr.splitlines())


def test_a_second_run_into_a_folder_in_use_is_refused_and_the_first_keeps_its_outputs(model, tmp_path, capfd):
    """A real process writes into --out-dir; a second run into it (here in process: ``cli.main.main``) exits 2
    naming the other run (or its results, if it finished first); the first completes with its own maps and
    nothing is left half-written."""
    from land_cover_xai_plugin.cli.main import main

    stack = tmp_path / "medium.tif"
    gdal.Translate(str(stack), str(TINY_STACK), width=200, height=200, resampleAlg="nearest")
    out = tmp_path / "shared"
    env = dict(os.environ, PYTHONPATH=str(REPO))
    first = subprocess.Popen([sys.executable, "-m", "land_cover_xai_plugin", "predict", "--stack", str(stack),
                              "--model", str(model), "--out-dir", str(out), "--batch-size", "256"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=REPO)
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and first.poll() is None and not (out / ".lcx-lock").exists():
            time.sleep(0.02)
        assert first.poll() is None, first.communicate()[1].decode()
        capfd.readouterr()
        code = main(["predict", "--stack", str(TINY_STACK), "--model", str(model), "--out-dir", str(out)])
        second_err = capfd.readouterr().err
        _, stderr = first.communicate(timeout=300)
    finally:
        if first.poll() is None:
            first.kill()
    # refused while the first writes (its lock) or, on a loaded machine, after it finished (its results)
    assert code == 2 and (second_err.startswith("error: Another run (process ") and "is writing into" in second_err
                          or "already holds results" in second_err), second_err
    assert len(second_err.strip().splitlines()) == 1, second_err
    assert first.returncode == 0, stderr.decode()
    ds = gdal.Open(str(out / "prediction.tif"))
    assert ds.RasterXSize == 200  # the first run's map, not the second's 32 x 32
    ds = None
    assert not leftovers(out)
