# 血费减免 platform. The two commands: `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run run-pair test test-calendar install contracts bench lint lock clean browser-deps faketime-deps

$(STAMP): pyproject.toml constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

## Start the whole system: embedded PostgreSQL (or DATABASE_URL), services, gateway on PORT (8000).
run: $(STAMP)
	$(PY) -m stack run

## Two platforms on one machine, partners of each other: Beijing on PORT, Zhejiang on PORT+100
## (each its own embedded PostgreSQL under DATA_DIR, default ./var-pair); keys exchanged for the demo.
run-pair: $(STAMP)
	$(PY) -m stack run-pair

## Chromium for tests/browser: Debian's package; installed when root, otherwise say how.
browser-deps:
	@if [ -n "$$CHROMIUM_PATH" ] || command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium fonts-noto-cjk; \
	else \
		echo "✗ the browser tests need Chromium: sudo apt-get update && sudo apt-get install -y chromium fonts-noto-cjk (or set CHROMIUM_PATH)" >&2; exit 1; \
	fi

## The whole suite on a throwaway embedded PostgreSQL: unit, service, end-to-end, then the browser
## tests in their own run (Playwright's sync API and pytest-asyncio's loop cannot share a process).
## On every CPU (at most 4: each worker has its own PostgreSQL and real processes); a module's tests
## stay together on one worker (they may share real processes). TEST_WORKERS=0: one process.
TEST_WORKERS ?= auto
XDIST := -n $(TEST_WORKERS) --maxprocesses 4 --dist loadscope

test: $(STAMP) browser-deps faketime-deps
	$(PY) -m pytest --ignore=tests/browser $(XDIST)
	$(PY) -m pytest tests/browser -p no:asyncio

## libfaketime for test-calendar and the end-to-end money test that runs the platform on last month's
## dates (tests/e2e/clock.py): Debian's package; installed when root, otherwise say how.
faketime-deps:
	@if ls /usr/lib/*/faketime/libfaketime.so.1 >/dev/null 2>&1; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends faketime; \
	else \
		echo "✗ test-calendar needs libfaketime: sudo apt-get update && sudo apt-get install -y faketime" >&2; exit 1; \
	fi

## The suite (browser tests aside) with every process's clock moved to each of DATES (not part of `make test`).
DATES ?= 2026-12-31 2027-01-04 2028-02-29 2028-10-02
test-calendar: $(STAMP) faketime-deps
	$(PY) -m tests.on_other_dates $(DATES)

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
