"""``changjing evaluate impact``: causal impact estimates from a panel or cross-section file.

Writes into ``--out``: ``estimates.csv`` (tidy headline + detail rows), ``diagnostics_*.csv``
(balance, pre-trends, placebos, weights ...), a figure as PNG and SVG (event study, gap plot,
trends or balance), ``summary.txt`` and ``manifest.json`` (every setting, the seed, the input's
SHA-256 and each output's SHA-256; no timestamps or absolute paths, so equal inputs and seeds
give byte-identical folders).
"""

from __future__ import annotations

import argparse

DESIGNS = ("did", "twfe", "event_study", "staggered", "sun-abraham", "synth", "sdid", "dose",
           "match", "experiment", "before-after")


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "impact",
        help="estimate the causal impact of funding / scenarios (DiD, staggered, synth, matching)",
        description=(
            "Estimate the programme's causal impact from a long panel (one row per unit and "
            "period) or, for --design match, a cross-section (one row per firm)."),
    )
    parser.add_argument("panel", metavar="PANEL", help="CSV or XLSX file")
    parser.add_argument("--design", required=True, choices=DESIGNS,
                        help="did (2x2), twfe, event_study (TWFE with relative-time dummies), "
                             "staggered (Callaway & Sant'Anna), sun-abraham (Sun & Abraham "
                             "interaction-weighted event study), synth "
                             "(synthetic control), sdid (synthetic DiD), match (PSM/IPW/AIPW), "
                             "experiment (randomised: difference in means, HC2), before-after "
                             "(descriptive only)")
    parser.add_argument("--unit", help="unit id column (firm, zone ...)")
    parser.add_argument("--time", help="period column (numbers: years or 1..T)")
    parser.add_argument("--outcome", required=True, help="outcome column")
    parser.add_argument("--treated-from", dest="treated_from",
                        help="first treated period per unit (empty or 0 = never)")
    parser.add_argument("--treated", help="0/1 treatment column (per row; for match: per firm)")
    parser.add_argument("--covariates", nargs="+", default=[], metavar="COL",
                        help="covariates (conditional parallel trends, propensity score, "
                             "synth predictors)")
    parser.add_argument("--control", choices=("never", "notyet", "last"), default="never",
                        help="staggered: never | notyet (not yet treated); sun-abraham: never "
                             "| last (last-treated cohort); default never treated")
    parser.add_argument("--method", default=None,
                        help="staggered: dr (traditional DR, default) | dr_imp (improved DR) | "
                             "ipw | reg;  match: psm (default) | ipw | aipw")
    parser.add_argument("--cluster", help="cluster column (default: unit)")
    parser.add_argument("--vcov", choices=("auto", "iid", "HC1", "cluster", "wild"),
                        default="auto",
                        help="did/twfe: standard errors - iid, HC1, cluster (CR1) or wild "
                             "(cluster-robust SE, wild cluster bootstrap p-value and interval)")
    parser.add_argument("--inference", choices=("auto", "analytic", "wild", "randomization"),
                        default=None,
                        help="did/twfe: where p-value and interval come from (default auto: "
                             "randomization below 5 treated clusters, wild bootstrap below 10 "
                             "or with < 30 clusters, else analytic)")
    parser.add_argument("--group", help="did on repeated cross-sections: 0/1 treated-group column")
    parser.add_argument("--post", help="did on repeated cross-sections: 0/1 post-period column")
    parser.add_argument("--predictors", nargs="+", default=None, metavar="COL",
                        help="synth: predictor columns averaged over the pre-period")
    parser.add_argument("--outcome-lags", dest="outcome_lags", nargs="+", type=float,
                        default=[], metavar="PERIOD",
                        help="synth: pre-period outcome values used as predictors")
    parser.add_argument("--v", dest="v_weights", choices=("identity", "optimize"),
                        default="identity", help="synth: predictor weights V")
    parser.add_argument("--donors", nargs="+", default=None, metavar="UNIT",
                        help="synth/sdid: restrict the donor pool to these units")
    parser.add_argument("--placebo-times", dest="placebo_times", nargs="+", type=float,
                        default=None, metavar="PERIOD",
                        help="synth: fake treatment dates for in-time placebos (windows)")
    parser.add_argument("--se", dest="sdid_se", choices=("placebo", "bootstrap", "jackknife",
                                                         "none"), default="placebo",
                        help="sdid: standard error method (default placebo)")
    parser.add_argument("--dose", help="dose: per-unit dose column (e.g. yuan paid; 0 = untreated)")
    parser.add_argument("--ledger", help="dose: funding ledger CSV/XLSX (scenario_id, month, "
                                         "amount); the dose is each unit's total amount")
    parser.add_argument("--per", type=float, default=10_000.0,
                        help="dose: report the effect per this many dose units (default 10000)")
    parser.add_argument("--reps", type=int, default=200,
                        help="sdid: placebo/bootstrap replications (default 200)")
    parser.add_argument("--bootstrap", type=int, default=0, metavar="N",
                        help="staggered: multiplier draws for simultaneous bands; did/twfe: wild "
                             "cluster bootstrap draws (0 = analytic only)")
    parser.add_argument("--seed", type=int, default=None, help="seed for every random draw")
    parser.add_argument("--caliper", type=float, default=None,
                        help="match/psm: caliper in SDs of the logit propensity score")
    parser.add_argument("--window", type=int, nargs=2, default=None,
                        metavar=("MIN_LEAD", "MAX_LAG"),
                        help="event_study: relative periods with a dummy, e.g. -4 3 (end points "
                             "binned; default: every observed relative period)")
    parser.add_argument("--reference", type=int, default=-1,
                        help="event_study, sun-abraham: omitted relative period (default -1)")
    parser.add_argument("--cutoff", type=float, default=None,
                        help="before-after: first 'after' period")
    parser.add_argument("--drop-incomplete", dest="drop_incomplete", action="store_true",
                        help="staggered: drop units not observed in every period (default: "
                             "refuse an unbalanced panel)")
    _add_staggered_options(parser)
    parser.add_argument("--alpha", type=float, default=0.05, help="1 - confidence level")
    honest = parser.add_argument_group(
        "sensitivity to violations of parallel trends (HonestDiD; event_study, sun-abraham, "
        "staggered)")
    honest.add_argument("--honest", choices=("rm", "sd"), default=None,
                        help="robust intervals under relative-magnitude (rm: post violations "
                             "at most MBAR x the largest pre one) or smoothness (sd: slope of "
                             "the trend difference changes by at most M per period) bounds; "
                             "writes honest_did.csv and the breakdown value")
    honest.add_argument("--mbar", nargs="+", type=float, default=None, metavar="M",
                        help="values of Mbar (rm) or M (sd, outcome units); default rm: 0 0.5 "
                             "1 1.5 2, sd: 0 to twice the breakdown value")
    honest.add_argument("--honest-target", dest="honest_target", default="first",
                        help="first (effect on impact, default), mean (average over the "
                             "post periods) or an event time")
    honest.add_argument("--honest-method", dest="honest_method", default=None,
                        choices=("C-LF", "Conditional", "FLCI"),
                        help="rm: C-LF (default, ARP hybrid) or Conditional; sd: FLCI")
    parser.add_argument("--sheet", default=None, help="Excel sheet name")
    parser.add_argument("--out", required=True, help="output folder")
    parser.add_argument("--overwrite", action="store_true", help="replace a non-empty --out")
    parser.set_defaults(func=run)


