"""Categorical covariates in att_gt, expanded as R's ``model.matrix`` does for
``xformla = ~ lpop + size`` with ``size`` a factor (treatment contrasts: one indicator per
level but the first, the first level being the reference).

No R output with a factor covariate is published for mpdta; the expansion is checked against
an independent computation (the same call with the indicator columns built by hand, which is
what R's formula produces) and against the property R's parametrisation relies on: the
fitted propensity scores and outcome regressions - hence every ATT(g,t) and SE - do not
depend on which level is the reference.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from changjing.evaluate.errors import InputError, SpecError
from changjing.evaluate.impact import att_gt

KW = {"unit": "countyreal", "time": "year", "outcome": "lemp", "treated_from": "first_treat"}


@pytest.fixture(scope="module")
def with_size(mpdta):
    lp = mpdta.groupby("countyreal")["lpop"].transform("first")
    size = pd.cut(lp, [-np.inf, 2.5, 3.5, 4.5, np.inf], labels=["a_small", "b_mid", "c_large",
                                                                 "d_city"]).astype(str)
    return mpdta.assign(size=size, code=size.map({"a_small": 3, "b_mid": 1, "c_large": 2,
                                                  "d_city": 4}))


@pytest.mark.parametrize("method", ["reg", "ipw", "dr", "dr_imp"])
def test_text_factor_equals_hand_made_indicators(with_size, method):
    auto = att_gt(with_size, **KW, covariates=["lpop", "size"], method=method)
    hand = with_size.assign(**{f"size{v}": (with_size["size"] == v).astype(float)
                               for v in ("b_mid", "c_large", "d_city")})
    ref = att_gt(hand, **KW, covariates=["lpop", "sizeb_mid", "sizec_large", "sized_city"],
                 method=method)
    np.testing.assert_allclose(auto.table["estimate"], ref.table["estimate"], atol=1e-12)
    np.testing.assert_allclose(auto.table["se"], ref.table["se"], rtol=1e-10)
    assert auto.settings["covariates"] == ["lpop", "sizeb_mid", "sizec_large", "sized_city"]
    assert auto.settings["factor_levels"] == {"size": ["a_small", "b_mid", "c_large", "d_city"]}


@pytest.mark.parametrize("method", ["reg", "ipw", "dr"])
def test_estimates_do_not_depend_on_the_reference_level(with_size, method):
    """Numeric codes declared as a factor: the reference is code 1 (= b_mid), not a_small."""
    text = att_gt(with_size, **KW, covariates=["size"], method=method)
    codes = att_gt(with_size, **KW, covariates=["code"], factors=["code"], method=method)
    assert codes.settings["covariates"] == ["code2", "code3", "code4"]
    np.testing.assert_allclose(text.table["estimate"], codes.table["estimate"], atol=1e-9)
    np.testing.assert_allclose(text.table["se"], codes.table["se"], rtol=1e-7)
    # as a plain number the code is a different (linear) covariate
    linear = att_gt(with_size, **KW, covariates=["code"], method=method)
    assert np.max(np.abs(linear.table["estimate"] - codes.table["estimate"])) > 1e-5


def test_categorical_dtype_keeps_its_level_order(with_size):
    cat = with_size.assign(size=pd.Categorical(with_size["size"],
                                               categories=["d_city", "c_large", "b_mid",
                                                           "a_small"]))
    r = att_gt(cat, **KW, covariates=["size"], method="reg")
    assert r.settings["factor_levels"]["size"][0] == "d_city"
    ref = att_gt(with_size, **KW, covariates=["size"], method="reg")
    np.testing.assert_allclose(r.table["estimate"], ref.table["estimate"], atol=1e-9)


def test_factor_errors(with_size):
    with pytest.raises(SpecError, match="factors: 'code' is not among the covariates"):
        att_gt(with_size, **KW, covariates=["lpop"], factors=["code"])
    with pytest.raises(InputError, match="single level"):
        att_gt(with_size.assign(one="x"), **KW, covariates=["one"])
    holes = with_size.astype({"size": object})
    holes.loc[3, "size"] = None
    with pytest.raises(InputError, match="row index 3, column 'size'"):
        att_gt(holes, **KW, covariates=["size"])
