# The README's two commands: `make run` (serve all towns) and `make test` (the whole suite).
PYTHON ?= python3
VENV ?= .venv
PORT ?= 5000
# The XBezahldienste simulator that `make run` starts beside the app (development only).
PAYMENT_SIMULATOR_PORT ?= 5050
FLASK := FLASK_APP=wsgi.py $(VENV)/bin/flask
# Links in mails written outside a request (demo data, jobs) carry the development server's port.
SERVE := AMTSWEG_EXTERNAL_PORT=$(PORT) $(FLASK)
TRANSLATIONS := platform/amtsweg/translations

.PHONY: run test install assets translations translations-update database demo lint bench tour

# Towns with the SAML citizen login use the local BundID / Mein Unternehmenskonto simulator, every
# town's online payment goes to the XBezahldienste simulator (AMTSWEG_PAYMENT_SIMULATOR_URL, refused
# in production); both run in the background while the app runs and are stopped with it.
SAML_SIMULATOR_PORT ?= 5001
SAML_SIMULATOR_DIR := instance/saml-simulator
SAML_SIMULATOR := $(VENV)/bin/python -m simulators.saml_idp

run: install assets database demo
	@$(FLASK) tenants urls --port $(PORT)
	@$(FLASK) saml keys
	@$(FLASK) saml metadata --port $(PORT) --out $(SAML_SIMULATOR_DIR)/sp
	@echo "Citizen login with the BundID simulator: e.g. http://neu-anspach.localhost:$(PORT)/buergerkonto/"
	@echo "XBezahldienste simulator (payments): http://127.0.0.1:$(PAYMENT_SIMULATOR_PORT)/"
	@settings="$$($(SAML_SIMULATOR) settings --port $(SAML_SIMULATOR_PORT) --data-dir $(SAML_SIMULATOR_DIR))" || exit 1; \
	$(SAML_SIMULATOR) serve --port $(SAML_SIMULATOR_PORT) --data-dir $(SAML_SIMULATOR_DIR) --exit-with-parent & \
	saml_simulator=$$!; \
	$(VENV)/bin/python -m simulators.xbezahldienste --demo --port $(PAYMENT_SIMULATOR_PORT) & \
	payment_simulator=$$!; \
	trap 'kill $$saml_simulator $$payment_simulator 2>/dev/null' EXIT INT TERM; \
	env $$settings AMTSWEG_PAYMENT_SIMULATOR_URL=http://127.0.0.1:$(PAYMENT_SIMULATOR_PORT) $(SERVE) run --host 127.0.0.1 --port $(PORT)

# The suite on SQLite (the embedded database of `make run`), then on PostgreSQL (production's, the app
# role under row-level security) for every test whose app uses the test database; both always run.
test: install assets
	@if [ -f tests/support/oidc/package.json ]; then npm ci --no-audit --no-fund --prefix tests/support/oidc; fi
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy
	@status=0; for database in sqlite postgresql; do \
		echo "AMTSWEG_TEST_DATABASE=$$database $(VENV)/bin/pytest"; \
		AMTSWEG_TEST_DATABASE=$$database $(VENV)/bin/pytest; result=$$?; \
		if [ $$result -eq 5 ]; then echo "no tests collected"; elif [ $$result -ne 0 ]; then status=$$result; fi; \
	done; exit $$status

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

# Every page of every role in every state, in German and English at desktop and phone width: serves
# the demo like `make run` (in a folder of its own), writes screenshots and the PDFs' pages with an
# index.html to instance/tour/ and prints what the checks found (status 1 on a finding that
# tour/known.py does not list).
tour: install assets
	$(VENV)/bin/python -m tour
