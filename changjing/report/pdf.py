"""The report as a PDF (A4 portrait), laid out with matplotlib's PdfPages — no extra
dependency.  Text is real text in the embedded CJK TrueType font (``pdf.fonttype = 42``);
figures are the report's PNG renderings at their print size; long tables continue on the next
page with their header repeated.  Returns the number of pages written.
"""

from __future__ import annotations

import io
import unicodedata
from pathlib import Path

from changjing.report.document import Bullets, Figure, Paragraph, Report, Table, format_value

PAGE_W, PAGE_H = 8.27, 11.69          # A4 in inches
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 0.75, 0.8, 0.9
WIDTH = PAGE_W - 2 * MARGIN_X
FOLD_LINES = 30                       # lines of a folded code block printed in the PDF
INK, MUTED, ACCENT, RULE = "#1b1f24", "#5b6470", "#0b5394", "#c9d0d8"


def _units(ch: str) -> float:
    """Advance width of a character in ems (approximate: wide CJK 1.0, others ~0.55)."""
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return 1.0
    if ch in "il.,:;|!'":
        return 0.3
    if ch.isupper() or ch in "mwMW@%":
        return 0.68
    return 0.56


def text_width(s: str, size: float) -> float:
    """Approximate width in inches of ``s`` at ``size`` points."""
    return sum(_units(c) for c in s) * size / 72


def wrap(text: str, width_in: float, size: float) -> list[str]:
    """Break text into lines that fit ``width_in``; Latin words stay whole, CJK breaks anywhere."""
    lines: list[str] = []
    for para in str(text).split("\n"):
        line, w = "", 0.0
        tokens = _tokens(para)
        for tok in tokens:
            tw = text_width(tok, size)
            if w + tw > width_in and line.strip():
                lines.append(line.rstrip())
                line, w = ("" if tok.isspace() else tok), (0.0 if tok.isspace() else tw)
                while w > width_in:                     # a single over-long token
                    cut = _fit(line, width_in, size)
                    lines.append(line[:cut])
                    line = line[cut:]
                    w = text_width(line, size)
            else:
                line += tok
                w += tw
        lines.append(line.rstrip())
    return lines


def _tokens(s: str) -> list[str]:
    out, buf = [], ""
    for ch in s:
        if unicodedata.east_asian_width(ch) in ("W", "F") or ch.isspace():
            if buf:
                out.append(buf)
                buf = ""
            out.append(ch)
        else:
            buf += ch
    if buf:
        out.append(buf)
    return out


def _fit(s: str, width_in: float, size: float) -> int:
    w = 0.0
    for i, ch in enumerate(s):
        w += _units(ch) * size / 72
        if w > width_in:
            return max(1, i)
    return len(s)


def _clip(s: str, width_in: float, size: float) -> str:
    if text_width(s, size) <= width_in + 1e-6:          # tolerance: widths are float sums
        return s
    return s[:max(1, _fit(s, width_in - text_width("…", size), size))] + "…"


