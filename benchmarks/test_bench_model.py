"""Speed of the model (pytest-benchmark; run with --benchmark-enable).

    python -m pytest benchmarks --benchmark-enable

Compare side by side: the full model at 20,000 and 100,000 firms, and the diffusion step
vectorised vs one Mesa Agent per firm (benchmarks/agent_reference.py) at 10,000 firms.
"""

from __future__ import annotations

import tracemalloc

import pytest
from changjing.simulate import Config, ScenarioModel, load_config

BASS = "experiments/bass_docking.toml"


def run_model(n_firms: int) -> None:
    model = ScenarioModel(Config().with_overrides({"firms.n": n_firms}), 1)
    model.run_for(model.n_steps)


@pytest.mark.parametrize("n_firms", [20_000, 100_000])
def test_full_model_36_months(benchmark, n_firms):
    benchmark.group = "full model, 36 monthly steps"
    benchmark.pedantic(run_model, args=(n_firms,), rounds=3, iterations=1)


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


def test_memory_grows_linearly_with_firms(benchmark):
    """Peak traced memory per firm at 20k and 100k firms (recorded in extra_info)."""
    peaks = {}
    for n in (20_000, 100_000):
        tracemalloc.start()
        run_model(n)
        peaks[n] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    benchmark.extra_info.update({f"peak_bytes_{n}": v for n, v in peaks.items()})
    per_firm = {n: v / n for n, v in peaks.items()}
    benchmark.extra_info["bytes_per_firm"] = per_firm
    # linear: bytes per firm do not grow with the population (fixed overheads shrink)
    assert per_firm[100_000] <= 1.2 * per_firm[20_000]
    benchmark.pedantic(lambda: None, rounds=1, iterations=1)


@pytest.mark.parametrize("impl", ["vectorised", "per_agent"])
def test_diffusion_steps_only_10k_firms(benchmark, impl):
    """36 diffusion steps on a ready population: the rule itself, set-up excluded."""
    benchmark.group = "Bass diffusion, 10k firms, 36 steps (steps only)"
    if impl == "vectorised":
        import numpy as np
        from changjing.simulate.diffusion import diffusion_step

        cfg = load_config(BASS, {"firms.n": 10_000, "run.months": 36})
        model = ScenarioModel(cfg, 1)
        rng = np.random.default_rng(1)

        def steps():
            for _ in range(36):
                diffusion_step(model.firms, model.network, model.network_degree, model.techs,
                               cfg.diffusion, 1 / 12, 6, rng)
    else:
        from benchmarks.agent_reference import PerAgentBass

        model = PerAgentBass(10_000, 0.03 / 12, 0.38 / 12, 0.01, 1)

        def steps():
            for _ in range(36):
                model.step()
    benchmark.pedantic(steps, rounds=3, iterations=1)
