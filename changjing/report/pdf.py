"""The report as a PDF (A4 portrait), laid out with reportlab's Platypus from the same document
model as the HTML (:mod:`changjing.report.document`).

- Text is real text in the report's CJK TrueType font, embedded as a subset by reportlab;
  paragraphs and table cells wrap with CJK line breaking (a break may fall between any two
  hanzi, never inside a Latin word or a number unless the word alone is wider than the line).
- Tables repeat their header row on every page they continue on.  Column widths are measured
  with the font's real advance widths: every numeric column gets at least the width of its
  widest cell, so a number is never clipped or broken; text columns share what is left and wrap.
  If the numbers alone do not fit, the table's font shrinks (down to 6 pt), and past that the
  table is set in a landscape page.
- Figures are the report's SVG renderings (text as outlines) converted to reportlab drawings by
  svglib: vector graphics at any zoom, no font needed.
- Reproducible: reportlab's invariant mode (fixed creation date and document id), no file path
  in the output, so equal reports give byte-identical PDFs wherever the package is installed.

Needs the ``report`` extra (``pip install "changjing[report]"``: reportlab, svglib).
"""

from __future__ import annotations

import io
from pathlib import Path
from xml.sax.saxutils import escape

from changjing.report.document import Bullets, Figure, Paragraph, Report, Table, format_value
from changjing.report.errors import ReportError

FONT = "ChangjingCJK"             # the name the CJK font is registered under in reportlab
MIN_SIZE = 6.0                    # smallest table font (pt)
FOLD_LINES = 30                   # lines of a folded code block printed in the PDF
INK, MUTED, ACCENT, RULE, WARN = "#1b1f24", "#5b6470", "#0b5394", "#c9d0d8", "#8a4b00"


def _require():
    try:
        import reportlab  # noqa: F401
        import svglib  # noqa: F401
    except ImportError as exc:
        raise ReportError(f"--pdf needs reportlab and svglib ({exc.name} is not installed); "
                          "install them with: pip install \"changjing[report]\"") from None


