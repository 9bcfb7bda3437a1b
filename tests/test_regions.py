"""tools/regions.py parses nbgrader's regions exactly as nbgrader does, and rejects bad ones."""

from __future__ import annotations

import chapters
import nbformat
import pytest
import regions
from nbgrader.preprocessors import ClearHiddenTests, ClearSolutions

SOURCE = """\
def f(x):
    ### BEGIN SOLUTION
    return 2 * x
    ### END SOLUTION
assert f(1) == 2
## BEGIN HIDDEN TESTS
assert f(3) == 6
# END HIDDEN TESTS
print("done")"""


def test_remove_keep_and_stub():
    assert regions.keep(SOURCE, "hidden") == "assert f(3) == 6"
    assert regions.keep(SOURCE, "solution") == "    return 2 * x"
    assert "assert f(3)" not in regions.remove(SOURCE, "hidden")
    assert "HIDDEN" not in regions.remove(SOURCE, "hidden")
    assert "### BEGIN SOLUTION" in regions.remove(SOURCE, "hidden")  # other kinds stay
    assert regions.remove(SOURCE, "hidden", "# hidden").splitlines()[5] == "# hidden"
    stub = regions.stub_solutions(SOURCE).splitlines()
    assert stub[1:3] == ["    # YOUR CODE HERE", "    raise NotImplementedError()"]
    assert regions.has(SOURCE, "hidden") and not regions.has("x = 1", "hidden")


@pytest.mark.parametrize(
    ("source", "says"),
    [
        ("### BEGIN SOLUTION\nx = 1", "never closed"),
        ("### BEGIN HIDDEN TESTS\n### BEGIN HIDDEN TESTS\n### END HIDDEN TESTS", "nested"),
        ("### BEGIN SOLUTION\n### BEGIN HIDDEN TESTS\n", "nested"),
        ("x = 1\n### END HIDDEN TESTS", "closes no open region"),
        ("### BEGIN SOLUTION\n### END HIDDEN TESTS", "closes the solution region"),
    ],
)
def test_bad_regions_are_rejected_with_the_line(source, says):
    with pytest.raises(regions.RegionError, match=says):
        regions.parse(source)
    with pytest.raises(regions.RegionError, match="line "):
        regions.parse(source)


def nbgrader_without_hidden(source: str) -> str:
    cell = nbformat.v4.new_code_cell(source)
    ClearHiddenTests()._remove_hidden_test_region(cell)
    return cell.source


def nbgrader_stubbed(source: str) -> str:
    cell = nbformat.v4.new_code_cell(source)
    ClearSolutions()._replace_solution_region(cell, "python")
    return cell.source


@pytest.mark.parametrize("path", chapters.sources(), ids=lambda p: p.parent.name)
def test_agrees_with_nbgrader_on_every_source_cell(path):
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type == "code":
            assert regions.remove(cell.source, "hidden") == nbgrader_without_hidden(cell.source)
            assert regions.stub_solutions(cell.source) == nbgrader_stubbed(cell.source)


def test_agrees_with_nbgrader_on_marker_variants():
    assert regions.remove(SOURCE, "hidden") == nbgrader_without_hidden(SOURCE)
    assert regions.stub_solutions(SOURCE) == nbgrader_stubbed(SOURCE)
