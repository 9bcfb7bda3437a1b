"""A script of bench/ loaded as a module, so that its smoke test can call its functions."""

from __future__ import annotations

import importlib.util
from types import ModuleType

from notebooks import ROOT


def load_bench(name: str) -> ModuleType:
    """bench/<name>.py as a module (not run as a script: its `__main__` part is skipped)."""
    script = ROOT / "bench" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"{name}_bench", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