def _register_font(font) -> str:
    """Register the report's TrueType font with reportlab under a fixed name (the name, not
    the file's path, is what ends up in the PDF)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if font is None:
        return "Helvetica"
    data = Path(font.path).read_bytes()
    name = f"{FONT}-{_digest(data)}"
    if name not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(name, io.BytesIO(data)))
    return name


def _digest(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()[:8]


def _styles(fontname: str):
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle

    base = ParagraphStyle("base", fontName=fontname, fontSize=9.5, leading=14.5,
                          textColor=colors.HexColor(INK), wordWrap="CJK", spaceAfter=5)
    mk = lambda name, **kw: ParagraphStyle(name, parent=base, **kw)
    return {
        "p": base,
        "note": mk("note", textColor=colors.HexColor("#2b4a6b"), fontSize=9, leading=13.5,
                   backColor=colors.HexColor("#eef4fb"), borderPadding=(3, 4, 3, 4),
                   leftIndent=4, rightIndent=4, spaceBefore=3, spaceAfter=7),
        "warning": mk("warning", textColor=colors.HexColor(WARN), fontSize=9, leading=13.5,
                      backColor=colors.HexColor("#fff4e5"), borderPadding=(3, 4, 3, 4),
                      leftIndent=4, rightIndent=4, spaceBefore=3, spaceAfter=7),
        "code": mk("code", fontSize=7, leading=9.2, textColor=colors.HexColor("#333333"),
                   backColor=colors.HexColor("#f5f6f8"), borderPadding=3, leftIndent=3,
                   rightIndent=3),
        "bullet": mk("bullet", leftIndent=12, bulletIndent=2, spaceAfter=3),
        "h1": mk("h1", fontSize=16, leading=21, spaceBefore=0, spaceAfter=8),
        "h2": mk("h2", fontSize=12.5, leading=17, spaceBefore=10, spaceAfter=5,
                 textColor=colors.HexColor(ACCENT)),
        "title": mk("title", fontSize=22, leading=29, spaceBefore=60, spaceAfter=10),
        "subtitle": mk("subtitle", fontSize=11, leading=15, textColor=colors.HexColor(MUTED)),
        "caption": mk("caption", fontSize=8, leading=11.5, textColor=colors.HexColor(MUTED),
                      spaceBefore=2, spaceAfter=10),
        "tabletitle": mk("tabletitle", fontSize=9, leading=13, spaceBefore=4, spaceAfter=3),
        "tablenote": mk("tablenote", fontSize=7.5, leading=10.5,
                        textColor=colors.HexColor(MUTED), spaceBefore=2, spaceAfter=9),
        "toc1": mk("toc1", fontSize=10, leading=14, spaceAfter=1),
        "toc2": mk("toc2", fontSize=9, leading=12.5, leftIndent=14, spaceAfter=0,
                   textColor=colors.HexColor(MUTED)),
    }


def _para(text: str, style):
    from reportlab.platypus import Paragraph as RLParagraph

    return RLParagraph(escape(str(text)).replace("\n", "<br/>"), style)


# ---------------------------------------------------------------- tables

def table_cells(t: Table, lang: str) -> tuple[list[str], list[list[str]], set[int]]:
    """Header labels, formatted cell strings (exactly as the HTML shows them) and the indices
    of numeric columns."""
    frame = t.page_frame()
    cols = list(frame.columns)
    numeric = {j for j, c in enumerate(cols) if frame[c].dtype.kind in "ifu"}
    header = [t.header(c) for c in cols]
    cells = [[format_value(v, t.formats.get(c, "float2" if j in numeric and isinstance(v, float)
                                            else "text"), lang)
              for j, (c, v) in enumerate(zip(cols, row, strict=True))]
             for row in frame.itertuples(index=False, name=None)]
    return header, cells, numeric


def column_widths(header: list[str], cells: list[list[str]], numeric: set[int], fontname: str,
                  size: float, width: float, pad: float = 8.0) -> list[float] | None:
    """Widths (points) that fit ``width``, or ``None`` if the numeric columns alone do not.

    A numeric column is as wide as its widest cell (a number is never broken); a text column
    wants its natural width but can shrink down to its longest unbreakable piece or 1/8 of
    the page (it wraps).  Spare width goes to the text columns in proportion to their need."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    def w(s: str) -> float:
        return stringWidth(s, fontname, size) + pad

    n = len(header)
    natural, minimum = [], []
    for j in range(n):
        col = [r[j] for r in cells]
        nat = max([w(header[j])] + [w(s) for s in col])
        if j in numeric:
            mn = max([w(s) for s in col] + [min(w(header[j]), 3 * size + pad)])
        else:
            pieces = [p for s in col + [header[j]] for p in str(s).split()
                      if not any(ord(ch) > 0x2E7F for ch in p)]
            mn = min(nat, max([w(p) for p in pieces] + [4 * size + pad]), width / 8)
            mn = max(mn, 2 * size + pad)
        natural.append(nat)
        minimum.append(min(nat, mn) if j not in numeric else mn)
    if sum(natural) <= width:
        return natural
    if sum(minimum) > width:
        return None
    spare = width - sum(minimum)
    need = [natural[j] - minimum[j] for j in range(n)]
    total = sum(need) or 1.0
    return [minimum[j] + spare * need[j] / total for j in range(n)]


