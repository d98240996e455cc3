#!/usr/bin/env bash
# The candidate rounds that chose TrainConfig's default classifier (engineer F2, issue 9), all through the
# accuracy benchmark's own protocol (benchmarks/accuracy.py: polygon-grouped buffered spatial CV, the same
# folds and seeds for every candidate, Random Forest on exactly the same pixels). Results and reading:
# scripts/model_selection.md. ~10-40 min per round on 2 shared cores.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
export GLIBC_TUNABLES=${GLIBC_TUNABLES:-glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=4294967296:glibc.malloc.top_pad=268435456}
OUT=${OUT:-/tmp/lcx_model_selection}
mkdir -p "$OUT"
DROP='"date_dropout":0.2,"band_dropout":0.05'
round() { local name=$1 conditions=$2; shift 2; "$PY" benchmarks/accuracy.py --seeds 2 --folds 3 \
  --conditions "$conditions" --out "$OUT/$name.json" "$@"; }

# 1: the MLP, class weighting, observation dropout, a 5-seed ensemble
round round1 no_masking --models random_forest,mlp,mlp_nw,mlp_drop,mlp_ens5_drop \
  --extra-config 'mlp={"arch":"mlp","band_attention":false,"n_members":1,"date_dropout":0,"band_dropout":0,"early_stopping":"macro_f1"}' \
  --extra-config 'mlp_nw={"arch":"mlp","band_attention":false,"n_members":1,"date_dropout":0,"band_dropout":0,"early_stopping":"macro_f1","class_weighting":"none"}' \
  --extra-config "mlp_drop={\"arch\":\"mlp\",\"band_attention\":false,\"n_members\":1,$DROP,\"early_stopping\":\"macro_f1\"}" \
  --extra-config "mlp_ens5_drop={\"arch\":\"mlp\",\"band_attention\":false,\"n_members\":5,$DROP,\"early_stopping\":\"macro_f1\"}"
# 3: SE band gate and stronger regularisation, under cloud masking
round round3 cloud_masked --models random_forest,mlp_ens5_drop,mlp_ens5_gate_drop,mlp_ens5_reg \
  --extra-config "mlp_ens5_drop={\"arch\":\"mlp\",\"band_attention\":false,\"n_members\":5,$DROP,\"early_stopping\":\"macro_f1\"}" \
  --extra-config "mlp_ens5_gate_drop={\"arch\":\"mlp\",\"band_attention\":true,\"n_members\":5,$DROP,\"early_stopping\":\"macro_f1\"}" \
  --extra-config "mlp_ens5_reg={\"arch\":\"mlp\",\"band_attention\":false,\"n_members\":5,$DROP,\"early_stopping\":\"macro_f1\",\"mixup_alpha\":0.2,\"dropout\":0.5,\"weight_decay\":0.001}"
# 4: early stopping on the validation loss, one model vs the 5-seed ensemble (the chosen default)
round round4 cloud_masked,no_masking --models random_forest,gate_drop_loss,ens5_gate_drop_loss \
  --extra-config "gate_drop_loss={\"arch\":\"mlp\",\"band_attention\":true,\"n_members\":1,$DROP,\"early_stopping\":\"loss\"}" \
  --extra-config "ens5_gate_drop_loss={\"arch\":\"mlp\",\"band_attention\":true,\"n_members\":5,$DROP,\"early_stopping\":\"loss\"}"
