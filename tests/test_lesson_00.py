"""Lesson 00 (start here): the glossary, and the hints it shows."""

from __future__ import annotations

import re

import nbformat
import pytest
from notebooks import ROOT, execute

START_HERE = ROOT / "course" / "00_start_here.ipynb"

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
def test_start_here_runs_and_shows_hints():
    run = execute(START_HERE)
    assert run.error is None, run.error
    text = run.text()
    hints = [line for line in text.splitlines() if line.startswith("HintError: ")]
    assert hints, "00_start_here.ipynb shows no hint message"
    for mistake in ["transposed", "factor of 2", "sign is flipped", "batch size", "float32"]:
        assert any(mistake in h for h in hints), f"no hint about '{mistake}' in {hints}"
    assert "correct, the check passes silently" in text


# Pictographs that need an emoji font (the Run All button's ⏩ was one): lessons use words.
EMOJI = re.compile("[\u231a-\u23ff\u2600-\u27bf\u2b00-\u2bff\U0001f000-\U0001faff\ufe0f]")


@pytest.mark.parametrize("number", ["00", "01", "02", "03", "04", "05", "06"])
def test_lessons_use_words_not_emoji(number):
    (path,) = (ROOT / "course").glob(f"{number}_*.ipynb")
    nb = nbformat.read(str(path), as_version=4)
    found = sorted({ch for c in nb.cells for ch in EMOJI.findall(c.source)})
    assert not found, f"{path.name} uses {found}: write what the glyph means in words"
