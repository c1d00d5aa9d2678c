"""Wall time of the shipped calibration (8 free parameters, 4 moments) on the local pool.

    python -m pytest benchmarks/test_bench_calibration.py --benchmark-enable

Records the simulations used, generations, final tolerance and wall time in extra_info.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from changjing.simulate.calibration.calibrate import calibrate


def test_shipped_calibration(benchmark):
    out = Path(tempfile.mkdtemp()) / "cal"
    info = {}

    def go():
        res = calibrate("experiments/calibrate_history.toml", out, workers=2, overwrite=True,
                        plot=False)
        info.update(simulations=res.simulations, generations=len(res.generations),
                    final_epsilon=float(res.trace["epsilon"].iloc[-1]),
                    seconds=res.seconds)

    try:
        benchmark.pedantic(go, rounds=1, iterations=1)
    finally:
        shutil.rmtree(out.parent, ignore_errors=True)
    benchmark.extra_info.update(info)
