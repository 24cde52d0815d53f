# docbot: `make run` and `make test` do all the set-up they need.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# The CPU build of PyTorch, installed before anything else: left to resolve torch by itself,
# pip takes a multi-GB CUDA build. Elsewhere, add pip's --index-url for PyTorch's CPU wheels
# with TORCH_PIP_ARGS.
TORCH_SPEC ?= torch==2.13.0
TORCH_PIP_ARGS ?=
STAMP := $(VENV)/.installed

.PHONY: install run test test-fast bench lint index clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet $(TORCH_PIP_ARGS) "$(TORCH_SPEC)"
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $@

index: install
	$(BIN)/docbot index

run: install
	$(BIN)/docbot run

# The database tests run on SQLite and on a throw-away PostgreSQL server the tests start themselves
# (tests/postgres.py), from the server programs installed here when missing.
test: install
	$(BIN)/ruff check bot index tests benchmarks
	.ci/install-postgres.sh
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest -q tests

test-fast: install
	$(BIN)/python -m pytest -q tests -m "not integration and not e2e"

bench: install
	HF_HUB_OFFLINE=1 $(BIN)/python benchmarks/run.py

lint: install
	$(BIN)/ruff check bot index tests benchmarks

clean:
	rm -rf $(VENV) .index .pytest_cache .hypothesis
