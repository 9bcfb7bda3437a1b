"""Execute notebooks once per test session and share the results between tests.

Under pytest-xdist the workers share them too: conftest.py names a folder (BP2YOLO_EXECUTED)
where the first worker to need a notebook runs it, under a lock, and leaves the result for the
others."""

from __future__ import annotations

import fcntl
import functools
import hashlib
import json
import os
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
    shared = os.environ.get("BP2YOLO_EXECUTED")
    if not shared:
        return _execute(path)
    key = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    result = Path(shared) / f"{path.stem}-{key}.json"
    with open(result.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another worker may be running it now
        if not result.exists():
            run = _execute(path)
            result.write_text(json.dumps({"notebook": nbformat.writes(run.notebook),
                                          "seconds": run.seconds, "error": run.error,
                                          "kernel_max_rss_mb": run.kernel_max_rss_mb}))
            return run
    data = json.loads(result.read_text())
    return Executed(path, nbformat.reads(data["notebook"], as_version=4), data["seconds"],
                    data["kernel_max_rss_mb"], data["error"])


def _execute(path: Path) -> Executed:
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
