# feuille: two commands on a fresh machine, `make demo` and `make test` (both idempotent).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: install demo test lint unit bench bench-practice bench-pricing bench-ccam bench-securing bench-concurrency \
	bench-invoice-list bench-cli bench-price-lines bench-invoice-create bench-against bench-rights bench-formats \
	bench-sim-lots bench-sim-noemie bench-statements bench-lots bench-fse bench-noemie-parse bench-reports \
	bench-noemie-integration bench-web bench-offline schemas clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

install: $(STAMP)
	@bash scripts/ensure-softhsm.sh
	@sh scripts/web-assets.sh

## make demo: install, start the caisse de test in the background (idempotent), create the SQLite database in the
## user's data folder, load the manuals' demo data, tour; then start the web application in the background
## (idempotent) and print its address and the demo's accounts.
WEB_PORT ?= 8000
demo: install
	$(PY) -m feuille_sim.cards provision
	$(VENV)/bin/feuille-sim demarrer
	$(VENV)/bin/feuille demo
	$(VENV)/bin/feuille serve --detache --port $(WEB_PORT)
	$(VENV)/bin/feuille demo --comptes-web http://127.0.0.1:$(WEB_PORT)/

## make test: lint (ruff, mypy, import-linter), then the whole suite on SQLite and PostgreSQL.
test: install lint unit

lint: install
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

unit: install
	@sh scripts/ensure-chromium.sh
	$(PY) -m pytest -q -p no:cacheprovider -n 2 --dist loadfile

## Benchmarks (not part of `make test`): figures are written to benchmarks/results/.
bench: bench-practice bench-pricing bench-ccam bench-securing bench-concurrency bench-invoice-list bench-cli \
	bench-price-lines bench-invoice-create bench-against bench-rights bench-formats bench-sim-lots bench-sim-noemie \
	bench-statements bench-lots bench-fse bench-noemie-parse bench-reports bench-noemie-integration bench-web

bench-practice: install
	$(PY) -m benchmarks.practice

bench-pricing: install
	$(PY) -m benchmarks.pricing

bench-ccam: install
	$(PY) -m benchmarks.ccam_search

bench-securing: install
	$(PY) -m benchmarks.securing

## make bench-fse: secured invoices as B2 models and lots (500,000 invoices; benchmarks/results/fse.json).
bench-fse: install
	$(PY) -m benchmarks.fse

## make bench-reports: the reports and the transfer list among 500,000 followed invoices (benchmarks/results/reports.json).
bench-reports: install
	$(PY) -m benchmarks.reports

## SQL statements per use case of securing (create, rate check, secure), counted, not timed.
bench-statements: install
	$(PY) -m benchmarks.statements --write

bench-concurrency: install
	$(PY) -m benchmarks.concurrency

bench-invoice-list: install
	$(PY) -m benchmarks.invoice_list

bench-cli: install
	$(PY) -m benchmarks.cli_startup

## B2 lot of 1,000 invoices and NOEMIE return of 100,000, written and read, before and after the compiled engine.
bench-formats: install
	$(PY) -m benchmarks.formats

## make bench-noemie-parse: the streaming NOEMIE reader on 250k/500k/1M records (benchmarks/results/noemie_parse.json).
bench-noemie-parse: install
	$(PY) -m benchmarks.noemie_parse

bench-rights: install
	$(PY) -m benchmarks.rights

bench-lots: install
	$(PY) -m benchmarks.lots

## make bench-noemie-integration: NOEMIE returns of 250k / 500k / 1M records integrated and reconciled against
## 500,000 stored invoices, on SQLite then PostgreSQL (benchmarks/results/noemie_integration*.json).
bench-noemie-integration: install
	$(PY) -m benchmarks.noemie_integration
	$(PY) -m benchmarks.noemie_integration --base postgresql

## make bench-web: feuille serve (4 processes, PostgreSQL) under 50 users signed in, measured with wrk
## (benchmarks/results/web_load.json).
bench-web: install
	@sh scripts/ensure-wrk.sh
	$(PY) -m benchmarks.web_load

## make bench-offline: the offline page in Chromium with feuille serve (SQLite): 1,000 records synced when the server
## is back, and the page's first load with the server down (benchmarks/results/offline_sync.json).
bench-offline: install
	$(PY) -m benchmarks.offline_sync

bench-sim-lots: install
	$(PY) -m benchmarks.sim_lots

bench-sim-noemie: install
	$(PY) -m benchmarks.sim_noemie

## make schemas: the JSON schemas of the invoice's forms (docs/schemas/), from the models.
schemas: install
	$(PY) -m feuille.billing.document docs/schemas

bench-price-lines: install
	$(PY) -m benchmarks.price_lines

bench-invoice-create: install
	$(PY) -m benchmarks.invoice_create

## The five figures of issue 10 against the commit before it (REF), in one session, rounds alternating; the
## reference is installed in a temporary git worktree (REF_TREE=path reuses one already installed there).
## AGAINST_OPTIONS sets sizes, e.g. "--size securing=1000 --size invoice_create=40 --kinds sqlite,postgresql".
REF ?= 90858c4
AGAINST ?= cli_startup invoice_list securing price_lines invoice_create
AGAINST_OPTIONS ?=
bench-against: install
	$(PY) -m benchmarks.against --ref $(REF) $(if $(REF_TREE),--ref-tree $(REF_TREE)) $(AGAINST_OPTIONS) $(AGAINST)

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache build
