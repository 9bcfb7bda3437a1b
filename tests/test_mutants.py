"""Proof that every assignment's tests can fail: its mutants are rejected, with the right hint.

tests/mutants_NN.py lists the mutants of chapter NN's assignment (NB, its source notebook, and
MUTANTS); the checks are in tests/mutants.py. For every chapter:
  - the solution passes every test cell (whole, visible part only, hidden part only);
  - every solution cell has at least three mutants, one of them hard-coding the visible
    answers, and every test cell is the target of a mutant;
  - the release (solutions replaced by the stub) runs to the end, every test failing cleanly;
  - the visible tests reject each mutant with the hint that names its mistake, and the hidden
    tests reject it on their own.
Select one chapter with -k, e.g. `pytest tests/test_mutants.py -k 07`.
"""

from __future__ import annotations

import importlib

import chapters
import pytest
from harness import ROOT
from mutants import (
    Mutant,
    check_coverage,
    check_hidden_rejects,
    check_release_fails_cleanly,
    check_solution_passes,
    check_visible_rejects,
    ident,
)

# A chapter 02 mutant calls .backward(create_graph=True), and PyTorch warns about a cycle.
pytestmark = pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True")

CHAPTERS = {
    chapter.number: importlib.import_module(f"mutants_{chapter.number}")
    for chapter in chapters.with_assignments()
}
MUTANTS = [(number, m) for number, chapter in CHAPTERS.items() for m in chapter.MUTANTS]


def mutant_id(case: tuple[str, Mutant]) -> str:
    return f"{case[0]}-{ident(case[1])}"


def test_every_assignment_has_mutants():
    for number, chapter in CHAPTERS.items():
        source = chapters.by_name(number).source.relative_to(ROOT)
        assert chapter.NB == str(source) and chapter.MUTANTS, number


@pytest.mark.parametrize("number", CHAPTERS)
def test_solution_passes_every_test_cell(number):
    check_solution_passes(CHAPTERS[number].NB)


@pytest.mark.parametrize("number", CHAPTERS)
def test_every_solution_cell_has_three_mutants_and_every_test_cell_is_targeted(number):
    check_coverage(CHAPTERS[number].NB, CHAPTERS[number].MUTANTS)


@pytest.mark.parametrize("number", CHAPTERS)
def test_unanswered_release_fails_cleanly(number):
    check_release_fails_cleanly(CHAPTERS[number].NB)


@pytest.mark.parametrize("case", MUTANTS, ids=mutant_id)
def test_visible_tests_reject_mutant(case):
    number, mutant = case
    check_visible_rejects(CHAPTERS[number].NB, mutant)


@pytest.mark.parametrize("case", MUTANTS, ids=mutant_id)
def test_hidden_tests_reject_mutant(case):
    number, mutant = case
    check_hidden_rejects(CHAPTERS[number].NB, mutant)


def test_every_classic_mistake_of_the_yolo_loss_spec_has_a_mutant():
    """Section 8 of the loss spec lists the classic mistakes; chapter 07 has a mutant for each."""
    names = {ident(m) for m in CHAPTERS["07"].MUTANTS}
    for mistake, idents in CHAPTERS["07"].SECTION_8.items():
        assert idents and set(idents) <= names, mistake
