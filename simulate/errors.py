"""Errors raised for bad input to the simulator (config files, parameters)."""

from __future__ import annotations


class SimulateError(ValueError):
    """A user-facing problem with simulator input; the message names file, key and fix."""


class ConfigError(SimulateError):
    """A configuration file or mapping failed validation."""
