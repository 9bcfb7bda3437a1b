"""The lessons print the worked numbers of COURSE.md, computed by their code (not typed in)."""

from __future__ import annotations

import math
import re

import nbformat
import pytest
from notebooks import ROOT, execute

START_HERE = ROOT / "course" / "00_start_here.ipynb"
CHAIN_RULE = ROOT / "course" / "01_chain_rule.ipynb"

NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
# A printed line "name = value", e.g. "dL/dw = 0.9"; nothing else on the line.
ASSIGNMENT = re.compile(rf"^[ \t]*(\S+) = ({NUMBER})[ \t]*$", re.M)

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

GLOSSARY = {
    "backpropagation": "反向传播",
    "chain rule": "链式法则",
    "computational graph": "计算图",
    "gradient descent": "梯度下降",
    "loss function": "损失函数",
    "Jacobian": "雅可比矩阵",
    "learning rate": "学习率",
    "partial derivative": "偏导数",
    "forward propagation": "前向传播",
    "activation function": "激活函数",
    "cross-entropy": "交叉熵",
    "numerical gradient": "数值梯度",
    "batch": "批量",
    "tensor": "张量",
    "broadcasting": "广播",
    "regularization": "正则化",
    "overfitting": "过拟合",
    "intersection over union": "交并比",
    "bounding box": "边界框",
    "confidence": "置信度",
    "non-maximum suppression": "非极大值抑制",
}


def printed(text: str) -> list[tuple[str, float]]:
    """Every 'name = number' line of the output, in order, with the number parsed."""
    return [(name, float(value)) for name, value in ASSIGNMENT.findall(text)]


def first_missing(
    found: list[tuple[str, float]], wanted: list[tuple[str, float]], tol: float
) -> tuple[str, float] | None:
    """The first wanted (name, value) not found in order in `found` (a subsequence), or None."""
    i = 0
    for name, value in found:
        if i < len(wanted) and name == wanted[i][0] and math.isclose(
            value, wanted[i][1], rel_tol=0.0, abs_tol=tol
        ):
            i += 1
    return None if i == len(wanted) else wanted[i]


def test_printed_parses_only_whole_assignment_lines():
    text = "y = 1.4\nL = 0.18\nnumerical dL/dw = 0.9   relative error 1e-12\n  w = -7.1e-3\nz = 9"
    assert printed(text) == [("y", 1.4), ("L", 0.18), ("w", -0.0071), ("z", 9.0)]
    assert first_missing(printed("y = 1.4\nL = 0.18"), [("y", 1.4), ("L", 0.18)], 1e-12) is None
    assert first_missing(printed("L = 0.18\ny = 1.4"), [("y", 1.4), ("L", 0.18)], 1e-12) == (
        "L",
        0.18,
    )
    assert first_missing(printed("y = 1.40001"), [("y", 1.4)], 1e-12) == ("y", 1.4)


@pytest.mark.parametrize("path", [START_HERE, CHAIN_RULE], ids=lambda p: p.name)
def test_lesson_is_committed_clean(path):
    nb = nbformat.read(str(path), as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "python3"
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, "clear the outputs"


def test_worked_results_are_not_typed_into_the_prose():
    """The worked example's results appear in outputs only, never in a Markdown cell."""
    nb = nbformat.read(str(CHAIN_RULE), as_version=4)
    prose = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    numbers = set(re.findall(r"\d+\.\d+", prose))
    assert not numbers & set(RESULTS_NOT_INPUTS), sorted(numbers & set(RESULTS_NOT_INPUTS))


def test_glossary_has_the_standard_chinese_terms():
    nb = nbformat.read(str(START_HERE), as_version=4)
    rows = [
        line
        for c in nb.cells
        if c.cell_type == "markdown"
        for line in c.source.splitlines()
        if line.startswith("|")
    ]
    for english, chinese in GLOSSARY.items():
        assert any(english.lower() in r.lower() and chinese in r for r in rows), english


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


@pytest.mark.slow
def test_start_here_runs_and_shows_hints():
    run = execute(START_HERE)
    assert run.error is None, run.error
    text = run.text()
    hints = [line for line in text.splitlines() if line.startswith("HintError: ")]
    assert hints, "00_start_here.ipynb shows no hint message"
    for mistake in ["transposed", "factor of 2", "sign is flipped", "batch size", "float32"]:
        assert any(mistake in h for h in hints), f"no hint about '{mistake}' in {hints}"
    assert "correct, the check passes silently" in text
