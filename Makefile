# Two entry points (see README): `make demo` and `make test`.
# Each creates or reuses the local virtual environment in .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export MLFLOW_DISABLE_TELEMETRY := true

# The locked dependency sets (requirements/*.lock, hashes included): dev.lock is everything
# make, the tests and CI use; serve.lock is the API's runtime set without torch (the container's
# and the wheel check's), export.lock the same plus torch, which only the container's build uses
# to export the sentence encoder to ONNX (see the Dockerfile).
DEV_LOCK := requirements/dev.lock
SERVE_LOCK := requirements/serve.lock
# Where the torch CPU wheel comes from when locking: pip's find-links on these machines,
# PyTorch's CPU wheel page elsewhere (uv does not read pip's configuration).
TORCH_FIND_LINKS ?= $(or $(shell pip config get global.find-links 2>/dev/null),https://download.pytorch.org/whl/cpu/torch/)
LOCK_FLAGS := --quiet --python-version 3.11 --generate-hashes --no-annotate --custom-compile-command "make lock"

.PHONY: demo test browser venv lint lock bench clean

$(STAMP): pyproject.toml $(DEV_LOCK)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r $(DEV_LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

# Re-resolve the locks after editing pyproject.toml: pins already in a lock are kept unless
# `make lock UPGRADE=--upgrade`. tests/test_packaging.py checks the locks satisfy pyproject.
lock: $(STAMP)
	$(BIN)/uv pip compile pyproject.toml --extra dev $(LOCK_FLAGS) $(UPGRADE) \
	  --find-links $(TORCH_FIND_LINKS) -o $(DEV_LOCK)
	$(BIN)/uv pip compile pyproject.toml --extra serve --extra postgres $(LOCK_FLAGS) $(UPGRADE) \
	  -c $(DEV_LOCK) -o $(SERVE_LOCK)
	$(BIN)/uv pip compile pyproject.toml --extra serve --extra postgres --extra train $(LOCK_FLAGS) \
	  $(UPGRADE) --find-links $(TORCH_FIND_LINKS) -c $(DEV_LOCK) -o requirements/export.lock

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/platsa demo

test: $(STAMP) browser
	$(BIN)/python -m pytest -q

# The web pages' end-to-end tests drive Debian's Chromium: installed here when missing (as
# root); otherwise those tests skip and say so. Their accessibility checks load axe-core
# (npm) into each page: installed into $(AXE_DIR) when npm is there, else they skip.
AXE_DIR := var/axe
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    { DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || \
	    echo "installing chromium failed: the browser tests will skip"; \
	  else echo "chromium is not installed and this is not root: the browser tests will skip"; fi; }
	@if command -v npm >/dev/null 2>&1; then \
	  test -f $(AXE_DIR)/node_modules/axe-core/axe.min.js || \
	  npm install --silent --no-audit --no-fund --prefix $(AXE_DIR) axe-core@4 >/dev/null || \
	  echo "installing axe-core failed: the accessibility checks will skip"; \
	else echo "npm is not installed: the accessibility checks (axe-core) will skip"; fi

lint: $(STAMP)
	$(BIN)/ruff check matcher models training serving platsa synth tests benchmarks
	$(BIN)/hadolint Dockerfile
	PLATSA_DB_PASSWORD=lint $(BIN)/docker-compose -f compose.yaml config --quiet  # compose.yaml needs one

clean:
	rm -rf var .pytest_cache .hypothesis build dist
