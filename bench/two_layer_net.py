"""Benchmark chapter 06's two-layer network: the lesson's numpy code against PyTorch on the CPU.

    .venv/bin/python bench/two_layer_net.py                  # 1 thread, float32 and float64
    .venv/bin/python bench/two_layer_net.py --threads 2 --markdown
    .venv/bin/python bench/two_layer_net.py --help

It times the lesson's own code: the cells of course/06_softmax_network.ipynb tagged
"two-layer-net", executed here in a namespace holding only `np`, so the numbers are those of the
code a learner reads. Each row times the lesson's network_loss (forward and backward on one
minibatch: affine, ReLU, affine, mean softmax cross-entropy plus 0.5 * reg * (sum(W1**2) +
sum(W2**2))) against the same network in PyTorch (torch ops, F.cross_entropy plus the same L2
term, loss.backward()), from the same initial weights on the same batch, in one process with the
same thread count. It first checks that both give the same loss and gradients (the largest
difference relative to each array's largest entry), then times them in turn (medians after a
warm-up). Then it times the lesson's training run (its train, hyperparameters and seed),
stopped at the first epoch after which the test accuracy reaches 97% (evaluation not counted).

The data are prepared as in the lesson: the digits minus the mean training image. EPOCHS,
BATCH_SIZE and SEED are read from the lesson's cells; the hidden size, learning rate and L2
strength default to CHOSEN, what the lesson's validation search picks (tests/test_lesson_06.py
checks that they agree; flags override them all).

Not a test: it prints a table (Markdown with --markdown) and whether the course's targets are
met: numpy at most 1.2x PyTorch's time at the lesson's batch and hidden sizes; 97% test accuracy
within 5 s of training on one core.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import ctypes
import functools
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

if __name__ == "__main__":  # before numpy and torch start their thread pools (not on import)
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--threads", type=int, default=1)
    threads_wanted = str(pre.parse_known_args()[0].threads)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):  # THREAD_VARS
        os.environ[var] = threads_wanted

import nbformat
import numpy as np
import torch
import torch.nn.functional as F

from bp2yolo.data import load_digits
from bp2yolo.device import cpu_model

LESSON = Path(__file__).resolve().parents[1] / "course" / "06_softmax_network.ipynb"
TAG = "two-layer-net"
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
NAMES = ("affine_forward", "affine_backward", "relu_forward", "relu_backward", "softmax_loss",
         "init_params", "network_loss", "train", "predict")
CONSTANTS = {"EPOCHS": "epochs", "BATCH_SIZE": "batch_size", "SEED": "seed"}  # lesson: ours
CHOSEN = {"hidden": 100, "lr": 0.5, "reg": 1e-3}  # the lesson's chosen_hidden, _lr, _reg
RATIO_TARGET = 1.2  # numpy's time / PyTorch's, at most, at the lesson's sizes
ACCURACY, SECONDS_TARGET = 0.97, 5.0  # test accuracy to reach, training seconds allowed
DTYPES = {"float32": np.float32, "float64": np.float64}
C = 10  # digits


def code_cells(path: Path | None = None) -> list[nbformat.NotebookNode]:
    path = path or LESSON
    if not path.exists():
        raise RuntimeError(f"{path} does not exist")
    return [c for c in nbformat.read(str(path), as_version=4).cells if c.cell_type == "code"]


def lesson_code(path: Path | None = None) -> dict:
    """The namespace left by the lesson's cells tagged TAG (default: LESSON's), run with only
    `np` defined; RuntimeError naming what is missing if a function of NAMES is not there."""
    namespace: dict = {"__name__": "two_layer_net_lesson", "np": np}
    cells = [c for c in code_cells(path) if TAG in c.metadata.get("tags", [])]
    if not cells:
        raise RuntimeError(f"no code cells tagged {TAG!r} in {path or LESSON}")
    for cell in cells:
        exec(compile(cell.source, f"<lesson 06 cell {cell.get('id', '')}>", "exec"), namespace)
    missing = [name for name in NAMES if not callable(namespace.get(name))]
    if missing:
        raise RuntimeError(f"the cells tagged {TAG!r} in {(path or LESSON).name} do not define "
                           f"{', '.join(missing)}")
    return namespace


def lesson_constants(path: Path | None = None) -> dict:
    """The values of CONSTANTS that the lesson's code cells assign as literals (any cell, e.g.
    `EPOCHS, BATCH_SIZE, SEED = 40, 50, 0`), under our names: {"epochs": 40, ...}."""
    found = {}
    for cell in code_cells(path):
        lines = [line for line in cell.source.splitlines() if not line.startswith(("%", "!"))]
        for node in ast.parse("\n".join(lines)).body:
            if not (isinstance(node, ast.Assign) and len(node.targets) == 1):
                continue
            target = node.targets[0]
            try:
                value = ast.literal_eval(node.value)
            except ValueError:
                continue
            pairs = (zip(target.elts, value, strict=False) if isinstance(target, ast.Tuple)
                     else [(target, value)])
            for name, item in pairs:
                if isinstance(name, ast.Name) and name.id in CONSTANTS:
                    found[CONSTANTS[name.id]] = item
    return found


# --- threads and BLAS ------------------------------------------------------------------------

@functools.cache
def numpy_openblas() -> ctypes.CDLL | None:
    """numpy's OpenBLAS as loaded in this process (found in /proc/self/maps), or None."""
    try:
        maps = Path("/proc/self/maps").read_text()
    except OSError:
        return None
    paths = sorted({line.split()[-1] for line in maps.splitlines()
                    if "openblas" in line.lower() and ".so" in line})
    return ctypes.CDLL(paths[0]) if paths else None