def _table_flowables(t: Table, lang: str, fontname: str, styles, width: float,
                     landscape_width: float) -> tuple[list, bool]:
    """The table as flowables; the flag says it needs a landscape page."""
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_RIGHT
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Table as RLTable
    from reportlab.platypus import TableStyle

    header, cells, numeric = table_cells(t, lang)
    if not header:
        return [], False
    size, widths, landscape = 8.0, None, False
    while size >= MIN_SIZE:
        widths = column_widths(header, cells, numeric, fontname, size, width)
        if widths:
            break
        size -= 0.5
    if widths is None:                     # numbers still do not fit: a landscape page
        landscape, size = True, 8.0
        while size >= MIN_SIZE and widths is None:
            widths = column_widths(header, cells, numeric, fontname, size, landscape_width)
            if widths is None:
                size -= 0.5
        if widths is None:                 # last resort: the smallest size, exact widths
            size = MIN_SIZE
            widths = column_widths(header, cells, numeric, fontname, size, 1e9)
    cell = ParagraphStyle("cell", parent=styles["p"], fontSize=size, leading=size * 1.3,
                          spaceAfter=0, spaceBefore=0)
    num = ParagraphStyle("num", parent=cell, alignment=TA_RIGHT)
    head = ParagraphStyle("head", parent=cell, textColor=colors.HexColor(INK))
    data = [[_para(h, head) for h in header]]
    for r in cells:
        data.append([_para(v, num if j in numeric else cell) for j, v in enumerate(r)])
    tab = RLTable(data, colWidths=widths, repeatRows=1, hAlign="LEFT")
    tab.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef1f5")),
        ("LINEBELOW", (0, 0), (-1, 0), 0.7, colors.HexColor("#8a94a0")),
        ("LINEBELOW", (0, 1), (-1, -1), 0.4, colors.HexColor(RULE)),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 4), ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
    ]))
    out = []
    if t.title:
        out.append(_para(t.title, styles["tabletitle"]))
    out.append(tab)
    if t.note:
        out.append(_para(t.note, styles["tablenote"]))
    else:
        from reportlab.platypus import Spacer

        out.append(Spacer(1, 8))
    return out, landscape


# ---------------------------------------------------------------- figures

def _drawing(f: Figure, width: float, height: float):
    """The figure's SVG as a reportlab drawing scaled to fit ``width`` × ``height`` points."""
    from svglib.svglib import svg2rlg

    d = svg2rlg(io.BytesIO(f.svg))
    if d is None:
        raise ReportError(f"figure {f.key}: its SVG could not be converted for the PDF")
    scale = min(width / d.width, height / d.height, 1.0 if d.width <= width else 10.0)
    d.width, d.height = d.width * scale, d.height * scale
    d.scale(scale, scale)
    d.hAlign = "CENTER"
    return d


# ---------------------------------------------------------------- document

