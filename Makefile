# SuccessHub — every install step lives here.
#   make run    install, load the demo data and serve on the embedded default (SQLite, no servers)
#   make test   install the development tools and run the whole test suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run install install-dev assets browser prometheus-stack pdf wrk nginx test lint bench clean

run: install assets pdf
	$(BIN)/successhub demo
	$(BIN)/successhub serve --host $(HOST) --port $(PORT)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .

install-dev: $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"

# htmx and ECharts come from the npm registry at install time; nothing third-party is committed.
assets:
	@if [ ! -d node_modules/htmx.org ] || [ package.json -nt node_modules/.package-lock.json ]; then \
		npm install --no-audit --no-fund --loglevel=error; fi

# Browser tests drive Debian's Chromium through Playwright; no browser is downloaded.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
		|| echo "chromium could not be installed: browser tests will be skipped"; }

# Public-cloud ops monitoring: Debian's Prometheus, blackbox exporter and Alertmanager. Tests start them on
# loopback with their own configs (tests/ops/stack.py); nothing here starts a service. Without them the
# integration test is skipped and the embedded default probes tenants itself.
PROMETHEUS_PACKAGES := prometheus prometheus-blackbox-exporter prometheus-alertmanager
prometheus-stack:
	@if ! command -v prometheus >/dev/null 2>&1 || ! command -v prometheus-blackbox-exporter >/dev/null 2>&1 \
		|| ! command -v prometheus-alertmanager >/dev/null 2>&1; then \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			$(PROMETHEUS_PACKAGES) >/dev/null) \
		|| echo "the Prometheus stack could not be installed: its integration test will be skipped"; fi

# PDF reports (WeasyPrint) need Pango and a CJK font: Debian's fonts-noto-cjk, embedded into each PDF.
pdf:
	@{ dpkg -s fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 >/dev/null 2>&1; } || { \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 poppler-utils >/dev/null) \
		|| echo "fonts-noto-cjk/pango could not be installed: PDF reports will be refused and their tests skipped"; }

test: install-dev assets browser prometheus-stack pdf
	$(BIN)/ruff check src tests bench
	$(BIN)/pytest -n 2 --dist loadfile

lint: install-dev
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

# bench/tickets.py drives the server with wrk (Debian's package), a C load generator.
wrk:
	@command -v wrk >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }

# bench/downloads.py measures the production path through nginx (X-Accel-Redirect), Debian's package.
nginx:
	@command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null; }

bench: install-dev wrk nginx prometheus-stack
	for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) node_modules staticfiles var
