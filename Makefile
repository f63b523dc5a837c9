# Two entry points (see README): `make demo` and `make test`.
# Each creates or reuses the local virtual environment in .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export MLFLOW_DISABLE_TELEMETRY := true

.PHONY: demo test browser venv lint bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,synth]'
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/platsa demo

test: $(STAMP) browser
	$(BIN)/python -m pytest -q

# The web pages' end-to-end tests drive Debian's Chromium: installed here when missing (as
# root); otherwise those tests skip and say so.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    { DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || \
	    echo "installing chromium failed: the browser tests will skip"; \
	  else echo "chromium is not installed and this is not root: the browser tests will skip"; fi; }

lint: $(STAMP)
	$(BIN)/ruff check matcher models training serving platsa synth tests benchmarks

clean:
	rm -rf var .pytest_cache .hypothesis
