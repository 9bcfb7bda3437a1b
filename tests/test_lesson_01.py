"""Lesson 01 (chain rule): the worked numbers of COURSE.md, computed by its code."""

from __future__ import annotations

import re

import pytest
from lessons import first_missing, numbers_in_prose, printed
from notebooks import ROOT, execute

CHAIN_RULE = ROOT / "course" / "01_chain_rule.ipynb"

# Chapter 01's worked example, in the order the lesson prints it: x = 1.5, w = 0.8, b = 0.2,
# y_gt = 0.8, then one step of gradient descent with learning rate 0.1.
WORKED_EXAMPLE = [
    ("y", 1.4),
    ("L", 0.18),
    ("dL/dw", 0.9),
    ("dL/db", 0.6),
    ("w", 0.71),
    ("b", 0.14),
    ("y", 1.205),
    ("L", 0.0820125),
]
RESULTS_NOT_INPUTS = ["1.4", "0.18", "0.9", "0.6", "0.71", "0.14", "1.205", "0.0820125"]


def test_worked_results_are_not_typed_into_the_prose():
    """The worked example's results appear in outputs only, never in a Markdown cell."""
    assert not numbers_in_prose(CHAIN_RULE, RESULTS_NOT_INPUTS)


@pytest.mark.slow
def test_chain_rule_lesson_prints_the_worked_example():
    run = execute(CHAIN_RULE)
    assert run.error is None, run.error
    missing = first_missing(printed(run.text()), WORKED_EXAMPLE, tol=1e-12)
    assert missing is None, f"01_chain_rule.ipynb does not print {missing[0]} = {missing[1]}"


@pytest.mark.slow
def test_chain_rule_lesson_checks_the_chained_maps_against_autograd():
    text = execute(CHAIN_RULE).text()
    rows = [line for line in text.splitlines() if "autograd" in line and line.startswith("dL/d")]
    assert len(rows) == 4, rows
    for row in rows:
        errors = [float(e) for e in re.findall(r"rel\. errors ([^ ]+) and ([^ ]+)$", row)[0]]
        assert errors[0] <= 1e-12 and errors[1] <= 1e-6, row
    assert "both sweeps agree with autograd at every depth" in text
