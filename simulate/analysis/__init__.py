"""Analysis of sweep results: bands, paired differences, target probabilities, cost,
sensitivity and scenario discovery (all return tidy DataFrames)."""

from changjing.simulate.analysis.analyze import SweepAnalysis, analyze
from changjing.simulate.analysis.summaries import (bands, cost_effectiveness, funnel_summary,
                                                   paired_differences, target_probabilities,
                                                   wilson_interval)

__all__ = ["SweepAnalysis", "analyze", "bands", "cost_effectiveness", "funnel_summary",
           "paired_differences", "target_probabilities", "wilson_interval"]
