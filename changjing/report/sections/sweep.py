"""Report sections for a sweep folder (``changjing sweep``), in reading order: executive
summary (:mod:`.sweep_summary`), trajectories, funnel, budget and paired differences
(:mod:`.sweep_outcomes`), sensitivity (:mod:`.sweep_sensitivity`) and scenario discovery
(:mod:`.sweep_discovery`).

Every number shown comes from :func:`changjing.simulate.analysis.analyze` (read once, by
:func:`.sweep_data.load`) or from the sweep's result store.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from changjing.report.document import Section
from changjing.report.sections import (
    Context,
    sweep_discovery,
    sweep_outcomes,
    sweep_sensitivity,
    sweep_summary,
)
from changjing.report.sections.sweep_data import PREFIX, TARGETS, load

__all__ = ["TARGETS", "build", "provenance"]


def build(folder: Path, manifest: dict[str, Any], ctx: Context) -> list[Section]:
    d = load(folder, manifest)
    # sensitivity first: the summary names the assumption that matters most
    sens = sweep_sensitivity.section(folder, manifest, d.tables, d.base, ctx, PREFIX)
    sections = [Section(PREFIX, f"{ctx.t('sweep')}: {d.name}", level=1, source=str(folder)),
                sweep_summary.section(d, ctx, sens),
                sweep_outcomes.trajectories(d, ctx),
                sweep_outcomes.funnel(d, ctx),
                sweep_outcomes.budget(d, ctx)]
    paired = sweep_outcomes.paired(d, ctx)
    if paired is not None:
        sections.append(paired)
    sections.append(sens)
    sections.append(sweep_discovery.section(folder, manifest, d.tables, d.targets, d.arms, ctx,
                                            PREFIX, getattr(d.analysis, "discovery_text", None)))
    return sections


def provenance(folder: Path, manifest: dict[str, Any], ctx: Context) -> dict[str, Any]:
    resolved = manifest.get("experiment_resolved", {})
    base = resolved.get("base_config", {})
    run = base.get("run", {})
    exp_file = manifest.get("experiment_file") or "EXPERIMENT.toml"
    return {
        "kind": "changjing.sweep",
        "name": manifest.get("name"),
        "hashes": {"experiment_hash": manifest.get("experiment_hash")},
        "seeds": {"root_seed": manifest.get("root_seed"), "seed_rule": manifest.get("seed_rule")},
        "versions": manifest.get("versions", {}),
        "git_commit": manifest.get("git_commit"),
        "period": f"{run.get('start', '?')} + {spec_months(resolved, run)} months",
        "config": manifest.get("experiment_as_given", ""),
        "reproduce": [f"changjing sweep {Path(str(exp_file)).name} --out {folder.name}",
                      f"changjing reproduce {folder.name}"],
    }


def spec_months(resolved: dict[str, Any], run: dict[str, Any]) -> Any:
    exp = resolved.get("spec", {}).get("experiment", {})
    return exp.get("horizon_months") or run.get("months", "?")

