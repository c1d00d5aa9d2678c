"""CJK font for report figures: the bundled Noto Sans SC subset, registered at run time.

matplotlib draws a missing glyph as an empty box and only warns, so the report checks coverage
itself.  Order of preference: the subset shipped in ``changjing/report/fonts/`` (registered with
``fontManager.addfont`` — no font cache or system font needed), then a system CJK font that
matplotlib already knows.  If neither exists, :func:`find_cjk_font` returns ``None`` and the
caller falls back to English with a warning.  Report code applies :func:`rc_params` inside
``matplotlib.rc_context``, so a program that builds a report keeps its own settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

BUNDLED = Path(__file__).with_name("fonts") / "NotoSansSC-changjing.ttf"
SYSTEM_FAMILIES = ("Noto Sans CJK SC", "Source Han Sans SC", "Noto Sans SC", "WenQuanYi Zen Hei",
                   "WenQuanYi Micro Hei", "Microsoft YaHei", "SimHei", "PingFang SC",
                   "Hiragino Sans GB", "Heiti SC")


@dataclass(frozen=True)
class CJKFont:
    family: str      # matplotlib family name
    path: str        # file actually used
    bundled: bool


def _is_cjk(ch: str) -> bool:
    o = ord(ch)
    return (0x2E80 <= o <= 0x9FFF or 0xF900 <= o <= 0xFAFF or 0xFF00 <= o <= 0xFFEF
            or 0x20000 <= o <= 0x3FFFF)


def has_cjk(text: str) -> bool:
    return any(_is_cjk(ch) for ch in text)


@lru_cache(maxsize=4)
def _charmap(path: str) -> frozenset[int]:
    from matplotlib.ft2font import FT2Font

    return frozenset(FT2Font(path).get_charmap())


def missing_glyphs(text: str, font: CJKFont | None) -> str:
    """The distinct CJK characters of ``text`` that ``font`` cannot draw (all, if no font)."""
    cjk = sorted({ch for ch in text if _is_cjk(ch)})
    if font is None:
        return "".join(cjk)
    cmap = _charmap(font.path)
    return "".join(ch for ch in cjk if ord(ch) not in cmap)


@lru_cache(maxsize=1)
def find_cjk_font() -> CJKFont | None:
    """Register the bundled subset (or find a system CJK font); ``None`` if there is none."""
    from matplotlib import font_manager

    if BUNDLED.is_file():
        try:
            font_manager.fontManager.addfont(str(BUNDLED))
            name = font_manager.FontProperties(fname=str(BUNDLED)).get_name()
            return CJKFont(name, str(BUNDLED), True)
        except (OSError, RuntimeError, ValueError):
            pass
    known = {f.name: f.fname for f in font_manager.fontManager.ttflist}
    for family in SYSTEM_FAMILIES:
        if family in known:
            return CJKFont(family, known[family], False)
    return None


def rc_params(font: CJKFont | None) -> dict[str, object]:
    """matplotlib settings for report figures: the CJK font first in the sans-serif list
    (DejaVu Sans as glyph fallback), ``pdf.fonttype = 42`` (embed TrueType, so PDF text stays
    text), ``svg.fonttype = 'path'`` (SVG files carry outlines and need no font to display) and
    a fixed SVG hash salt (deterministic ids).  Used with ``matplotlib.rc_context`` so the
    caller's own settings are left alone."""
    import matplotlib as mpl

    families = ([font.family] if font else []) + ["DejaVu Sans"]
    return {"font.family": "sans-serif",
            "font.sans-serif": families + [f for f in mpl.rcParams["font.sans-serif"]
                                           if f not in families],
            "axes.unicode_minus": False,
            "pdf.fonttype": 42, "ps.fonttype": 42, "svg.fonttype": "path",
            "svg.hashsalt": "changjing-report"}


def setup_fonts() -> CJKFont | None:
    """Find the CJK font and apply :func:`rc_params` globally (for interactive use)."""
    import matplotlib as mpl

    font = find_cjk_font()
    mpl.rcParams.update(rc_params(font))
    return font


def font_face_css(font: CJKFont | None) -> str:
    """An ``@font-face`` rule embedding the bundled font as a WOFF data URI (no network)."""
    if font is None or not font.bundled:
        return ""
    return _font_face_css(font.path, font.family)


@lru_cache(maxsize=2)
def _font_face_css(path: str, family: str) -> str:
    import base64
    import io

    from fontTools.ttLib import TTFont

    tt = TTFont(path, recalcTimestamp=False)     # keep head.modified: same bytes every time
    tt.flavor = "woff"
    buf = io.BytesIO()
    tt.save(buf, reorderTables=True)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return (f"@font-face {{ font-family: '{family}'; font-style: normal; font-weight: 400; "
            f"src: url(data:font/woff;base64,{data}) format('woff'); }}\n")
