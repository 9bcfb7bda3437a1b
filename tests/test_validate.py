"""Validate (nbgrader's button and `nbgrader validate`) with the learner's config shows each
failing test as one line and its hint first, wrapped, without package internals; an edited test
cell is still reported as changed; a lesson says it has nothing to validate."""

import os
import re
import shutil
import sys
from pathlib import Path

import chapters
import nbformat
import pytest
from nbgrader.utils import compute_checksum
from nbgrader_cli import validate_many
from traitlets.config.loader import PyFileConfigLoader

from bp2yolo.checks.report import WIDTH, HintError
from bp2yolo.validate import HintsFirst, hint_lines, label, visible

ROOT = Path(__file__).resolve().parents[1]
UNANSWERED = "written answer, graded by hand: not answered yet"
LEARNER = ROOT / "jupyter" / "learner"
BIN = Path(sys.executable).parent


def graded(cell, grade_id, points=None, solution=False):
    meta = {"grade": points is not None, "solution": solution, "locked": not solution,
            "task": False, "grade_id": grade_id, "schema_version": 3}
    if points is not None:
        meta["points"] = points
    cell.metadata["nbgrader"] = meta
    cell.metadata.nbgrader["checksum"] = compute_checksum(cell)
    return cell


def code(source, grade_id, points=None, solution=False):
    return graded(nbformat.v4.new_code_cell(source), grade_id, points, solution)


def assignment(tmp_path, answer="return 4 * x", edit_test=False):
    """A small assignment: a check that names a factor of 2, a stub, a written answer."""
    check = (
        "from bp2yolo.checks import assert_close, check\n\n\n@check\ndef check_double(f):\n"
        "    assert_close(f(1.5), 3.0, 'double(1.5)')\n\n\n@check\ndef check_half(f):\n"
        "    assert_close(f(3.0), 1.5, 'half(3.0)')\n"
    )
    long_test = "# a long test cell\n" + "x = 1\n" * 30 + "check_double(double)"
    cells = [
        code(check, "setup"),
        code("def double(x):\n    " + answer, "double", solution=True),
        code(long_test, "test_double", points=2),
        code("def half(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()", "half",
             solution=True),
        code("check_half(half)", "test_half", points=1),
        code("import math\nmath.sqrt(-1)", "test_plain_error", points=1),
        graded(nbformat.v4.new_markdown_cell("YOUR ANSWER HERE"), "derivation", 3, True),
    ]
    if edit_test:
        cells[4].source = "pass  # the learner made the test pass"
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    path = tmp_path / "assignment.ipynb"
    nbformat.write(nb, path)
    return path


def validator():
    from nbgrader.validator import Validator

    config = PyFileConfigLoader("nbgrader_config.py", path=str(LEARNER)).load_config()
    return Validator(config=config)


# Fast: the preprocessor on outputs made here, no kernel.

def test_a_hint_error_keeps_its_wrapped_hint_first():
    error = HintError("dL_dw is off by a factor of 2: it is twice the expected value. " * 3)
    error.check = "check_linear_model"
    output = {"output_type": "error", "ename": "HintError", "evalue": str(error),
              "traceback": error._render_traceback_()}
    lines = hint_lines(output)
    assert visible(lines[0]).startswith("HintError: dL_dw is off")
    assert all(len(visible(line)) <= WIDTH for line in lines)


def test_a_full_traceback_becomes_its_message_and_the_notebook_line():
    traceback = [
        "\x1b[0;31m" + "-" * 75 + "\x1b[0m",
        "\x1b[0;31mValueError\x1b[0m                Traceback (most recent call last)",
        "Cell In[4], line 2\n      1 x = 1\n----> 2 f(x)",
        "File /usr/lib/python3.11/site-packages/numpy/core/x.py:10, in g()\n---> 10 raise",
        "\x1b[0;31mValueError\x1b[0m: " + "math domain error " * 8,
    ]
    output = {"output_type": "error", "ename": "ValueError",
              "evalue": ("math domain error " * 8).strip(), "traceback": traceback}
    lines = [visible(line) for line in hint_lines(output, count=4)]
    assert lines[0].startswith("ValueError: math domain error")
    assert all(len(line) <= WIDTH for line in lines)
    assert lines[-2:] == ["  line 2 of the test", "    f(x)"]
    assert not any("site-packages" in line or "Traceback" in line for line in lines)


def test_label_names_the_test_and_its_points():
    cell = code("check_x(x)", "test_linear_model", points=3)
    assert label(cell) == "test_linear_model (3 points)"
    assert label(code("", "test_one", points=1)) == "test_one (1 point)"


def test_only_failing_cells_with_a_matching_checksum_get_a_new_source():
    failing, edited, passing = (code("check(x)\n" * 20, f"test_{i}", points=1) for i in "abc")
    edited.source = "pass"
    for cell in (failing, edited):
        cell.outputs = [nbformat.v4.new_output("error", ename="HintError", evalue="x is wrong",
                                               traceback=["HintError: x is wrong"])]
    nb = nbformat.v4.new_notebook(cells=[failing, edited, passing])
    HintsFirst().preprocess(nb, {})
    assert failing.source == "test_a (1 point)"
    assert failing.metadata.nbgrader.checksum == compute_checksum(failing)
    assert edited.source == "pass" and edited.metadata.nbgrader.checksum != compute_checksum(edited)
    assert passing.source == "check(x)\n" * 20


# With a kernel: nbgrader's Validator, configured by jupyter/learner/nbgrader_config.py.

