# bbnn-book: `make book` regenerates the book on the embedded data, `make test` runs all tests.
# Both create .venv and install the package with its dependencies when needed.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.stamp-install

# papermill runs notebooks from notebooks/: relative data locations must not change meaning there
ifdef BBNN_MIRROR
export BBNN_MIRROR := $(abspath $(BBNN_MIRROR))
endif
ifdef BBNN_CACHE
export BBNN_CACHE := $(abspath $(BBNN_CACHE))
endif

.PHONY: install lint test book bench clean chromium

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[book,test]"
	touch $(STAMP)

install: $(STAMP)

# the book's browser test needs Debian's Chromium: installed here when missing and we are root
chromium:
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || \
	  echo "make: chromium not installed (needs root); the browser test will be skipped"

LINTED := bbnn_core tests benchmarks

lint: $(STAMP)
	$(VENV)/bin/ruff check $(LINTED)
	$(VENV)/bin/ruff format --check $(LINTED)
	$(VENV)/bin/mypy

test: lint chromium
	$(PY) -m pytest

NOTEBOOKS := $(wildcard notebooks/*.ipynb)

# papermill executes every notebook into the book's sources, then Jupyter Book renders them.
# EXECUTE=no renders the notebooks' committed outputs instead (the tests do: nbval, in the same
# `make test`, executes every notebook, so none runs twice)
EXECUTE ?= yes

book: $(STAMP)
	mkdir -p book/generated
	for nb in $(NOTEBOOKS); do \
	  if [ "$(EXECUTE)" = no ]; then cp "$$nb" book/generated/ || exit 1; \
	  else $(VENV)/bin/papermill --cwd notebooks "$$nb" "book/generated/$$(basename $$nb)" || exit 1; fi; \
	done
	$(VENV)/bin/jupyter-book build . --warningiserror --keep-going
	@echo "book: _build/html/index.html"

bench: $(STAMP)
	$(PY) benchmarks/bench_features.py --repeat 5
	$(PY) benchmarks/bench_predict.py
	$(PY) benchmarks/bench_train.py

clean:
	rm -rf _build .pytest_cache
