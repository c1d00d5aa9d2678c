"""PRIM scenario discovery: recovery of a planted box, independent recounts, trajectory
properties, categorical dimensions, quasi-p-values, descriptions and input errors."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from changjing.simulate.analysis.prim import PrimResult, prim
from changjing.simulate.errors import SimulateError


def planted(n: int = 5000, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """Five U(0,1) parameters, a 3-level category and a flag; the case of interest has
    probability 0.9 inside the box {x0 <= 0.4, x1 >= 0.5} and 0.05 outside (the design of
    Bryant & Lempert 2010, sec. 4, simplified)."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({f"x{i}": rng.uniform(size=n) for i in range(5)})
    X["policy"] = rng.choice(["a", "b", "c"], n)
    X["flag"] = rng.uniform(size=n) < 0.5
    inside = (X.x0 <= 0.4) & (X.x1 >= 0.5)
    y = np.where(inside, rng.uniform(size=n) < 0.9, rng.uniform(size=n) < 0.05)
    return X, y


def count(X: pd.DataFrame, y: np.ndarray, limits: pd.DataFrame) -> tuple[int, int]:
    """Runs and cases inside limits, counted straight from the data (not via prim's masks)."""
    m = pd.Series(True, index=X.index)
    for _, r in limits.iterrows():
        if r["kind"] == "numeric":
            m &= X[r["param"]].between(r["lower"], r["upper"], inclusive="both")
        else:
            m &= X[r["param"]].isin(list(r["categories"]))
    return int(m.sum()), int(y[m.to_numpy()].sum())


@pytest.fixture(scope="module")
def result() -> tuple[pd.DataFrame, np.ndarray, PrimResult]:
    X, y = planted()
    return X, y, prim(X, y, label="firms_served is missed")


def test_planted_box_is_recovered(result):
    X, _, res = result
    lim = res.to_frame().set_index("param")
    assert set(lim.index) == {"x0", "x1"}, lim            # irrelevant dims unrestricted
    assert abs(lim.loc["x0", "upper"] - 0.4) < 0.05
    assert abs(lim.loc["x1", "lower"] - 0.5) < 0.06
    assert lim.loc["x0", "lower"] == X.x0.min() and lim.loc["x1", "upper"] == X.x1.max()
    b = res.box()
    assert b.density >= 0.8 and b.coverage > 0.75
    # the chosen box: largest coverage among boxes with density >= 0.8
    t = res.trajectory
    assert b.coverage == t.coverage[t.density >= 0.8].max()


def test_original_objective_recovers_the_box_on_numeric_data():
    """Friedman & Fisher's criterion (highest density left) on the numeric columns only.  (With
    categorical columns it tends to take large category peels for small density gains, which
    is why the default is "lenient1".)"""
    X, y = planted(seed=1)
    res = prim(X[[f"x{i}" for i in range(5)]], y, objective="original")
    lim = res.to_frame().set_index("param")
    assert set(lim.index) == {"x0", "x1"}
    assert abs(lim.loc["x0", "upper"] - 0.4) < 0.05 and abs(lim.loc["x1", "lower"] - 0.5) < 0.06
    assert res.objective == "original"


def test_coverage_density_mass_recounted_independently(result):
    """For every box on the trajectory, counting the runs that satisfy its published limits
    gives the trajectory's numbers exactly."""
    X, y, res = result
    K, n = int(y.sum()), len(y)
    for i in range(len(res.trajectory)):
        row = res.trajectory.iloc[i]
        nb, kb = count(X, y, res.select(i).to_frame())
        assert (nb, kb) == (row.n_in_box, row.n_cases_in_box), i
        assert row.coverage == pytest.approx(kb / K)
        assert row.density == pytest.approx(kb / nb)
        assert row.mass == pytest.approx(nb / n)
        assert row.n_restricted == len(res.select(i).to_frame())
    np.testing.assert_array_equal(res.in_box(X), count_mask(X, res.to_frame()))


def count_mask(X, limits):
    m = np.ones(len(X), dtype=bool)
    for _, r in limits.iterrows():
        if r["kind"] == "numeric":
            m &= ((X[r["param"]] >= r["lower"]) & (X[r["param"]] <= r["upper"])).to_numpy()
        else:
            m &= X[r["param"]].isin(list(r["categories"])).to_numpy()
    return m


def test_trajectory_monotonicity(result):
    """Peeling only removes runs: coverage and mass never increase; density rises overall
    and on most steps; each peel removes about alpha of the box (at least one run)."""
    _, _, res = result
    t = res.trajectory
    assert (np.diff(t.coverage) <= 1e-15).all()
    assert (np.diff(t.mass) < 0).all()
    assert t.density.iloc[-1] > t.density.iloc[0]
    assert (np.diff(t.density) >= -1e-12).mean() > 0.8
    assert t.mass.iloc[-1] >= 0.05 and t.mass.iloc[-1] * 0.95 < 0.05 + 0.01
    assert t.box.tolist() == list(range(len(t)))
    assert (t.coverage.iloc[0], t.mass.iloc[0], t.n_restricted.iloc[0]) == (1.0, 1.0, 0)


