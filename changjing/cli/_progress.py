"""A progress bar with an ETA for long work (rich); silent when not on a terminal.

The ETA is counted over every completed unit since the start, not over the last few seconds:
with W workers the first W runs finish together after about one run's time, then nothing
finishes for a while, so a short-window speed (rich's default) swings between "seconds" and
"hours" in the first minutes.  The cumulative rate ``done / elapsed`` already carries the
number of workers (W runs per run-duration) and settles after the first batch.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable, Iterator


class Eta:
    """Remaining time from the completions seen so far (seconds; ``None`` before the first).

    ``update(done, now)`` records that ``done`` units are complete at time ``now``; the rate
    is ``(done - done_at_start) / (now - start)`` over all completed units, so it needs no
    per-worker bookkeeping and is not thrown by bursts of simultaneous completions."""

    def __init__(self, total: int, start: float | None = None, done: int = 0) -> None:
        self.total = total
        self.start = time.monotonic() if start is None else start
        self.done0 = done           # units already complete when timing began (a resume)
        self.done = done
        self.now = self.start

    def update(self, done: int, now: float | None = None) -> None:
        self.done = done
        self.now = time.monotonic() if now is None else now

    def seconds(self) -> float | None:
        new = self.done - self.done0
        elapsed = self.now - self.start
        if new <= 0 or elapsed <= 0:
            return None
        return max(0.0, (self.total - self.done) * elapsed / new)


def format_eta(seconds: float | None) -> str:
    if seconds is None:
        return "–:–:–"
    s = int(round(seconds))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


@contextlib.contextmanager
def progress_bar(total: int, label: str, disable: bool = False
                 ) -> Iterator[Callable[[int, int], None]]:
    if disable or not sys.stderr.isatty():
        yield lambda done, total: None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    eta: Eta | None = None
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), TextColumn("ETA {task.fields[eta]}"),
                  console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=total, eta=format_eta(None))

        def advance(done: int, total_now: int) -> None:
            nonlocal eta
            if eta is None:          # timing starts at the first report (after a resume's
                eta = Eta(total_now, done=done)      # already-finished runs)
                bar.update(task, completed=done)
                return
            eta.total = total_now
            eta.update(done)
            bar.update(task, completed=done, total=total_now, eta=format_eta(eta.seconds()))

        yield advance
