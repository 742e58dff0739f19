"""The audit report for a supervising office: every report of a batch against the checklist of
``audit_checks``, a summary of how many reports fail each check (worst first), as HTML or CSV."""
from __future__ import annotations

import csv
import io
import logging
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional, Union

from giextract.core.model import Report
from giextract.views import assets
from giextract.views.audit_checks import CHECKS, FAIL, NA, PASS, UNKNOWN, Check, Context, checklist
from giextract.views.common import esc, load_reports, source_text
from giextract.views.rollup import read_hierarchy, rollup
from giextract.views.similarity import most_similar_earlier

log = logging.getLogger(__name__)
OUTCOMES = (FAIL, UNKNOWN, PASS, NA)
CSV_COLUMNS = ("report", "agency", "report_year", "era", "check", "title", "outcome", "evidence", "quotes")


@dataclass
class Audited:
    report: Report
    checks: list[Check]


def _agency(report: Report) -> Optional[str]:
    name = (report.meta.agency or "").strip()
    return name or None


def audit(reports: Union[Iterable[Report], str, Path], hierarchy: Optional[Path] = None,
          read_sources: bool = True) -> list[Audited]:
    """The checklist of every report. ``hierarchy``: the parent → child CSV of ``rollup``;
    ``read_sources``: re-read each source for the checks that need its text (prose figures)."""
    items = load_reports(reports)
    parents = read_hierarchy(hierarchy) if hierarchy else {}
    by_agency: dict[tuple[str, int], Report] = {}
    history: dict[str, list[Report]] = defaultdict(list)
    for report in items:
        name, year = _agency(report), report.meta.report_year
        if name and year is not None and report.source.chars:
            by_agency.setdefault((name, year), report)
            history[name].append(report)
    out = []
    for report in items:
        name, year = _agency(report), report.meta.report_year
        earlier = [r for r in history.get(name or "", []) if year is not None and (r.meta.report_year or year) < year]
        ctx = Context(text=source_text(report).text if read_sources and report.source.chars else None,
                      earlier_count=len(earlier), hierarchy_given=hierarchy is not None,
                      similarity=most_similar_earlier(report, earlier),
                      rollup=rollup(report, parents[name], by_agency) if name in parents else None)
        out.append(Audited(report, checklist(report, ctx)))
    return out


def summary(audited: list[Audited]) -> list[tuple[str, str, dict[str, int]]]:
    """(check key, title, outcome → number of reports), the checks most often failed first."""
    rows = []
    for i, check in enumerate(CHECKS):
        counts = {o: 0 for o in OUTCOMES}
        title = key = ""
        for item in audited:
            c = item.checks[i]
            counts[c.outcome] = counts.get(c.outcome, 0) + 1
            title, key = c.title, c.key
        rows.append((key, title, counts))
    return sorted(rows, key=lambda r: (-r[2][FAIL], -r[2][UNKNOWN]))


def write_csv(audited: list[Audited], out: Union[Path, io.TextIOBase]) -> None:
    """One row per report and check."""
    def rows(writer: "csv.DictWriter[str]") -> None:
        writer.writeheader()
        for item in audited:
            r = item.report
            for c in item.checks:
                writer.writerow({"report": r.source.path, "agency": r.meta.agency, "report_year": r.meta.report_year,
                                 "era": r.meta.era, "check": c.key, "title": c.title, "outcome": c.outcome,
                                 "evidence": c.evidence, "quotes": " | ".join(c.quotes)})

    if isinstance(out, Path):
        with out.open("w", encoding="utf-8", newline="") as f:
            rows(csv.DictWriter(f, fieldnames=CSV_COLUMNS))
    else:
        rows(csv.DictWriter(out, fieldnames=CSV_COLUMNS))  # type: ignore[arg-type]


AUDIT_CSS = """
.o-pass{background:#c8f0c8}.o-fail{background:#ffb0b0}.o-cannot{background:#ffe6a0}.o-na{background:#eee;color:#666}
td.o{white-space:nowrap;text-align:center}section{margin:18px 0;border-top:2px solid #999}
.quote{color:#444;font-size:12px;margin:2px 0 0 10px}
"""


def _outcome_class(outcome: str) -> str:
    return {PASS: "o-pass", FAIL: "o-fail", UNKNOWN: "o-cannot"}.get(outcome, "o-na")


def render_html(audited: list[Audited], review_dir: Optional[str] = None) -> str:
    head = "".join(f"<th>{esc(o)}</th>" for o in OUTCOMES)
    summary_rows = "".join(
        f"<tr><td>{esc(title)}</td>" + "".join(f'<td class="o {_outcome_class(o)}">{counts[o]}</td>' for o in OUTCOMES) + "</tr>"
        for _, title, counts in summary(audited))
    ranked = sorted(range(len(audited)), key=lambda i: -sum(c.outcome == FAIL for c in audited[i].checks))
    index_rows, sections = [], []
    for n, i in enumerate(ranked):
        item = audited[i]
        r = item.report
        fails = sum(c.outcome == FAIL for c in item.checks)
        name = f"{r.meta.agency or '(agency unknown)'} {r.meta.report_year or ''}"
        index_rows.append(f'<tr><td><a href="#r{i}">{esc(name)}</a></td><td>{esc(r.meta.era or "")}</td>'
                          f'<td class="o {"o-fail" if fails else "o-pass"}">{fails}</td>'
                          f"<td>{esc(Path(r.source.path or '?').name)}</td></tr>")
        checks = "".join(
            f'<tr><td>{esc(c.title)}</td><td class="o {_outcome_class(c.outcome)}">{esc(c.outcome)}</td>'
            f"<td>{esc(c.evidence)}" + "".join(f'<div class="quote">“{esc(q)}”</div>' for q in c.quotes) + "</td></tr>"
            for c in item.checks)
        link = ""
        if review_dir is not None:
            from giextract.views.common import page_name

            link = f' · <a href="{esc(review_dir.rstrip("/") + "/" + page_name(i + 1, r))}">review page</a>'
        sections.append(f'<section id="r{i}"><h2>{esc(name)}</h2><p><code>{esc(r.source.path)}</code>{link}</p>'
                        f"<table><tr><th>check</th><th>outcome</th><th>evidence</th></tr>{checks}</table></section>")
    return f"""<!DOCTYPE html>
<html lang="zh"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>giextract audit: {len(audited)} reports</title><style>{assets.INDEX_CSS}{AUDIT_CSS}</style></head>
<body><h1>Audit of {len(audited)} reports</h1>
<h2>Summary: reports per outcome, the check failed most often first</h2>
<table><tr><th>check</th>{head}</tr>{summary_rows}</table>
<h2>Reports, most failed checks first</h2>
<table><tr><th>report</th><th>era</th><th>failed checks</th><th>file</th></tr>{''.join(index_rows)}</table>
{''.join(sections)}
</body></html>
"""


def write_audit(reports: Union[Iterable[Report], str, Path], out: Path, hierarchy: Optional[Path] = None,
                review_dir: Optional[str] = None) -> list[Audited]:
    """``out`` ending in ``.csv``: one row per report and check; otherwise the HTML report."""
    audited = audit(reports, hierarchy)
    if out.suffix.lower() == ".csv":
        write_csv(audited, out)
    else:
        out.write_text(render_html(audited, review_dir), encoding="utf-8")
    log.info("audited %d reports into %s", len(audited), out)
    return audited
