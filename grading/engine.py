"""Where grading jobs run: Dask distributed workers, local or on other machines.

    local      make grade starts a LocalCluster of BP2YOLO_WORKERS worker processes on this
               machine (default: one per core), each with grading/worker.py preloaded
    cluster    BP2YOLO_SCHEDULER=tcp://host:8786 sends the jobs to the workers of a running
               Dask scheduler (README, "Grading on many machines")
    in process BP2YOLO_WORKERS=0 grades here, one after another, without Dask

Jobs carry data, never paths; the instructor's and the release's notebooks go to each worker
once (scattered), not once per job. A worker that dies mid-job (killed, out of memory, its
machine gone) has its job given to another by the scheduler: the result comes back once. A
submission whose job kills its worker ALLOWED_FAILURES times is reported, not retried forever.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from pathlib import Path

import batch

HERE = Path(__file__).resolve().parent
ALLOWED_FAILURES = 2  # a job whose worker dies this many times is reported as a problem


def workers_wanted() -> int:
    return int(os.environ.get("BP2YOLO_WORKERS", str(os.cpu_count() or 1)))


class Engine:
    """Run grading jobs: `with Engine() as engine: for result in engine.run(jobs, texts): ...`,
    where texts maps an assignment to its (source, release) notebooks' text."""

    def __init__(self, workers: int | None = None, scheduler: str | None = None):
        self.workers = workers_wanted() if workers is None else workers
        self.scheduler = scheduler if scheduler is not None else \
            os.environ.get("BP2YOLO_SCHEDULER") or None
        self.client = self.cluster = None

    def __enter__(self) -> Engine:
        if self.scheduler or self.workers > 0:
            self._start()
        return self

    def __exit__(self, *exc) -> None:
        for thing in (self.client, self.cluster):
            if thing is not None:
                with contextlib.suppress(Exception):
                    thing.close()

    def _start(self) -> None:
        import dask
        from distributed import Client, LocalCluster

        dask.config.set({"distributed.scheduler.allowed-failures": ALLOWED_FAILURES - 1,
                         "logging.distributed": "error"})
        if self.scheduler:
            self.client = Client(self.scheduler, timeout=60)
        else:
            self.cluster = LocalCluster(
                n_workers=self.workers, threads_per_worker=1, processes=True,
                host="127.0.0.1", scheduler_port=0, dashboard_address=None,
                silence_logs=logging.ERROR, preload=[str(HERE / "worker.py")])
            self.client = Client(self.cluster)
        versions = self.client.run(batch.version)
        other = {w: v for w, v in versions.items() if v != batch.version()}
        if not versions or other:
            raise SystemExit(f"make grade: the grading workers {sorted(other) or '(none)'} run "
                             f"other grader code than this one ({batch.version()}): update them")

    def describe(self) -> str:
        if self.client is None:
            return "in this process"
        n = len(self.client.scheduler_info(n_workers=-1)["workers"])
        where = self.scheduler or "this machine"
        return f"{n} worker{'s' if n != 1 else ''} on {where}"

    def run(self, jobs: list[batch.Job], texts: dict[str, tuple[str, str]],
            ) -> Iterator[batch.Result]:
        """Every job's result, in the order they finish."""
        if self.client is None:
            for job in jobs:
                yield failed_safely(job, *texts[job.assignment])
            return
        from distributed import KilledWorker, as_completed

        shared = {a: [self.client.scatter(text, broadcast=True, hash=False) for text in pair]
                  for a, pair in texts.items()}
        futures = {self.client.submit(failed_safely, job, *shared[job.assignment],
                                      key=f"grade-{job.student}-{job.assignment}-{i}",
                                      pure=False): job
                   for i, job in enumerate(jobs)}
        for future in as_completed(futures):
            job = futures.pop(future)
            try:
                yield future.result()
            except KilledWorker:
                yield batch.Result(job.student, job.assignment, problem=(
                    "its grading worker died each time it was graded (the scheduler's "
                    "allowed-failures): what it runs may take the worker down"))
            except Exception as exc:  # noqa: BLE001 - the job could not run at all
                yield batch.Result(job.student, job.assignment, retry=True, problem=(
                    f"the grading worker could not run it: {type(exc).__name__}: {exc}"))
            future.release()


def failed_safely(job: batch.Job, source: str, release: str) -> batch.Result:
    """grade_job, with a bug of the grader reported as that submission's problem (to retry)
    instead of stopping the class."""
    try:
        return batch.grade_job(job, source, release)
    except Exception as exc:  # noqa: BLE001 - one submission never stops the class
        return batch.Result(job.student, job.assignment, retry=True, worker=batch.worker_name(),
                            problem=f"the grader failed on it: {type(exc).__name__}: {exc}")
