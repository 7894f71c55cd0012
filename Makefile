# Two commands do all set-up on a fresh machine:
#   make run    the app on SQLite under instance/, demo data loaded, http://127.0.0.1:5000
#   make test   the whole test suite on SQLite, and again on PostgreSQL when DATABASE_URL names one
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
export FLASK_APP := wsgi.py

.PHONY: run test test-sqlite test-postgres install bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

run: install
	$(BIN)/flask db upgrade
	$(BIN)/flask seed demo
	@echo "Serving on http://127.0.0.1:5000  (API description: http://127.0.0.1:5000/api/openapi.json)"
	$(BIN)/flask run --host 127.0.0.1 --port 5000

test: install
	env -u DATABASE_URL $(BIN)/pytest
	@case "$$DATABASE_URL" in postgres*) $(MAKE) --no-print-directory test-postgres;; \
	  *) echo "DATABASE_URL does not name PostgreSQL: PostgreSQL run skipped.";; esac

test-postgres: install
	$(BIN)/pytest

bench: install
	$(BIN)/python bench/workflow_bench.py

clean:
	rm -rf $(VENV) instance/tdkt.sqlite3* .pytest_cache
