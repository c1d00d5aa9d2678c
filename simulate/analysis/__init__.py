"""Analysis of sweep results: bands, paired differences, target probabilities, cost,
sensitivity (Sobol', Morris) and scenario discovery (PRIM); all return tidy DataFrames."""

from .analyze import SweepAnalysis, analyze
from .prim import PrimBox, PrimResult, prim
from .sensitivity import (
                                                     Problem,
                                                     ReplicateSummary,
                                                     morris_analyze,
                                                     morris_sample,
                                                     replicate_means,
                                                     sensitivity_table,
                                                     sobol_analyze,
                                                     sobol_sample,
                                                     sobol_second_order,
)
from .summaries import (
                                                     bands,
                                                     cost_effectiveness,
                                                     funnel_summary,
                                                     paired_differences,
                                                     target_probabilities,
                                                     wilson_interval,
)

__all__ = ["PrimBox", "PrimResult", "Problem", "ReplicateSummary", "SweepAnalysis", "analyze",
           "bands", "cost_effectiveness", "funnel_summary", "morris_analyze", "morris_sample",
           "paired_differences", "prim", "replicate_means", "sensitivity_table",
           "sobol_analyze", "sobol_sample", "sobol_second_order", "target_probabilities",
           "wilson_interval"]