def openblas_call(name: str, *args: int) -> int | None:
    """Call OpenBLAS's openblas_<name> under whichever symbol numpy's build exports."""
    lib = numpy_openblas()
    for symbol in (f"scipy_openblas_{name}64_", f"openblas_{name}64_", f"openblas_{name}"):
        function = getattr(lib, symbol, None) if lib is not None else None
        if function is not None:
            return function(*args)
    return None


@contextlib.contextmanager
def threads(n: int) -> Iterator[None]:
    """numpy's OpenBLAS and torch run n threads inside; the previous counts are set back after."""
    before = torch.get_num_threads(), openblas_call("get_num_threads")
    torch.set_num_threads(n)
    openblas_call("set_num_threads", n)
    try:
        yield
    finally:
        torch.set_num_threads(before[0])
        if before[1]:
            openblas_call("set_num_threads", before[1])


def blas_info() -> dict:
    """numpy's BLAS, torch's version and BLAS, and the thread counts in effect now."""
    blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    return {"numpy": np.__version__, "numpy_blas": f"{blas['name']} {blas.get('version', '')}",
            "numpy_blas_threads": openblas_call("get_num_threads"), "torch": torch.__version__,
            "torch_blas": "MKL" if torch.backends.mkl.is_available() else "no MKL",
            "torch_threads": torch.get_num_threads(),
            "env": {var: os.environ.get(var) for var in THREAD_VARS}}


def machine() -> str:
    load = f", load average {os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else ""
    return (f"{cpu_model()}, {os.cpu_count()} CPUs{load}, {platform.system()} "
            f"{platform.machine()}, Python {platform.python_version()}")


# --- one row: numpy against torch ------------------------------------------------------------

def torch_loss(params: dict[str, torch.Tensor], x: torch.Tensor, y: torch.Tensor,
               reg: float) -> torch.Tensor:
    """The lesson's network in torch: affine, ReLU, affine, mean cross-entropy, plus L2."""
    hidden = torch.relu(x @ params["W1"] + params["b1"])
    scores = hidden @ params["W2"] + params["b2"]
    l2 = 0.5 * reg * ((params["W1"] ** 2).sum() + (params["W2"] ** 2).sum())
    return F.cross_entropy(scores, y) + l2


def torch_step(params: dict[str, torch.Tensor], x: torch.Tensor, y: torch.Tensor,
               reg: float) -> torch.Tensor:
    """Forward and backward: the gradients land in params[...].grad."""
    for leaf in params.values():
        leaf.grad = None
    loss = torch_loss(params, x, y, reg)
    loss.backward()
    return loss


def alternating_medians(fns: list[Callable[[], object]], repeats: int, warmup: int = 5,
                        block: int = 10) -> list[float]:
    """Median seconds of one call of each fn, timed in turns of `block` calls (fns[0] block
    times, fns[1] block times, ..., again), so that a noisy neighbour on a shared machine slows
    them alike; whole blocks, so that one library's idle threads bother the other less."""
    for _ in range(warmup):
        for fn in fns:
            fn()
    times: list[list[float]] = [[] for _ in fns]
    while len(times[0]) < repeats:
        for fn, fn_times in zip(fns, times, strict=True):
            for _ in range(min(block, repeats - len(fn_times))):
                start = time.perf_counter()
                fn()
                fn_times.append(time.perf_counter() - start)
    return [statistics.median(t) for t in times]


def scaled_error(a: object, b: object) -> float:
    """max |a - b| / max |b|: the difference relative to the array's scale (entries near 0,
    where rounding in a different order matters most, do not blow it up)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.abs(a - b).max() / max(np.abs(b).max(), 1e-300))


def dtypes_of(*trees: dict | object) -> set[str]:
    """The dtypes of the numpy arrays and scalars among the given dicts' values or values."""
    values = [v for tree in trees for v in (tree.values() if isinstance(tree, dict) else [tree])]
    return {str(v.dtype) for v in values if isinstance(v, np.ndarray | np.generic)}


