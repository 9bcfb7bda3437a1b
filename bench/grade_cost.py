"""What the sandbox and the grader's own verdicts cost per notebook (issue 11's budget: 0.5 s).

    .venv/bin/python bench/grade_cost.py                 # assignment 01, 3 rounds
    .venv/bin/python bench/grade_cost.py --only 07 --rounds 5
    .venv/bin/python bench/grade_cost.py --all --rounds 3 --markdown

Each round grades the same submission (the release answered with the solutions, as a learner
submits it) three ways, in turn, in one process:

    kernel       what nbgrader autograde runs: the notebook with the instructor's test cells
                 (hidden tests included) executed top to bottom in a fresh Jupyter kernel, the
                 tests inside the learner's process (nbclient; nbgrader's own start-up of about
                 2.5 s per command is not counted)
    trusted      grading/trusted.py without the sandbox (BP2YOLO_UNSANDBOXED's path): the cells
                 in a plain subprocess, the tests in the grader, values crossing as data
    sandboxed    grading/trusted.py as make grade runs it: the same, inside bubblewrap

and prints the medians, and sandboxed minus kernel: what trusted grading adds per notebook (a
negative figure is a saving). Not a test: the machine is shared and noisy; run it side by side.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "grading"), str(ROOT / "tools"), str(ROOT / "tests")]

import chapters  # noqa: E402
import nbformat  # noqa: E402
import trusted  # noqa: E402
from harness import is_test_cell  # noqa: E402
from submissions import answered  # noqa: E402


def in_kernel(submitted: nbformat.NotebookNode, source: nbformat.NotebookNode) -> float:
    """nbgrader's way: the instructor's test cells put back, everything run in one kernel."""
    from nbclient import NotebookClient

    tests = {c.metadata["nbgrader"]["grade_id"]: c.source for c in source.cells if is_test_cell(c)}
    nb = nbformat.from_dict(submitted)
    for cell in nb.cells:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if gid in tests:
            cell.source = tests[gid]
    start = time.perf_counter()
    NotebookClient(nb, timeout=300, kernel_name="python3", allow_errors=True).execute()
    return time.perf_counter() - start


def through_the_grader(path: Path, source: Path, sandboxed: bool) -> float:
    start = time.perf_counter()
    _, graded = trusted.grade_notebook(path, source, sandboxed=sandboxed)
    seconds = time.perf_counter() - start
    assert graded.problem is None and all(v.error is None for v in graded.verdicts.values()), (
        graded.problem, [v.hint for v in graded.verdicts.values() if v.error])
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--all", action="store_true", help="every assignment, not just 01")
    parser.add_argument("--only", default="01", help="the one assignment to time (its number)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args(argv)
    wanted = chapters.with_assignments() if args.all else [chapters.by_name(args.only)]
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for chapter in wanted:
            source = nbformat.read(chapter.source, as_version=4)
            submitted = answered(nbformat.read(chapter.release, as_version=4), source)
            path = Path(folder) / chapter.release.name
            nbformat.write(submitted, path)
            times: dict[str, list[float]] = {"kernel": [], "trusted": [], "sandboxed": []}
            for _ in range(args.rounds):
                times["kernel"].append(in_kernel(submitted, source))
                times["trusted"].append(through_the_grader(path, chapter.source, False))
                times["sandboxed"].append(through_the_grader(path, chapter.source, True))
            medians = {k: statistics.median(v) for k, v in times.items()}
            rows.append((chapter.name, medians))
    header = ("assignment", "kernel s", "trusted s", "sandboxed s", "added s")
    lines = [header] + [(name, *(f"{m[k]:.2f}" for k in ("kernel", "trusted", "sandboxed")),
                         f"{m['sandboxed'] - m['kernel']:+.2f}") for name, m in rows]
    if args.markdown:
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        for line in lines[1:]:
            print("| " + " | ".join(line) + " |")
    else:
        for line in lines:
            print(f"{line[0]:<32}" + "".join(f"{cell:>13}" for cell in line[1:]))
    worst = max(m["sandboxed"] - m["kernel"] for _, m in rows)
    print(f"\nsandbox and verdicts add at most {worst:+.2f} s per notebook "
          f"(budget +0.50 s): {'met' if worst <= 0.5 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
