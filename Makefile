# Two commands do all set-up on a fresh machine:
#   make run    the app on SQLite under instance/, demo data loaded, http://127.0.0.1:5000
#   make test   the linters (ruff, import-linter's layer contracts), then the whole test suite on
#               SQLite, and again on PostgreSQL when DATABASE_URL names one (then the tests
#               that touch stored files once more, with S3: make test-s3)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# The app's own packages for `make run`; the test tools (Playwright, schemathesis, moto, the
# linters) only for `make test` and the benchmarks. A stamp per pyproject.toml's content.
DEPS   := $(shell sha1sum pyproject.toml | cut -c1-12)
RUN_STAMP  := $(VENV)/.installed-run-$(DEPS)
TEST_STAMP := $(VENV)/.installed-test-$(DEPS)
export FLASK_APP := wsgi.py

# Debian packages the tests use: LibreOffice (DOCX → PDF; Calc reads the Excel exports back)
# with metric-compatible fonts,
# poppler (PDF → PNG), Chromium for the browser tests (driven by Playwright; its own browser
# download does not work here), nginx to check the deployment's site (`nginx -t`,
# tests/test_deploy.py), SoftHSM2 and OpenSC's pkcs11-tool (the organisation's seal on a
# PKCS#11 token, tests/esign), NSS's certutil (pdfsig's trust store, tests/esign), xmlsec1 (the
# independent check of the edXML packages' XML signature, tests/edxml).
# Installed once, when missing (CI machines run as root).
SYSTEM_PACKAGES := libreoffice-writer-nogui libreoffice-calc-nogui fonts-liberation2 poppler-utils \
	chromium nginx softhsm2 opensc libnss3-tools zbar-tools xmlsec1
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test lint test-postgres test-s3 install install-run system-packages run-packages bench bench-scale clean

$(RUN_STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	rm -f $(VENV)/.installed-run-* && touch $@

$(TEST_STAMP): $(RUN_STAMP)
	$(BIN)/pip install --quiet -e ".[test]"
	rm -f $(VENV)/.installed-test-* && touch $@

install-run: $(RUN_STAMP)
install: $(TEST_STAMP)

system-packages:
	@if command -v soffice >/dev/null && command -v pdftoppm >/dev/null && command -v chromium >/dev/null \
	    && test -e /usr/lib/libreoffice/program/libsclo.so \
	    && { command -v nginx || test -x /usr/sbin/nginx; } >/dev/null \
	    && command -v softhsm2-util >/dev/null && command -v pkcs11-tool >/dev/null \
	    && command -v certutil >/dev/null && command -v zbarimg >/dev/null \
	    && command -v xmlsec1 >/dev/null \
	    && fc-list | grep -q "Liberation Serif"; then :; else \
	  echo "Installing $(SYSTEM_PACKAGES) (apt-get)"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	  $(SUDO) apt-get install -y -qq --no-install-recommends $(SYSTEM_PACKAGES) >/dev/null; fi

# What the running app needs of the machine: LibreOffice prints the final papers' PDF from
# their DOCX, Liberation Serif is the PDF's form-field font (app/docgen/pdf.py).
RUN_PACKAGES := libreoffice-writer-nogui fonts-liberation2

run-packages:
	@command -v soffice >/dev/null && test -f /usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf \
	  || { echo "The final papers' PDF needs LibreOffice and Liberation Serif: install them with"; \
	       echo "  sudo apt-get install --no-install-recommends $(RUN_PACKAGES)"; exit 1; }

run: install-run run-packages
	$(BIN)/flask db upgrade
	$(BIN)/flask seed demo
	@echo "Serving on http://127.0.0.1:5000  (API description: http://127.0.0.1:5000/api/openapi.json)"
	$(BIN)/flask run --host 127.0.0.1 --port 5000

# Style and layers first: a broken layer contract fails before any test runs.
lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports

# The suite runs on every core (pytest-xdist; TEST_WORKERS=1 for one process): each worker has
# its own database (tests/conftest.py), and a test file stays on one worker, so its module
# fixtures are built once.
TEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 2); [ $$n -gt 4 ] && n=4; echo $$n)
PYTEST := $(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile

test: install system-packages lint
	env -u DATABASE_URL $(PYTEST)
	@case "$$DATABASE_URL" in postgres*) $(MAKE) --no-print-directory test-postgres \
	    && $(MAKE) --no-print-directory test-s3;; \
	  *) echo "DATABASE_URL does not name PostgreSQL: PostgreSQL run skipped.";; esac

# The browser tests ran in the SQLite pass: what they check is the pages, not the database.
test-postgres: install system-packages
	$(PYTEST) -m "not browser"

# The tests that write or read stored files (marked `storage`) again, with files in a bucket
# of a real S3 server (moto's, started by the tests on 127.0.0.1), on the DATABASE_URL given.
test-s3: install system-packages
	TDKT_TEST_STORAGE=s3 $(PYTEST) -m storage

bench: install
	$(BIN)/python bench/workflow_bench.py
	$(BIN)/python bench/docgen_bench.py

# The province ×10 on PostgreSQL under gunicorn (BENCH_DATABASE_URL, default the local
# tdkt_bench database, which it creates and rebuilds): see bench/scale_bench.py.
bench-scale: install
	$(BIN)/python bench/scale_bench.py
	$(BIN)/python bench/eligibility_bench.py
	$(BIN)/python bench/cluster_bench.py

clean:
	rm -rf $(VENV) instance/tdkt.sqlite3* .pytest_cache
