"""Character sets and TrueType subsets of Noto Sans CJK for the report.

The bundled font (``fonts/NotoSansSC-changjing.ttf``, rebuilt by ``fonts/make_subset.py``) holds
:func:`report_charset`: the 8105 characters of the 通用规范汉字表 (the State Council's 2013 list
of standard Chinese characters, shipped as ``fonts/tongyong_guifan_hanzi.txt``), the surname
characters outside it that the national names register counts, CJK and full-width punctuation
and forms, Latin, Greek and the mathematical signs the report prints, and every character of
the project's own text files.

:func:`truetype_subset` cuts any Noto Sans CJK file (OpenType/CFF, also inside a ``.ttc``) down
to given characters and converts the CFF outlines to TrueType (quadratic) ones — reportlab and
matplotlib's PDF backend embed TrueType only.  The report uses it for ``--font system`` and to
embed only the characters a page uses in the HTML.
"""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

FONT_DIR = Path(__file__).with_name("fonts")
HANZI_LIST = FONT_DIR / "tongyong_guifan_hanzi.txt"
FAMILY = "Noto Sans SC changjing"

# Surname characters outside the 通用规范汉字表 that the national names register (2008) lists.
EXTRA_SURNAME_CHARS = "肜贠"

# Unicode ranges kept besides the hanzi (inclusive).
RANGES = [
    (0x0020, 0x007E), (0x00A0, 0x00FF),            # ASCII, Latin-1
    (0x0100, 0x017F),                              # Latin Extended-A (pinyin tones, names)
    (0x01CD, 0x01DC),                              # pinyin ǎ ǐ ǒ ǔ ǖ ǘ ǚ ǜ
    (0x02C6, 0x02DD),                              # modifier letters (ˇ ˉ ˊ ˋ)
    (0x0370, 0x03FF),                              # Greek (α, μ*, Δ, σ)
    (0x2010, 0x2027), (0x2030, 0x203A),            # general punctuation (– — ‘ ’ “ ” … ‰)
    (0x2070, 0x209C),                              # super- and subscripts
    (0x20AC, 0x20AC), (0x00A5, 0x00A5),            # € ¥
    (0x2100, 0x2122),                              # letterlike (℃ №)
    (0x2150, 0x218B),                              # number forms (Ⅰ Ⅱ Ⅲ)
    (0x2190, 0x21FF),                              # arrows
    (0x2200, 0x22FF),                              # mathematical operators
    (0x2460, 0x24FF),                              # enclosed alphanumerics ①
    (0x2500, 0x257F),                              # box drawing
    (0x25A0, 0x25FF),                              # geometric shapes ■ ●
    (0x2600, 0x2606), (0x2713, 0x2714),            # ★ ☆ ✓
    (0x3000, 0x303F),                              # CJK symbols and punctuation 、。《》【】
    (0x3200, 0x32FF),                              # enclosed CJK ㈠
    (0x3300, 0x33FF),                              # CJK compatibility (㎡ ㎏)
    (0xFE10, 0xFE1F), (0xFE30, 0xFE4F),            # vertical forms, CJK compatibility forms
    (0xFF01, 0xFF5E), (0xFF5F, 0xFFEF),            # full-width ASCII, half/full-width forms
]


def standard_hanzi() -> str:
    """The 8105 characters of the 通用规范汉字表, in the published order."""
    out = []
    for line in HANZI_LIST.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            code, ch = line.split("\t")[:2]
            if f"U+{ord(ch):04X}" != code:
                raise ValueError(f"{HANZI_LIST}: {code} does not match {ch!r}")
            out.append(ch)
    return "".join(out)


def basic_chars() -> str:
    return "".join(chr(c) for lo, hi in RANGES for c in range(lo, hi + 1))


def project_chars(root: Path) -> str:
    """Every non-Latin character of the project's text files (labels, shipped data, docs)."""
    found: set[str] = set()
    for folder in ("scenarios_data", "experiments", "docs", "simulate", "evaluate", "changjing"):
        for path in sorted((root / folder).rglob("*")):
            if path.suffix in {".py", ".toml", ".csv", ".md", ".txt"} and path.is_file():
                text = path.read_text(encoding="utf-8", errors="ignore")
                found.update(ch for ch in text if ord(ch) > 0x2E7F and ch.isprintable())
    return "".join(sorted(found))


def report_charset(root: Path | None = None) -> str:
    """Everything the bundled font must draw (see the module docstring)."""
    text = basic_chars() + standard_hanzi() + EXTRA_SURNAME_CHARS
    if root is not None:
        text += project_chars(root)
    return "".join(sorted(set(text)))


def _otf_to_ttf(font) -> None:
    """CFF → glyf (cubic → quadratic, max error 1 font unit), after fontTools' otf2ttf
    recipe; leaves the font's other tables as they are."""
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import newTable

    if "glyf" in font:
        return
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
    for tag in ("CFF ", "CFF2", "VORG"):
        if tag in font:
            del font[tag]
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


def _rename(font, family: str) -> None:
    """The OFL asks modified versions not to use the Reserved Font Name: rename the subset."""
    values = {1: family, 16: family, 3: f"{family} Regular; subset", 4: f"{family} Regular",
              6: family.replace(" ", "") + "-Regular"}
    for rec in list(font["name"].names):
        if rec.nameID in values:
            rec.string = values[rec.nameID]


def open_source_font(path: str | Path, face: str = "Noto Sans CJK SC"):
    """A TTFont from ``path``; in a collection (``.ttc``), the face named ``face`` (else the
    first)."""
    from fontTools.ttLib import TTCollection, TTFont

    path = str(path)
    if path.lower().endswith((".ttc", ".otc")):
        coll = TTCollection(path, lazy=False)
        for f in coll.fonts:
            if f["name"].getDebugName(4) == face or f["name"].getDebugName(1) == face:
                return f
        return coll.fonts[0]
    return TTFont(path, recalcTimestamp=False)


def truetype_subset(path: str | Path, text: str, *, family: str = FAMILY,
                    flavor: str | None = None) -> bytes:
    """The glyphs of ``text`` from the font at ``path`` as TrueType bytes (``flavor``:
    ``None`` for TTF, ``"woff"`` or ``"woff2"``).  Deterministic: same inputs, same bytes."""
    return _subset(str(path), "".join(sorted(set(text))), family, flavor)


@lru_cache(maxsize=8)
def _subset(path: str, text: str, family: str, flavor: str | None) -> bytes:
    from fontTools import subset

    font = open_source_font(path)
    opts = subset.Options()
    opts.layout_features = ["kern", "liga", "palt", "vert"]
    opts.name_IDs = ["*"]
    opts.name_languages = ["*"]
    opts.notdef_outline = True
    opts.hinting = False
    opts.recalc_timestamp = False
    sub = subset.Subsetter(opts)
    sub.populate(text=text)
    sub.subset(font)
    _otf_to_ttf(font)
    _rename(font, family)
    font.recalcTimestamp = False
    if flavor:
        font.flavor = flavor
    buf = io.BytesIO()
    font.save(buf, reorderTables=True)
    return buf.getvalue()
