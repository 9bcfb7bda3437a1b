"""Feedback preprocessor: learners see that a hidden test failed and its hint, never the test.

The autograded notebooks that make grade writes (grading/trusted.py) hold each test cell as
released, which has no hidden test, with a placeholder line saying that hidden tests ran, and the
grader's hint as the cell's only output. This preprocessor, run by `nbgrader generate_feedback`
(see nbgrader_config.py), is the second line of defence: should a hidden region ever reach an
autograded notebook (nbgrader's own autograde writes the instructor's version of every test
cell), it removes the region from the source and cuts the traceback of every error in such a cell
down to its last line: the exception and its message (the hint). Other outputs of such a cell are
dropped.
"""

from __future__ import annotations

import regions
from mathtext import math_to_html
from nbgrader.preprocessors import NbGraderPreprocessor

from bp2yolo.validate import hint_lines, rewrap

PLACEHOLDER = "# (hidden tests: run by the grader, not shown)"


def hide_region(source: str) -> tuple[str, bool]:
    """Return the source with every hidden region replaced by one placeholder line."""
    return regions.remove(source, "hidden", PLACEHOLDER), regions.has(source, "hidden")


def short_error(output: dict) -> dict:
    """An error output reduced to `Name: message`, with no traceback lines."""
    ename, evalue = output.get("ename", "Error"), output.get("evalue", "")
    output["traceback"] = [f"{ename}: {evalue}" if evalue else ename]
    return output


class HideHiddenTests(NbGraderPreprocessor):
    """Strip hidden tests and their tracebacks from the notebook before it becomes feedback."""

    def preprocess_cell(self, cell, resources, index):
        source, found = hide_region(cell.source)
        if found:
            cell.source = source
            # Only the errors survive: anything a hidden test printed could reveal it.
            cell.outputs = [
                short_error(o) for o in cell.get("outputs", []) if o.get("output_type") == "error"
            ]
        return cell, resources




class HintsFirst(NbGraderPreprocessor):
    """Every error in a graded cell as its hint, hard-wrapped to 80 columns: the traceback that
    bp2yolo.checks already shortened stays (wrapped), a full traceback through the package
    becomes `Name: message` and the notebook line. Runs after HideHiddenTests, which has cut
    the errors of hidden tests to one line; those are only wrapped."""

    def preprocess_cell(self, cell, resources, index):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.get("cell_type") != "code" or not meta.get("grade"):
            return cell, resources
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                if regions.has(cell.source, "hidden") or PLACEHOLDER in cell.source:
                    output["traceback"] = rewrap(output["traceback"])
                else:
                    output["traceback"] = hint_lines(output, cell.get("execution_count"))
        return cell, resources


# Outputs wrap instead of running off the right edge; math converted by MathToText reads as
# text in a serif font (display math on its own line).
CSS = """
div.output_area pre, div.output_subarea pre, div.output_text pre {
  white-space: pre-wrap;
  overflow-wrap: anywhere;
}
span.math { font-family: "Latin Modern Math", "STIX Two Math", "Cambria Math", serif; }
span.math.display { display: block; text-align: center; margin: 0.5em 0; }
span.math sub, span.math sup { font-size: 75%; }
div.text_cell_render table td, div.text_cell_render table th { padding: 0.1em 0.8em; }
"""


class FeedbackStyle(NbGraderPreprocessor):
    """Adds CSS to the feedback page (nbgrader's template inlines resources['inlining']['css'])."""

    def preprocess(self, nb, resources):
        resources.setdefault("inlining", {}).setdefault("css", []).append(CSS)
        return nb, resources


class MathToText(NbGraderPreprocessor):
    """Math in markdown cells as HTML text, so that the feedback reads without a network.

    nbgrader's feedback template loads MathJax from a CDN; offline (a learner opening the file
    from an LMS download, a proxy, a locked-down lab) the page showed raw `$\\frac{1}{2}...$`.
    Converted here, math reads the same everywhere: symbols, subscripts and superscripts,
    fractions as a/b. A formula the converter does not read shows as its LaTeX source.
    """

    def preprocess_cell(self, cell, resources, index):
        if cell.get("cell_type") == "markdown":
            cell.source = math_to_html(cell.source)
        return cell, resources
