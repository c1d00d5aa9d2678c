"""Dose-response DiD (Callaway, Goodman-Bacon & Sant'Anna 2024) on a simulated DGP with a known
ATT(d), and the dose taken from a funding ledger.

contdid's documented examples print no numbers we can reproduce here (its data are simulated
in R), so the check is a DGP with known curves: ``tau(d) = 0.5 d - 0.05 d^2`` (dose in units of
10,000 yuan), ``ACRT(d) = 0.5 - 0.1 d``, plus unit effects and a common trend; and the closed
form that with ``degree=1`` the ACRT is the OLS slope of ``dY`` on the dose among treated units.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from changjing.evaluate.errors import InputError
from changjing.evaluate.impact import dose_from_ledger, dose_response


def _panel(rng, n=1500):
    dose = np.where(rng.uniform(size=n) < 0.4, 0.0, rng.uniform(1, 5, size=n))
    a = rng.normal(size=n)
    rows = []
    for t in (1, 2, 3, 4):
        tau = (0.5 * dose - 0.05 * dose**2) * (t >= 3)
        y = a + 0.2 * t + tau + rng.normal(scale=0.3, size=n)
        rows.append(pd.DataFrame({"sid": np.arange(n), "month": t, "y": y,
                                  "yuan": dose * 10_000, "g": np.where(dose > 0, 3, 0)}))
    return pd.concat(rows, ignore_index=True)


def test_curves_cover_the_truth_uniformly():
    covered_att = covered_acrt = 0
    rng = np.random.default_rng(11)
    for _ in range(12):
        p = _panel(rng)
        r = dose_response(p, unit="sid", time="month", outcome="y", dose="yuan",
                          treated_from="g", degree=2, grid=25, bootstrap=299, seed=1)
        d = r.table["dose"] / 10_000
        att, acrt = 0.5 * d - 0.05 * d**2, (0.5 - 0.1 * d) / 10_000
        covered_att += bool(((r.table.att_band_low <= att) & (att <= r.table.att_band_high)).all())
        covered_acrt += bool(((r.table.acrt_band_low <= acrt)
                              & (acrt <= r.table.acrt_band_high)).all())
    assert covered_att >= 9 and covered_acrt >= 9  # 95 % uniform bands, 12 draws


def test_per_10k_reading_and_overall():
    rng = np.random.default_rng(5)
    p = _panel(rng, n=4000)
    r = dose_response(p, unit="sid", time="month", outcome="y", dose="yuan", treated_from="g",
                      degree=2, bootstrap=199)
    d = p.groupby("sid")["yuan"].first()
    d = d[d > 0] / 10_000
    assert r.estimate == pytest.approx(np.mean(0.5 - 0.1 * d), abs=3 * r.se)
    ov = r.diagnostics["overall"].set_index("parameter")
    assert ov.iloc[0]["estimate"] == pytest.approx(np.mean(0.5 * d - 0.05 * d**2), abs=0.05)


def test_degree_one_acrt_is_the_ols_slope():
    rng = np.random.default_rng(6)
    p = _panel(rng, n=600)
    r = dose_response(p, unit="sid", time="month", outcome="y", dose="yuan", treated_from="g",
                      degree=1, per=1.0, bootstrap=99)
    w = p.pivot(index="sid", columns="month", values="y")
    dy = w[[3, 4]].mean(axis=1) - w[[1, 2]].mean(axis=1)
    dose = p.groupby("sid")["yuan"].first()
    slope = np.polyfit(dose[dose > 0], dy[dose > 0], 1)[0]
    assert r.estimate == pytest.approx(slope, rel=1e-10)


def test_dose_from_ledger_and_errors():
    ledger = pd.DataFrame({"scenario_id": ["S1", "S1", "S2", "S3"], "month": [1, 5, 2, 9],
                           "amount": [30_000, 20_000, 80_000, 10_000]})
    out = dose_from_ledger(ledger, until=6)
    assert out.set_index("unit")["dose"].to_dict() == {"S1": 50_000, "S2": 80_000}
    bad = ledger.assign(amount=[1, -5, 3, 4])
    with pytest.raises(InputError, match="negative net amount"):
        dose_from_ledger(bad)
