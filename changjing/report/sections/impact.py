"""Report sections for an impact output (``changjing evaluate impact``): the design in words,
the estimates with intervals, the design's figure (event study, gap plot, balance or trends)
and the balance / placebo / pre-trend diagnostics.  Numbers come from the folder's
``manifest.json``, ``estimates.csv`` and ``diagnostics_*.csv`` (formats:
docs/evaluate_impact.md); the figures are the ones the impact command saved."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import pandas as pd

from changjing.report import figures as F
from changjing.report.document import (
    Paragraph,
    Section,
    Table,
    auto_formats,
    non_empty_columns,
    read_table,
    safe_name,
)
from changjing.report.errors import ReportError
from changjing.report.sections import Context

FIGURES = {"event_study": ("事件研究：处理后各期的平均处理效应", "Event study: ATT by periods since "
                           "treatment"),
           "gap_plot": ("处理单元与合成对照之差", "Gap: treated unit minus synthetic control"),
           "balance": ("匹配前后的协变量平衡", "Covariate balance before and after matching"),
           "trends": ("处理组与对照组的均值走势", "Mean outcome of treated and control groups")}
_DIAG_TITLES = {"pretrend": ("平行趋势检验", "Pre-trend test"),
                "balance": ("协变量平衡", "Covariate balance"),
                "placebos": ("安慰剂检验", "Placebo tests"),
                "placebo_time": ("时间安慰剂", "In-time placebo"),
                "placebo_gaps": ("安慰剂差距", "Placebo gaps"),
                "weights": ("对照单元权重", "Donor weights"),
                "fit": ("拟合优度", "Pre-treatment fit"),
                "twfe_weights": ("TWFE 权重", "TWFE weights"),
                "pairs": ("匹配对", "Matched pairs"),
                "propensity": ("倾向得分", "Propensity scores")}
ESTIMATE_COLUMNS = ["term", "estimate", "std_error", "se", "conf_low", "conf_high", "ci_low",
                    "ci_high", "p_value", "band_low", "band_high", "group", "time",
                    "event_time", "treated", "synthetic", "gap"]
# long diagnostics go to the workbook only
_WORKBOOK_ONLY = {"pairs", "propensity", "placebo_gaps"}


def design_words(manifest: dict[str, Any], lang: str) -> str:
    """The design settings as one sentence, e.g. 'compared with never treated firms, doubly
    robust …, 999 bootstrap draws, seed 1'."""
    s = manifest.get("settings", {}) or {}
    o = manifest.get("options", {}) or {}
    parts = []
    est = s.get("estimator") or manifest.get("design")
    if est:
        parts.append(str(est))
    control = s.get("control_description") or s.get("control")
    if control:
        parts.append(f"对照组：{control}" if lang == "zh" else f"compared with {control} units")
    for k in ("method_description", "propensity_model", "weights_solver", "v", "metric"):
        if s.get(k):
            parts.append(str(s[k]))
    if s.get("covariates") or o.get("covariates"):
        cov = ", ".join(map(str, s.get("covariates") or o.get("covariates")))
        parts.append(f"协变量：{cov}" if lang == "zh" else f"covariates: {cov}")
    boot = s.get("bootstrap") or o.get("bootstrap")
    if boot:
        w = s.get("bootstrap_weights")
        parts.append((f"自助抽样 {boot} 次" if lang == "zh" else f"{boot} bootstrap draws")
                     + (f" ({w})" if w else ""))
    seed = manifest.get("seed", o.get("seed"))
    if seed is not None:
        parts.append(f"随机种子 {seed}" if lang == "zh" else f"seed {seed}")
    head = ("；".join(parts) + "。") if lang == "zh" else ("; ".join(parts) + ".")
    tail = []
    if manifest.get("se_type"):
        tail.append(("标准误：" if lang == "zh" else "Standard errors: ") + str(manifest["se_type"]))
    if manifest.get("ci_type"):
        tail.append(("区间：" if lang == "zh" else "Intervals: ") + str(manifest["ci_type"]))
    sep = "。" if lang == "zh" else ". "
    return head + (" " + sep.join(tail) + ("。" if lang == "zh" else ".") if tail else "")


