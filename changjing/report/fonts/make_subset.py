"""Rebuild ``NotoSansSC-changjing.ttf``: a TrueType subset of Noto Sans CJK SC for the reports.

Not run at install or report time; kept so the committed font file can be reproduced:

    apt-get install fonts-noto-cjk          # Debian: NotoSansCJK-Regular.ttc 1:20220127
    python changjing/report/fonts/make_subset.py /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc

Characters kept: :func:`changjing.report.fontsubset.report_charset` — the full 通用规范汉字表
(8105 characters, ``tongyong_guifan_hanzi.txt`` beside this file, with its source), CJK and
full-width punctuation and forms, Latin, Greek and mathematical signs, and every character of the
project's text files.  The CFF outlines are converted to TrueType (quadratic) outlines, because
reportlab and matplotlib's PDF backend embed TrueType fonts only.  Licence: SIL Open Font
License 1.1 (``OFL.txt`` beside this file); the subset is renamed "Noto Sans SC changjing" as the
OFL's Reserved Font Name clause asks of modified versions.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
OUT = Path(__file__).with_name("NotoSansSC-changjing.ttf")


def main(source: str) -> None:
    sys.path.insert(0, str(ROOT))
    from changjing.report.fontsubset import report_charset, truetype_subset

    text = report_charset(ROOT)
    OUT.write_bytes(truetype_subset(source, text))
    print(f"wrote {OUT} ({OUT.stat().st_size / 1e6:.2f} MB, {len(text)} characters)")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else
         "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
