#!/usr/bin/env bash
# `make demo`: classify + explain the bundled real Sentinel-2 sample with the bundled model.
# Writes demo-output/ (LCX_DEMO_OUT to write elsewhere) and says where everything is; with a display, opens QGIS
# straight into the plugin's presenter mode on those outputs and prints how long QGIS took to be ready.
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
PY="${1:?python of the venv}"
OUT="${LCX_DEMO_OUT:-$REPO/demo-output}"
SAMPLE="$REPO/land_cover_xai_plugin/sample_data"
MODEL="$SAMPLE/sample_model.lcx"
cd "$REPO"
rm -rf "$OUT"
echo "Land Cover XAI demo: the real Sentinel-2 sample (Slovenia, 5 dates x 13 bands) with the bundled model."
# occlusion_dates: the per-date explanation the presenter shows (it passes its quality check, see make bench-xai)
"$PY" -m land_cover_xai_plugin explain \
  --stack "$SAMPLE/s2_l1c_stack.tif" --model "$MODEL" --out-dir "$OUT" \
  --method gradcam --method attention --method occlusion_dates --method probabilities
echo
echo "Outputs (each GeoTIFF has a .qml style beside it): $OUT"
if [ -n "${DISPLAY:-}" ] && [ -z "${CI:-}" ] && command -v qgis >/dev/null; then
  echo "Opening QGIS in presenter mode (Esc or the 'Operator' corner leaves it) ..."
  TIMING="$(mktemp /tmp/lcx-demo-timing.XXXXXX)"
  # the startup script writes one line once the presenter has drawn its map: print it while QGIS runs
  ( for _ in $(seq 240); do if [ -s "$TIMING" ]; then cat "$TIMING"; break; fi; sleep 0.25; done ) &
  WATCH=$!
  LCX_DEMO_DIR="$OUT" LCX_DEMO_TIMING="$TIMING" LCX_QGIS_T0="$(date +%s.%N)" LCX_USE_DISPLAY=1 \
    bash "$REPO/scripts/desktop.sh" "$PY" --code "$REPO/scripts/open_presenter.py"
  kill "$WATCH" 2>/dev/null || true
  rm -f "$TIMING"
else
  echo "No display here: 'make desktop' opens QGIS with the plugin; add the files above as layers"
  echo "(their styles load with them), or run 'DISPLAY=:0 make demo' on a desktop (it opens presenter mode)."
fi
