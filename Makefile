# `make run` serves the API with demo data; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi

.PHONY: run test test-fast install install-dev migrate seed clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

migrate: install
	mkdir -p instance
	$(BIN)/flask db upgrade

seed: migrate
	$(BIN)/flask seed-demo

# The API, and beside it a background worker and the scheduler on the embedded broker (a SQLite
# file in instance/); Ctrl-C stops all three, and so does any of them stopping.
run: seed node_modules/.installed
	@echo "StockFlow on http://127.0.0.1:5000: dashboard at /app/ (admin@demo.stockflow.local / stockflow-demo), Swagger UI at /docs; worker and scheduler beside it"
	@trap 'kill $$(jobs -p) 2>/dev/null; wait' INT TERM EXIT; \
	$(BIN)/flask worker --concurrency 4 & \
	$(BIN)/flask scheduler & \
	$(BIN)/gunicorn wsgi:app & \
	wait -n

# npm installs what package-lock.json pins: the Swagger UI and the chart library that /docs and
# the dashboard serve, and newman, which runs the Postman collection in tests/e2e.
node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm (Node.js 18 or newer) is needed: it installs the pages' front-end packages" >&2; exit 1; }
	npm ci --no-audit --no-fund
	touch $@

test: install-dev node_modules/.installed
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The inner loop: SQLite only, without the end-to-end, contract and slow tests.
test-fast: install-dev node_modules/.installed
	env -u MYSQL_TEST_URL -u REQUIRE_MYSQL $(BIN)/python -m pytest -m "not e2e and not slow" $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) node_modules .pytest_cache .hypothesis
