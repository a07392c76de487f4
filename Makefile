# Linli: `make run` serves the demo on a bare machine, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME := $(VENV)/.runtime-installed
DEV := $(VENV)/.dev-installed
CATALOGS := $(patsubst %.po,%.mo,$(wildcard translations/*/LC_MESSAGES/messages.po))
FLASK := $(BIN)/flask --app app
PORT ?= 5000

.PHONY: run test lint bench profile worker migrate seed translations extract-messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(RUNTIME): requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(DEV): requirements.txt requirements-dev.txt $(RUNTIME)
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po $(RUNTIME)
	$(BIN)/pybabel compile -f -i $< -o $@

translations: $(CATALOGS)

extract-messages: $(RUNTIME)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k N_ --ignore-dirs=".venv tests" --no-location -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations

migrate: $(RUNTIME)
	$(BIN)/alembic upgrade head

# The compiled catalogues first: the demo is seeded, and then served, in the reader's language.
seed: translations migrate
	$(FLASK) seed-demo

# The embedded default: SQLite under instance/, jobs in-process, on http://127.0.0.1:$(PORT) (5000)
run: $(RUNTIME) translations seed
	$(FLASK) serve --host 127.0.0.1 --port $(PORT)

worker: $(RUNTIME) translations
	$(FLASK) worker

# The console's browser tests drive Debian's chromium (Playwright's own download is not reachable here),
# with a Chinese font for the screenshots.
CHROMIUM ?= /usr/bin/chromium

$(CHROMIUM):
	-apt-get install -y --no-install-recommends chromium fonts-wqy-zenhei || \
		(apt-get update && apt-get install -y --no-install-recommends chromium fonts-wqy-zenhei)

test: $(DEV) translations $(CHROMIUM)
	$(BIN)/pytest -n 2 --dist loadgroup -q -p no:cacheprovider

lint: $(DEV)
	$(BIN)/ruff check .

bench: $(DEV) translations
	$(BIN)/python -m bench.run

# Where each benchmarked request spends its time (pyinstrument), in-process on the bench's data.
profile: $(DEV) translations
	$(BIN)/python -m bench.profile

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache
