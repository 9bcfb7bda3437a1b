"""Benchmark chapter 07's YOLO loss: loop vs vectorized eager vs torch.compile, forward + backward.

    .venv/bin/python bench/yolo_loss.py                 # N = 64, S = 7 and 13, on pick_device()
    .venv/bin/python bench/yolo_loss.py --device cpu --threads 2 --simd
    .venv/bin/python bench/yolo_loss.py --help

It times the lesson's own code: the cells of course/07_yolo_loss.ipynb tagged "yolo-loss" (the
loop version, the vectorized version, the random batches), executed here, so the numbers are
those of the code a learner reads. Medians of repeated runs; on CUDA each run is bracketed by
synchronisations (bp2yolo.device.time_it). On CUDA it also checks that the vectorized loss runs
forward and backward under bp2yolo.device.sync_debug("error") (torch.cuda.set_sync_debug_mode).

Not a test: it prints a table (Markdown with --markdown) and whether the course's targets on a
2-core CPU are met (vectorized eager >= 15x the loop, compiled >= 50x, at N = 64, S = 7).
"""

from __future__ import annotations

import argparse
import functools
import json
import platform
import sys
import time
from pathlib import Path

import nbformat
import torch

from bp2yolo.checks import rel_error
from bp2yolo.device import compile_problem, describe, pick_device, sync_debug, time_it

LESSON = Path(__file__).resolve().parents[1] / "course" / "07_yolo_loss.ipynb"
TAG = "yolo-loss"
TARGETS = {"eager": 15.0, "compiled": 50.0}  # speed-ups over the loop at N = 64, S = 7


def lesson_code(path: Path = LESSON) -> dict:
    """The namespace left by the lesson's cells tagged TAG (plain Python: no magics)."""
    namespace: dict = {"__name__": "yolo_loss_lesson"}
    exec("import torch\n", namespace)
    cells = [c for c in nbformat.read(str(path), as_version=4).cells
             if c.cell_type == "code" and TAG in c.metadata.get("tags", [])]
    if not cells:
        raise RuntimeError(f"no cells tagged {TAG!r} in {path}")
    for cell in cells:
        exec(compile(cell.source, f"<{path.name} {cell.id}>", "exec"), namespace)
    return namespace


def run(args: argparse.Namespace) -> list[dict]:
    code = lesson_code()
    loop, vec = code["yolo_loss_loop"], code["yolo_loss_vec"]
    fwd_bwd, random_batch = code["forward_backward"], code["random_batch"]
    device = torch.device(args.device) if args.device else pick_device()
    if device.type == "cpu" and not args.simd:
        import torch._inductor.config as inductor_config

        # as in the lesson's optional section: scalar C++ compiles faster
        inductor_config.cpp.vec_isa_ok = False
    why_not = "--no-compile" if args.no_compile else compile_problem(device)
    compiled = None if why_not else torch.compile(vec, dynamic=False)
    rows = []
    for S in args.sizes:
        pred, target = random_batch(args.N, S=S, seed=S, device=device)
        row = {"S": S, "N": args.N, "device": describe(device)}

        def median_ms(loss_fn, repeats: int, warmup: int = 3, pred=pred, target=target) -> float:
            run_once = functools.partial(fwd_bwd, loss_fn, pred, target)
            return 1e3 * time_it(run_once, device=device, repeats=repeats, warmup=warmup).median_s

        row["loop_ms"] = median_ms(loop, args.loop_repeats, warmup=0)
        row["eager_ms"] = median_ms(vec, args.repeats)
        row["compiled_ms"], row["compile_s"], row["note"] = None, None, why_not
        if compiled is not None:
            try:
                start = time.perf_counter()
                grad = fwd_bwd(compiled, pred, target)  # the first call compiles
                if device.type == "cuda":
                    torch.cuda.synchronize(device)
                row["compile_s"] = time.perf_counter() - start
                row["compiled_ms"] = median_ms(compiled, args.repeats)
                error = rel_error(grad, fwd_bwd(vec, pred, target))
                row["note"] = f"max rel. error vs eager {error:.1g}"
            except Exception as exc:  # noqa: BLE001 - report any compile failure, keep going
                first = (str(exc).splitlines() or [""])[0][:100]
                why_not = f"not available: {type(exc).__name__}: {first}"
                compiled, row["note"] = None, why_not
        if device.type == "cuda":
            row["sync_free"] = sync_free(vec, pred, target)
        rows.append(row)
    return rows


