# edu_cnn — every target sets itself up: a fresh clone needs only python3 (>= 3.10).
#   make lab      install, then open the course in JupyterLab
#   make test     install, then lint and run every test (unit, PyTorch parity, data, CLI,
#                 notebooks under several CPU kernels, browser), and again with the oldest
#                 dependency versions pyproject.toml allows
#   make course   install, then execute every notebook headless (rewrites outputs, figures/
#                 and the student version in student/)
#   make bench    install, then time edu_cnn against PyTorch CPU
#   make experiments  install, then recompute notebook 09's 3-seed table (about an hour)
#   make slides   install, then write one offline reveal.js deck per notebook to _build/slides/
#   make book     install, then build the course website (Sphinx) in _build/book/html/

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# A second environment with every direct dependency at the lowest version pyproject.toml
# allows (scripts/lowest_constraints.py); `make test` runs the unit tests and strict nbval
# in it too, so both ends of the declared ranges are tested.
LOWEST       := .venv-lowest
LOWEST_STAMP := $(LOWEST)/.installed
NBVAL := --nbval --nbval-sanitize-with tests/nbval_sanitize.cfg -p no:cacheprovider

.PHONY: lab test course experiments bench venv chromium clean

# Notebooks and tests run with one BLAS thread: OpenBLAS's spinning threads make a
# training step up to 8x slower when the 2 cores are also busy (measured: 38 ms vs
# 305 ms for the benchmark CNN, batch 64). The printed numbers do not depend on it:
# tests/test_portability.py re-runs every notebook with 2 threads and under other
# CPU kernels, and the outputs must match exactly.
ONE_THREAD := OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# torch is pinned to 2.13.0 (its CPU build lies on this machine's disk); never an open range.
	$(BIN)/python -m pip install --quiet -e ".[lab,test,torch]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(STAMP)

$(LOWEST_STAMP): pyproject.toml scripts/lowest_constraints.py $(STAMP)
	test -x $(LOWEST)/bin/python || $(PYTHON) -m venv $(LOWEST)
	$(LOWEST)/bin/python -m pip install --quiet --upgrade pip
	$(BIN)/python scripts/lowest_constraints.py > $(LOWEST)/constraints.txt
	$(LOWEST)/bin/python -m pip install --quiet -c $(LOWEST)/constraints.txt -e ".[lab,test,torch]"
	touch $(LOWEST_STAMP)

venv: $(STAMP)

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/

# The browser tests drive Debian's Chromium; install it where we can (root + apt-get).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Debian's chromium for the browser tests..."; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "NOTE: chromium is not installed and this user cannot apt-get it: the browser tests"; \
	    echo "      will FAIL. Install it (sudo apt-get install chromium), or set EDU_CNN_SKIP_BROWSER=1"; \
	    echo "      to leave them out on purpose (they are then reported as skipped, with the reason)."; \
	  fi; }

# The notebooks' strict nbval with the oldest versions runs inside tests/test_portability.py,
# in parallel with the other-CPU-kernel runs; the unit tests run in that environment after
# (not the student-version run: 90 s for notebooks the oldest-versions nbval already ran).
test: $(STAMP) $(LOWEST_STAMP) chromium
	$(BIN)/ruff check .
	$(ONE_THREAD) EDU_CNN_OLDEST_PYTHON=$(CURDIR)/$(LOWEST)/bin/python \
	    $(BIN)/python -m pytest tests notebooks $(NBVAL) --durations=20
	@echo "== the unit tests with the oldest declared dependencies =="
	$(ONE_THREAD) $(LOWEST)/bin/python -m pytest tests -p no:cacheprovider \
	    -m "not portability and not browser" --deselect tests/test_student_version.py

# The only target that writes figures/ (through $EDU_CNN_FIGURES), notebook outputs and
# the student version (student/, from the executed instructor notebooks).
course: $(STAMP)
	$(ONE_THREAD) EDU_CNN_FIGURES=$(CURDIR)/figures $(BIN)/python scripts/run_course.py
	$(BIN)/edu-cnn assign --out student

# Notebook 09's 3-seed table (notebooks/results/09_generalise.json, which the notebook shows
# and tests/test_generalise_results.py re-checks): about an hour on 2 cores; then `make course`.
experiments: $(STAMP)
	$(ONE_THREAD) $(BIN)/python scripts/generalise_experiments.py

bench: $(STAMP)
	$(BIN)/python bench/train_speed.py

# The JavaScript that the decks and the website copy next to their HTML (reveal.js,
# MathJax 2 and 3, require.js), exactly as pinned in package-lock.json: nothing from a CDN.
.PHONY: vendor slides book
NPM_STAMP := node_modules/.installed
$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NPM_STAMP)

vendor: $(NPM_STAMP)

# The tests build the decks and the site too.
test: $(NPM_STAMP)

slides: $(STAMP) $(NPM_STAMP)
	$(BIN)/python scripts/build_slides.py

book: $(STAMP) $(NPM_STAMP)
	$(BIN)/python scripts/build_book.py

clean:
	rm -rf $(VENV) $(LOWEST) .pytest_cache
