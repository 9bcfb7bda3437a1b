# Backprop to YOLO. Every target works on a fresh clone: it goes through `setup` first.
#   make lab      install, then start JupyterLab on course/00_start_here.ipynb
#   make test     install, then run the whole test suite
#   make release  regenerate assignments/ from solutions/ with nbgrader
#   make grade    release, then autograde grading/submitted/, write feedback, grades.csv, problems.csv

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := $(CURDIR)/.venv
STAMP := $(VENV)/.installed

# nbgrader shells out to `alembic`, so the venv's bin/ must come first on PATH.
export PATH := $(VENV)/bin:$(PATH)
# nbgrader reads nbgrader_config.py from here whatever the working directory.
export JUPYTER_CONFIG_PATH := $(CURDIR)/grading
export PYTHONHASHSEED := 0
export PIP_DISABLE_PIP_VERSION_CHECK := 1

ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root,)
# Extra JupyterLab options, e.g. make lab LAB_ARGS="--port=8890 --no-browser"
LAB_ARGS ?=

.PHONY: help setup lab test lint release grade lock clean-grading

help:
	@sed -n '2,6p' Makefile | sed 's/^# *//'

setup: $(STAMP)

$(STAMP): requirements.txt constraints.txt pyproject.toml
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet -r requirements.txt -c constraints.txt
	$(VENV)/bin/python -m pip install --quiet --no-deps --no-build-isolation -e .
	@touch $@

lab: setup
	@echo "Starting JupyterLab on course/00_start_here.ipynb: open the URL printed below" \
	  "(it carries a login token). Stop it with Ctrl-C."
	cd $(CURDIR) && JUPYTER_CONFIG_PATH= jupyter lab --ServerApp.root_dir=$(CURDIR) $(ALLOW_ROOT) \
	  --LabApp.default_url=/lab/tree/course/00_start_here.ipynb $(LAB_ARGS)

test: setup
	python -m pytest

lint: setup
	ruff check bp2yolo tests grading bench

release: setup
	python grading/course.py release

grade: setup
	python grading/course.py grade

# Re-pin every transitive dependency after a change to requirements.txt (torch without its +cpu tag).
lock: setup
	{ sed -n '1,2p' constraints.txt; pip freeze --all --exclude-editable | grep -v '^pip==' \
	  | sed 's/^torch==\([0-9.]*\)+cpu$$/torch==\1/'; } > constraints.txt.new
	mv constraints.txt.new constraints.txt

clean-grading:
	rm -rf grading/submitted grading/autograded grading/feedback grading/gradebook.db grading/grades.csv grading/problems.csv grading/logs
