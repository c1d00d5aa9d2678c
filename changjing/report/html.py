"""A small, self-contained HTML writer: every string is escaped, CSS is inline, figures are
embedded as base64 PNG, and the page references nothing outside itself (no scripts, no links to
the network), so it opens offline from a file or an e-mail attachment.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Iterable

import pandas as pd

from changjing.report.document import (
    Bullets,
    Figure,
    Paragraph,
    Report,
    Section,
    Table,
    format_value,
)
from changjing.report.fonts import font_face_css, has_cjk


def esc(value: object) -> str:
    """Escape text for element content and attribute values (quotes included)."""
    return html.escape(str(value), quote=True)


CSS = """
:root { --ink: #1b1f24; --muted: #5b6470; --rule: #d5dae1; --accent: #0b5394;
        --warn-bg: #fff4e5; --warn: #8a4b00; --note-bg: #eef4fb; }
* { box-sizing: border-box; }
body { font-family: 'Noto Sans SC changjing', 'Noto Sans CJK SC', 'Source Han Sans SC',
       'PingFang SC', 'Microsoft YaHei', 'Hiragino Sans GB', 'Segoe UI', Helvetica, Arial,
       sans-serif;
       color: var(--ink); line-height: 1.55; margin: 0 auto; max-width: 60rem;
       padding: 1.5rem 2rem 4rem; font-size: 15px; background: #fff; }
h1 { font-size: 1.75rem; margin: 0 0 .2rem; }
h2 { font-size: 1.4rem; margin: 2.6rem 0 .6rem; padding-bottom: .25rem;
     border-bottom: 2px solid var(--accent); }
h3 { font-size: 1.12rem; margin: 1.8rem 0 .5rem; color: var(--accent); }
p.subtitle { color: var(--muted); margin: 0 0 1.2rem; }
nav.toc { background: #f7f9fb; border: 1px solid var(--rule); padding: .6rem 1.2rem;
          margin: 1rem 0 1.5rem; }
nav.toc ol { margin: .2rem 0; padding-left: 1.4rem; }
nav.toc a { color: var(--accent); text-decoration: none; }
table { border-collapse: collapse; margin: .6rem 0 .3rem; font-size: .86rem; width: auto;
        max-width: 100%; }
caption { caption-side: top; text-align: left; font-weight: 600; padding: .2rem 0 .35rem; }
th, td { border-bottom: 1px solid var(--rule); padding: .22rem .55rem; vertical-align: top; }
th { background: #f1f4f8; text-align: left; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.tablewrap { overflow-x: auto; }
p.tablenote { color: var(--muted); font-size: .82rem; margin: .1rem 0 1rem; }
figure { margin: 1.2rem 0; page-break-inside: avoid; break-inside: avoid; }
figure img { max-width: 100%; height: auto; display: block; }
figcaption { color: var(--muted); font-size: .86rem; margin-top: .3rem; }
.warning { background: var(--warn-bg); color: var(--warn); padding: .5rem .8rem;
           border-left: 4px solid #e69f00; }
.note { background: var(--note-bg); padding: .5rem .8rem; border-left: 4px solid var(--accent); }
pre { background: #f5f6f8; padding: .6rem .8rem; overflow-x: auto; font-size: .8rem;
      white-space: pre-wrap; word-break: break-word; }
code { font-family: 'DejaVu Sans Mono', Consolas, monospace; font-size: .85em; }
details summary { cursor: pointer; color: var(--accent); margin: .3rem 0; }
@media print { details > pre { display: block; } }
footer { margin-top: 3rem; color: var(--muted); font-size: .8rem; border-top: 1px solid var(--rule);
         padding-top: .5rem; }
@media print {
  body { max-width: none; padding: 0; font-size: 10.5pt; }
  h2 { page-break-before: always; break-before: page; }
  nav.toc { page-break-after: always; }
  .tablewrap { overflow: visible; }
  a { color: inherit; }
}
"""


def _table(t: Table, lang: str) -> str:
    shown = t.page_frame()
    frame = shown
    numeric = {c for c in frame.columns
               if pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(
                   frame[c])}
    out = [f'<div class="tablewrap"><table id="t-{esc(t.key)}">']
    if t.title:
        out.append(f"<caption>{esc(t.title)}</caption>")
    out.append("<thead><tr>" + "".join(f"<th scope=\"col\">{esc(t.header(c))}</th>"
                                        for c in frame.columns) + "</tr></thead><tbody>")
    for row in shown.itertuples(index=False, name=None):
        cells = []
        for col, v in zip(frame.columns, row, strict=True):
            fmt = t.formats.get(col, "float2" if col in numeric and isinstance(v, float)
                                else "text")
            cls = ' class="num"' if col in numeric or fmt != "text" else ""
            cells.append(f"<td{cls}>{esc(format_value(v, fmt, lang))}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table></div>")
    if t.note:
        out.append(f'<p class="tablenote">{esc(t.note)}</p>')
    return "".join(out)


def _figure(f: Figure, lang: str) -> str:
    data = base64.b64encode(f.png).decode("ascii")
    sep = "。" if lang == "zh" else ". "
    return (f'<figure id="f-{esc(f.key)}"><img alt="{esc(f.title)}" '
            f'src="data:image/png;base64,{data}">'
            f"<figcaption><strong>{esc(f.title)}</strong>"
            f"{sep + esc(f.caption) if f.caption else ''}</figcaption></figure>")


def _block(b, lang: str) -> str:
    if isinstance(b, Paragraph):
        if b.kind == "code":
            pre = f"<pre><code>{esc(b.text)}</code></pre>"
            return f"<details><summary>{esc(b.fold)}</summary>{pre}</details>" if b.fold else pre
        cls = f' class="{b.kind}"' if b.kind in ("note", "warning") else ""
        return f"<p{cls}>{esc(b.text)}</p>"
    if isinstance(b, Bullets):
        return "<ul>" + "".join(f"<li>{esc(i)}</li>" for i in b.items) + "</ul>"
    if isinstance(b, Table):
        return _table(b, lang) if b.show else ""
    if isinstance(b, Figure):
        return _figure(b, lang)
    raise TypeError(f"unknown block {type(b).__name__}")


def _section(s: Section, lang: str) -> str:
    tag = "h2" if s.level <= 1 else "h3"
    parts = [f'<section id="{esc(s.key)}"><{tag}>{esc(s.title)}</{tag}>']
    parts.extend(_block(b, lang) for b in s.blocks)
    parts.append("</section>")
    return "\n".join(parts)


def _toc(sections: Iterable[Section]) -> str:
    items, open_sub = [], False
    for s in sections:
        link = f'<a href="#{esc(s.key)}">{esc(s.title)}</a>'
        if s.level <= 1:
            if open_sub:
                items.append("</ol></li>")
                open_sub = False
            items.append(f"<li>{link}<ol>")
            open_sub = True
        else:
            items.append(f"<li>{link}</li>")
    if open_sub:
        items.append("</ol></li>")
    return "<ol>" + "".join(items) + "</ol>"


def render(report: Report, font=None) -> str:
    """The whole report as one HTML string."""
    lang = report.lang
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{"zh-CN" if lang == "zh" else "en"}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        # Nothing may be fetched: no scripts, styles or images from anywhere.
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "img-src data:; style-src 'unsafe-inline'; font-src data:\">",
        '<meta name="generator" content="changjing report">',
        f"<title>{esc(report.title)}</title>",
        "<style>{{FONT_FACE}}" + CSS + "</style>",
        "</head>",
        "<body>",
        f"<header><h1>{esc(report.title)}</h1>",
        f'<p class="subtitle">{esc(report.meta.get("subtitle", ""))} · '
        f'{esc(_t("generated", lang))}: {esc(report.date)}</p></header>',
    ]
    if report.warnings:
        parts.append(f'<div class="warning"><strong>{esc(_t("warnings", lang))}</strong><ul>'
                     + "".join(f"<li>{esc(w)}</li>" for w in report.warnings) + "</ul></div>")
    parts.append(f'<nav class="toc"><strong>{esc(_t("contents", lang))}</strong>'
                 f"{_toc(report.sections)}</nav>")
    parts.extend(_section(s, lang) for s in report.sections)
    parts.append(f"<footer>changjing {'报告' if lang == 'zh' else 'report'} · "
                 f"{esc(report.date)}</footer>")
    parts.append("</body></html>\n")
    page = "\n".join(parts)
    # The font face carries the glyphs of this page only (the whole subset is ~3 MB).
    css = font_face_css(font, html.unescape(page)) if (
        lang == "zh" or has_cjk(page)) else ""
    return page.replace("<style>{{FONT_FACE}}", "<style>" + css, 1)


def _t(key: str, lang: str) -> str:
    from changjing.report.i18n import text

    return text(key, lang)
