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

.PHONY: install lock lint test test-fast sources book pdf print-pdf bench clean chromium poppler

# requirements.lock holds the exact version and sha256 hashes of every package make install puts in
# .venv (the core and the extras it installs), for Linux and macOS on x86_64 and arm64. The venv is
# built anew from it whenever it changes (a copy in the venv says which lock it was built from);
# the package itself goes in last, without dependencies, so nothing unpinned enters.
LOCK        := requirements.lock
LOCK_EXTRAS := --extra fast --extra cluster --extra book --extra test
UV_VERSION  := 0.13.9

$(STAMP): $(LOCK) pyproject.toml
	@if ! cmp -s $(LOCK) $(VENV)/$(LOCK); then \
	  echo "make: building $(VENV) from $(LOCK)"; \
	  rm -rf $(VENV) && $(PYTHON) -m venv $(VENV) && \
	  $(PY) -m pip install --quiet --require-hashes -r $(LOCK) && cp $(LOCK) $(VENV)/$(LOCK); \
	fi
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

install: $(STAMP)

# make lock: resolve pyproject.toml again with a pinned uv in a throwaway venv. The current lock's
# versions are kept where pyproject.toml still allows them (so an unchanged pyproject.toml leaves the
# file untouched, byte for byte and mtime); make lock UPGRADE=1 takes the newest versions allowed.
lock:
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	$(PYTHON) -m venv "$$tmp/uv" && "$$tmp/uv/bin/pip" install --quiet uv==$(UV_VERSION) && \
	{ [ ! -f $(LOCK) ] || cp $(LOCK) "$$tmp/$(LOCK)"; } && \
	"$$tmp/uv/bin/uv" pip compile pyproject.toml $(LOCK_EXTRAS) --universal --generate-hashes \
	  --custom-compile-command "make lock" --quiet $(if $(UPGRADE),--upgrade) -o "$$tmp/$(LOCK)" && \
	if cmp -s "$$tmp/$(LOCK)" $(LOCK); then echo "lock: $(LOCK) unchanged"; \
	else cp "$$tmp/$(LOCK)" $(LOCK) && echo "lock: $(LOCK) rewritten; make install rebuilds $(VENV) from it"; fi

# the book's browser test needs Debian's Chromium: installed here when missing and we are root
chromium:
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || \
	  echo "make: chromium not installed (needs root); the browser test will be skipped"

# the PDF's test reads it with Debian's poppler-utils (pdftotext, pdfinfo): installed the same way
poppler:
	@command -v pdftotext >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null; } || \
	  echo "make: poppler-utils not installed (needs root); the PDF test will be skipped"

LINTED := bbnn_core tests benchmarks

lint: $(STAMP)
	$(VENV)/bin/ruff check $(LINTED)
	$(VENV)/bin/ruff format --check $(LINTED)
	$(VENV)/bin/mypy

test: lint chromium poppler
	$(PY) -m pytest

# the edit loop, a few minutes: lint and the tests not marked slow (no training run, browser, cluster,
# notebook or benchmark); make test runs everything and is what CI runs
test-fast: lint
	$(PY) -m pytest tests -m "not slow" --durations=10

NOTEBOOKS := $(wildcard notebooks/*.ipynb)

# papermill executes every notebook into the book's sources, then Jupyter Book renders them.
# EXECUTE=no renders the notebooks' committed outputs instead (the tests do: nbval, in the same
# `make test`, executes every notebook, so none runs twice)
EXECUTE ?= yes

# the book's pages: every notebook executed (or copied, EXECUTE=no) into book/generated, then the
# sections with nothing to show left out
sources: $(STAMP)
	mkdir -p book/generated
	for nb in $(NOTEBOOKS); do \
	  if [ "$(EXECUTE)" = no ]; then cp "$$nb" book/generated/ || exit 1; \
	  else $(VENV)/bin/papermill --cwd notebooks "$$nb" "book/generated/$$(basename $$nb)" || exit 1; fi; \
	done
	$(PY) -m bbnn_core.book prune book/generated/*.ipynb

# with Chromium here, the PDF goes beside the pages (the first page links to it), as published
book: sources
	$(VENV)/bin/jupyter-book build . --warningiserror --keep-going
	@if command -v chromium >/dev/null; then $(MAKE) --no-print-directory print-pdf && \
	  cp $(PDF) _build/html/bbnn-book.pdf; \
	else echo "book: no Chromium here, so no PDF beside the pages: the first page's link to it is dead"; fi
	@echo "book: _build/html/index.html"

# the book as one A4 PDF: the single-page build printed by headless Chromium (offline), stamped
# with the date and the commit it was built from
PDF := _build/pdf/bbnn-book.pdf
pdf: sources chromium
	@$(MAKE) --no-print-directory print-pdf

# the printing alone, from book/generated as it stands (make book and make pdf fill it)
print-pdf:
	$(VENV)/bin/jupyter-book build . --builder singlehtml --warningiserror --keep-going
	$(PY) -m bbnn_core.book pdf _build/singlehtml $(PDF) \
	  "Built on $$(date -u +%Y-%m-%d) from commit $$(git rev-parse --short HEAD 2>/dev/null || echo unknown)$$(git diff --quiet HEAD 2>/dev/null || echo ', with uncommitted changes')."
	@echo "pdf: $(PDF)"

bench: $(STAMP)
	$(PY) benchmarks/bench_features.py --repeat 5
	$(PY) benchmarks/bench_predict.py
	$(PY) benchmarks/bench_train.py
	$(PY) benchmarks/bench_probe.py
	$(PY) benchmarks/bench_ensemble.py
	$(PY) benchmarks/bench_scale.py --csv benchmarks/scale.csv  # about 45 min, 17 GB of scratch space

clean:
	rm -rf _build .pytest_cache
