# BIJ1 Den Haag. `make run` starts everything locally; `make test` runs every test tier.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
STAGE ?= local
export AWS_DEFAULT_REGION ?= eu-west-1

.PHONY: help install run test unit integration contract e2e load bench package lint token tokens revoke migrate-cijfers verify-archive redrive clean

help:
	@echo "make run        start the whole system locally (API :8000, console :8025)"
	@echo "make test       run unit, integration, contract and end-to-end tests"
	@echo "make e2e        browser tests in headless Chromium (installs it if needed) and the load test"
	@echo "make load       the local stack under load: 2,000 reports from 8 clients (~1.5 min)"
	@echo "make bench      every figure of issue 12 in one table, goals met or missed (~5 min)"
	@echo "make package    chalice package --merge-template infra/template.json into build/, then cfn-lint and checkov"
	@echo "make token ROLE=bestuur NAME=tim [STAGE=local|dev|prod STACK=...]  issue a token"
	@echo "make tokens / make revoke ID=...   list / revoke tokens"
	@echo "make migrate-cijfers [STAGE=...]   one-off: meldpunt counters to the cell key method"
	@echo "make verify-archive [STAGE=local|dev|prod STACK=...]  check the agenda archive's chain and hashes"
	@echo "make redrive [STAGE=... QUEUE=...]  move dead-lettered messages back to their queue"

$(STAMP): pyproject.toml requirements.txt infra/checkov-requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip<26.3"  # chalice 1.34 packages with pip < 26.3
	$(PY) -m pip install --quiet -r requirements.txt -e ".[dev]"
	# checkov in a virtualenv of its own: it pins boto3 and packaging older than ours (infra/checks.py)
	test -x $(VENV)/checkov/bin/python || $(PYTHON) -m venv $(VENV)/checkov
	$(VENV)/checkov/bin/python -m pip install --quiet -r infra/checkov-requirements.txt
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(PY) -m infra.local

test: $(STAMP)
	$(PY) -m pytest -m "not browser and not load" tests/unit tests/integration tests/contract tests/e2e

unit: $(STAMP)
	$(PY) -m pytest tests/unit

integration: $(STAMP)
	$(PY) -m pytest tests/integration

contract: $(STAMP)
	$(PY) -m pytest tests/contract

$(VENV)/.browser: $(STAMP)
	command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium; }
	$(PY) -m pip install --quiet -e ".[browser]"
	touch $(VENV)/.browser

e2e: $(VENV)/.browser
	$(PY) -m pytest -m "browser or load" tests/e2e

load: $(STAMP)
	$(PY) -m pytest -m load tests/e2e

bench: $(STAMP)
	$(PY) -m pytest tests/bench

package: $(STAMP)
	rm -rf build/package
	$(VENV)/bin/chalice package --stage $(if $(filter local,$(STAGE)),prod,$(STAGE)) \
	  --merge-template infra/template.json build/package
	$(PY) -m infra.slim_package build/package/deployment.zip
	@$(PY) -c "import os; s=os.path.getsize('build/package/deployment.zip'); print(f'deployment.zip: {s/1024/1024:.2f} MiB')"
	$(PY) -m infra.checks build/package  # cfn-lint (+ serverless rules) and checkov: docs/reliability.md

token: $(STAMP)
	$(PY) -m infra.tokens issue --role "$(ROLE)" --name "$(NAME)" --stage $(STAGE) $(if $(STACK),--stack $(STACK))

tokens: $(STAMP)
	$(PY) -m infra.tokens list --stage $(STAGE) $(if $(STACK),--stack $(STACK))

revoke: $(STAMP)
	$(PY) -m infra.tokens revoke --id "$(ID)" --stage $(STAGE) $(if $(STACK),--stack $(STACK))

migrate-cijfers: $(STAMP)
	$(PY) -m infra.migrate_cijfers --stage $(STAGE) $(if $(STACK),--stack $(STACK))

redrive: $(STAMP)
	$(PY) -m infra.redrive --stage $(STAGE) $(if $(STACK),--stack $(STACK)) $(if $(QUEUE),--queue $(QUEUE))

verify-archive: $(STAMP)
	$(PY) -m infra.archive_verify --stage $(STAGE) $(if $(STACK),--stack $(STACK))

clean:
	rm -rf build .local .pytest_cache
