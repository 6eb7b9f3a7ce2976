# The one entry point for people and CI. `make serve` and `make test` work on a fresh machine
# with only Python 3.11+ (and, for the browser tests, Debian's chromium; for the Node.js SDK
# tests, node and npm; for the SAML tests' IdP, xmlsec1: see .ci/ensure-services).
# The venv is made with Python 3.12 or 3.13 where the machine has one that runs (on PATH, or
# installed by pyenv), else python3: from 3.12 coverage measures through sys.monitoring, and
# `make test` then takes about a third less CPU than on 3.11.
PYTHON ?= $(shell for p in python3.12 python3.13 \
	$$(ls -d $$HOME/.pyenv/versions/3.12*/bin/python3 $$HOME/.pyenv/versions/3.13*/bin/python3 2>/dev/null); \
	do $$p -c '' 2>/dev/null && { echo $$p; break; }; done)
PYTHON := $(or $(PYTHON),python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
NODE_DIR   := tests/node
NODE_STAMP := $(NODE_DIR)/node_modules/.installed

.PHONY: serve test lint typecheck unit bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[server,test]'
	touch $(STAMP)

# The Node.js SDKs tests/node drives, exactly as package-lock.json pins them. Without npm this
# does nothing, and those tests skip (under CI, RAMSTS_REQUIRE_NODE=1 makes them fail instead).
$(NODE_STAMP): $(NODE_DIR)/package.json $(NODE_DIR)/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		cd $(NODE_DIR) && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error && \
		touch node_modules/.installed; \
	else \
		echo "npm not found: the Node.js SDK tests (tests/node) will be skipped"; \
	fi

# With the IoT sample product, so that the STS guide's sixth step has a service to call.
serve: $(STAMP)
	$(BIN)/ramsts serve --demo-products

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

# Many tests wait on servers and browsers rather than compute, so more processes than cores pay.
# A module whose server outlives its tests is one xdist_group, so that one process starts it.
TEST_PROCESSES ?= 4

# The tests' files (SQLite databases, certificates, logs) go to memory where the machine has it:
# on disk, SQLite's fsyncs cost a test database six times what the test does with it.
TEST_TMPDIR ?= $(if $(wildcard /dev/shm/.),/dev/shm)

# Bytecode is written even where the environment says not to: each test process and each server
# the tests start would otherwise compile (and pytest rewrite) every module again.
unit: $(STAMP) $(NODE_STAMP)
	bash .ci/ensure-services
	$(if $(TEST_TMPDIR),TMPDIR=$(TEST_TMPDIR)) PYTHONDONTWRITEBYTECODE= $(BIN)/pytest -n $(TEST_PROCESSES) --dist loadgroup --cov --cov-report=term $(PYTEST_ARGS)

test: lint typecheck unit

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[server,test,bench]'
	$(BIN)/python bench/policy_bench.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .coverage .coverage.* var
	rm -rf $(NODE_DIR)/node_modules