def sync_free(loss_fn, pred: torch.Tensor, target: torch.Tensor) -> str:
    """'yes' if loss_fn runs forward and backward under sync_debug('error'), else 'no: why'."""
    leaf = pred.detach().requires_grad_(True)
    try:
        with sync_debug("error"):
            total, _ = loss_fn(leaf, target)
            total.backward()
        return "yes"
    except RuntimeError as exc:
        return f"no: {str(exc).splitlines()[0][:80]}"


def machine() -> str:
    return (f"{platform.node() or 'unknown host'}, {platform.system()} {platform.machine()}, "
            f"Python {platform.python_version()}, torch {torch.__version__}, "
            f"{torch.get_num_threads()} CPU threads")


def report(rows: list[dict], markdown: bool) -> str:
    lines = [f"machine: {machine()}", f"device: {rows[0]['device']}",
             f"forward + backward, N = {rows[0]['N']}, B = 2, C = 20, float32, medians", ""]
    head = ["S", "loop", "vectorized eager", "compiled", "eager speed-up", "compiled speed-up",
            "compile time"]
    if markdown:
        lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    else:
        lines.append("  ".join(f"{h:>17}" for h in head))
    for r in rows:
        fast = r["compiled_ms"]
        cells = [str(r["S"]), f"{r['loop_ms']:.1f} ms", f"{r['eager_ms']:.3f} ms",
                 f"{fast:.3f} ms" if fast else "n/a", f"{r['loop_ms'] / r['eager_ms']:.0f}x",
                 f"{r['loop_ms'] / fast:.0f}x" if fast else "n/a",
                 f"{r['compile_s']:.1f} s" if r["compile_s"] else (r["note"] or "n/a")]
        lines.append("| " + " | ".join(cells) + " |" if markdown
                     else "  ".join(f"{c:>17}" for c in cells))
    lines.append("")
    for r in rows:
        if r.get("note") and r["compiled_ms"]:
            lines.append(f"S = {r['S']}: compiled gradient {r['note']}")
        if "sync_free" in r:
            lines.append(f"S = {r['S']}: runs under set_sync_debug_mode('error'): {r['sync_free']}")
    seven = next((r for r in rows if r["S"] == 7 and r["N"] == 64), None)
    if seven:
        for kind, want in TARGETS.items():
            got = seven[f"{kind}_ms"]
            if got is None:
                lines.append(f"target {kind} >= {want:g}x at N = 64, S = 7: not measured")
                continue
            ratio = seven["loop_ms"] / got
            verdict = "met" if ratio >= want else "MISSED"
            lines.append(f"target {kind} >= {want:g}x at N = 64, S = 7: {ratio:.0f}x, {verdict}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", help="cpu, cuda, ... (default: cuda if available, else cpu)")
    parser.add_argument("-N", type=int, default=64, help="images per batch (default 64)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[7, 13], help="grid sizes S")
    parser.add_argument("--repeats", type=int, default=50, help="timed runs, vectorized")
    parser.add_argument("--loop-repeats", type=int, default=3, help="timed runs, loop version")
    parser.add_argument("--threads", type=int, help="torch.set_num_threads (default: torch's)")
    parser.add_argument("--no-compile", action="store_true", help="skip torch.compile")
    parser.add_argument("--simd", action="store_true",
                        help="keep TorchInductor's SIMD C++ on the CPU (slower to compile)")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    parser.add_argument("--json", type=Path, help="also write the rows to this JSON file")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    rows = run(args)
    print(report(rows, args.markdown))
    if args.json:
        args.json.write_text(json.dumps({"machine": machine(), "rows": rows}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
