"""Figures for the report (matplotlib, Agg): readable on screen and in print.

Conventions: Okabe–Ito colour-blind-safe palette, line styles differ as well as colours (the
report may be printed in grey), 9–11 pt text at the printed size, no chart junk.  Every figure
is rendered once to PNG (150 dpi) and SVG (text as outlines) by :func:`render`, with fixed
metadata so equal inputs give equal bytes.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import numpy as np
import pandas as pd

from changjing.report.document import Figure, safe_name

PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000",
           "#F0E442")
STYLES = ("-", "--", "-.", ":")
DPI = 150


def _plt():
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def colour(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def new_figure(width: float = 7.5, height: float = 4.5, nrows: int = 1, ncols: int = 1,
               **kw):
    plt = _plt()
    fig, axes = plt.subplots(nrows, ncols, figsize=(width, height), squeeze=False, **kw)
    for ax in axes.flat:
        ax.spines[["top", "right"]].set_visible(False)
        ax.tick_params(labelsize=8.5)
        ax.grid(axis="y", color="#dddddd", linewidth=0.6)
        ax.set_axisbelow(True)
    return fig, axes


def fonts_used(fig) -> tuple[str, ...]:
    """Font files matplotlib resolves for the figure's text (what was actually drawn with)."""
    from matplotlib import font_manager
    from matplotlib.text import Text

    files = set()
    for t in fig.findobj(Text):
        if t.get_text().strip():
            files.add(font_manager.findfont(t.get_fontproperties(), fallback_to_default=True))
    return tuple(sorted(files))


def render(fig, key: str, title: str, caption: str = "") -> Figure:
    """Render ``fig`` to PNG and SVG bytes and close it."""
    plt = _plt()
    fonts = fonts_used(fig)
    png = io.BytesIO()
    fig.savefig(png, format="png", dpi=DPI, bbox_inches="tight", metadata={"Software": None})
    svg = io.BytesIO()
    fig.savefig(svg, format="svg", bbox_inches="tight", metadata={"Date": None,
                                                                    "Creator": None})
    w, h = fig.get_size_inches()
    plt.close(fig)
    return Figure(safe_name(key), title, caption, png.getvalue(), svg.getvalue(), float(w),
                  float(h), fonts)


def _legend(fig, handles, labels, ncol: int | None = None) -> None:
    ncol = ncol or (len(labels) if len(labels) <= 6 else 4)
    fig.legend(handles, labels, loc="lower center", ncol=ncol, frameon=False, fontsize=8.5,
               bbox_to_anchor=(0.5, -0.01))


def _dates_axis(ax, dates: Sequence[str]) -> None:
    n = len(dates)
    step = max(1, int(np.ceil(n / 6)))
    ticks = list(range(0, n, step))
    ax.set_xticks(ticks)
    ax.set_xticklabels([dates[i] for i in ticks], rotation=0, fontsize=8)


def trajectories(bands: pd.DataFrame, indicators: Sequence[str], labels: dict[str, str],
                 targets: dict[str, float], arms: Sequence[str], target_word: str,
                 ) -> object:
    """Small multiples, one an indicator: mean per arm with its 5–95 % band, target dashed.

    ``bands`` has columns arm, step, date, indicator, mean, p05, p95.
    """
    n = len(indicators)
    ncols = 2 if n > 1 else 1
    nrows = int(np.ceil(n / ncols))
    fig, axes = new_figure(7.5, 2.7 * nrows + 0.6, nrows, ncols)
    handles: dict[str, object] = {}       # arm -> its line, from whichever panel has it
    for k, ind in enumerate(indicators):
        ax = axes.flat[k]
        sub = bands[bands["indicator"] == ind]
        dates = list(dict.fromkeys(sub.sort_values("step")["date"]))
        pos = {d: i for i, d in enumerate(dates)}
        for i, arm in enumerate(arms):
            g = sub[sub["arm"] == arm].sort_values("step")
            if g.empty:
                continue
            x = g["date"].map(pos).to_numpy()
            c = colour(i)
            if "p05" in g and g["p05"].notna().any():
                ax.fill_between(x, g["p05"], g["p95"], color=c,
                                alpha=0.13 if len(arms) <= 3 else 0.07, linewidth=0)
            (line,) = ax.plot(x, g["mean"], color=c, linestyle=STYLES[i % 4], linewidth=1.6)
            handles.setdefault(arm, line)
        if ind in targets and np.isfinite(targets[ind]):
            ax.axhline(targets[ind], color="#444444", linestyle=(0, (4, 3)), linewidth=1)
            ax.annotate(f"{target_word} {targets[ind]:,.0f}", (0, targets[ind]),
                        xytext=(2, 3), textcoords="offset points", fontsize=8, color="#444444")
        ax.set_title(labels.get(ind, ind), fontsize=10, loc="left")
        _dates_axis(ax, dates)
        ax.yaxis.set_major_formatter(_thousands())
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    if len(arms) > 1:
        # one entry per arm that has runs, each with its own line: an arm without runs
        # must not shift the labels onto the other arms' lines
        shown = [a for a in arms if a in handles]
        _legend(fig, [handles[a] for a in shown], shown)
        fig.tight_layout(rect=(0, 0.06, 1, 1))
    else:
        fig.tight_layout()
    return fig


