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

Ctrl-C: worker processes ignore SIGINT (the terminal sends it to the whole process group; a
worker killed by it would break the pool, and the parent would wait on a dead pool).  The parent
decides, through :class:`StopOnSigint`: the first Ctrl-C stops handing out work, cancels
chunks no worker has started, and lets the running ones finish, so every result that arrives is
recorded and the map returns early with ``stopped = True``; a second Ctrl-C ends the process at
once (exit status 130) — runs already recorded stay recorded, only the unfinished ones are lost.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections import deque
from collections.abc import Callable, Hashable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from dataclasses import dataclass
from typing import Any

from .errors import SimulateError


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


def ignore_sigint() -> None:
    """Worker initializer: Ctrl-C is the parent's to handle (see the module docstring).

    The worker was started with SIGINT blocked (:func:`sigint_blocked`), so a Ctrl-C while it
    was still importing stayed pending; ignoring it discards that, then it is unblocked."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


@contextlib.contextmanager
def sigint_blocked() -> Iterator[None]:
    """While worker processes may be started: SIGINT is ignored, so the workers inherit the
    ignored disposition through fork and exec (Python keeps an ignored SIGINT at start-up) and
    a Ctrl-C cannot kill one while it is still importing; and SIGINT is blocked, so a Ctrl-C
    that arrives meanwhile stays pending (Linux does not discard a blocked signal) and reaches
    the parent's own handler afterwards."""
    if not hasattr(signal, "pthread_sigmask") or \
            threading.current_thread() is not threading.main_thread():
        yield
        return
    old_mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    pending = signal.SIGINT in signal.sigpending()     # SIG_IGN would discard it: keep note
    old_handler = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old_handler)
        if pending and callable(old_handler):
            old_handler(signal.SIGINT, None)
        signal.pthread_sigmask(signal.SIG_SETMASK, old_mask)   # delivers what arrived


class StopOnSigint:
    """While active (a ``with`` block in the main thread), the first SIGINT sets
    ``requested`` and prints ``message``; the second exits at once with status 130 (after
    killing the local worker processes registered in ``pools``).  Elsewhere (another thread,
    or no SIGINT handler to replace) it does nothing and Ctrl-C behaves as usual."""

    def __init__(self, message: str = "") -> None:
        self.message = message
        self.requested = False
        self.pools: list[Executor] = []
        self._previous: Any = None
        self._active = False

    def _handle(self, signum: int, frame: Any) -> None:
        if self.requested:
            print("\nstopped at once; the runs already recorded are kept", file=sys.stderr,
                  flush=True)
            for pool in self.pools:
                for proc in list(getattr(pool, "_processes", {}).values()):
                    try:
                        proc.kill()
                    except Exception:  # noqa: BLE001 - already gone
                        pass
            os._exit(130)
        self.requested = True
        if self.message:
            print(f"\n{self.message}", file=sys.stderr, flush=True)

    def __enter__(self) -> StopOnSigint:
        if threading.current_thread() is threading.main_thread():
            try:
                self._previous = signal.signal(signal.SIGINT, self._handle)
                self._active = True
            except (ValueError, OSError):
                pass
        return self

    def __exit__(self, *exc: object) -> None:
        if self._active:
            # After a first Ctrl-C the process is on its way out (saving, printing, joining
            # threads): a second one must still exit at once with 130, not die by the signal.
            signal.signal(signal.SIGINT, self._handle if self.requested else self._previous)
            self._active = False


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
                                   mp_context=mp.get_context("spawn"),
                                   initializer=ignore_sigint)
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
        self.stop: StopOnSigint | None = None   # Ctrl-C handling while the map runs

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
            if self.stop is not None:
                self.stop.pools.append(self._executor)
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
                  on_error: Callable[[list[Any], BaseException], None],
                  stop: StopOnSigint | None = None) -> bool:
    """Run ``items`` in chunks; every item ends in ``on_result`` (via its chunk's result),
    ``on_lost`` (its worker died under it, twice, alone) or ``on_error`` (the chunk raised).

    ``stop``: once ``stop.requested`` (first Ctrl-C), nothing new is submitted, chunks not yet
    started are cancelled and the running ones are awaited and recorded.  Returns ``True`` if
    the map stopped early (some items were never run)."""
    handle.stop = stop
    queue: deque[list[Any]] = deque(list(items[i:i + chunk_size])
                                    for i in range(0, len(items), chunk_size))
    suspects: deque[list[Any]] = deque()
    lost: dict[Any, int] = {}
    n_workers = handle.spec.n_workers
    inflight: dict[Future, list[Any]] = {}
    finished_any = False
    breaks_without_progress = 0
    stopped = False
    while queue or suspects or inflight:
        if stop is not None and stop.requested and not stopped:
            stopped = True
            queue.clear()
            suspects.clear()
            for fut in [f for f in inflight if f.cancel()]:   # never started: drop
                del inflight[fut]
        if stopped and not inflight:
            break
        window = 1 if suspects else 2 * n_workers
        source = suspects if suspects else queue
        while not stopped and source and len(inflight) < window:
            ids = source.popleft()
            with sigint_blocked():          # submit may start (or restart) worker processes
                handle.recycle_if_due()
                inflight[submit(handle.executor, ids)] = ids
            handle.count(len(ids))
        # a timeout, so that a first Ctrl-C is acted on without waiting for a chunk to finish
        done, _ = wait(list(inflight), timeout=0.5, return_when=FIRST_COMPLETED)
        broken = False
        for fut in done:
            ids = inflight.pop(fut)
            if fut.cancelled():
                continue
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
    return stopped


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