def measure(code: dict, x_all: np.ndarray, y_all: np.ndarray, dtype: str, batch: int,
            hidden: int, reg: float, seed: int, repeats: int) -> dict:
    """One row: the lesson's network_loss and torch_step on the first `batch` examples."""
    x, y = x_all[:batch].astype(DTYPES[dtype]), y_all[:batch]
    params = code["init_params"](x.shape[1], hidden, C, seed, dtype=DTYPES[dtype])
    leaves = {k: torch.tensor(np.asarray(v, dtype=DTYPES[dtype]), requires_grad=True)
              for k, v in params.items()}
    x_t, y_t = torch.from_numpy(x), torch.from_numpy(y)
    loss, grads = code["network_loss"](params, x, y, reg)
    loss_t = torch_step(leaves, x_t, y_t, reg)
    error = max([scaled_error(loss, loss_t.item())]
                + [scaled_error(grads[k], leaves[k].grad) for k in leaves])
    numpy_s, torch_s = alternating_medians(
        [lambda: code["network_loss"](params, x, y, reg),
         lambda: torch_step(leaves, x_t, y_t, reg)], repeats)
    return {"dtype": dtype, "batch": batch, "hidden": hidden, "numpy_ms": 1e3 * numpy_s,
            "torch_ms": 1e3 * torch_s, "ratio": numpy_s / torch_s, "max_rel_error": error,
            "numpy_dtypes": sorted(dtypes_of(params, grads, loss))}


# --- time to 97% -----------------------------------------------------------------------------

def time_to_accuracy(code: dict, data: dict[str, np.ndarray], hyper: dict,
                     max_epochs: int, repeats: int = 3) -> dict:
    """The lesson's run (its train, from its seed), stopped at the first epoch E after which
    the test accuracy reaches ACCURACY: E is found by one monitored run of max_epochs; then
    train(..., epochs=E) from fresh weights is timed (the median of `repeats` runs), so the
    time is that of training alone, with no accuracy evaluated. The first E epochs of a longer
    run are exactly a run of E epochs (one generator, seeded once). float64, as in the lesson."""
    x, y = data["x_train"], data["y_train"]

    def run(epochs: int, monitor: dict | None = None) -> dict:
        params = code["init_params"](x.shape[1], hyper["hidden"], C, hyper["seed"])
        return code["train"](params, x, y, lr=hyper["lr"], reg=hyper["reg"],
                             batch_size=hyper["batch_size"], epochs=epochs, seed=hyper["seed"],
                             monitor=monitor)

    accuracies = run(max_epochs, {"test": (data["x_test"], data["y_test"])})["accuracy"]["test"]
    reached = [k for k, a in enumerate(accuracies, start=1) if a >= ACCURACY]
    epochs = reached[0] if reached else max_epochs
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run(epochs)
        times.append(time.perf_counter() - start)
    return {"reached": bool(reached), "epochs": epochs, "train_s": statistics.median(times),
            "test_accuracy": accuracies[epochs - 1]}


def lesson_data() -> dict[str, np.ndarray]:
    """The digits as the lesson prepares them: minus the mean training image."""
    digits = load_digits()
    mean_image = digits.x_train.mean(axis=0)
    return {"x_train": digits.x_train - mean_image, "y_train": digits.y_train,
            "x_test": digits.x_test - mean_image, "y_test": digits.y_test}


# --- the report ------------------------------------------------------------------------------

