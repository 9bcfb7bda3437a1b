"""tools/workspace.py: the learner's copies of the course, and how course updates reach them.

The rules run on a throwaway course in a temporary directory, with fixed kernel metadata (no
kernel); one test asks the real kernel, as JupyterLab does when it opens a notebook.
"""

# noqa on the block: ruff counts `workspace` first-party while a workspace/ folder exists.
import json
import sys

import chapters
import nbformat
import pytest
import workspace
from jupyter_server.services.contents.filemanager import FileContentsManager

META = {
    "kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"},
    "language_info": {"name": "python", "version": "3.11.0", "mimetype": "text/x-python",
                      "file_extension": ".py", "codemirror_mode": {"name": "ipython", "version": 3},
                      "pygments_lexer": "ipython3", "nbconvert_exporter": "python"},
}


def notebook(*sources: str) -> str:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    nb.metadata = {"kernelspec": dict(META["kernelspec"]), "language_info": {"name": "python"}}
    return nbformat.writes(nb) + "\n"


class Course:
    """A course repository in tmp_path/repo and a learner's workspace in tmp_path/workspace."""

    def __init__(self, tmp_path):
        self.repo, self.workspace = tmp_path / "repo", tmp_path / "workspace"
        self.files: list[tuple] = []

    def add(self, rel: str, *sources: str) -> None:
        path = self.repo / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(notebook(*sources))
        if rel not in [r for _, r in self.files]:
            self.files.append((path, rel))

    def sync(self) -> list[str]:
        return workspace.sync(self.workspace, self.files, metadata=lambda name: META)

    def copy(self, rel: str) -> dict:
        return json.loads((self.workspace / rel).read_text())


@pytest.fixture
def course(tmp_path):
    c = Course(tmp_path)
    c.add("course/00_a.ipynb", "print('lesson 0')")
    c.add("assignments/00_a/00_exercises.ipynb", "raise NotImplementedError()")
    return c


def sources(nb: dict) -> list[str]:
    return ["".join(cell["source"]) for cell in nb["cells"]]


def test_first_copy_has_every_notebook_with_the_kernels_metadata(course):
    assert course.sync() == ["new: course/00_a.ipynb", "new: assignments/00_a/00_exercises.ipynb"]
    for src, rel in course.files:
        copy, original = course.copy(rel), json.loads(src.read_text())
        assert copy["cells"] == original["cells"]
        assert copy["metadata"] == META
    manifest = json.loads((course.workspace / workspace.MANIFEST).read_text())
    assert set(manifest["notebooks"]) == {rel for _, rel in course.files}
    assert course.sync() == []  # nothing new: nothing done


def test_a_new_chapter_arrives_and_nothing_else_moves(course):
    course.sync()
    before = {rel: (course.workspace / rel).read_bytes() for _, rel in course.files}
    course.add("course/01_b.ipynb", "print('lesson 1')")
    assert course.sync() == ["new: course/01_b.ipynb"]
    assert sources(course.copy("course/01_b.ipynb")) == ["print('lesson 1')"]
    assert all((course.workspace / rel).read_bytes() == data for rel, data in before.items())


def test_a_notebook_the_learner_never_saved_is_updated(course):
    course.sync()
    course.add("course/00_a.ipynb", "print('lesson 0, corrected')")
    assert course.sync() == ["updated: course/00_a.ipynb"]
    assert sources(course.copy("course/00_a.ipynb")) == ["print('lesson 0, corrected')"]
    assert course.copy("course/00_a.ipynb")["metadata"] == META
    assert not (course.workspace / "course/00_a.updated.ipynb").exists()


def learner_edits(course, rel: str, answer: str) -> bytes:
    nb = course.copy(rel)
    nb["cells"][0]["source"] = answer
    data = (json.dumps(nb, indent=1) + "\n").encode()
    (course.workspace / rel).write_bytes(data)
    return data


