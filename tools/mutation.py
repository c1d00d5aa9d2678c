"""Mutation testing of chosen modules against a targeted, fast selection of tests.

    python tools/mutation.py lifecycle              # one module (names: see MODULES)
    python tools/mutation.py all --out mutation.json
    python tools/mutation.py ledger --list          # the mutants, without running them
    python tools/mutation.py topsis --only 12,40    # re-run some mutants by number

A mutant is one small change to the module's syntax tree: an arithmetic, comparison,
boolean or augmented-assignment operator swapped (``+``↔``-``, ``<``↔``<=``, ``and``↔``or``…),
a ``not`` or unary minus removed, a number changed (``0``↔``1``, ``n``→``n+1``), ``True``↔
``False``, ``break``↔``continue``, ``min``↔``max``.  Docstrings, strings and type annotations
are never mutated, nor numerical tolerances (0 < |x| < 1e-3), nor ``zip(strict=...)`` (an
assertion), nor lines marked ``# pragma: no mutate``.

The source files are never written.  Each mutant runs in a forked child of this process (the
third-party imports are done once, before forking), whose import system is given the mutated
source for the module's name; the child then runs pytest in-process on the module's test
selection with ``-x``.  A mutant is *killed* when a test fails (or errors, or it runs past the
time limit: three times the unmutated run plus 10 s), and *survives* when all pass.  Tests that
start a separate Python process (CLI subprocesses, process pools) import the unmutated module,
which is why the selections below are in-process tests.

Equivalent mutants (no test could tell them apart: the behaviour is unchanged) are listed in
``tools/mutation_equivalent.toml`` with a reason; the score is killed / (mutants - equivalent).
One process at a time, by design: the machine this runs on is shared.  See docs/testing.md.
"""

from __future__ import annotations

import argparse
import ast
import importlib.abc
import importlib.util
import json
import os
import signal
import sys
import time
import tomllib
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# module key -> (import name, source file, targeted tests)
MODULES: dict[str, tuple[str, str, list[str]]] = {
    "lifecycle": ("changjing.simulate.lifecycle", "simulate/lifecycle.py",
                  ["tests/simulate/test_mutation_kills_lifecycle.py"]),
    "diffusion": ("changjing.simulate.diffusion", "simulate/diffusion.py",
                  ["tests/simulate/test_mutation_kills_diffusion.py",
                   "tests/simulate/test_bass_docking.py"]),
    "ledger": ("changjing.simulate.ledger", "simulate/ledger.py",
               ["tests/simulate/test_mutation_kills_ledger.py"]),
    "staggered": ("changjing.evaluate.impact.staggered", "evaluate/impact/staggered.py",
                  ["tests/evaluate/impact/test_mutation_kills_staggered.py"]),
    "topsis": ("changjing.evaluate.scoring.topsis", "evaluate/scoring/topsis.py",
               ["tests/evaluate/scoring/test_mutation_kills_topsis.py",
                "tests/evaluate/scoring/test_ranking_methods.py"]),
}

# Imports done once in the parent so that each forked mutant starts warm.
WARM = ["numpy", "scipy", "scipy.sparse", "scipy.stats", "scipy.optimize", "pandas", "mesa",
        "pytest", "hypothesis", "networkx"]

BINOPS = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult,
          ast.FloorDiv: ast.Div, ast.Mod: ast.FloorDiv, ast.Pow: ast.Mult,
          ast.BitOr: ast.BitAnd, ast.BitAnd: ast.BitOr, ast.MatMult: ast.Mult}
CMPOPS = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt,
          ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.In: ast.NotIn, ast.NotIn: ast.In,
          ast.Is: ast.IsNot, ast.IsNot: ast.Is}
SWAP_NAMES = {"min": "max", "max": "min", "minimum": "maximum", "maximum": "minimum",
              "nanmin": "nanmax", "nanmax": "nanmin", "any": "all", "all": "any"}


@dataclass
class Mutant:
    number: int
    line: int
    description: str
    status: str = "not run"
    seconds: float = 0.0


