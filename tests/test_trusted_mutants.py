"""The grader's verdicts (grading/trusted.py) reject mutants as the in-kernel tests do.

tests/test_mutants.py proves each assignment's tests reject its mutants when they run inside
the notebook. The grader runs the same tests in its own process against the submission's code in
a sandbox, where every value crosses as data: here each mutant goes through that path, as a
learner would submit it, and its test cell must score 0 with the same hint. `make test` takes
the mutants whose mistake is about what happens to the arguments (in-place changes, copies,
identity), the part the boundary must carry faithfully; `make attack-zoo` (BP2YOLO_ZOO=all)
takes every mutant of every chapter (all 331 are rejected, but for the two of MEMORY_ONLY).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import chapters
import nbformat
import pytest
from harness import ROOT
from mutants import Mutant
from submissions import answered
from test_mutants import MUTANTS, mutant_id

sys.path[:0] = [str(ROOT / "grading")]
import trusted  # noqa: E402

pytestmark = pytest.mark.slow
# One mutant for each way a call can change its arguments: an array in place, a tensor in place,
# a flag on the caller's tensor, a nested list shared by a shallow copy, a dict entry rebound, an
# update made on a copy.
ABOUT_ARGUMENTS = {("01", "gradient_descent_step", "in_place"),
                   ("02", "second_derivative", "changes_x"),
                   ("03", "train", "biases_copied_shallowly"),
                   ("03", "backward", "updates_weights"), ("05", "relu", "in_place"),
                   ("06", "sgd", "params_rebound"), ("06", "sgd", "updates_a_copy"),
                   ("07", "yolo_loss", "pred_changed_in_place"),
                   ("07", "loss_and_grad_on", "requires_grad_on_callers_pred")}
CASES = [case for case in MUTANTS if os.environ.get("BP2YOLO_ZOO") == "all"
         or (case[0], case[1].cell, case[1].name) in ABOUT_ARGUMENTS]


# Right values from an explicit Jacobian: only chapter 04's peak-memory check rejects them, and
# the grader cannot see how memory was used (it sees the values that come back), so they keep
# their points when graded; Validate, in the kernel it starts, still names the mistake. The
# README's trusted grading says so. Listed here, so that a change either way is noticed.
MEMORY_ONLY = {("04", "silu_backward", "jacobian"), ("04", "softmax_backward", "jacobian")}


def graded_as_submitted(number: str, mutant: Mutant, folder: Path) -> trusted.Graded:
    chapter = chapters.by_name(number)
    solution = nbformat.read(chapter.source, as_version=4)
    release = nbformat.read(chapter.release, as_version=4)
    path = folder / chapter.release.name
    nbformat.write(answered(release, solution, mutant), path)
    _, graded = trusted.grade_notebook(path, chapter.source, salt=20261201, cell_timeout=60)
    assert graded.problem is None, graded.problem
    return graded


def test_the_selection_names_real_mutants():
    assert len(CASES) >= len(ABOUT_ARGUMENTS)


@pytest.mark.parametrize("case", CASES, ids=mutant_id)
def test_the_grader_rejects_the_mutant_with_its_hint(case, tmp_path):
    number, mutant = case
    verdict = graded_as_submitted(number, mutant, tmp_path).verdicts[mutant.test]
    if (number, mutant.cell, mutant.name) in MEMORY_ONLY:
        assert verdict.points == verdict.max_points, verdict
        return
    assert verdict.points == 0, f"the grader gave {mutant.name} its points"
    words = mutant.hint if mutant.hint is not None else mutant.hidden_hint
    if words is not None:
        assert words in verdict.hint, verdict.hint
