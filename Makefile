# Sillok: `make demo` runs it, `make test` tests it. Both start from a fresh machine.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Django 6 needs Python 3.12 or newer; take the first one this machine has.
PYTHON ?= $(shell scripts/find-python)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export SILLOK_HOME ?= $(CURDIR)/var
# Where `make demo` serves: `make demo PORT=8001` or `make demo HOST=0.0.0.0 PORT=8080`.
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: help setup system-packages demo serve test test-sqlite test-postgres lint bench mutate clean

help:
	@echo "make demo   set up, initialise ./var with demo data and users, serve on http://$(HOST):$(PORT)"
	@echo "            (choose with make demo PORT=8001 HOST=127.0.0.1)"
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

# The demo sends every audit checkpoint to a witness folder beside the repository, as a
# real installation sends them to mail, a partner's Sillok or write-once media
# (docs/custody.md, Witnesses); `sillok verify --checkpoint var-witness` checks against them.
demo: export SILLOK_CHECKPOINT_WITNESSES ?= dir:$(CURDIR)/var-witness
demo: setup
	$(BIN)/sillok init
	$(BIN)/sillok demo
	@# Synthetic (fictional) testimonies, persons, events, acts and links in Korean and English.
	$(BIN)/python -m bench.synthetic demo
	@# A worker beside the server makes the derivatives (text, OCR, transcripts, previews).
	$(BIN)/sillok worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/sillok serve --host $(HOST) --port $(PORT)

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

# Mutation testing of the permission checks (docs/security.md), configured in pyproject.toml
# [tool.mutmut]: the clearance rule, the access modules, audit-chain verification and the
# services' permission checks (check_can_*, can_*, check_allowed, ...). mutmut runs in a
# copy under var/mutate (its mutants/ folder stays out of the tree) with one child at a time:
# the forked test runs share one SQLite test database. Narrow it with MUTANTS='names*'.
MUTANTS ?= sillok.accounts.clearance.* sillok.*.access.* sillok.custody.verify.* \
	sillok.*.services.x_check_can_* sillok.*.services.x_can_* sillok.*.services.x_check_allowed* \
	sillok.*.services.x__allowed* sillok.*.services.x_is_vault_keeper* \
	sillok.records.services.x__check_reviewer* sillok.vocab.services.x__check_permission*
mutate: setup
	rm -rf var/mutate/sillok var/mutate/tests && mkdir -p var/mutate
	cp -r sillok tests pyproject.toml var/mutate/
	cd var/mutate && $(CURDIR)/$(BIN)/mutmut run --max-children 1 $(foreach m,$(MUTANTS),'$(m)'); \
		status=$$?; $(CURDIR)/$(BIN)/mutmut results; exit $$status

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
