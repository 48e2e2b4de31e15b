# Two commands for a fresh machine (see README):
#   make run   — create .venv, install everything, ingest the bundled casebook, answer a question
#   make test  — the test suite (what .ci/run runs)
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
QUESTION ?= How much money has the Scottish National Investment Bank put into projects for its missions?
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: run setup test test-all lint bench eval clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# torch first, pinned: the CPU wheel on this machine's disk (anything else pulls CUDA builds)
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: setup
	$(BIN)/casebook ingest sources/casebooks/
	$(BIN)/casebook ask "$(QUESTION)"

test: setup
	$(BIN)/python -m pytest -q

test-all: setup
	$(BIN)/python -m pytest -q -m ''

lint: setup
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

bench: setup
	$(BIN)/python bench/bench_ingest.py
	$(BIN)/python bench/bench_ask.py
	$(BIN)/python bench/bench_query.py
	$(BIN)/python bench/bench_serve.py

eval: setup
	$(BIN)/casebook eval eval/gold/dev-qa.jsonl --report reports/dev
	for set in probe heldout-a heldout-b; do \
		$(BIN)/casebook eval eval/gold/$$set-qa.jsonl --report reports/$$set || exit 1; \
	done
	if [ -f ../shared/gold/extra-qa.jsonl ]; then \
		$(BIN)/casebook eval ../shared/gold/extra-qa.jsonl --report reports/extra || exit 1; \
	fi

clean:
	rm -rf $(VENV) reports .pytest_cache
