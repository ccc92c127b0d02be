# Mosaic: the two quick-start commands are `make demo` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench neo4j clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## Run Mosaic on the embedded store with the synthetic demo data (http://127.0.0.1:8000/docs).
demo: $(STAMP)
	$(VENV)/bin/mosaic serve --demo

## Lint, type-check and run every test, the Neo4j suite included (Java 17 + Maven needed).
test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/pytest -ra

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

## Benchmarks (slow): ratios against a baseline measured in the same run.
bench: $(STAMP)
	$(PY) -m bench.bench_upsert
	$(PY) -m bench.bench_api_load
	$(PY) -m bench.bench_routing --write-results
	$(PY) -m bench.bench_ingest
	$(PY) -m bench.bench_risk
	$(PY) -m bench.bench_chis --write-results
	$(PY) -m bench.bench_chis_queue --write-results
	$(PY) -m bench.bench_associates --write-results
	$(PY) -m bench.bench_chart --write-results
	$(PY) -m bench.bench_resolution --generate 25000,20000,7 \
		--data var/bench-data/er-25000-20000-7.jsonl --truth var/bench-data/er-25000-20000-7.truth.json

## A real Neo4j 5.26 on 127.0.0.1 for local development (Ctrl-C stops it).
neo4j: $(STAMP)
	$(PY) -m tests.support.neo4j_testserver --port 7687

clean:
	rm -rf $(VENV) tools/neo4j-testserver/target var
