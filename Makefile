# The AI Lifestyle API: `make run` serves it on its local stack, `make test` proves it.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
STAGE ?= dev

.PHONY: help run test lint typecheck unit integration e2e stack-tests verify-user clean

help:
	@echo "make run                 start DynamoDB Local, Cognito (moto) and the API on :8000"
	@echo "make test                lint, types, unit, integration and end-to-end tests"
	@echo "make verify-user EMAIL=x verify a locally registered account (there is no email)"
	@echo "make unit | integration | e2e | lint | typecheck   one layer only"

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(BIN)/python || "$$(scripts/find_python.sh)" -m venv $(VENV)
	$(BIN)/python -m pip install --quiet "pip<26.3"
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@touch $@

run: $(STAMP)
	$(BIN)/python scripts/local_stack.py run

verify-user: $(STAMP)
	@test -n "$(EMAIL)" || { echo "usage: make verify-user EMAIL=you@example.com"; exit 2; }
	$(BIN)/python scripts/verify_user.py "$(EMAIL)"

lint: $(STAMP)
	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/python -m pytest tests/unit

integration: $(STAMP)
	$(BIN)/python -m pytest tests/integration

e2e: $(STAMP)
	$(BIN)/python -m pytest tests/e2e

# Integration and end-to-end tests in one run, so they share one local stack.
stack-tests: $(STAMP)
	$(BIN)/python -m pytest tests/integration tests/e2e

test: lint typecheck unit stack-tests

clean:
	rm -rf $(VENV) .local/logs .mypy_cache .ruff_cache .pytest_cache build