def write_pdf(report: Report, path: str | Path) -> int:
    """Write the report to ``path``; returns the number of pages."""
    _require()
    from reportlab import rl_config
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        BaseDocTemplate,
        CondPageBreak,
        Frame,
        KeepTogether,
        NextPageTemplate,
        PageBreak,
        PageTemplate,
        Spacer,
    )

    from changjing.report.i18n import text

    rl_config.invariant = 1            # fixed dates and document id: reproducible bytes
    fontname = _register_font(report.meta.get("font"))
    styles = _styles(fontname)
    lang = report.lang
    margin_x, margin_top, margin_bottom = 19 * mm, 20 * mm, 22 * mm
    pw, ph = A4
    lw, lh = landscape(A4)
    width = pw - 2 * margin_x
    landscape_width = lw - 2 * margin_x
    title = report.title

    def footer(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont(fontname, 7.5)
        canvas.setFillColor(colors.HexColor(MUTED))
        w, _ = canvas._pagesize
        canvas.drawString(margin_x, margin_bottom * 0.45, title[:120])
        canvas.drawRightString(w - margin_x, margin_bottom * 0.45, str(doc.page))
        canvas.restoreState()

    class Doc(BaseDocTemplate):
        def afterFlowable(self, flowable) -> None:
            level = getattr(flowable, "_outline_level", None)
            if level is not None:
                key = f"s{self.seq.nextf('outline')}"
                self.canv.bookmarkPage(key)
                self.canv.addOutlineEntry(flowable._outline_text, key, level=level,
                                          closed=level > 0)

    buf = io.BytesIO()
    doc = Doc(buf, pagesize=A4, leftMargin=margin_x, rightMargin=margin_x,
              topMargin=margin_top, bottomMargin=margin_bottom, title=title,
              author="changjing report", creator="changjing report", subject="",
              producer="changjing report (reportlab)", lang="zh-CN" if lang == "zh" else "en")
    doc.addPageTemplates([
        PageTemplate("portrait", [Frame(margin_x, margin_bottom, width,
                                        ph - margin_top - margin_bottom, id="p",
                                        leftPadding=0, rightPadding=0, topPadding=0,
                                        bottomPadding=0)], onPage=footer, pagesize=A4),
        PageTemplate("landscape", [Frame(margin_x, margin_bottom, landscape_width,
                                         lh - margin_top - margin_bottom, id="l",
                                         leftPadding=0, rightPadding=0, topPadding=0,
                                         bottomPadding=0)], onPage=footer,
                     pagesize=landscape(A4)),
    ])
    story: list = [_para(title, styles["title"]),
                   _para(report.meta.get("subtitle", ""), styles["subtitle"]),
                   _para(f"{text('generated', lang)}: {report.date}", styles["subtitle"]),
                   Spacer(1, 14)]
    if report.warnings:
        story.append(_para(text("warnings", lang), styles["warning"]))
        for item in report.warnings:
            story.append(_para("• " + item, styles["warning"]))
        story.append(Spacer(1, 8))
    story.append(_para(text("contents", lang), styles["h2"]))
    for s in report.sections:
        story.append(_para(s.title, styles["toc1" if s.level <= 1 else "toc2"]))
    avail_h = ph - margin_top - margin_bottom
    for s in report.sections:
        if s.level <= 1:
            story.append(PageBreak())
            head = _para(s.title, styles["h1"])
        else:
            story.append(CondPageBreak(60))
            head = _para(s.title, styles["h2"])
        head._outline_level = 0 if s.level <= 1 else 1
        head._outline_text = s.title
        pending = [head]                   # the heading stays with what follows it
        for b in s.blocks:
            flow = _block(b, lang, fontname, styles, width, landscape_width, avail_h)
            if flow is None:
                continue
            items, wide = flow
            if wide:
                story.extend(pending)
                pending = []
                story += [NextPageTemplate("landscape"), PageBreak(), *items,
                          NextPageTemplate("portrait"), PageBreak()]
                continue
            if pending:
                # a heading and a short lead-in paragraph stay with what follows them
                if len(pending) == 1 and isinstance(b, Paragraph) and b.kind != "code":
                    pending.extend(items)
                    continue
                first, rest = items[:1], items[1:]
                story.append(KeepTogether(pending + first))
                pending = []
                story.extend(rest)
            else:
                story.extend(items)
        story.extend(pending)
    from functools import partial

    from reportlab.pdfgen.canvas import Canvas

    doc.build(story, canvasmaker=partial(Canvas, initialFontName=fontname,
                                         initialFontSize=9.5))
    Path(path).write_bytes(buf.getvalue())
    return doc.page


def _block(b, lang: str, fontname: str, styles, width: float, landscape_width: float,
           avail_h: float):
    from reportlab.platypus import KeepTogether, Preformatted

    if isinstance(b, Paragraph):
        if b.kind == "code":
            lines = b.text.splitlines()
            if b.fold and len(lines) > FOLD_LINES:
                more = len(lines) - FOLD_LINES
                lines = lines[:FOLD_LINES] + [f"… ({more} more lines: {b.fold})"]
            wrapped = []
            for line in lines:          # Preformatted does not wrap: break long lines here
                while len(line) > 110:
                    wrapped.append(line[:110])
                    line = "  " + line[110:]
                wrapped.append(line)
            return [Preformatted("\n".join(wrapped), styles["code"])], False
        return [_para(b.text, styles.get(b.kind, styles["p"]))], False
    if isinstance(b, Bullets):
        from reportlab.platypus import Paragraph as RLParagraph

        return [RLParagraph(escape(str(i)), styles["bullet"], bulletText="•")
                for i in b.items], False
    if isinstance(b, Table):
        if not b.show:
            return None
        return _table_flowables(b, lang, fontname, styles, width, landscape_width)
    if isinstance(b, Figure):
        sep = "。" if lang == "zh" else ". "
        cap = f"{b.title}{sep}{b.caption}" if b.caption else b.title
        drawing = _drawing(b, width, avail_h - 60)
        return [KeepTogether([drawing, _para(cap, styles["caption"])])], False
    raise TypeError(f"unknown block {type(b).__name__}")
