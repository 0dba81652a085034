# Two commands: `make demo` runs Kefu on embedded defaults, `make test` runs every check and test.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: demo test check chromium clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Kefu needs Python 3.11+"'
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(VENV)/.installed $@

demo: $(VENV)/.installed
	$(BIN)/kefu demo

chromium:
	scripts/ensure-chromium

test: $(VENV)/.installed-dev chromium
	scripts/check

check: test

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache
