"""Two-period (2x2) DiD estimators for repeated cross-sections, with influence functions.

The building block of ATT(g,t) when units are not followed over time (R ``did``'s
``panel = FALSE``) and of unbalanced panels (``allow_unbalanced_panel = TRUE``, where did
runs the same estimators on the observations of the two periods and sums the influence
function by unit).  From Sant'Anna & Zhao (2020, J. Econometrics 219(1), 101-122, sec. 2.2 and
3.2), as implemented in R ``DRDID``:

* ``"reg"`` - outcome regression, separate OLS fits on the comparison group in each period
  (``DRDID::reg_did_rc``);
* ``"ipw"`` - standardised (Hajek) IPW, one logit propensity score on the pooled observations
  (``DRDID::std_ipw_did_rc``);
* ``"dr"`` - the locally efficient doubly robust estimator with outcome regressions for both
  groups in both periods and a logit propensity score (``DRDID::drdid_rc``; R ``did`` uses
  it for ``est_method = "dr"``);
* ``"dr_imp"`` - the improved locally efficient DR estimator: inverse probability tilting
  and WLS fits of the comparison group with weights ``p/(1-p)`` (``DRDID::drdid_imp_rc``),
  whose influence function has no estimation-effect terms.

Inputs are the observations of the comparison: outcome ``y``, ``post`` (1 = period t,
0 = base period), ``d`` (1 = group g), covariates ``x`` with intercept (each observation's
own values) and sampling weights ``w``.  Each estimator returns ``(att, psi)``, ``psi`` the
mean-zero influence function of the observations on the O(1) scale.
"""

from __future__ import annotations

import numpy as np
from ._fit import ipt, logit, wls


def rc_two_by_two(y: np.ndarray, post: np.ndarray, d: np.ndarray, x: np.ndarray | None,
                  method: str, trim: float, w: np.ndarray | None = None
                  ) -> tuple[float, np.ndarray]:
    """ATT and influence function of one repeated cross-section 2x2 comparison."""
    n = len(y)
    x = np.ones((n, 1)) if x is None else x
    w = np.ones(n) if w is None else w / w.mean()
    if method == "reg":
        return _reg_rc(y, post, d, x, w)
    if method == "ipw":
        return _ipw_rc(y, post, d, x, w, trim)
    if method == "dr":
        return _dr_rc(y, post, d, x, w, trim)
    return _dr_imp_rc(y, post, d, x, w, trim)


def _fit(y, x, w, mask, what):
    beta = wls(y[mask], x[mask], w[mask], what=what)
    return beta, x @ beta


def _lin_rep(y, x, wm, fitted):
    """Linear representation of a WLS fit with observation weights ``wm`` (zero outside)."""
    n = len(y)
    bread = (x * wm[:, None]).T @ x / n
    return (x * (wm * (y - fitted))[:, None]) @ np.linalg.inv(bread)


def _ps_lin_rep(d, x, p, w):
    n = len(d)
    hess = (x * (w * p * (1 - p))[:, None]).T @ x
    return (x * (w * (d - p))[:, None]) @ np.linalg.inv(hess) * n


def _part(wt, v):
    """Normalised weighted mean of ``v`` and its leading influence term."""
    m = wt.mean()
    eta = np.mean(wt * v) / m
    return eta, (wt * v - wt * eta) / m


def _reg_rc(y, post, d, x, w):
    c0, c1 = (d == 0) & (post == 0), (d == 0) & (post == 1)
    _, out0 = _fit(y, x, w, c0, "outcome regression on comparison units, base period")
    _, out1 = _fit(y, x, w, c1, "outcome regression on comparison units, period t")
    w_t0, w_t1, w_c = w * d * (1 - post), w * d * post, w * d
    eta_t0, inf_t0 = _part(w_t0, y)
    eta_t1, inf_t1 = _part(w_t1, y)
    eta_c, inf_c1 = _part(w_c, out1 - out0)
    lin0 = _lin_rep(y, x, w * c0, out0)
    lin1 = _lin_rep(y, x, w * c1, out1)
    m1 = np.mean(w_c[:, None] * x, axis=0) / w_c.mean()
    inf_control = inf_c1 + lin1 @ m1 - lin0 @ m1
    return float(eta_t1 - eta_t0 - eta_c), (inf_t1 - inf_t0) - inf_control


