"""The code of every assignment reads well: short visible test cells, nothing written twice.

- A visible test cell (what learners read: the test cell without its hidden region) is at most
  MAX_VISIBLE_LINES lines; its checks live in named functions in bp2yolo.checks.chNN.
- No stretch of WINDOW or more lines repeats within a notebook's code, hidden regions
  included: a helper used by several hidden regions lives once, in the hidden-helpers cell.
  The same holds for the release that learners read, where every solution is the same stub.
  Lines are compared stripped, without blank lines.
"""

from __future__ import annotations

import chapters
import nbformat
import pytest
import regions
from harness import grade_id, is_test_cell

MAX_VISIBLE_LINES = 40
WINDOW = 6


def code_lines(source: str) -> list[str]:
    """The lines that count: every line but the blank ones, stripped (comments and region
    markers count too: a copied stretch is a copy with its comments)."""
    return [text for line in source.split("\n") if (text := line.strip())]


def repeats(cells: list[tuple[str, str]], window: int = WINDOW) -> list[str]:
    """Each stretch of `window` lines that occurs twice among the cells (name, source)."""
    seen: dict[tuple[str, ...], str] = {}
    found = []
    for name, source in cells:
        lines = code_lines(source)
        for i in range(len(lines) - window + 1):
            key = tuple(lines[i : i + window])
            if key in seen:
                found.append(f"{seen[key]} and {name} line {i + 1}: {key[0]!r} ...")
            else:
                seen[key] = f"{name} line {i + 1}"
    return found


def test_repeats_finds_a_copy_and_ignores_blank_lines():
    block = "\n".join(f"x{i} = {i}" for i in range(6))
    assert repeats([("a", block), ("b", "\n" + block)])
    assert not repeats([("a", block), ("b", "\n".join(f"y{i} = {i}" for i in range(6)))])
    assert not repeats([("a", block + "\n" + "z = 0")])


@pytest.mark.parametrize("path", chapters.sources(), ids=lambda p: p.parent.name)
def test_visible_test_cells_are_short(path):
    for cell in nbformat.read(path, as_version=4).cells:
        if is_test_cell(cell):
            visible = regions.remove(cell.source, "hidden").strip().splitlines()
            assert len(visible) <= MAX_VISIBLE_LINES, (
                f"{grade_id(cell)} shows learners {len(visible)} lines (at most "
                f"{MAX_VISIBLE_LINES}): move its checks into bp2yolo.checks"
            )


@pytest.mark.parametrize("path", chapters.sources() + chapters.releases(),
                         ids=lambda p: f"{p.parent.parent.name}/{p.parent.name}")
def test_no_code_is_written_twice_in_an_assignment(path):
    cells = [
        (grade_id(c) or f"cell {i}", c.source)
        for i, c in enumerate(nbformat.read(path, as_version=4).cells)
        if c.cell_type == "code"
    ]
    found = repeats(cells)
    assert not found, "repeated code (move it into one helper):\n" + "\n".join(found[:10])
