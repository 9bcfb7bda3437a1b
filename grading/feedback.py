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

import copy

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


# ---------------------------------------------------------------- feedback without a gradebook


class GivenGrades(NbGraderPreprocessor):
    """nbgrader's GetGrades without a gradebook: a grading worker has none. The scores and
    comments come from resources["nbgrader"]["grades"] (grade_id -> score, points, comment),
    worked out as nbgrader's Grade.score and Comment.comment do (a manual score or comment
    wins over the automatic one), and the notebook's score is their sum."""

    def preprocess(self, nb, resources):
        grades = resources["nbgrader"]["grades"]
        nb, resources = super().preprocess(nb, resources)
        resources["nbgrader"]["score"] = sum(g["score"] or 0 for g in grades.values()
                                             if g["points"] is not None)
        resources["nbgrader"]["max_score"] = sum(g["points"] or 0 for g in grades.values())
        resources["nbgrader"]["late_penalty"] = 0  # nbgrader's default plugin: no penalty
        return nb, resources

    def preprocess_cell(self, cell, resources, index):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        given = resources["nbgrader"]["grades"].get(meta.get("grade_id"))
        if given is None:
            return cell, resources
        if meta.get("solution") or meta.get("task"):
            cell.metadata.nbgrader["comment"] = given["comment"]
        if meta.get("grade") or meta.get("task"):
            cell.metadata.nbgrader["score"] = given["score"]
            cell.metadata.nbgrader["points"] = given["points"]
        return cell, resources


def render(nb, notebook: str, grades: dict[str, dict]) -> str:
    """The feedback page of an autograded notebook, as `nbgrader generate_feedback` makes it
    with this folder's config (the same preprocessors and template), from `grades` instead of
    the gradebook."""
    import os

    import nbgrader
    from nbconvert.exporters import HTMLExporter
    from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
    from traitlets.config import Config

    formgrader = os.path.join(os.path.dirname(nbgrader.__file__), "server_extensions",
                              "formgrader")
    config = Config()
    config.Exporter.default_preprocessors = []  # as nbgrader's converters set it
    config.HTMLExporter.template_name = "feedback"
    config.HTMLExporter.extra_template_basedirs = [os.path.join(formgrader, "templates")]
    config.HTMLExporter.extra_template_paths = [
        os.path.join(formgrader, "static", "node_modules", "bootstrap", "dist", "css")]
    exporter = HTMLExporter(config=config)
    for preprocessor in (GivenGrades, HideHiddenTests, HintsFirst, MathToText,
                         CSSHTMLHeaderPreprocessor, FeedbackStyle):
        exporter.register_preprocessor(preprocessor)  # as nbgrader registers them
    resources = {"unique_key": notebook, "output_files_dir": f"{notebook}_files",
                 "nbgrader": {"notebook": notebook, "grades": grades}}
    html, _ = exporter.from_notebook_node(copy.deepcopy(nb), resources=resources)
    return html
