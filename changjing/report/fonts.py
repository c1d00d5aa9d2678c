"""The CJK font of the reports: the bundled Noto Sans SC subset, or a system Noto Sans CJK.

``find_cjk_font()`` (the default, ``--font bundled``) registers the subset shipped in
``changjing/report/fonts/`` (the full 通用规范汉字表 and more, see
:mod:`changjing.report.fontsubset`) with matplotlib — no font cache or system font needed — and
falls back to a system CJK font matplotlib already knows.  ``find_cjk_font("system")`` uses the
system's Noto Sans CJK SC instead (for characters outside the subset): its OpenType/CFF outlines
are converted once to a TrueType copy of the same characters plus any the system font has among
``extra`` (kept in the user cache folder), because reportlab and matplotlib embed TrueType only.
``find_cjk_font(path)`` does the same with any font file.

matplotlib draws a missing glyph as an empty box and only warns, so the report checks coverage
itself (:func:`missing_glyphs`).  Report code applies :func:`rc_params` inside
``matplotlib.rc_context``, so a program that builds a report keeps its own settings.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

BUNDLED = Path(__file__).with_name("fonts") / "NotoSansSC-changjing.ttf"
SYSTEM_FAMILIES = ("Noto Sans CJK SC", "Source Han Sans SC", "Noto Sans SC", "WenQuanYi Zen Hei",
                   "WenQuanYi Micro Hei", "Microsoft YaHei", "SimHei", "PingFang SC",
                   "Hiragino Sans GB", "Heiti SC")
# Where Noto Sans CJK usually lives when fontconfig is not there to ask.
SYSTEM_PATHS = ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
                "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
                "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
                "/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf",
                "/Library/Fonts/NotoSansCJKsc-Regular.otf",
                "C:/Windows/Fonts/NotoSansSC-VF.ttf")
CHOICES = ("bundled", "system")


class FontError(ValueError):
    """The requested font cannot be found or used."""


@dataclass(frozen=True)
class CJKFont:
    family: str      # matplotlib / reportlab family name
    path: str        # TrueType file actually used (the bundled subset or a converted copy)
    bundled: bool
    source: str = ""  # the font file it was made from ("" for the bundled subset)


def _is_cjk(ch: str) -> bool:
    o = ord(ch)
    return (0x2E80 <= o <= 0x9FFF or 0xF900 <= o <= 0xFAFF or 0xFF00 <= o <= 0xFFEF
            or 0x20000 <= o <= 0x3FFFF)


def has_cjk(text: str) -> bool:
    return any(_is_cjk(ch) for ch in text)


@lru_cache(maxsize=8)
def _charmap(path: str) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    return frozenset(TTFont(path, lazy=True).getBestCmap())


def charmap(font: CJKFont) -> frozenset[int]:
    """The code points ``font`` has a glyph for."""
    return _charmap(font.path)


def missing_glyphs(text: str, font: CJKFont | None) -> str:
    """The distinct CJK characters of ``text`` that ``font`` cannot draw (all, if no font)."""
    cjk = sorted({ch for ch in text if _is_cjk(ch)})
    if font is None:
        return "".join(cjk)
    cmap = charmap(font)
    return "".join(ch for ch in cjk if ord(ch) not in cmap)


def _register(path: str) -> str:
    from matplotlib import font_manager

    font_manager.fontManager.addfont(path)
    return font_manager.FontProperties(fname=path).get_name()


@lru_cache(maxsize=4)
def find_cjk_font(choice: str = "bundled") -> CJKFont | None:
    """The report font for ``choice`` (``"bundled"``, ``"system"`` or a font file's path),
    registered with matplotlib.  ``"bundled"`` returns ``None`` when neither the subset nor a
    system CJK font exists (the caller falls back to English); the others raise
    :class:`FontError` naming what is missing."""
    if choice == "bundled":
        if BUNDLED.is_file():
            try:
                return CJKFont(_register(str(BUNDLED)), str(BUNDLED), True)
            except (OSError, RuntimeError, ValueError):
                pass
        from matplotlib import font_manager

        known = {f.name: f.fname for f in font_manager.fontManager.ttflist}
        for family in SYSTEM_FAMILIES:
            if family in known and known[family].lower().endswith(".ttf"):
                return CJKFont(family, known[family], False, known[family])
        return None
    source = system_font_path() if choice == "system" else Path(choice)
    if not source.is_file():
        raise FontError(f"--font: {str(source)!r} is not a font file; give 'bundled', "
                        "'system' or the path of a .ttf/.otf/.ttc file")
    path = _converted(source)
    return CJKFont(_register(str(path)), str(path), False, str(source))


def system_font_path() -> Path:
    """The system's Noto Sans CJK SC (asked of fontconfig, else the usual places)."""
    if shutil.which("fc-match"):
        try:
            out = subprocess.run(["fc-match", "-f", "%{file}", "Noto Sans CJK SC"],
                                 capture_output=True, text=True, timeout=10,
                                 check=False).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            out = ""
        if out and "cjk" in out.lower() and Path(out).is_file():
            return Path(out)
    for p in SYSTEM_PATHS:
        if Path(p).is_file():
            return Path(p)
    raise FontError("--font system: no Noto Sans CJK SC on this system (Debian/Ubuntu: "
                    "apt-get install fonts-noto-cjk); use --font bundled or give a font file")


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "changjing" / "fonts"


def _converted(source: Path) -> Path:
    """A TrueType copy of ``source`` holding the report character set plus the bundled
    subset's characters, made once and cached (the conversion takes a few seconds)."""
    from changjing.report.fontsubset import report_charset, truetype_subset

    st = source.stat()
    key = hashlib.sha256(f"{source.resolve()}|{st.st_size}|{st.st_mtime_ns}|v1".encode())
    out = _cache_dir() / f"{source.stem}-{key.hexdigest()[:16]}.ttf"
    if out.is_file():
        return out
    text = report_charset()
    if BUNDLED.is_file():
        text += "".join(map(chr, _charmap(str(BUNDLED))))
    data = truetype_subset(source, text, family="Noto Sans CJK SC changjing")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(f".{os.getpid()}.partial")
    tmp.write_bytes(data)
    tmp.replace(out)
    return out


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


def font_face_css(font: CJKFont | None, text: str | None = None) -> str:
    """An ``@font-face`` rule embedding the report font as a WOFF data URI (no network):
    only the glyphs of ``text`` when given (a page carries what it shows, not 3 MB)."""
    if font is None:
        return ""
    return _font_face_css(font.path, font.family,
                          None if text is None else "".join(sorted(set(text))))


@lru_cache(maxsize=4)
def _font_face_css(path: str, family: str, text: str | None) -> str:
    import base64
    import io

    from fontTools.ttLib import TTFont

    if text is None:
        tt = TTFont(path, recalcTimestamp=False)   # keep head.modified: same bytes every time
        tt.flavor = "woff"
        buf = io.BytesIO()
        tt.save(buf, reorderTables=True)
        data = buf.getvalue()
    else:
        from changjing.report.fontsubset import truetype_subset

        data = truetype_subset(path, text, family=family, flavor="woff")
    b64 = base64.b64encode(data).decode("ascii")
    return (f"@font-face {{ font-family: '{family}'; font-style: normal; font-weight: 400; "
            f"src: url(data:font/woff;base64,{b64}) format('woff'); }}\n")
