"""Builders for office-style workbooks and a small indicator system used by the reader tests."""

from __future__ import annotations

import copy

from changjing.evaluate.scoring.system import parse_indicator_system

# econ: revenue (万元), investment (万元); tech: patents (个), satisfaction (%)
DOC = {
    "system": {"id": "wb", "name_zh": "工作簿测试", "name_en": "workbook test"},
    "scoring": {"method": "weighted_sum", "normalisation": "minmax", "missing": "renormalise"},
    "robustness": {"mode": "none"},
    "grades": {"cutoffs": [85, 70, 60]},
    "data": {"id_column": "scenario_id", "name_column": "scenario_name"},
    "goal": {
        "label_zh": "总目标",
        "label_en": "goal",
        "weights": {"source": "fixed", "values": {"econ": 0.5, "tech": 0.5}},
    },
    "criteria": [
        {
            "id": "econ",
            "label_zh": "经济效益",
            "label_en": "economic benefit",
            "weights": {"source": "fixed", "values": {"revenue": 0.6, "investment": 0.4}},
            "indicators": [
                {
                    "id": "revenue",
                    "label_zh": "营业收入",
                    "label_en": "revenue",
                    "unit": "万元",
                    "column": "revenue",
                    "direction": "benefit",
                    "min": 0,
                },
                {
                    "id": "investment",
                    "label_zh": "带动投资",
                    "label_en": "investment",
                    "unit": "万元",
                    "column": "investment",
                    "direction": "benefit",
                    "min": 0,
                },
            ],
        },
        {
            "id": "tech",
            "label_zh": "技术创新",
            "label_en": "innovation",
            "weights": {"source": "fixed", "values": {"patents": 0.5, "satisfaction": 0.5}},
            "indicators": [
                {
                    "id": "patents",
                    "label_zh": "专利数",
                    "label_en": "patents",
                    "unit": "个",
                    "column": "patents",
                    "direction": "benefit",
                    "min": 0,
                },
                {
                    "id": "satisfaction",
                    "label_zh": "用户满意度",
                    "label_en": "satisfaction",
                    "unit": "%",
                    "column": "satisfaction",
                    "direction": "benefit",
                    "min": 0,
                    "max": 100,
                },
            ],
        },
    ],
}

HEADER_ZH = ["编号", "场景名称", "营业收入", "带动投资", "专利数", "用户满意度"]


def system(**data):
    doc = copy.deepcopy(DOC)
    doc["data"].update(data)
    return parse_indicator_system(doc)


def weighted_sum_scores(rows):
    """Scores of rows (id, revenue, investment, patents, satisfaction) computed by hand:
    min–max per indicator over the rows, 0.5·(0.6 r + 0.4 i) + 0.5·(0.5 p + 0.5 s), ×100."""
    cols = list(zip(*[r[1:] for r in rows]))
    z = []
    for col in cols:
        lo, hi = min(col), max(col)
        z.append([(v - lo) / (hi - lo) for v in col])
    w = [0.5 * 0.6, 0.5 * 0.4, 0.5 * 0.5, 0.5 * 0.5]
    return {r[0]: 100 * sum(w[j] * z[j][i] for j in range(4)) for i, r in enumerate(rows)}


def competition_ranks(scores: dict) -> dict:
    """1 + the number of strictly better scores ("1, 2, 2, 4")."""
    vals = list(scores.values())
    return {k: 1 + sum(v > s + 1e-9 for v in vals) for k, s in scores.items()}


def simple_sheet(ws, rows, header=HEADER_ZH, start=1):
    for j, h in enumerate(header, 1):
        ws.cell(row=start, column=j, value=h)
    for i, r in enumerate(rows, start + 1):
        for j, v in enumerate(r, 1):
            ws.cell(row=i, column=j, value=v)
