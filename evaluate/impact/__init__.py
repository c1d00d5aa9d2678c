"""Causal impact estimators: DiD/TWFE, staggered adoption, synthetic control, matching.

One public function per design, all returning :class:`ImpactResult`::

    from changjing.evaluate.impact import att_gt, aggte
    res = att_gt(panel, unit="firm", time="year", outcome="revenue",
                 treated_from="funded_year", method="dr", bootstrap=999, seed=1)
    print(aggte(res, "dynamic").summary())
"""

from .bacon import bacon_decomposition
from .descriptive import before_after
from .did import did_2x2, twfe
from .dose import dose_from_ledger, dose_response
from .event_study import twfe_event_study
from .experimental import difference_in_means
from .honest import honest_did
from .imputation import imputation_did
from .inference import randomization_test, wild_cluster_bootstrap
from .matching import aipw, balance_table, ipw, propensity_score, psm
from .panel import Panel, prepare_panel
from .result import ImpactResult
from .sdid import synthetic_did
from .staggered import aggte, att_gt, pretrend_test
from .sun_abraham import sun_abraham
from .synth import synthetic_control

__all__ = [
    "ImpactResult",
    "Panel",
    "aggte",
    "aipw",
    "att_gt",
    "bacon_decomposition",
    "balance_table",
    "before_after",
    "did_2x2",
    "difference_in_means",
    "dose_from_ledger",
    "dose_response",
    "honest_did",
    "imputation_did",
    "ipw",
    "prepare_panel",
    "pretrend_test",
    "propensity_score",
    "psm",
    "randomization_test",
    "sun_abraham",
    "synthetic_control",
    "synthetic_did",
    "twfe",
    "twfe_event_study",
    "wild_cluster_bootstrap",
]
