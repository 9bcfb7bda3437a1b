"""Every lesson and every solution runs headless, top to bottom, within 60 s and 1 GB."""

import pytest
from notebooks import BUDGET_MB, BUDGET_S, LESSONS, ROOT, SOLUTIONS, execute


def test_every_chapter_has_a_lesson_and_an_assignment():
    lessons = {p.stem for p in LESSONS}
    assignments = {p.parent.name for p in SOLUTIONS}
    assert {"00_start_here", "01_chain_rule"} <= lessons
    assert lessons == assignments, "each chapter NN_name: course/NN_name.ipynb + solutions/NN_name/"
    for path in SOLUTIONS:
        assert path.name == f"{path.parent.name[:2]}_exercises.ipynb", path


@pytest.mark.slow
@pytest.mark.parametrize("path", [*LESSONS, *SOLUTIONS], ids=lambda p: str(p.relative_to(ROOT)))
def test_notebook_runs_within_budget(path):
    run = execute(path)
    assert run.error is None, run.error
    assert run.seconds <= BUDGET_S, f"{path.name} took {run.seconds:.1f} s (budget {BUDGET_S} s)"
    assert run.kernel_max_rss_mb <= BUDGET_MB, (
        f"{path.name} peaked at {run.kernel_max_rss_mb:.0f} MB (budget {BUDGET_MB} MB)"
    )
