"""Turn the libraries' input errors into one clear line and exit code 2 (no traceback)."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass
class Outcome:
    code: int = 0


def user_error_types() -> tuple[type[BaseException], ...]:
    from changjing.cli._output import OutputExistsError
    from changjing.evaluate.errors import EvaluateError
    from changjing.simulate.errors import SimulateError

    return (SimulateError, EvaluateError, OutputExistsError)


@contextlib.contextmanager
def report_errors() -> Iterator[Outcome]:
    outcome = Outcome()
    try:
        yield outcome
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        outcome.code = 130
    except Exception as exc:  # noqa: BLE001 - only user errors are turned into messages
        if isinstance(exc, user_error_types()):
            print(f"error: {exc}", file=sys.stderr)
            outcome.code = 2
        else:
            raise