def _ipw_weights(d, post, p, w, trim, trim_treated=True):
    keep = np.where(d == 0, p < trim, True)
    kt = keep if trim_treated else np.ones_like(keep)
    odds = p / (1 - p)
    return (kt * w * d * (1 - post), kt * w * d * post,
            keep * w * odds * (1 - d) * (1 - post), keep * w * odds * (1 - d) * post)


def _ipw_rc(y, post, d, x, w, trim):
    _, p = logit(d, x, w)
    p = np.clip(p, 1e-6, 1 - 1e-6)
    w_t0, w_t1, w_c0, w_c1 = _ipw_weights(d, post, p, w, trim)
    eta_t0, inf_t0 = _part(w_t0, y)
    eta_t1, inf_t1 = _part(w_t1, y)
    eta_c0, inf_c0 = _part(w_c0, y)
    eta_c1, inf_c1 = _part(w_c1, y)
    lin_ps = _ps_lin_rep(d, x, p, w)
    m2_0 = np.mean((w_c0 * (y - eta_c0))[:, None] * x, axis=0) / w_c0.mean()
    m2_1 = np.mean((w_c1 * (y - eta_c1))[:, None] * x, axis=0) / w_c1.mean()
    inf_cont = inf_c1 - inf_c0 + lin_ps @ (m2_1 - m2_0)
    att = (eta_t1 - eta_t0) - (eta_c1 - eta_c0)
    return float(att), (inf_t1 - inf_t0) - inf_cont


def _cell_fits(y, x, post, d, w_comp, w_treat, comp="outcome regression"):
    """Outcome fits of the comparison (weights ``w_comp``) and treated (``w_treat``) groups in
    the base period and period t: masks ``(c0, c1, t0, t1)`` and fitted values."""
    c0, c1 = (d == 0) & (post == 0), (d == 0) & (post == 1)
    t0, t1 = (d == 1) & (post == 0), (d == 1) & (post == 1)
    _, oc0 = _fit(y, x, w_comp, c0, f"{comp} on comparison units, base period")
    _, oc1 = _fit(y, x, w_comp, c1, f"{comp} on comparison units, period t")
    _, ot0 = _fit(y, x, w_treat, t0, "outcome regression on treated units, base period")
    _, ot1 = _fit(y, x, w_treat, t1, "outcome regression on treated units, period t")
    return (c0, c1, t0, t1), (oc0, oc1, ot0, ot1)


def _dr_core(y, post, fits, ipw_w, eff_w):
    """The locally efficient DR ATT shared by ``dr`` and ``dr_imp`` (S&Z 2020 eq. 3.4) and
    its leading influence terms, before any estimation effect of the nuisance fits.

    ``ipw_w = (w_t0, w_t1, w_c0, w_c1)``, ``eff_w = (w_d, w_d1, w_d0)``.  Returns
    ``att, inf_t, inf_c, inf_eff, r, (a_c0, a_c1)`` with ``inf_t = i_t1 - i_t0`` (treated),
    ``inf_c = i_c1 - i_c0`` (comparison), ``inf_eff`` the efficiency-adjustment terms and
    ``r`` the residual from the comparison fit.
    """
    oc0, oc1, ot0, ot1 = fits
    w_t0, w_t1, w_c0, w_c1 = ipw_w
    w_d, w_d1, w_d0 = eff_w
    r = y - (post * oc1 + (1 - post) * oc0)
    a_t0, i_t0 = _part(w_t0, r)
    a_t1, i_t1 = _part(w_t1, r)
    a_c0, i_c0 = _part(w_c0, r)
    a_c1, i_c1 = _part(w_c1, r)
    a_d1, e1 = _part(w_d, ot1 - oc1)
    a_dt1, e2 = _part(w_d1, ot1 - oc1)
    a_d0, e3 = _part(w_d, ot0 - oc0)
    a_dt0, e4 = _part(w_d0, ot0 - oc0)
    att = (a_t1 - a_t0) - (a_c1 - a_c0) + (a_d1 - a_dt1) - (a_d0 - a_dt0)
    return att, i_t1 - i_t0, i_c1 - i_c0, (e1 - e2) - (e3 - e4), r, (a_c0, a_c1)


