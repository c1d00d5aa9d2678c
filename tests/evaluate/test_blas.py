"""The evaluation routines hold the BLAS to one thread while they compute and give the
caller's setting back afterwards (changjing.evaluate.blas)."""

from __future__ import annotations

import inspect

import pytest
from changjing.evaluate.blas import blas_threads, single_threaded_blas
from changjing.evaluate.impact import att_gt

threadpoolctl = pytest.importorskip("threadpoolctl")


def _blas_threads_now() -> list[int]:
    return [i["num_threads"] for i in threadpoolctl.threadpool_info()
            if i.get("user_api") == "blas"]


def test_decorated_function_sees_one_thread_and_the_caller_keeps_its_own():
    seen = []

    @single_threaded_blas
    def work():
        seen.extend(_blas_threads_now())
        return 7

    with blas_threads(2):
        before = _blas_threads_now()
        assert work() == 7
        after = _blas_threads_now()
    assert before == after                         # restored
    if before:                                     # numpy's BLAS is visible to threadpoolctl
        assert set(seen) == {1}


def test_att_gt_keeps_its_signature_and_documentation():
    params = inspect.signature(att_gt).parameters
    assert "treated_from" in params and "bootstrap" in params
    assert att_gt.__doc__ and "bootstrap" in att_gt.__doc__
