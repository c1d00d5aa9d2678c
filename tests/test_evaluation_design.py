"""The ``design`` command: power / bias / coverage by Monte Carlo on simulated funding panels.

Small runs only (few replications); the 200-replication coverage study is in
benchmarks/test_bench_impact.py.  Properties checked: every estimator is linear in an additive
effect, so each replication's estimate at effect ``e`` is its estimate at 0 plus ``e``
(exactly); power at ``e = 0`` is the rejection share; equal seeds give equal tables.
"""

from __future__ import annotations

import numpy as np
import pytest
from changjing.evaluate.errors import SpecError
from changjing.simulate import Config

from changjing.design import evaluation_design


@pytest.fixture(scope="module")
def small():
    return evaluation_design(Config(), firms=[500], effects=[0.0, 0.1], reps=3, seed=7,
                             estimators=["att_gt_dr", "twfe", "imputation"])


def test_effect_enters_every_estimate_additively(small):
    d = small.draws.set_index(["estimator", "rep", "effect"])["estimate"].unstack("effect")
    np.testing.assert_allclose(d[0.1] - d[0.0], 0.1, atol=1e-9)


def test_table_counts_match_draws(small):
    t = small.table.set_index(["estimator", "firms", "effect"])
    for (name, n, e), grp in small.draws.groupby(["estimator", "firms", "effect"]):
        assert t.loc[(name, n, e), "power"] == pytest.approx(np.mean(grp["p_value"] < 0.05))
        assert t.loc[(name, n, e), "bias"] == pytest.approx(np.mean(grp["estimate"] - e))
        covered = (grp["ci_low"] <= e) & (e <= grp["ci_high"])
        assert t.loc[(name, n, e), "coverage"] == pytest.approx(covered.mean())
    assert (small.table["reps"] == 3).all()


def test_same_seed_same_table(small):
    again = evaluation_design(Config(), firms=[500], effects=[0.0, 0.1], reps=3, seed=7,
                              estimators=["att_gt_dr", "twfe", "imputation"])
    assert again.table.equals(small.table)


def test_unknown_estimator_has_did_you_mean():
    with pytest.raises(SpecError, match="did you mean 'twfe'"):
        evaluation_design(Config(), estimators=["twef"], reps=2)


def test_cli_design_writes_table_and_figure(tmp_path):
    from changjing.cli import main

    out = tmp_path / "d"
    assert main(["design", "--firms", "500", "--reps", "2", "--effects", "0", "0.1",
                 "--estimators", "twfe", "--out", str(out)]) == 0
    assert {"design.csv", "draws.csv", "power.png", "power.svg", "manifest.json"} <= {
        p.name for p in out.iterdir()}
