"""bench/yolo_loss.py still runs the lesson's code (a tiny, untimed smoke run; the benchmark's
real numbers are in the README)."""

from __future__ import annotations

import json

import benchscript


def load_bench():
    return benchscript.load_bench("yolo_loss")


def test_bench_finds_the_lessons_loss_code():
    code = load_bench().lesson_code()
    for name in ("yolo_loss_loop", "yolo_loss_vec", "random_batch", "forward_backward"):
        assert callable(code[name]), name


def test_bench_runs_and_reports_a_table(tmp_path, capsys):
    out = tmp_path / "rows.json"
    args = ["--device", "cpu", "-N", "2", "--sizes", "3", "--repeats", "2", "--loop-repeats", "1",
            "--no-compile", "--markdown", "--json", str(out)]
    assert load_bench().main(args) == 0
    text = capsys.readouterr().out
    assert "device: CPU: " in text and "| S | loop |" in text and "| 3 |" in text
    rows = json.loads(out.read_text())["rows"]
    assert rows[0]["S"] == 3 and rows[0]["loop_ms"] > 0 and rows[0]["eager_ms"] > 0
    assert rows[0]["compiled_ms"] is None and rows[0]["note"] == "--no-compile"
