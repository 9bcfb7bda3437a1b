"""`nbgrader validate` on many notebooks in one process: what it prints for each.

Starting nbgrader costs seconds; validating every chapter's notebook in one call costs that once.
The command's own output (stdout and stderr merged, unbuffered, so in order) is split at its
"Validating '<path>'" log lines; the log and the kernels' start-up lines are dropped, which
leaves what `nbgrader validate` prints for that notebook alone.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

BIN = Path(sys.executable).parent
VALIDATING = re.compile(r"^\[ValidateApp \| INFO\] Validating '(.+)'$", re.M)
LOG_LINE = re.compile(r"^\[(?:ValidateApp|IPKernelApp)[^\]]*\].*\n?", re.M)


def validate_many(paths: list[Path], env: Mapping[str, str] | None = None,
                  timeout: float = 900) -> dict[Path, str]:
    """{path: what `nbgrader validate` printed for it}, for notebooks validated in one call
    (run from their common parent folder, with .venv/bin first on PATH)."""
    paths = [p.resolve() for p in paths]
    cwd = Path(os.path.commonpath([p.parent for p in paths]))
    env = {**(os.environ if env is None else env), "PYTHONUNBUFFERED": "1"}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    run = subprocess.run([str(BIN / "nbgrader"), "validate", *map(str, paths)], cwd=cwd,
                         env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         timeout=timeout, check=False)
    starts = list(VALIDATING.finditer(run.stdout))
    found = {}
    for start, end in zip(starts, [*starts[1:], None], strict=True):
        text = run.stdout[start.end():end.start() if end else len(run.stdout)]
        found[Path(start.group(1)).resolve()] = LOG_LINE.sub("", text).lstrip("\n")
    missing = [p for p in paths if p not in found]
    assert not missing, f"nbgrader validate said nothing about {missing}:\n{run.stdout}"
    return found