class _Writer:
    def __init__(self, pdf, report: Report) -> None:
        self.pdf = pdf
        self.report = report
        self.pages = 0
        self.fig = None
        self.y = 0.0

    # -- pages ---------------------------------------------------------------------------------
    def new_page(self) -> None:
        import matplotlib.pyplot as plt

        self.finish_page()
        self.fig = plt.figure(figsize=(PAGE_W, PAGE_H))
        self.y = PAGE_H - MARGIN_TOP
        self.pages += 1

    def finish_page(self) -> None:
        import matplotlib.pyplot as plt

        if self.fig is None:
            return
        self.text(MARGIN_X, MARGIN_BOTTOM * 0.45, _clip(self.report.title, WIDTH - 1, 7.5),
                  7.5, MUTED)
        self.text(PAGE_W - MARGIN_X, MARGIN_BOTTOM * 0.45, str(self.pages), 7.5, MUTED,
                  ha="right")
        self.pdf.savefig(self.fig)
        plt.close(self.fig)
        self.fig = None

    def need(self, height: float) -> None:
        if self.fig is None or self.y - height < MARGIN_BOTTOM:
            self.new_page()

    def text(self, x: float, y: float, s: str, size: float, color: str = INK, ha: str = "left",
             weight: str = "normal", family: str | list[str] | None = None) -> None:
        kw = {"family": family} if family else {}
        self.fig.text(x / PAGE_W, y / PAGE_H, s, fontsize=size, color=color, ha=ha,
                      va="baseline", fontweight=weight, **kw)

    def rule(self, y: float, color: str = RULE, lw: float = 0.6, x0: float = MARGIN_X,
             x1: float = PAGE_W - MARGIN_X) -> None:
        from matplotlib.lines import Line2D

        self.fig.add_artist(Line2D([x0 / PAGE_W, x1 / PAGE_W], [y / PAGE_H, y / PAGE_H],
                                   color=color, linewidth=lw))

    # -- blocks --------------------------------------------------------------------------------
    def lines(self, lines: list[str], size: float, color: str = INK, indent: float = 0.0,
              family: str | list[str] | None = None, lead: float = 1.45) -> None:
        step = size * lead / 72
        for line in lines:
            self.need(step)
            self.y -= step
            self.text(MARGIN_X + indent, self.y + step * 0.25, line, size, color,
                      family=family)

    def heading(self, title: str, level: int, keep: float = 1.5) -> None:
        """``keep``: height of what must follow on the same page (no orphaned heading)."""
        if level <= 1:
            self.new_page()
            size = 16
        else:
            size = 12.5
            self.need(min(keep, PAGE_H - MARGIN_TOP - MARGIN_BOTTOM - 0.6) + 0.5)
            self.y -= 0.18
        for line in wrap(title, WIDTH, size):
            self.y -= size * 1.4 / 72
            self.text(MARGIN_X, self.y, line, size, INK if level <= 1 else ACCENT)
        if level <= 1:
            self.y -= 0.08
            self.rule(self.y, ACCENT, 1.2)
        self.y -= 0.12

    def paragraph(self, p: Paragraph) -> None:
        if p.kind == "code":
            size = 7
            lines = wrap(p.text, WIDTH - 0.2, size * 1.15)   # monospace: 0.6 em a char
            if p.fold and len(lines) > FOLD_LINES:
                more = len(lines) - FOLD_LINES
                lines = lines[:FOLD_LINES] + [f"… ({more} more lines: {p.fold})"]
            font = self.report.meta.get("font")
            mono = ["DejaVu Sans Mono"] + ([font.family] if font else [])   # CJK fallback
            self.lines(lines, size, "#333333", 0.1, family=mono, lead=1.35)
        else:
            size = 9.5 if p.kind == "p" else 9
            color = {"warning": "#8a4b00", "note": "#2b4a6b"}.get(p.kind, INK)
            self.lines(wrap(p.text, WIDTH, size), size, color)
        self.y -= 0.08

    def bullets(self, b: Bullets) -> None:
        size = 9.5
        for item in b.items:
            lines = wrap(item, WIDTH - 0.25, size)
            self.need(size * 1.45 / 72)
            self.text(MARGIN_X + 0.05, self.y - size * 1.45 / 72 + size * 0.36 / 72, "•",
                      size)
            self.lines(lines, size, indent=0.25)
        self.y -= 0.08

    def table(self, t: Table) -> None:
        frame = t.page_frame()
        cols = list(frame.columns)
        if not cols:
            return
        header = [t.header(c) for c in cols]
        numeric = {c for c in cols if frame[c].dtype.kind in "if"}
        cells = [[format_value(v, t.formats.get(c, "float2" if c in numeric and
                                                isinstance(v, float) else "text"),
                               self.report.lang) for c, v in zip(cols, row, strict=True)]
                 for row in frame.itertuples(index=False, name=None)]
        size = 8.0
        pad = 0.08
        natural = [max([text_width(h, size) for h in [header[j]]] +
                       [text_width(r[j], size) for r in cells]) + 2 * pad
                   for j in range(len(cols))]
        total = sum(natural)
        if total > WIDTH:
            size = max(6.5, size * WIDTH / total)
            natural = [w * size / 8.0 for w in natural]
            total = sum(natural)
        if total > WIDTH:                    # still too wide: shrink the widest columns
            cap = WIDTH / len(cols)
            spare = WIDTH - sum(min(w, cap) for w in natural)
            wide = [w for w in natural if w > cap]
            extra = spare / len(wide) if wide else 0
            natural = [w if w <= cap else cap + extra for w in natural]
        widths = natural
        row_h = size * 1.75 / 72
        if t.title:
            self.need(row_h * 3 + 0.3)
            for line in wrap(t.title, WIDTH, 9):
                self.y -= 9 * 1.45 / 72
                self.text(MARGIN_X, self.y, line, 9)
            self.y -= 0.05

        def draw_header() -> None:
            from matplotlib.patches import Rectangle

            self.fig.add_artist(Rectangle((MARGIN_X / PAGE_W, (self.y - row_h) / PAGE_H),
                                          sum(widths) / PAGE_W, row_h / PAGE_H,
                                          color="#eef1f5", transform=self.fig.transFigure,
                                          linewidth=0))
            self._row(header, widths, numeric, cols, size, bold=True)
            self.rule(self.y, "#8a94a0", 0.7, MARGIN_X, MARGIN_X + sum(widths))

        self.need(row_h * 2)
        draw_header()
        for r in cells:
            if self.y - row_h < MARGIN_BOTTOM:
                self.new_page()
                draw_header()
            self._row(r, widths, numeric, cols, size)
            self.rule(self.y, RULE, 0.4, MARGIN_X, MARGIN_X + sum(widths))
        if t.note or (t.max_rows is not None and len(t.frame) > t.max_rows):
            self.y -= 0.04
            self.lines(wrap(t.note, WIDTH, 7.5), 7.5, MUTED)
        self.y -= 0.18

    def _row(self, values, widths, numeric, cols, size, bold=False) -> None:
        row_h = size * 1.75 / 72
        self.y -= row_h
        x = MARGIN_X
        for v, w, c in zip(values, widths, cols, strict=True):
            s = _clip(str(v), w - 0.16, size)
            right = c in numeric and not bold
            self.text(x + (w - 0.08 if right else 0.08), self.y + row_h * 0.3, s, size,
                      ha="right" if right else "left", )
            x += w

    def figure(self, f: Figure) -> None:
        import matplotlib.image as mpimg

        img = mpimg.imread(io.BytesIO(f.png), format="png")
        h_px, w_px = img.shape[:2]
        w = min(WIDTH, w_px / 150)
        h = w * h_px / w_px
        avail = PAGE_H - MARGIN_TOP - MARGIN_BOTTOM - 0.6
        if h > avail:
            h = avail
            w = h * w_px / h_px
        sep = "。" if self.report.lang == "zh" else ". "
        cap = wrap(f"{f.title}{sep}{f.caption}" if f.caption else f.title, WIDTH, 8)
        self.need(h + len(cap) * 8 * 1.4 / 72 + 0.15)
        self.y -= h
        ax = self.fig.add_axes([(MARGIN_X + (WIDTH - w) / 2) / PAGE_W, self.y / PAGE_H,
                                w / PAGE_W, h / PAGE_H])
        ax.imshow(img, interpolation="lanczos")
        ax.set_axis_off()
        self.y -= 0.06
        self.lines(cap, 8, MUTED)
        self.y -= 0.12


