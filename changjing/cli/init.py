"""``changjing init DIR``: a new working folder with the examples, a sample workbook and next steps.

The folder holds copies the user may edit (the shipped originals stay untouched and are still
available by name):

* ``experiments/`` — every shipped experiment and config file;
* ``indicators/qingdao_default.toml`` — the default indicator system (指标体系);
* ``data/completed_scenarios.xlsx`` — a sample evaluator workbook built from the shipped
  synthetic table (sheet 场景清单 with one row a scenario, dates as date cells, amounts as
  numbers; sheet 说明 with what each column means);
* ``NEXT_STEPS.md`` — what to run next, in Chinese and English.

A non-empty folder is refused, so nothing of the user's is ever overwritten.
"""

from __future__ import annotations

import argparse
from pathlib import Path

WORKBOOK = "data/completed_scenarios.xlsx"
SHEET = "场景清单"
NOTES_SHEET = "说明"

# Descriptive columns that the indicator system does not label (it labels what it scores).
_COLUMN_LABELS = {
    "scenario_id": ("场景编号", "scenario id"),
    "scenario_name": ("场景名称（合成）", "scenario name (synthetic)"),
    "owner_type": ("场景方类型", "owner type"),
    "domain": ("领域（六大行动）", "domain (one of six actions)"),
    "zone": ("超级场景或区域", "super scenario or zone"),
    "supplier": ("供给方（合成编号）", "supplier (synthetic code)"),
    "supplier_type": ("供给方类型", "supplier type"),
    "batch": ("发布批次", "release batch"),
}

