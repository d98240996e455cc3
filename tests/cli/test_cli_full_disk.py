"""A full disk (a file-size limit of 8 KiB, RLIMIT_FSIZE, in the child process) during predict, train and validate
(issue 11): exit 2, the error line names the cause and the fix, no traceback, and nothing is left behind —
no half-written map, model, report or staging folder."""
from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys

import pytest

from test_cli import REPO, SAMPLE, TINY_LABELS, TINY_STACK

pytest.importorskip("torch")


def limited_cli(*args) -> subprocess.CompletedProcess:
    def small_disk():
        resource.setrlimit(resource.RLIMIT_FSIZE, (8192, resource.RLIM_INFINITY))

    return subprocess.run([sys.executable, "-m", "land_cover_xai_plugin", *map(str, args)], capture_output=True,
                          text=True, timeout=300, cwd=REPO, env=dict(os.environ, PYTHONPATH=str(REPO)),
                          preexec_fn=small_disk)


def error_line(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, done.stderr
    return errors[0]


def test_predict_on_a_full_disk(tmp_path):
    line = error_line(limited_cli("predict", "--stack", SAMPLE / "s2_l1c_stack.tif", "--model",
                                  SAMPLE / "sample_model.lcx", "--out-dir", tmp_path / "run", "--device", "cpu"))
    assert "too large" in line.lower() and "free space" in line
    assert os.listdir(tmp_path) == []  # the folder the run created is gone with everything in it


def test_train_on_a_full_disk_keeps_the_earlier_model(tmp_path):
    model = tmp_path / "m.lcx"
    model.write_bytes(b"the earlier model")
    line = error_line(limited_cli("train", "--stack", TINY_STACK, "--labels", TINY_LABELS, "--epochs", "1",
                                  "--arch", "tempcnn", "--out", model, "--report", tmp_path / "r.json",
                                  "--overwrite"))
    assert "too large" in line.lower()
    assert sorted(os.listdir(tmp_path)) == ["m.lcx"] and model.read_bytes() == b"the earlier model"


def test_validate_on_a_full_disk_writes_neither_report(tmp_path):
    polygons = shutil.copy(SAMPLE / "lulc_field_polygons.gpkg", tmp_path / "fields.gpkg")
    line = error_line(limited_cli("validate", "--classification", SAMPLE / "labels_lulc.tif", "--field-data",
                                  polygons, "--class-field", "LULC_ID", "--csv", tmp_path / "r.csv", "--html",
                                  tmp_path / "r.html"))
    assert "no report was written" in line
    assert [n for n in os.listdir(tmp_path) if not n.startswith("fields.gpkg")] == []