def test_categorical_and_boolean_dimensions():
    """Case of interest concentrated in policy == 'a' and flag == True: both category
    dimensions are restricted to the right values and the numeric ones left free."""
    rng = np.random.default_rng(3)
    n = 6000
    X = pd.DataFrame({"x0": rng.uniform(size=n), "x1": rng.uniform(size=n),
                      "policy": pd.Categorical(rng.choice(["a", "b", "c", "d"], n)),
                      "flag": rng.uniform(size=n) < 0.5})
    inside = (X.policy == "a") & X.flag
    y = np.where(inside, rng.uniform(size=n) < 0.9, rng.uniform(size=n) < 0.05)
    res = prim(X, y)
    lim = res.to_frame().set_index("param")
    assert set(lim.index) == {"policy", "flag"}
    assert lim.loc["policy", "categories"] == ("a",)
    assert lim.loc["flag", "categories"] == (True,)
    # the box is exactly the planted one: same runs, so the same coverage and density
    np.testing.assert_array_equal(res.in_box(X), inside.to_numpy())
    nb, kb = count(X, y, res.to_frame())
    assert (nb, kb) == (res.box().n_in_box, res.box().n_cases_in_box)
    assert (nb, kb) == (int(inside.sum()), int(y[inside.to_numpy()].sum()))
    assert "policy = a" in res.describe() and "flag = True" in res.describe()
    assert "policy 为 a" in res.describe("zh")


def test_discrete_numeric_ties_are_peeled_together():
    """An integer parameter with 5 levels (ties): peels remove whole levels, and a case of
    interest at events <= 1 gives the limits events in [0, 1] exactly; large numbers are
    written compactly in the description.  The budget limit of the chosen box (largest
    coverage at density >= 0.8) is derived in closed form: with the box budget <= u, the
    density is (0.9*m_in + 0.05*m_x)/(m_in + m_x), m_in = 0.4*0.55, m_x = 0.4*(u - 3.2e7)/4e7;
    density = 0.8 gives u = 3.2e7 + 4e7*m_x/0.4 with m_x = (0.9 - 0.8)*m_in/(0.8 - 0.05)."""
    rng = np.random.default_rng(8)
    n = 4000
    X = pd.DataFrame({"events": rng.integers(0, 5, n),
                      "budget_yuan": rng.uniform(1e7, 5e7, n)})
    inside = (X.events <= 1) & (X.budget_yuan <= 3.2e7)
    y = np.where(inside, rng.uniform(size=n) < 0.9, rng.uniform(size=n) < 0.05)
    res = prim(X, y)
    lim = res.to_frame().set_index("param")
    assert (lim.loc["events", "lower"], lim.loc["events", "upper"]) == (0, 1)
    m_in = 0.4 * 0.55
    u = 3.2e7 + 4e7 * ((0.9 - 0.8) * m_in / (0.8 - 0.05)) / 0.4
    assert abs(lim.loc["budget_yuan", "upper"] - u) < 0.1e7, (lim.loc["budget_yuan", "upper"], u)
    assert re.search(r"events <= 1 and budget_yuan <= 3\.\d+e7;", res.describe())
    for i in range(len(res.trajectory)):                     # every limit is a data value
        for r in res.select(i).to_frame().itertuples():
            assert r.lower in set(X[r.param]) and r.upper in set(X[r.param])


def test_quasi_p_values_match_binomial_tail(result):
    """Bryant & Lempert (2010, sec. 3.3): P(Binomial(n_box, p_relaxed) >= cases in box), where
    p_relaxed is the density of the box with that one restriction removed; recomputed here
    by direct summation of the binomial pmf."""
    X, y, res = result
    lim = res.to_frame()
    nb, kb = count(X, y, lim)
    for _, r in lim.iterrows():
        n_r, k_r = count(X, y, lim[lim.param != r["param"]])
        p = k_r / n_r
        logs = [math.lgamma(nb + 1) - math.lgamma(j + 1) - math.lgamma(nb - j + 1)
                + j * math.log(p) + (nb - j) * math.log1p(-p) for j in range(kb, nb + 1)]
        top = max(logs)
        log_tail = top + math.log(math.fsum(math.exp(v - top) for v in logs))
        assert math.log(r["qp_value"]) == pytest.approx(log_tail, rel=1e-6)
        assert r["qp_value"] < 1e-10                       # real restrictions are significant


