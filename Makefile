# Executable Neural Network Theory: set-up, build and tests.
#   make book   create .venv if missing, install everything, build the site
#   make test   the same set-up, then the whole test suite (what CI runs)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
INSTALL := $(BIN)/python -m pip install --disable-pip-version-check --progress-bar off -q
# A CPU build of torch, on purpose: an unpinned torch pulls multi-GB CUDA wheels.
# The pinned CPU wheel is taken from a local wheel cache or PyPI-compatible index
# when one provides it, otherwise from PyTorch's CPU index.
# Progress bars off in builds and tests (nntheory.settings.show_progress).
export NNTHEORY_QUIET := 1
TORCH_VERSION ?= 2.13.0
TORCH_CPU_INDEX ?= https://download.pytorch.org/whl/cpu

.PHONY: all install book test lint test-lib test-notebooks test-build bench student clean

all: test

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -c "import torch" 2>/dev/null || \
	  $(INSTALL) "torch==$(TORCH_VERSION)+cpu" 2>/dev/null || \
	  $(INSTALL) "torch==$(TORCH_VERSION)+cpu" --index-url $(TORCH_CPU_INDEX)
	$(INSTALL) -e ".[book,test]"
	@touch $(STAMP)

book: $(STAMP)
	$(BIN)/jupyter-book build book -W -n --keep-going
	@echo
	@echo "The site is in book/_build/html: open book/_build/html/index.html in a browser."

lint: $(STAMP)
	$(BIN)/ruff check lib tests bench book

test-lib: $(STAMP)
	$(BIN)/python -m pytest tests

test-notebooks: $(STAMP)
	$(BIN)/python -m pytest --nbval-lax --nbval-current-env -p no:cacheprovider book --ignore=book/_build

test-build: $(STAMP)
	$(BIN)/jupyter-book build book -W -n --keep-going

test: lint test-lib test-notebooks test-build
	@echo "make test: all steps passed"

student: $(STAMP)
	$(BIN)/python -m nntheory.student book/chapters/*.ipynb --out student

bench: $(STAMP)
	$(BIN)/python bench/bench_cores.py

clean:
	rm -rf book/_build .pytest_cache .ruff_cache
