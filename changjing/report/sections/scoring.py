"""Report sections for a scoring output (``changjing evaluate score``): the ranking with
grades, criterion sub-scores, the weights with their provenance and consistency ratios, and
rank stability.  Numbers come from the folder's ``scores.csv``, ``weights.csv``,
``weights_provenance.json`` and ``manifest.json`` (formats: docs/evaluate_scoring.md)."""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Any

import pandas as pd

from changjing.report import figures as F
from changjing.report.document import Bullets, Paragraph, Section, Table, read_table, safe_name
from changjing.report.errors import ReportError
from changjing.report.sections import Context


def _csv(folder: Path, name: str, required: bool = True) -> pd.DataFrame | None:
    path = folder / name
    if not path.is_file():
        if required:
            raise ReportError(f"{folder}: {name} is missing; a scoring folder written by "
                              "`changjing evaluate score` holds scores.csv, weights.csv and "
                              "manifest.json")
        return None
    return read_table(path, keep_default_na=True)


def _short(s: str, n: int = 26) -> str:
    s = str(s)
    return s if len(s) <= n else s[: n - 1] + "…"


def build(folder: Path, manifest: dict[str, Any], ctx: Context) -> list[Section]:
    scores = _csv(folder, "scores.csv")
    weights = _csv(folder, "weights.csv")
    excluded = _csv(folder, "excluded.csv", required=False)
    prov_path = folder / "weights_provenance.json"
    prov = json.loads(prov_path.read_text(encoding="utf-8")) if prov_path.is_file() else {}
    for col in ("rank", "score"):
        if col not in scores.columns:
            raise ReportError(f"{folder / 'scores.csv'}: column {col!r} is missing")
    scores = scores.sort_values(["rank", "score"], ascending=[True, False], kind="stable")
    zh = ctx.lang == "zh"
    key = f"score-{safe_name(folder.name)}"
    system = manifest.get("system", {})
    top = Section(key, f"{ctx.t('scoring')}: {folder.name}", level=1, source=str(folder))
    sections = [top]

    # -------------------------------------------------------------- ranking
    sec = Section(f"{key}-ranking", ctx.t("ranking"))
    counts = manifest.get("counts", {})
    sec.add(Paragraph(ctx.t("scoring_intro", system=system.get("id", "?"),
                            version=system.get("version", "?"),
                            method=ctx.tr(manifest.get("method", "?")),
                            scored=counts.get("scored", len(scores)),
                            excluded=counts.get("excluded", 0),
                            missing=ctx.tr(manifest.get("missing_policy", "?")))))
    for note in manifest.get("notes", []) or []:
        sec.add(Paragraph(ctx.tr(note), "note"))
    grade_col = "grade" if zh or "grade_en" not in scores else "grade_en"
    if grade_col in scores:
        g = scores[grade_col].value_counts(sort=False)
        order = (prov.get("grades", {}).get("labels_zh" if grade_col == "grade" else
                                            "labels_en") or list(g.index))
        g = g.reindex([o for o in order if o in g.index] +
                      [i for i in g.index if i not in order])
        sec.add(Table("grades", ctx.t("grades_count"),
                      pd.DataFrame({"grade": g.index.astype(str), "n": g.to_numpy()}),
                      {"grade": ctx.t("grade"), "n": "n"}, {"n": "int"}))
    cols = [c for c in ("rank", "scenario_id", "scenario_name", "score", grade_col,
                        "p_same_rank", "mean_rank") if c in scores]
    n_show = min(ctx.top, len(scores))
    sec.add(Table("ranking", ctx.t("ranking"), scores[cols + [
                      c for c in scores.columns if c.startswith("sub_")]].reset_index(drop=True),
                  {"rank": ctx.t("rank"), "scenario_id": "ID", "scenario_name": ctx.t("scenario"),
                   "score": ctx.t("score"), grade_col: ctx.t("grade"),
                   "p_same_rank": ctx.t("p_same_rank"), "mean_rank": ctx.t("mean_rank")},
                  {"rank": "int", "score": "float2", "p_same_rank": "pct",
                   "mean_rank": "float1"},
                  note=ctx.t("ranking_more", n=n_show) if n_show < len(scores) else "",
                  max_rows=ctx.top, page_columns=cols))
    if excluded is not None and len(excluded):
        sec.add(Table("excluded", "excluded" if not zh else "未评分场景", excluded))
    sections.append(sec)

    # -------------------------------------------------------------- criterion sub-scores
    crit = (weights.drop_duplicates("criterion_id") if "criterion_id" in weights
            else pd.DataFrame(columns=["criterion_id"]))
    crit_label = {r.criterion_id: getattr(r, "criterion_zh" if zh else "criterion_en",
                                          r.criterion_id) for r in crit.itertuples()}
    subs = [c for c in scores.columns if c.startswith("sub_")]
    if subs:
        n = min(15, len(scores))
        sec = Section(f"{key}-subscores", ctx.t("subscores", n=n))
        head = scores.head(n)
        values = head[subs].astype(float)
        rows = [f"{int(r)}. {_short(nm)}" for r, nm in zip(
            head["rank"], head.get("scenario_name", head.get("scenario_id", head["rank"])),
            strict=True)]
        fig = F.heatmap(values, rows, [crit_label.get(c[4:], c[4:]) for c in subs])
        sec.add(F.render(fig, f"{key}_subscores", ctx.t("subscores", n=n),
                         ctx.t("subscores_caption")))
        sections.append(sec)

    # -------------------------------------------------------------- weights
    sec = Section(f"{key}-weights", ctx.t("weights"))
    if len(crit):
        ctab = crit[[c for c in ("criterion_id", "criterion_zh" if zh else "criterion_en",
                                 "criterion_weight", "criterion_weight_source",
                                 "criterion_weight_cr") if c in crit]]
        ctab = ctab.assign(**{c: ctab[c].map(ctx.tr) for c in ("criterion_weight_source",)
                              if c in ctab})
        sec.add(Table("criterion_weights", ctx.t("criterion") + " · " + ctx.t("weight"), ctab,
                      {"criterion_id": "ID", "criterion_zh": ctx.t("criterion"),
                       "criterion_en": ctx.t("criterion"), "criterion_weight": ctx.t("weight"),
                       "criterion_weight_source": ctx.t("source"),
                       "criterion_weight_cr": ctx.t("cr")},
                      {"criterion_weight": "float3", "criterion_weight_cr": "float3"}))
    icols = [c for c in ("criterion_id", "indicator_id", "label_zh" if zh else "label_en",
                         "direction", "local_weight", "local_weight_source", "local_weight_cr",
                         "global_weight") if c in weights]
    wshow = weights[icols].copy()
    for c in ("direction", "local_weight_source"):
        if c in wshow:
            wshow[c] = wshow[c].map(ctx.tr)
    if zh and "criterion_id" in wshow:          # the criterion's name, not its code
        wshow["criterion_id"] = wshow["criterion_id"].map(lambda c: crit_label.get(c, c))
    sec.add(Table("indicator_weights", ctx.t("weights"), wshow,
                  {"criterion_id": ctx.t("criterion"), "indicator_id": "ID",
                   "label_zh": ctx.t("indicator"), "label_en": ctx.t("indicator"),
                   "direction": "direction" if not zh else "方向",
                   "local_weight": "local" if not zh else "层内权重",
                   "local_weight_source": ctx.t("source"), "local_weight_cr": "CR",
                   "global_weight": "global" if not zh else "全局权重"},
                  {"local_weight": "float3", "local_weight_cr": "float3",
                   "global_weight": "float3"}))
    facts = []
    if prov.get("ri_table"):
        facts.append(f"RI: {prov.get('ri_table')} — {prov.get('ri_source', '')}")
    if prov.get("max_cr") is not None:
        facts.append(f"max CR {prov.get('max_cr')}; AHP {prov.get('ahp_method', '?')}")
    gw = prov.get("goal_weights", {})
    if gw:
        facts.append(f"criterion weights: {gw.get('method', '?')}"
                     + (f", alpha = {gw['alpha']}" if "alpha" in gw else ""))
    facts.extend(str(c) for c in prov.get("conventions", []))
    if facts:
        sec.add(Bullets([ctx.tr(f) for f in facts]))
    sections.append(sec)

    # -------------------------------------------------------------- stability
    rob = manifest.get("robustness") or prov.get("robustness") or {}
    if "mean_rank" in scores and rob.get("mode", "none") != "none":
        sec = Section(f"{key}-stability", ctx.t("stability"))
        sec.add(Paragraph(ctx.t("stability_intro", draws=rob.get("n_draws", "?"),
                                mode=ctx.tr(rob.get("distribution", rob.get("mode", "?"))),
                                seed=rob.get("seed", "?"))))
        n = min(ctx.top, len(scores))
        head = scores.head(n)
        rows = [f"{int(r)}. {_short(nm, 22)}" for r, nm in zip(
            head["rank"], head.get("scenario_name", head.get("scenario_id", head["rank"])),
            strict=True)]
        if {"min_rank", "max_rank"} <= set(scores.columns):
            fig = F.rank_ranges(head, rows, ctx.t("rank"))
            sec.add(F.render(fig, f"{key}_stability", ctx.t("stability"),
                             ctx.t("stability_caption", n=n)))
        scols = [c for c in scores.columns if c.startswith(("p_same_rank", "p_within_",
                                                            "p_top_"))]
        scols += [c for c in ("mean_rank", "sd_rank", "min_rank", "max_rank") if c in scores]
        sec.add(Table("rank_stability", ctx.t("stability"),
                      scores[["rank", *[c for c in ("scenario_id",) if c in scores], *scols]]
                      .reset_index(drop=True),
                      {"rank": ctx.t("rank"), "scenario_id": "ID",
                       "p_same_rank": ctx.t("p_same_rank"), "mean_rank": ctx.t("mean_rank"),
                       "sd_rank": "sd" if not zh else "标准差",
                       "min_rank": "min" if not zh else "最好", "max_rank": "max" if not zh
                       else "最差",
                       **{c: (f"P(±{c[9:]})" if not zh else f"±{c[9:]} 名内概率")
                          for c in scols if c.startswith("p_within_")},
                       **{c: (f"P(top {c[6:]})" if not zh else f"进入前 {c[6:]} 名概率")
                          for c in scols if c.startswith("p_top_")}},
                      {"rank": "int", **{c: "pct" for c in scols if c.startswith("p_")},
                       "mean_rank": "float1", "sd_rank": "float2", "min_rank": "int",
                       "max_rank": "int"}, max_rows=ctx.top))
        sections.append(sec)
    return sections


def provenance(folder: Path, manifest: dict[str, Any], ctx: Context) -> dict[str, Any]:
    inputs = manifest.get("inputs", {})
    data = inputs.get("data", {})
    ind = inputs.get("indicators", {})
    args = inputs.get("arguments", {})
    cmd = ["changjing", "evaluate", "score", str(data.get("file", "DATA.csv")),
           "--indicators", str(ind.get("file", "INDICATORS.toml")), "--out", folder.name,
           "--seed", str(manifest.get("seed", 0))]
    if data.get("sheet"):
        cmd += ["--sheet", str(data["sheet"])]
    for opt in ("method", "draws", "robustness"):
        if args.get(opt) is not None:
            cmd += [f"--{opt}", str(args[opt])]
    return {
        "kind": "changjing.score",
        "name": manifest.get("system", {}).get("id"),
        "hashes": {"data_sha256": data.get("sha256"), "indicators_sha256": ind.get("sha256")},
        "seeds": {"seed": manifest.get("seed")},
        "versions": {"changjing": manifest.get("version")},
        "inputs": {"data": data.get("file"), "indicators": ind.get("file"),
                   "method": manifest.get("method")},
        "reproduce": [" ".join(shlex.quote(c) for c in cmd)],
    }


