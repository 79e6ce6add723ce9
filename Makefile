# Two commands on a fresh machine with only Python 3.11+ and make:
#   make run    creates .venv if missing, installs, runs a full refresh (offline falls back to
#               the bundled recorded responses)
#   make test   creates .venv if missing, runs the whole suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

# Absolute, so that `ledger refresh` runs and `make ui` share one Dagster instance.
export DAGSTER_HOME := $(CURDIR)
export LEDGER_DAGSTER_STORAGE := $(CURDIR)/.dagster

.PHONY: run test ui install benchmark clean-data

run: $(STAMP)
	$(BIN)/ledger refresh

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadfile

ui: $(STAMP)
	$(BIN)/dagster dev -m pipeline.definitions -h 127.0.0.1 -p $${PORT:-3000}

install: $(STAMP)

benchmark: $(STAMP)
	$(BIN)/python perf/bench_refresh.py

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	$(BIN)/python -m pipeline.app.setup_browser
	touch $(STAMP)

# Removes generated data only (warehouse database, raw archive, exports, Dagster storage).
clean-data:
	rm -rf warehouse/*.duckdb warehouse/*.duckdb.wal warehouse/raw warehouse/staging .dagster
	find exports -mindepth 1 ! -name README.md -delete
