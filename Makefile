# 血费减免 platform. The two commands: `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test install contracts bench lint lock clean

$(STAMP): pyproject.toml constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

## Start the whole system: embedded PostgreSQL (or DATABASE_URL), services, gateway on PORT (8000).
run: $(STAMP)
	$(PY) -m stack run

## The whole suite on a throwaway embedded PostgreSQL: unit, service, end-to-end.
test: $(STAMP)
	$(PY) -m pytest

## Rewrite the OpenAPI snapshots in contracts/openapi/ after an interface change.
contracts: $(STAMP)
	$(PY) -m stack contracts

bench: $(STAMP)
	$(PY) -m bench

lint: $(STAMP)
	$(PY) -m ruff check .
	$(VENV)/bin/lint-imports

## Refresh constraints.txt (the lock) from a fresh resolve of pyproject.toml.
lock:
	rm -rf .lockenv && $(PYTHON) -m venv .lockenv
	.lockenv/bin/pip install --quiet -e '.[dev]'
	.lockenv/bin/pip freeze --exclude-editable | grep -v '^-e' > constraints.txt
	rm -rf .lockenv

clean:
	rm -rf $(VENV) .pytest_cache
