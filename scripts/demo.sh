#!/usr/bin/env bash
# `make demo`: classify + explain the bundled real Sentinel-2 sample with the bundled model.
# Writes demo-output/ and says where everything is; with a display, opens QGIS with the layers.
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
PY="${1:?python of the venv}"
OUT="$REPO/demo-output"
SAMPLE="$REPO/land_cover_xai_plugin/sample_data"
MODEL="$SAMPLE/sample_model.lcx"
cd "$REPO"
rm -rf "$OUT"
echo "Land Cover XAI demo: the real Sentinel-2 sample (Slovenia, 5 dates x 13 bands) with the bundled model."
"$PY" -m land_cover_xai_plugin explain \
  --stack "$SAMPLE/s2_l1c_stack.tif" --model "$MODEL" --out-dir "$OUT" \
  --method gradcam --method attention --method probabilities
echo
echo "Outputs (each GeoTIFF has a .qml style beside it): $OUT"
if [ -n "${DISPLAY:-}" ] && [ -z "${CI:-}" ] && command -v qgis >/dev/null; then
  echo "Opening QGIS with the plugin and the demo layers ..."
  LCX_DEMO_DIR="$OUT" LCX_DEMO_MODEL="$MODEL" LCX_USE_DISPLAY=1 \
    bash "$REPO/scripts/desktop.sh" "$PY" --code "$REPO/scripts/open_demo_layers.py"
else
  echo "No display here: 'make desktop' opens QGIS with the plugin; add the files above as layers"
  echo "(their styles load with them), or run 'DISPLAY=:0 make demo' on a desktop."
fi
