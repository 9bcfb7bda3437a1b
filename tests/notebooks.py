"""Execute notebooks once per test session and share the results between tests."""

from __future__ import annotations

import functools
import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import chapters
import nbformat

ROOT = Path(__file__).resolve().parents[1]
LESSONS = chapters.lessons()
SOLUTIONS = chapters.sources()
RELEASES = chapters.releases()

BUDGET_S = 60
BUDGET_MB = 1024


@dataclass
class Executed:
    path: Path
    notebook: nbformat.NotebookNode
    seconds: float
    kernel_max_rss_mb: float
    error: str | None

    def text(self) -> str:
        """All text the notebook printed or displayed, in order."""
        parts = []
        for cell in self.notebook.cells:
            for out in cell.get("outputs", []):
                if out.output_type == "stream":
                    parts.append(out.text)
                elif out.output_type in ("execute_result", "display_data"):
                    parts.append(out.get("data", {}).get("text/plain", ""))
        return "\n".join(parts)


@functools.cache
def execute(path: Path) -> Executed:
    path = Path(path)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / path.name
        proc = subprocess.run(
            [sys.executable, str(ROOT / "tests" / "run_notebook.py"), str(path), str(out),
             *(["--probe-widgets"] if path in LESSONS else [])],
            capture_output=True,
            text=True,
            cwd=path.parent,
            check=False,
        )
        if proc.returncode != 0 or not proc.stdout.strip():
            raise RuntimeError(f"could not run {path}:\n{proc.stdout}\n{proc.stderr}")
        report = json.loads(proc.stdout.strip().splitlines()[-1])
        nb = nbformat.read(str(out), as_version=4)
    return Executed(path, nb, report["seconds"], report["kernel_max_rss_mb"], report["error"])
