#!/usr/bin/env bash
# Opens the real QGIS desktop with the plugin enabled from this working tree.
#   scripts/desktop.sh PYTHON [--screenshot OUT.png] [--project FILE.qgs | LAYER...]
# Without a display it starts Xvfb. A throw-away QGIS profile keeps the user's own profile untouched.
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
PY="${1:?python of the venv}"; shift
SHOT=""; WAIT="${LCX_DESKTOP_WAIT:-14}"
ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --screenshot) SHOT="$2"; shift 2 ;;
    *) ARGS+=("$1"); shift ;;
  esac
done

PROFILES="$(mktemp -d /tmp/lcx-qgis-profile.XXXXXX)"
mkdir -p "$PROFILES/profiles/default/QGIS"
cat > "$PROFILES/profiles/default/QGIS/QGIS3.ini" <<INI
[PythonPlugins]
land_cover_xai_plugin=true
[qgis]
checkVersion=false
showTips=false
allowVersionCheck=false
[core]
NewsFeed\\httpsfeedqgisorg\\disabled=true
INI
if [ -n "${LCX_LOCALE:-}" ]; then  # e.g. LCX_LOCALE=fr: QGIS and the plugin in French
  printf '[locale]\noverrideFlag=true\nuserLocale=%s\n' "$LCX_LOCALE" >> "$PROFILES/profiles/default/QGIS/QGIS3.ini"
fi
# QGIS finds plugins in every folder of QGIS_PLUGINPATH; the repo root holds land_cover_xai_plugin/.
export QGIS_PLUGINPATH="${LCX_PLUGIN_PATH:-$REPO}"  # LCX_PLUGIN_PATH: e.g. an unzipped make-package zip
SITE="$("$PY" -c 'import site; print(site.getsitepackages()[0])')"
export PYTHONPATH="$SITE${PYTHONPATH:+:$PYTHONPATH}"
unset QT_QPA_PLATFORM
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp/runtime-$(id -u)}"; mkdir -p "$XDG_RUNTIME_DIR"; chmod 700 "$XDG_RUNTIME_DIR"

XVFB_PID=""
if [ -z "${DISPLAY:-}" ] || { [ -n "$SHOT" ] && [ -z "${LCX_USE_DISPLAY:-}" ]; }; then
  export DISPLAY=":${LCX_XVFB_DISPLAY:-99}"
  Xvfb "$DISPLAY" -screen 0 1600x1000x24 -nolisten tcp >/dev/null 2>&1 &
  XVFB_PID=$!
  sleep 1.5
fi
cleanup() { [ -n "${QGIS_PID:-}" ] && kill "$QGIS_PID" 2>/dev/null || true; [ -n "$XVFB_PID" ] && kill "$XVFB_PID" 2>/dev/null || true; rm -rf "$PROFILES"; }
trap cleanup EXIT

qgis --profiles-path "$PROFILES" --nologo --noversioncheck "${ARGS[@]}" >/tmp/lcx-qgis.log 2>&1 &
QGIS_PID=$!
if [ -n "$SHOT" ]; then
  sleep "$WAIT"
  mkdir -p "$(dirname "$SHOT")"
  # maximise the main window so the screenshot shows the dock at a readable size
  command -v xdotool >/dev/null && xdotool search --onlyvisible --name "QGIS" windowsize 100% 100% windowmove 0 0 2>/dev/null || true
  sleep 1
  import -window root "$SHOT"
  echo "screenshot: $SHOT"
else
  echo "QGIS is running (DISPLAY=$DISPLAY); close its window to finish."
  wait "$QGIS_PID" || true
fi
