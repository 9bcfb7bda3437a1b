"""How fast make grade grades a class, and what a second worker buys (issue 12: at most 2 s per
notebook over a class of 40 or more, on the project's 2-core machine).

    .venv/bin/python bench/grade_throughput.py                  # 40 students, 1 and 2 workers
    .venv/bin/python bench/grade_throughput.py --students 80 --workers 1 2 --rounds 2
    .venv/bin/python bench/grade_throughput.py --markdown

Makes a class in a fresh copy of the course (each student submits assignment 01's release
answered with the solutions, as a learner who solved it would), then runs `course.py grade`
on it as make grade does, once for each number of workers in turn (round after round, side by
side), each time from an empty gradebook. Prints, for each, the median over the rounds of:

    total s/nb   the whole command's wall time per notebook: nbgrader's start-up, the release,
                 the workers' start, grading, recording, the export
    grading s/nb the grading step alone, per notebook (as make grade prints it)
    speed-up     the first worker count's total time over this one's
    recording    what make grade's own process spent per notebook writing the results (the
                 gradebook rows, the files): one process does it for every worker

Not a test: the machine is shared and noisy; the figures are ratios measured in one run.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "grading"), str(ROOT / "tools"), str(ROOT / "tests")]

import nbformat  # noqa: E402
from submissions import answered, submit  # noqa: E402
from test_release import sandbox  # noqa: E402

ASSIGNMENT, NAME = "01_chain_rule", "01_exercises.ipynb"
GRADED = re.compile(r"^graded (\d+) in ([\d.]+) s .* took (\d+) ms per notebook", re.M)


def make_class(root: Path, students: int) -> None:
    solution = nbformat.read(root / "solutions" / ASSIGNMENT / NAME, as_version=4)
    release = nbformat.read(root / "assignments" / ASSIGNMENT / NAME, as_version=4)
    nb = answered(release, solution)
    for k in range(students):
        submit(root, f"student{k:03d}", ASSIGNMENT, NAME, nb)


def clean(root: Path) -> None:
    """An empty gradebook and no earlier results: every submission is graded."""
    for name in ("autograded", "feedback", "logs"):
        shutil.rmtree(root / "grading" / name, ignore_errors=True)
    for name in ("gradebook.db", "grades.csv", "problems.csv"):
        (root / "grading" / name).unlink(missing_ok=True)


def grade(root: Path, workers: int, students: int) -> tuple[float, float, float]:
    """(whole command s, grading step s, recording ms per notebook) for one run."""
    clean(root)
    env = {**os.environ, "BP2YOLO_WORKERS": str(workers),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, str(root / "grading" / "course.py"), "grade"],
                          env=env, capture_output=True, text=True, check=False)
    total = time.perf_counter() - start
    found = GRADED.search(proc.stdout)
    if proc.returncode != 0 or not found or int(found.group(1)) != students or \
            proc.stdout.count(" graded\n") != students:
        sys.exit(f"the run with {workers} workers failed:\n{proc.stdout[-2000:]}"
                 f"{proc.stderr[-2000:]}")
    return total, float(found.group(2)), float(found.group(3))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--markdown", action="store_true", help="print a README table")
    args = parser.parse_args(argv)
    times: dict[int, list[tuple[float, float, float]]] = {w: [] for w in args.workers}
    with tempfile.TemporaryDirectory(prefix="bp2yolo-throughput-") as tmp:
        root = sandbox(Path(tmp))
        make_class(root, args.students)
        for _ in range(args.rounds):
            for workers in args.workers:
                times[workers].append(grade(root, workers, args.students))
    n, first = args.students, statistics.median(t[0] for t in times[args.workers[0]])
    rows = []
    for workers in args.workers:
        total, step, record = (statistics.median(t[k] for t in times[workers]) for k in range(3))
        rows.append((workers, total / n, step / n, first / total, record))
    print(f"{n} submissions of {ASSIGNMENT}, {os.cpu_count()} cores, median of {args.rounds} "
          f"round{'s' if args.rounds != 1 else ''}")
    if args.markdown:
        print("| workers | total s/nb | grading s/nb | speed-up | recording ms/nb |\n"
              "|---|---|---|---|---|")
        for workers, total, step, speedup, record in rows:
            print(f"| {workers} | {total:.2f} | {step:.2f} | {speedup:.2f}x | {record:.0f} |")
    else:
        print(f"{'workers':>8} {'total s/nb':>11} {'grading s/nb':>13} {'speed-up':>9} "
              f"{'recording ms/nb':>16}")
        for workers, total, step, speedup, record in rows:
            print(f"{workers:>8} {total:>11.2f} {step:>13.2f} {speedup:>8.2f}x {record:>16.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
