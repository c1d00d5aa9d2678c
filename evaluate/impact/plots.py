"""Figures for impact results: event-study, synthetic-control gaps and covariate balance.

matplotlib is imported lazily and drawn through ``matplotlib.figure.Figure`` with the Agg
canvas, so nothing changes the caller's global backend or pyplot state.  Files are written
reproducibly: SVG with a fixed hash salt and no date, PNG without time metadata.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from ..errors import SpecError
from .result import ImpactResult

__all__ = ["balance_plot", "event_study_plot", "gap_plot", "save_figure", "sdid_plot",
           "trends_plot"]


def _figure(width: float = 7.0, height: float = 4.2):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(fig)
    return fig


_CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei",
              "SimHei", "Microsoft YaHei")


def _font_families() -> list[str] | None:
    """DejaVu Sans with a CJK fallback when one is installed (Chinese labels otherwise draw as
    empty boxes); ``None`` when no CJK font is available."""
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    cjk = [n for n in _CJK_FONTS if n in names]
    return ["DejaVu Sans", cjk[0]] if cjk else None


def _apply_fonts(fig) -> None:
    from matplotlib.text import Text

    families = _font_families()
    if families:
        for text in fig.findobj(Text):
            text.set_fontfamily(families)


def _finish(fig) -> None:
    """Fonts with CJK fallback, then layout (layout measures text, so fonts come first)."""
    _apply_fonts(fig)
    fig.tight_layout()


def save_figure(fig, stem: str | Path, formats: tuple[str, ...] = ("png", "svg")) -> list[Path]:
    """Write ``stem.png`` / ``stem.svg`` deterministically; returns the paths.

    Text falls back to a CJK font (Noto Sans CJK SC ...) when one is installed, so Chinese unit
    or covariate names render; without one matplotlib draws boxes.
    """
    import matplotlib

    _apply_fonts(fig)
    stem = Path(stem)
    paths = []
    with matplotlib.rc_context({"svg.hashsalt": "changjing", "svg.fonttype": "path"}):
        for fmt in formats:
            path = stem.with_suffix(f".{fmt}")
            meta = {"Date": None} if fmt == "svg" else {"Software": None}
            fig.savefig(path, format=fmt, metadata=meta)
            paths.append(path)
    return paths


def event_study_plot(result: ImpactResult, title: str | None = None):
    """Event-time effects with pointwise intervals and, if present, the simultaneous band.

    Accepts ``aggte(..., "dynamic")`` results (or any result whose table has ``event_time``).
    """
    table = result.table
    if table is None or "event_time" not in table:
        raise SpecError("event_study_plot: expected a dynamic aggregation (aggte(res, 'dynamic'))")
    fig = _figure()
    ax = fig.add_subplot(1, 1, 1)
    e = table["event_time"].to_numpy(float)
    est = table["estimate"].to_numpy(float)
    pre = e < 0
    if "band_low" in table:
        ax.fill_between(e, table["band_low"], table["band_high"], step=None, alpha=0.15,
                        color="tab:blue",
                        label=f"{100 * (1 - result.alpha):.0f}% simultaneous band")
    for mask, colour, label in ((pre, "tab:red", "pre-treatment"),
                                (~pre, "tab:blue", "post-treatment")):
        if mask.any():
            ax.errorbar(e[mask], est[mask],
                        yerr=[est[mask] - table["ci_low"].to_numpy(float)[mask],
                              table["ci_high"].to_numpy(float)[mask] - est[mask]],
                        fmt="o", color=colour, capsize=3, label=f"{label} (pointwise CI)")
    ax.axhline(0, color="black", lw=0.8)
    ax.axvline(-0.5, color="grey", lw=0.8, ls="--")
    ax.set_xlabel("periods since treatment (event time e = t - g)")
    ax.set_ylabel("ATT")
    ax.set_title(title or "Event study: ATT by periods since treatment")
    ax.legend(fontsize=8, frameon=False)
    _finish(fig)
    return fig


def honest_plot(result: ImpactResult, title: str | None = None):
    """HonestDiD sensitivity plot: the original interval, then the robust interval at each
    ``Mbar`` / ``M`` (as ``HonestDiD::createSensitivityPlot``), the breakdown value marked."""
    if not result.design.startswith("honest_did"):
        raise SpecError("honest_plot: expected an honest_did() result")
    table = result.table
    key = "mbar" if "mbar" in table else "m"
    mv = table[key].to_numpy(float)
    lo, hi = table["ci_low"].to_numpy(float), table["ci_high"].to_numpy(float)
    step = float(np.min(np.diff(np.unique(mv)))) if len(np.unique(mv)) > 1 else 1.0
    x0 = float(mv.min()) - step
    fig = _figure()
    ax = fig.add_subplot(1, 1, 1)
    ax.errorbar([x0], [(result.ci_low + result.ci_high) / 2],
                yerr=[[(result.ci_high - result.ci_low) / 2]], fmt="none", color="black",
                capsize=4, lw=2, label="original (exact parallel trends)")
    ax.errorbar(mv, (lo + hi) / 2, yerr=(hi - lo) / 2, fmt="none", color="tab:blue",
                capsize=4, lw=2, label=f"robust ({table['method'].iloc[0]})")
    ax.axhline(0, color="black", lw=0.8)
    bd = result.settings.get("breakdown")
    if bd is not None and np.isfinite(bd) and bd > 0:
        ax.axvline(bd, color="tab:red", lw=0.8, ls="--", label=f"breakdown = {bd:.3g}")
    ax.set_xlabel("Mbar (relative magnitudes)" if key == "mbar"
                  else "M (smoothness, outcome units per period)")
    ax.set_ylabel(f"{100 * (1 - result.alpha):.0f}% interval")
    ax.set_title(title or "Sensitivity to violations of parallel trends (HonestDiD)")
    ax.legend(fontsize=8, frameon=False)
    _finish(fig)
    return fig


def gap_plot(result: ImpactResult, title: str | None = None, mspe_cutoff: float | None = 5.0):
    """Synthetic control: treated vs synthetic paths (top) and placebo gaps (bottom).

    Placebos with pre-period MSPE above ``mspe_cutoff`` times the treated unit's are hidden
    (ADH 2010, Fig. 5-7 convention); they still count in the permutation p-value.
    """
    if result.design != "synthetic_control":
        raise SpecError("gap_plot: expected a synthetic_control() result")
    table = result.table
    fig = _figure(7.0, 7.0)
    top, bottom = fig.add_subplot(2, 1, 1), fig.add_subplot(2, 1, 2)
    date = result.settings["treatment_date"]
    top.plot(table["time"], table["treated"], color="black", label="treated")
    top.plot(table["time"], table["synthetic"], color="tab:blue", ls="--",
             label="synthetic control")
    top.axvline(date, color="grey", ls=":")
    top.legend(frameon=False, fontsize=8)
    top.set_ylabel("outcome")
    top.set_title(title or "Synthetic control")
    gaps = result.diagnostics["placebo_gaps"]
    plac = result.diagnostics["placebos"].set_index("unit")
    for unit_label, frame in gaps[~gaps["treated"]].groupby("unit", sort=True):
        if mspe_cutoff is not None and plac.loc[unit_label, "pre_mspe_vs_treated"] > mspe_cutoff:
            continue
        bottom.plot(frame["time"], frame["gap"], color="lightgrey", lw=0.8)
    bottom.plot(table["time"], table["gap"], color="black", lw=1.8, label="treated gap")
    bottom.axhline(0, color="black", lw=0.6)
    bottom.axvline(date, color="grey", ls=":")
    bottom.set_xlabel("time")
    bottom.set_ylabel("gap (treated - synthetic)")
    bottom.set_title(f"In-space placebos (grey); permutation p = {result.p_value:.3f}",
                     fontsize=9)
    _finish(fig)
    return fig


def balance_plot(result: ImpactResult, title: str | None = None):
    """Love plot: absolute standardised mean differences before and after adjustment."""
    bal = result.diagnostics.get("balance")
    if bal is None:
        raise SpecError("balance_plot: the result has no balance table")
    fig = _figure(6.0, 0.5 + 0.35 * len(bal) + 1.2)
    ax = fig.add_subplot(1, 1, 1)
    y = np.arange(len(bal))
    ax.scatter(bal["smd_before"].abs(), y, color="tab:red", label="before")
    if "smd_after" in bal:
        ax.scatter(bal["smd_after"].abs(), y, color="tab:blue", label="after")
    ax.axvline(0.1, color="grey", ls="--", lw=0.8)
    ax.set_yticks(y, bal["covariate"].astype(str))
    ax.set_xlabel("|standardised mean difference|")
    ax.set_title(title or f"Covariate balance ({result.design})")
    ax.legend(frameon=False, fontsize=8)
    _finish(fig)
    return fig


def trends_plot(times: np.ndarray, treated_mean: np.ndarray, control_mean: np.ndarray,
                date: float | None = None, title: str | None = None):
    """Mean outcome of treated and control units over time (for 2x2 DiD / TWFE)."""
    fig = _figure()
    ax = fig.add_subplot(1, 1, 1)
    ax.plot(times, treated_mean, marker="o", color="tab:blue", label="treated (ever)")
    ax.plot(times, control_mean, marker="o", color="tab:grey", label="never treated")
    if date is not None:
        ax.axvline(date - 0.5, color="grey", ls=":")
    ax.set_xlabel("time")
    ax.set_ylabel("mean outcome")
    ax.set_title(title or "Outcome trends")
    ax.legend(frameon=False, fontsize=8)
    _finish(fig)
    return fig


def sdid_plot(result: ImpactResult, title: str | None = None):
    """Synthetic DiD: treated mean and omega-weighted control paths, with the time weights
    (lambda) shown as bars under the pre-period (Arkhangelsky et al. 2021, Fig. 1 layout)."""
    if result.design != "synthetic_did":
        raise SpecError("sdid_plot: expected a synthetic_did() result")
    table = result.table
    fig = _figure(7.0, 4.5)
    ax = fig.add_subplot(1, 1, 1)
    ax.plot(table["time"], table["treated"], color="black", label="treated / 处理组")
    ax.plot(table["time"], table["synthetic"], color="tab:blue", ls="--",
            label="weighted controls / 加权对照")
    ax.axvline(result.settings["treatment_date"], color="grey", ls=":")
    low = float(min(table["treated"].min(), table["synthetic"].min()))
    span = float(max(table["treated"].max(), table["synthetic"].max())) - low
    ax.bar(table["time"], table["time_weight"] * 0.25 * span, bottom=low - 0.3 * span,
           color="tab:orange", alpha=0.6, label="time weight / 时间权重")
    ax.legend(frameon=False, fontsize=8)
    ax.set_ylabel("outcome")
    ax.set_title(title or f"Synthetic DiD: {result.estimate:.3g}")
    _finish(fig)
    return fig
