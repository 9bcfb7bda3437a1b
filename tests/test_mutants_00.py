"""Mutants for assignment 00 (start here): proof that its tests can fail.

Each mutant replaces one solution cell of solutions/00_start_here/00_exercises.ipynb with a
classic wrong implementation. The visible tests must reject it with a message that names the
mistake (this warm-up exists to show learners those hints), and the hidden tests must reject it
on their own. A mutant that hard-codes the visible answers passes the visible tests: only the
hidden tests catch it (hint=None).
"""

from __future__ import annotations

from typing import NamedTuple

import harness
import pytest

NB = "solutions/00_start_here/00_exercises.ipynb"


class Mutant(NamedTuple):
    name: str
    cell: str  # grade_id of the solution cell it replaces
    source: str  # the full replacement source of that cell
    test: str  # grade_id of the test cell expected to fail
    hint: str | None  # phrase the visible failure must contain; None: the visible tests pass
    hidden_hint: str | None = None  # phrase the hidden failure must contain; None: any HintError


def _derivative(expr):
    return f"def derivative(x):\n    return {expr}\n"


def _batch_loss(expr):
    return f"def batch_loss(y, y_gt):\n    return {expr}\n"


MUTANTS = [
    # f(x) = 1/2 (x - 3)^2, f'(x) = x - 3
    Mutant("no_half", "derivative", _derivative("2 * (x - 3)"),
           "test_derivative", "factor of 2", "factor of 2"),
    Mutant("sign_flipped", "derivative", _derivative("3 - x"),
           "test_derivative", "sign is flipped", "sign is flipped"),
    Mutant("returns_f", "derivative", _derivative("0.5 * (x - 3) ** 2"),
           "test_derivative", "this is f(x) itself"),
    Mutant("dropped_constant", "derivative", _derivative("x"),
           "test_derivative", "missing the -3 term"),
    Mutant("hardcoded", "derivative",
           _derivative("np.array([-3.0, -2.0, 0.0, 2.5]) if np.ndim(x) else 1.0"),
           "test_derivative", None, "wrong shape"),
    # L = 1/N sum 1/2 (y - y_gt)^2
    Mutant("sum_not_mean", "batch_loss", _batch_loss("np.sum(0.5 * (y - y_gt) ** 2)"),
           "test_batch_loss", "batch size", "batch size"),
    Mutant("no_half", "batch_loss", _batch_loss("np.mean((y - y_gt) ** 2)"),
           "test_batch_loss", "factor of 2", "factor of 2"),
    Mutant("per_example", "batch_loss", _batch_loss("0.5 * (y - y_gt) ** 2"),
           "test_batch_loss", "wrong shape", "wrong shape"),
    Mutant("mean_of_errors", "batch_loss", _batch_loss("np.mean(0.5 * (y - y_gt))"),
           "test_batch_loss", "not squared"),
    Mutant("hardcoded", "batch_loss", _batch_loss("0.65625"),
           "test_batch_loss", None),
]


def _cells(kind: str) -> list[str]:
    """grade_ids of the notebook's solution code cells ('solution') or test cells ('test')."""
    nb = harness.load(NB)
    if kind == "test":
        return [harness.grade_id(c) for c in nb.cells if harness.is_test_cell(c)]
    return [
        harness.grade_id(c)
        for c in nb.cells
        if c.cell_type == "code" and harness.nbgrader_meta(c).get("solution")
    ]


def _released(source: str) -> str:
    """A solution cell as nbgrader releases it: the solution region becomes the stub."""
    out, inside = [], False
    for line in source.splitlines():
        if "### BEGIN SOLUTION" in line:
            indent = line[: len(line) - len(line.lstrip())]
            out += [f"{indent}# YOUR CODE HERE", f"{indent}raise NotImplementedError()"]
            inside = True
        elif "### END SOLUTION" in line:
            inside = False
        elif not inside:
            out.append(line)
    return "\n".join(out)


def test_solution_passes_every_test_cell():
    tests = _cells("test")
    assert tests, "no test cells found"
    for mode in ({}, {"hidden": False}, {"visible": False}):
        outcomes = harness.run(NB, **mode)
        assert not harness.failures(outcomes), (mode, harness.failures(outcomes))
        assert set(tests) <= set(outcomes)


def test_every_solution_cell_has_three_mutants():
    for cell in _cells("solution"):
        count = sum(m.cell == cell for m in MUTANTS)
        assert count >= 3, f"solution cell {cell} has only {count} mutants"
        assert any(m.cell == cell and m.hint is None for m in MUTANTS), (
            f"solution cell {cell} has no mutant that hard-codes the visible answers"
        )


def test_every_test_cell_is_targeted():
    targeted = {m.test for m in MUTANTS}
    assert set(_cells("test")) <= targeted
    assert {m.cell for m in MUTANTS} <= set(_cells("solution"))
    assert len({(m.cell, m.name) for m in MUTANTS}) == len(MUTANTS)


def test_unanswered_release_fails_cleanly():
    """As released (solutions replaced by the stub) the notebook runs to the end: every
    non-test cell passes (the hint demo too) and every test cell fails with
    NotImplementedError."""
    nb = harness.load(NB)
    solutions = set(_cells("solution"))
    stubs = {harness.grade_id(c): _released(c.source) for c in nb.cells
             if harness.grade_id(c) in solutions}
    outcomes = harness.run(NB, stubs)
    tests = set(_cells("test"))
    for gid, outcome in outcomes.items():
        if gid in tests:
            assert outcome.error_type == "NotImplementedError", outcome
        else:
            assert outcome.ok, outcome


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda m: f"{m.cell}-{m.name}")
def test_visible_tests_reject_mutant(mutant: Mutant):
    outcome = harness.run(NB, {mutant.cell: mutant.source}, hidden=False)[mutant.test]
    if mutant.hint is None:
        assert outcome.ok, f"{mutant.name} hard-codes the visible answers, so it passes: {outcome}"
    else:
        assert not outcome.ok, f"visible tests of {mutant.test} accept mutant {mutant.name}"
        assert outcome.error_type in ("HintError", "AssertionError"), outcome
        assert mutant.hint in outcome.message, outcome


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda m: f"{m.cell}-{m.name}")
def test_hidden_tests_reject_mutant(mutant: Mutant):
    outcome = harness.run(NB, {mutant.cell: mutant.source}, visible=False)[mutant.test]
    assert not outcome.ok, f"hidden tests of {mutant.test} accept mutant {mutant.name}"
    assert outcome.error_type in ("HintError", "AssertionError"), outcome
    if mutant.hidden_hint is not None:
        assert mutant.hidden_hint in outcome.message, outcome
