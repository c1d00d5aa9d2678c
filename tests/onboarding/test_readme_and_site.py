"""The Chinese README stays current with the English one, and the docs site builds strictly."""

from __future__ import annotations

import importlib.util
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def bash_commands(text: str) -> list[str]:
    blocks = re.findall(r"^```bash\n(.*?)^```", text, re.DOTALL | re.MULTILINE)
    return [line.strip() for b in blocks for line in b.splitlines() if line.strip()]


def quick_start(readme: str) -> list[str]:
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return bash_commands(section)


def test_readme_zh_has_the_same_quick_start_commands():
    en = (ROOT / "README.md").read_text(encoding="utf-8")
    zh = (ROOT / "README.zh.md").read_text(encoding="utf-8")
    commands = quick_start(en)
    assert len(commands) == 2
    assert all(c in bash_commands(zh) for c in commands)
    assert "[中文](README.zh.md)" in en.splitlines()[2]
    assert "[English](README.md)" in zh.splitlines()[2]


def assert_commands_parse(text: str) -> None:
    """Every ``changjing`` command in the text's bash blocks parses with the real CLI."""
    from changjing.cli import build_parser

    parser = build_parser()
    for line in bash_commands(text):
        for part in line.split("&&"):
            words = part.split()
            if not words or words[0] != "changjing":
                continue
            args = shlex.split(part)[1:]
            if args == ["--version"]:
                continue
            ns = parser.parse_args(args)  # SystemExit on an unknown option
            assert getattr(ns, "func", None), part


def test_next_steps_and_tutorial_commands_parse():
    from changjing.cli.init import NEXT_STEPS

    assert_commands_parse(NEXT_STEPS)
    for page in sorted((ROOT / "docs/tutorials").glob("*.md")):
        assert_commands_parse(page.read_text(encoding="utf-8").replace("\\\n", " "))


def test_readme_zh_three_tasks_use_existing_commands_and_tutorials():
    """Every command in README.zh.md is one the CLI knows, with options it accepts, and each
    task links its tutorial."""
    zh = (ROOT / "README.zh.md").read_text(encoding="utf-8")
    for task in ("规划", "评估", "复现"):
        assert re.search(rf"^### .*{task}", zh, re.MULTILINE), task
    for name in ("planner_funding", "evaluator_scoring", "researcher_reproduce"):
        assert f"docs/tutorials/{name}.md" in zh
    assert_commands_parse(zh)
    for link in re.findall(r"\]\(([^)#]+)\)", zh):
        if not re.match(r"^[a-z]+://", link):
            assert (ROOT / link).exists(), link


def test_every_docs_page_is_in_the_site_navigation():
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    pages = sorted(p.relative_to(ROOT / "docs").as_posix() for p in (ROOT / "docs").rglob("*.md")
                   if "_hooks" not in p.parts)
    missing = [p for p in pages if f": {p}" not in nav]
    assert not missing, missing


@pytest.mark.skipif(importlib.util.find_spec("mkdocs") is None
                    or importlib.util.find_spec("mkdocstrings") is None,
                    reason="needs the docs extra (pip install -e '.[docs]'): mkdocs, "
                    "mkdocs-material, mkdocstrings")
def test_docs_site_builds_strict(tmp_path):
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    out = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir",
                          str(tmp_path / "site")], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=300, check=False)
    assert out.returncode == 0, out.stderr[-3000:]
    zh = (tmp_path / "site/zh/index.html").read_text(encoding="utf-8")
    assert "三项典型任务" in zh and "../tutorials/planner_funding/" in zh
    api = (tmp_path / "site/api/simulate/index.html").read_text(encoding="utf-8")
    assert 'id="changjing.simulate.sweep.sweep"' in api
