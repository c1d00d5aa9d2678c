"""Live replications (simulate/live.py): each replication is the run the seed rule names, the
summary is computed from those runs, and the answer does not depend on the worker count."""

from __future__ import annotations

import numpy as np
import pytest
from changjing.simulate import Config, run
from changjing.simulate.experiment import run_seed
from changjing.simulate.indicators import TARGETS
from changjing.simulate.live import LivePool

SMALL = Config().with_overrides({"firms.n": 1500, "run.months": 12, "run.warmup_months": 6,
                                 "targets.firms_served": 40, "targets.firms_attracted": 3})


@pytest.fixture(scope="module")
def inline_pool():
    pool = LivePool(workers=1)
    yield pool
    pool.close()


def test_replications_are_the_seeded_runs_and_summaries_follow(inline_pool):
    res = inline_pool.replicate(SMALL, 5, root_seed=11)
    assert res.seeds == [run_seed(11, 0, r) for r in range(5)]
    # replication r is exactly run(config, seed_r): final values and the whole path
    direct = [run(SMALL, s).timeseries for s in res.seeds]
    for r, ts in enumerate(direct):
        assert res.final.loc[r, list(TARGETS)].tolist() == ts.iloc[-1][list(TARGETS)].tolist()
    paths = np.stack([ts[list(TARGETS)].to_numpy(float) for ts in direct])  # (r, t, k)
    for j, name in enumerate(TARGETS):
        band = res.bands[res.bands["indicator"] == name]
        assert band["step"].tolist() == direct[0]["step"].tolist()
        np.testing.assert_allclose(band["mean"], paths[:, :, j].mean(axis=0))
        np.testing.assert_allclose(band["p95"], np.quantile(paths[:, :, j], 0.95, axis=0))
        assert (band["n"] == 5).all()
    # P(target): the share of replications whose final value reaches the target
    for name in TARGETS:
        goal = getattr(SMALL.targets, name)
        share = float(np.mean(paths[:, -1, TARGETS.index(name)] >= goal))
        assert res.p_target(name) == pytest.approx(share)
        row = res.targets[res.targets["target"] == name].iloc[0]
        assert row["ci_low"] <= share <= row["ci_high"]
    joint = np.all([paths[:, -1, j] >= getattr(SMALL.targets, n) for j, n in
                    enumerate(TARGETS)], axis=0).mean()
    assert res.p_target() == pytest.approx(joint)
    with pytest.raises(KeyError, match="unknown target"):
        res.p_target("nonsense")


def test_common_random_numbers_across_configurations(inline_pool):
    """Two configurations answered with one root seed use the same seeds; a change that does
    not touch a mechanism leaves its outputs unchanged run by run."""
    a = inline_pool.replicate(SMALL, 3, root_seed=5)
    b = inline_pool.replicate(SMALL.with_overrides({"targets.firms_served": 10}), 3,
                              root_seed=5)
    assert a.seeds == b.seeds
    assert a.final[list(TARGETS)].equals(b.final[list(TARGETS)])
    assert b.p_target("firms_served") >= a.p_target("firms_served")


def test_two_workers_give_the_same_answer(inline_pool):
    one = inline_pool.replicate(SMALL, 4, root_seed=3)
    with LivePool(workers=2) as pool:
        two = pool.replicate(SMALL, 4, root_seed=3)
    assert one.bands.equals(two.bands) and one.final.equals(two.final)
    assert one.targets.equals(two.targets)


def test_bad_replication_count_is_refused(inline_pool):
    with pytest.raises(ValueError, match="at least 1"):
        inline_pool.replicate(SMALL, 0)