def _figure_height(f: Figure) -> float:
    import struct

    w_px, h_px = struct.unpack(">II", f.png[16:24])      # PNG IHDR
    w = min(WIDTH, w_px / 150)
    return w * h_px / w_px + 0.4


def _first_height(blocks) -> float:
    if not blocks:
        return 0.5
    b = blocks[0]
    if isinstance(b, Figure):
        return _figure_height(b)
    if isinstance(b, Paragraph) and len(blocks) > 1 and isinstance(blocks[1], Figure):
        return 0.5 + _figure_height(blocks[1])
    return 1.5


def write_pdf(report: Report, path: str | Path) -> int:
    """Write the report to ``path``; returns the number of pages."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.backends.backend_pdf import PdfPages

    from changjing.report.i18n import text

    meta = {"Title": report.title, "Creator": "changjing report", "Producer": "matplotlib",
            "CreationDate": None, "ModDate": None}
    with PdfPages(path, metadata=meta) as pdf:
        w = _Writer(pdf, report)
        w.new_page()
        w.y -= 1.2
        for line in wrap(report.title, WIDTH, 22):
            w.y -= 22 * 1.4 / 72
            w.text(MARGIN_X, w.y, line, 22)
        w.y -= 0.15
        w.lines(wrap(f"{report.meta.get('subtitle', '')}", WIDTH, 11), 11, MUTED)
        w.lines([f"{text('generated', report.lang)}: {report.date}"], 11, MUTED)
        w.y -= 0.3
        if report.warnings:
            w.lines([text("warnings", report.lang)], 10, "#8a4b00")
            for item in report.warnings:
                w.lines(wrap("• " + item, WIDTH, 9), 9, "#8a4b00")
            w.y -= 0.2
        w.lines([text("contents", report.lang)], 12)
        for s in report.sections:
            indent = 0.0 if s.level <= 1 else 0.3
            w.lines(wrap(s.title, WIDTH - indent, 10 if s.level <= 1 else 9), 10 if s.level
                    <= 1 else 9, INK if s.level <= 1 else MUTED, indent)
        for s in report.sections:
            w.heading(s.title, s.level, _first_height(s.blocks))
            for b in s.blocks:
                if isinstance(b, Paragraph):
                    w.paragraph(b)
                elif isinstance(b, Bullets):
                    w.bullets(b)
                elif isinstance(b, Table):
                    if b.show:
                        w.table(b)
                elif isinstance(b, Figure):
                    w.figure(b)
        w.finish_page()
        return w.pages
