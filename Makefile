# The book's commands. On a fresh machine with Python 3.11, 3.12 or 3.13, `make book` and
# `make test` do all set-up themselves: the first run creates .venv and installs everything.
# Another interpreter: `make PYTHON=python3.12 test` (its virtual environment is kept apart).
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(notdir $(PYTHON))
# Both cores: tests and notebooks (tests/test_notebooks.py, one kernel each) share them out.
PYTEST_NB := -n 2 --dist worksteal --durations=20
COLAB_VENV := .venv-colab
empty :=
space := $(empty) $(empty)
COLAB_STAMP := $(COLAB_VENV)/.installed

.PHONY: help install data book book-clean book-ci check-site browser colab-env lint test test-fast test-colab test-jax test-smoke sync bench bench-data bench-convnet clean

help:
	@echo "make book   build the site into _build/html (executes notebooks, cached)"
	@echo "make test   unit tests, pairing checks and every notebook executed once (cached for make book)"
	@echo "make test-colab  every notebook with Colab's versions (tests/colab_packages.txt, Python 3.12)"
	@echo "make test-jax  every notebook with KERAS_BACKEND=jax"
	@echo "make test-smoke  every notebook's full-profile code, training cut (HELPERS_SMOKE=1)"
	@echo "make check-site  open every page of the built site in headless Chromium (after make book)"
	@echo "make browser  install Debian's chromium for check-site, where apt is usable"
	@echo "make colab-env  build .venv-colab with Colab's versions (what test-colab runs in)"
	@echo "make lint   ruff check and ruff format --check (lectures, helpers, tests, tools)"
	@echo "make test-fast  lint and the helpers tests, no notebooks (for editing helpers)"
	@echo "make book-clean  build the site from scratch (every notebook executed again)"
	@echo "make book-ci  build the site from the executions make test cached, as CI does"
	@echo "make data  offline data: Fashion-MNIST (Debian), the pretrained Fashion-MNIST bodies, word vectors"
	@echo "make sync   re-pair book/*.ipynb and book/*.py after editing one side, strip outputs"
	@echo "make bench  time every notebook; writes benchmarks/notebooks_<profile>.md (PROFILE=full)"
	@echo "make bench-data  time every dataset loader; writes benchmarks/datasets.md"
	@echo "make bench-convnet  convnet training samples/s, GPU switches on and off"
	@echo "make clean  remove _build (the site and the execution cache)"

$(STAMP): pyproject.toml
	@v=$$($(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null); \
	case "$$v" in \
	  3.11|3.12|3.13) ;; \
	  "") echo "error: $(PYTHON) not found (or it does not run); install Python 3.11, 3.12 or 3.13, or name one that runs: make PYTHON=python3.12 $(MAKECMDGOALS)"; exit 1 ;; \
	  *) echo "error: $(PYTHON) is Python $$v; the book needs 3.11, 3.12 or 3.13: make PYTHON=python3.12 $(MAKECMDGOALS)"; exit 1 ;; \
	esac; \
	$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || { echo "error: $(PYTHON) has no venv module; on Debian or Ubuntu: sudo apt-get install python$$v-venv"; exit 1; }; \
	if [ -x $(BIN)/python ] && [ "$$($(BIN)/python -c 'import sys; print("%d.%d" % sys.version_info[:2])')" != "$$v" ]; then \
	  echo "error: $(VENV) was made with another Python than $(PYTHON) ($$v); remove it (rm -rf $(VENV)) or use another folder: make VENV=.venv-$$v PYTHON=$(PYTHON) $(MAKECMDGOALS)"; exit 1; fi
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[book]'
	touch $@

install: $(STAMP)

# Offline data that comes from Debian rather than PyPI: Fashion-MNIST's canonical files.
# Installed when apt is usable (root, or password-less sudo); otherwise the loader downloads
# the files on first use (and says so if it cannot).
# Then the Fashion-MNIST bodies that lectures 09, 13 and 14 fine-tune are pretrained once and
# cached (helpers.backbones; 1-4 minutes each on 2 CPU cores, skipped when the cache is valid).
FASHION_DIR := /usr/share/datasets/fashion-mnist
data: $(STAMP)
	@if [ ! -d $(FASHION_DIR) ] && command -v apt-get >/dev/null; then \
	  sudo=""; [ "$$(id -u)" -eq 0 ] || sudo="sudo -n"; \
	  echo "installing Debian package dataset-fashion-mnist (Fashion-MNIST, offline)"; \
	  $$sudo apt-get install -y -q dataset-fashion-mnist >/dev/null 2>&1 \
	  || { $$sudo apt-get update -q >/dev/null 2>&1 && $$sudo apt-get install -y -q dataset-fashion-mnist >/dev/null 2>&1; } \
	  || echo "could not install dataset-fashion-mnist; Fashion-MNIST will be downloaded on first use"; \
	fi
	$(BIN)/python -m helpers.backbones || echo "could not pretrain the backbone now (see above); lectures 09, 13 and 14 will try again on first use"
	$(BIN)/python -c "from helpers.datasets import load_word_vectors; load_word_vectors()" || echo "could not fetch the word vectors now (see above); lecture 12 will try again on first use"

# Warnings are errors (-W, with --keep-going to report them all); a failing cell fails the
# build (execute.raise_on_error in _config.yml). Unchanged notebooks come from the cache.
book: $(STAMP) data
	$(BIN)/jupyter-book build . -W -n --keep-going

