# seqcast: `make run` starts the service on the embedded default; `make test` runs the suite.
# Both create .venv and install what is missing first.
#
# GPU machine: make install TORCH="torch==2.13.0" ORT=gpu   (onnxruntime-gpu instead of onnxruntime)

PYTHON ?= python3
VENV ?= .venv
TORCH ?= torch==2.13.0
ORT ?= cpu
BIN := $(VENV)/bin

.PHONY: install run test lint sdk docs docs-serve clean

$(BIN)/.installed: pyproject.toml sdk/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# torch first, pinned: a bare `torch` requirement would pull a multi-GB CUDA build.
	$(BIN)/python -m pip install --quiet "$(TORCH)"
	# ...and pinned again here: without the pin in the same resolve, pip may "upgrade" the CPU
	# build to a CUDA one that also satisfies the worker extra's range (seen with pip 26).
	$(BIN)/python -m pip install --quiet -e ".[$(ORT),worker,dev]" "$(TORCH)"
	$(BIN)/python -m pip install --quiet -e sdk
	touch $@

install: $(BIN)/.installed

run: install
	$(BIN)/seqcast serve

# Two pytest workers (pytest-xdist), one test module each at a time (--dist loadfile): each worker
# is a session of its own (database, Celery queue and worker, artifact root), so the waits of one
# (training jobs, subprocesses, servers) overlap the other's work. Modules are handed out in
# collection order, which tests/conftest.py starts with the longest. TEST_WORKERS=0: serially.
TEST_WORKERS ?= 2

test: install
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

lint: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

# Regenerate the Python client (sdk/openapi.json, sdk/seqcast_client/) from the API's schema.
sdk: install
	$(BIN)/python sdk/generate.py

# The reference documentation (mkdocs.yml, docs/): built into site/, --strict as in the suite.
docs: install
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

docs-serve: install
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs serve --dev-addr 127.0.0.1:8001

clean:
	rm -rf $(VENV) .seqcast .pytest_cache .ruff_cache site
