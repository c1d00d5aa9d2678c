"""Latin words a reader sees in a Chinese report, outside the allow-list."""

from __future__ import annotations

import html
import re

# Proper names, method acronyms, units and codes a Chinese report may print as they are.
ALLOW = {
    "Wilson", "Sobol", "Morris", "PRIM", "Friedman", "Fisher", "Saaty", "AHP", "TOPSIS",
    "VIKOR", "CRITIC", "ATT", "ATE", "SHA", "CR", "RI", "SE", "MLE", "Abadie", "Imbens",
    "Callaway", "Sant'Anna", "DiD", "SMD", "ID", "SeedSequence", "spawn_key", "root_seed",
    "crc", "numpy", "Mesa", "mesa", "SALib", "pandas", "pydantic", "scipy", "python",
    "changjing", "git", "json", "csv", "toml", "xlsx", "html", "pdf", "logit", "probit", "p",
    "n", "t", "x", "e", "S1", "ST", "mu", "SeedSequence", "Monte", "Carlo", "Hill",
    "McGraw", "Process", "Analytic", "Hierarchy", "The", "T", "L",   # the RI table's citation
    "Noto", "Sans", "SC", "CJK", "Abadie-Imbens", "McGraw-Hill", "crc32",
}
_CODE = re.compile(r"^(?:[a-z0-9]+(?:[_.][a-z0-9]+)+|[0-9a-f]{6,}|[A-Z]{2,}(?:-[A-Z0-9]+)*|"
                   r"[a-z]|[A-Z])$")


def visible_text(page: str) -> str:
    """The text a reader sees (no styles, no images, no folded code blocks)."""
    page = re.sub(r"<style>.*?</style>", "", page, flags=re.S)
    page = re.sub(r"<title>.*?</title>", "", page, flags=re.S)
    page = re.sub(r"<details>.*?</details>|<pre>.*?</pre>", "", page, flags=re.S)
    page = re.sub(r'src="data:[^"]*"', "", page)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def latin_words(text: str, allowed: set[str]) -> set[str]:
    words = set(re.findall(r"[A-Za-z][A-Za-z0-9_.'-]*[A-Za-z0-9]|[A-Za-z]", text))
    # file names, dotted/snake_case codes, hashes and all-caps codes are codes, not words
    return {w for w in words if w not in ALLOW | allowed and not _CODE.match(w)
            and not re.fullmatch(r"e-?\d+", w)                    # 2.6e-17, 2e7
            and not re.search(r"\.(csv|toml|json|xlsx|html|md)$", w)}