def test_pasting_never_lowers_density_and_only_widens():
    X, y = planted(n=3000, seed=4)
    plain = prim(X, y)
    pasted = prim(X, y, paste=True)
    a, b = plain.box(), pasted.box()
    assert b.pasted and not a.pasted
    assert b.density >= a.density and b.n_in_box >= a.n_in_box
    la, lb = a.limits.set_index("param"), b.limits.set_index("param")
    for p in lb.index:
        assert lb.loc[p, "lower"] <= la.loc[p, "lower"] and lb.loc[p, "upper"] >= la.loc[p, "upper"]
    nb, kb = count(X, y, b.limits)
    assert (nb, kb) == (b.n_in_box, b.n_cases_in_box)


def test_describe_and_summary(result):
    _, _, res = result
    b = res.box()
    en = res.describe()
    assert en.startswith("firms_served is missed in ")
    assert f"{100 * b.density:.0f}%" in en and f"{100 * b.coverage:.0f}%" in en
    assert re.search(r"that have x0 <= 0\.4\d* and x1 >= 0\.[45]\d*;", en), en
    zh = res.describe("zh", label="firms_served 未达标")
    assert "firms_served 未达标的比例为" in zh and "覆盖率" in zh and "密度" in zh
    s = res.summary()
    assert f"Chosen box {b.index}" in s and "x0" in s
    with pytest.raises(SimulateError, match="lang.*'fr'"):
        res.describe("fr")


def test_select_and_threshold_not_met():
    X, _ = planted(n=2000, seed=5)
    y = np.random.default_rng(99).uniform(size=2000) < 0.3    # unrelated to X
    res = prim(X, y, threshold=0.9, min_mass=0.1)
    assert not res.threshold_met
    assert res.box().density == res.trajectory.density.max()
    assert "No box reached the density threshold 90%" in res.describe()
    last = res.select(-1)
    assert last.chosen == len(res.trajectory) - 1
    with pytest.raises(SimulateError, match="box index: expected an integer in 0\\.\\.\\d+.*999"):
        res.select(999)


def test_deterministic(result):
    X, y, res = result
    again = prim(X, y, label="firms_served is missed")
    pd.testing.assert_frame_equal(res.trajectory, again.trajectory)
    pd.testing.assert_frame_equal(res.to_frame(), again.to_frame())


def test_bad_inputs_are_named():
    X, y = planted(n=200, seed=6)
    with pytest.raises(SimulateError, match="y: expected booleans.*0.5 at position 0"):
        prim(X, np.r_[0.5, y[1:].astype(float)])
    with pytest.raises(SimulateError, match="y: no case of interest.*200"):
        prim(X, np.zeros(200, dtype=bool))
    with pytest.raises(SimulateError, match="y: expected one value per row of X \\(200\\), got 199"):
        prim(X, y[:-1])
    Xn = X.copy()
    Xn.loc[17, "x3"] = np.nan
    with pytest.raises(SimulateError, match="X\\['x3'\\]: missing value \\(NaN\\) at row 17"):
        prim(Xn, y)
    with pytest.raises(SimulateError, match="alpha: expected a number in \\(0.0, 0.5\\), got 0.7"):
        prim(X, y, alpha=0.7)
    with pytest.raises(SimulateError, match="min_mass.*got 0"):
        prim(X, y, min_mass=0)
    with pytest.raises(SimulateError, match="objective.*'greedy'"):
        prim(X, y, objective="greedy")
    with pytest.raises(SimulateError, match="every one of the 200 runs"):
        prim(X, np.ones(200, dtype=bool))
    with pytest.raises(SimulateError, match="X: expected a pandas DataFrame"):
        prim(X.to_numpy(), y)
    with pytest.raises(SimulateError, match="index differs from X.index"):
        prim(X, pd.Series(y, index=X.index[::-1]))
    # 0/1 integers and an aligned Series are accepted as booleans
    pd.testing.assert_frame_equal(prim(X, pd.Series(y, index=X.index)).trajectory,
                                  prim(X, y).trajectory)
    r = prim(X, y.astype(int))
    pd.testing.assert_frame_equal(r.trajectory, prim(X, y).trajectory)


def test_doc_example_runs():
    """The runnable example in docs/sensitivity_and_discovery.md stays runnable and prints
    what the page says it prints."""
    page = Path(__file__).resolve().parents[3] / "docs" / "sensitivity_and_discovery.md"
    code = re.findall(r"```python\n(.*?)```", page.read_text(encoding="utf-8"), re.DOTALL)[0]
    ns: dict = {}
    exec(compile(code, str(page), "exec"), ns)  # noqa: S102 - our own documentation
    assert list(ns["indices"].columns)[:5] == ["param", "S1", "S1_conf", "ST", "ST_conf"]
    printed = re.findall(r"```text\n(.*?)```", page.read_text(encoding="utf-8"), re.DOTALL)[0]
    assert ns["res"].describe() in " ".join(printed.split("\n"))
    zh = ns["res"].describe("zh", label="firms_served 未达标")
    assert zh.replace(" ", "") in printed.replace("\n", "").replace(" ", "")
