"""Report labels in Chinese and English.

Programme terms (the 十百千 targets, the five lifecycle stages, funding instruments) are read
from ``scenarios_data/programme.toml`` where it defines them, so the report uses the same words
as the rest of the project; everything else is the table below.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from importlib import resources

LANGS = ("zh", "en")

# key: (zh, en)
TEXT: dict[str, tuple[str, str]] = {
    "report_title": ("场景创新政策分析报告", "Scenario-innovation policy report"),
    "contents": ("目录", "Contents"),
    "generated": ("报告日期", "Report date"),
    "inputs": ("输入", "Inputs"),
    "warnings": ("提示", "Warnings"),
    "lang_fallback": ("未找到中文字体，报告改用英文。",
                      "No CJK font found: the report falls back to English."),
    # sweep
    "sweep": ("批量模拟实验", "Policy experiment (sweep)"),
    "exec_summary": ("摘要", "Executive summary"),
    "targets_table": ("各方案达成“十百千”目标的概率（95% Wilson 区间）",
                      "Probability of reaching each 十百千 target by the end (95 % Wilson interval)"),
    "all_targets": ("四项全部达成", "All four"),
    "arm": ("方案", "Arm"),
    "target": ("目标", "Target"),
    "cheapest": ("达到概率要求的最低花费方案", "Cheapest arm that reaches the stated probability"),
    "cheapest_none": ("没有方案以不低于 {p} 的概率达成“{t}”；概率最高的是 {arm}（{best}）。",
                      "No arm reaches “{t}” with probability ≥ {p}; the best is {arm} ({best})."),
    "cheapest_one": ("以不低于 {p} 的概率达成“{t}”的最低花费方案是 {arm}：概率 {prob}"
                     "（{lo}–{hi}），平均支出 {spent}。",
                     "The cheapest arm that reaches “{t}” with probability ≥ {p} is {arm}: "
                     "probability {prob} ({lo}–{hi}), mean spending {spent}."),
    "recommend_one": ("方案 {arm}（平均支出 {spent}）达成“{t}”的概率为 {prob}（95% 区间 {lo}–{hi}）；"
                      "在所有试验方案中，它是区间下限仍不低于 {p} 的最低花费方案。",
                      "With arm {arm} (mean spending {spent}) the programme reaches “{t}” with "
                      "probability {prob} ({lo}–{hi}); it is the cheapest swept arm whose lower "
                      "bound clears {p}."),
    "recommend_none": ("没有一个试验方案能以足够把握（区间下限不低于 {p}）达成“{t}”；概率最高的是 "
                       "{arm}：{prob}（{lo}–{hi}）。",
                       "No swept arm reaches “{t}” with enough confidence (lower bound ≥ {p}); "
                       "the best is {arm}: {prob} ({lo}–{hi})."),
    "recommend_point": ("方案 {arm} 的点估计 {prob} 已达到 {p}，但区间下限只有 {lo}，运行次数不足以确认；"
                        "增加重复次数可以判断。",
                        "Arm {arm}'s point estimate {prob} reaches {p} but its lower bound is "
                        "only {lo}: too few runs to be sure; more replications would tell."),
    "recommend_driver": ("对“{t}”影响最大的假设是 {param}（{index} = {value}）。",
                         "The assumption that matters most for “{t}” is {param} ({index} = "
                         "{value})."),
    "unfinished": ("本实验尚未完成：计划 {planned} 次运行，已完成 {done} 次（{share}）；以下结果只基于已完成的运行，"
                   "再次运行同一条 changjing sweep 命令即可继续。",
                   "This sweep is unfinished: {done} of {planned} runs ({share}); every result "
                   "below uses the finished runs only — run the same changjing sweep command "
                   "again to continue."),
    "single_run_caveat": ("这是单次模拟运行：结果取决于这一个随机种子，没有不确定性区间；判断政策效果请用多次重复的批量实验"
                          "（changjing sweep）。",
                          "This is a single simulation run: its numbers depend on one random "
                          "seed and carry no uncertainty band; to judge a policy use a sweep "
                          "with replications (changjing sweep)."),
    "assumptions_table": ("达成目标的概率：基准参数下与考虑参数不确定性后",
                          "Probability of reaching the targets: at baseline parameters and over "
                          "the assumptions"),
    "at_baseline": ("基准参数下", "At baseline parameters"),
    "over_assumptions": ("考虑参数不确定性", "Over the assumptions"),
    "assumptions_intro": ("本实验对 {n} 个假设参数（{names}）取不同数值。“基准参数下”只用参数取基础配置值的运行，"
                          "“考虑参数不确定性”用全部参数点的运行；两者差距大，说明结论依赖这些假设。",
                          "This sweep varies {n} assumptions ({names}). “At baseline parameters” "
                          "uses only the runs with every assumption at the base configuration's "
                          "value; “over the assumptions” uses the runs at every design point. A "
                          "large gap means the conclusion rests on those assumptions."),
    "inferred_title": ("由校准推断的参数", "Parameters inferred by calibration"),
    "inferred_intro": ("下列基准参数不是已知数，而是用 2024-03 至 2026-03 的项目记录校准得到的估计值"
                       "（后验中位数及 90% 区间）；“今天的资金”等说法都以这些估计为前提。",
                       "These baseline parameters are not known: they are estimates calibrated "
                       "to the programme's record of 2024-03 to 2026-03 (posterior median, 90 % "
                       "interval). Statements about “today's funding” rest on these estimates."),
    "inferred_col_key": ("参数", "Parameter"),
    "inferred_col_unit": ("单位", "Unit"),
    "inferred_col_value": ("本报告所用数值", "Value used here"),
    "inferred_col_ci": ("校准 90% 区间", "Calibrated 90 % interval"),
    "inferred_col_status": ("来源", "Status"),
    "inferred_yes": ("推断值（校准）", "inferred (calibration)"),
    "inferred_no": ("本实验另行设定", "set by this experiment"),
    "no_baseline_point": ("设计中没有参数全部取基础配置值的点，无法给出基准参数下的概率。",
                          "The design has no point with every assumption at the base "
                          "configuration's value, so the baseline-parameter probability is not "
                          "available."),
    "impact_summary": ("结论：{outcome} 的平均处理效应估计为 {est}（95% 区间 {lo} 至 {hi}，p = {p}）。",
                       "In short: the estimated average effect on {outcome} is {est} (95 % "
                       "interval {lo} to {hi}, p = {p}). "),
    "impact_sig": ("区间不包含 0：在 5% 水平上效应显著为{sign}。",
                   "The interval excludes 0: at the 5 % level the effect is {sign}. "),
    "impact_nosig": ("区间包含 0：数据不能排除没有效应。",
                     "The interval includes 0: the data cannot rule out no effect. "),
    "positive": ("正", "positive"), "negative": ("负", "negative"),
    "pretrend_ok": ("平行趋势检验 p = {p}，未发现处理前的趋势差异，支持这一设计。",
                    "The pre-trend test (p = {p}) finds no difference before treatment, which "
                    "supports the design. "),
    "pretrend_bad": ("平行趋势检验 p = {p}：处理前已有趋势差异，估计可能有偏，结论需谨慎。",
                     "The pre-trend test (p = {p}) finds a difference before treatment: the "
                     "estimate may be biased; read it with care. "),
    "balance_ok": ("匹配后协变量的最大标准化均差为 {smd}（低于 0.1），处理组与对照组可比。",
                   "After matching the largest standardised mean difference is {smd} (below "
                   "0.1): the groups are comparable. "),
    "balance_bad": ("匹配后协变量的最大标准化均差为 {smd}（不低于 0.1），两组仍不完全可比，结论需谨慎。",
                    "After matching the largest standardised mean difference is still {smd} "
                    "(0.1 or more): the groups are not fully comparable; read with care. "),
    "sweep_intro": ("实验“{name}”：{arms} 个方案 × {points} 个参数点 × {reps} 次重复，"
                    "共 {runs} 次运行（完成 {ok}，失败 {failed}）。基准方案：{base}。",
                    "Experiment “{name}”: {arms} arms × {points} design points × {reps} "
                    "replications = {runs} runs ({ok} finished, {failed} failed). "
                    "Baseline arm: {base}."),
    "failed_runs": ("{n} 次运行失败，未计入统计；详见工作簿的 runs 表。",
                    "{n} run(s) failed and are left out of every statistic; see the runs sheet."),
    "probability": ("概率", "Probability"),
    "interval": ("区间", "Interval"),
    "lower_bound": ("下限", "lower bound"),
    "mean_spent": ("平均支出（元）", "Mean spending (yuan)"),
    "trajectories": ("指标轨迹（均值与 5%–95% 区间）", "Indicator trajectories (mean, 5–95 % band)"),
    "trajectories_caption": ("实线为各方案均值，阴影为 5%–95% 分位区间，虚线为目标值。",
                             "Lines: mean over runs of each arm; shaded: 5–95 % of runs; "
                             "dashed: the target."),
    "run_traj_caption": ("实线为本次运行的指标值，虚线为目标值。",
                         "Line: the run's value; dashed: the target."),
    "final_values": ("期末值", "Values at the end of the horizon"),
    "funnel": ("全周期漏斗：场景在哪里流失、在哪里等待",
               "Lifecycle funnel: where scenarios are lost and where they wait"),
    "funnel_caption": ("每个环节：进入的场景中进入下一环节、失败退出、期末仍在等待的平均数量。",
                       "Each stage: of the scenarios that entered it, the mean number that moved "
                       "on, failed, or were still waiting at the end."),
    "budget": ("资金使用与单位成本", "Budget use and cost per indicator"),
    "budget_caption": ("期末累计支出，按资金工具分列（各方案运行均值）。",
                       "Money paid out by the end, by instrument (mean over the runs of each "
                       "arm)."),
    "cost_table": ("单位成本（元/单位，平均支出 ÷ 平均指标值）",
                   "Cost per unit (yuan; mean spending ÷ mean indicator value)"),
    "paired": ("与基准方案的配对差异", "Paired differences against the baseline"),
    "paired_caption": ("同一随机种子下各方案期末值减去基准方案期末值的均值，误差线为 95% 配对 t 区间。",
                       "Mean over seed pairs of the arm's final value minus the baseline's; "
                       "bars: 95 % paired-t interval."),
    "sensitivity": ("敏感性排序", "Sensitivity ranking"),
    "sensitivity_caption": ("Sobol 一阶指数 S1 与总效应指数 ST（误差线为 95% 自助法区间半宽）。",
                            "Sobol' first-order S1 and total-order ST indices (bars: 95 % "
                            "bootstrap half-width)."),
    "morris_caption": ("Morris 筛选：μ*（平均绝对基本效应），误差线为 95% 区间。",
                       "Morris screening: μ* (mean absolute elementary effect); bars: 95 %."),
    "sensitivity_none": ("本实验的设计不是 Sobol 或 Morris 设计，无法给出敏感性排序。",
                         "This experiment's design is not a Sobol' or Morris design, so no "
                         "sensitivity ranking is computed."),
    "sensitivity_arm": ("按基准方案 {arm} 的运行计算，同一参数点的重复取均值；种子噪声占单次运行方差的 {noise}。",
                        "Computed on the runs of the baseline arm {arm}, replications averaged "
                        "per design point; the seed's share of a single run's variance is "
                        "{noise}."),
    "discovery": ("情景发现：何时未能达成目标", "Scenario discovery: when are targets missed?"),
    "discovery_none": ("所有运行的结果相同（{what}），没有可发现的规则。",
                       "Every run has the same outcome ({what}); there is no rule to find."),
    "discovery_intro": ("用 PRIM（Friedman & Fisher 1999）在方案杠杆和不确定参数中寻找"
                        "“四项目标未全部达成”的运行集中区域。",
                        "PRIM (Friedman & Fisher 1999) searches the levers and uncertain "
                        "parameters for a region where runs miss at least one target."),
    "missed_label": ("至少一项目标未达成", "at least one target is missed"),
    "missed_label_one": ("“{t}”未达成", "“{t}” is missed"),
    # run
    "run": ("单次模拟", "Single simulation run"),
    "run_intro": ("运行“{name}”：{start} 起 {months} 个月，随机种子 {seed}。",
                  "Run “{name}”: {months} months from {start}, seed {seed}."),
    "run_summary": ("期末“十百千”指标与目标", "十百千 indicators at the end against the targets"),
    "indicator": ("指标", "Indicator"),
    "value": ("数值", "Value"),
    "share": ("完成比例", "Share of target"),
    "reached": ("是否达成", "Reached"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "stage": ("环节", "Stage"),
    "entered": ("进入", "Entered"),
    "moved_on": ("进入下一环节", "Moved on"),
    "failed": ("失败退出", "Failed"),
    "waiting": ("期末等待", "Waiting at end"),
    "months": ("平均停留（月）", "Mean months spent"),
    "attrition": ("流失率", "Attrition"),
    "instrument": ("资金工具", "Instrument"),
    "appropriated": ("已安排（元）", "Appropriated (yuan)"),
    "committed": ("已承诺（元）", "Committed (yuan)"),
    "spent": ("已支出（元）", "Spent (yuan)"),
    "budget_over_time": ("累计支出随时间变化", "Cumulative spending over time"),
    "yuan_per_unit": ("元/单位", "Yuan per unit"),
    "month": ("月份", "Month"),
    "step": ("步", "Step"),
    # scoring
    "scoring": ("已完成场景评分", "Scoring of completed scenarios"),
    "scoring_intro": ("指标体系“{system}”（{version}），方法 {method}；评分 {scored} 个场景，排除 {excluded} 个；"
                      "缺失值处理：{missing}。",
                      "Indicator system “{system}” ({version}), method {method}; {scored} "
                      "scenarios scored, {excluded} excluded; missing values: {missing}."),
    "ranking": ("排名与等级", "Ranking and grades"),
    "ranking_more": ("此处列出前 {n} 名；完整排名见工作簿。",
                     "The top {n} are shown; the workbook has the full ranking."),
    "rank": ("排名", "Rank"),
    "scenario": ("场景", "Scenario"),
    "score": ("得分", "Score"),
    "grade": ("等级", "Grade"),
    "grades_count": ("等级分布", "Grades"),
    "subscores": ("准则层得分（前 {n} 名）", "Criterion sub-scores (top {n})"),
    "subscores_caption": ("各准则得分（0–100），颜色越深得分越高。",
                          "Score on each criterion (0–100); darker is higher."),
    "weights": ("权重及其来源", "Weights and their provenance"),
    "criterion": ("准则", "Criterion"),
    "weight": ("权重", "Weight"),
    "source": ("来源", "Source"),
    "cr": ("一致性比率 CR", "Consistency ratio CR"),
    "stability": ("排名稳定性", "Rank stability"),
    "stability_caption": ("权重扰动下各场景的排名：圆点为平均排名，横条为最好–最差范围，竖线为原排名（前 {n} 名）。",
                          "Rank under perturbed weights: dot = mean rank, bar = best to worst "
                          "rank, tick = rank with the stated weights (top {n})."),
    "stability_intro": ("{draws} 次权重扰动（{mode}，种子 {seed}）。",
                        "{draws} weight draws ({mode}, seed {seed})."),
    "p_same_rank": ("保持原排名的概率", "P(same rank)"),
    "mean_rank": ("平均排名", "Mean rank"),
    "rank_range": ("排名范围", "Rank range"),
    # impact
    "impact": ("政策效果评估", "Impact evaluation"),
    "estimates": ("估计结果", "Estimates"),
    "estimate": ("估计值", "Estimate"),
    "design": ("设计说明", "Design"),
    "diagnostics": ("诊断", "Diagnostics"),
    "impact_figure": ("图", "Figure"),
    "not_causal": ("这是描述性比较，不是因果效应。",
                   "This is a descriptive comparison, not a causal effect."),
    # provenance
    "provenance": ("来源与复现", "Provenance and how to reproduce"),
    "reproduce": ("复现命令", "Reproduce with"),
    "this_report": ("本报告", "This report"),
    "kind": ("类型", "Kind"),
    "folder": ("文件夹", "Folder"),
    "hash": ("哈希", "Hash"),
    "seed": ("随机种子", "Seed"),
    "versions": ("软件版本", "Versions"),
    "period": ("模拟期", "Simulated period"),
    "config": ("配置", "Configuration"),
}


def text(key: str, lang: str, **fmt: object) -> str:
    zh, en = TEXT[key]
    s = zh if lang == "zh" else en
    return s.format(**fmt) if fmt else s


@lru_cache(maxsize=1)
def programme() -> dict:
    ref = resources.files("changjing.scenarios_data").joinpath("programme.toml")
    return tomllib.loads(ref.read_text(encoding="utf-8"))


_INSTRUMENTS = {"lab_grants": ("场景实验室资助", "Lab grants"),
                "pilot_subsidies": ("试点补贴", "Pilot subsidies"),
                "matchmaking": ("供需对接活动", "Matchmaking"),
                "attraction": ("招商引企激励", "Attraction incentives")}
_INDICATORS = {"budget_spent_yuan": ("累计支出（元）", "Money spent (yuan)"),
               "adopters": ("采用企业数", "Adopting firms"),
               "scenarios_released": ("发布场景数", "Scenarios released"),
               "demonstrations": ("示范成功数", "Successful demonstrations"),
               "pilots_started": ("启动试点数", "Pilots started"),
               "scenarios_submitted": ("征集场景数", "Scenarios submitted"),
               "all_targets": ("四项全部达成", "All four targets")}


def label(code: str, lang: str) -> str:
    """A programme term (target, stage, domain, zone, instrument, indicator) in ``lang``."""
    prog = programme()
    i = 0 if lang == "zh" else 1
    t = prog.get("targets", {}).get(code)
    if isinstance(t, dict) and "zh" in t:
        return t["zh"] if lang == "zh" else t["en"]
    for group in ("stages", "domains", "zones"):
        for item in prog.get(group, []):
            if item.get("code") == code:
                return item["zh"] if lang == "zh" else item["en"]
    for table in (_INSTRUMENTS, _INDICATORS):
        if code in table:
            return table[code][i]
    return code


def target_codes() -> list[str]:
    return [k for k, v in programme().get("targets", {}).items() if isinstance(v, dict)]


# ---------------------------------------------------------------- terms of the analyses
# Method names, option values and table columns that the evaluate/simulate outputs write as
# codes; a Chinese report shows them in Chinese (the workbook keeps the codes).
TERMS: dict[str, tuple[str, str]] = {
    # scoring methods and options
    "topsis": ("TOPSIS 逼近理想解排序法", "TOPSIS"),
    "weighted_sum": ("线性加权法", "weighted sum"), "wsm": ("线性加权法", "weighted sum"),
    "vikor": ("VIKOR 折衷排序法", "VIKOR"), "grey": ("灰色关联分析", "grey relational"),
    "ahp": ("层次分析法", "AHP"), "group-ahp": ("群组层次分析法", "group AHP"),
    "entropy": ("熵权法", "entropy"), "critic": ("CRITIC 法", "CRITIC"),
    "fixed": ("给定权重", "fixed"), "std": ("标准差法", "standard deviation"),
    "combined": ("组合赋权", "combined"), "combined-linear": ("线性组合赋权", "linear combination"),
    "multiplicative": ("乘法合成", "multiplicative"), "linear": ("线性", "linear"),
    "experts": ("位专家", "experts"), "benefit": ("效益型", "benefit"),
    "cost": ("成本型", "cost"), "interval": ("区间型", "interval"), "target": ("目标型", "target"),
    "renormalise": ("按剩余指标重新归一", "renormalise"), "exclude": ("排除该场景", "exclude"),
    "zero": ("按零计", "zero"), "saaty": ("Saaty 表", "Saaty"), "eigen": ("特征向量法", "eigen"),
    "geometric": ("几何平均法", "geometric"), "dirichlet": ("狄利克雷扰动", "Dirichlet"),
    "concentration": ("集中度", "concentration"), "weights": ("权重", "weights"),
    "alpha": ("α", "alpha"),
    "aij": ("集结判断矩阵", "aggregated judgements"), "aip": ("集结各专家权重", "aggregated priorities"),
    # impact designs and columns
    "psm": ("倾向得分匹配", "PSM"), "match": ("匹配", "matching"), "did": ("双重差分", "DiD"),
    "staggered": ("交错双重差分", "staggered DiD"), "sc": ("合成控制", "synthetic control"),
    "scm": ("合成控制", "synthetic control"), "event_study": ("事件研究", "event study"),
    "term": ("项", "term"), "estimate": ("估计值", "estimate"), "std_error": ("标准误", "SE"),
    "conf_low": ("95% 下限", "95% low"), "conf_high": ("95% 上限", "95% high"),
    "p_value": ("p 值", "p"), "statistic": ("统计量", "statistic"), "covariate": ("协变量",
                                                                               "covariate"),
    "mean_treated": ("处理组均值（匹配前）", "mean treated (before)"),
    "mean_control": ("对照组均值（匹配前）", "mean control (before)"),
    "smd_before": ("标准化均差（匹配前）", "SMD before"),
    "var_ratio_before": ("方差比（匹配前）", "variance ratio before"),
    "mean_treated_after": ("处理组均值（匹配后）", "mean treated (after)"),
    "mean_control_after": ("对照组均值（匹配后）", "mean control (after)"),
    "smd_after": ("标准化均差（匹配后）", "SMD after"),
    "var_ratio_after": ("方差比（匹配后）", "variance ratio after"),
    "event_time": ("相对处理期", "event time"), "period": ("期", "period"),
    "group": ("组", "group"), "time": ("时期", "time"), "unit": ("单元", "unit"),
    "weight": ("权重", "weight"), "n_obs": ("观测数", "observations"),
    "matched treated": ("匹配的处理单元数", "matched treated"),
    "distinct matched controls": ("被匹配的不同对照单元数", "distinct matched controls"),
    "max reuse of one control": ("单个对照的最多重复使用次数", "max reuse of one control"),
    # provenance
    "name": ("名称", "name"), "git commit": ("代码版本（git）", "git commit"),
    "months": ("个月", "months"), "quasi-p": ("拟 p 值", "quasi-p"),
    "data": ("数据", "data"), "indicators": ("指标体系", "indicators"),
    "method": ("方法", "method"), "file": ("文件", "file"), "rows": ("行数", "rows"),
    "experiment_hash": ("实验哈希", "experiment hash"), "config_hash": ("配置哈希", "config hash"),
    "data_sha256": ("数据 SHA-256", "data SHA-256"),
    "indicators_sha256": ("指标体系 SHA-256", "indicators SHA-256"),
    "input_sha256": ("输入 SHA-256", "input SHA-256"),
    "root_seed": ("根种子", "root seed"), "seed_rule": ("种子规则", "seed rule"),
    "seed": ("种子", "seed"), "seed_use": ("种子用法", "seed use"),
}

# Sentences the libraries write in English, as patterns with their Chinese rendering.
PHRASES: list[tuple[str, str]] = [
    (r"run seed = SeedSequence\(root_seed, spawn_key=\(point, replication\)\), the same for "
     r"every arm \(common random numbers\)",
     "每次运行的种子 = SeedSequence(root_seed, spawn_key=(参数点, 重复序号))，各方案相同（共同随机数）"),
    (r"numpy SeedSequence\(seed, spawn_key=\(crc32\(stream name\),\)\) per process; Mesa's own "
     r"generators unused by the dynamics",
     "每个随机过程用 numpy SeedSequence(seed, spawn_key=(crc32(流名称),))；模型动态不使用 Mesa 自带的随机数发生器"),
    (r"(\d+)% of treated units have a propensity score above every control's \(no comparable "
     r"controls for them\)", r"\1% 的处理单元倾向得分高于所有对照单元（没有可比的对照）"),
    (r"(\d+) treated unit\(s\) had no control within the caliper and were dropped: the estimate "
     r"is the ATT of the matched treated only",
     r"\1 个处理单元在卡尺内没有对照、已剔除：估计值只是已匹配处理单元的 ATT"),
    (r"ATT \(nearest-neighbour propensity score matching, with replacement\)",
     "ATT（最近邻倾向得分匹配，有放回）"),
    (r"target/interval indicators become benefit scores in \[0, 1\] before scoring",
     "目标型、区间型指标先转换为 [0, 1] 的效益型得分再评分"),
    (r"criterion sub-scores = weighted sums of normalised indicators in the criterion",
     "准则分 = 该准则下各归一化指标的加权和"),
    (r"global weight = criterion weight x local indicator weight",
     "全局权重 = 准则权重 × 层内指标权重"),
    (r"ranks: 1 = best; ties share the best rank", "排名：1 为最好；并列者取最好名次"),
    (r"logit MLE, intercept \+ covariates", "logit 极大似然估计，含截距与协变量"),
    (r"logit propensity score", "logit 倾向得分"),
    (r"Abadie-Imbens \(2006\) matching variance, propensity score treated as known",
     "Abadie-Imbens (2006) 匹配方差，倾向得分视为已知"),
    (r"normal pointwise", "正态逐点区间"),
    (r"(\S+) \+ (\d+) months", r"\1 起 \2 个月"),
    (r"max CR ([\d.]+); AHP (\w+)", r"一致性比率上限 CR \1；层次分析法求权：\2"),
    (r"criterion weights: ", "准则权重："),
    (r"criteria ~ Dirichlet\(concentration \* criterion weights\), indicators of each "
     r"criterion ~ Dirichlet\(concentration \* local weights\); global = product",
     "准则权重 ~ 狄利克雷(集中度 × 准则权重)，各准则内指标权重 ~ 狄利克雷(集中度 × 层内权重)；"
     "全局权重 = 二者之积"),
    (r"(\d+) experts", r"\1 位专家"),
]


def term(code: object, lang: str) -> str:
    """A method name, option value or column code in ``lang`` (unknown codes unchanged)."""
    s = str(code)
    t = TERMS.get(s)
    if t is None:
        return s
    return t[0] if lang == "zh" else t[1]


def translate(text: object, lang: str) -> str:
    """A sentence or value from the analyses, with known English phrases and method codes in
    Chinese when ``lang == "zh"`` (unchanged otherwise)."""
    import re

    s = str(text)
    if lang != "zh":
        return s
    for pattern, zh in PHRASES:
        s = re.sub(pattern, zh, s)
    # remaining method codes inside compound descriptions: combined(group-ahp(3 位专家), critic)
    keys = sorted((k for k in TERMS if re.fullmatch(r"[a-z][a-z-]*[a-z]", k)), key=len,
                  reverse=True)
    pattern = r"(?<![A-Za-z_.\-])(" + "|".join(map(re.escape, keys)) + r")(?![A-Za-z_\-])"
    return re.sub(pattern, lambda m: TERMS[m.group(1)][0], s)
