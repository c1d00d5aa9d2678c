"""The closing section of every report: per input, what wrote it, hashes, seeds, versions,
dates, the configuration, and the commands that reproduce it and this report."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pandas as pd

from changjing.report.document import Paragraph, Section, Table
from changjing.report.sections import Context


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def build(entries: list[tuple[Path, dict[str, Any]]], command: str, ctx: Context,
          report_version: str) -> list[Section]:
    """``entries``: (folder, provenance dict from the kind's module) in input order."""
    top = Section("provenance", ctx.t("provenance"), level=1)
    rows = []
    for folder, prov in entries:
        rows.append({"folder": folder.name, "kind": prov.get("kind"),
                     "manifest_sha256": sha256(folder / "manifest.json")})
    top.add(Table("inputs", ctx.t("inputs"), pd.DataFrame(rows),
                  {"folder": ctx.t("folder"), "kind": ctx.t("kind"),
                   "manifest_sha256": "manifest.json SHA-256"}))
    top.add(Paragraph(ctx.t("this_report") + f" (changjing {report_version}):"),
            Paragraph(command, "code"))
    sections = [top]
    for i, (folder, prov) in enumerate(entries):
        sec = Section(f"provenance-{i + 1}", f"{folder.name} · {prov.get('kind')}")
        facts = []
        for key, label in (("name", ctx.term("name")), ("period", ctx.t("period")),
                           ("git_commit", ctx.term("git commit"))):
            if prov.get(key):
                value = str(prov[key])
                facts.append({"item": label, "value": ctx.tr(value) if key == "period"
                              else value})
        for group, label in (("hashes", ctx.t("hash")), ("seeds", ctx.t("seed"))):
            for k, v in (prov.get(group) or {}).items():
                if v is not None and v != "":
                    facts.append({"item": f"{label}: {ctx.term(k)}", "value": ctx.tr(v)})
        versions = prov.get("versions") or {}
        if versions:
            facts.append({"item": ctx.t("versions"),
                          "value": ", ".join(f"{k} {v}" for k, v in sorted(versions.items())
                                             if v)})
        for k, v in (prov.get("inputs") or {}).items():
            facts.append({"item": f"{ctx.t('inputs')}: {ctx.term(k)}",
                          "value": ctx.tr(v) if k == "method" else str(v)})
        sec.add(Table(f"provenance_{i + 1}", "", pd.DataFrame(facts),
                      {"item": "", "value": ""}))
        if prov.get("reproduce"):
            sec.add(Paragraph(ctx.t("reproduce") + ":"),
                    Paragraph("\n".join(prov["reproduce"]), "code"))
        if prov.get("config"):
            where = f"{folder.name}/manifest.json"
            sec.add(Paragraph(str(prov["config"]), "code",
                              fold=f"{ctx.t('config')} ({where})"))
        sections.append(sec)
    return sections