def test_a_notebook_the_learner_changed_is_kept_and_the_update_goes_beside_it(course):
    rel = "assignments/00_a/00_exercises.ipynb"
    beside = "assignments/00_a/00_exercises.updated.ipynb"
    course.sync()
    theirs = learner_edits(course, rel, "answer = 42")
    assert course.sync() == []  # their work, no course change: left alone
    course.add(rel, "raise NotImplementedError()  # clearer instructions")
    (message,) = course.sync()
    assert (course.workspace / rel).read_bytes() == theirs
    assert rel in message and beside in message and "kept" in message
    assert sources(course.copy(beside)) == ["raise NotImplementedError()  # clearer instructions"]
    assert course.copy(beside)["metadata"] == META
    assert course.sync() == []  # said once, not at every start

    course.add(rel, "raise NotImplementedError()  # version 3")  # the offered copy is replaced ...
    assert course.sync() == [message]
    assert sources(course.copy(beside)) == ["raise NotImplementedError()  # version 3"]
    learner_edits(course, beside, "notes of mine")  # ... unless the learner edited it too
    course.add(rel, "raise NotImplementedError()  # version 4")
    (message,) = course.sync()
    assert "00_exercises.updated-2.ipynb" in message
    assert sources(course.copy(beside)) == ["notes of mine"]
    assert (course.workspace / rel).read_bytes() == theirs


def test_taking_the_update_makes_the_notebook_follow_the_course_again(course):
    rel, beside = "course/00_a.ipynb", "course/00_a.updated.ipynb"
    course.sync()
    learner_edits(course, rel, "print('my notes')")
    course.add(rel, "print('v2')")
    course.sync()
    (course.workspace / beside).replace(course.workspace / rel)  # they take the new version
    assert course.sync() == []
    course.add(rel, "print('v3')")
    assert course.sync() == [f"updated: {rel}"]
    assert sources(course.copy(rel)) == ["print('v3')"]


def test_a_deleted_copy_is_restored_fresh(course):
    course.sync()
    (course.workspace / "course/00_a.ipynb").unlink()
    assert course.sync() == ["restored: course/00_a.ipynb"]
    assert sources(course.copy("course/00_a.ipynb")) == ["print('lesson 0')"]


def test_a_notebook_without_a_record_is_never_overwritten(course):
    (course.workspace / "course").mkdir(parents=True)
    (course.workspace / "course/00_a.ipynb").write_text(notebook("print('mine')"))
    done = course.sync()
    assert "kept your course/00_a.ipynb" in done[0]
    assert sources(course.copy("course/00_a.ipynb")) == ["print('mine')"]
    assert sources(course.copy("course/00_a.updated.ipynb")) == ["print('lesson 0')"]
    assert course.sync() == []


def test_opening_and_saving_a_copy_unchanged_keeps_it_pristine(course, tmp_path):
    """Jupyter's contents manager writes back the very bytes the copy has (then the kernel's
    metadata, already there, changes nothing), so the copy still follows course updates."""
    course.sync()
    manager = FileContentsManager(root_dir=str(course.workspace))
    for _, rel in course.files:
        before = (course.workspace / rel).read_bytes()
        manager.save(manager.get(rel), rel)
        assert (course.workspace / rel).read_bytes() == before
    course.add("course/00_a.ipynb", "print('v2')")
    assert course.sync() == ["updated: course/00_a.ipynb"]


def test_the_metadata_is_what_the_kernel_reports():
    """JupyterLab sets language_info from the kernel's kernel_info reply and kernelspec from
    the kernel spec: the same values, so a copy opens without unsaved changes."""
    meta = workspace.kernel_metadata("python3")
    version = ".".join(map(str, sys.version_info[:3]))
    assert meta["language_info"]["name"] == "python"
    assert meta["language_info"]["version"] == version
    assert meta["kernelspec"] == {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                  "language": "python"}


def test_the_workspace_has_every_chapters_lesson_and_assignment():
    rels = [rel for _, rel in workspace.course_notebooks()]
    expected = [c.lesson for c in chapters.CHAPTERS] + chapters.releases()
    assert sorted(rels) == sorted(p.relative_to(chapters.ROOT).as_posix() for p in expected)
    assert rels[0] == "course/00_start_here.ipynb"

