# The two commands of the README: `make run` and `make test`. Both build .venv themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

HOST ?= 127.0.0.1
PORT ?= 5000

# Initialise the store, load the demo group when the store is empty, show every group's figures,
# then serve the web app on HOST:PORT (`make run PORT=5001`). `serve` exits with status 2 after
# printing a one-line reason (a port in use, a missing secret key): that ends make quietly.
run: install
	$(BIN)/reciproca init
	$(BIN)/reciproca demo --if-empty
	$(BIN)/reciproca figures
	@$(BIN)/reciproca serve --host $(HOST) --port $(PORT) || [ $$? -eq 2 ]

test: install
	$(BIN)/python -m pytest

# Every benchmark beside its baseline, written to docs/performance.md (run by hand: minutes, and
# it wants the machine to itself; PostgreSQL from RECIPROCA_BENCH_POSTGRES_URL or the local one).
bench: install
	$(BIN)/python -m bench.run $(BENCH)

clean:
	rm -rf $(VENV) instance .pytest_cache .hypothesis
