"""Releasing finished models, and measuring a process's memory.

Mesa 3.3 (the newest Mesa for Python 3.11) keeps a class-level counter of agent ids,
``mesa.Agent._ids``, in a ``defaultdict`` keyed by the model instance.  Every model that ever
created an agent therefore stays referenced for the life of the process, with all its arrays:
about 4 MB a run at 20 000 firms, which no long sweep survives (Mesa issue 3179, fixed by pull
request 3180 in Mesa 3.4, where ids are counted by the model itself).  :func:`release_model`
drops that one reference; it is the only place in the package that knows about it.

A model creates all its agents in ``__init__`` (owners and the funder), so the model releases
itself at the end of ``__init__``: a model a user steps by hand and then discards is freed as
well.  (An agent created later would re-enter the registry with ids restarting at 1; the model
never does that, and :func:`release_model` is called again when a run ends.)
"""

from __future__ import annotations

import gc
import os
import sys
from typing import Any


def _registry_needs_release() -> bool:
    """True for Mesa versions whose ``Agent._ids`` holds strong references to models."""
    import mesa

    ids = getattr(mesa.Agent, "_ids", None)
    # Mesa < 3.4: a plain (default)dict keyed by model.  Fixed versions have no such mapping
    # (or a weak one), and then there is nothing to do.
    return isinstance(ids, dict)


def release_model(model: Any) -> None:
    """Remove ``model`` from Mesa's class-level id registry (no-op on a fixed Mesa)."""
    if _registry_needs_release():
        import mesa

        mesa.Agent._ids.pop(model, None)  # type: ignore[attr-defined]


def rss_mb() -> float:
    """Current resident memory of this process in MB (0.0 where it cannot be read)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6
    except (OSError, ValueError, IndexError, AttributeError):
        pass
    try:
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        # Linux reports KB, macOS bytes; this is the peak, the best available there.
        return peak / (1e6 if sys.platform == "darwin" else 1e3)
    except (ImportError, OSError):
        return 0.0


def trim_heap() -> None:
    """Return freed heap pages to the operating system where the C library allows it
    (glibc ``malloc_trim``), so that a resident-memory reading shows what is still held,
    not allocator fragmentation.  No-op elsewhere."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def live_models() -> int:
    """Number of :class:`ScenarioModel` objects still alive in this process (after a
    garbage collection) — a diagnostic for tests and for long-lived servers."""
    from .model import ScenarioModel

    gc.collect()
    return sum(1 for o in gc.get_objects() if isinstance(o, ScenarioModel))
