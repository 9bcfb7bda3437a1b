"""Feedback preprocessor: learners see that a hidden test failed and its hint, never the test.

nbgrader autogrades with the instructor's version of every test cell, hidden region included, so
the autograded notebook (and nbgrader's default feedback) would show the hidden tests' source and
the traceback lines that quote them. This preprocessor, run by `nbgrader generate_feedback`
(see nbgrader_config.py), removes the hidden region from the source and cuts the traceback of
every error in such a cell down to its last line: the exception and its message (the hint). Other
outputs of such a cell are dropped.
"""

from __future__ import annotations

import regions
from nbgrader.preprocessors import NbGraderPreprocessor

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
