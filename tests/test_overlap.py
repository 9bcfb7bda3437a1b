"""An assignment is not its lesson again: under 10% of its answer lines stand in the lesson
(tools/overlap.py states the measure), and the part that repeats it on purpose says so."""

from __future__ import annotations

import chapters
import nbformat
import overlap
import pytest

GRADED = [c for c in chapters.CHAPTERS if c.assignment]


@pytest.mark.parametrize("chapter", GRADED, ids=lambda c: c.name)
def test_answers_are_not_the_lesson(chapter):
    hits, total = overlap.repeated(chapter)
    assert total > 0
    assert len(hits) / total < overlap.LIMIT, (
        f"{len(hits)} of {total} answer lines of {chapter.name} stand verbatim in its lesson:\n"
        + "\n".join(hits)
    )


def test_the_lesson_engine_given_in_02_says_why():
    """Chapter 02 gives the learner the lesson's engine in a locked cell (not counted above)."""
    chapter = next(c for c in GRADED if c.number == "02")
    release = nbformat.read(chapter.release, as_version=4)
    given = [c for c in release.cells if c.cell_type == "code" and "class LessonValue" in c.source]
    assert given and given[0].metadata["nbgrader"]["locked"]
    assert not overlap.answer_lines(given[0].source)
    text = "\n".join(c.source for c in release.cells if c.cell_type == "markdown")
    assert "on purpose" in text


@pytest.mark.parametrize("chapter", GRADED, ids=lambda c: c.name)
def test_the_introduction_says_what_the_learner_will_be_able_to_do(chapter):
    intro = nbformat.read(chapter.release, as_version=4).cells[0].source.replace("**", "")
    assert "When you are done you will be able to" in " ".join(intro.split()), chapter.name
    after = intro.split("able to", 1)[1].lstrip(":").lstrip()
    assert after.startswith("* "), f"{chapter.name}: a list of what the learner can do follows"


def test_the_measure_sees_a_copied_line():
    assert overlap.tokens("dL_dw = dL_dy * x  # a comment") == overlap.tokens("dL_dw=dL_dy*x")
    assert overlap.answer_lines("def f():\n    ### BEGIN SOLUTION\n    return a + b\n"
                                "    import os\n    ### END SOLUTION") == ["return a + b"]
