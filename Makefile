# carbon-kepler — quick start: `make demo`, then `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: setup demo test lint format demo-data bench clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

demo: setup ## per-namespace and per-workload energy of the bundled demo week (no cluster needed)
	$(BIN)/carbon-kepler energy --source demo --by namespace
	$(BIN)/carbon-kepler energy --source demo --by workload --limit 15
	$(BIN)/carbon-kepler assess --source demo --org-config examples/demo-org.yaml

test: setup lint ## unit + integration tests (integration needs Debian's prometheus; CI installs it)
	$(BIN)/pytest

lint: setup
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts
	$(BIN)/mypy
	$(BIN)/lint-imports

format: setup
	$(BIN)/ruff format src tests benchmarks scripts
	$(BIN)/ruff check --fix src tests benchmarks scripts

demo-data: setup ## rebuild the packaged demo store through the real collector code path
	$(BIN)/python scripts/build_demo_store.py

bench: setup ## rerun the benchmarks that produce BENCHMARKS.md
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
