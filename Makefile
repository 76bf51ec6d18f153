# Quick start:  ROADMAP_PASSWORD='<a passphrase>' make site    then    make test
# Everything runs from a project-local virtualenv (.venv) created on first use.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# axe-core, the accessibility checker the browser tests run inside pages: from npm, pinned.
AXE_VERSION := 4.14.1
AXE := .cache/axe-$(AXE_VERSION)/node_modules/axe-core/axe.min.js
export AXE_CORE_JS := $(abspath $(AXE))
export NO_MKDOCS_2_WARNING := 1

.PHONY: setup site public internal check serve serve-internal test test-engines lint format browser axe screenshots clean schemas

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,properdocs]'
	touch $(STAMP)

setup: $(STAMP)

site: $(STAMP)          ## build both sites from content/ into site/public and site/internal
	$(BIN)/roadmap build

public: $(STAMP)
	$(BIN)/roadmap build --audience public

internal: $(STAMP)
	$(BIN)/roadmap build --audience internal

check: $(STAMP)
	$(BIN)/roadmap check

# The previews' folder in memory where the machine has one: the internal preview's pages are
# plaintext, and MkDocs empties the folder and writes every page again on each save (on this
# project's CI machine, a disk with online discard, that grew a 1,000-item rebuild from 2.0 to
# 4.0 s over twelve saves; in /dev/shm it stays at 1.6-2.0 s). bench/scale.py does the same.
PREVIEW_TMP := $(shell [ -d /dev/shm ] && [ -w /dev/shm ] && echo /dev/shm)
PREVIEW := $(if $(PREVIEW_TMP),TMPDIR=$(PREVIEW_TMP) )$(BIN)/mkdocs serve

serve: $(STAMP)         ## live preview of the light site on http://127.0.0.1:8000
	$(PREVIEW) -f site_config/public.yml

serve-internal: $(STAMP) ## unencrypted preview of the internal site, loopback only
	$(PREVIEW) -f site_config/internal.yml -a 127.0.0.1:8001

browser:                ## Debian's Chromium for the browser tests (Playwright drives it)
	@command -v chromium >/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  export DEBIAN_FRONTEND=noninteractive; \
	  $$SUDO apt-get install -y -qq chromium >/dev/null 2>&1 || \
	  { $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium; }; }

$(AXE):
	npm install --silent --no-audit --no-fund --no-save --prefix .cache/axe-$(AXE_VERSION) axe-core@$(AXE_VERSION)

axe: $(AXE)             ## axe-core for the accessibility tests (npm, into .cache/)

lint: $(STAMP)
	$(BIN)/ruff check plugins tests bench
	$(BIN)/ruff format --check plugins tests bench

format: $(STAMP)
	$(BIN)/ruff format plugins tests bench
	$(BIN)/ruff check --fix plugins tests bench

test: $(STAMP) browser axe lint   ## the whole suite: lint, unit, build and browser tests
	$(BIN)/python -m pytest

test-engines: $(STAMP) browser  ## the same leak, canary and unlock checks built with ProperDocs
	$(BIN)/python -m pytest -m engines

screenshots: $(STAMP) browser  ## regenerate the README's screenshots in .github/screenshots/
	$(BIN)/python tests/screenshots.py

clean:
	rm -rf site .pytest_cache .cache

schemas: $(STAMP)       ## regenerate schemas/item.schema.json from the field declaration
	$(BIN)/python -c "from roadmap.authoring import SCHEMA_FILE, schema_text; SCHEMA_FILE.write_text(schema_text())"