def _dr_rc(y, post, d, x, w, trim):
    _, p = logit(d, x, w)
    p = np.clip(p, 1e-6, 1 - 1e-6)
    (c0, c1, t0, t1), fits = _cell_fits(y, x, post, d, w, w)
    oc0, oc1, ot0, ot1 = fits
    keep = np.where(d == 0, p < trim, True)
    ipw_w = _ipw_weights(d, post, p, w, trim)
    w_t0, w_t1, w_c0, w_c1 = ipw_w
    w_d, w_d1, w_d0 = keep * w * d, keep * w * d * post, keep * w * d * (1 - post)
    att, inf_t, inf_c, inf_eff, r, (a_c0, a_c1) = _dr_core(y, post, fits, ipw_w,
                                                           (w_d, w_d1, w_d0))

    lin_c0, lin_c1 = _lin_rep(y, x, w * c0, oc0), _lin_rep(y, x, w * c1, oc1)
    lin_t0, lin_t1 = _lin_rep(y, x, w * t0, ot0), _lin_rep(y, x, w * t1, ot1)
    lin_ps = _ps_lin_rep(d, x, p, w)

    def mean_x(wt: np.ndarray) -> np.ndarray:
        return np.mean(wt[:, None] * x, axis=0) / wt.mean()

    # treated component: estimation effect of the comparison-group fits
    inf_treat = inf_t - lin_c1 @ mean_x(w_t1) - lin_c0 @ mean_x(w_t0)
    # comparison component: propensity score and comparison-group fits
    m2_0 = np.mean((w_c0 * (r - a_c0))[:, None] * x, axis=0) / w_c0.mean()
    m2_1 = np.mean((w_c1 * (r - a_c1))[:, None] * x, axis=0) / w_c1.mean()
    inf_cont = (inf_c + lin_ps @ (m2_1 - m2_0)
                - lin_c1 @ mean_x(w_c1) - lin_c0 @ mean_x(w_c0))
    # local-efficiency adjustment terms and their fits' estimation effects
    mom1 = np.mean((w_d / w_d.mean() - w_d1 / w_d1.mean())[:, None] * x, axis=0)
    mom0 = np.mean((w_d / w_d.mean() - w_d0 / w_d0.mean())[:, None] * x, axis=0)
    inf_or = (lin_t1 - lin_c1) @ mom1 - (lin_t0 - lin_c0) @ mom0
    return float(att), inf_treat - inf_cont + inf_eff + inf_or


def _dr_imp_rc(y, post, d, x, w, trim):
    _, p = ipt(d, x, w)
    p = np.clip(p, 1e-6, 1 - 1e-6)
    _, fits = _cell_fits(y, x, post, d, w * p / (1 - p), w, "weighted outcome regression")
    # DRDID::drdid_imp_rc trims comparison units only
    ipw_w = _ipw_weights(d, post, p, w, trim, trim_treated=False)
    att, inf_t, inf_c, inf_eff, _, _ = _dr_core(y, post, fits, ipw_w,
                                                (w * d, w * d * post, w * d * (1 - post)))
    # IPT and WLS first-order conditions remove the estimation effects (S&Z 2020, Thm 3.4)
    return float(att), inf_t - inf_c + inf_eff
