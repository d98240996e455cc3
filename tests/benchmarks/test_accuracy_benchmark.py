"""The accuracy benchmark's protocol: paired statistics, model selection, and a small real run on the tiny sample."""
import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
SPEC = importlib.util.spec_from_file_location("accuracy_benchmark", ROOT / "benchmarks" / "accuracy.py")
bench = importlib.util.module_from_spec(SPEC)
sys.modules[SPEC.name] = bench  # dataclasses look their module up while the file runs
SPEC.loader.exec_module(bench)


def run(model, seed, fold, f1, kappa, condition="no_masking"):
    return bench.RunResult(model, condition, seed, fold, 0.9, f1, kappa, 1.0, {}, 10, 2, 5)


def test_paired_comparison_counts_wins_and_tests():
    runs = []
    for seed in range(5):
        for fold in range(3):
            runs.append(run("attention_se", seed, fold, 0.60 + 0.01 * fold, 0.70))
            runs.append(run(bench.RANDOM_FOREST, seed, fold, 0.55, 0.72 + 0.001 * seed))
    p = bench.paired(runs, "no_masking", "attention_se")
    assert p["n_pairs"] == 15
    assert p["macro_f1"]["mean"] == pytest.approx(0.06) and p["macro_f1"]["wins"] == 15
    assert p["macro_f1"]["ci95"][0] > 0 and p["macro_f1"]["sign_test_p"] < 0.001
    assert p["kappa"]["losses"] == 15 and p["kappa"]["mean"] < 0
    assert not p["ahead_in_macro_f1_and_kappa"] and not p["significantly_ahead_in_both"]
    assert bench.paired(runs, "cloud_masked", "attention_se") is None
    summary = bench.summarise(runs, "no_masking")
    assert summary["attention_se"]["macro_f1"]["mean"] == pytest.approx(0.61)
    assert summary["attention_se"]["n_runs"] == 15 and summary[bench.RANDOM_FOREST]["kappa"]["std"] > 0


def test_models_and_extra_configs():
    models = bench.parse_models(None, ['mlp5={"arch": "mlp", "n_members": 5}'])
    assert models["mlp5"] == {"arch": "mlp", "n_members": 5} and bench.RANDOM_FOREST in models
    assert list(bench.parse_models("tempcnn,random_forest", [])) == ["tempcnn", "random_forest"]
    with pytest.raises(SystemExit, match="TrainConfig"):
        bench.parse_models(None, ['bad={"no_such_field": 1}'])
    with pytest.raises(SystemExit, match="unknown model"):
        bench.parse_models("nope", [])
    assert bench.default_model_name({"x": {"arch": "tempcnn"}, "d": {}}) == "d"


def test_protocol_on_the_tiny_sample():
    pytest.importorskip("sklearn")
    sample = bench.load_sample(ROOT / "land_cover_xai_plugin" / "sample_data" / "tiny" / "s2_l1c_tiny.tif")
    models = {"tempcnn": {"arch": "tempcnn", "conv_width": 8, "dense_width": 16}, bench.RANDOM_FOREST: None}
    protocol = bench.run_protocol(sample, models, seeds=[0], n_folds=2, conditions=("no_masking",),
                                  base={"epochs": 1}, block_size=8, log=lambda line: None)
    sample.stack.close()
    runs = protocol["runs"]
    assert len(runs) == 4 and protocol["split"]["kind"] == "polygons+blocks"
    for fold in (0, 1):  # same pixels on every side for both models
        nn, rf = [r for r in runs if r.fold == fold]
        assert (nn.n_train, nn.n_val, nn.n_test) == (rf.n_train, rf.n_val, rf.n_test)
        assert rf.extra["fit_pixels"] == rf.n_train + rf.n_val
        for r in (nn, rf):
            assert 0 <= r.macro_f1 <= 1 and np.isfinite(r.kappa) and r.train_seconds > 0
    results = bench.build_results(protocol, models, [0], 2, ("no_masking",), sample, {}, 1.0)
    assert results["default_model"] is None and results["paired"] is None  # the default was not run
    assert "| tempcnn |" in bench.markdown(results)
