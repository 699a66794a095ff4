# The two commands of the README: `make demo` and `make test`. Each installs what it needs itself.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.grappe-installed
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: demo test install bytecode browser lint format messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Python writes no bytecode cache where PYTHONDONTWRITEBYTECODE is set (these machines set it): every process
# would then compile Grappe's modules again (0.4 s of each command's and test worker's start). compileall writes
# it anyway, and skips what is up to date.
bytecode: install
	$(BIN)/python -m compileall -q -j 0 src

# Browser tests drive Debian's Chromium (Playwright cannot download its own browsers offline).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installation de Chromium (Debian)…"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

# `grappe demo` serves the web pages and runs `grappe worker` (the background tasks) beside them; Ctrl+C stops both.
demo: bytecode
	$(BIN)/grappe demo --host $(HOST) --port $(PORT)

test: bytecode browser
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

# Types: the pure cores and the services (where the rules live) are checked in CI.
TYPED := src/grappe/france src/grappe/linkage src/grappe/registry/insights.py $(wildcard src/grappe/*/services.py) \
	$(addprefix src/grappe/mergers/,access.py plan.py review.py projections.py apply.py undo.py) \
	$(addprefix src/grappe/core/,audit.py deployment.py exports.py locks.py middleware.py dependents.py) \
	$(addprefix src/grappe/governance/,rules.py schema.py selectors.py apportionment.py assembly_rules.py \
	procedure_rules.py procedure.py)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy $(TYPED)

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The English catalog: extract the French messages, then (once translated) compile it. Needs gettext (msgfmt).
messages: install
	cd src/grappe && GRAPPE_DATA_DIR=$$(mktemp -d) DJANGO_SETTINGS_MODULE=grappe.settings \
	  $(abspath $(BIN))/django-admin makemessages -l en --no-obsolete && \
	  GRAPPE_DATA_DIR=$$(mktemp -d) DJANGO_SETTINGS_MODULE=grappe.settings $(abspath $(BIN))/django-admin compilemessages -l en

clean:
	rm -rf $(VENV) var .pytest_cache
