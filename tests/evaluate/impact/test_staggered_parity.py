"""Callaway & Sant'Anna options checked against R ``did`` on ``mpdta``.

R reference: the ``did`` package's introduction vignette / README (bcallaway11/did,
``README.md`` and ``docs/articles/did-basics.md``), output of::

    att_gt(yname = "lemp", gname = "first.treat", idname = "countyreal", tname = "year",
           xformla = ~1, data = mpdta, est_method = "reg")

whose 12 ATT(g,t) are printed to 4 decimals (``PUBLISHED`` below).  R prints no output for
``base_period = "universal"`` or ``anticipation = 2`` on mpdta; for those options the cells
are checked through exact identities of the 2x2 means that connect them to the published
varying-base cells (R's own definitions: ``compute.att_gt.R``, ``pret_g`` = last period with
``t + anticipation < g``; post-treatment iff ``g <= t``), and against a by-hand 2x2 mean
difference computed here from the raw data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from changjing.evaluate.impact import aggte, att_gt

KW = dict(unit="countyreal", time="year", outcome="lemp", treated_from="first_treat")

# did vignette, est_method = "reg", varying base period: ATT(g, t)
PUBLISHED = {
    (2004, 2004): -0.0105, (2004, 2005): -0.0704, (2004, 2006): -0.1373, (2004, 2007): -0.1008,
    (2006, 2004): 0.0065, (2006, 2005): -0.0028, (2006, 2006): -0.0046, (2006, 2007): -0.0412,
    (2007, 2004): 0.0305, (2007, 2005): -0.0027, (2007, 2006): -0.0311, (2007, 2007): -0.0261,
}


def _by_hand(mpdta: pd.DataFrame, g: int, t: int, base: int) -> float:
    """Unconditional 2x2: mean change base->t of group g minus that of the never treated."""
    wide = mpdta.pivot(index="countyreal", columns="year", values="lemp")
    grp = mpdta.groupby("countyreal")["first_treat"].first()
    dy = wide[t] - wide[base]
    return float(dy[grp == g].mean() - dy[grp == 0].mean())


def _cells(res) -> dict[tuple[int, int], float]:
    return {(int(r.group), int(r.time)): r.estimate for r in res.table.itertuples()}


def test_universal_base_period_includes_the_first_period(mpdta):
    """R loops over every period under base_period = "universal" (tlist.length = T, tfac = 0):
    5 cells a group, the first period included.  A universal pre-period cell is minus the sum
    of the varying cells between it and g - 1: e.g. ATT_u(2007, 2003) = -(0.0305 - 0.0027 -
    0.0311) from the published varying cells (4-decimal rounding: tolerance 2e-4)."""
    uni = att_gt(mpdta, **KW, method="reg", base_period="universal")
    cells = _cells(uni)
    assert len(cells) == 15 and {t for _, t in cells} == {2003, 2004, 2005, 2006, 2007}
    for g in (2004, 2006, 2007):
        assert cells[(g, g - 1)] == 0.0  # reference cell
        for t in range(2003, g - 1):
            derived = -sum(PUBLISHED[(g, s)] for s in range(t + 1, g))
            assert cells[(g, t)] == pytest.approx(derived, abs=2e-4)
            assert cells[(g, t)] == pytest.approx(_by_hand(mpdta, g, t, g - 1), abs=1e-12)
    # the first-period cells reach the event study: e = -4 exists (only g = 2007 has it)
    dyn = aggte(uni, "dynamic").table.set_index("event_time")["estimate"]
    assert dyn.index.min() == -4
    assert dyn.loc[-4] == pytest.approx(cells[(2007, 2003)])
    # and a window that reaches the first period keeps it
    win = aggte(uni, "dynamic", min_e=-4, max_e=0)
    assert win.table["event_time"].tolist() == [-4, -3, -2, -1, 0]


@pytest.fixture(scope="module")
def antic2(mpdta):
    return att_gt(mpdta, **KW, method="reg", anticipation=2)


def test_anticipation_two_keeps_short_differences_inside_the_window(mpdta, antic2):
    """R, anticipation = 2: pret_g = last period with t + 2 < g; cells with t < g (the
    anticipation window included) use t - 1, cells with t >= g use pret_g.  Group 2004 has no
    such period (R drops it with a warning).  Window cells are then the published varying
    cells (R: ATT(2007, 2005) = -0.0027, ATT(2007, 2006) = -0.0311), and post cells are long
    differences: ATT(2007, 2007) = sum of the varying cells 2005..2007 = -0.0599."""
    cells = _cells(antic2)
    assert {g for g, _ in cells} == {2006, 2007}
    assert any("base period before the panel" in w for w in antic2.warnings)
    bases = {(int(r.group), int(r.time)): int(r.base) for r in antic2.table.itertuples()}
    assert bases[(2007, 2005)] == 2004 and bases[(2007, 2006)] == 2005
    assert bases[(2007, 2007)] == 2004 and bases[(2006, 2006)] == 2003
    for key in [(2006, 2004), (2006, 2005), (2007, 2004), (2007, 2005), (2007, 2006)]:
        assert round(cells[key], 4) == PUBLISHED[key]
    assert cells[(2007, 2007)] == pytest.approx(
        PUBLISHED[(2007, 2005)] + PUBLISHED[(2007, 2006)] + PUBLISHED[(2007, 2007)], abs=2e-4)
    assert cells[(2006, 2007)] == pytest.approx(_by_hand(mpdta, 2006, 2007, 2003), abs=1e-12)
    # event time -1 is a short difference (R), not the zero-length g-1-delta comparison
    dyn = aggte(antic2, "dynamic").table.set_index("event_time")["estimate"]
    w6, w7 = 40, 131
    assert dyn.loc[-1] == pytest.approx(
        (w6 * cells[(2006, 2005)] + w7 * cells[(2007, 2006)]) / (w6 + w7))


def test_pretest_includes_every_cell_before_treatment(antic2):
    """R's Wald pre-test uses every cell with group > t (att_gt.R: pre <- which(group > tt)),
    the anticipation window included: 2 cells of group 2006, 3 of group 2007."""
    pre = antic2.diagnostics["pretrend"].iloc[0]
    assert pre["cells"] == 5
    t = antic2.table
    sub = t[t.time < t.group]
    inf = antic2.extra["inf"][:, (t.time < t.group).to_numpy()]
    n = inf.shape[0]
    cov = inf.T @ inf / n**2
    stat = sub.estimate.to_numpy() @ np.linalg.solve(cov, sub.estimate.to_numpy())
    assert pre["statistic"] == pytest.approx(stat, rel=1e-10)
