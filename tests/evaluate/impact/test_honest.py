"""HonestDiD sensitivity (Rambachan & Roth 2023) against the package's documented example.

Published numbers: HonestDiD README (github.com/asheshrambachan/HonestDiD, "Example usage -
Medicaid expansions"), on the Mixtape ``ehec`` panel restricted to years < 2016 without the
2015 cohort::

    twfe_results <- fixest::feols(dins ~ i(year, D, ref = 2013) | stfips + year,
                                  cluster = "stfips", data = df_nonstaggered)
    createSensitivityResults_relativeMagnitudes(betahat, sigma, numPrePeriods = 5,
        numPostPeriods = 2, Mbarvec = seq(0.5, 2, by = 0.5))        # method C-LF
    createSensitivityResults(betahat, sigma, numPrePeriods = 5, numPostPeriods = 2,
        Mvec = seq(from = 0, to = 0.05, by = 0.01))                  # method FLCI

betahat and sigma come from our ``twfe_event_study`` (CR1 with unit effects nested, the fixest
default), so the test also checks the path from panel to sensitivity table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, stats

from changjing.cli import main
from changjing.evaluate.errors import SpecError
from changjing.evaluate.impact import aggte, att_gt, honest_did, twfe_event_study
from changjing.evaluate.impact import honest as H

from .conftest import DATA

# README tables (lb, ub)
RM_PUBLISHED = {0.5: (0.0241, 0.0673), 1.0: (0.0171, 0.0720), 1.5: (0.00859, 0.0796),
                2.0: (-0.00107, 0.0883)}
SD_PUBLISHED = {0.0: (0.0259, 0.0607), 0.01: (0.0132, 0.0787), 0.02: (0.00286, 0.0907),
                0.03: (-0.00714, 0.101), 0.04: (-0.0171, 0.111), 0.05: (-0.0271, 0.121)}


def _medicaid_frame() -> pd.DataFrame:
    df = pd.read_csv(DATA / "ehec_data.csv")
    d = df[(df.year < 2016) & (df.yexp2.isna() | (df.yexp2 != 2015))].copy()
    d["g"] = np.where(d.yexp2 == 2014, 2014, 0)
    return d


@pytest.fixture(scope="module")
def medicaid():
    return twfe_event_study(_medicaid_frame(), unit="stfips", time="year", outcome="dins",
                            treated_from="g")


def test_event_study_coefficients_are_the_readme_plot(medicaid):
    # fixest::iplot in the README: 2014 ~ 0.046, 2015 ~ 0.069, leads within +-0.012
    b = medicaid.extra["coef"]
    assert medicaid.extra["event_times"] == [-6, -5, -4, -3, -2, 0, 1]
    assert b[-2] == pytest.approx(0.0464, abs=1e-3) and b[-1] == pytest.approx(0.0692, abs=1e-3)


def test_smoothness_flci_matches_honestdid(medicaid):
    res = honest_did(medicaid, restriction="sd", m=sorted(SD_PUBLISHED))
    for _, row in res.table.iterrows():
        lb, ub = SD_PUBLISHED[round(row["m"], 2)]
        # published to 3 significant digits; HonestDiD simulates the folded-normal quantile
        assert row["ci_low"] == pytest.approx(lb, abs=1.5e-4)
        assert row["ci_high"] == pytest.approx(ub, abs=1.5e-3 if ub > 0.1 else 1.5e-4)
    # README: significant up to M = 0.02, not at 0.03 ("breakdown M ~ 0.03")
    assert 0.02 < res.settings["breakdown"] < 0.03
    assert "0.0228" in res.settings["sentence_en"] and "0.0228" in res.settings["sentence_zh"]


def test_relative_magnitudes_clf_matches_honestdid(medicaid):
    res = honest_did(medicaid, restriction="rm", m=sorted(RM_PUBLISHED))
    sd = res.se
    step = 40 * sd / 999  # HonestDiD reports grid points; grid of 1000 over +-20 sd
    for _, row in res.table.iterrows():
        lb, ub = RM_PUBLISHED[row["mbar"]]
        # published end points are the first / last accepted grid point, and the LF critical
        # value is simulated (1000 draws; over seeds 0..4 our lb at Mbar=2 moves by 3e-4)
        assert row["ci_low"] == pytest.approx(lb, abs=step + 5e-4)
        assert row["ci_high"] == pytest.approx(ub, abs=step + 5e-4)
    lows = res.table["ci_low"].to_numpy()
    highs = res.table["ci_high"].to_numpy()
    assert np.all(np.diff(lows) < 0) and np.all(np.diff(highs) > 0)  # nested sets
    # README: "the breakdown value for a significant effect is Mbar = 2"
    assert 1.5 < res.settings["breakdown"] < 2.0
    assert "倍" in res.settings["sentence_zh"] and "largest pre-treatment" in \
        res.settings["sentence_en"]


def test_flci_at_m0_is_the_minimum_variance_trend_free_estimator(medicaid):
    """M = 0: bias vanishes for every estimator that is blind to linear trends, so the FLCI is
    z * the smallest SD among v with v_post = l and sum_t t v_t = 0 (a KKT system)."""
    b, s = medicaid.extra["coef"], medicaid.extra["coef_vcov"]
    t = np.array([-5, -4, -3, -2, -1, 1, 2], float)  # relative to the reference period
    lv = np.array([1.0, 0.0])
    # minimise v'Sv subject to C v = c: v_post = lv, t'v = 0
    c_mat = np.vstack([np.c_[np.zeros((2, 5)), np.eye(2)], t])
    c_vec = np.r_[lv, 0.0]
    kkt = np.block([[2 * s, c_mat.T], [c_mat, np.zeros((3, 3))]])
    v = np.linalg.solve(kkt, np.r_[np.zeros(7), c_vec])[:7]
    half = stats.norm.ppf(0.975) * np.sqrt(v @ s @ v)
    out = H.flci_sd(b, s, 5, lv, 0.0)
    assert out["center"] == pytest.approx(v @ b, abs=1e-12)
    assert out["half_length"] == pytest.approx(half, rel=1e-10)


def test_flci_worst_case_bias_and_exact_coverage(medicaid):
    """The FLCI's bias is the LP maximum of v'delta over |second differences| <= M, and at that
    worst case its coverage is exactly 1 - alpha (the folded-normal critical value)."""
    b, s = medicaid.extra["coef"], medicaid.extra["coef_vcov"]
    m = 0.015
    out = H.flci_sd(b, s, 5, [0.5, 0.5], m)
    v = out["v"]
    d = np.zeros((6, 8))
    for r in range(6):
        d[r, r:r + 3] = (1, -2, 1)
    d = np.delete(d, 5, axis=1)
    lp = optimize.linprog(-v, A_ub=np.vstack([d, -d]), b_ub=np.full(12, m),
                          bounds=[(None, None)] * 7, method="highs")
    bias = -lp.fun
    assert bias == pytest.approx(out["max_bias"], rel=1e-8)
    sd, half = out["sd"], out["half_length"]
    cover = stats.norm.cdf((half - bias) / sd) - stats.norm.cdf((-half - bias) / sd)
    assert cover == pytest.approx(0.95, abs=1e-8)


@pytest.mark.parametrize("method", ["C-LF", "Conditional"])
def test_rm_shrinks_to_the_identified_set(method):
    """With (almost) no noise the RM set is the identified set: the first post effect is
    beta_1 +- Mbar * max|pre change| and the second beta_2 +- 2 Mbar * max|pre change|."""
    beta = np.array([0.3, -0.1, 0.2, 0.0, 1.0, 1.5])  # pre -3,-2,-1 ; reference ; post 1,2,3
    # pre changes (incl. to the reference 0): -0.4, 0.3, -0.2 -> max 0.4
    eps = 1e-6
    sigma = eps**2 * (np.eye(6) + 0.3)
    for lv, width in (([1, 0, 0], 1.0), ([0, 1, 0], 2.0)):
        r = H.rm_confidence_set(beta, sigma, 3, lv, 0.5, method=method,
                                grid=(-3.0, 4.0), grid_points=2001)
        theta = float(np.dot(lv, beta[3:]))
        assert r["ci_low"] == pytest.approx(theta - width * 0.5 * 0.4, abs=1e-4)
        assert r["ci_high"] == pytest.approx(theta + width * 0.5 * 0.4, abs=1e-4)


def test_linear_programme_path_equals_vertex_enumeration(medicaid):
    b, s = medicaid.extra["coef"], medicaid.extra["coef_vcov"]
    lv = np.array([0.5, 0.5])
    a_mat = H._rm_polyhedron(5, 2, 1.0, 3, True)
    ag = a_mat[:, 5:] @ H._gamma_inverse(lv)
    args = (a_mat @ b, ag[:, 0], ag[:, 1:], a_mat @ s @ a_mat.T, 0.05, "ARP", 0.005, 10, 0)
    exact = H._ArpTest(*args)
    assert exact.verts is not None
    lp = H._ArpTest(*args)
    lp.verts = None  # force the HiGHS path
    thetas = np.linspace(-0.05, 0.15, 41)
    assert np.array_equal(exact.reject(thetas), lp.reject(thetas))
    assert exact.reject(thetas).any() and (~exact.reject(thetas)).any()


def test_aggregated_target_and_staggered_universal_base():
    df = pd.read_csv(DATA / "ehec_data.csv").assign(g=lambda d: d.yexp2.fillna(0))
    res = att_gt(df, unit="stfips", time="year", outcome="dins", treated_from="g",
                 control="notyet", base_period="universal")
    es = aggte(res, "dynamic", min_e=-3, max_e=2)
    hd = honest_did(es, restriction="sd", target="mean", m=[0.0, 0.01])
    post = es.table[es.table.event_time >= 0]
    assert hd.estimate == pytest.approx(post.estimate.mean(), abs=1e-12)
    assert hd.settings["l_vec"] == [pytest.approx(1 / 3)] * 3
    assert hd.table.ci_low.iloc[1] < hd.table.ci_low.iloc[0]  # wider with M
    with pytest.raises(SpecError, match="universal"):
        honest_did(aggte(att_gt(df, unit="stfips", time="year", outcome="dins",
                                treated_from="g", control="notyet"), "dynamic"))


def test_bad_inputs_are_named():
    b = np.zeros(4)
    s = np.eye(4)
    with pytest.raises(SpecError, match="consecutive"):
        honest_did(betahat=b, sigma=s, event_times=[-3, -2, 0, 2])
    with pytest.raises(SpecError, match="restriction"):
        honest_did(betahat=b, sigma=s, event_times=[-3, -2, 0, 1], restriction="linear")
    with pytest.raises(SpecError, match="target"):
        honest_did(betahat=b, sigma=s, event_times=[-3, -2, 0, 1], target=5)
    with pytest.raises(SpecError, match="sigma"):
        honest_did(betahat=b, sigma=np.eye(3), event_times=[-3, -2, 0, 1])


def test_not_significant_even_under_parallel_trends():
    b = np.array([0.0, 0.0, 0.005])  # effect of half an SD, flat pre-trend
    res = honest_did(betahat=b, sigma=np.eye(3) * 0.01**2, event_times=[-3, -2, 0],
                     restriction="sd", m=[0.0])
    assert res.settings["breakdown"] == 0.0
    assert "not significant" in res.settings["sentence_en"]


def test_cli_honest(tmp_path, capsys):
    path = tmp_path / "ehec.csv"
    _medicaid_frame().to_csv(path, index=False)
    out = tmp_path / "out"
    assert main(["evaluate", "impact", str(path), "--design", "event_study", "--unit",
                 "stfips", "--time", "year", "--outcome", "dins", "--treated-from", "g",
                 "--honest", "sd", "--mbar", "0", "0.02", "--out", str(out)]) == 0
    assert (out / "honest_did.png").exists() and (out / "honest_did.svg").exists()
    table = pd.read_csv(out / "honest_did.csv")
    assert table.ci_low.tolist() == pytest.approx([0.0259, 0.00286], abs=1.5e-4)
    printed = capsys.readouterr().out
    assert "stays positive" in printed and "保持为正" in printed
    sa = tmp_path / "sa"
    assert main(["evaluate", "impact", str(path), "--design", "sun-abraham", "--unit",
                 "stfips", "--time", "year", "--outcome", "dins", "--treated-from", "g",
                 "--honest", "sd", "--mbar", "0", "0.02", "--out", str(sa)]) == 0
    pd.testing.assert_frame_equal(pd.read_csv(sa / "honest_did.csv"), table, atol=1e-9)
    assert main(["evaluate", "impact", str(path), "--design", "twfe", "--unit", "stfips",
                 "--time", "year", "--outcome", "dins", "--treated-from", "g", "--honest",
                 "rm", "--out", str(tmp_path / "bad")]) == 2


def test_honest_plot_draws_original_and_robust_intervals(medicaid):
    from changjing.evaluate.impact.plots import honest_plot

    res = honest_did(medicaid, restriction="sd", m=[0.0, 0.01, 0.02])
    ax = honest_plot(res).axes[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(lab.startswith("original") for lab in labels)
    assert any(lab.startswith("robust (FLCI)") for lab in labels)
    assert any(lab.startswith("breakdown = 0.0228") for lab in labels)
    with pytest.raises(SpecError, match="honest_did"):
        honest_plot(medicaid)


def test_rm_coverage_monte_carlo():
    """Monte Carlo coverage of theta = 0 (no effect), 400 samples.

    * Mbar = 0, delta = 0: theta is point-identified by +-(beta_1 - theta) <= 0 and the
      conditional test reduces to the two-sided z-test, so coverage is 95 % exactly;
    * a linear trend difference of slope 0.01 lies on the boundary of Delta^RM(1) (every post
      change equals the largest pre change): the C-LF set must cover at least 95 % (ARP 2023,
      RR 2023 Prop. 5.1); both within 3 Monte-Carlo SEs."""
    rng = np.random.default_rng(11)
    t = np.array([-3, -2, -1, 1, 2], float)
    sigma = 0.01**2 * (np.eye(5) + 0.5)
    reps = 400
    mc = 3 * np.sqrt(0.95 * 0.05 / reps)
    draws = rng.multivariate_normal(np.zeros(5), sigma, size=reps)
    exact = [H.rm_accepts(b, sigma, 3, [1.0, 0.0], 0.0, 0.0, method="Conditional")
             for b in draws]
    assert abs(np.mean(exact) - 0.95) < mc
    draws = rng.multivariate_normal(0.01 * t, sigma, size=reps)
    covered = [H.rm_accepts(b, sigma, 3, [1.0, 0.0], 1.0, 0.0, seed=r)
               for r, b in enumerate(draws)]
    assert np.mean(covered) >= 0.95 - mc


def test_cli_honest_staggered_uses_the_universal_base(tmp_path):
    out = tmp_path / "stag"
    assert main(["evaluate", "impact", str(DATA / "mpdta.csv"), "--design", "staggered",
                 "--unit", "countyreal", "--time", "year", "--outcome", "lemp",
                 "--treated-from", "first_treat", "--honest", "sd", "--mbar", "0", "0.01",
                 "--honest-target", "mean", "--out", str(out)]) == 0
    mp = pd.read_csv(DATA / "mpdta.csv")
    es = aggte(att_gt(mp, unit="countyreal", time="year", outcome="lemp",
                      treated_from="first_treat", base_period="universal"), "dynamic")
    api = honest_did(es, restriction="sd", m=[0.0, 0.01], target="mean")
    cli = pd.read_csv(out / "honest_did.csv")
    np.testing.assert_allclose(cli[["ci_low", "ci_high"]], api.table[["ci_low", "ci_high"]],
                               rtol=1e-9)
    import json

    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["settings"]["honest_did"]["l_vec"] == [pytest.approx(0.25)] * 4


def test_default_grid_widens_until_the_set_is_closed():
    """A large Mbar over three post periods gives a set far wider than +-20 sd: the default
    grid widens and agrees with an explicit wide grid."""
    beta = np.array([0.05, 0.0, -0.05, 0.0, 0.1, 0.2, 0.3])  # pre -4..-1 ; post 1..3
    sigma = 0.01**2 * (np.eye(7) + 0.2)
    lv = np.full(3, 1 / 3)
    auto = H.rm_confidence_set(beta, sigma, 4, lv, 3.0, method="Conditional")
    wide = H.rm_confidence_set(beta, sigma, 4, lv, 3.0, method="Conditional",
                               grid=(-2.0, 2.5), grid_points=4000)
    assert not (auto["open_low"] or auto["open_high"])
    assert auto["grid"][1] - auto["grid"][0] > 40 * np.sqrt(lv @ sigma[4:, 4:] @ lv)
    assert auto["ci_low"] == pytest.approx(wide["ci_low"], abs=2e-3)
    assert auto["ci_high"] == pytest.approx(wide["ci_high"], abs=2e-3)


def test_sun_abraham_event_study_feeds_honest_did(medicaid):
    """One cohort and never-treated controls: the Sun-Abraham regression is the TWFE event
    study, so the HonestDiD table is the same; with several cohorts the IW effects' covariance
    W V W' reproduces the table's SEs."""
    from changjing.evaluate.impact import sun_abraham

    sa = sun_abraham(_medicaid_frame(), unit="stfips", time="year", outcome="dins",
                     treated_from="g")
    a = honest_did(sa, restriction="sd", m=[0.0, 0.01])
    b = honest_did(medicaid, restriction="sd", m=[0.0, 0.01])
    np.testing.assert_allclose(a.table[["ci_low", "ci_high"]], b.table[["ci_low", "ci_high"]],
                               atol=1e-9)
    df = pd.read_csv(DATA / "ehec_data.csv").assign(g=lambda d: d.yexp2.fillna(0))
    stag = sun_abraham(df, unit="stfips", time="year", outcome="dins", treated_from="g")
    beta, cov, times, ref = H._from_result(stag, None)
    np.testing.assert_allclose(np.sqrt(np.diag(cov)), stag.table["se"], rtol=1e-10)
    assert ref == -1 and -1 not in times