def _thousands():
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda v, _: f"{v:,.0f}" if abs(v) >= 10 or v == int(v) else f"{v:g}")


def funnel(frame: pd.DataFrame, stages: Sequence[str], stage_labels: dict[str, str],
           arms: Sequence[str], parts: dict[str, str]) -> object:
    """One panel a stage: per arm a stacked bar of scenarios that moved on / failed / wait.

    ``frame``: arm, stage, left, failed, waiting_end (means).  ``parts`` maps those three
    column names to legend labels.
    """
    n = len(stages)
    fig, axes = new_figure(7.5, 0.9 + 0.28 * max(len(arms), 2) * int(np.ceil(n / 2)) + 0.9,
                           int(np.ceil(n / 2)), 2)
    cols = ("left", "failed", "waiting_end")
    colours = ("#009E73", "#D55E00", "#E69F00")
    hatches = ("", "//", "..")
    handles = []
    for k, stage in enumerate(stages):
        ax = axes.flat[k]
        ax.grid(axis="y", visible=False)
        ax.grid(axis="x", color="#dddddd", linewidth=0.6)
        g = frame[frame["stage"] == stage].set_index("arm").reindex(list(arms))
        y = np.arange(len(arms))[::-1]
        left = np.zeros(len(arms))
        for c, col, h in zip(colours, cols, hatches, strict=True):
            vals = g[col].fillna(0).to_numpy(dtype=float)
            bars = ax.barh(y, vals, left=left, color=c, hatch=h, edgecolor="white",
                           linewidth=0.5, height=0.7)
            left += vals
            if k == 0:
                handles.append(bars)
        ax.set_yticks(y)
        ax.set_yticklabels(list(arms), fontsize=8)
        ax.set_title(stage_labels.get(stage, stage), fontsize=10, loc="left")
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    _legend(fig, handles, [parts[c] for c in cols], 3)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return fig


def stacked_bars(frame: pd.DataFrame, categories: Sequence[str], cat_labels: dict[str, str],
                 arms: Sequence[str], value: str, ylabel: str, scale: float = 1.0) -> object:
    """Per arm a vertical bar stacked by category (e.g. money spent by instrument)."""
    fig, axes = new_figure(7.5, 3.6)
    ax = axes[0, 0]
    x = np.arange(len(arms))
    bottom = np.zeros(len(arms))
    handles = []
    for i, cat in enumerate(categories):
        g = frame[frame["category"] == cat].set_index("arm").reindex(list(arms))
        vals = g[value].fillna(0).to_numpy(dtype=float) / scale
        handles.append(ax.bar(x, vals, bottom=bottom, color=colour(i), width=0.6,
                              hatch=("", "//", "..", "xx")[i % 4], edgecolor="white",
                              linewidth=0.5))
        bottom += vals
    ax.set_xticks(x)
    ax.set_xticklabels(list(arms), fontsize=8.5, rotation=0 if len(arms) < 7 else 30)
    ax.set_ylabel(ylabel, fontsize=9)
    ax.yaxis.set_major_formatter(_thousands())
    _legend(fig, handles, [cat_labels.get(c, c) for c in categories])
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    return fig


