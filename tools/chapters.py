"""The one list of the course's chapters. Tests, grading, the notebook gate and `make lab`
iterate CHAPTERS; nothing else finds chapters by globbing (tests/test_chapters.py checks that
every notebook on disk belongs to a chapter listed here).

To add a chapter: append it here, with its lesson in course/ and, when it has an assignment,
its source notebook in solutions/NN_slug/NN_exercises.ipynb (`make release` makes the release).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Chapter:
    number: str  # "01"
    slug: str  # "chain_rule"
    title: str
    assignment: bool = True  # whether it has solutions/ and assignments/ notebooks

    @property
    def name(self) -> str:
        """'01_chain_rule': the lesson's stem and the assignment's folder name."""
        return f"{self.number}_{self.slug}"

    @property
    def lesson(self) -> Path:
        return ROOT / "course" / f"{self.name}.ipynb"

    @property
    def source(self) -> Path:
        """The nbgrader source notebook (solutions and hidden tests)."""
        return ROOT / "solutions" / self.name / f"{self.number}_exercises.ipynb"

    @property
    def release(self) -> Path:
        """The nbgrader release notebook that learners get."""
        return ROOT / "assignments" / self.name / f"{self.number}_exercises.ipynb"


CHAPTERS: tuple[Chapter, ...] = (
    Chapter("00", "start_here", "Start here"),
    Chapter("01", "chain_rule", "Chain rule and gradient descent"),
    Chapter("02", "computational_graphs", "Computational graphs"),
    Chapter("03", "backprop_through_a_network", "Backprop through a network, neuron by neuron"),
    Chapter("04", "vector_backprop", "Vector backprop"),
    Chapter("05", "matrix_backprop", "Matrix backprop"),
    Chapter("06", "softmax_network", "A two-layer softmax network"),
    Chapter("07", "yolo_loss", "A GPU-enabled YOLO loss"),
)


def with_assignments() -> list[Chapter]:
    return [c for c in CHAPTERS if c.assignment]


def lessons() -> list[Path]:
    return [c.lesson for c in CHAPTERS]


def sources() -> list[Path]:
    return [c.source for c in with_assignments()]


def releases() -> list[Path]:
    return [c.release for c in with_assignments()]


def by_name(name: str) -> Chapter:
    """The chapter whose name ('01_chain_rule') or number ('01') this is; KeyError otherwise."""
    for chapter in CHAPTERS:
        if name in (chapter.name, chapter.number):
            return chapter
    raise KeyError(f"no chapter {name!r}; the chapters are {[c.name for c in CHAPTERS]}")
