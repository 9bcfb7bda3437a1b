"""Pick the device, name it, and time code on it (synchronising on CUDA).

Typical use:

    device = pick_device()            # cuda if available, else cpu
    print(describe(device))           # e.g. "CPU: Intel(R) Xeon(R) ... (8 threads)"
    t = time_it(lambda: x @ x, device=device)
    print(t)                          # e.g. "1.23 ms (median of 20 runs on cpu)"
"""

from __future__ import annotations

import platform
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from time import perf_counter
from typing import Any

import torch

CPUINFO = Path("/proc/cpuinfo")


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
