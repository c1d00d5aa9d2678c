"""Report errors: a user-input problem (bad folder, unknown kind, existing output)."""

from __future__ import annotations

from changjing.evaluate.errors import InputError


class ReportError(InputError):
    """Raised for every user-input problem; the CLI prints it as one ``error:`` line (exit 2).

    A subclass of :class:`changjing.evaluate.errors.InputError` so the CLI's error reporter
    already knows it.
    """
