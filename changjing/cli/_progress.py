"""A progress bar with an ETA for long work (rich); silent when not on a terminal.

The yielded callable ``advance(done, total)`` moves the bar; ``advance.note(text)`` sets a
short status shown after the ETA (e.g. worker memory during a sweep).

The ETA is counted over every completed unit since the first report, not over the last few
seconds: with W workers the first W runs finish together after about one run's time, then
nothing finishes for a while, so a short-window speed (rich's default) swings between
"seconds" and "hours" in the first minutes.  The cumulative rate ``done / elapsed`` already
carries the number of workers (W runs per run-duration) and settles after the first burst.
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


class Advance:
    """``advance(done, total)`` and ``advance.note(text)``; silent unless given a bar."""

    def __init__(self, update: Callable[..., None] | None = None) -> None:
        self._update = update
        self._eta: Eta | None = None

    def __call__(self, done: int, total: int) -> None:
        if self._update is None:
            return
        if self._eta is None:        # timing starts at the first report (after a resume's
            self._eta = Eta(total, done=done)        # already-finished runs)
        else:
            self._eta.total = total
            self._eta.update(done)
        self._update(completed=done, total=total, eta=format_eta(self._eta.seconds()))

    def note(self, text: str) -> None:
        if self._update is not None:
            self._update(note=text)


@contextlib.contextmanager
def progress_bar(total: int, label: str, disable: bool = False) -> Iterator[Advance]:
    if disable or not sys.stderr.isatty():
        yield Advance()
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), TextColumn("ETA {task.fields[eta]}"),
                  TextColumn("{task.fields[note]}"),
                  console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=total, note="", eta=format_eta(None))
        yield Advance(lambda **kw: bar.update(task, **kw))
