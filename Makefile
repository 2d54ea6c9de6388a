# The AI Lifestyle API: `make run` serves it on its local stack, `make test` proves it.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
RUN_STAMP := $(VENV)/.installed-run
STAGE ?= dev

.PHONY: help run stack stack-env test lint typecheck unit service integration e2e stack-tests \
	verify-user clean package package-all deploy-checks deploy bench bench-checks

help:
	@echo "Run it"
	@echo "  make run                 DynamoDB Local, Cognito (moto) and the API on :8000"
	@echo "  make stack               DynamoDB Local (:8001) and Cognito (:8002) alone, for"
	@echo "                           .venv/bin/chalice local --stage local [--port N]"
	@echo "  make stack-env           print the running stack's endpoints and ids, and the"
	@echo "                           folder of its data and logs (outside the project)"
	@echo "  make verify-user EMAIL=x verify a locally registered account (there is no email)"
	@echo "Test it"
	@echo "  make test                lint, types, unit, service, bench checks, integration, e2e,"
	@echo "                           deploy checks"
	@echo "  make lint | typecheck    ruff | mypy --strict"
	@echo "  make unit | service | integration | e2e   one test layer (service: the rules on"
	@echo "                           in-memory fakes, no moto, no HTTP)"
	@echo "  make stack-tests         integration and e2e in one run (one shared local stack)"
	@echo "  make bench-checks        the benchmark's own logic, offline"
	@echo "  make bench               benchmarks and cost budgets -> bench/results/ (not in make test)"
	@echo "Ship it"
	@echo "  make package STAGE=dev   build/dev/: CloudFormation template + Lambda zip, linted"
	@echo "  make package-all         package and cfn-lint dev, staging and prod"
	@echo "  make deploy-checks       package-all, then the template, policy and bundle tests"
	@echo "  make deploy STAGE=dev    chalice deploy; STAGE=staging|prod DEPLOY_BUCKET=b: CloudFormation"
	@echo "  make clean               remove .venv, stack logs, caches and build/ (keeps local data)"

# The names of the packages a requirements file lists (and the files it includes).
requirement_names = $(shell sed -n 's/^\([A-Za-z][A-Za-z0-9_.-]*\).*/\1/p' $(1) | paste -sd' ' -)

# `make run` installs only what running needs; the first test or packaging target adds the rest.
$(RUN_STAMP): requirements.txt requirements-run.txt
	@test -x $(BIN)/python || { echo "Creating .venv with $$(scripts/find_python.sh)"; \
	  "$$(scripts/find_python.sh)" -m venv $(VENV); }
	@echo "Installing what running the API needs into .venv (first time only, about a minute):"
	@echo "  $(call requirement_names,requirements.txt requirements-run.txt)"
	@$(BIN)/python -m pip install --quiet "pip<26.3"
	@$(BIN)/python -m pip install --quiet -r requirements-run.txt
	@touch $@

$(STAMP): $(RUN_STAMP) requirements-dev.txt
	@echo "Installing the test, lint and packaging tools into .venv (first time only):"
	@echo "  $(call requirement_names,requirements-dev.txt)"
	@$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@touch $@

run: $(RUN_STAMP)
	$(BIN)/python scripts/local_stack.py run

stack: $(RUN_STAMP)
	$(BIN)/python scripts/local_stack.py stack

stack-env: $(RUN_STAMP)
	@$(BIN)/python scripts/local_stack.py env

verify-user: $(RUN_STAMP)
	@test -n "$(EMAIL)" || { echo "usage: make verify-user EMAIL=you@example.com"; exit 2; }
	$(BIN)/python scripts/verify_user.py "$(EMAIL)"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/python -m pytest tests/unit

# Services built with in-memory fakes (tests/service/fakes.py): rules in milliseconds.
service: $(STAMP)
	$(BIN)/python -m pytest tests/service

integration: $(STAMP)
	$(BIN)/python -m pytest tests/integration

e2e: $(STAMP)
	$(BIN)/python -m pytest tests/e2e

# Integration and end-to-end tests in one run, so they share one local stack.
stack-tests: $(STAMP)
	$(BIN)/python -m pytest tests/integration tests/e2e

test: lint typecheck unit service bench-checks stack-tests deploy-checks

# The benchmark's own logic, offline (the benchmark itself is `make bench`).
bench-checks: $(STAMP)
	$(BIN)/python -m pytest tests/benchmarks

# Not part of `make test`: a few minutes against its own DynamoDB Local; writes bench/results/
# and fails when a budget in bench/budgets.py is broken.
bench: $(STAMP)
	$(BIN)/python bench/run.py

# Offline: chalice package needs only a region. Every template is cfn-linted.
DEPLOYED_STAGES := dev staging prod
# Empty: the method the README recommends for the stage (chalice for dev, else cloudformation).
DEPLOY_METHOD ?=

package: $(STAMP)
	$(BIN)/python scripts/package.py $(STAGE)
	$(BIN)/cfn-lint build/$(STAGE)/sam.json

package-all: $(STAMP)
	@for stage in $(DEPLOYED_STAGES); do \
	  $(BIN)/python scripts/package.py $$stage && $(BIN)/cfn-lint build/$$stage/sam.json \
	    && echo "$$stage: cfn-lint clean" || exit 1; \
	done

# The packaged templates keep their promises; the bootstrap works against a moto server.
deploy-checks: package-all
	$(BIN)/python -m pytest tests/deploy

deploy: $(STAMP)
	$(BIN)/python scripts/deploy.py $(STAGE) $(if $(DEPLOY_METHOD),--method $(DEPLOY_METHOD)) \
	  $(if $(DEPLOY_BUCKET),--bucket $(DEPLOY_BUCKET))

# The stack's logs are in its state folder outside the project (.local/logs: older versions).
clean:
	@if test -x $(BIN)/python; then rm -rf "$$($(BIN)/python scripts/local_stack.py where)/logs"; fi
	rm -rf $(VENV) .local/logs .mypy_cache .ruff_cache .pytest_cache build
