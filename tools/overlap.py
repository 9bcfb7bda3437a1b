"""How much of an assignment's answer stands verbatim in its chapter's lesson.

COURSE.md: "no solution line appears verbatim in the lesson". The measure, per chapter: of the
answer lines (inside `### BEGIN SOLUTION` regions of code cells, 4 tokens or more, not a `def`,
an import or a comment), the share whose tokens (comments and spacing ignored) are a line of
some code cell of the lesson. tests/test_overlap.py keeps every chapter under LIMIT.

A part that repeats the lesson on purpose (chapter 02's Value engine, which the assignment
extends) is given to the learner in a locked cell, outside every solution region, so it is not
counted; the assignment says why.

    python tools/overlap.py [-v]    every chapter's share, and with -v the repeated lines
"""

from __future__ import annotations

import io
import sys
import tokenize
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))

import chapters  # noqa: E402
import regions  # noqa: E402

LIMIT = 0.10
MIN_TOKENS = 4

_SKIP = {tokenize.NEWLINE, tokenize.NL, tokenize.ENDMARKER, tokenize.INDENT, tokenize.DEDENT,
         tokenize.COMMENT}


def tokens(line: str) -> tuple[str, ...]:
    """The line's Python tokens without comments and layout (split on spaces if it is not
    a whole statement, such as an opening `if ...:` or a line inside brackets)."""
    try:
        found = tokenize.generate_tokens(io.StringIO(line.strip() + "\n").readline)
        return tuple(t.string for t in found if t.type not in _SKIP)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return tuple(line.split("#")[0].split())


def answer_lines(source: str) -> list[str]:
    """The lines of a cell's solution regions that the measure counts."""
    out = []
    for line in regions.keep(source, "solution").split("\n"):
        text = line.strip()
        if not text or text.startswith(("def ", "import ", "from ", "#", "class ")):
            continue
        if len(tokens(text)) >= MIN_TOKENS:
            out.append(text)
    return out


def lesson_lines(chapter: chapters.Chapter) -> set[tuple[str, ...]]:
    lesson = nbformat.read(chapter.lesson, as_version=4)
    return {tokens(line) for cell in lesson.cells if cell.cell_type == "code"
            for line in cell.source.split("\n")}


def repeated(chapter: chapters.Chapter) -> tuple[list[str], int]:
    """(the answer lines that stand in the lesson, the number of answer lines counted)."""
    seen = lesson_lines(chapter)
    source = nbformat.read(chapter.source, as_version=4)
    hits, total = [], 0
    for cell in source.cells:
        if cell.cell_type != "code":
            continue
        for line in answer_lines(cell.source):
            total += 1
            if tokens(line) in seen:
                hits.append(line)
    return hits, total


def main() -> None:
    for chapter in chapters.CHAPTERS:
        if not chapter.assignment:
            continue
        hits, total = repeated(chapter)
        print(f"{chapter.name}: {len(hits)}/{total} answer lines in the lesson"
              f" ({len(hits) / max(total, 1):.0%})")
        if "-v" in sys.argv:
            for line in hits:
                print("    " + line)


if __name__ == "__main__":
    main()
