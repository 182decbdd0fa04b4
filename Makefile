# Executable Neural Network Theory: set-up, build and tests.
#   make book             create .venv if missing, install everything, build the site in
#                         English (book/_build/html) and Chinese (book/_build/html/zh_CN)
#   make book OFFLINE=1   the same, with MathJax bundled (the site's maths render offline);
#                         remembered: later builds (make test too) stay offline, OFFLINE=0 not
#   make test             the same set-up, then the whole test suite (what CI runs)
#   make translations     after an English edit: update the Chinese catalogues, list what
#                         needs translating
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# pip's own output goes to a log; tools/progress.sh prints one line per step and a
# heartbeat every 15 s (what pip is busy with), so the set-up is never silent.
INSTALL := $(BIN)/python -m pip install --disable-pip-version-check --progress-bar off
PROGRESS := sh tools/progress.sh
# A CPU build of torch, on purpose: an unpinned torch pulls multi-GB CUDA wheels.
# The pinned CPU wheel is taken from a local wheel cache or PyPI-compatible index
# when one provides it, otherwise from PyTorch's CPU index.
# Progress bars off in builds and tests (nntheory.settings.show_progress).
export NNTHEORY_QUIET := 1
# One BLAS/OpenMP thread per process: the book's matrices are small, and make test runs
# two processes (pytest-xdist) on CI's two cores, where more threads only oversubscribe.
export OMP_NUM_THREADS ?= 1
export OPENBLAS_NUM_THREADS ?= 1
export MKL_NUM_THREADS ?= 1
TORCH_VERSION ?= 2.13.0
# pytest-xdist: tests and notebooks on two processes (CI has 2 cores); TEST_JOBS=0 runs
# serially. A notebook's cells stay together on one process (--dist loadfile).
TEST_JOBS ?= 2
PYTEST_JOBS = $(if $(filter 0,$(TEST_JOBS)),,-n $(TEST_JOBS))
TORCH_CPU_INDEX ?= https://download.pytorch.org/whl/cpu

.PHONY: all install book test lint test-lib test-notebooks test-build test-site test-browser \
	bench student chapters setup-cells clean

all: test

install: $(STAMP) bwrap

$(STAMP): pyproject.toml
	@echo "==> Set-up 1/3: the virtual environment $(VENV)"
	@if test -x $(BIN)/python; then echo "    $(VENV) exists"; else \
	  echo "    creating it: $(PYTHON) -m venv $(VENV)"; $(PYTHON) -m venv $(VENV) || exit 1; fi
	@echo "==> Set-up 2/3: PyTorch, CPU build $(TORCH_VERSION) (no CUDA packages)"
	@if $(BIN)/python -c "import torch" 2>/dev/null; then echo "    torch is installed"; else \
	  PROGRESS_QUIET_FAIL=1 $(PROGRESS) "from the local wheel cache or package index" \
	    $(INSTALL) "torch==$(TORCH_VERSION)+cpu" || \
	  $(PROGRESS) "not there: from PyTorch's CPU index $(TORCH_CPU_INDEX) (about 200 MB)" \
	    $(INSTALL) "torch==$(TORCH_VERSION)+cpu" --index-url $(TORCH_CPU_INDEX) || exit 1; fi
	@echo "==> Set-up 3/3: nntheory (editable) with the book and test dependencies"
	@$(PROGRESS) "pip install -e '.[book,test]' (a few minutes on a first run)" \
	  $(INSTALL) -e ".[book,test]"
	@$(BIN)/python tools/jupyter_encryption.py
	@touch $(STAMP)
	@echo "==> Set-up done: $(VENV)"

# make book OFFLINE=1: MathJax 3 from the npm registry (npm pack), unpacked into
# book/_build/mathjax (ignored by git); tools/nntheory_sphinx.py points the site at it.
MATHJAX_VERSION ?= 3.2.2
MATHJAX_DIR := book/_build/mathjax
MATHJAX_JS  := $(MATHJAX_DIR)/mathjax/es5/tex-mml-chtml.js
# The choice is remembered: once MathJax is unpacked (make book OFFLINE=1), every build
# (make book, make test) uses it until `make clean` or an explicit OFFLINE=0.
OFFLINE ?= $(if $(wildcard $(MATHJAX_JS)),1,0)
ifneq ($(filter-out 0,$(OFFLINE)),)
BOOK_PREREQS := $(MATHJAX_JS)
BOOK_ENV := NNTHEORY_MATHJAX_DIR=$(abspath $(MATHJAX_DIR))
MATHJAX_SAYS := MathJax from the site itself ($(MATHJAX_DIR); OFFLINE=0 for the CDN)
BROWSER_FLAGS := --no-remote
else
MATHJAX_SAYS := MathJax from its CDN (make book OFFLINE=1 bundles it)
endif

