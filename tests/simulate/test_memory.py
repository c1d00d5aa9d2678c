"""Finished models are freed: no model outlives its run, in-process or in a sweep worker.

Mesa 3.3's class-level agent-id registry keeps every model alive (simulate/memory.py explains
it); these tests fail on the code before the release was added (every model stayed alive,
about 4 MB a run at 20 000 firms).
"""

from __future__ import annotations

import gc
import multiprocessing as mp
import weakref
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from changjing.simulate import Config, ScenarioModel, run
from changjing.simulate.memory import live_models, rss_mb, trim_heap
from changjing.simulate.model import ScenarioModel as _Model
from changjing.simulate.sweep import run_chunk, sweep

from tests.simulate.test_sweep import make_experiment, store_frames

SMALL = {"firms.n": 2000, "run.months": 12, "run.warmup_months": 3}


def _capture_models(monkeypatch: pytest.MonkeyPatch) -> list[weakref.ref]:
    refs: list[weakref.ref] = []
    init = _Model.__init__

    def spy(self, *a, **k):  # type: ignore[no-untyped-def]
        init(self, *a, **k)
        refs.append(weakref.ref(self))

    monkeypatch.setattr(_Model, "__init__", spy)
    return refs


def test_model_of_a_finished_run_is_collected(monkeypatch: pytest.MonkeyPatch) -> None:
    refs = _capture_models(monkeypatch)
    cfg = Config().with_overrides(SMALL)
    results = [run(cfg, seed=s) for s in range(3)]
    gc.collect()
    assert len(refs) == 3
    assert [r() for r in refs] == [None, None, None]
    assert all(len(r.timeseries) == 12 for r in results)   # results survive their models


def test_model_stepped_by_hand_is_collected_when_discarded() -> None:
    model = ScenarioModel(Config().with_overrides(SMALL), seed=1)
    model.run_for(3)
    ref = weakref.ref(model)
    del model
    gc.collect()
    assert ref() is None


def test_sweep_worker_keeps_no_model() -> None:
    cfg = Config().with_overrides(SMALL).to_dict()
    tasks = [(i, cfg, i) for i in range(4)]
    with ProcessPoolExecutor(1, mp_context=mp.get_context("spawn")) as pool:
        outcomes = pool.submit(run_chunk, tasks, ["firms_served"]).result()
        alive = pool.submit(live_models).result()   # same (only) worker process
    assert [o.status for o in outcomes] == ["ok"] * 4
    assert outcomes[0].worker_pid > 0 and outcomes[0].worker_rss_mb > 0
    assert alive == 0


def test_resident_memory_flat_over_60_runs() -> None:
    """Default population (20 000 firms), 60 runs in one process: < 40 MB growth after the
    first ten runs (allocator warm-up).  Before the fix: about +4 MB a run, i.e. ~200 MB."""
    cfg = Config()
    for s in range(10):
        run(cfg, seed=s)
    gc.collect()
    trim_heap()                      # measure what is held, not the allocator's free pages
    before = rss_mb()
    for s in range(10, 60):
        run(cfg, seed=s)
    gc.collect()
    trim_heap()
    growth = rss_mb() - before
    assert live_models() == 0
    assert growth < 40, f"resident memory grew {growth:.0f} MB over 50 runs"


def test_recycled_workers_give_identical_results(tmp_path: Path) -> None:
    exp = make_experiment(tmp_path, reps=6)                  # 12 runs
    one = sweep(exp, tmp_path / "one", workers=1)
    rec = sweep(exp, tmp_path / "rec", workers=2, chunk_size=1, recycle_after_runs=2)
    assert one.ok == rec.ok == 12
    assert rec.workers_seen > 2                              # the pool was replaced
    assert rec.peak_worker_rss_mb > 0
    r1, t1 = store_frames(tmp_path / "one")
    r2, t2 = store_frames(tmp_path / "rec")
    assert r1.equals(r2) and t1.equals(t2)
