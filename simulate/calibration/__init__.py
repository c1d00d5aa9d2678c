"""Calibration of the model to observed programme moments (ABC-SMC).

The ABC engine is public and works for any simulator::

    from changjing.simulate.calibration import Prior, abc
    res = abc([Prior.uniform("theta", -10, 10)], simulate, observed, seed=1)

(see docs/calibration.md); ``calibrate.calibrate`` is the model's user of it.
"""

from .abc_smc import (
    ABCResult,
    Prior,
    abc,
    observation_tolerance,
    recovery,
    recovery_summary,
    regression_adjust,
    weighted_quantile,
)

__all__ = ["ABCResult", "Prior", "abc", "observation_tolerance", "recovery", "recovery_summary", "regression_adjust",
           "weighted_quantile"]