$(MATHJAX_JS):
	@echo "==> MathJax $(MATHJAX_VERSION) for an offline site (npm pack mathjax@$(MATHJAX_VERSION))"
	@command -v npm >/dev/null || { echo "    OFFLINE=1 needs npm (Node.js)"; exit 1; }
	@rm -rf $(MATHJAX_DIR) && mkdir -p $(MATHJAX_DIR)/download
	@cd $(MATHJAX_DIR)/download && npm pack --silent mathjax@$(MATHJAX_VERSION) >/dev/null
	@tar -xzf $(MATHJAX_DIR)/download/mathjax-$(MATHJAX_VERSION).tgz -C $(MATHJAX_DIR)/download
	@mkdir -p $(MATHJAX_DIR)/mathjax
	@mv $(MATHJAX_DIR)/download/package/es5 $(MATHJAX_DIR)/mathjax/es5
	@cp $(MATHJAX_DIR)/download/package/LICENSE $(MATHJAX_DIR)/mathjax/
	@rm -rf $(MATHJAX_DIR)/download
	@echo "    unpacked into $(MATHJAX_DIR)/mathjax"

# Both editions (tools/i18n.py build-all): the English site, every notebook run once into a
# fresh execution cache, then the Chinese edition from the catalogues of
# book/locales/zh_CN/ and that cache (no notebook runs twice); -W -n on both.
BUILD_EDITIONS = $(BOOK_ENV) $(BIN)/python tools/i18n.py build-all

book: $(STAMP) $(BOOK_PREREQS)
	@echo "==> Building the site: every notebook is run from top to bottom (a few minutes),"
	@echo "    then the Chinese edition from the same results (about a minute more)"
	@echo "    $(MATHJAX_SAYS)"
	$(BUILD_EDITIONS)
	@echo
	@echo "The site is in book/_build/html: open book/_build/html/index.html in a browser;"
	@echo "the Chinese edition (简体中文) is book/_build/html/zh_CN/index.html."

lint: $(STAMP)
	$(BIN)/ruff check lib tests bench book tools

test-lib: $(STAMP) bwrap
	$(BIN)/python -m pytest tests --ignore=tests/test_site.py $(PYTEST_JOBS)

test-notebooks: $(STAMP)
	$(BIN)/python -m pytest --nbval-lax --nbval-current-env -p no:cacheprovider book \
	  --ignore=book/_build $(PYTEST_JOBS) --dist loadfile

test-build: $(STAMP) $(BOOK_PREREQS)
	@echo "==> The site's build, both editions: $(MATHJAX_SAYS)"
	$(BUILD_EDITIONS)

# the built site, as a browser gets it (tools/site_check.py): figures and images, error
# outputs, raw TeX, links and anchors, widgets' static figures, launch buttons, inline
# scripts, execution times; tests/test_site.py proves each check fails on a broken page
test-site: $(STAMP)
	$(BIN)/python -m pytest tests/test_site.py -q

# every page in headless Chromium through Playwright (the system's Chromium, no browser
# download): fails on a console error or a failed request to the site (offline build:
# on any request to another host too). Part of `make test` where a Chromium is installed
# (apt-get install chromium): Playwright's Python package (about 40 MB, no browser) is
# then installed into .venv; without Chromium it says so and skips.
test-browser: $(STAMP)
	@if $(BIN)/python tools/browser_check.py --has-chromium && \
	  ! $(BIN)/python -c "import playwright" 2>/dev/null; then \
	  $(PROGRESS) "Playwright for the browser check (pip install -e '.[browser]')" \
	    $(INSTALL) -e ".[browser]" || echo "    no Playwright: the browser check skips"; fi
	$(BIN)/python tools/browser_check.py $(BROWSER_FLAGS)

# the repository URL ([tool.nntheory] in pyproject.toml) into _config.yml, the README and
# every notebook's set-up cell (Colab, downloaded notebooks)
setup-cells:
	$(PYTHON) tools/setup_cell.py

test: lint test-lib test-notebooks test-build
	$(MAKE) --no-print-directory test-site
	$(MAKE) --no-print-directory test-browser
	@echo "make test: all steps passed"

# the chapters written so far, from book/_toc.yml (the one list)
chapters:
	@$(PYTHON) tools/chapters.py

