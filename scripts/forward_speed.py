"""Raw forward speed (px/s) of classifier candidates on random (N, 10, 20) input, measured in one run.

A Sentinel-2 tile is 10980 x 10980 px; ``tile_minutes`` projects the raw forward alone (reading and writing
come on top: the streaming benchmark keeps predict >= 0.8 x raw forward). Models are interleaved per
repetition so machine load hits every candidate alike; the best repetition of each counts.

    GLIBC_TUNABLES=... .venv/bin/python scripts/forward_speed.py --threads 2 --out /tmp/speed.json
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from land_cover_xai_plugin.engine.models import ModelSpec, build_model
from land_cover_xai_plugin.engine.runtime import import_torch

TILE_PX = 10980 * 10980
N_BANDS, N_DATES, N_CLASSES = 10, 20, 6
# The bundled model's band grouping on its 13 bands had 4 groups; 10 S2 bands in 4 groups here.
FOUR_GROUPS = [[0, 1, 2], [3, 4, 5], [6, 7], [8, 9]]
CANDIDATES = {
    "attention_se (old default, 4 band groups)": dict(arch="attention", band_groups=FOUR_GROUPS, dropout=0.3),
    "attention_se (10 band groups)": dict(arch="attention", dropout=0.3),
    "tempcnn": dict(arch="tempcnn"),
    "mlp": dict(arch="mlp", dropout=0.3),
    "mlp x3 ensemble": dict(arch="mlp", dropout=0.3, n_members=3),
    "mlp x5 ensemble": dict(arch="mlp", dropout=0.3, n_members=5),
    "mlp + SE band gate": dict(arch="mlp", dropout=0.3, band_attention=True),
    "mlp + SE band gate x3 ensemble": dict(arch="mlp", dropout=0.3, n_members=3, band_attention=True),
    "mlp + SE band gate x5 ensemble": dict(arch="mlp", dropout=0.3, n_members=5, band_attention=True),
}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batches", type=int, nargs="+", default=[512, 1024, 2048])
    parser.add_argument("--pixels", type=int, default=40_960, help="pixels per timing")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--models", nargs="+", default=None, help="subset of the candidate names")
    parser.add_argument("--out", default=None)
    args = parser.parse_args(argv)
    torch = import_torch()
    torch.set_num_threads(args.threads)
    names = args.models or list(CANDIDATES)
    models = {}
    for name in names:
        torch.manual_seed(0)
        spec = ModelSpec(n_bands=N_BANDS, n_dates=N_DATES, n_classes=N_CLASSES, **CANDIDATES[name])
        models[name] = build_model(spec).eval()
    x = torch.rand(args.pixels, N_BANDS, N_DATES)
    best = {name: {b: 0.0 for b in args.batches} for name in names}
    with torch.inference_mode():
        for name in names:  # warm-up
            models[name](x[:max(args.batches)])
        for _ in range(args.repeats):
            for batch in args.batches:
                for name in names:
                    t0 = time.perf_counter()
                    for start in range(0, args.pixels, batch):
                        models[name](x[start:start + batch])
                    best[name][batch] = max(best[name][batch], args.pixels / (time.perf_counter() - t0))
    rows = {}
    for name in names:
        top_batch = max(best[name], key=best[name].get)
        px_s = best[name][top_batch]
        rows[name] = {"px_per_s": {str(b): round(v) for b, v in best[name].items()}, "best_batch": top_batch,
                      "tile_minutes_raw_forward": round(TILE_PX / px_s / 60, 1),
                      "n_weights": int(sum(p.numel() for p in models[name].parameters()))}
        print(f"{name:<42} " + "  ".join(f"{b}: {v:>8.0f} px/s" for b, v in best[name].items())
              + f"  -> tile {rows[name]['tile_minutes_raw_forward']} min raw forward", flush=True)
    if args.out:
        Path(args.out).write_text(json.dumps({"threads": args.threads, "input": [N_BANDS, N_DATES],
                                              "tile_px": TILE_PX, "models": rows}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
