"""Scoring completed scenarios with indicator systems (AHP/entropy/CRITIC weights, TOPSIS, VIKOR, GRA, fuzzy).

Every method takes a decision matrix of shape (alternatives × criteria) — numpy array or
DataFrame — explicit directions ("benefit"/"cost") and weights, and returns a result
dataclass with ``summary()`` and ``to_frame()``.  :func:`score_scenarios` runs the whole
pipeline from an evaluator's table and an indicator-system TOML file.
"""

from .ahp import (
    RANDOM_INDEX,
    RANDOM_INDEX_SOURCES,
    AHPResult,
    GroupAHPResult,
    ahp_weights,
    group_ahp,
    random_index,
)
from .combine import combine_weights, game_theory_coefficients
from .fuzzy import (
    FuzzyResult,
    fuzzy_evaluation,
    membership_matrix,
    trapezoidal_membership,
)
from .gra import (
    GreyResult,
    GreyTopsisResult,
    grey_relational,
    grey_topsis,
)
from .grades import assign_grades, quota_grades
from .normalise import normalise, target_score
from .rank_reversal import rank_reversal
from .reading import read_scenarios
from .robustness import (
    RobustnessResult,
    hierarchical_draws,
    rank_robustness,
)
from .score import ScoreResult, score_scenarios
from .system import IndicatorSystem, load_indicator_system
from .template import write_template
from .topsis import TopsisResult, topsis
from .vikor import VikorResult, vikor
from .weighted_sum import WeightedSumResult, weighted_sum
from .weights_objective import (
    WeightResult,
    critic_weights,
    entropy_weights,
    std_weights,
)

__all__ = [
    "RANDOM_INDEX",
    "RANDOM_INDEX_SOURCES",
    "AHPResult",
    "GroupAHPResult",
    "ahp_weights",
    "group_ahp",
    "random_index",
    "combine_weights",
    "game_theory_coefficients",
    "FuzzyResult",
    "fuzzy_evaluation",
    "membership_matrix",
    "trapezoidal_membership",
    "GreyResult",
    "grey_relational",
    "GreyTopsisResult",
    "grey_topsis",
    "assign_grades",
    "quota_grades",
    "rank_reversal",
    "read_scenarios",
    "hierarchical_draws",
    "write_template",
    "normalise",
    "target_score",
    "RobustnessResult",
    "rank_robustness",
    "TopsisResult",
    "topsis",
    "VikorResult",
    "vikor",
    "WeightedSumResult",
    "weighted_sum",
    "WeightResult",
    "critic_weights",
    "entropy_weights",
    "std_weights",
    "ScoreResult",
    "score_scenarios",
    "IndicatorSystem",
    "load_indicator_system",
]
