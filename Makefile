# scimbridge: `make run` serves on 127.0.0.1:8000, `make test` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: run test lint typecheck pytest bench clean

# Two stamps: `make run` installs what the server needs, `make test` (and every check)
# adds the test tools; each reinstalls when pyproject.toml changes.
RUN_INSTALLED := $(VENV)/.run-installed

$(BIN)/python:
	@echo "==> creating the virtual environment in $(VENV)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUN_INSTALLED): pyproject.toml | $(BIN)/python
	@echo "==> installing scimbridge and its runtime dependencies (no test tools)"
	$(BIN)/python -m pip install --quiet -e .
	touch $(RUN_INSTALLED)

$(INSTALLED): pyproject.toml | $(BIN)/python
	@echo "==> installing scimbridge with the test tools (the 'test' extra)"
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(INSTALLED) $(RUN_INSTALLED)

run: $(RUN_INSTALLED)
	@echo "==> migrating the database (SCIMBRIDGE_DATABASE_URL, default ./scimbridge.db)"
	$(BIN)/scimbridge migrate
	@echo "==> serving on http://127.0.0.1:8000 (Ctrl-C stops)"
	$(BIN)/scimbridge serve --host 127.0.0.1 --port 8000

lint: $(INSTALLED)
	$(BIN)/ruff format --check src tests bench
	$(BIN)/ruff check src tests bench

typecheck: $(INSTALLED)
	$(BIN)/mypy

pytest: $(INSTALLED)
	$(BIN)/pytest

test: lint typecheck pytest

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
