# Land Cover XAI — every target installs what it needs and is safe to run twice.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON_SYS   := /usr/bin/python3.11
VENV         := .venv
PY           := $(VENV)/bin/python
PLUGIN       := land_cover_xai_plugin
VERSION      := $(shell sed -n 's/^version=//p' metadata.txt)
DEB_CORE     := python3-qgis python3-gdal python3-venv python3-matplotlib
DEB_DESKTOP  := qgis xvfb imagemagick xdotool
SAMPLE       := $(PLUGIN)/sample_data
# glibc keeps large activation buffers mapped instead of page-faulting them on every batch
# (measured 2-6x on this CPU, see docs/PERFORMANCE.md); the engine also sets this at run time.
export GLIBC_TUNABLES ?= glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=4294967296:glibc.malloc.top_pad=268435456
export QT_QPA_PLATFORM ?= offscreen
export XDG_RUNTIME_DIR ?= /tmp/runtime-$(shell id -u)
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help setup setup-desktop test lint demo model bench package desktop screenshot clean

help:
	@echo "make demo        classify + explain the bundled Sentinel-2 sample (installs what is missing)"
	@echo "make test        lint + the test suite headless against the real QGIS (installs what is missing)"
	@echo "make lint        ruff with the project's rules (ruff.toml)"
	@echo "make model       retrain the bundled sample model (and store the explanations' verdicts in it)"
	@echo "make bench       throughput / memory benchmark -> benchmarks/results/throughput.json"
	@echo "make bench-accuracy  product models vs Random Forest, spatial CV -> benchmarks/results/accuracy.json"
	@echo "make bench-xai   explanation verdicts on held-out pixels -> benchmarks/results/xai.json (+ .md, .png)"
	@echo "make package     dist/$(PLUGIN)-$(VERSION).zip for QGIS 'Install from ZIP'"
	@echo "make desktop     open the real QGIS desktop with the plugin (Xvfb when there is no display)"
	@echo "make screenshot  the same, saving docs/screenshot.png"

# --- installation -------------------------------------------------------------------------
# Debian packages: installed only when one is missing (dpkg query takes milliseconds).
define apt_ensure
	@missing=""; for p in $(1); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
endef

$(VENV)/.installed: requirements.txt
	$(call apt_ensure,$(DEB_CORE))
	@test -x $(PY) || $(PYTHON_SYS) -m venv --system-site-packages $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt
	@touch $@

setup: $(VENV)/.installed
	$(call apt_ensure,$(DEB_CORE))

setup-desktop: setup
	$(call apt_ensure,$(DEB_DESKTOP))

# --- the two commands of the README ---------------------------------------------------------
# qgis (the desktop package) brings qgis_process, which the Processing tests drive headless.
test: setup lint
	$(call apt_ensure,qgis)
	$(PY) -m pytest -q tests

# The project's lint rules (ruff.toml); ruff pinned in requirements-dev.txt
$(VENV)/.dev-installed: $(VENV)/.installed requirements-dev.txt
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	@touch $@

lint: setup $(VENV)/.dev-installed
	$(VENV)/bin/ruff check .

demo: setup-desktop
	@bash scripts/demo.sh "$(PY)"

# --- the rest -----------------------------------------------------------------------------------
model: setup
	$(PY) -m $(PLUGIN) train --stack $(SAMPLE)/s2_l1c_stack.tif --labels $(SAMPLE)/lulc_field_polygons.gpkg \
	  --class-field LULC_ID --class-names $(SAMPLE)/classes.csv --arch mlp --epochs 60 --seed 0 \
	  --out $(SAMPLE)/sample_model.lcx --report $(SAMPLE)/sample_model_report.json --overwrite
	# the explanations' verdicts travel with the model: the dock, the layers and the pixel view show them
	$(PY) benchmarks/xai.py --store-in $(SAMPLE)/sample_model.lcx --from-json benchmarks/results/xai.json

bench: setup
	$(PY) benchmarks/throughput.py --out benchmarks/results/throughput.json

package:
	@rm -rf build/package && mkdir -p build/package dist
	@cp -rL $(PLUGIN) build/package/$(PLUGIN)
	@find build/package -name '__pycache__' -prune -exec rm -rf {} + ; find build/package \( -name '*.pyc' -o -name '*.aux.xml' -o -name '*.so' \) -delete
	@cmp -s LICENSE $(PLUGIN)/LICENSE || { echo "$(PLUGIN)/LICENSE differs from LICENSE: copy it (the plugin repository reads it in the plugin folder)"; exit 1; }
	@cd build/package && rm -f ../../dist/$(PLUGIN)-$(VERSION).zip && $(PYTHON_SYS) -m zipfile -c ../../dist/$(PLUGIN)-$(VERSION).zip $(PLUGIN)
	@size=$$(stat -c %s dist/$(PLUGIN)-$(VERSION).zip); test $$size -le 26214400 || { echo "zip is $$size bytes, over 25 MB"; exit 1; }
	@echo "dist/$(PLUGIN)-$(VERSION).zip ($$(du -h dist/$(PLUGIN)-$(VERSION).zip | cut -f1))"

desktop: setup-desktop
	@bash scripts/desktop.sh "$(PY)"

# The dock runs the bundled model on the sample with Grad-CAM; the startup script grabs the screen once the
# layers are drawn (a fixed wait was unreliable on a busy machine) and quits QGIS.
screenshot: setup-desktop
	@LCX_SHOT_SELF=$(CURDIR)/docs/screenshot.png bash scripts/desktop.sh "$(PY)" --code scripts/screenshot_classify.py

clean:
	rm -rf build dist demo-output .pytest_cache

# French translation: pylupdate5 over gui/ and processing_provider/, contexts fixed, lrelease -> .qm
.PHONY: translations
translations:
	$(call apt_ensure,pyqt5-dev-tools qttools5-dev-tools)
	$(PYTHON_SYS) $(PLUGIN)/i18n/update_translations.py

# Accuracy: product models vs Random Forest, polygon-grouped buffered spatial CV, 5 seeds (<= 25 min on 2 cores).
# scikit-learn is a benchmark-only dependency (requirements-bench.txt): the plugin never imports it.
.PHONY: bench-accuracy
$(VENV)/.bench-installed: $(VENV)/.installed requirements-bench.txt
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-bench.txt
	@touch $@

bench-accuracy: setup $(VENV)/.bench-installed
	$(PY) benchmarks/accuracy.py --out benchmarks/results/accuracy.json

# Do the explanations pass their own tests? Held-out pixels, 3 models, paired tests, verdicts (<= 20 min on 2 cores)
.PHONY: bench-xai
bench-xai: setup $(VENV)/.bench-installed
	@# quantus (development-only cross-check) without dependency resolution: see requirements-xai-dev.txt
	$(PY) -m pip install --quiet --no-deps -r requirements-xai-dev.txt || echo "quantus not installed: the benchmark records the cross-check as skipped"
	$(PY) benchmarks/xai.py --out benchmarks/results/xai.json
	$(PY) benchmarks/xai_readme.py --result benchmarks/results/xai.json
