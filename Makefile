# Two commands set everything up on a fresh machine with Python 3.11+: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat requirements-dev.txt pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: run test test-citus bench-citus lint bench install clean-data validate-rubrics browser

$(STAMP): requirements-dev.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11+ is needed, found " + sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@rm -f $(VENV)/.installed-*
	@touch $@

install: $(STAMP)

run: $(STAMP)
	$(BIN)/python -m service dev

test: $(STAMP) browser
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The suite on a Citus cluster on loopback (docs/scale-out.md): the extension is built from the source
# tarball CITUS_SOURCE when PostgreSQL does not have it.
test-citus: $(STAMP) browser
	CITUS_SOURCE="$(CITUS_SOURCE)" PYTHON=$(BIN)/python bash tests/citus/run.sh test $(PYTEST_ARGS)

# Scorecard PUT on the same cluster, beside plain PostgreSQL (PLAIN_DATABASE_URL, else embedded) and the
# bare handler (bench/README.md).
bench-citus: $(STAMP)
	CITUS_SOURCE="$(CITUS_SOURCE)" PYTHON=$(BIN)/python bash tests/citus/run.sh bench

# The docs page is checked in headless Chromium: Debian's, installed here when missing and run as root
# (elsewhere install it yourself; without it those tests are skipped, saying why).
browser:
	@command -v chromium >/dev/null 2>&1 || [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1 || \
	  { DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null 2>&1 || \
	    { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null; }; }

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)
	$(BIN)/python -m bench $(ARGS)

validate-rubrics: $(STAMP)
	$(BIN)/python -m service rubrics validate rubrics/

clean-data:
	rm -rf .data
