"""bench/grade_cost.py still grades a notebook its three ways (a tiny, untimed smoke run; the
benchmark's real numbers are in the README)."""

from __future__ import annotations

import benchscript
import pytest


@pytest.mark.slow
def test_bench_grades_one_notebook_three_ways(capsys):
    assert benchscript.load_bench("grade_cost").main(
        ["--only", "00", "--rounds", "1", "--markdown"]) == 0
    text = capsys.readouterr().out
    assert "| assignment | kernel s | trusted s | sandboxed s | added s |" in text
    assert "| 00_start_here |" in text and "per notebook (budget +0.50 s)" in text


@pytest.mark.slow
def test_bench_grades_a_class(capsys):
    assert benchscript.load_bench("grade_throughput").main(
        ["--students", "2", "--workers", "2", "--markdown"]) == 0
    text = capsys.readouterr().out
    assert "| workers | total s/nb | grading s/nb | speed-up | recording ms/nb |" in text
    assert "| 2 |" in text and "1.00x" in text
