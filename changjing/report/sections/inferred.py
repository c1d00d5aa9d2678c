"""A short block naming the baseline parameters that calibration *inferred* (with their 90 %
interval), so that a reader does not take "today's budget" for a known number."""

from __future__ import annotations

from typing import Any

import pandas as pd

from changjing.report.document import Paragraph, Table, format_value
from changjing.report.sections import Context


# units of the calibrated parameters, in Chinese (an unknown unit is shown as written)
UNIT_ZH = {"quality threshold 0–1": "质量门槛（0–1）", "scenarios": "个场景", "labs": "个实验室",
           "yuan/year": "元/年"}


def block(config: dict[str, Any] | None, ctx: Context, varied: set[str] = frozenset()) -> list:
    """Paragraph and table for ``config`` (a resolved config dict); ``varied``: dotted keys an
    experiment sets per arm or design point (shown as set by the experiment)."""
    from changjing.simulate.config import inferred_parameters

    rows = []
    for r in inferred_parameters(config or {}):
        ci = ("–" if r["ci_low"] is None else
              f"{format_value(r['ci_low'], 'sig4')} – {format_value(r['ci_high'], 'sig4')}")
        inferred = r["inferred"] and r["key"] not in varied
        rows.append({"key": r["key"], "value": format_value(r["value"], "sig4"),
                     "unit": UNIT_ZH.get(r["unit"], r["unit"]) if ctx.lang == "zh"
                     else r["unit"], "ci": ci,
                     "status": ctx.t("inferred_yes" if inferred else "inferred_no")})
    if not rows:
        return []
    return [Paragraph(ctx.t("inferred_intro"), "note"),
            Table("inferred_parameters", ctx.t("inferred_title"), pd.DataFrame(rows),
                  {"key": ctx.t("inferred_col_key"),
                   "value": ctx.t("inferred_col_value"), "unit": ctx.t("inferred_col_unit"),
                   "ci": ctx.t("inferred_col_ci"), "status": ctx.t("inferred_col_status")})]