# From scratch: an unchanged page that failed before is not re-read otherwise.
book-clean: $(STAMP) data
	rm -rf _build
	$(BIN)/jupyter-book build . -W -n --keep-going --all

# CI: every page read again, every notebook's outputs from the executions that `make test`
# just cached (tests/test_notebooks.py); fails if the build had to execute one itself.
book-ci: $(STAMP)
	rm -rf _build/html _build/.doctrees _build/jupyter_execute
	@mkdir -p _build; status=0; \
	$(BIN)/jupyter-book build . -W -n --keep-going --all > _build/book.log 2>&1 || status=$$?; \
	cat _build/book.log; \
	if grep -q "Executing notebook" _build/book.log; then \
	  echo "error: the build executed notebooks that make test should have cached"; exit 1; fi; \
	exit $$status

# The built site in a real browser (tools/check_site.py): console errors, images, links, launch
# and download links, search, figures, output lines. Debian's chromium is installed where apt is
# usable; without a browser the check says so and is skipped.
check-site: $(STAMP) browser
	$(BIN)/python tools/check_site.py _build/html

browser:
	@if ! command -v chromium >/dev/null && [ -z "$$CHROMIUM" ] && command -v apt-get >/dev/null; then \
	  sudo=""; [ "$$(id -u)" -eq 0 ] || sudo="sudo -n"; \
	  echo "installing Debian package chromium (headless browser for the site check)"; \
	  $$sudo apt-get install -y -q chromium >/dev/null 2>&1 \
	  || { $$sudo apt-get update -q >/dev/null 2>&1 && $$sudo apt-get install -y -q chromium >/dev/null 2>&1; } \
	  || echo "could not install chromium"; \
	fi

test: $(STAMP) data
	$(BIN)/python -m pytest tests $(PYTEST_NB)

# The paths students take besides the default one; each executes every notebook once, checks
# included, and caches nothing (BOOK_CACHE=0).
# Colab's versions: Python 3.12 with exactly tests/colab_packages.txt (tools/colab_env.sh).
$(COLAB_STAMP): pyproject.toml tests/colab_packages.txt tools/colab_env.sh
	bash tools/colab_env.sh $(COLAB_VENV)
	touch $@

colab-env: $(COLAB_STAMP)

test-colab: $(COLAB_STAMP) data
	BOOK_CACHE=0 $(COLAB_VENV)/bin/python -m pytest tests/test_notebooks.py $(PYTEST_NB)

# The JAX backend, what the GPU machine has (JAX is in the book's environment).
# JAX_NOTEBOOKS="05 06" runs only those lectures. CI runs the full profile's smoke run under
# JAX instead (.ci/run), which fits its budget.
JAX_NOTEBOOKS ?=
test-jax: $(STAMP) data
	KERAS_BACKEND=jax BOOK_CACHE=0 $(BIN)/python -m pytest tests/test_notebooks.py $(PYTEST_NB) $(call select,$(JAX_NOTEBOOKS))

# The full profile (what a GPU gets by default), smoke run: every branch, model and data path of
# HELPERS_PROFILE=full with training, repeats and sample counts cut (helpers.profiles), on
# the default backend; SMOKE_BACKEND=jax runs it under JAX. NOTEBOOKS="05 06" selects.
SMOKE_BACKEND ?=
NOTEBOOKS ?=
select = $(if $(strip $(1)),-k "$(subst $(space), or ,$(addsuffix _,$(strip $(1))))")
test-smoke: $(STAMP) data
	$(if $(SMOKE_BACKEND),KERAS_BACKEND=$(SMOKE_BACKEND)) HELPERS_PROFILE=full HELPERS_SMOKE=1 BOOK_CACHE=0 \
	  $(BIN)/python -m pytest tests/test_notebooks.py $(PYTEST_NB) $(call select,$(NOTEBOOKS))

# One formatter and one width for everything (configured in pyproject.toml). `ruff format .`
# and `ruff check --fix .` repair most of what this reports; then `make sync`.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Lint and the fast tests (no notebook execution, no package-registry lookups), for editing
# helpers.
test-fast: lint
	$(BIN)/python -m pytest tests -n 2 -m "not registry and not notebook"
	KERAS_BACKEND=jax $(BIN)/python -m pytest tests -n 2 -m "not registry and not notebook"

sync: $(STAMP)
	$(BIN)/python tools/sync_notebooks.py

# PROFILE=full times the full profile instead (benchmarks/notebooks_full.md, with each
# lecture's numbers next to its seed's); BENCH_LIMIT stops a notebook after that many seconds.
# NOTEBOOKS="06 07" times only those (and keeps the other rows of the table).
PROFILE ?=
NOTEBOOK_FILES = $(foreach n,$(NOTEBOOKS),$(wildcard book/$(n)_*.ipynb))
bench: $(STAMP)
	$(if $(PROFILE),HELPERS_PROFILE=$(PROFILE)) $(BIN)/python tools/bench_notebooks.py $(NOTEBOOK_FILES)

bench-data: $(STAMP)
	$(BIN)/python tools/bench_datasets.py

bench-convnet: $(STAMP)
	$(BIN)/python tools/bench_convnet.py

clean:
	rm -rf _build
