# The README's two commands: `make run` (serve all towns) and `make test` (the whole suite).
PYTHON ?= python3
VENV ?= .venv
PORT ?= 5000
FLASK := FLASK_APP=wsgi.py $(VENV)/bin/flask
# Links in mails written outside a request (demo data, jobs) carry the development server's port.
SERVE := AMTSWEG_EXTERNAL_PORT=$(PORT) $(FLASK)
TRANSLATIONS := platform/amtsweg/translations

.PHONY: run test install assets translations translations-update database demo lint bench

run: install assets database demo
	@$(FLASK) tenants urls --port $(PORT)
	$(SERVE) run --host 127.0.0.1 --port $(PORT)

test: install assets
	@if [ -f tests/support/oidc/package.json ]; then npm ci --no-audit --no-fund --prefix tests/support/oidc; fi
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy
	$(VENV)/bin/pytest; status=$$?; if [ $$status -eq 5 ]; then echo "no tests collected"; exit 0; fi; exit $$status

install: $(VENV)/.installed

$(VENV)/.installed: setup.cfg setup.py pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[test,bench]'
	touch $@

assets: node_modules/.installed translations

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

translations: install
	$(VENV)/bin/pybabel compile -d $(TRANSLATIONS)

# Extract new German source strings into the English catalogue (for translators).
translations-update: install
	$(VENV)/bin/pybabel extract -F babel.cfg -k lazy_gettext -k _l --no-location -o $(TRANSLATIONS)/messages.pot platform/amtsweg
	$(VENV)/bin/pybabel update --no-fuzzy-matching -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS)

database: install
	$(FLASK) db upgrade heads
	$(FLASK) tenants sync
	$(FLASK) processes sync

# Demo cases and contracts in every town (idempotent; refused in production), and how to log in.
demo: database
	$(SERVE) demo seed --port $(PORT)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

bench: install assets
	$(VENV)/bin/python -m bench
