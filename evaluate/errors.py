"""Errors raised for bad input to the evaluation tools (data tables, indicator systems)."""

from __future__ import annotations


class EvaluateError(ValueError):
    """A user-facing problem with evaluation input; the message names file, row/key and fix."""


class InputError(EvaluateError):
    """A data table or panel failed validation (names the file, row, column and value)."""


class SpecError(EvaluateError):
    """An indicator-system file or method setting failed validation."""