def _skip_nodes(tree: ast.AST) -> set[int]:
    """ids of nodes never mutated: docstrings, annotations, f-strings' parts."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) \
                and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
            skip.add(id(body[0].value))
        for ann in ("annotation", "returns"):
            sub = getattr(node, ann, None)
            if sub is not None:
                skip.update(id(n) for n in ast.walk(sub))
        if isinstance(node, ast.JoinedStr):
            skip.update(id(n) for n in ast.walk(node))
        if isinstance(node, ast.keyword) and node.arg == "strict":   # zip(..., strict=True)
            skip.add(id(node.value))                                  # asserts, changes nothing
    return skip


def _sites(tree: ast.AST, no_mutate: set[int]) -> list[tuple[ast.AST, str, str]]:
    """Every (node, kind, description) that can be mutated, in a fixed order."""
    skip = _skip_nodes(tree)
    out: list[tuple[ast.AST, str, str]] = []
    for node in ast.walk(tree):
        if id(node) in skip or getattr(node, "lineno", 0) in no_mutate:
            continue
        if isinstance(node, (ast.BinOp, ast.AugAssign)) and type(node.op) in BINOPS:
            new = BINOPS[type(node.op)]
            out.append((node, "op", f"{type(node.op).__name__} -> {new.__name__}"))
        elif isinstance(node, ast.Compare):
            for k, op in enumerate(node.ops):
                out.append((node, f"cmp{k}", f"{type(op).__name__} -> "
                                             f"{CMPOPS[type(op)].__name__}"))
        elif isinstance(node, ast.BoolOp):
            out.append((node, "bool", "and -> or" if isinstance(node.op, ast.And)
                        else "or -> and"))
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.Not, ast.USub,
                                                                     ast.Invert)):
            out.append((node, "unary", f"drop {type(node.op).__name__}"))
        elif isinstance(node, ast.Constant) and not isinstance(node.value, str):
            v = node.value
            if isinstance(v, bool):
                out.append((node, "const", f"{v} -> {not v}"))
            elif isinstance(v, (int, float)) and not (0 < abs(v) < 1e-3):
                # (numerical tolerances such as 1e-6 or 1e-300 are not mutated)
                out.append((node, "const", f"{v!r} -> {_new_number(v):.6g}"))
        elif isinstance(node, (ast.Break, ast.Continue)):
            out.append((node, "flow", "break -> continue" if isinstance(node, ast.Break)
                        else "continue -> break"))
        elif isinstance(node, ast.Call):
            f = node.func
            name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) \
                else None
            if name in SWAP_NAMES:
                out.append((node, "call", f"{name} -> {SWAP_NAMES[name]}"))
    return out


def _new_number(v: int | float) -> int | float:
    if v == 0:
        return 1 if isinstance(v, int) else 1.0
    if v == 1:
        return 0 if isinstance(v, int) else 0.0
    return v + 1 if isinstance(v, int) else v * 1.5


def _apply(node: ast.AST, kind: str) -> None:
    if kind == "op":
        node.op = BINOPS[type(node.op)]()  # type: ignore[attr-defined]
    elif kind.startswith("cmp"):
        k = int(kind[3:])
        node.ops[k] = CMPOPS[type(node.ops[k])]()  # type: ignore[attr-defined]
    elif kind == "bool":
        node.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()  # type: ignore
    elif kind == "const":
        v = node.value  # type: ignore[attr-defined]
        node.value = (not v) if isinstance(v, bool) else _new_number(v)  # type: ignore
    elif kind == "call":
        f = node.func  # type: ignore[attr-defined]
        if isinstance(f, ast.Name):
            f.id = SWAP_NAMES[f.id]
        else:
            f.attr = SWAP_NAMES[f.attr]


class _Replace(ast.NodeTransformer):
    """Replace the unary op / break node ``target`` (those change the node's type)."""

    def __init__(self, target: ast.AST) -> None:
        self.target = target

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.AST:
        self.generic_visit(node)
        return node.operand if node is self.target else node

    def visit_Break(self, node: ast.Break) -> ast.AST:
        return ast.copy_location(ast.Continue(), node) if node is self.target else node

    def visit_Continue(self, node: ast.Continue) -> ast.AST:
        return ast.copy_location(ast.Break(), node) if node is self.target else node


def mutants_of(path: Path) -> tuple[str, list[Mutant]]:
    src = path.read_text(encoding="utf-8")
    no_mutate = {i + 1 for i, line in enumerate(src.splitlines()) if "pragma: no mutate" in line}
    tree = ast.parse(src)
    sites = _sites(tree, no_mutate)
    out, seen = [], {}
    for k, (node, _, d) in enumerate(sites):
        line = getattr(node, "lineno", 0)
        n = seen[(line, d)] = seen.get((line, d), 0) + 1
        out.append(Mutant(k, line, d if n == 1 else f"{d} (occurrence {n} on the line)"))
    return src, out


def mutated_source(src: str, number: int) -> str:
    tree = ast.parse(src)
    no_mutate = {i + 1 for i, line in enumerate(src.splitlines()) if "pragma: no mutate" in line}
    node, kind, _ = _sites(tree, no_mutate)[number]
    if kind in ("unary", "flow"):
        tree = _Replace(node).visit(tree)
    else:
        _apply(node, kind)
    return ast.unparse(ast.fix_missing_locations(tree))


class _MutantFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Serve the mutated source under the module's import name (nothing is written)."""

    def __init__(self, name: str, path: Path, source: str) -> None:
        self.name, self.path, self.source = name, path, source

    def find_spec(self, fullname, path=None, target=None):  # noqa: ANN001
        if fullname != self.name:
            return None
        return importlib.util.spec_from_file_location(fullname, self.path, loader=self)

    def create_module(self, spec):  # noqa: ANN001
        return None

    def exec_module(self, module) -> None:  # noqa: ANN001
        exec(compile(self.source, str(self.path), "exec"), module.__dict__)


def _run_child(name: str, path: Path, source: str | None, tests: list[str]) -> int:
    """In a forked child: install the mutant, run pytest quietly, return its exit code."""
    import pytest

    if source is not None:
        sys.meta_path.insert(0, _MutantFinder(name, path, source))
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    return int(pytest.main(["-x", "-q", "-p", "no:cacheprovider", "-m", "not slow",
                            "-W", "ignore", *tests]))


def run_one(name: str, path: Path, source: str | None, tests: list[str],
            timeout: float) -> tuple[str, float]:
    t0 = time.monotonic()
    pid = os.fork()
    if pid == 0:  # child
        code = 70
        try:
            os.chdir(ROOT)
            code = _run_child(name, path, source, tests)
        finally:
            os._exit(code)
    deadline = t0 + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return "timeout", time.monotonic() - t0
        time.sleep(0.05)
    code = os.waitstatus_to_exitcode(status)
    secs = time.monotonic() - t0
    if code == 0:
        return "survived", secs
    return ("killed" if code in (1, 2, 3) or code < 0 else f"error {code}"), secs


def load_equivalent(key: str) -> dict[tuple[int, str], str]:
    f = ROOT / "tools" / "mutation_equivalent.toml"
    if not f.exists():
        return {}
    data = tomllib.loads(f.read_text(encoding="utf-8")).get(key, [])
    return {(int(e["line"]), e["mutation"]): e["reason"] for e in data}


def run_module(key: str, only: set[int] | None, list_only: bool,
               again: set[tuple[str, int, str]] | None = None) -> dict:
    name, rel, tests = MODULES[key]
    tests = [t for t in tests if (ROOT / t).exists()]
    path = ROOT / rel
    src, mutants = mutants_of(path)
    equivalent = load_equivalent(key)
    if list_only:
        for m in mutants:
            eq = " (equivalent)" if (m.line, m.description) in equivalent else ""
            print(f"{key} #{m.number:4d} line {m.line:4d}: {m.description}{eq}")
        return {}
    base_status, base_secs = run_one(name, path, None, tests, timeout=1800)
    if base_status != "survived":
        raise SystemExit(f"{key}: the unmutated tests do not pass ({base_status}); fix them first")
    timeout = 3 * base_secs + 10
    print(f"{key}: {len(mutants)} mutants, tests {' '.join(tests)} ({base_secs:.1f} s unmutated)",
          flush=True)
    for m in mutants:
        if only is not None and m.number not in only:
            continue
        if (m.line, m.description) in equivalent:
            m.status = "equivalent"
            continue
        if again is not None and (rel, m.line, m.description) not in again:
            m.status = "killed earlier"  # (the source must be unchanged since that run)
            continue
        m.status, m.seconds = run_one(name, path, mutated_source(src, m.number), tests, timeout)
        if m.status == "timeout":
            m.status = "killed"  # an endless loop is a detected change
        if m.status != "killed":
            print(f"  #{m.number} line {m.line}: {m.description}: {m.status}", flush=True)
    ran = [m for m in mutants if m.status not in ("not run", "equivalent")]
    killed = sum(m.status.startswith("killed") for m in ran)
    n_eq = sum(m.status == "equivalent" for m in mutants)
    score = killed / len(ran) if ran else float("nan")
    print(f"{key}: killed {killed} of {len(ran)} non-equivalent mutants ({100 * score:.1f} %); "
          f"{n_eq} equivalent", flush=True)
    return {"module": rel, "tests": tests, "mutants": len(mutants), "equivalent": n_eq,
            "run": len(ran), "killed": killed, "score": score,
            "survivors": [asdict(m) for m in ran if not m.status.startswith("killed")]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("module", choices=[*MODULES, "all"])
    ap.add_argument("--list", action="store_true", help="list the mutants, run nothing")
    ap.add_argument("--only", help="comma-separated mutant numbers to run")
    ap.add_argument("--out", help="write the results as JSON to this file")
    ap.add_argument("--again", metavar="JSON",
                    help="run only the survivors listed in an earlier --out file (by line and "
                         "mutation), e.g. after adding tests; the others count as killed, so "
                         "the module's source must be unchanged since that run")
    args = ap.parse_args(argv)
    only = {int(x) for x in args.only.split(",")} if args.only else None
    keys = list(MODULES) if args.module == "all" else [args.module]
    again = None
    if args.again:
        again = {(r["module"], s["line"], s["description"])
                 for r in json.loads(Path(args.again).read_text(encoding="utf-8"))
                 for s in r["survivors"]}
    if not args.list:
        for mod in WARM:
            try:
                __import__(mod)
            except ImportError:
                pass
    results = [r for k in keys if (r := run_module(k, only, args.list, again))]
    if args.out:
        Path(args.out).write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n",
                                  encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
