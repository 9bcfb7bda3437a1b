"""Hidden tests draw their inputs from seeds salted at grading time (bp2yolo.checks.hidden_seed).

The hidden tests are public (this repository is), so answers to their inputs could be written
in advance. The grader adds a salt drawn for each grading run (grading/trusted.py) to every seed
of a hidden test. Here:
  - every seed in a hidden region goes through hidden_seed (a new test cannot forget it);
  - the solutions pass their hidden tests under several salts, and each hard-coded mutant still
    fails under them (the salts change nothing an honest answer depends on);
  - the salt really changes the inputs.
"""

from __future__ import annotations

import contextlib
import re

import chapters
import harness
import nbformat
import numpy as np
import pytest
import regions
from mutants import check_hidden_rejects
from test_mutants import CHAPTERS

from bp2yolo.checks import core, hidden_seed

SALTS = (1, 987_654_321, 2**61 + 12345)
SOURCES = [chapter.source for chapter in chapters.with_assignments()]
# A seed argument: default_rng(...), manual_seed(...), or a seed= keyword in a call.
SEED = re.compile(r"default_rng\((?P<a>[^)]*)\)|manual_seed\((?P<b>[^)]*)\)"
                  r"|[(,]\s*seed=(?P<c>[^,)]+)")
# Seeds that are a function's parameter passed through, salted where the caller made them.
PASSED_THROUGH = {"default_rng(seed)": "hidden_steps", "seed=seed": "loss_fn"}


@contextlib.contextmanager
def salted(salt: int):
    core.set_hidden_salt(salt)
    try:
        yield
    finally:
        core.set_hidden_salt(0)


def hidden_lines(source_path) -> list[tuple[str, str]]:
    nb = nbformat.read(source_path, as_version=4)
    out = []
    for cell in nb.cells:
        if cell.cell_type == "code":
            out += [(harness.grade_id(cell), line) for line in
                    regions.keep(cell.source, "hidden").splitlines()]
    return out


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.parent.name)
def test_every_hidden_seed_is_salted(source):
    lines = hidden_lines(source)
    assert any("hidden_seed(" in line for _, line in lines), "no salted seed at all"
    unsalted = []
    for gid, line in lines:
        for match in SEED.finditer(line):
            seed = next(g for g in match.groups() if g is not None)
            if "hidden_seed(" in seed or "hidden_seed(" in line[: match.start()].split("=")[-1]:
                continue
            passed = PASSED_THROUGH.get(match.group(0).lstrip("(, "))
            if passed and passed in "".join(x for _, x in lines):
                continue
            unsalted.append(f"{gid}: {line.strip()}")
    assert not unsalted, unsalted


def test_the_salt_changes_the_seeds():
    assert hidden_seed(110) == 110
    with salted(5):
        assert hidden_seed(110) == 115
        assert np.random.default_rng(hidden_seed(110)).normal() != \
            np.random.default_rng(110).normal()
    with pytest.raises(ValueError):
        core.set_hidden_salt(-1)


@pytest.mark.slow
@pytest.mark.parametrize("salt", SALTS)
@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.parent.name)
def test_solutions_pass_their_hidden_tests_under_any_salt(source, salt):
    with salted(salt):
        outcomes = harness.run(source.relative_to(harness.ROOT), tests="hidden")
    assert not harness.failures(outcomes), harness.failures(outcomes)


HARDCODED = [(number, m) for number, chapter in CHAPTERS.items() for m in chapter.MUTANTS
             if m.hint is None]


@pytest.mark.slow
@pytest.mark.parametrize("case", HARDCODED, ids=lambda c: f"{c[0]}-{c[1].cell}-{c[1].name}")
def test_hard_coded_mutants_fail_under_a_salt(case):
    number, mutant = case
    with salted(SALTS[1]):
        check_hidden_rejects(CHAPTERS[number].NB, mutant)
