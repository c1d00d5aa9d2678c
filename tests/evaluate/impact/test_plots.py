"""Figures: created without pyplot, written deterministically, wrong inputs rejected."""

from __future__ import annotations

import subprocess
import sys

import pytest
from changjing.evaluate.errors import SpecError
from changjing.evaluate.impact import aggte, att_gt, synthetic_control
from changjing.evaluate.impact.plots import event_study_plot, gap_plot, save_figure

KW = dict(unit="countyreal", time="year", outcome="lemp", treated_from="first_treat")


def test_event_study_plot_is_deterministic(mpdta, tmp_path):
    dyn = aggte(att_gt(mpdta, **KW, bootstrap=199, seed=1), "dynamic")
    a = save_figure(event_study_plot(dyn), tmp_path / "a")
    b = save_figure(event_study_plot(dyn), tmp_path / "b")
    for pa, pb in zip(a, b, strict=True):
        assert pa.read_bytes() == pb.read_bytes()
    assert a[1].read_text().count("<path") > 10


def test_plots_do_not_touch_pyplot_state():
    """Figures are drawn through Figure + Agg canvas; pyplot (global state) is never imported."""
    code = ("import sys, numpy as np; from changjing.evaluate.impact.plots import trends_plot;"
            "trends_plot(np.arange(3), np.ones(3), np.zeros(3), 1);"
            "print('matplotlib.pyplot' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


def test_gap_plot_and_wrong_inputs(prop99_long, mpdta, tmp_path):
    sc = synthetic_control(prop99_long, unit="state", time="year", outcome="cigsale",
                           treated_from="treated_from")
    paths = save_figure(gap_plot(sc), tmp_path / "gap")
    assert all(p.stat().st_size > 1000 for p in paths)
    with pytest.raises(SpecError, match="synthetic_control"):
        gap_plot(att_gt(mpdta, **KW))
    with pytest.raises(SpecError, match="dynamic"):
        event_study_plot(sc)


def test_chinese_labels_render_with_cjk_font(tmp_path):
    """With a CJK font installed (Debian fonts-noto-cjk), Chinese covariate names draw without
    'missing glyph' warnings; skipped where no CJK font exists."""
    import warnings

    import numpy as np
    import pandas as pd
    from changjing.evaluate.impact import psm
    from changjing.evaluate.impact.plots import _font_families, balance_plot

    if _font_families() is None:
        pytest.skip("no CJK font installed")
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"企业规模": rng.normal(size=300), "研发强度": rng.uniform(size=300)})
    frame["资助"] = (rng.uniform(size=300) < 0.4).astype(int)
    frame["营收增长"] = rng.normal(size=300)
    r = psm(frame, treatment="资助", outcome="营收增长", covariates=["企业规模", "研发强度"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        save_figure(balance_plot(r, title="协变量平衡"), tmp_path / "cjk")
