"""Executors for many runs, and a map over them that survives dying workers.

One code path serves every executor: ``concurrent.futures`` executors — in-process
(``workers=1``), a local process pool (default: one worker per core, ``spawn`` start method),
or a Dask cluster (``scheduler=ADDRESS``, or ``"local"`` for a LocalCluster) through
``distributed.Client.get_executor()``.

:func:`resilient_map` hands chunks of work to the executor, at most two chunks per worker in
flight (bounded memory), and records results as they finish.  When a worker dies the pool is
rebuilt and the work it held is retried one item at a time; an item whose worker dies on its
own is reported as lost.  A local pool is replaced by a fresh one after every
``recycle_after_runs`` runs per worker (defence in depth against memory that grows in a worker:
the old pool finishes what it holds, then its processes exit; results are unchanged, since each
run depends only on its config and seed).  ``ProcessPoolExecutor(max_tasks_per_child=...)`` is
not used for this: on Python 3.11–3.13 it can deadlock once a worker retires (CPython issue
115634).  Dask workers are recycled by Dask's own ``--lifetime`` option.  If workers cannot even start (the usual cause: a script that starts a
process pool without an ``if __name__ == "__main__":`` guard), it stops with a clear error
instead of retrying for ever.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from dataclasses import dataclass
from typing import Any

from changjing.simulate.errors import SimulateError


class InlineExecutor(Executor):
    """Runs each task at submission, in this process (workers=1; easy to debug)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        fut: Future = Future()
        try:
            fut.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001
            fut.set_exception(exc)
        return fut


DEFAULT_RECYCLE_AFTER_RUNS = 1000


@dataclass
class ExecutorSpec:
    workers: int | None = None
    scheduler: str | None = None
    recycle_after_runs: int | None = DEFAULT_RECYCLE_AFTER_RUNS  # per worker; 0/None: never

    @property
    def n_workers(self) -> int:
        return self.workers or os.cpu_count() or 1

    def make(self) -> tuple[Executor, Callable[[], None]]:
        if self.scheduler:
            try:
                from distributed import Client
            except ImportError:
                raise SimulateError("--scheduler needs Dask: pip install 'changjing[distributed]'"
                                    ) from None
            if self.scheduler == "local":
                client = Client(n_workers=self.n_workers, threads_per_worker=1,
                                processes=True, dashboard_address=None)
            else:
                client = Client(self.scheduler)
            return client.get_executor(), client.close
        if self.n_workers == 1:
            return InlineExecutor(), lambda: None
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        # spawn: the same start method everywhere, and no fork of a threaded parent
        pool = ProcessPoolExecutor(max_workers=self.n_workers,
                                   mp_context=mp.get_context("spawn"))
        return pool, lambda: pool.shutdown(wait=True, cancel_futures=True)


class ExecutorHandle:
    """An executor that can be rebuilt after its workers die; close it when done."""

    def __init__(self, spec: ExecutorSpec) -> None:
        self.spec = spec
        self._executor: Executor | None = None
        self._close: Callable[[], None] = lambda: None
        self._submitted = 0                     # runs sent to the current pool
        self._retired: list[Executor] = []      # replaced pools still finishing their work
        self.recycled = 0                       # how many times the pool was replaced

    def count(self, runs: int) -> None:
        """Record ``runs`` submitted to the current executor."""
        self._submitted += runs

    def recycle_if_due(self) -> None:
        """Replace a local process pool that has run ``recycle_after_runs`` runs per worker.

        The old pool is shut down without cancelling: what it already holds still runs and
        its futures still complete; its processes exit when done."""
        limit = self.spec.recycle_after_runs
        if (not limit or self.spec.scheduler or self.spec.n_workers == 1
                or self._executor is None or self._submitted < limit * self.spec.n_workers):
            return
        old, self._executor, self._submitted = self._executor, None, 0
        old.shutdown(wait=False)
        self._retired.append(old)
        self.recycled += 1

    @property
    def executor(self) -> Executor:
        if self._executor is None:
            self._executor, self._close = self.spec.make()
        return self._executor

    def rebuild(self) -> None:
        if self._executor is not None:
            try:
                self._executor.shutdown(wait=False, cancel_futures=True)
            except Exception:  # noqa: BLE001 - a broken pool may complain on shutdown
                pass
        self._executor = None
        self._submitted = 0

    def close(self) -> None:
        if self._executor is not None:
            self._close()
        self._executor = None
        for old in self._retired:
            old.shutdown(wait=True, cancel_futures=True)
        self._retired.clear()

    def __enter__(self) -> ExecutorHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def is_worker_loss(exc: BaseException) -> bool:
    from concurrent.futures.process import BrokenProcessPool

    return isinstance(exc, BrokenProcessPool) or type(exc).__name__ in (
        "KilledWorker", "CommClosedError")


