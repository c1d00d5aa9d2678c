"""The Python example in docs/evaluate_scoring.md runs as written."""

import os
import re

from .conftest import ROOT


def test_doc_python_example_runs(capsys):
    text = (ROOT / "docs" / "evaluate_scoring.md").read_text(encoding="utf-8")
    block = re.search(r"### Python\n\n```python\n(.*?)```", text, re.S).group(1)
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        exec(compile(block, "docs/evaluate_scoring.md", "exec"), {})
    finally:
        os.chdir(cwd)
    out = capsys.readouterr().out
    assert "[0.643 0.268 0.614 0.312]" in out
