"""Scoring completed scenarios with indicator systems (AHP/entropy/CRITIC weights, TOPSIS, VIKOR, GRA, fuzzy).

Every method takes a decision matrix of shape (alternatives × criteria) — numpy array or
DataFrame — explicit directions ("benefit"/"cost") and weights, and returns a result
dataclass with ``summary()`` and ``to_frame()``.  :func:`score_scenarios` runs the whole
pipeline from an evaluator's table and an indicator-system TOML file.
"""

from changjing.evaluate.scoring.ahp import (
    RANDOM_INDEX,
    RANDOM_INDEX_SOURCES,
    AHPResult,
    GroupAHPResult,
    ahp_weights,
    group_ahp,
    random_index,
)
from changjing.evaluate.scoring.combine import combine_weights, game_theory_coefficients
from changjing.evaluate.scoring.fuzzy import (
    FuzzyResult,
    fuzzy_evaluation,
    membership_matrix,
    trapezoidal_membership,
)
from changjing.evaluate.scoring.gra import (
    GreyResult,
    GreyTopsisResult,
    grey_relational,
    grey_topsis,
)
from changjing.evaluate.scoring.grades import assign_grades, quota_grades
from changjing.evaluate.scoring.normalise import normalise, target_score
from changjing.evaluate.scoring.rank_reversal import rank_reversal
from changjing.evaluate.scoring.reading import read_scenarios
from changjing.evaluate.scoring.robustness import (
    RobustnessResult,
    hierarchical_draws,
    rank_robustness,
)
from changjing.evaluate.scoring.score import ScoreResult, score_scenarios
from changjing.evaluate.scoring.system import IndicatorSystem, load_indicator_system
from changjing.evaluate.scoring.template import write_template
from changjing.evaluate.scoring.topsis import TopsisResult, topsis
from changjing.evaluate.scoring.vikor import VikorResult, vikor
from changjing.evaluate.scoring.weighted_sum import WeightedSumResult, weighted_sum
from changjing.evaluate.scoring.weights_objective import (
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
