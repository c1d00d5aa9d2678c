"""Policy reports (HTML/PDF/XLSX) from runs, sweeps and evaluation outputs.

``build_report(folders, lang="zh")`` reads output folders (``changjing run``, ``sweep``,
``evaluate score``, ``evaluate impact``) and returns a :class:`Report`;
``write_report(report, "report.html", pdf=True, xlsx=True)`` writes it.  See docs/reports.md.
This package may import ``changjing.simulate`` and ``changjing.evaluate``; neither imports it.
"""

from changjing.report.build import build_report, write_report
from changjing.report.document import Figure, Paragraph, Report, Section, Table
from changjing.report.errors import ReportError

__all__ = ["Figure", "Paragraph", "Report", "ReportError", "Section", "Table", "build_report",
           "write_report"]
