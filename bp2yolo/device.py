"""Pick the device, name it, time code on it (synchronising on CUDA), and check what runs there.

Typical use:

    device = pick_device()            # cuda if available, else cpu
    print(describe(device))           # e.g. "CPU: Intel(R) Xeon(R) ... (8 threads)"
    t = time_it(lambda: x @ x, device=device)
    print(t)                          # e.g. "1.23 ms (median of 20 runs on cpu)"

    with sync_debug("error"):         # CUDA only: a host-device synchronisation raises inside
        loss(pred, target).backward()
    why_not = compile_problem(device) # None, or why torch.compile cannot work on device here
"""

from __future__ import annotations

import contextlib
import os
import platform
import shutil
import statistics
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from time import perf_counter
from typing import Any

import torch

CPUINFO = Path("/proc/cpuinfo")
# The C++ compilers TorchInductor can use on a CPU, after $CXX (which it reads too).
CXX_COMPILERS = ("g++", "c++", "clang++", "cl")


def pick_device() -> torch.device:
    """torch.device("cuda") when PyTorch can use a GPU, else torch.device("cpu")."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def cpu_model(cpuinfo: Path = CPUINFO) -> str:
    """The processor's name: /proc/cpuinfo's "model name" where there is one (Linux), else what
    platform knows (platform.processor(), then platform.machine()), else "unknown CPU"."""
    try:
        for line in cpuinfo.read_text(errors="replace").splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name" and value.strip():
                return value.strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


def describe(device: torch.device | str) -> str:
    """One line naming the device, to label timing tables.

    CUDA: "GPU: NVIDIA H100 80GB HBM3 (cuda:0)". CPU: "CPU: <model> (8 threads)", the threads
    being torch.get_num_threads(). Other devices: their name.
    """
    device = torch.device(device)
    if device.type == "cuda":
        index = torch.cuda.current_device() if device.index is None else device.index
        return f"GPU: {torch.cuda.get_device_name(index)} (cuda:{index})"
    if device.type == "cpu":
        threads = torch.get_num_threads()
        return f"CPU: {cpu_model()} ({threads} thread{'' if threads == 1 else 's'})"
    return str(device)


@dataclass
class Timing:
    """The median wall time of `repeats` runs of a function, in seconds, on `device`."""

    median_s: float
    repeats: int
    device: str

    def __str__(self) -> str:
        if self.median_s >= 1:
            amount = f"{self.median_s:.3g} s"
        elif self.median_s >= 1e-3:
            amount = f"{self.median_s * 1e3:.3g} ms"
        else:
            amount = f"{self.median_s * 1e6:.3g} µs"
        return f"{amount} (median of {self.repeats} runs on {self.device})"


def time_it(
    fn: Callable[[], Any],
    *,
    device: torch.device | str | None = None,
    repeats: int = 20,
    warmup: int = 3,
) -> Timing:
    """Run fn() `warmup` times untimed, then time `repeats` runs; return their median.

    device: where fn's work runs; None means pick_device(). On CUDA, kernels run asynchronously,
    so each timed run is bracketed by torch.cuda.synchronize(device): before starting the clock
    (nothing earlier still running) and before stopping it (fn's own work finished).
    """
    if repeats < 1 or warmup < 0:
        raise ValueError(f"need repeats >= 1 and warmup >= 0, got {repeats} and {warmup}")
    device = pick_device() if device is None else torch.device(device)
    cuda = device.type == "cuda"
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        if cuda:
            torch.cuda.synchronize(device)
        start = perf_counter()
        fn()
        if cuda:
            torch.cuda.synchronize(device)
        times.append(perf_counter() - start)
    return Timing(median_s=statistics.median(times), repeats=repeats, device=str(device))


@contextlib.contextmanager
def sync_debug(mode: str | int = "error") -> Iterator[None]:
    """Inside, every CUDA call that synchronises the host with the device raises RuntimeError
    ("error") or warns ("warn"): .item(), boolean-mask indexing, a copy to the host, ...

    It waits for the work queued before (torch.cuda.synchronize()), so that none of it counts,
    then sets torch.cuda.set_sync_debug_mode(mode); on the way out, even after an error, it
    sets back the mode there was. CUDA only: without it torch raises on entry. Copy inputs to the
    GPU before: a copy from pageable host memory synchronises too.
    """
    torch.cuda.synchronize()
    previous = torch.cuda.get_sync_debug_mode()
    torch.cuda.set_sync_debug_mode(mode)
    try:
        yield
    finally:
        torch.cuda.set_sync_debug_mode(previous)


def cxx_compiler() -> str | None:
    """The path of a C++ compiler ($CXX, else the first of CXX_COMPILERS on the PATH), or None."""
    for name in (os.environ.get("CXX"), *CXX_COMPILERS):
        path = shutil.which(name) if name else None
        if path:
            return path
    return None


def compile_problem(device: torch.device | str) -> str | None:
    """Why torch.compile cannot work on `device` here, or None if nothing is known against it.

    On a CPU TorchInductor generates C++, so it needs a C++ compiler (cxx_compiler()). None does
    not promise success: call torch.compile in a try block all the same.
    """
    if torch.device(device).type == "cpu" and cxx_compiler() is None:
        return "no C++ compiler found (torch.compile needs one on a CPU)"
    return None