NEXT_STEPS = """\
# 下一步 / Next steps

这个文件夹由 `changjing init` 生成。`experiments/`、`indicators/`、`data/` 里是可以修改的副本；
原始示例仍可按名称使用（`changjing examples` 列出全部）。
This folder was made by `changjing init`. The files in `experiments/`, `indicators/` and
`data/` are copies you may edit; the shipped originals are still available by name
(`changjing examples` lists them).

## 1. 第一个结果 / A first answer

```bash
changjing run baseline --out runs/b
```

按今天的资金安排模拟 2026–2028 年，打印“十百千”指标与目标的对比，结果写入 `runs/b/`。
Simulates 2026–2028 at today's funding and prints the 十百千 indicators against their
targets; files in `runs/b/`.

## 2. 规划：资金加倍，达标的把握有多大？ / Planner: what does more money buy?

```bash
changjing sweep funding_sweep --out runs/funding
changjing analyze runs/funding
changjing report runs/funding --out reports/funding.html --lang zh
```

## 3. 评估：给已完成的场景打分 / Evaluator: score completed scenarios

```bash
changjing evaluate score data/completed_scenarios.xlsx --indicators indicators/qingdao_default.toml --out out/score
changjing report out/score --out reports/score.html --lang zh
```

`data/completed_scenarios.xlsx` 是合成的示例台账，换成你们自己的表即可（列名见“说明”页）。
The workbook is a synthetic sample; replace it with your own (the 说明 sheet lists the columns).

## 4. 复现：逐位复现一次模拟试验 / Researcher: reproduce bit for bit

```bash
changjing reproduce runs/funding --sample 20
```

## 修改示例 / Editing an example

改 `experiments/` 里的副本后，用路径运行它：
After editing a copy in `experiments/`, run it by its path:

```bash
changjing run experiments/baseline.toml --out runs/mine
changjing validate experiments/baseline.toml
```

按名称（`baseline`）运行的总是原始示例。 A bare name always means the shipped original.

## 检查环境 / Check the installation

```bash
changjing doctor data/completed_scenarios.xlsx
```
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("init", help="make a working folder with the examples and a sample "
                       "workbook",
                       description="Create DIR with copies of the shipped experiments, the "
                       "default indicator system, a sample evaluator workbook "
                       "(data/completed_scenarios.xlsx) and NEXT_STEPS.md.  DIR must be new "
                       "or empty.")
    p.add_argument("folder", metavar="DIR", help="folder to create (must be new or empty)")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=run)


def sample_workbook_bytes() -> bytes:
    """The sample evaluator workbook (deterministic bytes) from the shipped sample table."""
    import csv
    import datetime as dt
    import io
    import tomllib

    from openpyxl import Workbook
    from openpyxl.styles import Font

    from changjing.evaluate.tables import deterministic_xlsx_bytes
    from changjing.examples import find_example

    table = find_example("completed_scenarios")
    system = find_example("qingdao_default")
    if table is None or system is None:
        raise FileNotFoundError("the shipped sample table or indicator system is missing; "
                                "reinstall changjing")
    spec = tomllib.loads(system.path.read_text(encoding="utf-8"))
    types = {c["name"]: c.get("type", "number") for c in spec["data"].get("columns", [])}
    labels: dict[str, tuple[str, str, str]] = {
        c["name"]: (c.get("label_zh", ""), c.get("label_en", ""), c.get("unit", ""))
        for c in spec["data"].get("columns", []) if c.get("label_zh")}
    for crit in spec.get("criteria", []):
        for ind in crit.get("indicators", []):
            labels.setdefault(ind["column"], (ind["label_zh"], ind["label_en"],
                                              ind.get("unit", "")))
    labels.update({k: (zh, en, "") for k, (zh, en) in _COLUMN_LABELS.items()})

    with open(table.path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:]
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in body:
        ws.append([_cell(v, types.get(name)) for name, v in zip(header, row, strict=True)])
    for j, name in enumerate(header, start=1):
        if types.get(name) == "date":
            for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                cell.number_format = "yyyy-mm-dd"
    ws.freeze_panes = "C2"
    notes = wb.create_sheet(NOTES_SHEET)
    notes.append(["本表为合成示例数据，不描述任何真实场景、单位或企业。"])
    notes.append(["Synthetic sample data: no row describes a real scenario, owner or firm."])
    notes.append([f"来源 / source: changjing {table.path.name}（{len(body)} 行 rows）"])
    notes.append([])
    notes.append(["列名 column", "含义", "meaning", "单位 unit"])
    for cell in notes[5]:
        cell.font = Font(bold=True)
    for name in header:
        zh, en, unit = labels.get(name, ("", "", ""))
        notes.append([name, zh, en, unit])
    fixed = dt.datetime(2000, 1, 1)
    wb.properties.created = fixed
    wb.properties.modified = fixed
    buf = io.BytesIO()
    wb.save(buf)
    return deterministic_xlsx_bytes(buf.getvalue())


def _cell(value: str, kind: str | None) -> object:
    """A CSV field as the cell an office workbook would hold (empty stays empty)."""
    import datetime as dt

    if value == "":
        return None
    if kind == "date":
        return dt.date.fromisoformat(value)
    try:
        number = float(value)
    except ValueError:
        return value
    return int(number) if number.is_integer() and "." not in value else number


def init_folder(folder: str | Path) -> list[Path]:
    """Fill ``folder`` (new or empty) and return the files written, relative to it."""
    from changjing.cli._output import OutputExistsError, staged_output_dir
    from changjing.examples import find_example, list_examples

    target = Path(folder)
    if target.exists() and not target.is_dir():
        raise OutputExistsError(f"{target}: exists and is not a folder")
    if target.is_dir() and any(target.iterdir()):
        raise OutputExistsError(f"{target}: folder is not empty; `changjing init` only fills "
                                "a new or empty folder (choose another name)")
    files: dict[str, bytes] = {}
    for example in list_examples():
        if example.kind in ("config", "experiment", "calibration"):
            files[f"experiments/{example.path.name}"] = example.path.read_bytes()
    system = find_example("qingdao_default")
    if system is not None:
        files[f"indicators/{system.path.name}"] = system.path.read_bytes()
    files[WORKBOOK] = sample_workbook_bytes()
    files["NEXT_STEPS.md"] = NEXT_STEPS.encode("utf-8")
    with staged_output_dir(target, False) as stage:
        for rel, data in files.items():
            path = Path(stage) / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    import os

    mask = os.umask(0)
    os.umask(mask)
    os.chmod(target, 0o777 & ~mask)  # the staging folder was private (mkdtemp); open it up
    return [Path(rel) for rel in files]


def run(args: argparse.Namespace) -> int:
    written = init_folder(args.folder)
    if not args.quiet:
        print(f"made {args.folder}/ with {len(written)} files:")
        for rel in sorted(written, key=lambda p: (len(p.parts), p.as_posix())):
            print(f"  {rel.as_posix()}")
        print(f"next: cd {args.folder} && changjing run baseline --out runs/b   "
              "(more in NEXT_STEPS.md)")
    return 0