def forest(frame: pd.DataFrame, indicators: Sequence[str], labels: dict[str, str],
           arms: Sequence[str]) -> object:
    """Paired differences: one panel an indicator, a point and interval per arm."""
    n = len(indicators)
    ncols = 2 if n > 1 else 1
    nrows = int(np.ceil(n / ncols))
    fig, axes = new_figure(7.5, (0.5 + 0.28 * len(arms)) * nrows + 0.7, nrows, ncols)
    for k, ind in enumerate(indicators):
        ax = axes.flat[k]
        ax.grid(axis="y", visible=False)
        ax.grid(axis="x", color="#dddddd", linewidth=0.6)
        g = frame[frame["indicator"] == ind].set_index("arm").reindex(list(arms))
        y = np.arange(len(arms))[::-1]
        mean = g["mean_difference"].to_numpy(dtype=float)
        lo = g["ci_low"].to_numpy(dtype=float)
        hi = g["ci_high"].to_numpy(dtype=float)
        err = np.clip(np.vstack([np.nan_to_num(mean - lo), np.nan_to_num(hi - mean)]), 0, None)
        ax.errorbar(mean, y, xerr=err, fmt="o", color=PALETTE[0], ecolor=PALETTE[0],
                    capsize=3, markersize=4, linewidth=1.2)
        ax.axvline(0, color="#444444", linewidth=0.8)
        ax.set_yticks(y)
        ax.set_yticklabels(list(arms), fontsize=8)
        ax.set_title(labels.get(ind, ind), fontsize=10, loc="left")
        ax.xaxis.set_major_formatter(_thousands())
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    fig.tight_layout()
    return fig


def probability_vs_cost(points: pd.DataFrame, threshold: float, xlabel: str, ylabel: str,
                        scale: float) -> object:
    """P(all targets) with its interval against mean spending, one point an arm."""
    fig, axes = new_figure(7.5, 3.4)
    ax = axes[0, 0]
    x = points["spent"].to_numpy(dtype=float) / scale
    p = points["probability"].to_numpy(dtype=float)
    err = np.clip(np.vstack([p - points["ci_low"].to_numpy(dtype=float),
                             points["ci_high"].to_numpy(dtype=float) - p]), 0, None)
    ax.errorbar(x, p, yerr=err, fmt="o", color=PALETTE[0], capsize=3, markersize=5)
    ax.set_ylim(-0.03, 1.05)
    ax.axhline(threshold, color=PALETTE[1], linestyle="--", linewidth=1)
    ax.set_xlabel(xlabel, fontsize=9)
    ax.set_ylabel(ylabel, fontsize=9)
    from matplotlib.ticker import PercentFormatter

    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    fig.tight_layout()                   # final axes geometry first, then place the labels
    _place_labels(fig, ax, x, p, [str(a) for a in points["arm"]])
    return fig


def _place_labels(fig, ax, x, y, labels, size: float = 8) -> None:
    """Annotate points, lifting a label until its box overlaps no label placed before it."""
    placed: list[tuple[float, float, float, float]] = []
    to_px = ax.transData.transform
    pt = fig.dpi / 72
    for i in np.argsort(x, kind="stable"):
        px, py = to_px((x[i], y[i]))
        w = sum(1.0 if ord(c) > 0x2E7F else 0.58 for c in labels[i]) * size * pt
        h = size * 1.3 * pt
        dy = 4.0
        while True:
            box = (px + 4 * pt, py + dy * pt, px + 4 * pt + w, py + dy * pt + h)
            if not any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3]
                       for b in placed) or dy > 120:
                break
            dy += size * 1.4
        placed.append(box)
        ax.annotate(labels[i], (x[i], y[i]), xytext=(4, dy), textcoords="offset points",
                    fontsize=size, zorder=5,
                    bbox={"boxstyle": "square,pad=0.1", "fc": "white", "ec": "none",
                          "alpha": 0.85},
                    arrowprops={"arrowstyle": "-", "color": "#999999",
                                               "linewidth": 0.5} if dy > 4 else None)


