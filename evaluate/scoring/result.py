"""The result of scoring completed scenarios: :class:`ScoreResult` (tables, provenance,
robustness, exclusions) with ``summary()`` and ``to_frame()``."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from ..cleaning import CleaningLog
from .robustness import RobustnessResult
from .system import IndicatorSystem


@dataclass
class ScoreResult:
    """Scores of completed scenarios under an indicator system.

    Attributes end in ``_`` (scikit-learn style) for what was computed from the data.
    """

    scores_: pd.DataFrame
    weights_: pd.DataFrame
    provenance_: dict
    robustness_: RobustnessResult | None
    excluded_: pd.DataFrame
    imputed_: pd.DataFrame
    system: IndicatorSystem
    method: str
    seed: int | None
    notes: list[str] = field(default_factory=list)
    cleaning_log_: CleaningLog = field(default_factory=CleaningLog)
    not_scorable_: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: the committee table (see :mod:`.committee`): rank, score, grade, rank interval,
    #: coverage and the three indicators that moved each scenario most
    report_: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: remove-one / add-a-copy rank-reversal checks (see :mod:`.rank_reversal`)
    rank_reversal_: pd.DataFrame = field(default_factory=pd.DataFrame)

    def to_frame(self) -> pd.DataFrame:
        return self.scores_.copy()

    def summary(self) -> str:
        s = self.scores_
        lines = [
            f"{self.system.name_zh} / {self.system.name_en}",
            f"method {self.method}; {len(s)} scenarios scored, {len(self.excluded_)} excluded "
            f"(missing policy {self.system.missing!r})",
            "grades: "
            + ", ".join(f"{g} {int((s['grade'] == g).sum())}" for g in self.system.grade_labels_zh),
            "criterion weights: "
            + ", ".join(
                f"{cid} {w:.3f}" for cid, w in self.provenance_["criterion_weights"].items()
            ),
        ]
        if self.robustness_ is not None:
            lines.append(
                f"robustness: {self.robustness_.n_draws} draws "
                f"({self.provenance_['robustness']['mode']}); median share keeping rank "
                f"{float(np.median(self.robustness_.p_same_rank)):.3f}"
            )
        top = s.head(10)
        lines.append("top scenarios:")
        for _, r in top.iterrows():
            name = f" {r['scenario_name']}" if "scenario_name" in s.columns else ""
            lines.append(
                f"  {int(r['rank']):>4d}  {r['scenario_id']}{name}  score {r['score']:.2f}  {r['grade']}"
            )
        if len(self.not_scorable_):
            lines.append(
                f"not scorable (coverage below {self.provenance_['coverage']['min_coverage']:.0%} "
                f"of the weight): {len(self.not_scorable_)}"
            )
            for _, r in self.not_scorable_.head(10).iterrows():
                lines.append(
                    f"  {r['scenario_id']}  coverage {r['coverage']:.0%}  missing "
                    f"{r['missing_indicators']}"
                )
        if self.cleaning_log_.entries:
            lines.append(self.cleaning_log_.summary())
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)
