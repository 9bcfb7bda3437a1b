"""Release gates: assignments/ is exactly nbgrader's output and gives nothing away."""

import shutil
import subprocess
import sys
from pathlib import Path

import chapters
import nbformat
import pytest
from harness import HIDDEN_HELPERS, ROOT, grade_id, nbgrader_meta, secret_lines
from nbgrader_cli import validate_many

SOURCES = chapters.sources()
COMMITTED = chapters.releases()
ASSIGNMENTS = sorted({p.parent.name for p in SOURCES})
SECRET_WORDS = [
    "BEGIN SOLUTION",
    "END SOLUTION",
    "BEGIN HIDDEN TESTS",
    "END HIDDEN TESTS",
    "BEGIN MARK SCHEME",
]


def sandbox(tmp: Path) -> Path:
    """A copy of what nbgrader needs, so the tests never touch the real gradebook."""
    shutil.copytree(ROOT / "solutions", tmp / "solutions")
    shutil.copytree(ROOT / "assignments", tmp / "assignments")
    shutil.copytree(ROOT / "tools", tmp / "tools", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp / "grading").mkdir()
    for path in (ROOT / "grading").glob("*.py"):  # the grader's code, none of its runtime files
        shutil.copy(path, tmp / "grading" / path.name)
    shutil.copytree(ROOT / "grading" / "sandboxed", tmp / "grading" / "sandboxed",
                    ignore=shutil.ignore_patterns("__pycache__"))
    return tmp


@pytest.fixture(scope="module")
def fresh(tmp_path_factory) -> Path:
    root = sandbox(tmp_path_factory.mktemp("release"))
    shutil.rmtree(root / "assignments")
    subprocess.run(
        [sys.executable, str(root / "grading" / "course.py"), "release"],
        check=True,
        capture_output=True,
    )
    return root / "assignments"


def test_there_are_assignments():
    assert "01_chain_rule" in ASSIGNMENTS
    assert [p.parent.name for p in COMMITTED] == [p.parent.name for p in SOURCES]


@pytest.mark.slow
def test_committed_release_is_what_nbgrader_generates(fresh):
    committed = {
        p.relative_to(ROOT / "assignments")
        for p in (ROOT / "assignments").rglob("*")
        if p.is_file()
    }
    generated = {p.relative_to(fresh) for p in fresh.rglob("*") if p.is_file()}
    assert committed == generated, "run `make release` and commit assignments/"
    for rel in sorted(generated):
        assert (ROOT / "assignments" / rel).read_bytes() == (fresh / rel).read_bytes(), (
            f"assignments/{rel} differs from nbgrader's output: run `make release`"
        )


@pytest.mark.slow
def test_release_is_deterministic(fresh, tmp_path):
    """A second release makes the same bytes (so `make release` leaves git status clean)."""
    root = sandbox(tmp_path)
    subprocess.run(
        [sys.executable, str(root / "grading" / "course.py"), "release"],
        check=True,
        capture_output=True,
    )
    for path in fresh.rglob("*.ipynb"):
        rel = path.relative_to(fresh)
        assert (root / "assignments" / rel).read_bytes() == path.read_bytes()


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.parent.name)
def test_release_leaks_no_solution_and_no_hidden_test(source):
    release = ROOT / "assignments" / source.parent.name / source.name
    text = release.read_text()
    for word in SECRET_WORDS:
        assert word not in text, f"{release.name} contains {word!r}"
    secrets = secret_lines(nbformat.read(source, as_version=4))
    assert secrets, "the source should have solutions and hidden tests"
    released_lines = {
        ln.strip()
        for c in nbformat.read(release, as_version=4).cells
        for ln in c.source.splitlines()
    }
    leaked = sorted(secrets & released_lines)
    assert not leaked, f"{release.name} leaks: {leaked[:5]}"


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.parent.name)
def test_source_metadata_is_well_formed(source):
    nb = nbformat.read(source, as_version=4)
    assert nb.metadata.kernelspec.name == "python3"
    ids = [grade_id(c) for c in nb.cells if grade_id(c)]
    assert len(ids) == len(set(ids)), "grade_ids must be unique"
    manual = 0
    for i, cell in enumerate(nb.cells):
        meta = nbgrader_meta(cell)
        if not meta:
            continue
        assert meta["schema_version"] == 3 and meta.get("grade_id"), cell.source[:60]
        if meta.get("grade"):
            if meta["grade_id"] != HIDDEN_HELPERS:  # 0 points: it only defines hidden helpers
                assert meta.get("points", 0) > 0, f"{meta['grade_id']} is graded but has no points"
        if meta.get("solution") and cell.cell_type == "code":
            assert "### BEGIN SOLUTION" in cell.source and "### END SOLUTION" in cell.source, (
                f"solution cell {meta['grade_id']} lacks BEGIN/END SOLUTION markers"
            )
        if meta.get("grade") and not meta.get("solution"):
            assert meta.get("locked"), f"test cell {meta['grade_id']} must be locked"
        if cell.cell_type == "markdown" and meta.get("grade") and meta.get("solution"):
            manual += 1
            question = nb.cells[i - 1]
            assert question.cell_type == "markdown" and nbgrader_meta(question).get("locked"), (
                f"written answer {meta['grade_id']} needs its question in a locked cell above it"
            )
        if "BEGIN HIDDEN TESTS" in cell.source:
            assert meta.get("grade") and not meta.get("solution"), "hidden tests only in test cells"
    assert manual >= 1, "every assignment has at least one manually graded written answer"


@pytest.mark.parametrize(
    "path",
    [*SOURCES, *COMMITTED, *chapters.lessons()],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_committed_notebooks_have_no_outputs(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, (
                f"{path.name} has outputs: clear them before committing"
            )


@pytest.fixture(scope="module")
def solution_reports(tmp_path_factory):
    """What `nbgrader validate` prints for each solution notebook: one call for all (copies)."""
    copies = {}
    for source in SOURCES:
        folder = tmp_path_factory.mktemp(source.parent.name)
        copies[source] = (folder / source.name).resolve()
        shutil.copy(source, copies[source])
    found = validate_many(list(copies.values()))
    return {source: found[copy] for source, copy in copies.items()}


@pytest.mark.slow
@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.parent.name)
def test_nbgrader_validate_passes_the_solution(source, solution_reports):
    """`nbgrader validate` exits 0 even when tests fail, so read what it says. (That it fails
    every blank release, one line per stub, is tests/test_validate.py's
    test_cli_report_of_a_blank_release_is_short.)"""
    assert "Success! Your notebook passes all the tests." in solution_reports[source]