def index_bars(frame: pd.DataFrame, indicators: Sequence[str], labels: dict[str, str],
               columns: Sequence[tuple[str, str, str]]) -> object:
    """Sensitivity indices: one panel an indicator, horizontal bars per parameter, sorted.

    ``columns``: (value column, confidence column, legend label), e.g. S1 / ST.
    """
    n = len(indicators)
    ncols = 2 if n > 1 else 1
    nrows = int(np.ceil(n / ncols))
    params = frame["param"].nunique()
    fig, axes = new_figure(7.5, (0.6 + 0.26 * params) * nrows + 0.6, nrows, ncols)
    handles = []
    for k, ind in enumerate(indicators):
        ax = axes.flat[k]
        ax.grid(axis="y", visible=False)
        ax.grid(axis="x", color="#dddddd", linewidth=0.6)
        g = frame[frame["indicator"] == ind].sort_values(columns[-1][0])
        y = np.arange(len(g))
        h = 0.8 / len(columns)
        for j, (col, conf, _) in enumerate(columns):
            vals = g[col].to_numpy(dtype=float)
            xerr = g[conf].to_numpy(dtype=float) if conf in g else None
            b = ax.barh(y + (j - (len(columns) - 1) / 2) * h, vals, height=h, color=colour(j),
                        xerr=xerr, error_kw={"elinewidth": 0.8, "capsize": 2})
            if k == 0:
                handles.append(b)
        ax.set_yticks(y)
        ax.set_yticklabels(g["param"].tolist(), fontsize=8)
        ax.set_title(labels.get(ind, ind), fontsize=10, loc="left")
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    _legend(fig, handles, [c[2] for c in columns])
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return fig


def heatmap(values: pd.DataFrame, row_labels: Sequence[str], col_labels: Sequence[str],
            vmin: float = 0, vmax: float = 100) -> object:
    """Scenarios × criteria sub-scores, values printed in the cells."""
    nr, nc = values.shape
    fig, axes = new_figure(7.5, 0.9 + 0.27 * nr)
    ax = axes[0, 0]
    ax.grid(False)
    im = ax.imshow(values.to_numpy(dtype=float), cmap="Blues", vmin=vmin, vmax=vmax,
                   aspect="auto")
    for i in range(nr):
        for j in range(nc):
            v = values.iat[i, j]
            if np.isfinite(v):
                ax.text(j, i, f"{v:.0f}", ha="center", va="center", fontsize=7.5,
                        color="white" if v > (vmin + vmax) * 0.6 else "#222222")
    ax.set_xticks(range(nc))
    ax.set_xticklabels(list(col_labels), fontsize=8, rotation=20, ha="right")
    ax.set_yticks(range(nr))
    ax.set_yticklabels(list(row_labels), fontsize=7.5)
    ax.spines[["left", "bottom"]].set_visible(False)
    fig.colorbar(im, ax=ax, fraction=0.03, pad=0.02)
    fig.tight_layout()
    return fig


def rank_ranges(frame: pd.DataFrame, row_labels: Sequence[str], xlabel: str) -> object:
    """Mean rank (dot) and min–max rank (line) per scenario, best at the top."""
    n = len(frame)
    fig, axes = new_figure(7.5, 0.8 + 0.24 * n)
    ax = axes[0, 0]
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    y = np.arange(n)[::-1]
    ax.hlines(y, frame["min_rank"], frame["max_rank"], color=PALETTE[5], linewidth=3)
    ax.plot(frame["mean_rank"], y, "o", color=PALETTE[0], markersize=4)
    ax.plot(frame["rank"], y, "|", color=PALETTE[1], markersize=10, markeredgewidth=1.5)
    ax.set_yticks(y)
    ax.set_yticklabels(list(row_labels), fontsize=7.5)
    ax.set_xlabel(xlabel, fontsize=9)
    ax.invert_xaxis()
    fig.tight_layout()
    return fig


def image_figure(png: bytes, key: str, title: str, caption: str) -> Figure:
    """Wrap a PNG made elsewhere (e.g. by ``changjing evaluate impact``) as a Figure."""
    import matplotlib.image as mpimg

    arr = mpimg.imread(io.BytesIO(png), format="png")
    h, w = arr.shape[:2]
    return Figure(safe_name(key), title, caption, png, b"", w / DPI, h / DPI, ())
