"""Variance reduction from common random numbers (CRN) for the funding lever, 1x vs 1.5x.

For each target indicator: Var(paired difference, same seed in both arms) divided by
Var(difference of runs with independent seeds).  Draws keyed to entities (simulate/keyed.py)
make two arms differ only where the policy differs; the goal is a ratio <= 0.3 for every
target.  Results go to extra_info and are printed; docs/experiments.md records them.

    python -m pytest benchmarks/test_bench_crn.py --benchmark-enable -s
"""

from __future__ import annotations

import os

import numpy as np
from changjing.simulate import Config, run
from changjing.simulate.indicators import TARGETS


def crn_variance_ratios(n_seeds: int = 30, firms: int = 20_000) -> dict[str, float]:
    base = Config().with_overrides({"firms.n": firms})
    more = base.with_overrides({"funding.annual_budget_yuan":
                                1.5 * base.funding.annual_budget_yuan})

    def final(cfg, seed):
        return run(cfg, seed).timeseries.iloc[-1][list(TARGETS)].to_numpy(float)

    a = np.array([final(base, s) for s in range(2 * n_seeds)])
    b = np.array([final(more, s) for s in range(n_seeds)])
    paired = b - a[:n_seeds]                       # same seeds
    indep = b - a[n_seeds:]                        # other seeds
    out = {}
    for j, name in enumerate(TARGETS):
        vi = indep[:, j].var(ddof=1)
        out[name] = float(paired[:, j].var(ddof=1) / vi) if vi > 0 else float("nan")
    return out


def test_crn_variance_ratio_funding(benchmark):
    n = int(os.environ.get("CHANGJING_CRN_SEEDS", "30"))
    info: dict = {}
    benchmark.pedantic(lambda: info.update(crn_variance_ratios(n)), rounds=1, iterations=1)
    benchmark.extra_info.update(info)
    print("\nVar(paired)/Var(independent), funding 1x vs 1.5x, "
          f"{n} seeds: " + ", ".join(f"{k} {v:.2f}" for k, v in info.items()))
    for k, v in info.items():
        if not v <= 0.3:
            print(f"SHORTFALL: {k} ratio {v:.2f} > 0.3")
