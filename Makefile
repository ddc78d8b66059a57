# edu_cnn — every target sets itself up: a fresh clone needs only python3 (>= 3.10).
#   make lab      install, then open the course in JupyterLab
#   make test     install, then run every test (unit, PyTorch parity, data, CLI, notebooks, browser)
#   make course   install, then execute every notebook headless (rewrites outputs and figures/)
#   make bench    install, then time edu_cnn against PyTorch CPU

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: lab test course bench venv clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# torch is pinned to 2.13.0 (its CPU build lies on this machine's disk); never an open range.
	$(BIN)/python -m pip install --quiet -e ".[lab,test,torch]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(STAMP)

venv: $(STAMP)

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/

test: $(STAMP)
	$(BIN)/python -m pytest tests notebooks --nbval --nbval-sanitize-with tests/nbval_sanitize.cfg -p no:cacheprovider

course: $(STAMP)
	$(BIN)/python scripts/run_course.py

bench: $(STAMP)
	$(BIN)/python bench/train_speed.py

clean:
	rm -rf $(VENV) .pytest_cache
