"""Generate the SYNTHETIC sample table of completed scenarios (completed_scenarios.csv).

Nothing here is real data.  The table imitates what an evaluator of the Qingdao
scenario-innovation programme keeps for the tracking-and-evaluation stage (跟踪评估): one row
per completed scenario with owner, domain, zone, supplier, dates, funding, investment and
outcome indicators.  Magnitudes are loosely scaled to the programme facts in
scenarios_data/programme.toml (about 130 certified scenario labs and close to 90 million yuan of
support by 2026, i.e. well under 1 million yuan per scenario; TRL on the national 1–9 scale).

Each scenario has a latent "quality" q ~ N(0, 1); outcomes rise with q plus independent
noise, so indicators are positively but imperfectly correlated, as in real portfolios.
A few cells are deliberately left empty (satisfaction survey not run, patents not reported)
and many outcomes are zero (no procurement after the trial, no firm attracted), so that the
missing-value policy and zero-robust weighting are exercised.

Run from anywhere (deterministic: same seed -> byte-identical CSV):

    python scenarios_data/sample/make_completed_scenarios.py [--seed 20260416] [--n 150]

This script does not use the simulator (changjing.simulate); it needs numpy and pandas.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

DOMAINS = ["产业强链", "科技创新", "消费升级", "民生提质", "绿色转型", "智慧治理"]
ZONES = [
    "科创大走廊",
    "海上看青岛",
    "青岛港区",
    "海上新能源基地",
    "虚拟现实产业园",
    "机器人训练场",
    "东方影都",
    "历史城区",
    "其他区域",
]
OWNER_TYPES = ["政府部门", "国有企业", "链主企业"]
SUPPLIER_TYPES = ["中小企业", "高校院所", "大型企业"]
TOPICS = {
    "产业强链": ["工业互联网质检", "柔性制造C2M", "智能家电数字家庭", "特种轮胎检测"],
    "科技创新": ["中试验证平台", "联合研发开放平台", "海洋药物筛选", "合成生物中试"],
    "消费升级": ["沉浸式文旅体验", "智慧商圈", "低空观光", "影视科技体验"],
    "民生提质": ["AI辅助诊断", "智慧养老", "智慧教育", "社区健康监测"],
    "绿色转型": ["海上风电运维", "氢能重卡示范", "光伏巡检无人机", "海水淡化监测"],
    "智慧治理": ["车路协同信号", "城市云脑", "应急无人机巡查", "智慧港口调度"],
}


def make(n: int = 150, seed: int = 20260416) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    q = rng.normal(size=n)  # latent scenario quality
    domain = rng.choice(DOMAINS, size=n)
    zone = rng.choice(ZONES, size=n, p=[0.16, 0.08, 0.12, 0.10, 0.08, 0.10, 0.08, 0.10, 0.18])
    owner_type = rng.choice(OWNER_TYPES, size=n, p=[0.45, 0.30, 0.25])
    supplier_type = rng.choice(SUPPLIER_TYPES, size=n, p=[0.60, 0.25, 0.15])
    batch = rng.integers(1, 7, size=n)
    start = pd.Timestamp("2024-03-01") + pd.to_timedelta(rng.integers(0, 480, size=n), unit="D")
    months = rng.integers(6, 19, size=n)
    end = start + pd.to_timedelta(months * 30, unit="D")

    funding = np.round(np.exp(rng.normal(3.9 + 0.15 * q, 0.55)), 1)  # 万元, ~50 median
    investment = np.round(funding * np.exp(rng.normal(0.9 + 0.25 * q, 0.45)), 1)
    trl_before = np.clip(np.round(rng.normal(4.5, 1.1, size=n)), 2, 7).astype(int)
    gain = np.clip(np.round(rng.normal(1.4 + 0.6 * q, 0.8)), 0, 9 - trl_before).astype(int)
    trl_after = trl_before + gain
    tech = rng.poisson(np.exp(0.3 + 0.35 * q))
    adoptions = 1 + rng.poisson(np.exp(0.8 + 0.5 * q))  # the pilot site counts
    proc = np.where(
        rng.random(n) < 1 / (1 + np.exp(-(q - 0.2) * 1.5)),
        np.round(np.exp(rng.normal(4.2 + 0.6 * q, 0.8)), 1),
        0.0,
    )  # 万元
    revenue = np.round(np.exp(rng.normal(5.0 + 0.7 * q, 0.9)), 1)  # 万元
    jobs = rng.poisson(np.exp(1.3 + 0.4 * q))
    patents = rng.poisson(np.exp(0.2 + 0.45 * q)).astype(float)
    firms_served = rng.poisson(np.exp(1.6 + 0.4 * q))
    firms_attracted = rng.poisson(np.exp(-0.8 + 0.6 * q))
    users = np.round(np.exp(rng.normal(4.0 + 0.5 * q, 0.7))).astype(int)
    satisfaction = np.round(np.clip(rng.normal(78 + 6 * q, 7), 40, 99), 1)
    iterations = np.clip(rng.poisson(3.5 + 0.8 * q), 0, 12)
    replication = rng.poisson(np.exp(-0.2 + 0.6 * q))
    standards = rng.poisson(np.exp(-1.2 + 0.5 * q))

    satisfaction[rng.random(n) < 0.06] = np.nan  # survey not run
    patents[rng.random(n) < 0.05] = np.nan  # not reported

    frame = pd.DataFrame(
        {
            "scenario_id": [f"QD-SC-{i + 1:03d}" for i in range(n)],
            "scenario_name": [
                f"{zone[i]}·{rng.choice(TOPICS[domain[i]])}场景 {i + 1:03d}（合成）"
                for i in range(n)
            ],
            "owner_type": owner_type,
            "domain": domain,
            "zone": zone,
            "supplier": [f"供应方-{rng.integers(100, 999)}" for _ in range(n)],
            "supplier_type": supplier_type,
            "batch": batch,
            "start_date": start.strftime("%Y-%m-%d"),
            "end_date": end.strftime("%Y-%m-%d"),
            "funding_wan_yuan": funding,
            "investment_wan_yuan": investment,
            "trl_before": trl_before,
            "trl_after": trl_after,
            "technologies_promoted": tech,
            "adoptions": adoptions,
            "procurement_after_trial_wan_yuan": proc,
            "revenue_wan_yuan": revenue,
            "jobs_created": jobs,
            "patents_filed": patents,
            "firms_served": firms_served,
            "firms_attracted": firms_attracted,
            "user_participants": users,
            "user_satisfaction": satisfaction,
            "iteration_cycles": iterations,
            "replication_sites": replication,
            "standards_drafted": standards,
        }
    )
    return frame


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=20260416)
    ap.add_argument("--n", type=int, default=150)
    ap.add_argument("--out", default=str(Path(__file__).with_name("completed_scenarios.csv")))
    args = ap.parse_args()
    frame = make(args.n, args.seed)
    frame.to_csv(args.out, index=False, encoding="utf-8", lineterminator="\n", float_format="%.10g")
    print(f"wrote {len(frame)} synthetic scenarios to {args.out}")


if __name__ == "__main__":
    main()