# Student copies of the chapters (solution code blanked, solution prose removed) in student/.
# `make student LANG=zh_CN` writes the Chinese copies to student/zh_CN/ instead: their prose,
# exercise text included, from book/locales/zh_CN (nntheory.teaching.translate), their code
# cells and answer checks those of the English copies. Only a LANG given on make's command
# line picks the edition (or BOOK_LANG, given anywhere): the LANG the shell exports is a locale
# (en_US.UTF-8, C.UTF-8), so a plain `make student` still writes the English copies; LANG=en
# or an empty one means English too, and a language without catalogues is refused.
STUDENT_LANG = $(strip $(or $(BOOK_LANG),$(if $(filter command line,$(origin LANG)),$(LANG))))
student: $(STAMP)
	$(BIN)/python -m nntheory.student book/chapters/*.ipynb $(if $(filter-out en,$(STUDENT_LANG)),\
	  --lang $(STUDENT_LANG) --out student/$(STUDENT_LANG),--out student)

# The Chinese edition's message catalogues (tools/i18n.py, issue 29): the English text cut
# into messages (one catalogue per page, book/locales/zh_CN/LC_MESSAGES/), new and changed
# messages merged in (a changed one marked fuzzy), then what is not ready listed: every
# message must be translated, not fuzzy, and keep its glue roles, maths and references.
# After changing English text: make translations, translate what it lists (README), and
# make test fails until nothing is listed (tests/test_i18n.py).
.PHONY: translations
translations: $(STAMP)
	@$(BIN)/python -c "import sphinx_intl" 2>/dev/null || \
	  $(PROGRESS) "sphinx-intl for the catalogues (pip install -e '.[translate]')" \
	    $(INSTALL) -e ".[translate]"
	$(BIN)/python tools/i18n.py extract
	-$(BIN)/python tools/i18n.py check --max 200

bench: $(STAMP)
	$(BIN)/python bench/bench_cores.py
	$(BIN)/python bench/bench_ensembles.py
	$(BIN)/python bench/bench_sweep.py --quick

clean:
	rm -rf book/_build .pytest_cache .ruff_cache

# The teaching kit (book/teaching.md). make grade CHAPTER=3 SUBMISSIONS=folder/ grades one
# chapter's submitted notebooks, each in its own bubblewrap sandbox, into $(OUT)/ (grades.csv,
# feedback/, summary.md, export/); GRADE_ARGS passes more options (--student alice,
# --keys keys.csv, --marks marks.csv, --roster roster.csv, --cell-timeout 60, ...).
.PHONY: grade book-student bwrap
SUBMISSIONS ?= submissions
OUT ?= grades
JOBS ?= 2
TIMEOUT ?= 300
GRADE_ARGS ?=

grade: $(STAMP) bwrap
	@test -n "$(CHAPTER)" || { echo "usage: make grade CHAPTER=3 SUBMISSIONS=folder/" \
	  "[OUT=grades JOBS=2 TIMEOUT=300 GRADE_ARGS=...]"; exit 2; }
	$(BIN)/nntheory grade $(CHAPTER) $(SUBMISSIONS) --out $(OUT) \
	  --jobs $(JOBS) --timeout $(TIMEOUT) $(GRADE_ARGS)

# bubblewrap (bwrap), the grader's sandbox: found on PATH, or installed with apt-get when
# run as root (CI, containers); otherwise a line says how, and the sandbox tests skip.
bwrap:
	@if command -v bwrap >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "==> bubblewrap, the grader's sandbox: apt-get install -y bubblewrap"; \
	  { DEBIAN_FRONTEND=noninteractive apt-get install -y -q bubblewrap >/dev/null 2>&1 || \
	    { apt-get update -q >/dev/null 2>&1 && \
	      DEBIAN_FRONTEND=noninteractive apt-get install -y -q bubblewrap >/dev/null 2>&1; }; } \
	  && echo "    installed $$(command -v bwrap)" \
	  || echo "    could not install bubblewrap: the sandbox tests will be skipped"; \
	else echo "==> bubblewrap (bwrap) is not installed: nntheory grade needs it (sudo apt-get" \
	  "install bubblewrap); the sandbox tests will be skipped"; fi

# the site built from the student copies: no solution dropdowns, no solution code
book-student: $(STAMP) $(BOOK_PREREQS)
	$(BIN)/python -m nntheory.teaching student-book book --out book/_build/student-book
	$(BOOK_ENV) $(BIN)/jupyter-book build book/_build/student-book -W -n --keep-going
	@echo "The solution-free site is in book/_build/student-book/_build/html."
