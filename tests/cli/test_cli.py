"""The headless command line, run as a user runs it: `python -m land_cover_xai_plugin ...` in a subprocess."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from osgeo import gdal

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "land_cover_xai_plugin" / "sample_data"
TINY_STACK = SAMPLE / "tiny" / "s2_l1c_tiny.tif"
TINY_LABELS = SAMPLE / "tiny" / "labels_lulc_tiny.tif"


def cli(*args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.run([sys.executable, "-m", "land_cover_xai_plugin", *map(str, args)],
                          capture_output=True, text=True, timeout=timeout, env=env, cwd=REPO)


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("model") / "tiny.lcx"
    done = cli("train", "--stack", TINY_STACK, "--labels", TINY_LABELS, "--epochs", "3", "--seed", "1",
               "--out", out, "--report", out.with_suffix(".json"))
    assert done.returncode == 0, done.stderr
    assert out.exists() and "model written" in done.stdout
    return out


def assert_user_error(done: subprocess.CompletedProcess, *words: str) -> None:
    assert done.returncode == 2, (done.returncode, done.stderr)
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    assert "Traceback" not in done.stderr
    for word in words:
        assert word.lower() in lines[0].lower(), lines[0]


@pytest.mark.parametrize("command", ["info", "train", "predict", "explain", "validate"])
def test_every_command_has_help(command):
    done = cli(command, "--help")
    assert done.returncode == 0 and "usage:" in done.stdout


def test_info_describes_the_sample_stack():
    done = cli("info", SAMPLE / "s2_l1c_stack.tif")
    assert done.returncode == 0, done.stderr
    info = json.loads(done.stdout)
    assert info["n_dates"] == 5 and info["n_bands"] == 13
    assert "2015-07-31" in info["dates"] and "B8A" in info["bands"]


def test_train_writes_model_and_report(tiny_model):
    report = json.loads(tiny_model.with_suffix(".json").read_text())
    assert report  # the training report travels beside the model too
    info = json.loads(cli("info", tiny_model).stdout)
    assert info["bands"][:2] == ["B01", "B02"] and len(info["dates"]) == 3


def test_predict_writes_class_map_and_confidence(tiny_model, tmp_path):
    out = tmp_path / "run"
    done = cli("predict", "--stack", TINY_STACK, "--model", tiny_model, "--out-dir", out)
    assert done.returncode == 0, done.stderr
    prediction = gdal.Open(str(out / "prediction.tif"))
    confidence = gdal.Open(str(out / "confidence.tif"))
    stack = gdal.Open(str(TINY_STACK))
    assert prediction.GetGeoTransform() == stack.GetGeoTransform()
    classes = json.loads(cli("info", tiny_model).stdout)["classes"]
    class_ids = {c["id"] for c in classes}
    band = prediction.GetRasterBand(1)
    values = band.ReadAsArray()
    valid = values != band.GetNoDataValue()
    assert set(np.unique(values[valid])) <= class_ids
    assert band.GetColorTable() is not None
    conf = confidence.GetRasterBand(1).ReadAsArray()
    assert np.nanmin(conf[valid]) >= 0.0 and np.nanmax(conf[valid]) <= 1.0 + 1e-6


def test_explain_writes_gradcam_with_one_band_per_date(tiny_model, tmp_path):
    out = tmp_path / "explained"
    done = cli("explain", "--stack", TINY_STACK, "--model", tiny_model, "--out-dir", out, "--method", "gradcam")
    assert done.returncode == 0, done.stderr
    gradcams = sorted(out.glob("gradcam*.tif"))
    assert gradcams, list(out.iterdir())
    assert gdal.Open(str(gradcams[0])).RasterCount == 1 + 3  # heatmap + one band per date


def test_garbage_model_is_refused_in_one_line_and_leaves_nothing(tmp_path):
    bad = tmp_path / "bad.lcx"
    bad.write_bytes(os.urandom(2048))
    out = tmp_path / "never"
    done = cli("predict", "--stack", TINY_STACK, "--model", bad, "--out-dir", out)
    assert_user_error(done, "model")
    assert not out.exists()


def test_hostile_pickle_is_refused(tmp_path):
    """A torch pickle is never unpickled: it could run code."""
    marker = tmp_path / "pwned"
    payload = tmp_path / "evil.lcx"
    code = ("import os, pickle, zipfile\n"
            f"class Evil:\n    def __reduce__(self):\n        return (os.system, ('touch {marker}',))\n"
            f"with zipfile.ZipFile({str(payload)!r}, 'w') as z:\n"
            "    z.writestr('archive/data.pkl', pickle.dumps(Evil()))\n")
    subprocess.run([sys.executable, "-c", code], check=True)
    assert zipfile.is_zipfile(payload)
    done = cli("predict", "--stack", TINY_STACK, "--model", payload, "--out-dir", tmp_path / "o")
    assert_user_error(done)
    assert not marker.exists()


def without_last_bands(path: Path, folder: Path, n_bands: int = 13, keep: int = 10) -> Path:
    """A copy of a date-major stack keeping the first ``keep`` of its ``n_bands`` bands at every date."""
    source = gdal.Open(str(path))
    bands = [i + 1 for i in range(source.RasterCount) if i % n_bands < keep]
    out = folder / "fewer_bands.tif"
    gdal.Translate(str(out), source, bandList=bands)
    return out


def test_stack_that_does_not_fit_the_model_is_named(tiny_model, tmp_path):
    """The tiny model reads 13 bands; a stack without B10, B11, B12 cannot feed it (other dates of the same
    season are resampled onto the model's calendar, so a band mismatch is what does not fit)."""
    stack = without_last_bands(TINY_STACK, tmp_path)
    out = tmp_path / "o"
    done = cli("predict", "--stack", stack, "--model", tiny_model, "--out-dir", out)
    assert_user_error(done, "B11", "band")
    assert not out.exists()


def test_not_a_raster_is_a_clear_error(tmp_path, tiny_model):
    text = tmp_path / "notes.tif"
    text.write_text("this is not a raster")
    done = cli("predict", "--stack", text, "--model", tiny_model, "--out-dir", tmp_path / "o")
    assert_user_error(done)


def test_truncated_stack_is_a_clear_error(tmp_path, tiny_model):
    cut = tmp_path / "cut.tif"
    cut.write_bytes(TINY_STACK.read_bytes()[: TINY_STACK.stat().st_size // 3])
    out = tmp_path / "o"
    done = cli("predict", "--stack", cut, "--model", tiny_model, "--out-dir", out)
    assert_user_error(done)
    assert not out.exists()


def test_validate_sample_labels_against_field_polygons(tmp_path):
    html, csv = tmp_path / "report.html", tmp_path / "report.csv"
    done = cli("validate", "--classification", SAMPLE / "labels_lulc.tif",
               "--field-data", SAMPLE / "lulc_field_polygons.gpkg", "--class-field", "LULC_ID",
               "--html", html, "--csv", csv)
    assert done.returncode == 0, done.stderr
    assert "overall accuracy 1.000" in done.stdout or "overall accuracy 0.99" in done.stdout
    assert html.exists() and csv.exists()


def test_missing_class_field_for_field_data(tmp_path):
    done = cli("train", "--stack", TINY_STACK, "--labels", SAMPLE / "lulc_field_polygons.gpkg",
               "--out", tmp_path / "m.lcx")
    assert_user_error(done, "class-field")
    assert not (tmp_path / "m.lcx").exists()


def test_explain_target_by_class_name(tiny_model, tmp_path):
    classes = json.loads(cli("info", tiny_model).stdout)["classes"]
    chosen = classes[0]
    out = tmp_path / "named"
    done = cli("explain", "--stack", TINY_STACK, "--model", tiny_model, "--out-dir", out,
               "--method", "gradcam", "--target", chosen["name"].upper())
    assert done.returncode == 0, done.stderr
    assert (out / f"gradcam_{chosen['id']}.tif").exists()
    wrong = cli("explain", "--stack", TINY_STACK, "--model", tiny_model, "--out-dir", tmp_path / "w",
                "--method", "gradcam", "--target", "no such class")
    assert_user_error(wrong, "predicted", chosen["name"])


def test_a_stack_that_is_no_data_everywhere_is_refused(tiny_model, tmp_path):
    all_nodata = tmp_path / "clouds_everywhere.tif"
    source = gdal.Open(str(TINY_STACK))
    copy = gdal.GetDriverByName("GTiff").CreateCopy(str(all_nodata), source)
    for index in range(1, copy.RasterCount + 1):
        band = copy.GetRasterBand(index)
        band.SetNoDataValue(0)
        band.WriteArray(np.zeros((copy.RasterYSize, copy.RasterXSize), dtype=np.uint16))
    copy = None
    out = tmp_path / "o"
    out.mkdir()  # an existing folder: nothing may be left in it either
    done = cli("predict", "--stack", all_nodata, "--model", tiny_model, "--out-dir", out)
    assert_user_error(done, "no-data")
    assert list(out.iterdir()) == []


def test_predict_writes_uncertainty_beside_confidence(tiny_model, tmp_path):
    out = tmp_path / "unc"
    done = cli("predict", "--stack", TINY_STACK, "--model", tiny_model, "--out-dir", out, "--uncertainty")
    assert done.returncode == 0, done.stderr
    assert "entropy" in done.stdout and "margin" in done.stdout
    entropy = gdal.Open(str(out / "entropy.tif")).ReadAsArray()
    margin = gdal.Open(str(out / "margin.tif")).ReadAsArray()
    confidence = gdal.Open(str(out / "confidence.tif")).ReadAsArray()
    valid = np.isfinite(confidence)
    assert valid.any() and np.isfinite(entropy[valid]).all() and np.isfinite(margin[valid]).all()
    assert (0 <= entropy[valid]).all() and (entropy[valid] <= 1 + 1e-6).all()
    assert (margin[valid] <= confidence[valid] + 1e-6).all()  # top-1 minus top-2 never exceeds top-1
    assert (out / "entropy.qml").exists() and (out / "margin.qml").exists()


def test_explain_help_lists_every_registered_method():
    from land_cover_xai_plugin.engine.explain import registry

    done = cli("explain", "--help")
    for name in registry.names():
        assert f"\n  {name} " in done.stdout, name
