"""The feedback page: every hint wraps (hard-wrapped to 80 columns, and outputs wrap in the
page), and math reads without a network (converted to HTML text at generation time)."""

import html
import re
import sys
from pathlib import Path

import nbformat
from nbconvert.exporters import HTMLExporter
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from traitlets.config import Config

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "grading"))
import mathtext  # noqa: E402
from feedback import FeedbackStyle, HideHiddenTests, HintsFirst, MathToText  # noqa: E402

from bp2yolo.checks.report import WIDTH, HintError  # noqa: E402

LONG_HINT = ("dL_dw is off by a factor of 2: it is twice the expected value. Check the 1/2 "
             "convention: with L = 1/2 (y - t)^2 the 2 from the square cancels and dL/dy = y - t.")


def test_latex_becomes_readable_html_text():
    assert mathtext.latex_to_html(r"\frac{1}{2}(y - y_{gt})^2") == (
        '<span class="math">½(y − y<sub>gt</sub>)<sup>2</sup></span>')
    assert mathtext.latex_to_html(r"\frac{\partial L}{\partial w_1}") == (
        '<span class="math">∂L/∂w<sub>1</sub></span>')
    assert mathtext.latex_to_html(r"\sigma'(x) = \sigma(x)(1 - \sigma(x))") == (
        '<span class="math">σ′(x) = σ(x)(1 − σ(x))</span>')
    assert "ℝ<sup>N × D</sup>" in mathtext.latex_to_html(r"\mathbb{R}^{N \times D}")


def test_latex_it_cannot_read_shows_as_its_source():
    out = mathtext.latex_to_html(r"\begin{aligned} a &= b \end{aligned}", display=True)
    assert out.startswith("<code") and "$$\\begin{aligned}" in html.unescape(out)
    assert mathtext.latex_to_html("x_").startswith("<code")


def test_math_outside_code_is_converted_and_code_is_left_alone():
    text = "Cost $L = x^2$, `$kept$` and\n$$\na_1\n$$\n```\n$also kept$\n```"
    out = mathtext.math_to_html(text)
    assert '<span class="math">L = x<sup>2</sup></span>' in out
    assert '<span class="math display">a<sub>1</sub></span>' in out
    assert "`$kept$`" in out and "$also kept$" in out


def autograded_notebook():
    def graded(cell, grade_id, points, score):
        cell.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True,
                                     "grade_id": grade_id, "points": points, "score": score,
                                     "schema_version": 3}
        return cell

    hint = HintError(LONG_HINT)
    hint.check = "check_linear_model"
    visible = graded(nbformat.v4.new_code_cell("check_linear_model(linear_model)"),
                     "test_linear_model", 3, 0)
    visible.outputs = [nbformat.v4.new_output("error", ename="HintError", evalue=LONG_HINT,
                                              traceback=hint._render_traceback_())]
    hidden = graded(nbformat.v4.new_code_cell(
        "check_train(train)\n### BEGIN HIDDEN TESTS\nassert secret\n### END HIDDEN TESTS"),
        "test_train", 2, 0)
    hidden.outputs = [nbformat.v4.new_output(
        "error", ename="HintError", evalue=LONG_HINT,
        traceback=["----", "HintError  Traceback (most recent call last)", "Cell In[3], line 3",
                   "----> 3 assert secret", "HintError: " + LONG_HINT])]
    question = nbformat.v4.new_markdown_cell(
        r"The loss is $L = \frac{1}{2}(y - y_{gt})^2$, so "
        r"$$\frac{\partial L}{\partial y} = y - y_{gt}$$")
    return nbformat.v4.new_notebook(cells=[question, visible, hidden])


def feedback_page(nb):
    resources = {"nbgrader": {"notebook": "01_exercises", "score": 0, "max_score": 5,
                              "late_penalty": 0}, "config_dir": "/nonexistent"}
    config = Config()
    config.Exporter.default_preprocessors = []  # as nbgrader's converters do
    config.HTMLExporter.template_name = "feedback"
    formgrader = Path(sys.modules["nbgrader"].__file__).parent / "server_extensions" / "formgrader"
    config.HTMLExporter.extra_template_basedirs = [str(formgrader / "templates")]
    config.HTMLExporter.extra_template_paths = [
        str(formgrader / "static" / "node_modules" / "bootstrap" / "dist" / "css")]
    exporter = HTMLExporter(config=config)
    for preprocessor in (HideHiddenTests, HintsFirst, MathToText, CSSHTMLHeaderPreprocessor,
                         FeedbackStyle):  # grading/nbgrader_config.py's list, less GetGrades
        exporter.register_preprocessor(preprocessor, enabled=True)
    page, _ = exporter.from_notebook_node(nb, resources=resources)
    return page


def test_feedback_hints_are_wrapped_and_outputs_wrap_in_the_page():
    import nbgrader  # noqa: F401 - for its template folder

    page = feedback_page(autograded_notebook())
    errors = [html.unescape(re.sub(r"<[^>]+>", "", block)) for block in
              re.findall(r'output_error">\s*<pre>(.*?)</pre>', page, re.S)]
    assert len(errors) == 2, page
    for error in errors:
        lines = error.strip("\n").split("\n")
        assert lines[0].startswith("HintError: "), lines
        assert all(len(line) <= WIDTH for line in lines), lines
        assert not any("Traceback" in line or "secret" in line for line in lines)
    assert "white-space: pre-wrap" in page
    text = html.unescape(re.sub(r"<[^>]+>", "", page))
    assert "HintError: dL_dw is off by a factor of 2" in text


def test_feedback_math_reads_without_mathjax():
    import nbgrader  # noqa: F401

    page = feedback_page(autograded_notebook())
    assert "\\frac" not in page and "$L" not in page
    assert "½(y − y<sub>gt</sub>)<sup>2</sup>" in page
    assert '<span class="math display">∂L/∂y = y − y<sub>gt</sub></span>' in page
