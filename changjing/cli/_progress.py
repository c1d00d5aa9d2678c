"""A progress bar with an ETA for long work (rich); silent when not on a terminal.

The yielded callable ``advance(done, total)`` moves the bar; ``advance.note(text)`` sets a
short status shown after the ETA (e.g. worker memory during a sweep).
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator


class Advance:
    """``advance(done, total)`` and ``advance.note(text)``; silent unless given a bar."""

    def __init__(self, update: Callable[..., None] | None = None) -> None:
        self._update = update

    def __call__(self, done: int, total: int) -> None:
        if self._update is not None:
            self._update(completed=done)

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
        TimeRemainingColumn,
    )

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                  TextColumn("{task.fields[note]}"),
                  console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=total, note="")
        yield Advance(lambda **kw: bar.update(task, **kw))
