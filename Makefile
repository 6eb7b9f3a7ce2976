# The one entry point for people and CI. `make serve` and `make test` work on a fresh machine
# with only Python 3.11+ (and, for the browser tests, Debian's chromium: see .ci/ensure-services).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: serve test lint typecheck unit bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# With the IoT sample product, so that the STS guide's sixth step has a service to call.
serve: $(STAMP)
	$(BIN)/ramsts serve --demo-products

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

# Many tests wait on servers and browsers rather than compute, so more processes than cores pay.
TEST_PROCESSES ?= 4

unit: $(STAMP)
	bash .ci/ensure-services
	$(BIN)/pytest -n $(TEST_PROCESSES) --cov --cov-report=term $(PYTEST_ARGS)

test: lint typecheck unit

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	$(BIN)/python bench/policy_bench.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .coverage .coverage.* var
