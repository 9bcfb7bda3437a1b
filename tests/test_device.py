"""Unit tests for bp2yolo.device."""

import pytest
import torch

from bp2yolo import device as dev
from bp2yolo.device import (
    Timing,
    compile_problem,
    cpu_model,
    cxx_compiler,
    describe,
    pick_device,
    sync_debug,
    time_it,
)

needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")


@pytest.mark.parametrize("available, expected", [(False, "cpu"), (True, "cuda")])
def test_pick_device_calls_is_available(monkeypatch, available, expected):
    # A function object is truthy: forgetting the parentheses would always pick cuda.
    monkeypatch.setattr(torch.cuda, "is_available", lambda: available)
    assert pick_device() == torch.device(expected)


def test_cpu_model_from_cpuinfo(tmp_path):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nmodel name\t: Test CPU 3000 @ 3.00GHz\nflags\t: fpu\n")
    assert cpu_model(cpuinfo) == "Test CPU 3000 @ 3.00GHz"


def test_cpu_model_falls_back_to_platform(tmp_path, monkeypatch):
    monkeypatch.setattr(dev.platform, "processor", lambda: "")
    monkeypatch.setattr(dev.platform, "machine", lambda: "arm64")
    assert cpu_model(tmp_path / "missing") == "arm64"
    no_model = tmp_path / "cpuinfo"
    no_model.write_text("processor\t: 0\nBogoMIPS\t: 50.00\n")
    assert cpu_model(no_model) == "arm64"


@pytest.mark.parametrize("threads, text", [(1, "(1 thread)"), (8, "(8 threads)")])
def test_describe_cpu(monkeypatch, threads, text):
    monkeypatch.setattr(torch, "get_num_threads", lambda: threads)
    line = describe("cpu")
    assert line.startswith("CPU: ") and line.endswith(text)


def test_describe_cuda_without_a_gpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "current_device", lambda: 0)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda index: f"Fake GPU {index}")
    assert describe(torch.device("cuda")) == "GPU: Fake GPU 0 (cuda:0)"
    assert describe("cuda:1") == "GPU: Fake GPU 1 (cuda:1)"


@pytest.mark.parametrize(
    "seconds, text",
    [(2.5, "2.5 s"), (0.0123, "12.3 ms"), (4.56e-5, "45.6 µs"), (3e-7, "0.3 µs")],
)
def test_timing_str(seconds, text):
    assert str(Timing(seconds, 20, "cpu")) == f"{text} (median of 20 runs on cpu)"


def test_time_it_returns_the_median_of_timed_runs(monkeypatch):
    # Fake clock: each timed run takes the next duration; warmup runs are not timed.
    durations = iter([5.0, 1.0, 3.0])
    now = [0.0]
    calls = []

    def clock() -> float:
        return now[0]

    def fn() -> None:
        calls.append(1)
        if len(calls) > 2:  # after the 2 warmup runs
            now[0] += next(durations)

    monkeypatch.setattr(dev, "perf_counter", clock)
    timing = time_it(fn, device="cpu", repeats=3, warmup=2)
    assert len(calls) == 5
    assert timing == Timing(median_s=3.0, repeats=3, device="cpu")


def test_time_it_on_cpu_does_not_synchronize(monkeypatch):
    def fail(*args):
        raise AssertionError("synchronize called for a CPU timing")

    monkeypatch.setattr(torch.cuda, "synchronize", fail)
    timing = time_it(lambda: None, device=torch.device("cpu"), repeats=4, warmup=1)
    assert timing.repeats == 4 and timing.median_s >= 0 and timing.device == "cpu"


def test_time_it_synchronizes_around_each_cuda_run(monkeypatch):
    events = []
    monkeypatch.setattr(torch.cuda, "synchronize", lambda device=None: events.append("sync"))
    time_it(lambda: events.append("run"), device="cuda", repeats=2, warmup=1)
    assert events == ["run"] + ["sync", "run", "sync"] * 2


