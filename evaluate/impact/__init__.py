"""Causal impact estimators: DiD/TWFE, staggered adoption, synthetic control, matching."""

from changjing.evaluate.impact.result import ImpactResult
from changjing.evaluate.impact.staggered import aggte, att_gt, pretrend_test