def resilient_map(handle: ExecutorHandle, items: Sequence[Hashable], chunk_size: int,
                  submit: Callable[[Executor, list[Any]], Future],
                  on_result: Callable[[Any], None],
                  on_lost: Callable[[Any, str], None],
                  on_error: Callable[[list[Any], BaseException], None]) -> None:
    """Run ``items`` in chunks; every item ends in ``on_result`` (via its chunk's result),
    ``on_lost`` (its worker died under it, twice, alone) or ``on_error`` (the chunk raised)."""
    queue: deque[list[Any]] = deque(list(items[i:i + chunk_size])
                                    for i in range(0, len(items), chunk_size))
    suspects: deque[list[Any]] = deque()
    lost: dict[Any, int] = {}
    n_workers = handle.spec.n_workers
    inflight: dict[Future, list[Any]] = {}
    finished_any = False
    breaks_without_progress = 0
    while queue or suspects or inflight:
        window = 1 if suspects else 2 * n_workers
        source = suspects if suspects else queue
        while source and len(inflight) < window:
            ids = source.popleft()
            handle.recycle_if_due()
            inflight[submit(handle.executor, ids)] = ids
            handle.count(len(ids))
        done, _ = wait(list(inflight), return_when=FIRST_COMPLETED)
        broken = False
        for fut in done:
            ids = inflight.pop(fut)
            exc = fut.exception()
            if exc is None:
                on_result(fut.result())
                finished_any = True
                breaks_without_progress = 0
            elif is_worker_loss(exc):
                broken = True
                for r in ids:
                    lost[r] = lost.get(r, 0) + 1
                if len(ids) == 1 and lost[ids[0]] >= 2:   # died alone: it is the culprit
                    on_lost(ids[0], type(exc).__name__)
                else:
                    suspects.extend([r] for r in ids)
            else:
                on_error(ids, exc)
        if broken:
            breaks_without_progress += 1
            if not finished_any and breaks_without_progress >= 3:
                raise SimulateError(
                    "worker processes keep dying before finishing any work.  If you started "
                    "this from a Python script, put the call under "
                    "`if __name__ == \"__main__\":` (worker processes are started with "
                    "'spawn' and re-import the script), or use workers=1; otherwise every run "
                    "crashes its worker (out of memory?) — try one run with `changjing run`")
            if not handle.spec.scheduler:
                for ids in inflight.values():       # the dead pool took these too
                    for r in ids:
                        lost[r] = lost.get(r, 0) + 1
                    suspects.extend([r] for r in ids)
                inflight.clear()
                handle.rebuild()


def refuse_in_worker_bootstrap(what: str) -> None:
    """Stop a sweep or calibration started by a worker process re-importing a user's script.

    With the 'spawn' start method every worker imports the parent's ``__main__`` module; a
    script without an ``if __name__ == "__main__":`` guard would start the whole job again in
    each worker (and could overwrite the parent's output).  Raise before touching anything.
    """
    import multiprocessing as mp

    # the flag multiprocessing itself checks while a spawned child imports the main module
    if getattr(mp.current_process(), "_inheriting", False):
        raise SimulateError(
            f"{what} was started while a worker process was importing your script; put the "
            "call under `if __name__ == \"__main__\":` (workers are started with 'spawn' and "
            "re-import the script), or use workers=1")
