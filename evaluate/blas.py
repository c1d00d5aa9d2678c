"""How many threads the linear algebra library may use inside the evaluation routines.

The estimators and the rank-robustness draws work on many small or thin matrices (a
10 000 × 40 Gram matrix, a logit's Newton step, one multiplier draw per cell).  A
multi-threaded BLAS gains nothing on such sizes and, when the cores are shared with other
processes, its threads spin waiting for one another: measured on the 2-core machine, the
staggered DR estimator (10 000 units × 12 periods, 999 draws) took 1.07 s with OpenBLAS's
default two threads against 0.135 s with one.  The routines therefore run their
arithmetic with the BLAS held to ``n`` threads (threadpoolctl, a dependency) and restore the
caller's setting afterwards.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


def blas_threads(n: int) -> contextlib.AbstractContextManager[Any]:
    """A context in which BLAS/OpenMP libraries use at most ``n`` threads."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl is a dependency
        return contextlib.nullcontext()
    return threadpool_limits(limits=n)


def single_threaded_blas(func: F) -> F:
    """Decorator: run ``func`` with the BLAS held to one thread (see the module's reason)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with blas_threads(1):
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