def build(folder: Path, manifest: dict[str, Any], ctx: Context) -> list[Section]:
    est_path = folder / "estimates.csv"
    if not est_path.is_file():
        raise ReportError(f"{folder}: estimates.csv is missing; an impact folder written by "
                          "`changjing evaluate impact` holds estimates.csv and manifest.json")
    estimates = read_table(est_path)
    zh = ctx.lang == "zh"
    key = f"impact-{safe_name(folder.name)}"
    o = manifest.get("options", {}) or {}
    outcome = o.get("outcome", "?")
    title = (f"{ctx.t('impact')}: {folder.name} ({ctx.tr(manifest.get('design', '?'))}, "
             f"{outcome})")
    top = Section(key, title, level=1, source=str(folder))
    sections = [top]

    sec = Section(f"{key}-estimates", ctx.t("estimates"))
    summary = plain_summary(folder, manifest, ctx)
    if summary:
        sec.add(Paragraph(summary))
    sec.add(Paragraph(ctx.tr(design_words(manifest, ctx.lang))))
    if manifest.get("causal") is False:
        sec.add(Paragraph(ctx.t("not_causal"), "warning"))
    for w in manifest.get("warnings", []) or []:
        sec.add(Paragraph(ctx.tr(w), "warning"))
    ci = manifest.get("ci") or [None, None]
    head = pd.DataFrame([{"estimand": ctx.tr(manifest.get("estimand")),
                          "estimate": manifest.get("estimate"), "se": manifest.get("se"),
                          "ci_low": ci[0], "ci_high": ci[1],
                          "p_value": manifest.get("p_value"),
                          "n_units": manifest.get("n_units"),
                          "n_rows": manifest.get("n_rows")}])
    sec.add(Table("impact_headline", ctx.t("estimate"), head,
                  {"estimand": "estimand" if not zh else "估计对象",
                   "estimate": ctx.t("estimate"), "se": "SE" if not zh else "标准误",
                   "ci_low": "95% low" if not zh else "下限", "ci_high": "95% high"
                   if not zh else "上限", "p_value": "p", "n_units": "units" if not zh
                   else "单元数", "n_rows": "rows" if not zh else "行数"},
                  {"estimate": "sci", "se": "sci", "ci_low": "sci", "ci_high": "sci",
                   "p_value": "sci", "n_units": "int", "n_rows": "int"}))
    shown = estimates.head(ctx.top * 2)
    page = non_empty_columns(shown, ESTIMATE_COLUMNS, 10)
    sec.add(Table(f"estimates_{safe_name(folder.name)}", ctx.t("estimates"),
                  _translated(estimates, ctx), {c: ctx.term(c) for c in estimates.columns},
                  formats=auto_formats(estimates), max_rows=ctx.top * 2, page_columns=page,
                  note=(f"{len(estimates)} rows; the workbook has all." if not zh else
                        f"共 {len(estimates)} 行，完整结果见工作簿。")
                  if len(estimates) > ctx.top * 2 else ""))
    sections.append(sec)

    figs = [name for name in FIGURES if (folder / f"{name}.png").is_file()]
    if figs:
        sec = Section(f"{key}-figures", ctx.t("impact_figure"))
        for name in figs:
            f = F.image_figure((folder / f"{name}.png").read_bytes(), f"{key}_{name}",
                               FIGURES[name][0 if zh else 1],
                               (f"结果变量：{outcome}" if zh else f"Outcome: {outcome}"))
            svg = folder / f"{name}.svg"
            if svg.is_file():
                f.svg = svg.read_bytes()
            sec.add(f)
        sections.append(sec)

    diags = sorted(folder.glob("diagnostics_*.csv"))
    if diags:
        sec = Section(f"{key}-diagnostics", ctx.t("diagnostics"))
        for path in diags:
            name = path.stem[len("diagnostics_"):]
            frame = read_table(path)
            zh_t, en_t = _DIAG_TITLES.get(name, (name, name))
            sec.add(Table(f"diag_{safe_name(name)}", zh_t if zh else en_t,
                          _translated(frame, ctx), {c: ctx.term(c) for c in frame.columns},
                          formats=auto_formats(frame), show=name not in _WORKBOOK_ONLY,
                          max_rows=ctx.top * 2,
                          page_columns=non_empty_columns(frame.head(ctx.top * 2), None, 10)))
        sections.append(sec)
    return sections