# --- staggered (Callaway & Sant'Anna att_gt / aggte) options: the R did arguments ----------
# Each maps to one keyword of impact.att_gt or impact.aggte (R equivalent in brackets); the
# table in docs/evaluate_impact.md ("Staggered DiD options and their R did equivalents").
STAGGERED_ONLY = {"weights": "--weights", "factors": "--factors", "base_period": "--base-period",
                  "anticipation": "--anticipation", "rc": "--repeated-cross-sections",
                  "unbalanced": "--allow-unbalanced-panel",
                  "bootstrap_weights": "--bootstrap-weights", "balance_e": "--balance-e",
                  "min_e": "--min-e", "max_e": "--max-e"}


def _add_staggered_options(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group(
        "staggered DiD (Callaway & Sant'Anna; R did's att_gt/aggte arguments)")
    g.add_argument("--weights", default=None, metavar="COL",
                   help="sampling weights column, constant within a unit [weightsname]")
    g.add_argument("--factors", nargs="+", default=None, metavar="COL",
                   help="covariates (also listed in --covariates) to expand as categorical "
                        "with the first level as reference [xformla = ~ factor(COL)]; text "
                        "covariates are categorical anyway")
    g.add_argument("--base-period", dest="base_period", choices=("varying", "universal"),
                   default=None, help="base period of pre-treatment cells (default varying) "
                                      "[base_period]")
    g.add_argument("--anticipation", type=int, default=None, metavar="N",
                   help="periods before treatment in which units may already react "
                        "(default 0) [anticipation]")
    g.add_argument("--repeated-cross-sections", dest="rc", action="store_true",
                   help="rows are independent observations, not a panel; --unit not needed "
                        "[panel = FALSE]")
    g.add_argument("--allow-unbalanced-panel", dest="unbalanced", action="store_true",
                   help="estimate an unbalanced panel on its observed rows "
                        "[allow_unbalanced_panel = TRUE]")
    g.add_argument("--bootstrap-weights", dest="bootstrap_weights",
                   choices=("rademacher", "mammen"), default=None,
                   help="multiplier distribution of --bootstrap (default rademacher, as R did)")
    g.add_argument("--balance-e", dest="balance_e", type=int, default=None, metavar="E",
                   help="event study on the groups observed for E periods after treatment "
                        "[aggte(balance_e)]")
    g.add_argument("--min-e", dest="min_e", type=float, default=None, metavar="E",
                   help="event study: first event time kept [aggte(min_e)]")
    g.add_argument("--max-e", dest="max_e", type=float, default=None, metavar="E",
                   help="event study: last event time kept [aggte(max_e)]")


def _staggered_kwargs(args) -> tuple[dict, dict]:
    """att_gt and aggte('dynamic') keywords from the staggered options (defaults omitted)."""
    from changjing.evaluate.errors import SpecError

    if args.design != "staggered":
        given = [flag for key, flag in STAGGERED_ONLY.items()
                 if getattr(args, key) not in (None, False)]
        if given:
            raise SpecError(f"{', '.join(given)}: staggered-DiD option(s), not for --design "
                            f"{args.design}")
        return {}, {}
    if args.anticipation is not None and args.anticipation < 0:
        raise SpecError(f"--anticipation: expected an integer >= 0, got {args.anticipation}")
    kw: dict = {"weights": args.weights, "factors": args.factors or (),
                "panel": not args.rc, "allow_unbalanced_panel": args.unbalanced}
    for key in ("base_period", "anticipation", "bootstrap_weights"):
        if getattr(args, key) is not None:
            kw[key] = getattr(args, key)
    agg: dict = {}
    if args.balance_e is not None:
        agg["balance_e"] = args.balance_e
    if args.min_e is not None:
        agg["min_e"] = args.min_e
    if args.max_e is not None:
        agg["max_e"] = args.max_e
    return kw, agg
# --- end of staggered options -------------------------------------------------------------


def _need(args, *names: str) -> None:
    from changjing.evaluate.errors import SpecError

    missing = [f"--{n.replace('_', '-')}" for n in names if getattr(args, n) in (None, "")]
    if missing:
        raise SpecError(f"--design {args.design} needs {', '.join(missing)}")


def _jsonable(value):
    import numpy as np

    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return None
        return float(f"{value:.12g}")
    return value


def _estimate(args, frame, source):
    """Run the chosen design; returns (result, extra tables, figure)."""
    import numpy as np
    from changjing.evaluate import impact
    from changjing.evaluate.errors import SpecError
    from changjing.evaluate.impact import plots

    tables: dict = {}
    treat = dict(treated_from=args.treated_from, treated=args.treated)
    design = args.design
    rc = design == "did" and args.group and args.post
    stag_kw, dyn_kw = _staggered_kwargs(args)
    if design in ("did", "twfe", "event_study", "staggered", "sun-abraham", "synth", "sdid",
                  "dose") and not rc:
        if design == "staggered" and args.rc:
            _need(args, "time")  # repeated cross-sections: rows are not traced by unit
        else:
            _need(args, "unit", "time")
        if not (args.treated_from or args.treated):
            raise SpecError(f"--design {design} needs --treated-from or --treated")
    if args.control == "last" and design != "sun-abraham":
        raise SpecError(f"--control last applies to --design sun-abraham, not {design}")
    if design == "staggered":
        method = args.method or "dr"
        res = impact.att_gt(frame, unit=args.unit, time=args.time, outcome=args.outcome,
                            covariates=args.covariates, control=args.control, method=method,
                            cluster=args.cluster, bootstrap=args.bootstrap, seed=args.seed,
                            alpha=args.alpha, drop_incomplete=args.drop_incomplete,
                            source=source, **stag_kw, **treat)
        dyn = impact.aggte(res, "dynamic", **dyn_kw)
        tables["event_study"] = dyn.table
        tables["aggregations"], details = _aggregations(impact, res, dyn)
        tables["group_effects"] = details["group"]        # ATT by cohort (first-treated)
        tables["calendar_effects"] = details["calendar"]  # ATT by calendar period
        return res, tables, plots.event_study_plot(dyn)
    if design == "sun-abraham":
        if args.method or args.bootstrap:
            raise SpecError("--method and --bootstrap do not apply to --design sun-abraham "
                            "(saturated TWFE regression, cluster-robust SEs)")
        if args.control == "notyet":
            raise SpecError("--control for --design sun-abraham: expected never or last "
                            "(the last-treated cohort), got notyet")
        res = impact.sun_abraham(frame, unit=args.unit, time=args.time, outcome=args.outcome,
                                 covariates=args.covariates, control=args.control, reference=args.reference,
                                 cluster=args.cluster, alpha=args.alpha, source=source,
                                 **treat)
        return res, tables, plots.event_study_plot(
            res, title="Sun & Abraham: interaction-weighted effects by periods since treatment")
    if design == "event_study":
        if not args.treated_from:
            raise SpecError("--design event_study needs --treated-from (first treated period; "
                            "empty or 0 = never treated)")
        if args.method or args.bootstrap:
            raise SpecError("--method and --bootstrap do not apply to --design event_study")
        res = impact.twfe_event_study(frame, unit=args.unit, time=args.time,
                                      outcome=args.outcome, treated_from=args.treated_from,
                                      covariates=args.covariates, cluster=args.cluster,
                                      window=args.window, reference=args.reference,
                                      alpha=args.alpha, source=source)
        return res, tables, plots.event_study_plot(
            res, title="TWFE event study: coefficients by periods since treatment")
    if design in ("did", "twfe"):
        if args.method:
            raise SpecError(f"--method applies to staggered and match designs, not {design}")
        vcov = {"auto": "auto", "iid": "iid", "HC1": "HC1", "cluster": "CR1",
                "wild": "CR1"}[args.vcov]
        inference = args.inference or ("wild" if args.vcov == "wild" else "auto")
        inf_kw = dict(vcov=vcov, inference=inference, seed=args.seed or 0,
                      n_boot=args.bootstrap or 999)
        if rc:
            res = impact.did_2x2(frame, outcome=args.outcome, group=args.group, post=args.post,
                                 covariates=args.covariates, cluster=args.cluster,
                                 alpha=args.alpha, source=source, **inf_kw)
            return res, tables, None
        if design == "did":
            if not args.treated_from:
                raise SpecError("--design did needs --treated-from (one common treatment date)"
                                ", or --group and --post for repeated cross-sections")
            res = impact.did_2x2(frame, outcome=args.outcome, unit=args.unit, time=args.time,
                                 treated_from=args.treated_from, covariates=args.covariates,
                                 cluster=args.cluster, alpha=args.alpha, source=source,
                                 **inf_kw)
        else:
            res = impact.twfe(frame, unit=args.unit, time=args.time, outcome=args.outcome,
                              covariates=args.covariates, cluster=args.cluster,
                              alpha=args.alpha, source=source, **inf_kw, **treat)
        if args.bootstrap and inference != "wild":
            wcb = impact.wild_cluster_bootstrap(
                frame, unit=args.unit, time=args.time, outcome=args.outcome,
                covariates=args.covariates, cluster=args.cluster, n_boot=args.bootstrap,
                seed=args.seed, alpha=args.alpha, source=source, **treat)
            tables["wild_cluster_bootstrap"] = wcb.tidy().assign(
                p_value=wcb.p_value, ci_type=wcb.ci_type)
            res.warnings.extend(w for w in wcb.warnings if w not in res.warnings)
        panel = impact.prepare_panel(frame, unit=args.unit, time=args.time,
                                     outcome=args.outcome, source=source, balanced=False,
                                     **treat)
        ever = panel.treated_mask
        if design == "twfe" and len(np.unique(panel.first_treated[ever])) > 1:
            # staggered: show what TWFE averages and a heterogeneity-robust alternative
            if np.isfinite(panel.y).all() and not args.covariates:
                tables["bacon"] = impact.bacon_decomposition(
                    frame, unit=args.unit, time=args.time, outcome=args.outcome,
                    source=source, **treat).table
            imp = impact.imputation_did(frame, unit=args.unit, time=args.time,
                                        outcome=args.outcome, cluster=args.cluster,
                                        alpha=args.alpha, source=source, **treat)
            tables["imputation"] = imp.tidy()
        date = float(panel.first_treated[ever].min())
        with __import__("warnings").catch_warnings():
            __import__("warnings").simplefilter("ignore", RuntimeWarning)
            import numpy as np

            fig = plots.trends_plot(panel.times, np.nanmean(panel.y[ever], axis=0),
                                    np.nanmean(panel.y[~ever], axis=0), date)
        return res, tables, fig
    if design == "synth":
        if args.method:
            raise SpecError("--method does not apply to --design synth")
        res = impact.synthetic_control(
            frame, unit=args.unit, time=args.time, outcome=args.outcome,
            predictors=args.predictors if args.predictors is not None else args.covariates,
            outcome_lags=args.outcome_lags, v=args.v_weights, donors=args.donors,
            placebo_times=args.placebo_times, alpha=args.alpha, source=source, **treat)
        return res, tables, plots.gap_plot(res)
    if design == "sdid":
        if args.method or args.covariates:
            raise SpecError("--method and --covariates do not apply to --design sdid")
        res = impact.synthetic_did(frame, unit=args.unit, time=args.time, outcome=args.outcome,
                                   donors=args.donors, se=args.sdid_se, n_reps=args.reps,
                                   seed=args.seed or 0, alpha=args.alpha, source=source,
                                   **treat)
        return res, tables, plots.sdid_plot(res)
    if design == "dose":
        if not args.treated_from or bool(args.dose) == bool(args.ledger):
            raise SpecError("--design dose needs --treated-from and exactly one of --dose or "
                            "--ledger")
        dose_col = args.dose
        if args.ledger:
            from pathlib import Path

            from changjing.evaluate.tables import read_table

            led = read_table(Path(args.ledger), None)
            totals = impact.dose_from_ledger(led, source=Path(args.ledger).name)
            dose_col = "_dose"
            frame = frame.assign(_dose=frame[args.unit].astype(str).map(
                dict(zip(totals["unit"].astype(str), totals["dose"]))).fillna(0.0))
        res = impact.dose_response(frame, unit=args.unit, time=args.time, outcome=args.outcome,
                                   dose=dose_col, treated_from=args.treated_from, per=args.per,
                                   bootstrap=args.bootstrap or 999, seed=args.seed or 0,
                                   alpha=args.alpha, source=source)
        return res, tables, None
    if design == "experiment":
        _need(args, "treated")
        res = impact.difference_in_means(frame, treatment=args.treated, outcome=args.outcome,
                                         covariates=args.covariates, alpha=args.alpha,
                                         source=source)
        return res, tables, None
    if design == "match":
        _need(args, "treated")
        method = args.method or "psm"
        funcs = {"psm": impact.psm, "ipw": impact.ipw, "aipw": impact.aipw}
        if method not in funcs:
            raise SpecError(f"--method for --design match: expected psm, ipw or aipw, got "
                            f"{method!r}")
        kw = dict(treatment=args.treated, outcome=args.outcome, covariates=args.covariates,
                  alpha=args.alpha, source=source)
        if method == "psm":
            kw["caliper"] = args.caliper
        elif args.caliper is not None:
            raise SpecError("--caliper applies to --method psm only")
        res = funcs[method](frame, **kw)
        return res, tables, plots.balance_plot(res)
    # before-after (descriptive)
    _need(args, "unit", "time", "cutoff")
    res = impact.before_after(frame, unit=args.unit, time=args.time, outcome=args.outcome,
                              cutoff=args.cutoff, alpha=args.alpha, source=source)
    return res, tables, None


def _honest(args, impact, res, frame, source, treat):
    """--honest: the HonestDiD table for the event study (staggered: universal base period)."""
    from changjing.evaluate.errors import SpecError

    if args.design == "staggered":
        # the pre-period coefficients must share one reference period (R: honest_did needs
        # base_period = "universal"), so the event study is re-estimated with it
        stag_kw, dyn_kw = _staggered_kwargs(args)
        stag_kw["base_period"] = "universal"
        uni = impact.att_gt(frame, unit=args.unit, time=args.time, outcome=args.outcome,
                            covariates=args.covariates, control=args.control,
                            method=args.method or "dr", cluster=args.cluster,
                            alpha=args.alpha, drop_incomplete=args.drop_incomplete,
                            source=source, **stag_kw, **treat)
        es = impact.aggte(uni, "dynamic", **dyn_kw)
    elif args.design in ("event_study", "sun-abraham"):
        es = res
    else:
        raise SpecError("--honest applies to --design event_study, sun-abraham and staggered")
    target = args.honest_target
    if target not in ("first", "mean"):
        try:
            target = int(target)
        except ValueError:
            raise SpecError(f"--honest-target: expected first, mean or an event time, got "
                            f"{target!r}") from None
    hd = impact.honest_did(es, restriction=args.honest, m=args.mbar, target=target,
                           method=args.honest_method, alpha=args.alpha,
                           seed=args.seed or 0)
    res.settings["honest_did"] = {k: hd.settings[k] for k in (
        "restriction", "method", "breakdown", "sentence_en", "sentence_zh", "l_vec",
        "event_times", "reference")}
    res.warnings.extend(hd.warnings)
    return hd


def _aggregations(impact, res, dyn=None):
    """Overall effect of each aggregation (one row each) and the detail rows of each."""
    import pandas as pd

    rows, details = [], {}
    for kind in ("simple", "dynamic", "group", "calendar"):
        a = dyn if kind == "dynamic" and dyn is not None else impact.aggte(res, kind)
        row = {"aggregation": kind, "estimand": a.estimand, "estimate": a.estimate, "se": a.se,
               "ci_low": a.ci_low, "ci_high": a.ci_high, "p_value": a.p_value}
        if "se_boot_overall" in a.settings:
            row["se_boot"] = a.settings["se_boot_overall"]
        rows.append(row)
        details[kind] = a.table
    return pd.DataFrame(rows), details


def run(args: argparse.Namespace) -> int:
    from changjing.examples import resolve_example  # a shipped example's name -> its file
    args.panel = resolve_example(args.panel)
    import hashlib
    from pathlib import Path

    from changjing import __version__
    from changjing.cli._output import check_target, staged_output_dir, write_json
    from changjing.evaluate.impact.plots import save_figure
    from changjing.evaluate.impact.result import integer_periods
    from changjing.evaluate.tables import neutralise_frame, read_table

    check_target(Path(args.out), args.overwrite)  # refuse before doing any work
    path = Path(args.panel)
    frame = read_table(path, args.sheet)
    source = path.name + (f" [sheet {args.sheet}]" if args.sheet else "")
    res, tables, fig = _estimate(args, frame, source)
    honest_fig = None
    if args.honest:
        from changjing.evaluate import impact

        honest = _honest(args, impact, res, frame, source,
                         dict(treated_from=args.treated_from, treated=args.treated))
        tables["honest_did"] = honest.table
        from changjing.evaluate.impact.plots import honest_plot

        honest_fig = honest_plot(honest)

    def write_csv(table, target: Path) -> None:
        neutralise_frame(integer_periods(table)).to_csv(target, index=False, float_format="%.10g",
                                       lineterminator="\n")

    with staged_output_dir(args.out, args.overwrite) as stage:
        write_csv(res.tidy(), stage / "estimates.csv")
        for name, table in sorted(res.diagnostics.items()):
            write_csv(table, stage / f"diagnostics_{name}.csv")
        for name, table in sorted(tables.items()):
            write_csv(table, stage / f"{name}.csv")
        if fig is not None:
            stem = {"staggered": "event_study", "event_study": "event_study",
                    "sun-abraham": "event_study", "synth": "gap_plot", "sdid": "gap_plot",
                    "match": "balance"}.get(
                args.design, "trends")
            save_figure(fig, stage / stem)
        if honest_fig is not None:
            save_figure(honest_fig, stage / "honest_did")
        (stage / "summary.txt").write_text(res.summary() + "\n", encoding="utf-8")
        outputs = {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
                   for p in sorted(stage.iterdir()) if p.is_file()}
        options = {k: v for k, v in vars(args).items()
                   if k not in ("func", "panel", "out", "overwrite", "command",
                                "evaluate_command")}
        write_json(stage / "manifest.json", _jsonable({
            "command": "changjing evaluate impact",
            "changjing_version": __version__,
            "input": {"file": path.name, "sheet": args.sheet,
                      "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
                      "rows": len(frame)},
            "options": options,
            "seed": args.seed,
            "design": res.design,
            "estimand": res.estimand,
            "causal": res.causal,
            "estimate": res.estimate, "se": res.se, "ci": [res.ci_low, res.ci_high],
            "p_value": res.p_value, "n_units": res.n, "n_rows": res.n_obs,
            "se_type": res.se_type, "ci_type": res.ci_type,
            "settings": res.settings,
            "warnings": res.warnings,
            "outputs": outputs,
        }))
    head = res.summary().split("\n")
    keep = [line for line in head[:6]] + [f"WARNING: {w}" for w in res.warnings]
    if args.honest:
        keep += [res.settings["honest_did"]["sentence_en"],
                 res.settings["honest_did"]["sentence_zh"]]
    print("\n".join(keep))
    print(f"full report: {Path(args.out) / 'summary.txt'}")
    return 0
