"""The real `qgis_process` killed mid-run (issue 11): SIGTERM removes the run's staging before the process ends
(it still ends by SIGTERM), and the staging a SIGKILL leaves behind is recognised and removed by the next run."""
from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import pytest
from test_qgis_process import QGIS_PROCESS, REPO_ROOT, enabled, qgis_process, qgis_process_env  # noqa: F401 - fixtures

from land_cover_xai_plugin.engine.explain import registry

SAMPLE = REPO_ROOT / "land_cover_xai_plugin" / "sample_data"
STACK, MODEL = SAMPLE / "s2_l1c_stack.tif", SAMPLE / "sample_model.lcx"


def start_slow_explain(env, out: Path) -> subprocess.Popen:
    """GradientSHAP over the whole sample (about a minute on 2 cores): a run long enough to be killed."""
    method = registry.names("explanation").index("shap")
    return subprocess.Popen([QGIS_PROCESS, "run", "land_cover_xai:explain", "--", f"INPUT={STACK}",
                             f"MODEL={MODEL}", f"METHOD={method}", "DEVICE=1", "BATCH_SIZE=256",
                             f"OUTPUT={out / 'shap.tif'}"],
                            env=env, cwd=str(REPO_ROOT), stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def wait_until_writing(process: subprocess.Popen, out: Path, timeout: float = 60) -> None:
    """Until the run's hidden staging folder exists in ``out`` (the run has started writing)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        if any(p.name.startswith(".lcx-") for p in out.iterdir()):
            time.sleep(1.0)  # well into the pass
            return
        time.sleep(0.05)
    if process.poll() is None:
        process.kill()  # never started writing: not left running
    stdout, stderr = process.communicate(timeout=5)
    pytest.fail("the run never started writing: " + (stdout + stderr).decode(errors="replace")[-2000:])


def send_and_wait(process: subprocess.Popen, sig: int) -> bytes:
    """Send ``sig`` and wait for the process to end (killed after 60 s); returns its stderr."""
    try:
        process.send_signal(sig)
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    return stderr


def test_sigterm_removes_the_staging_and_still_ends_the_process(enabled, tmp_path):  # noqa: F811
    out = tmp_path / "results"
    out.mkdir()
    process = start_slow_explain(enabled, out)
    wait_until_writing(process, out)
    stderr = send_and_wait(process, signal.SIGTERM)
    assert process.returncode == -signal.SIGTERM, stderr.decode(errors="replace")[-2000:]
    assert b"Traceback" not in stderr
    assert sorted(p.name for p in out.iterdir()) == []  # no staging, no partial, no half-written map


def test_the_staging_of_a_killed_run_is_removed_by_the_next_run(enabled, tmp_path):  # noqa: F811
    out = tmp_path / "results"
    out.mkdir()
    process = start_slow_explain(enabled, out)
    wait_until_writing(process, out)
    send_and_wait(process, signal.SIGKILL)  # no chance to clean up
    stale = [p.name for p in out.iterdir() if p.name.startswith(".lcx-")]
    assert stale, "a SIGKILLed run leaves its staging folder"
    done = qgis_process(enabled, "run", "land_cover_xai:classify", "--", f"INPUT={STACK}", f"MODEL={MODEL}",
                        "DEVICE=1", f"OUTPUT={out / 'map.tif'}", f"CONFIDENCE={out / 'confidence.tif'}")
    assert done.returncode == 0, done.stdout + done.stderr
    names = sorted(p.name for p in out.iterdir())
    assert not [n for n in names if n.startswith(".lcx-") or "partial" in n], names
    assert {"map.tif", "map.qml", "confidence.tif"} <= set(names)


def test_sigterm_during_training_leaves_no_model_and_no_report(enabled, tmp_path):  # noqa: F811
    fields = tmp_path / "fields.gpkg"
    fields.write_bytes((SAMPLE / "lulc_field_polygons.gpkg").read_bytes())
    out = tmp_path / "models"
    out.mkdir()
    process = subprocess.Popen([QGIS_PROCESS, "run", "land_cover_xai:train", "--", f"INPUT={STACK}",
                                f"FIELD_DATA={fields}", "CLASS_FIELD=LULC_ID", "EPOCHS=500", "DEVICE=1",
                                f"OUTPUT_MODEL={out / 'model.lcx'}", f"OUTPUT_REPORT={out / 'report.json'}"],
                               env=enabled, cwd=str(REPO_ROOT), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(10)  # QGIS started, the stack read, training under way
    if process.poll() is not None:
        pytest.skip("training finished before the signal (early stopping on a fast machine)")
    stderr = send_and_wait(process, signal.SIGTERM)
    assert process.returncode == -signal.SIGTERM, stderr.decode(errors="replace")[-2000:]
    assert sorted(p.name for p in out.iterdir()) == []