@pytest.mark.slow
def test_validate_shows_one_line_per_failing_test_then_its_hint(tmp_path):
    results = validator().validate(str(assignment(tmp_path)))
    assert set(results) == {"failed"}
    failed = {r["source"]: visible(r["raw_error"]).split("\n") for r in results["failed"]}
    assert list(failed) == ["test_double (2 points)", "test_half (1 point)",
                            "test_plain_error (1 point)",
                            f"derivation (3 points, {UNANSWERED})"]
    assert failed["test_double (2 points)"][0].startswith(
        "HintError: double(1.5) is off by a factor of 2")
    assert failed["test_half (1 point)"][0].startswith(
        "half is not written yet")
    assert failed["test_plain_error (1 point)"][0] == "ValueError: math domain error"
    for lines in failed.values():
        assert all(len(line) <= WIDTH for line in lines), lines
        assert not any(re.search(r"site-packages|bp2yolo/|Traceback", line) for line in lines)
        assert len(lines) <= 4, lines


@pytest.mark.slow
def test_an_edited_test_cell_is_still_reported_as_changed(tmp_path):
    results = validator().validate(str(assignment(tmp_path, edit_test=True)))
    assert [r["source"] for r in results["changed"]] == ["pass  # the learner made the test pass"]


@pytest.mark.slow
def test_a_correct_answer_passes(tmp_path):
    results = validator().validate(str(assignment(tmp_path, answer="return 2 * x")))
    assert [r["source"] for r in results["failed"]][0] == "test_half (1 point)"


def test_a_lesson_says_it_has_nothing_to_validate_and_names_its_assignment(tmp_path):
    (tmp_path / "course").mkdir()
    (tmp_path / "assignments" / "04_vectors").mkdir(parents=True)
    (tmp_path / "assignments" / "04_vectors" / "04_exercises.ipynb").write_text("{}")
    lesson = tmp_path / "course" / "04_vectors.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 / 0")]), lesson)
    results = validator().validate(str(lesson))  # the lesson is not run: no kernel starts
    [entry] = results["failed"]
    assert entry["source"] == "nothing to validate: 04_vectors.ipynb is a lesson"
    error = " ".join(visible(entry["raw_error"]).split())
    assert "04_vectors.ipynb is a lesson: it has no tests" in error
    assert "assignments/04_vectors/04_exercises.ipynb" in error
    assert all(len(line) <= WIDTH for line in entry["raw_error"].split("\n"))


def config_env(config=LEARNER):
    """The environment of `nbgrader validate` with the learner's config (config=None:
    nbgrader's own layout, as a learner without `make lab` gets it)."""
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    env.pop("JUPYTER_CONFIG_PATH", None)
    if config is not None:
        env["JUPYTER_CONFIG_PATH"] = str(config)
    return env


def nbgrader_validate(path, config=LEARNER):
    """What `nbgrader validate` prints for one notebook (see config_env)."""
    return validate_many([path], env=config_env(config))[path.resolve()]


@pytest.fixture(scope="module")
def blank_reports(tmp_path_factory):
    """What `nbgrader validate`, with the learner's config, prints for each blank release: one
    call for all of them (copies, so that nothing is written beside the committed ones)."""
    root = tmp_path_factory.mktemp("releases")
    copies = {}
    for release in chapters.releases():
        shutil.copytree(release.parent, root / release.parent.name)
        copies[release] = (root / release.parent.name / release.name).resolve()
    found = validate_many(list(copies.values()), env=config_env())
    return {release: found[copy] for release, copy in copies.items()}


@pytest.mark.slow
@pytest.mark.parametrize("release", chapters.releases(), ids=lambda p: p.parent.name)
def test_cli_report_of_a_blank_release_is_short(blank_reports, release):
    """Every blank release (07, the longest, was 733 lines): at most 80 lines, each failing
    test a line of its own followed by its hint, no package internals."""
    out = blank_reports[release]
    lines = out.rstrip("\n").split("\n")
    assert "VALIDATION FAILED" in lines[0] and "Success!" not in out
    assert "not written yet: replace `raise NotImplementedError()`" in out
    assert len(lines) <= 80, out
    entries = out.split("\n--- ")[1:]
    assert len(entries) >= 3, out
    for entry in entries:
        body = [line for line in entry.split("\n") if line.strip()]
        # test_x (N points) failed: / the hint (at most 3 lines)
        assert re.fullmatch(rf"\w+ \(\d+ points?(, {UNANSWERED})?\) failed:", body[0]), entry
        assert 2 <= len(body) <= 4, entry
        assert not re.search(r"site-packages|bp2yolo/|Traceback", entry)


@pytest.mark.slow
def test_nbgraders_own_layout_of_the_blank_07_release_fits_in_80_lines(tmp_path):
    """Without the learner's config the hints are still short (they come from the kernel):
    the longest assignment's blank release stays within 80 lines, each stub's hint one line."""
    release = chapters.by_name("07").release
    shutil.copytree(release.parent, tmp_path / release.parent.name)
    out = nbgrader_validate(tmp_path / release.parent.name / release.name, config=None)
    assert "The following cell failed:" in out  # nbgrader's layout, not the learner's
    assert len(out.rstrip("\n").split("\n")) <= 80, out
    assert "box_iou is not written yet" in out and "Traceback" not in out


@pytest.mark.slow
def test_cli_on_a_lesson_does_not_say_success():
    out = nbgrader_validate(ROOT / "course" / "01_chain_rule.ipynb")
    assert "Success" not in out
    assert "01_chain_rule.ipynb is a lesson" in out
    assert "assignments/01_chain_rule/01_exercises.ipynb" in out
