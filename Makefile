# Seller Insights: make run | make test | make lint | make bench
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

$(BIN)/python:
	$(PY) -m venv $(VENV)

install: $(BIN)/python
	$(BIN)/python -m pip install -q -r requirements.txt

install-dev: $(BIN)/python
	$(BIN)/python -m pip install -q -r requirements-dev.txt

run: install
	$(BIN)/python -m streamlit run app.py

test: install-dev
	$(BIN)/python -m pytest

lint: install-dev
	$(BIN)/ruff check .

bench: install-dev
	$(BIN)/python bench/ingest.py
	$(BIN)/python -m bench.alerts_eval --per-kind 20
	$(BIN)/python -m bench.alerts_sweep

.PHONY: install install-dev run test lint bench
