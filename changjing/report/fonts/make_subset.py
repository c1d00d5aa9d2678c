"""Rebuild ``NotoSansSC-changjing.ttf``: a subset of Noto Sans CJK SC for the report figures.

Not run at install or report time; kept so the committed font file can be reproduced:

    apt-get install fonts-noto-cjk          # Debian: NotoSansCJK-Regular.ttc 1:20220127
    python changjing/report/fonts/make_subset.py /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc

Characters kept: printable ASCII and Latin-1, Greek, general punctuation, arrows and
mathematical operators (as far as the source font has them),
CJK and full-width punctuation, the 3,755 characters of GB 2312 level 1 (the common hanzi), and
every CJK character that appears in the project's text files (labels, shipped data, docs) — so
project labels always render and Chinese user data mostly does.  The CFF outlines are converted
to TrueType (quadratic) outlines, because matplotlib's PDF and PS backends embed TrueType fonts
only.  Licence: SIL Open Font License 1.1 (``OFL.txt`` beside this file); the subset is renamed
"Noto Sans SC changjing" as the OFL's Reserved Font Name clause asks of modified versions.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
OUT = Path(__file__).with_name("NotoSansSC-changjing.ttf")
FAMILY = "Noto Sans SC changjing"


def gb2312_level1() -> str:
    chars = []
    for hi in range(0xB0, 0xD8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.append(bytes([hi, lo]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return "".join(chars)


def project_chars() -> str:
    found: set[str] = set()
    for folder in ("scenarios_data", "experiments", "docs", "simulate", "evaluate", "changjing"):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix in {".py", ".toml", ".csv", ".md", ".txt"} and path.is_file():
                text = path.read_text(encoding="utf-8", errors="ignore")
                found.update(ch for ch in text if ord(ch) > 0x2E7F)
    return "".join(sorted(found))


def charset() -> str:
    ranges = [(0x20, 0x7E), (0xA0, 0xFF), (0x2010, 0x2027), (0x2030, 0x203A), (0x2070, 0x209C),
              (0x2190, 0x2199), (0x2212, 0x2212), (0x2264, 0x2265), (0x00D7, 0x00D7),
              (0x2248, 0x2248), (0x2260, 0x2260), (0x3000, 0x303F), (0xFF01, 0xFF5E),
              (0x2460, 0x2473), (0x25A0, 0x25CF), (0x0370, 0x03FF), (0x2200, 0x22FF),
              (0x2100, 0x2122)]
    basic = "".join(chr(c) for lo, hi in ranges for c in range(lo, hi + 1))
    return basic + gb2312_level1() + project_chars()


def otf_to_ttf(font) -> None:
    """CFF → glyf (cubic → quadratic, max error 1 unit), after fontTools' otf2ttf snippet."""
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import newTable

    order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, max_err=1.0, reverse_direction=True))
        glyphs[name] = pen.glyph()
    font["loca"] = newTable("loca")
    glyf = font["glyf"] = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = glyphs
    del font["CFF "]
    if "VORG" in font:
        del font["VORG"]
    glyf.compile(font)
    font["maxp"] = maxp = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for attr in ("maxZones", "maxTwilightPoints", "maxStorage", "maxFunctionDefs",
                 "maxInstructionDefs", "maxStackElements", "maxSizeOfInstructions",
                 "maxComponentElements"):
        setattr(maxp, attr, 0)
    maxp.maxZones = 1
    maxp.recalc(font)
    post = font["post"]
    post.formatType = 2.0
    post.extraNames = []
    post.mapping = {}
    post.glyphOrder = order
    font["head"].indexToLocFormat = 0
    font.sfntVersion = "\x00\x01\x00\x00"


def rename(font) -> None:
    name = font["name"]
    for rec in list(name.names):
        if rec.nameID in (1, 3, 4, 16, 6):
            value = {1: FAMILY, 16: FAMILY, 3: f"{FAMILY} Regular; subset",
                     4: f"{FAMILY} Regular", 6: FAMILY.replace(" ", "") + "-Regular"}[rec.nameID]
            rec.string = value


def main(source: str) -> None:
    from fontTools import subset
    from fontTools.ttLib import TTCollection

    coll = TTCollection(source)
    font = next(f for f in coll.fonts if f["name"].getDebugName(4) == "Noto Sans CJK SC")
    opts = subset.Options()
    opts.layout_features = ["kern", "liga", "vert", "palt"]
    opts.name_IDs = ["*"]
    opts.name_languages = ["*"]
    opts.notdef_outline = True
    opts.hinting = False
    sub = subset.Subsetter(opts)
    sub.populate(text=charset())
    sub.subset(font)
    otf_to_ttf(font)
    rename(font)
    font.save(OUT)
    print(f"wrote {OUT} ({OUT.stat().st_size / 1e6:.2f} MB, {len(font.getGlyphOrder())} glyphs)")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else
         "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
