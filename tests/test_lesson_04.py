"""Lesson 04 (vector backprop): the worked numbers of COURSE.md, computed by its code."""

from __future__ import annotations

import re

import nbformat
import pytest
from lessons import printed
from notebooks import ROOT, execute

VECTOR = ROOT / "course" / "04_vector_backprop.ipynb"

# Every "autograd check (what): relative error E" line the lesson prints, by what it checks.
AUTOGRAD_CHECKS = [
    "gradient of L", "Jacobian of f", "dout @ J", "relu, elementwise", "sigmoid, elementwise",
    "relu, 4096 wide", "X + b, dX", "X + b, db", "sum", "mean", "max",
    "torch.max(x, dim=0): the first largest entry", "torch.amax: split evenly", "x + relu(x)",
    "softmax Jacobian, diag(p) - p p^T", "softmax, p * (g - g . p)",
]
AUTOGRAD_LINE = re.compile(r"^autograd check \((.+)\): relative error (\S+?)(?:;|$)", re.M)


@pytest.fixture(scope="module")
def text() -> str:
    run = execute(VECTOR)
    assert run.error is None, run.error
    return run.text()


def test_the_relu_jacobian_size_is_computed_not_typed():
    """The 4096-wide ReLU's Jacobian size appears in outputs only, never in a Markdown cell."""
    nb = nbformat.read(str(VECTOR), as_version=4)
    prose = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    for number in ["16777216", "16,777,216", "16.7", "0.9998"]:
        assert number not in prose, number


@pytest.mark.slow
def test_the_4096_wide_relu_jacobian_is_almost_all_zeros(text):
    found = dict(printed(text))
    assert found["jacobian_entries"] == 16_777_216 == 4096**2
    nonzero = found["nonzero_entries"]
    assert 0 < nonzero <= 4096  # only the diagonal can be nonzero
    assert found["fraction_zero"] == pytest.approx(1 - nonzero / 4096**2, abs=1e-6)
    assert found["fraction_zero"] > 0.9997
    assert "that is 16,777,216 entries, 128 MiB in float64" in text


@pytest.mark.slow
def test_the_softmax_product_matches_the_explicit_jacobian(text):
    found = dict(printed(text))
    assert found["softmax_product_vs_explicit"] <= 1e-12
    # and the product without its - p p^T part is visibly wrong
    wrong = re.search(r"without the - p p\^T part \(p \* g\): relative error (\S+)", text)
    assert wrong and float(wrong.group(1)) > 0.1


@pytest.mark.slow
def test_ties_torch_max_dim_routes_to_one_entry_amax_splits(text):
    found = dict(printed(text))
    assert found["ties_max_dim_entries_with_gradient"] == 1
    assert found["ties_amax_entries_with_gradient"] == 2
    assert found["ties_amax_gradient_per_entry"] == 0.5
    assert "torch.max(x, dim=0): index 1, dx = [0. 1. 0. 0.]" in text  # the first of the two
    assert re.search(r"torch\.amax\(x\): +dx = \[0\. +0\.5 0\.5 0\. *\]", text)
    assert re.search(r"torch\.max\(x\): +dx = \[0\. +0\.5 0\.5 0\. *\]", text)


@pytest.mark.slow
def test_every_gradient_agrees_with_autograd(text):
    checks = {what: float(err) for what, err in AUTOGRAD_LINE.findall(text)}
    assert sorted(checks) == sorted(AUTOGRAD_CHECKS)
    bad = {what: err for what, err in checks.items() if not err <= 1e-12}
    assert not bad, bad
    for agreement in re.findall(r"against dout @ J: (\S+)", text):
        assert float(agreement) <= 1e-12


@pytest.mark.slow
def test_broadcast_fan_out_and_the_cost_of_explicit_jacobians(text):
    assert "b: (3,); after the update without the sum: (4, 3)" in text
    assert "only the path through the ReLU: relative error 1.00" in text
    found = dict(printed(text))
    assert found["memory_ratio_at_4096"] == pytest.approx(1 + 4096 / 3, abs=0.5)
    agree = re.search(r"largest relative error over all widths: (\S+)", text)
    assert agree and float(agree.group(1)) <= 1e-10
