#!/usr/bin/env bash
# `make demo`: classify + explain the bundled real Sentinel-2 sample with the bundled model.
# Writes demo-output/ and says where everything is; with a display, opens QGIS with the layers.
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
PY="${1:?python of the venv}"
OUT="$REPO/demo-output"
SAMPLE="$REPO/land_cover_xai_plugin/sample_data"
cd "$REPO"
"$PY" -m land_cover_xai_plugin explain \
  --stack "$SAMPLE/s2_l1c_stack.tif" --model "$SAMPLE/sample_model.lcx" --out-dir "$OUT" \
  --method gradcam --method attention --method probabilities --project "$OUT/demo.qgs"
if [ -n "${DISPLAY:-}" ] && [ -z "${CI:-}" ] && command -v qgis >/dev/null; then
  echo "Opening QGIS with the plugin and the demo layers ..."
  LCX_USE_DISPLAY=1 bash "$REPO/scripts/desktop.sh" "$PY" "$OUT/demo.qgs"
else
  echo "No display: open $OUT/demo.qgs in QGIS to see the layers (or run 'make desktop')."
fi