def test_time_it_default_device_is_pick_device(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert time_it(lambda: None, repeats=1, warmup=0).device == "cpu"


def test_time_it_validates_arguments():
    with pytest.raises(ValueError):
        time_it(lambda: None, device="cpu", repeats=0)


@pytest.fixture
def fake_sync_mode(monkeypatch) -> list:
    """torch.cuda's synchronize and sync-debug mode, faked: calls are logged in the list."""
    calls: list = []
    mode = [0]

    def set_mode(new):
        calls.append(new)
        mode[0] = new

    monkeypatch.setattr(torch.cuda, "synchronize", lambda *a: calls.append("synchronize"))
    monkeypatch.setattr(torch.cuda, "get_sync_debug_mode", lambda: mode[0])
    monkeypatch.setattr(torch.cuda, "set_sync_debug_mode", set_mode)
    return calls


def test_sync_debug_switches_the_mode_on_and_always_off(fake_sync_mode):
    calls = fake_sync_mode
    with sync_debug("error"):
        calls.append("body")
    assert calls == ["synchronize", "error", "body", 0]
    calls.clear()
    with pytest.raises(ValueError), sync_debug():
        raise ValueError("a failing body")
    assert calls == ["synchronize", "error", 0]


def test_sync_debug_restores_the_mode_there_was(fake_sync_mode):
    calls = fake_sync_mode
    with sync_debug("warn"), sync_debug("error"):
        calls.append("body")
    assert calls == ["synchronize", "warn", "synchronize", "error", "body", "warn", 0]


@pytest.mark.skipif(torch.cuda.is_available(), reason="a machine without CUDA")
def test_sync_debug_without_cuda_raises_on_entry():
    body = []
    with pytest.raises((AssertionError, RuntimeError)), sync_debug():
        body.append(1)
    assert body == []


def test_cxx_compiler_looks_at_cxx_then_the_usual_names(monkeypatch):
    found = {"clang++": "/usr/bin/clang++", "my-cxx": "/opt/bin/my-cxx"}
    monkeypatch.setattr(dev.shutil, "which", found.get)
    monkeypatch.delenv("CXX", raising=False)
    assert cxx_compiler() == "/usr/bin/clang++"
    monkeypatch.setenv("CXX", "my-cxx")
    assert cxx_compiler() == "/opt/bin/my-cxx"
    monkeypatch.setenv("CXX", "missing-cxx")  # not found: fall back to the usual names
    assert cxx_compiler() == "/usr/bin/clang++"
    monkeypatch.setattr(dev.shutil, "which", lambda name: None)
    assert cxx_compiler() is None


def test_compile_problem(monkeypatch):
    monkeypatch.setattr(dev, "cxx_compiler", lambda: None)
    assert "no C++ compiler found" in compile_problem("cpu")
    assert compile_problem(torch.device("cuda")) is None  # Triton, not C++, on a GPU
    monkeypatch.setattr(dev, "cxx_compiler", lambda: "/usr/bin/g++")
    assert compile_problem(torch.device("cpu")) is None


@pytest.mark.gpu
@needs_cuda
def test_gpu_sync_debug_catches_a_synchronisation_and_lets_the_rest_run():
    x = torch.randn(1000, device="cuda")
    with sync_debug("error"):
        y = (x * 2).sum()  # queued on the GPU: no synchronisation
    assert y.device.type == "cuda"
    with pytest.raises(RuntimeError), sync_debug("error"):
        x[x > 0].sum()  # boolean-mask indexing waits for the mask's count
    assert torch.cuda.get_sync_debug_mode() == 0
    assert float(x[x > 0].sum()) > 0  # the mode is off again


@pytest.mark.gpu
@needs_cuda
def test_gpu_pick_describe_and_time():
    device = pick_device()
    assert device.type == "cuda"
    assert torch.cuda.get_device_name(0) in describe(device)
    x = torch.randn(512, 512, device=device)
    timing = time_it(lambda: x @ x, device=device, repeats=5, warmup=2)
    assert timing.median_s > 0 and timing.device == "cuda"
