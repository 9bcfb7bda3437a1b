"""nbgrader's marked regions in a cell's source, parsed one way for the whole repository.

Tests, grading and feedback all read the regions through this module, with nbgrader's own rule:
a line that *contains* the marker text opens or closes a region, whatever comes before it
(`### BEGIN SOLUTION`, `## BEGIN HIDDEN TESTS` and `# BEGIN SOLUTION` all count), and the marker
lines themselves belong to no region. `tests/test_regions.py` proves that this parser and
nbgrader's ClearSolutions / ClearHiddenTests agree on every source notebook.

    parse(source)            [(line, region or None, is_marker)] for every line
    remove(source, kind)     the source without that kind's regions (and their marker lines)
    keep(source, kind)       only the lines inside that kind's regions
    stub_solutions(source)   what nbgrader releases: each solution region becomes the code stub

A region that is never closed, a region opened inside another, and an END with no BEGIN raise
RegionError with the line number, as nbgrader refuses the first two.
"""

from __future__ import annotations

from typing import NamedTuple

KINDS = {
    "solution": ("BEGIN SOLUTION", "END SOLUTION"),
    "hidden": ("BEGIN HIDDEN TESTS", "END HIDDEN TESTS"),
    "mark_scheme": ("BEGIN MARK SCHEME", "END MARK SCHEME"),
}
CODE_STUB = ("# YOUR CODE HERE", "raise NotImplementedError()")


class RegionError(ValueError):
    """A source whose regions nbgrader would reject (or silently mangle)."""


class Line(NamedTuple):
    text: str
    region: str | None  # the kind of the region the line is in, None outside every region
    marker: bool  # a BEGIN or END line (it belongs to no region)


def _marker(line: str) -> tuple[str, str] | None:
    """('begin' | 'end', kind) when the line is a marker, else None."""
    for kind, (begin, end) in KINDS.items():
        if begin in line:
            return "begin", kind
        if end in line:
            return "end", kind
    return None


def parse(source: str) -> list[Line]:
    """Every line of `source` (split on newlines, as nbgrader does) with its region."""
    out: list[Line] = []
    open_kind: str | None = None
    opened_at = 0
    for number, text in enumerate(source.split("\n"), start=1):
        found = _marker(text)
        if found is None:
            out.append(Line(text, open_kind, False))
            continue
        edge, kind = found
        if edge == "begin":
            if open_kind is not None:
                raise RegionError(
                    f"line {number}: {KINDS[kind][0]} inside the {open_kind} region opened at "
                    f"line {opened_at}: regions cannot be nested"
                )
            open_kind, opened_at = kind, number
        else:
            if open_kind != kind:
                where = f"the {open_kind} region opened at line {opened_at}" if open_kind else (
                    "no open region"
                )
                raise RegionError(f"line {number}: {KINDS[kind][1]} closes {where}")
            open_kind = None
        out.append(Line(text, None, True))
    if open_kind is not None:
        raise RegionError(
            f"line {opened_at}: {KINDS[open_kind][0]} is never closed by {KINDS[open_kind][1]}"
        )
    return out


def has(source: str, kind: str) -> bool:
    """Whether the source has a region of this kind."""
    return any(line.marker and KINDS[kind][0] in line.text for line in parse(source))


def remove(source: str, kind: str, placeholder: str | None = None) -> str:
    """The source without the regions of `kind` (marker lines included); each region becomes
    `placeholder`, indented like its BEGIN line, when one is given."""
    lines = [] if placeholder is None else [placeholder]
    return _replace(source, kind, lines)


def keep(source: str, kind: str) -> str:
    """Only the lines inside the regions of `kind`, in order ('' when there are none)."""
    return "\n".join(line.text for line in parse(source) if line.region == kind)


def stub_solutions(source: str) -> str:
    """The source as nbgrader releases a code cell: each solution region becomes the stub."""
    return _replace(source, "solution", list(CODE_STUB))


def _replace(source: str, kind: str, lines: list[str]) -> str:
    out = []
    for line in parse(source):
        line_kind = _marker(line.text)[1] if line.marker else line.region
        if line_kind != kind:
            out.append(line.text)
        elif line.marker and KINDS[kind][0] in line.text:
            indent = line.text[: len(line.text) - len(line.text.lstrip())]
            out += [indent + text for text in lines]
    return "\n".join(out)
