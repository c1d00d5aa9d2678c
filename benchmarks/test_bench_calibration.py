"""Wall time and simulations of the shipped calibration (8 free parameters, 3 moments).

    python -m pytest benchmarks/test_bench_calibration.py --benchmark-enable

Records the simulations used, generations, the stopping reason, convergence, final tolerance
and wall time in extra_info; and, on the closed-form normal mean, the simulations the
regression adjustment saves (same accuracy of the posterior sd with fewer generations).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import numpy as np
from changjing.simulate.calibration import Prior, abc
from changjing.simulate.calibration.calibrate import calibrate


def test_shipped_calibration(benchmark):
    out = Path(tempfile.mkdtemp()) / "cal"
    info = {}

    def go():
        res = calibrate("experiments/calibrate_history.toml", out, workers=2, overwrite=True,
                        plot=False)
        info.update(simulations=res.simulations, generations=len(res.generations),
                    stop_reason=res.stop_reason, converged=res.converged,
                    final_epsilon=float(res.trace["epsilon"].iloc[-1]),
                    seconds=res.seconds)

    try:
        benchmark.pedantic(go, rounds=1, iterations=1)
    finally:
        shutil.rmtree(out.parent, ignore_errors=True)
    benchmark.extra_info.update(info)


def _normal(theta, seed):
    return theta + np.random.default_rng(seed).standard_normal(theta.size)


def test_regression_adjustment_saves_simulations(benchmark):
    """Posterior N(1.3, 1): simulations for |sd − 1| < 0.07, plain ABC vs adjusted (5 seeds)."""
    info = {}

    def go():
        for label, adjusted in (("plain", False), ("adjusted", True)):
            for g in range(2, 10):
                errs, sims = [], []
                for rep in range(5):
                    r = abc([Prior.uniform("t", -10, 10)], _normal, [1.3], particles=400,
                            generations=g, min_decrease=0, seed=rep)
                    errs.append(abs(r.summary(adjusted=adjusted)["sd"].iloc[0] - 1))
                    sims.append(r.simulations)
                if np.mean(errs) < 0.07:
                    info[f"{label}_simulations"] = float(np.mean(sims))
                    info[f"{label}_generations"] = g
                    break

    benchmark.pedantic(go, rounds=1, iterations=1)
    benchmark.extra_info.update(info)
    assert info["adjusted_simulations"] < info["plain_simulations"]
