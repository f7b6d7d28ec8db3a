# geoplan: the two commands of the README.
#   make demo  - set up (venv, packages) and run the full Hanoi analysis into maps/
#   make test  - set up (venv, packages, Debian's chromium) and run lint, types and all tests
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.geoplan-installed

.PHONY: demo test setup chromium lint clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

setup: $(STAMP)

# Browser tests use Debian's Chromium; never a downloaded browser.
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; \
	fi

demo: $(STAMP)
	$(BIN)/geoplan run analyses/hanoi-02-nq-tw.yaml --out maps/hanoi-02-nq-tw

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

# the suite on every core: one worker per core, each test file on one worker (its module
# fixtures, such as a browser or the Hà Nội run, are built once)
test: $(STAMP) chromium lint
	$(BIN)/python -m pytest -n auto --dist loadfile

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
