"""Reports and model files as units (issue 11): an existing report is never replaced unless asked; the CSV and
HTML of a validation are written both or neither, atomically, even on a full disk (RLIMIT_FSIZE in a child
process); a model whose report cannot be written is rolled back, an earlier model at that path restored."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from land_cover_xai_plugin.engine.accuracy.metrics import report_from_matrix
from land_cover_xai_plugin.engine.accuracy.validation import write_report_csv, write_report_html, write_text_files
from land_cover_xai_plugin.engine.io.outputs import OutputError

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "land_cover_xai_plugin" / "sample_data"


def small_report():
    return report_from_matrix([[5, 1], [2, 7]], [1, 2], {1: "forest", 2: "water"}, mapped_area={1: 3.0, 2: 4.0},
                              area_unit="ha")


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_an_existing_report_is_refused_unless_overwrite(tmp_path):
    for writer, name in ((write_report_csv, "r.csv"), (write_report_html, "r.html")):
        path = tmp_path / name
        path.write_text("earlier")
        with pytest.raises(OutputError, match="exists already.*overwrit"):
            writer(small_report(), str(path), overwrite=False)
        assert path.read_text() == "earlier"
        writer(small_report(), str(path), overwrite=True)
        assert path.read_text() != "earlier"
    assert names(tmp_path) == ["r.csv", "r.html"]


def test_both_reports_or_neither(tmp_path):
    csv_path, html_path = tmp_path / "r.csv", tmp_path / "r.html"
    html_path.write_text("earlier")
    with pytest.raises(OutputError, match="r.html"):
        write_text_files({str(csv_path): "a,b\n", str(html_path): "<html/>"}, overwrite=False)
    assert names(tmp_path) == ["r.html"] and html_path.read_text() == "earlier"  # the CSV was not left alone


def test_validate_job_refuses_an_existing_report_before_reading_anything(tmp_path):
    from land_cover_xai_plugin.engine.jobs import ValidateJob, run_validate_job

    existing = tmp_path / "r.csv"
    existing.write_text("earlier")
    job = ValidateJob(str(tmp_path / "no-such-map.tif"), str(SAMPLE / "lulc_field_polygons.gpkg"), "LULC_ID",
                      csv_path=str(existing), html_path=str(tmp_path / "r.html"))
    with pytest.raises(OutputError, match="exists already"):  # not "map not found": the cheap check comes first
        run_validate_job(job)
    assert names(tmp_path) == ["r.csv"] and existing.read_text() == "earlier"


FULL_DISK = textwrap.dedent("""
    import resource, sys
    from land_cover_xai_plugin.engine.accuracy.metrics import report_from_matrix
    from land_cover_xai_plugin.engine.accuracy.validation import report_csv_text, report_html_text, write_text_files
    from land_cover_xai_plugin.engine.io.outputs import OutputError

    report = report_from_matrix([[5, 1], [2, 7]], [1, 2], {1: "forest", 2: "water"})
    texts = {sys.argv[1]: report_csv_text(report), sys.argv[2]: report_html_text(report)}
    resource.setrlimit(resource.RLIMIT_FSIZE, (4096, resource.RLIM_INFINITY))  # the HTML page is larger
    try:
        write_text_files(texts, overwrite=True)
    except OutputError as error:
        print(error)
        sys.exit(2)
    sys.exit(0)
""")


def test_a_full_disk_leaves_no_half_written_report_and_keeps_the_earlier_ones(tmp_path):
    csv_path, html_path = tmp_path / "r.csv", tmp_path / "r.html"
    csv_path.write_text("earlier csv")
    html_path.write_text("earlier html")
    done = subprocess.run([sys.executable, "-c", FULL_DISK, str(csv_path), str(html_path)], capture_output=True,
                          text=True, cwd=REPO, env=dict(os.environ, PYTHONPATH=str(REPO)), timeout=120)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Cannot write the report" in done.stdout and "Traceback" not in done.stderr
    assert names(tmp_path) == ["r.csv", "r.html"]  # no .part file
    assert csv_path.read_text() == "earlier csv" and html_path.read_text() == "earlier html"


# --- model + training report as one unit --------------------------------------------------------------

@pytest.fixture(scope="module")
def tiny_job_args(tmp_path_factory):
    pytest.importorskip("torch")
    from land_cover_xai_plugin.engine.training.trainer import TrainConfig

    config = TrainConfig(arch="tempcnn", epochs=1, conv_width=4, dense_width=8, device="cpu", threads=1)
    return [str(SAMPLE / "tiny" / "s2_l1c_tiny.tif")], str(SAMPLE / "tiny" / "labels_lulc_tiny.tif"), config


def _train_while_the_report_path_becomes_a_folder(tmp_path, tiny_job_args, model: Path):
    from land_cover_xai_plugin.engine.jobs import TrainJob, run_train_job

    stack, labels, config = tiny_job_args
    report = tmp_path / "report.json"

    def on_epoch(epoch):  # something else takes the report's name while the model trains
        report.mkdir(exist_ok=True)
        (report / "inside").write_text("not ours")

    job = TrainJob(stack, labels, str(model), report_path=str(report), config=config)
    with pytest.raises(OutputError, match="training report.*model was not saved"):  # failed after the save
        run_train_job(job, progress=on_epoch)
    assert (report / "inside").read_text() == "not ours"


def test_a_report_that_cannot_be_written_removes_the_new_model(tmp_path, tiny_job_args):
    model = tmp_path / "model.lcx"
    _train_while_the_report_path_becomes_a_folder(tmp_path, tiny_job_args, model)
    assert names(tmp_path) == ["report.json"]  # no model, no hidden temporary


def test_a_report_that_cannot_be_written_restores_the_earlier_model(tmp_path, tiny_job_args):
    model = tmp_path / "model.lcx"
    model.write_bytes(b"the earlier model")
    _train_while_the_report_path_becomes_a_folder(tmp_path, tiny_job_args, model)
    assert model.read_bytes() == b"the earlier model"
    assert names(tmp_path) == ["model.lcx", "report.json"]


def test_model_and_report_are_written_together(tmp_path, tiny_job_args):
    import json

    from land_cover_xai_plugin.engine.jobs import TrainJob, run_train_job
    from land_cover_xai_plugin.engine.models.model_file import load_model

    stack, labels, config = tiny_job_args
    model, report = tmp_path / "model.lcx", tmp_path / "report.json"
    model.write_bytes(b"the earlier model")
    run_train_job(TrainJob(stack, labels, str(model), report_path=str(report), config=config))
    assert load_model(str(model)).report["training_data"]["kind"] == "label raster"
    assert json.loads(report.read_text())["training_data"]["kind"] == "label raster"
    assert names(tmp_path) == ["model.lcx", "report.json"]
    assert np.isfinite(json.loads(report.read_text()).get("test", {}).get("overall_accuracy", 0.0))


def test_the_temporary_report_of_a_killed_run_is_removed_by_the_next_write(tmp_path):
    from land_cover_xai_plugin.engine.io.outputs import pid_alive

    dead = next(pid for pid in range(4_000_000, 4_100_000) if not pid_alive(pid))
    stale = tmp_path / f".r.csv.lcx-{dead}-0123abcd.part"
    stale.write_text("half a report")
    alive = tmp_path / f".r.csv.lcx-{os.getpid()}-0123abcd.part"  # this process: another writer of ours
    alive.write_text("in progress")
    write_report_csv(small_report(), str(tmp_path / "r.csv"))
    assert names(tmp_path) == sorted([alive.name, "r.csv"])
