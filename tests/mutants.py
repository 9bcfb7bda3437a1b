"""Mutant testing. tests/mutants_NN.py lists chapter NN's mutants; tests/test_mutants.py runs
the checks below on every chapter.

A mutant replaces one solution cell of an assignment's source notebook with a wrong
implementation of a classic mistake. The checks below prove that the assignment's visible tests
reject it with a message that names the mistake, and that its hidden tests reject it on their
own. A mutant that hard-codes the visible answers passes the visible tests (hint=None): only the
hidden tests catch it.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import harness
import regions

FAILURES = ("HintError", "AssertionError")


class Mutant(NamedTuple):
    name: str
    cell: str  # grade_id of the solution cell it replaces
    source: str  # the full replacement source of that cell
    test: str  # grade_id of the test cell expected to fail
    hint: str | None  # phrase the visible failure must contain; None: the visible tests pass
    hidden_hint: str | None = None  # phrase the hidden failure must contain; None: any failure


def ident(mutant: Mutant) -> str:
    return f"{mutant.cell}-{mutant.name}"


@functools.cache
def _sources(nb_path: str) -> dict[str, str]:
    return {harness.grade_id(c): c.source for c in harness.load(nb_path).cells}


def edit(nb_path: str, cell: str, *changes: tuple[str, str], every: bool = False) -> str:
    """The source of cell `cell` with each (old, new) replaced, in order. Each old must occur
    exactly once (every=True: at least once, and every occurrence is replaced), so that a change
    to the notebook cannot silently turn a mutant into the solution, or change more than meant."""
    source = _sources(nb_path)[cell]
    for old, new in changes:
        count = source.count(old)
        assert count >= 1 if every else count == 1, (
            f"{old!r} occurs {count} times in cell {cell} of {nb_path}"
        )
        source = source.replace(old, new)
    return source


SOLUTION = "    ### BEGIN SOLUTION\n"  # the marker of a function's solution region


def hardcode(nb_path: str, cell: str, *answers: str) -> str:
    """The source of solution cell `cell` whose functions return the visible answers first:
    answers[i] (lines indented 4) goes right after the cell's i-th BEGIN SOLUTION marker, and
    the cell must have exactly one marker per answer."""
    parts = _sources(nb_path)[cell].split(SOLUTION)
    assert len(parts) == len(answers) + 1, (
        f"cell {cell} of {nb_path} has {len(parts) - 1} solution markers for {len(answers)} answers"
    )
    return parts[0] + "".join(SOLUTION + a + p for a, p in zip(answers, parts[1:], strict=True))


def solution_cells(nb_path: str) -> list[str]:
    """grade_ids of the notebook's solution code cells."""
    nb = harness.load(nb_path)
    return [
        harness.grade_id(c)
        for c in nb.cells
        if c.cell_type == "code" and harness.nbgrader_meta(c).get("solution")
    ]


def test_cells(nb_path: str) -> list[str]:
    """grade_ids of the notebook's autograded test cells, not counting the hidden-helpers cell
    (it tests nothing: it defines what the hidden regions share, and passes in the release)."""
    return [
        gid
        for c in harness.load(nb_path).cells
        if harness.is_test_cell(c) and (gid := harness.grade_id(c)) != harness.HIDDEN_HELPERS
    ]


test_cells.__test__ = False  # a helper, not a pytest test


def check_solution_passes(nb_path: str) -> None:
    """The unmodified solution passes every test cell: whole, visible part only, hidden only."""
    tests = test_cells(nb_path)
    assert tests, "no test cells found"
    for mode in ("all", "visible", "hidden"):
        outcomes = harness.run(nb_path, tests=mode)
        assert not harness.failures(outcomes), (mode, harness.failures(outcomes))
        assert set(tests) <= set(outcomes)


def check_coverage(nb_path: str, mutants: list[Mutant]) -> None:
    """Every solution cell has three mutants, one of them hard-coding the visible answers;
    every test cell is the target of some mutant; names are unique."""
    solutions = solution_cells(nb_path)
    for cell in solutions:
        count = sum(m.cell == cell for m in mutants)
        assert count >= 3, f"solution cell {cell} has only {count} mutants"
        assert any(m.cell == cell and m.hint is None for m in mutants), (
            f"solution cell {cell} has no mutant that hard-codes the visible answers"
        )
    assert set(test_cells(nb_path)) <= {m.test for m in mutants}
    assert {m.cell for m in mutants} <= set(solutions)
    assert len({(m.cell, m.name) for m in mutants}) == len(mutants)


def check_release_fails_cleanly(nb_path: str) -> None:
    """As released (solutions replaced by the stub) the notebook runs to the end: every
    non-test cell passes and every test cell fails with NotImplementedError."""
    nb = harness.load(nb_path)
    solutions = set(solution_cells(nb_path))
    stubs = {
        harness.grade_id(c): regions.stub_solutions(c.source)
        for c in nb.cells
        if harness.grade_id(c) in solutions
    }
    tests = set(test_cells(nb_path))
    for gid, outcome in harness.run(nb_path, stubs).items():
        if gid in tests:
            assert outcome.error_type == "NotImplementedError", outcome
        else:
            assert outcome.ok, outcome


def check_visible_rejects(nb_path: str, mutant: Mutant) -> None:
    outcome = harness.run(
        nb_path, {mutant.cell: mutant.source}, tests="visible", only_test=mutant.test
    )[mutant.test]
    if mutant.hint is None:
        assert outcome.ok, f"{mutant.name} hard-codes the visible answers, so it passes: {outcome}"
        return
    assert not outcome.ok, f"visible tests of {mutant.test} accept mutant {mutant.name}"
    assert outcome.error_type in FAILURES, outcome
    assert mutant.hint in outcome.message, outcome


def check_hidden_rejects(nb_path: str, mutant: Mutant) -> None:
    outcome = harness.run(
        nb_path, {mutant.cell: mutant.source}, tests="hidden", only_test=mutant.test
    )[mutant.test]
    assert not outcome.ok, f"hidden tests of {mutant.test} accept mutant {mutant.name}"
    assert outcome.error_type in FAILURES, outcome
    if mutant.hidden_hint is not None:
        assert mutant.hidden_hint in outcome.message, outcome
