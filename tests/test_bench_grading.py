"""The grading benchmarks still run: bench/grade_cost.py grades a notebook its three ways,
bench/grade_throughput.py grades a class (tiny, untimed smoke runs; the benchmarks' real numbers
are in the README)."""

from __future__ import annotations

import benchscript
import pytest

RUNS = {
    "grade_cost": (["--only", "00", "--rounds", "1", "--markdown"],
                   ["| assignment | kernel s | trusted s | sandboxed s | added s |",
                    "| 00_start_here |", "per notebook (budget +0.50 s)"]),
    "grade_throughput": (["--students", "2", "--workers", "2", "--markdown"],
                         ["| workers | total s/nb | grading s/nb | speed-up | recording ms/nb |",
                          "| 2 |", "1.00x"]),
}


@pytest.mark.slow
@pytest.mark.parametrize("bench", RUNS)
def test_the_grading_bench_runs(capsys, bench):
    argv, expected = RUNS[bench]
    assert benchscript.load_bench(bench).main(argv) == 0
    text = capsys.readouterr().out
    for line in expected:
        assert line in text, f"{bench}: {line!r} missing from\n{text}"
