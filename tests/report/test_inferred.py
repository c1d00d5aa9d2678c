"""Calibrated defaults are shown as *inferred*, with their interval, in run and sweep reports:
a planner must know that "today's budget" is an estimate (calibration v2)."""

from __future__ import annotations

import re

from changjing.report.build import build_report
from changjing.simulate.config import CALIBRATED, inferred_parameters, parameter_table


def test_inferred_parameters_are_the_calibrated_ones_with_their_intervals():
    calibrated = {r["key"]: r for r in parameter_table()
                  if str(r["source"]).startswith(CALIBRATED)}
    rows = inferred_parameters()
    assert {r["key"] for r in rows} == set(calibrated) and rows
    for r in rows:
        lo, hi = map(float, re.search(r"90 % CI ([0-9.e+]+)-([0-9.e+]+)",
                                      calibrated[r["key"]]["source"]).groups())
        assert (r["ci_low"], r["ci_high"]) == (lo, hi)
        assert r["ci_low"] <= r["default"] <= r["ci_high"]    # a median inside its interval
        assert r["inferred"] and r["value"] == r["default"]
    changed = {r["key"]: r for r in inferred_parameters({"funding": {"annual_budget_yuan": 9e7}})}
    assert changed["funding.annual_budget_yuan"]["value"] == 9e7
    assert not changed["funding.annual_budget_yuan"]["inferred"]
    assert changed["labs.batch_size"]["inferred"]


def _inferred_table(report) -> dict[str, str]:
    tables = [b for sec in report.sections for b in sec.blocks
              if getattr(b, "key", "") == "inferred_parameters"]
    assert tables, "no inferred-parameters table"
    frame = tables[0].frame
    return dict(zip(frame["key"], frame["status"], strict=True))


def test_reports_mark_calibrated_values_inferred_unless_the_experiment_sets_them(inputs):
    sweep = build_report([inputs["sweep"]], lang="en", date="2026-04-16")
    status = _inferred_table(sweep)
    # the sweep's arms set the budget: not the inferred value any more
    assert status["funding.annual_budget_yuan"] == "set by this experiment"
    assert status["labs.batch_size"] == "inferred (calibration)"
    run = build_report([inputs["run"]], lang="zh", date="2026-04-16")
    assert set(_inferred_table(run).values()) == {"推断值（校准）"}


def test_every_calibrated_unit_has_a_chinese_name():
    from changjing.report.sections.inferred import UNIT_ZH

    assert {r["unit"] for r in inferred_parameters()} <= set(UNIT_ZH)
