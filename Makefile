# The two commands a new machine needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Prometheus-style flags for `make run`, e.g. make run ARGS='--log.format=logfmt'
ARGS ?=

.PHONY: run test unit integration lint lock bench bench-fleet clean

$(BIN)/github-status-exporter: requirements-dev.lock requirements-deploy.lock setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes -r requirements-dev.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes -r requirements-deploy.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $@

run: $(BIN)/github-status-exporter
	$(BIN)/github-status-exporter $(ARGS)

test: $(BIN)/github-status-exporter lint
	$(BIN)/python -m pytest

unit: $(BIN)/github-status-exporter
	$(BIN)/python -m pytest -m "not integration"

integration: $(BIN)/github-status-exporter
	$(BIN)/python -m pytest -m integration

lint: $(BIN)/github-status-exporter
	$(BIN)/ruff check exporter tests bench
	$(BIN)/ruff format --check exporter tests bench

# Re-pin after changing dependencies in setup.cfg (needs uv: pip install uv).
lock:
	uv pip compile setup.cfg --generate-hashes --python-version 3.11 -o requirements.lock
	uv pip compile setup.cfg --extra dev --generate-hashes --python-version 3.11 -o requirements-dev.lock
	uv pip compile requirements-deploy.in --generate-hashes --python-version 3.11 -c requirements-dev.lock \
		-o requirements-deploy.lock

bench: $(BIN)/github-status-exporter
	$(BIN)/python bench/metrics_vs_nginx.py
	$(BIN)/python bench/fleet.py

# What one page refresh costs: N pages from ../shared's real captures, against a bare json.loads.
bench-fleet: $(BIN)/github-status-exporter
	$(BIN)/python bench/fleet.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
