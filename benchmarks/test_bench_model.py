"""Speed of the model (pytest-benchmark; run with --benchmark-enable -s).

    python -m pytest benchmarks/test_bench_model.py --benchmark-enable -s

Goals (issue 12), each measured as a ratio of runs interleaved in one process, so that the
load of a shared machine hits both sides alike; a missed goal prints ``SHORTFALL`` with the
measured ratio and its range (no timed assertion: the machine decides the absolute times):

* docking configuration (everything but diffusion off) at 100,000 firms x 36 steps:
  <= 1.5x the plain-numpy Bass floor (benchmarks/numpy_floor.py);
* the full model (all five stages, network diffusion, ledger; warm-up year included) at
  100,000 firms x 36 months: >= 20x faster than the idiomatic one-agent-per-firm Mesa
  diffusion (benchmarks/agent_reference.py), memory linear in firms.

Set CHANGJING_BENCH_ROUNDS for more interleaved repeats (default 5).
"""

from __future__ import annotations

import gc
import os
import time
import tracemalloc

import numpy as np
import pytest
from changjing.simulate import Config, ScenarioModel, load_config

BASS = "experiments/bass_docking.toml"
ROUNDS = int(os.environ.get("CHANGJING_BENCH_ROUNDS", "5"))


def run_model(n_firms: int) -> None:
    model = ScenarioModel(Config().with_overrides({"firms.n": n_firms}), 1)
    model.run_for(model.n_steps)


def interleaved(a, b, rounds: int = ROUNDS) -> dict:
    """Time ``a`` and ``b`` alternately (after one warm-up call each); returns the seconds
    of each and the ratios a/b per round with their median and range."""
    a(), b()
    ta, tb = [], []
    for _ in range(rounds):
        gc.collect()
        t = time.perf_counter()
        a()
        ta.append(time.perf_counter() - t)
        t = time.perf_counter()
        b()
        tb.append(time.perf_counter() - t)
    r = np.array(ta) / np.array(tb)
    return {"seconds_a": ta, "seconds_b": tb, "ratios": r.round(3).tolist(),
            "median": float(np.median(r)), "min": float(r.min()), "max": float(r.max()),
            "load_average": os.getloadavg()[0]}


def report(name: str, res: dict, goal: str, ok: bool) -> None:
    line = (f"{name}: median {res['median']:.2f} (range {res['min']:.2f}-{res['max']:.2f}, "
            f"{len(res['ratios'])} interleaved rounds, load average {res['load_average']:.1f})"
            f"; goal {goal}")
    print("\n" + line + ("" if ok else f"\nSHORTFALL: {line}"))


@pytest.mark.parametrize("n_firms", [20_000, 100_000])
def test_full_model_36_months(benchmark, n_firms):
    benchmark.group = "full model, 36 monthly steps"
    benchmark.pedantic(run_model, args=(n_firms,), rounds=3, iterations=1)


def test_docking_vs_numpy_floor(benchmark):
    """Docking configuration / plain-numpy Bass floor, 100,000 firms x 36 steps, set-up and
    the per-step adopter counts included on both sides."""
    from benchmarks.numpy_floor import numpy_bass

    n = 100_000
    cfg = load_config(BASS, {"firms.n": n, "run.months": 36})
    shares = np.array(list(cfg.firms.domain_shares.values()))
    p, q = cfg.diffusion.p_per_year / 12, cfg.diffusion.q_per_year / 12

    def model():
        m = ScenarioModel(cfg, 1)
        m.run_for(36)

    def floor():
        numpy_bass(n, 36, p, q, cfg.diffusion.seed_adopter_share, shares, 1)

    res = {}
    benchmark.group = "docking vs numpy floor"
    benchmark.pedantic(lambda: res.update(interleaved(model, floor)), rounds=1, iterations=1)
    benchmark.extra_info.update(res)
    report("docking / numpy floor", res, "<= 1.5", res["median"] <= 1.5)


def test_full_model_vs_idiomatic_mesa(benchmark):
    """Idiomatic Mesa diffusion (one Agent per firm, 36 steps) / the full model (default
    configuration, warm-up year included), both at 100,000 firms."""
    from benchmarks.agent_reference import PerAgentBass

    n = 100_000

    def mesa_reference():
        m = PerAgentBass(n, 0.03 / 12, 0.38 / 12, 0.01, 1)
        for _ in range(36):
            m.step()

    res = {}
    benchmark.group = "full model vs idiomatic Mesa"
    rounds = max(2, ROUNDS // 2)       # the reference takes seconds a round
    benchmark.pedantic(lambda: res.update(interleaved(mesa_reference, lambda: run_model(n),
                                                      rounds)), rounds=1, iterations=1)
    benchmark.extra_info.update(res)
    report("idiomatic Mesa / full model (speed-up)", res, ">= 20", res["median"] >= 20)


def test_memory_grows_linearly_with_firms(benchmark):
    """Peak traced memory of a full run per firm, 20k vs 100k firms: linear in firms (bytes
    per firm do not grow with the population; fixed overheads shrink).  Asserted (<= 1.2x):
    memory does not depend on the machine's load."""
    peaks = {}
    for n in (20_000, 100_000):
        tracemalloc.start()
        run_model(n)
        peaks[n] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    benchmark.extra_info.update({f"peak_bytes_{n}": v for n, v in peaks.items()})
    per_firm = {n: v / n for n, v in peaks.items()}
    benchmark.extra_info["bytes_per_firm"] = per_firm
    print(f"\npeak traced bytes per firm: 20k {per_firm[20_000]:.0f}, "
          f"100k {per_firm[100_000]:.0f}")
    assert per_firm[100_000] <= 1.2 * per_firm[20_000]
    benchmark.pedantic(lambda: None, rounds=1, iterations=1)


def _vectorised_bass(n: int) -> None:
    cfg = load_config(BASS, {"firms.n": n, "run.months": 36})
    model = ScenarioModel(cfg, 1)
    model.run_for(36)


def _per_agent_bass(n: int) -> None:
    from benchmarks.agent_reference import PerAgentBass

    model = PerAgentBass(n, 0.03 / 12, 0.38 / 12, 0.01, 1)
    for _ in range(36):
        model.step()


@pytest.mark.parametrize("impl", ["vectorised", "per_agent"])
def test_diffusion_10k_firms(benchmark, impl):
    benchmark.group = "Bass diffusion, 10k firms, 36 steps (incl. set-up)"
    fn = _vectorised_bass if impl == "vectorised" else _per_agent_bass
    benchmark.pedantic(fn, args=(10_000,), rounds=3, iterations=1)


@pytest.mark.parametrize("impl", ["vectorised", "per_agent"])
def test_diffusion_steps_only_10k_firms(benchmark, impl):
    """36 diffusion steps on a ready population: the rule itself, set-up excluded."""
    benchmark.group = "Bass diffusion, 10k firms, 36 steps (steps only)"
    if impl == "vectorised":
        cfg = load_config(BASS, {"firms.n": 10_000, "run.months": 36})
        model = ScenarioModel(cfg, 1)
        rng = np.random.default_rng(1)

        def steps():
            for _ in range(36):
                model.diffusion.step(model.techs, cfg.diffusion, 1 / 12, rng)
    else:
        from benchmarks.agent_reference import PerAgentBass

        model = PerAgentBass(10_000, 0.03 / 12, 0.38 / 12, 0.01, 1)

        def steps():
            for _ in range(36):
                model.step()
    benchmark.pedantic(steps, rounds=3, iterations=1)
