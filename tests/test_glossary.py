"""The English/Chinese glossaries (fast): every lesson ends with the words it introduced, and
lesson 00's glossary lists every one of them with the chapters whose glossary has it.

A term is matched by its English name without the parts in parentheses, in lower case:
"binary cross-entropy (BCE)" is the term "binary cross-entropy".
"""

from __future__ import annotations

import functools
import re

import chapters
import nbformat
import pytest

HEADING = "## Glossary: the words of this lesson"
LESSON_COLUMNS = ["English", "中文", "where in this lesson"]
START_COLUMNS = ["English", "中文", "in short", "chapter"]
START_HERE = chapters.by_name("00")
LESSONS = [c for c in chapters.CHAPTERS if c.number != "00"]
NUMBERS = {c.number for c in chapters.CHAPTERS}

# The words the issue asked for, with their standard Chinese terms.
REQUIRED = {
    "automatic differentiation": "自动微分",
    "topological order": "拓扑排序",
    "error term / delta": "误差项",
    "binary cross-entropy": "二元交叉熵",
    "vector-jacobian product": "向量-雅可比积",
    "anchor box": "锚框",
    "non-maximum suppression": "非极大值抑制",
}


def key(english: str) -> str:
    """'Binary cross-entropy (BCE)' -> 'binary cross-entropy'."""
    return " ".join(re.sub(r"\([^)]*\)", " ", english).lower().split())


def table(source: str) -> tuple[list[str], list[list[str]]]:
    """The first Markdown table in source: its header and its rows, each a list of cells."""
    lines = [line.strip() for line in source.splitlines() if line.strip().startswith("|")]
    assert len(lines) >= 3, f"no table with rows in:\n{source[:300]}"
    cells = [[c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]] for line in lines]
    assert set("".join(cells[1])) <= set("-: "), f"the second line is no separator: {lines[1]}"
    return cells[0], cells[2:]


@functools.cache
def lesson_glossary(chapter: chapters.Chapter) -> dict[str, list[str]]:
    """key -> row (English, 中文, where) of the glossary that ends the chapter's lesson."""
    nb = nbformat.read(str(chapter.lesson), as_version=4)
    last = nb.cells[-1]
    assert last.cell_type == "markdown" and last.source.startswith(HEADING + "\n"), (
        f"{chapter.lesson.name} does not end with a Markdown cell headed '{HEADING}'"
    )
    header, rows = table(last.source)
    assert header == LESSON_COLUMNS, f"{chapter.lesson.name}: columns {header}"
    return by_key(rows, len(LESSON_COLUMNS), chapter.lesson.name)


def by_key(rows: list[list[str]], width: int, where: str) -> dict[str, list[str]]:
    """key -> row, each row complete and each term once."""
    glossary: dict[str, list[str]] = {}
    for row in rows:
        assert len(row) == width and all(row), f"{where}: incomplete row {row}"
        assert key(row[0]) not in glossary, f"{where}: {row[0]!r} twice"
        glossary[key(row[0])] = row
    return glossary


@functools.cache
def start_here() -> tuple[dict[str, list[str]], str]:
    """key -> row (English, 中文, in short, chapter) of lesson 00's glossary, and the text of
    the rest of lesson 00 (every other cell)."""
    nb = nbformat.read(str(START_HERE.lesson), as_version=4)
    cells = [c for c in nb.cells if c.cell_type == "markdown" and "| 中文 |" in c.source]
    assert len(cells) == 1, "lesson 00 should have one glossary table"
    header, rows = table(cells[0].source)
    assert header == START_COLUMNS, f"lesson 00's glossary has the columns {header}"
    glossary = by_key(rows, len(START_COLUMNS), "lesson 00")
    rest = "\n".join(c.source for c in nb.cells if c is not cells[0])
    return glossary, rest


def chapters_of(row: list[str]) -> list[str]:
    listed = [c.strip() for c in row[3].split(",")]
    assert listed == sorted(set(listed)) and set(listed) <= NUMBERS, (
        f"lesson 00, {row[0]!r}: the chapters {row[3]!r} should be distinct chapter numbers "
        "in increasing order, e.g. '03, 06'"
    )
    return listed


def chinese(text: str) -> str:
    return "".join(text.split())


@pytest.mark.parametrize("chapter", LESSONS, ids=lambda c: c.number)
def test_every_lesson_ends_with_the_words_it_introduced(chapter):
    glossary = lesson_glossary(chapter)
    assert len(glossary) >= 5, f"{chapter.lesson.name}: only {len(glossary)} terms"
    for english, zh, _where in glossary.values():
        assert re.search(r"[\u4e00-\u9fff]", zh), f"{chapter.lesson.name}: {english!r}: no Chinese"
    nb = nbformat.read(str(chapter.lesson), as_version=4)
    assert sum(HEADING in c.source for c in nb.cells) == 1, "one glossary per lesson, at the end"


@pytest.mark.parametrize("chapter", LESSONS, ids=lambda c: c.number)
def test_every_term_of_a_lesson_is_in_start_here_with_its_chapter(chapter):
    everything, _ = start_here()
    for k, (english, zh, _where) in lesson_glossary(chapter).items():
        assert k in everything, f"{english!r} ({chapter.lesson.name}) is missing from lesson 00"
        row = everything[k]
        assert chapter.number in chapters_of(row), (
            f"lesson 00 lists {english!r} under chapters {row[3]}, not {chapter.number}"
        )
        assert chinese(row[1]) == chinese(zh), (
            f"{english!r}: lesson 00 says {row[1]!r}, {chapter.lesson.name} says {zh!r}"
        )


def test_start_here_lists_a_chapter_only_where_that_chapter_has_the_term():
    everything, rest = start_here()
    glossaries = {c.number: lesson_glossary(c) for c in LESSONS}
    first = []
    for k, row in everything.items():
        listed = chapters_of(row)
        first.append(listed[0])
        for number in listed:
            if number == "00":  # this page: every part of the term is in its other cells
                for part in key(row[0]).split("/"):
                    assert part.strip() in rest.lower(), f"lesson 00 never says {part.strip()!r}"
            else:
                assert k in glossaries[number], (
                    f"lesson 00 lists {row[0]!r} under chapter {number}, whose glossary lacks it"
                )
    assert first == sorted(first), "lesson 00's glossary is in the order the chapters meet them"


def test_cross_entropy_is_binary_in_03_and_multi_class_in_06():
    everything, _ = start_here()
    row = everything["cross-entropy"]
    assert {"03", "06"} <= set(chapters_of(row))
    assert "binary" in row[2].lower() and "multi-class" in row[2].lower(), row[2]
    for number, kind in [("03", "binary"), ("06", "multi-class")]:
        where = lesson_glossary(chapters.by_name(number))["cross-entropy"][2]
        assert kind in where.lower(), f"lesson {number}'s cross-entropy row should say {kind}"
    assert "03" in chapters_of(everything["binary cross-entropy"])


def test_start_here_has_the_words_the_issue_asked_for():
    everything, _ = start_here()
    for k, zh in REQUIRED.items():
        assert k in everything, f"lesson 00's glossary has no {k!r}"
        assert chinese(zh) in chinese(everything[k][1]), f"{k!r}: {everything[k][1]!r}"
