# cchc_survey: two commands on a fresh machine with only python3 — `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
NB_STAMP := $(VENV)/.notebooks-stamp

.PHONY: demo test lint typecheck unit browser bench goldens notebooks clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/cchc-survey demo

lint: $(STAMP)
	$(BIN)/ruff check cchc_survey tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

# The HTML report test drives a headless Chromium (Debian's package). As root with apt-get it is
# installed here (as .ci/run does); otherwise make stops at once with the one command to run.
browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing chromium for the HTML report test (apt-get) ..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "make test needs Chromium for the HTML report test. Run: sudo apt-get install -y chromium"; \
	    exit 1; \
	  fi; }

unit: $(STAMP) browser
	$(BIN)/pytest

test: lint typecheck unit

# Saved expected outputs (tests/fixtures/goldens): write them again after an intended change,
# then review `git diff tests/fixtures/goldens` like code.
goldens: $(STAMP)
	CCHC_UPDATE_GOLDENS=1 $(BIN)/pytest -q tests/test_checks.py tests/test_generate.py

$(NB_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,notebooks]'
	touch $(NB_STAMP)

# JupyterLab on the walk-through notebooks (they work on this clone's data: run `make demo` first)
notebooks: $(NB_STAMP)
	$(BIN)/jupyter lab notebooks/

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
