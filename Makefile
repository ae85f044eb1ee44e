# Two commands matter: `make run` (the app on http://localhost:8501) and `make test` (everything).
# Both build .venv from the pinned requirements on first use; the other targets are their parts.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8501

.PHONY: run test deps dev-deps system-deps lint typecheck test-unit test-storage test-app test-e2e test-image bench bench-smoke chart-bundle clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Stamp files make re-installs happen only when the requirements change.
$(VENV)/.runtime-installed: requirements.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.runtime-installed $@

deps: $(VENV)/.runtime-installed
dev-deps: $(VENV)/.dev-installed

system-deps:
	bash scripts/install-system-deps.sh

# server.py is the app (app.py) with the facilitator sign-in routes beside it, on Streamlit's own
# server (st.App): `streamlit run app.py` alone would have no sign-in form.
run: deps
	bash scripts/install-system-deps.sh run
	$(PY) -m streamlit run server.py --server.port $(PORT)

# hadolint (pinned in requirements-dev.txt) checks the Dockerfile: no container engine is needed.
lint: dev-deps
	$(VENV)/bin/ruff check --no-cache .
	$(VENV)/bin/ruff format --no-cache --check .
	$(VENV)/bin/hadolint Dockerfile

typecheck: dev-deps
	$(VENV)/bin/mypy assessment ui app.py server.py views/*.py

# The storage tier runs on SQLite and on a throwaway PostgreSQL cluster from pg_virtualenv (-t: in a
# temporary directory, so parallel runs never share a cluster);
# ICS_REQUIRE_POSTGRES makes a missing PostgreSQL a failure rather than a skip.
WITH_POSTGRES := pg_virtualenv -t -- env ICS_REQUIRE_POSTGRES=1

# The tiers without a browser run on TEST_WORKERS processes (pytest-xdist), a test file to each
# at a time (--dist loadfile: a module's fixtures are built once, and a file's tests never race
# each other for its fixed artifact paths). Each worker has its own temporary folders and default
# database (tests/conftest.py), and every PostgreSQL test its own database in the one cluster.
TEST_WORKERS ?= 2
PARALLEL := -n $(TEST_WORKERS) --dist loadfile

test-unit: dev-deps
	$(PY) -m pytest $(PARALLEL) -m "not app and not e2e" --ignore=tests/storage

test-storage: dev-deps system-deps
	$(WITH_POSTGRES) $(PY) -m pytest $(PARALLEL) tests/storage

test-app: dev-deps
	$(PY) -m pytest $(PARALLEL) -m app

test-e2e: dev-deps system-deps
	$(PY) -m pytest -m e2e

# Everything, every tier: lint, types, then the whole pytest suite including PostgreSQL and the
# browser tests, in one PostgreSQL cluster: the tiers without a browser in parallel, then the
# browser tests one at a time (their servers and timings are not squeezed by other tests). The
# browser tests run even when the others failed; either failing fails `make test`.
test: dev-deps system-deps lint typecheck
	$(WITH_POSTGRES) bash -c '$(PY) -m pytest $(PARALLEL) -m "not e2e"; others=$$?; \
		$(PY) -m pytest -m e2e; browser=$$?; \
		[ $$others -eq 0 ] && [ $$browser -eq 0 ]'
	$(MAKE) --no-print-directory bench-smoke

# The container image, built and started with podman from a base made of Debian's packages (no
# image registry needed); not part of `make test`: it downloads a few hundred MB each time.
test-image:
	bash deploy/image-test.sh

# Benchmarks. `make bench` runs every bench/ script at full size (figures go to bench/RESULTS.md
# by hand, with the machine); `make bench-smoke` runs each at a small size and is part of
# `make test`: it fails only when a script crashes, and its figures are kept in artifacts/bench/,
# never asserted (timings on a shared machine are recorded, not tested). See scripts/bench.sh.
bench: dev-deps system-deps
	bash scripts/bench.sh full

bench-smoke: dev-deps system-deps
	bash scripts/bench.sh smoke

# Only after changing charts-bundle/ or upgrading plotly: rebuilds the PDF charts' plotly.js (needs
# Node.js and npm); the result is committed, so neither `make run` nor `make test` needs Node.
chart-bundle:
	cd charts-bundle && npm ci --no-audit --no-fund --ignore-scripts && node build.js

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis artifacts
