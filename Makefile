# Sillok: `make demo` runs it, `make test` tests it. Both start from a fresh machine.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Django 6 needs Python 3.12 or newer; take the first one this machine has.
PYTHON ?= $(shell scripts/find-python)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export SILLOK_HOME ?= $(CURDIR)/var

.PHONY: help setup system-packages demo serve test test-sqlite test-postgres lint bench clean

help:
	@echo "make demo   set up, initialise ./var with demo data and users, serve on http://127.0.0.1:8000"
	@echo "make test   set up and run the whole suite on SQLite and on PostgreSQL"
	@echo "make setup  install system packages and the virtual environment (idempotent)"
	@echo "make bench  run the benchmarks in bench/"

setup: system-packages $(STAMP) sillok/locale/ko/LC_MESSAGES/django.mo

system-packages:
	@scripts/setup-system

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "No Python >= 3.12 found (set PYTHON=...)"; exit 2; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,transcribe]'
	touch $(STAMP)

sillok/locale/ko/LC_MESSAGES/django.mo: sillok/locale/ko/LC_MESSAGES/django.po
	msgfmt --check -o $@ $<

demo: setup
	$(BIN)/sillok init
	$(BIN)/sillok demo
	@# Synthetic (fictional) testimonies, persons, events, acts and links in Korean and English.
	$(BIN)/python -m bench.synthetic demo
	@# A worker beside the server makes the derivatives (text, OCR, transcripts, previews).
	$(BIN)/sillok worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/sillok serve --host 127.0.0.1 --port 8000

lint: setup
	$(BIN)/ruff check sillok tests bench

# The two backends run side by side (each pytest process is single-threaded, so on two cores
# this halves the wall time); each keeps its own SILLOK_HOME and prints its output when done.
test: setup lint
	@scripts/ensure-postgres
	$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgres

test-sqlite:
	SILLOK_HOME=$(CURDIR)/var/test-sqlite $(BIN)/python -m pytest -q

test-postgres:
	@scripts/ensure-postgres
	SILLOK_HOME=$(CURDIR)/var/test-postgres \
	SILLOK_DATABASE_URL=$${SILLOK_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres} \
	SILLOK_TEST_DATABASE_NAME=sillok_test_$$$$ \
	$(BIN)/python -m pytest -q -p no:cacheprovider

bench: setup
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