def report(result: dict, markdown: bool) -> str:
    info, rows, hyper = result["blas"], result["rows"], result["hyper"]
    lines = [f"machine: {result['machine']}",
             f"numpy {info['numpy']} with {info['numpy_blas']} "
             f"({info['numpy_blas_threads'] or 'unknown'} threads), torch {info['torch']} "
             f"with {info['torch_blas']} ({info['torch_threads']} threads); "
             + ", ".join(f"{k}={v}" for k, v in info["env"].items()),
             f"network_loss forward + backward, D = 64, C = {C}, reg = {hyper['reg']:g}, "
             f"medians of {result['repeats']} runs", ""]
    head = ["dtype", "batch", "H", "numpy", "torch", "numpy / torch", "max rel. error"]
    if markdown:
        lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    else:
        lines.append("  ".join(f"{h:>14}" for h in head))
    for r in rows:
        cells = [r["dtype"], str(r["batch"]), str(r["hidden"]), f"{r['numpy_ms']:.3f} ms",
                 f"{r['torch_ms']:.3f} ms", f"{r['ratio']:.2f}x", f"{r['max_rel_error']:.1e}"]
        lines.append("| " + " | ".join(cells) + " |" if markdown
                     else "  ".join(f"{c:>14}" for c in cells))
    lines.append("")
    for r in rows:
        if r["numpy_dtypes"] != [r["dtype"]]:
            lines.append(f"{r['dtype']}, batch {r['batch']}, H {r['hidden']}: the lesson's "
                         f"params, gradients and loss come out as {', '.join(r['numpy_dtypes'])}")
    for dtype in DTYPES:
        mine = [r["max_rel_error"] for r in rows if r["dtype"] == dtype]
        if mine:
            lines.append(f"max relative error numpy vs torch, {dtype}: {max(mine):.1e}")
    sizes = f"batch {hyper['batch_size']}, H {hyper['hidden']}"
    for dtype in DTYPES:
        mine = [r for r in rows if (r["dtype"], r["batch"], r["hidden"])
                == (dtype, hyper["batch_size"], hyper["hidden"])]
        target = f"target numpy <= {RATIO_TARGET:g}x torch at the lesson's {sizes}, {dtype}"
        if not mine:
            lines.append(f"{target}: not measured")
        else:
            verdict = "met" if mine[0]["ratio"] <= RATIO_TARGET else "MISSED"
            lines.append(f"{target}: {mine[0]['ratio']:.2f}x, {verdict}")
    if result["train"] is not None:
        t = result["train"]
        what = (f"time to {ACCURACY:.0%} test accuracy ({sizes}, lr {hyper['lr']:g}, "
                f"reg {hyper['reg']:g}, seed {hyper['seed']}, float64)")
        if t["reached"]:
            verdict = "met" if t["train_s"] <= SECONDS_TARGET else "MISSED"
            lines.append(f"{what}: {t['train_s']:.2f} s of training, {t['epochs']} epochs "
                         f"(test accuracy {t['test_accuracy']:.4f}); target <= "
                         f"{SECONDS_TARGET:g} s: {verdict}")
        else:
            lines.append(f"{what}: NOT REACHED in {t['epochs']} epochs ({t['train_s']:.2f} s "
                         f"of training, test accuracy {t['test_accuracy']:.4f} at the end)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=1,
                        help="threads for numpy's BLAS and torch (default 1; sets "
                             + ", ".join(THREAD_VARS) + " before they load)")
    parser.add_argument("--dtypes", nargs="+", choices=list(DTYPES), default=list(DTYPES))
    parser.add_argument("--batches", type=int, nargs="+",
                        help="batch sizes (default 50 256 1257, the whole training set, and "
                             "the lesson's)")
    parser.add_argument("--hiddens", type=int, nargs="+",
                        help="hidden sizes H (default 32 100 256 and the lesson's)")
    parser.add_argument("--repeats", type=int, default=200, help="timed runs per row")
    parser.add_argument("--hidden", type=int, help=f"hidden size (default {CHOSEN['hidden']})")
    parser.add_argument("--lr", type=float, help=f"learning rate (default {CHOSEN['lr']:g})")
    parser.add_argument("--reg", type=float, help=f"L2 strength (default {CHOSEN['reg']:g})")
    parser.add_argument("--batch-size", type=int, help="minibatch (default: BATCH_SIZE)")
    parser.add_argument("--seed", type=int, help="initial weights, shuffles (default: SEED)")
    parser.add_argument("--epochs", type=int,
                        help="give up on 97%% after this many epochs (default: EPOCHS)")
    parser.add_argument("--no-train", action="store_true", help="skip the time to 97%%")
    parser.add_argument("--lesson", type=Path, default=LESSON,
                        help="the lesson notebook (default: course/06_softmax_network.ipynb)")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    parser.add_argument("--json", type=Path, help="also write the rows to this JSON file")
    args = parser.parse_args(argv)
    code = lesson_code(args.lesson)
    hyper = {**CHOSEN, **lesson_constants(args.lesson)}
    hyper.update({k: v for k, v in vars(args).items() if k in (*CHOSEN, *CONSTANTS.values())
                  and v is not None})
    for name, key in CONSTANTS.items():
        if key not in hyper:
            parser.error(f"the lesson assigns no literal {name}: pass --{key.replace('_', '-')}")
    batches = args.batches or sorted({50, 256, 1257, hyper["batch_size"]})
    hiddens = args.hiddens or sorted({32, 100, 256, hyper["hidden"]})
    data = lesson_data()
    with threads(args.threads):
        rows = [measure(code, data["x_train"], data["y_train"], dtype, batch, hidden,
                        hyper["reg"], hyper["seed"], args.repeats)
                for dtype in args.dtypes for batch in batches for hidden in hiddens]
        train = None if args.no_train else time_to_accuracy(code, data, hyper, hyper["epochs"])
        result = {"machine": machine(), "blas": blas_info(), "hyper": hyper,
                  "repeats": args.repeats, "rows": rows, "train": train}
    print(report(result, args.markdown))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
