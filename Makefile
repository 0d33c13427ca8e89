# Contact-center CDR connectors: one Airbyte source per provider, their emulators and tests.
# `make demo` and `make test` work on a fresh clone: both install what they need first.
SHELL := /bin/bash
.DEFAULT_GOAL := help
ROOT := $(abspath .)
VENV := $(ROOT)/.venv
PY := $(VENV)/bin/python
RUN := cd $(ROOT) && PYTHONPATH=$(ROOT)
CONNECTORS := $(sort $(wildcard source-*))
UV := $(shell command -v uv 2>/dev/null || echo python3 -m uv)
export UV_PYTHON_DOWNLOADS := never
export DO_NOT_TRACK := 1

.PHONY: help install demo test lint format unit-test standard-test e2e-test image-context docker-build docker-test bench clean

help:
	@echo "make demo           sync every connector from its emulator into .demo/cdr.duckdb (PyAirbyte)"
	@echo "make test           lint, unit, Airbyte standard, end-to-end and Docker tests"
	@echo "make install        create .venv from uv.lock (bootstraps uv from PyPI if missing)"
	@echo "make lint | format  ruff"
	@echo "make unit-test | standard-test | e2e-test | image-context | docker-build | docker-test | bench"

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml uv.lock shared/pyproject.toml $(wildcard source-*/pyproject.toml)
	@if ! command -v uv >/dev/null 2>&1 && ! python3 -m uv --version >/dev/null 2>&1; then \
		echo "uv not found: installing it from PyPI with pip"; \
		python3 -m pip install --quiet "uv>=0.8,<0.14" \
		|| python3 -m pip install --quiet --user "uv>=0.8,<0.14" \
		|| python3 -m pip install --quiet --break-system-packages "uv>=0.8,<0.14"; \
	fi
	$(UV) sync --all-packages --frozen --compile-bytecode
	@# The workspace's own packages are installed editable: byte-compiled here, as an image has them. Every
	@# console-script start in the tests then loads bytecode instead of compiling ~600 modules, which
	@# PYTHONDONTWRITEBYTECODE (set on some machines, and in images) would otherwise redo at each start.
	$(PY) -m compileall -q shared/cdr_shared $(wildcard source-*/source_*) integration_tests >/dev/null
	@touch $@

demo: install
	$(RUN) $(PY) integration_tests/demo.py

test: install lint unit-test standard-test e2e-test docker-test

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

unit-test: install
	$(RUN) $(PY) -m pytest -q -n 2 shared/tests
	@set -e; for connector in $(CONNECTORS); do \
		echo "== $$connector unit tests"; \
		(cd $$connector && $(PY) -m pytest -q -n 2 unit_tests); \
	done
	$(RUN) $(PY) -m pytest -q integration_tests/emulators

standard-test: install
	$(RUN) $(PY) integration_tests/standard_tests.py

# The end-to-end tests spend much of their time waiting (backoffs, slow-answer faults, rate-limit
# windows, the check budget's deadline) while each console-script start is CPU-bound: four workers keep
# two cores busy where two workers leave them half idle. `E2E_WORKERS=2 make e2e-test` on a busy machine.
E2E_WORKERS ?= 4

e2e-test: install
	$(RUN) $(PY) -m pytest -q -n $(E2E_WORKERS) --durations=12 integration_tests --ignore=integration_tests/emulators

# Each connector's image build context (source-x/build/image/: pinned wheels, the cdr_shared wheel), which
# `airbyte-cdk image build source-x --dockerfile shared/docker/Dockerfile` needs; see README "Deploying".
image-context: install
	$(RUN) $(PY) shared/docker/context.py

docker-build: install
	$(RUN) $(PY) integration_tests/docker_images.py --build-only --require-docker

docker-test: install
	$(RUN) $(PY) integration_tests/docker_images.py

# Benchmark scripts (never timed tests; not part of `make test`): each variant BENCH_REPEATS times,
# alternating; the table is printed and .bench/results.json written (integration_tests/benchmarks/README.md).
BENCH_REPEATS ?= 5

bench: install
	$(RUN) $(PY) integration_tests/benchmarks/run.py --repeats $(BENCH_REPEATS)

clean:
	rm -rf .demo .venv build source-*/build source-*/.tmp source-*/secrets
