"""Every lesson and every solution runs headless, top to bottom, within 60 s and 1 GB."""

import re

import nbformat
import pytest
from notebooks import BUDGET_MB, BUDGET_S, LESSONS, ROOT, SOLUTIONS, execute


@pytest.mark.slow
@pytest.mark.parametrize("path", [*LESSONS, *SOLUTIONS], ids=lambda p: str(p.relative_to(ROOT)))
def test_notebook_runs_within_budget(path):
    run = execute(path)
    assert run.error is None, run.error
    assert run.seconds <= BUDGET_S, f"{path.name} took {run.seconds:.1f} s (budget {BUDGET_S} s)"
    assert run.kernel_max_rss_mb <= BUDGET_MB, (
        f"{path.name} peaked at {run.kernel_max_rss_mb:.0f} MB (budget {BUDGET_MB} MB)"
    )


@pytest.mark.slow
@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_lesson_widgets_respond_after_run_all(path):
    """After Run All, a learner moves every slider and clicks every button of every widget:
    nothing fails (a later cell must not break what an earlier widget's callbacks read)."""
    run = execute(path)
    assert run.error is None, run.error
    probe = re.search(r"widget probe: (\d+) widgets, (\d+) controls", run.text())
    assert probe, "the widget probe of tests/run_notebook.py did not run"
    code = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells
                     if c.cell_type == "code")
    made = len(re.findall(r"\bwidgets\.[A-Z]\w*\(", code))
    assert int(probe.group(1)) == made, f"the lesson makes {made} widgets: {probe.group(0)}"
