"""Sweep throughput and overhead (pytest-benchmark; run with --benchmark-enable).

* ``direct``: the runs called one after another in this process — the runs' own time;
* ``sweep_inline``: the same runs through the sweep machinery in-process (chunking, pickling
  of configs, the SQLite store) — the difference is the executor + store overhead;
* ``sweep_pool_1`` / ``sweep_pool_2``: a process pool with 1 and 2 workers, for scaling.

With the default 20,000-firm model:  python -m pytest benchmarks -k sweep --benchmark-enable
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest
from changjing.simulate.experiment import load_experiment
from changjing.simulate.sweep import run_chunk, sweep

RUNS = 40
EXPERIMENT = f"""
[experiment]
name = "bench"
base = "{Path('experiments/baseline.toml').resolve()}"
replications = {RUNS // 2}
[levers.b]
key = "funding.annual_budget_yuan"
values = [4.5e7, 9e7]
"""


@pytest.fixture(scope="module")
def experiment(tmp_path_factory):
    path = tmp_path_factory.mktemp("bench") / "exp.toml"
    path.write_text(EXPERIMENT, encoding="utf-8")
    return load_experiment(path)


def _direct(exp) -> None:
    plan = exp.run_plan()
    tasks = [(int(r.run_id), exp.config_for(r.arm_index, r.point).to_dict(), int(r.seed))
             for r in plan.itertuples()]
    run_chunk(tasks, exp.outputs)


def _sweep(exp, workers: int) -> None:
    out = Path(tempfile.mkdtemp()) / "s"
    try:
        report = sweep(exp, out, workers=workers)
        assert report.ok == RUNS
    finally:
        shutil.rmtree(out.parent)


@pytest.mark.parametrize("mode", ["direct", "sweep_inline", "sweep_pool_1", "sweep_pool_2"])
def test_sweep_40_runs(benchmark, experiment, mode):
    benchmark.group = f"{RUNS} runs of the default model"
    if mode == "direct":
        benchmark.pedantic(_direct, args=(experiment,), rounds=2, iterations=1)
    elif mode == "sweep_inline":
        benchmark.pedantic(_sweep, args=(experiment, 1), rounds=2, iterations=1)
    else:
        workers = int(mode[-1])
        # a pool costs a spawn start-up per worker; measured as users see it
        benchmark.pedantic(_sweep, args=(experiment, workers), rounds=2, iterations=1)


def test_sweep_1000_runs_two_workers(benchmark, tmp_path_factory):
    """The 1,000-run sweep of the default model on 2 cores (one round)."""
    path = tmp_path_factory.mktemp("big") / "exp.toml"
    path.write_text(EXPERIMENT.replace(f"replications = {RUNS // 2}", "replications = 500"),
                    encoding="utf-8")
    exp = load_experiment(path)
    assert exp.n_runs == 1000
    benchmark.group = "1,000 runs of the default model"
    benchmark.pedantic(_sweep_n, args=(exp, 2, 1000), rounds=1, iterations=1)


def _sweep_n(exp, workers: int, n: int) -> None:
    out = Path(tempfile.mkdtemp()) / "s"
    try:
        assert sweep(exp, out, workers=workers).ok == n
    finally:
        shutil.rmtree(out.parent)


def test_memory_bounded_for_10000_runs(benchmark, tmp_path_factory):
    """10,000 small runs through the store: the parent's peak memory (resident set size)
    before and after, and after analysing the store, are recorded in extra_info."""
    import resource

    root = tmp_path_factory.mktemp("many")
    (root / "base.toml").write_text("[run]\nmonths = 6\nwarmup_months = 0\n[firms]\nn = 200\n"
                                    "[flagship]\nenabled = false\n", encoding="utf-8")
    (root / "exp.toml").write_text(
        "[experiment]\nname = 'many'\nbase = 'base.toml'\nreplications = 5000\n"
        "[levers.b]\nkey = 'funding.annual_budget_yuan'\nvalues = [4.5e7, 9e7]\n",
        encoding="utf-8")
    exp = load_experiment(root / "exp.toml")
    assert exp.n_runs == 10_000

    def peak_mb() -> float:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    info = {"peak_rss_mb_before": peak_mb()}

    def go():
        from changjing.simulate.analysis import analyze

        out = root / "s"
        shutil.rmtree(out, ignore_errors=True)
        assert sweep(exp, out, workers=2).ok == 10_000
        info["peak_rss_mb_after_sweep"] = peak_mb()
        analyze(out).write(out / "analysis")
        info["peak_rss_mb_after_analyze"] = peak_mb()

    benchmark.pedantic(go, rounds=1, iterations=1)
    benchmark.extra_info.update(info)


def worker_memory_trace(n_runs: int, workers: int = 2, recycle_after_runs: int = 0,
                        root: Path | None = None) -> dict:
    """Sweep ``n_runs`` default runs (20,000 firms) and trace worker memory as runs finish.

    Returns the trace [(runs_done, largest worker RSS in MB)], the mean worker RSS over the
    first and the last tenth of the runs, the peak, and the parent's peak RSS.  Recycling is
    off by default so that a flat trace shows the models are freed, not that workers restart.
    """
    import resource

    root = Path(tempfile.mkdtemp()) if root is None else root
    path = root / "exp.toml"
    path.write_text(EXPERIMENT.replace(f"replications = {RUNS // 2}",
                                       f"replications = {n_runs // 2}"), encoding="utf-8")
    exp = load_experiment(path)
    trace: list[tuple[int, float]] = []
    done = [0]

    def progress(d: int, total: int) -> None:
        done[0] = d

    try:
        report = sweep(exp, root / "s", workers=workers, progress=progress,
                       recycle_after_runs=recycle_after_runs,
                       memory=lambda mb, n: trace.append((done[0], mb)))
    finally:
        shutil.rmtree(root / "s", ignore_errors=True)
    k = max(1, len(trace) // 10)
    return {"runs": report.ok, "seconds": report.seconds, "trace": trace,
            "worker_mb_first_tenth": sum(m for _, m in trace[:k]) / k,
            "worker_mb_last_tenth": sum(m for _, m in trace[-k:]) / k,
            "worker_mb_peak": report.peak_worker_rss_mb,
            "parent_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def test_worker_memory_flat_2000_runs(benchmark):
    """2,000 runs at 20,000 firms on 2 workers, no recycling: worker memory must not grow
    with the number of runs (before the release of finished models: ~4 MB a run).  Set
    CHANGJING_BENCH_RUNS=10000 for the long version."""
    import os

    n = int(os.environ.get("CHANGJING_BENCH_RUNS", "2000"))
    info: dict = {}
    benchmark.group = "worker memory over a long sweep"
    benchmark.pedantic(lambda: info.update(worker_memory_trace(n)), rounds=1, iterations=1)
    trace = info.pop("trace")
    benchmark.extra_info.update(info)
    benchmark.extra_info["trace_every_100"] = trace[::max(1, len(trace) // 100)]
    growth = info["worker_mb_last_tenth"] - info["worker_mb_first_tenth"]
    print(f"\nworker RSS first tenth {info['worker_mb_first_tenth']:.0f} MB, last tenth "
          f"{info['worker_mb_last_tenth']:.0f} MB (growth {growth:+.0f} MB), peak "
          f"{info['worker_mb_peak']:.0f} MB; parent peak {info['parent_peak_mb']:.0f} MB; "
          f"{info['runs']} runs in {info['seconds']:.0f} s")
    assert info["runs"] == n
    if growth > 40:
        print(f"SHORTFALL: worker memory grew {growth:.0f} MB over {n} runs")


def _store_bytes(folder: Path) -> bytes:
    """The results of a sweep store as bytes (timeseries, funnel and budget in run order)."""
    from changjing.simulate.store import ResultStore

    store = ResultStore(folder)
    try:
        parts = [store.timeseries(), store.funnel(), store.budget()]
        return b"".join(p.sort_values(list(p.columns[:2])).to_csv(index=False).encode()
                        for p in parts)
    finally:
        store.close()


def test_sweep_throughput_goals(benchmark, tmp_path_factory):
    """Issue 12 sweep goals on CHANGJING_BENCH_SWEEP_RUNS default runs (20,000 firms; default
    40) per round, CHANGJING_BENCH_SWEEP_ROUNDS rounds (default 2), the three ways of running
    them interleaved within each round so that a change of load hits all three:

    * executor + store overhead < 5 % of model time: the in-process sweep (workers=1) against
      the same runs called directly (``run_chunk``);
    * speed-up with 2 workers >= 1.9x: the 2-worker pool against the 1-worker sweep, with the
      pool's start-up (a 2-worker sweep of two tiny runs) taken out, as a long sweep sees it
      (printed with it too);
    * 10,000 runs <= 6 min on 2 cores, projected from the 2-worker rounds (start-up once);
    * results byte-identical with 1 and 2 workers (asserted).

    Misses print SHORTFALL with the medians and ranges over rounds."""
    import os
    import time

    n = int(os.environ.get("CHANGJING_BENCH_SWEEP_RUNS", "40"))
    rounds = int(os.environ.get("CHANGJING_BENCH_SWEEP_ROUNDS", "2"))
    root = tmp_path_factory.mktemp("throughput")
    path = root / "exp.toml"
    path.write_text(EXPERIMENT.replace(f"replications = {RUNS // 2}",
                                       f"replications = {n // 2}"), encoding="utf-8")
    exp = load_experiment(path)
    # a 2-worker sweep of two tiny runs: the pool's start-up (spawn, imports, first model)
    (root / "tiny.toml").write_text("[run]\nmonths = 1\nwarmup_months = 0\n[firms]\nn = 200\n",
                                    encoding="utf-8")
    (root / "tiny_exp.toml").write_text("[experiment]\nname = 'tiny'\nbase = 'tiny.toml'\n"
                                        "replications = 1\n[levers.b]\nkey = "
                                        "'funding.annual_budget_yuan'\nvalues = [4.5e7, 9e7]\n",
                                        encoding="utf-8")
    tiny = load_experiment(root / "tiny_exp.toml")
    t: dict[str, list[float]] = {"direct": [], "one": [], "two": [], "startup": []}
    same = True

    def go():
        nonlocal same
        for r in range(rounds):
            for name in ("direct", "one", "two"):
                t0 = time.perf_counter()
                if name == "direct":
                    _direct(exp)
                else:
                    out = root / f"{name}{r}"
                    assert sweep(exp, out, workers=1 if name == "one" else 2).ok == exp.n_runs
                t[name].append(time.perf_counter() - t0)
            same = same and _store_bytes(root / f"one{r}") == _store_bytes(root / f"two{r}")
            t0 = time.perf_counter()
            assert sweep(tiny, root / f"tiny{r}", workers=2).ok == 2
            t["startup"].append(time.perf_counter() - t0)

    benchmark.group = "sweep throughput goals"
    benchmark.pedantic(go, rounds=1, iterations=1)
    direct, one, two, startup = (np.array(t[k]) for k in ("direct", "one", "two", "startup"))
    overhead = one / direct - 1
    speedup = one / two
    # steady state (what a 10,000-run sweep sees): the pool's start-up taken out
    steady = one / np.maximum(two - startup, 1e-9)
    projected = (two - startup) / exp.n_runs * 10_000 + startup
    load = os.getloadavg()[0]
    info = {"runs_per_round": exp.n_runs, "rounds": rounds, **{f"{k}_s": v for k, v in t.items()},
            "overhead": overhead.tolist(), "speedup_2_workers": speedup.tolist(),
            "speedup_2_workers_steady": steady.tolist(),
            "projected_10000_runs_s": projected.tolist(), "byte_identical": same,
            "load_average": load}
    benchmark.extra_info.update(info)
    print(f"\n{exp.n_runs} runs x {rounds} rounds (load average {load:.1f}): direct "
          f"{np.round(direct, 1).tolist()} s, 1 worker {np.round(one, 1).tolist()} s, "
          f"2 workers {np.round(two, 1).tolist()} s, of which pool start-up about "
          f"{np.round(startup, 1).tolist()} s")

    def rng(x, fmt):
        return f"median {fmt(np.median(x))} (range {fmt(x.min())} to {fmt(x.max())})"

    pct, times, mins = "{:+.1%}".format, "{:.2f}x".format, (lambda v: f"{v / 60:.1f} min")
    for ok, text in (
            (np.median(overhead) < 0.05, f"executor + store overhead {rng(overhead, pct)}; "
                                         "goal < 5 %"),
            (np.median(steady) >= 1.9, f"2-worker speed-up {rng(steady, times)} without the "
                                       f"pool's start-up ({rng(speedup, times)} with it); goal "
                                       ">= 1.9x"),
            (np.median(projected) <= 360, f"10,000 runs projected {rng(projected, mins)} on 2 "
                                          "workers; goal <= 6 min")):
        print(text if ok else f"SHORTFALL: {text}")
    assert same, "results differ between 1 and 2 workers"