def plain_summary(folder: Path, manifest: dict[str, Any], ctx: Context) -> str:
    """The estimate in plain words: effect, interval, whether it excludes zero, and what the
    pre-trend test and covariate balance (when the folder has them) say about the design."""
    est, ci, p = manifest.get("estimate"), manifest.get("ci") or [None, None], \
        manifest.get("p_value")
    if est is None or ci[0] is None or ci[1] is None:
        return ""
    outcome = (manifest.get("options") or {}).get("outcome", "?")
    f = lambda v: f"{float(v):.3g}"
    out = ctx.t("impact_summary", outcome=outcome, est=f(est), lo=f(ci[0]), hi=f(ci[1]),
                p="–" if p is None else f"{float(p):.2g}")
    if ci[0] > 0 or ci[1] < 0:
        out += ctx.t("impact_sig", sign=ctx.t("positive" if est > 0 else "negative"))
    else:
        out += ctx.t("impact_nosig")
    pre = folder / "diagnostics_pretrend.csv"
    if pre.is_file():
        frame = read_table(pre)
        if "p_value" in frame and frame["p_value"].notna().any():
            pv = float(frame["p_value"].dropna().iloc[0])
            out += ctx.t("pretrend_ok" if pv >= 0.05 else "pretrend_bad", p=f"{pv:.2g}")
    bal = folder / "diagnostics_balance.csv"
    if bal.is_file():
        frame = read_table(bal)
        if "smd_after" in frame and frame["smd_after"].notna().any():
            smd = float(frame["smd_after"].abs().max())
            out += ctx.t("balance_ok" if smd < 0.1 else "balance_bad", smd=f"{smd:.3f}")
    return out.strip()


def _translated(frame: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    """Text cells written by the estimators (terms, diagnostics' names) in the report's
    language; numbers untouched."""
    if ctx.lang != "zh":
        return frame
    out = frame.copy()
    for c in out.columns:
        if out[c].dtype == object or pd.api.types.is_string_dtype(out[c].dtype):
            out[c] = out[c].map(lambda v: v if not isinstance(v, str) else ctx.term(v)
                                if v in _TERM_VALUES else ctx.tr(v))
    return out


_TERM_VALUES = {"matched treated", "distinct matched controls", "max reuse of one control"}


def provenance(folder: Path, manifest: dict[str, Any], ctx: Context) -> dict[str, Any]:
    o = manifest.get("options", {}) or {}
    inp = manifest.get("input", {}) or {}
    cmd = ["changjing", "evaluate", "impact", str(inp.get("file", "PANEL.csv"))]
    for k, v in sorted(o.items()):
        if v is None or v is False or k == "alpha" and v == 0.05:
            continue
        flag = "--" + k.replace("_", "-")
        if v is True:
            cmd.append(flag)
        elif isinstance(v, list):
            cmd += [flag, *map(str, v)]
        else:
            cmd += [flag, str(v)]
    cmd += ["--out", folder.name]
    return {
        "kind": "changjing.impact",
        "name": f"{ctx.tr(manifest.get('design'))} · {o.get('outcome')}",
        "hashes": {"input_sha256": inp.get("sha256")},
        "seeds": {"seed": manifest.get("seed")},
        "versions": {"changjing": manifest.get("changjing_version")},
        "inputs": {"file": inp.get("file"), "rows": inp.get("rows")},
        "reproduce": [" ".join(shlex.quote(c) for c in cmd)],
    }
