"""Turn the libraries' input errors into one clear line and exit code 2 (no traceback).

Besides the libraries' own user errors, the operating system's refusals to write (permission
denied, read-only file system, full disk or quota) are user errors too: the message names the
file and the reason, and the commands' outputs are built so that retrying after fixing it
resumes or starts cleanly.
"""

from __future__ import annotations

import contextlib
import errno
import sys
from collections.abc import Iterator
from dataclasses import dataclass

_WRITE_ERRNOS = {errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC, errno.EDQUOT}


@dataclass
class Outcome:
    code: int = 0


def user_error_types() -> tuple[type[BaseException], ...]:
    from changjing.cli._output import OutputExistsError
    from changjing.evaluate.errors import EvaluateError
    from changjing.simulate.errors import SimulateError

    return (SimulateError, EvaluateError, OutputExistsError)


def system_refusal(exc: BaseException) -> str | None:
    """A message for an OS-level refusal to write, or None for anything else."""
    import sqlite3

    if isinstance(exc, OSError) and exc.errno in _WRITE_ERRNOS:
        where = exc.filename or "output"
        fix = ("free some disk space" if exc.errno in (errno.ENOSPC, errno.EDQUOT)
               else "make it writable or choose another --out")
        return f"{where}: cannot write ({exc.strerror}); {fix} and run the command again"
    if isinstance(exc, sqlite3.OperationalError) and any(
            w in str(exc) for w in ("disk is full", "readonly", "unable to open")):
        return (f"cannot write a result database ({exc}); free disk space or make the "
                "output folder writable, then run the same command again to resume")
    return None


@contextlib.contextmanager
def report_errors() -> Iterator[Outcome]:
    outcome = Outcome()
    try:
        yield outcome
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        outcome.code = 130
    except Exception as exc:
        if isinstance(exc, user_error_types()):
            print(f"error: {exc}", file=sys.stderr)
            outcome.code = 2
        elif (msg := system_refusal(exc)) is not None:
            print(f"error: {msg}", file=sys.stderr)
            outcome.code = 2
        else:
            raise
