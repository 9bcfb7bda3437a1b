"""bench/two_layer_net.py still runs the lesson's code (a tiny, untimed smoke run; the benchmark's
real numbers are in the README)."""

from __future__ import annotations

import json

import benchscript
import nbformat
import pytest


def load_bench():
    return benchscript.load_bench("two_layer_net")


def test_bench_finds_the_lessons_network_code():
    bench = load_bench()
    code = bench.lesson_code()
    for name in bench.NAMES:
        assert callable(code[name]), name


def test_bench_names_a_missing_function(tmp_path):
    lesson = tmp_path / "lesson.ipynb"
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell("def affine_forward(x, params):\n    pass",
                                                metadata={"tags": ["two-layer-net"]})]
    nbformat.write(notebook, str(lesson))
    with pytest.raises(RuntimeError, match="do not define affine_backward, .*network_loss"):
        load_bench().lesson_code(lesson)


def test_bench_runs_and_reports_a_table(tmp_path, capsys):
    out = tmp_path / "rows.json"
    args = ["--batches", "4", "--hiddens", "3", "--repeats", "2", "--epochs", "1",
            "--markdown", "--json", str(out)]
    assert load_bench().main(args) == 0
    text = capsys.readouterr().out
    assert "| dtype | batch | H | numpy | torch | numpy / torch |" in text
    assert "| float32 | 4 | 3 |" in text and "| float64 | 4 | 3 |" in text
    assert "max relative error numpy vs torch, float64: " in text
    assert "time to 97% test accuracy" in text
    result = json.loads(out.read_text())
    assert [(r["dtype"], r["batch"], r["hidden"]) for r in result["rows"]] == [
        ("float32", 4, 3), ("float64", 4, 3)]
    for row in result["rows"]:
        assert row["numpy_ms"] > 0 and row["torch_ms"] > 0 and row["ratio"] > 0
        assert row["max_rel_error"] < (1e-5 if row["dtype"] == "float32" else 1e-12)
    assert result["train"]["epochs"] == 1 and result["train"]["train_s"] > 0
    assert result["blas"]["torch_threads"] == 1
