"""The helper package, the tests, the grading tools and the benchmarks are ruff clean."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ruff_clean():
    folders = ["bp2yolo", "tests", "grading", "bench", "tools"]
    command = [sys.executable, "-m", "ruff", "check", *folders]
    proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
