"""InferenceJob: the one run the CLI, Processing and the dock share — target resolved once, outputs checked
before the stack is read, files placed where asked, nothing left behind on failure or cancel."""
from __future__ import annotations

import os

import numpy as np
import pytest

pytest.importorskip("torch")
gdal = pytest.importorskip("osgeo.gdal")

from land_cover_xai_plugin.engine import jobs
from land_cover_xai_plugin.engine.errors import Cancelled, LcxError

from pathlib import Path

import land_cover_xai_plugin

SAMPLE = Path(land_cover_xai_plugin.__file__).resolve().parent / "sample_data"
SAMPLE_STACK = SAMPLE / "s2_l1c_stack.tif"
MODEL = SAMPLE / "sample_model.lcx"
REGION = (10, 20, 24, 16)  # a small part of the bundled sample: quick, and still real data


def job(**kw) -> jobs.InferenceJob:
    base = dict(stack_paths=[str(SAMPLE_STACK)], model_path=str(MODEL), device="cpu", threads=1, batch_size=256,
                region=REGION)
    return jobs.InferenceJob(**(base | kw))


def listing(folder) -> list[str]:
    return sorted(os.listdir(folder)) if os.path.exists(folder) else []


def test_all_names_exist():
    for name in jobs.__all__:
        assert hasattr(jobs, name), name


def test_target_by_name_outputs_in_a_created_folder(tmp_path):
    out = tmp_path / "new" / "run"
    result = jobs.run_inference_job(job(out_dir=str(out), outputs={"gradcam", "uncertainty"}, target="Forest"))
    names = {d.name for d in result.outputs}
    assert names == {"prediction", "confidence", "entropy", "margin", "gradcam_2"}
    cam = result.output("gradcam")
    assert cam.target_id == 2 and cam.title == "Grad-CAM class evidence score (class 2: forest)"
    for d in result.outputs:
        assert os.path.dirname(d.path) == str(out) and os.path.exists(d.path[:-4] + ".qml")
    entropy = gdal.Open(result.output("entropy").path).ReadAsArray()
    inside = entropy[20:36, 10:34]
    assert np.isfinite(inside).mean() > 0.9 and np.nanmax(inside) <= 1.0 and np.isnan(entropy[0, 0])


def test_unknown_target_or_output_is_refused_before_anything_is_written(tmp_path):
    out = tmp_path / "never"
    with pytest.raises(LcxError, match="not a class of this model.*2 \\(forest\\)"):
        jobs.run_inference_job(job(out_dir=str(out), outputs={"gradcam"}, target="mangrove"))
    with pytest.raises(LcxError, match="No output gradcam in this run"):
        jobs.run_inference_job(job(destinations={"gradcam": str(out / "g.tif")}))
    with pytest.raises(LcxError, match="Unknown output"):
        jobs.run_inference_job(job(out_dir=str(out), outputs={"lime"}))
    assert not out.exists()


def test_cancel_removes_the_folder_it_created_and_keeps_an_existing_one(tmp_path):
    calls = []

    def cancel_soon():
        calls.append(1)
        return len(calls) > 1

    created = tmp_path / "created"
    with pytest.raises(Cancelled):
        jobs.run_inference_job(job(out_dir=str(created), region=None, window_size=32), is_cancelled=cancel_soon)
    assert not created.exists()
    existing = tmp_path / "existing"
    existing.mkdir()
    (existing / "mine.txt").write_text("keep me")
    calls.clear()
    with pytest.raises(Cancelled):
        jobs.run_inference_job(job(out_dir=str(existing), region=None, window_size=32), is_cancelled=cancel_soon)
    assert listing(existing) == ["mine.txt"]


def test_a_cancel_after_the_last_batch_still_keeps_nothing(tmp_path):
    finished = []
    existing = tmp_path / "existing"
    existing.mkdir()
    with pytest.raises(Cancelled):
        jobs.run_inference_job(job(out_dir=str(existing), outputs={"probabilities"}),
                               progress=lambda f: finished.append(f >= 1.0), is_cancelled=lambda: any(finished))
    assert listing(existing) == []


def test_failure_mid_run_leaves_nothing(tmp_path):
    def broken_progress(fraction):
        if fraction > 0.3:
            raise OSError("disk full")

    out = tmp_path / "out"
    with pytest.raises(OSError, match="disk full"):
        jobs.run_inference_job(job(out_dir=str(out), region=None, window_size=32), progress=broken_progress)
    assert not out.exists()


def test_destinations_keep_only_the_files_asked_for_with_their_styles(tmp_path):
    dest = {"prediction": str(tmp_path / "maps" / "landcover.tif"), "margin": str(tmp_path / "unc" / "margin.tif")}
    result = jobs.run_inference_job(job(destinations=dest, outputs={"uncertainty"}))
    assert {d.kind: d.path for d in result.outputs} == dest
    assert listing(tmp_path / "maps") == ["landcover.qml", "landcover.tif", "landcover.tif.aux.xml"]
    assert listing(tmp_path / "unc") == ["margin.qml", "margin.tif"]
    assert not [p for p in os.listdir(tmp_path / "maps") if p.startswith(".lcx-")]


def test_architecture_choices_cover_every_attention_variant():
    choices = jobs.architecture_choices()
    assert ("attention", "se") in choices and ("attention", "softmax") in choices and ("tempcnn", "se") in choices
    assert len(set(choices)) == len(choices)


def test_describe_folder_gives_the_descriptors_of_an_earlier_run(tmp_path):
    from land_cover_xai_plugin.engine.models.model_file import load_model

    result = jobs.run_inference_job(job(out_dir=str(tmp_path), outputs={"gradcam", "probabilities"}, target=2))
    again = jobs.describe_folder(load_model(str(MODEL)), {"gradcam", "probabilities", "uncertainty"}, "2",
                                 str(tmp_path))
    assert [(d.kind, d.path, d.title) for d in again] == [(d.kind, d.path, d.title) for d in result.outputs]
