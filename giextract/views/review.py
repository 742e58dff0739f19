"""Review pages: one self-contained HTML page per report (its source text with every cell's span
highlighted by status and source, the tables in the official shape, the findings) and an index.

A page fetches nothing (inline CSS/JS and a Content-Security-Policy that forbids any load) and every
piece of report text goes through ``esc``/``json_for_script``, so a report's own markup shows as text.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Optional, Union

from giextract.core.model import Cell, Report
from giextract.templates.tables import ACTIVE_DISCLOSURE, APPLICATIONS
from giextract.views import assets
from giextract.views.common import (ALWAYS_SHOWN, STATUSES, SourceText, esc, json_for_script, page_name,
                                    severity_counts, source_text, status_counts, style_of)
from giextract.views.shape import (APPLICANT_LABELS, GROUP_LABELS, REVIEW_LABELS, Drawn, column_label, tables_of)

log = logging.getLogger(__name__)
CSP = ("default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; "
       "form-action 'none'; base-uri 'none'")


@dataclass
class PageCell:
    path: str
    label: str
    cell: Cell
    span: Optional[tuple[int, int]]  # the span if it lies inside the text, else None
    findings: list[int] = field(default_factory=list)


def cell_label(report: Report, path: str) -> str:
    """A reader's name for a cell: table, row and column as the template prints them."""
    parts = path.split(".")
    era = report.meta.era if report.meta.era in ("2019", "2021") else "2019"
    if parts[0] == "applications" and len(parts) == 3:
        spec = {r.key: r for r in APPLICATIONS[era].rows} | {r.key: r for r in APPLICATIONS["2021"].rows}
        row = spec.get(parts[1])
        return f"三 {row.ordinal + row.label if row else parts[1]} / {APPLICANT_LABELS.get(parts[2], parts[2])}"
    if parts[0] == "review_litigation" and len(parts) == 3:
        return f"四 {GROUP_LABELS.get(parts[1], parts[1])} / {REVIEW_LABELS.get(parts[2], parts[2])}"
    if parts[0] == "active_disclosure" and len(parts) == 4:
        subs = {s.key: s for s in ACTIVE_DISCLOSURE[era]}
        sub = subs.get(parts[1])
        rows = {r.key: r.label for r in sub.rows} if sub else {}
        heading = sub.heading if sub else parts[1]
        return f"二 {heading} {rows.get(parts[2], parts[2])} / {column_label(era, parts[3])}"
    if parts[0] == "statistics_table" and report.statistics_table and parts[1].isdigit():
        row = report.statistics_table[int(parts[1])]
        return f"统计表 {row.label} / {'本年' if parts[2] == 'value' else '累计'}"
    if parts[0] == "prose_facts" and report.prose_facts and parts[1].isdigit():
        return f"正文 {report.prose_facts[int(parts[1])].key}"
    return path


def page_cells(report: Report, text_length: Optional[int]) -> list[PageCell]:
    """Every value of the record (table cells and prose facts), with the findings that name it."""
    cells = report.iter_cells() + [(f"prose_facts.{i}.value", f.value) for i, f in enumerate(report.prose_facts or [])]
    out = []
    for path, cell in cells:
        span = cell.span
        ok = span is not None and text_length is not None and 0 <= span[0] < span[1] <= text_length
        out.append(PageCell(path, cell_label(report, path), cell, tuple(span) if ok else None))  # type: ignore[arg-type]
    index = {c.path: i for i, c in enumerate(out)}
    for f_index, finding in enumerate(report.findings):
        for path in finding.cells:
            if path in index:
                out[index[path]].findings.append(f_index)
    return out


def _rank(cell: Cell) -> int:
    return 0 if cell.status == "ok" else 2 if cell.status == "ambiguous" else 1


CHUNK = 8000  # characters per block of source text; blocks off screen are not laid out (2 MB reports)


def _pieces(text: str, cells: list[PageCell]) -> list[tuple[int, int, list[int]]]:
    """The text cut at every span boundary: (start, end, cells covering it). Spans may overlap (a
    run-on number read in several ways). Stretches no span covers are cut again at about ``CHUNK``."""
    bounds = sorted({0, len(text)} | {b for c in cells if c.span for b in c.span})
    starts: dict[int, list[int]] = {}
    for i, c in enumerate(cells):
        if c.span:
            starts.setdefault(c.span[0], []).append(i)
    active: list[int] = []
    out = []
    for a, b in zip(bounds, bounds[1:]):
        active = [i for i in active if cells[i].span[1] > a] + starts.get(a, [])  # type: ignore[index]
        while not active and b - a > CHUNK:
            cut = text.find("\n", a + CHUNK // 2, a + CHUNK)
            cut = a + CHUNK if cut < 0 else cut + 1
            out.append((a, cut, []))
            a = cut
        out.append((a, b, sorted(active)))
    return out


def highlighted_text(text: str, cells: list[PageCell]) -> str:
    """The text, escaped, in blocks of about ``CHUNK`` characters (cut only outside highlights), with a
    ``<mark>`` per stretch covered by the same set of cell spans; ``data-c`` lists those cells."""
    blocks, current, size = [], [], 0
    for a, b, active in _pieces(text, cells):
        if not active and size >= CHUNK:
            blocks.append("".join(current))
            current, size = [], 0
        chunk = esc(text[a:b])
        size += b - a
        if not active:
            current.append(chunk)
            continue
        lead = max(active, key=lambda i: _rank(cells[i].cell))
        status = cells[lead].cell.status if cells[lead].cell.status in STATUSES else "unknown"
        source = "llm" if any(cells[i].cell.source == "llm" for i in active) else "rules"
        current.append(f'<mark class="hl st-{status} src-{source}" data-c="{" ".join(map(str, active))}">'
                       f"{chunk}</mark>")
    blocks.append("".join(current))
    return "".join(f'<div class="chunk">{b}</div>' for b in blocks if b)


def _shown_value(cell: Cell) -> str:
    if cell.status == "ok" and cell.value is not None:
        return str(cell.value)
    if cell.status == "ambiguous":
        return f"?{cell.raw}" if cell.raw else "?"
    if cell.status == "missing":
        return ""
    return cell.raw or (str(cell.value) if cell.value is not None else "")


def _td(pc: Optional[PageCell], index: Optional[int]) -> str:
    if pc is None:
        return '<td class="absent" title="not in the record">·</td>'
    status = pc.cell.status if pc.cell.status in STATUSES else "unknown"
    classes = f"cell st-{status}" + ("" if pc.span else " nospan")
    title = f"{pc.label}: {style_of(pc.cell.status).label}, {pc.cell.source}"
    return f'<td class="{classes}" data-i="{index}" title="{esc(title)}">{esc(_shown_value(pc.cell))}</td>'


def _table_html(drawn: Drawn, lookup: dict[str, int], cells: list[PageCell]) -> str:
    rows = []
    for row in drawn.rows:
        tds = []
        for gc in row:
            span = (f' colspan="{gc.colspan}"' if gc.colspan > 1 else "") + (f' rowspan="{gc.rowspan}"' if gc.rowspan > 1 else "")
            if gc.path:
                i = lookup.get(gc.path)
                tds.append(_td(cells[i] if i is not None else None, i).replace("<td ", f"<td{span} ", 1))
            else:
                tds.append(f"<th{span}>{esc(gc.text)}</th>")
        rows.append("<tr>" + "".join(tds) + "</tr>")
    return f'<h2>{esc(drawn.title)}</h2><table class="tbl" data-table="{drawn.key}">' + "".join(rows) + "</table>"


def _legend() -> str:
    items = "".join(f'<span class="st-{k}" title="{esc(s.meaning)}">{esc(s.label)}</span>' for k, s in STATUSES.items())
    return (f'<div class="legend">{items} · underline: solid = rules, dashed = llm · '
            "click a cell to see its source; click a finding to mark its cells</div>")


def _findings_html(report: Report, cells: list[PageCell], lookup: dict[str, int]) -> str:
    if not report.findings:
        return "<h2>Findings</h2><p>none</p>"
    items = []
    for finding in report.findings:
        named = [lookup[p] for p in finding.cells if p in lookup]
        sides = "".join(f"<li><code>{esc(cells[i].path)}</code> = {esc(_shown_value(cells[i].cell) or '—')} "
                        f"({esc(cells[i].cell.status)})</li>" for i in named)
        attr = f' data-cells="{" ".join(map(str, named))}"' if named else ""
        items.append(f'<li class="finding sev-{esc(finding.severity)}"{attr}>'
                     f"<b>{esc(finding.rule)}</b> [{esc(finding.severity)}] {esc(finding.message)}"
                     + (f"<ul>{sides}</ul>" if sides else "") + "</li>")
    return f'<h2>Findings ({len(report.findings)})</h2><ul class="findings">{"".join(items)}</ul>'


def render_page(report: Report, source: SourceText, index_href: str = "index.html") -> str:
    """One report's review page (a complete HTML document)."""
    text = source.text
    cells = page_cells(report, len(text) if text is not None else None)
    lookup = {c.path: i for i, c in enumerate(cells)}
    drawn = tables_of(report)
    shown = {p for t in drawn for p in t.paths()}
    tables = "".join(_table_html(t, lookup, cells) for t in drawn)
    extra = [i for i, c in enumerate(cells) if c.path not in shown]
    for heading, group in (("Figures stated in the prose", [i for i in extra if cells[i].path.startswith("prose_facts.")]),
                           ("Other values (not in the template)", [i for i in extra if not cells[i].path.startswith("prose_facts.")])):
        if group:
            tables += f"<h2>{heading}</h2><table class=\"tbl\">" + "".join(
                f"<tr><th>{esc(cells[i].label)}</th>{_td(cells[i], i)}</tr>" for i in group) + "</table>"
    if not drawn and not extra:
        tables = "<p>No tables were read from this report.</p>"
    errors = "".join(f"<li>{esc(e.stage)}: {esc(e.message)}</li>" for e in report.errors)
    meta = report.meta
    title = f"{meta.agency or '(agency unknown)'} {meta.report_year or ''}"
    body_text = highlighted_text(text, cells) if text is not None else ""
    note = "" if text is not None else f'<p class="note">Source text not shown: {esc(source.note)}</p>'
    data = {"cells": [{"path": c.path, "label": c.label, "value": c.cell.value, "raw": c.cell.raw,
                       "status": c.cell.status, "source": c.cell.source, "candidates": c.cell.candidates,
                       "span": c.span, "findings": c.findings} for c in cells],
            "findings": [{"rule": f.rule, "severity": f.severity} for f in report.findings]}
    return f"""<!DOCTYPE html>
<html lang="zh"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<title>{esc(title)}</title><style>{assets.REVIEW_CSS}{assets.status_css()}</style></head>
<body><div class="wrap"><div class="left">
<p><a href="{esc(index_href)}">← all reports</a></p>
<h1>{esc(title)}</h1>
<p>era {esc(meta.era or '?')} · published {esc(meta.published_date or '?')} · <code>{esc(report.source.path)}</code>
 · read with {esc(report.source.extracted_with or 'text')} · {report.source.chars} characters</p>
{_legend()}
<div id="detail">Click a table cell.</div>
{f'<h2>Errors</h2><ul>{errors}</ul>' if errors else ''}
{tables}
{_findings_html(report, cells, lookup)}
</div><div class="right"><h2>Source text</h2>{note}<div id="src">{body_text}</div></div></div>
<script type="application/json" id="gx-data">{json_for_script(data)}</script>
<script>{assets.REVIEW_JS}</script>
</body></html>
"""


def _index_columns(reports: list[Report]) -> list[str]:
    present = {s for r in reports for s in status_counts(r)}
    return [s for s in STATUSES if s in ALWAYS_SHOWN or s in present] + sorted(present - set(STATUSES))


def render_index(reports: list[Report], pages: list[str]) -> str:
    statuses = _index_columns(reports)
    eras = sorted({r.meta.era for r in reports if r.meta.era})
    head = ["#", "report", "agency", "year", "era"] + [f"cells {style_of(s).label}" for s in statuses] + \
        ["findings: error", "findings: warning", "findings: info", "extraction errors"]
    rows = []
    for i, (report, page) in enumerate(zip(reports, pages)):
        counts, sev = status_counts(report), severity_counts(report)
        name = Path(report.source.path or "?").name
        nums = [counts.get(s, 0) for s in statuses] + [sev["error"], sev["warning"], sev["info"]]
        errors = "; ".join(f"{e.stage}: {e.message}" for e in report.errors)
        cells = [f'<td class="num">{i + 1}</td>', f'<td><a href="{esc(page)}">{esc(name)}</a></td>',
                 f"<td>{esc(report.meta.agency or '')}</td>", f'<td class="num">{esc(report.meta.report_year or "")}</td>',
                 f"<td>{esc(report.meta.era or '')}</td>"] + [f'<td class="num">{n}</td>' for n in nums] + \
                [f'<td data-v="{len(report.errors)}">{esc(errors)}</td>']
        rows.append(f'<tr data-era="{esc(report.meta.era or "")}" data-findings="{len(report.findings)}">'
                    + "".join(cells) + "</tr>")
    options = "".join(f'<option value="{esc(e)}">{esc(e)}</option>' for e in eras)
    return f"""<!DOCTYPE html>
<html lang="zh"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<title>giextract review: {len(reports)} reports</title><style>{assets.INDEX_CSS}</style></head>
<body><h1>{len(reports)} reports</h1>
<div class="controls"><input id="filter" placeholder="filter (agency, file, error…)" size="40">
<select id="era"><option value="">every era</option>{options}</select>
<label><input type="checkbox" id="with-findings"> only reports with findings</label>
· click a column heading to sort</div>
<table id="reports"><thead><tr>{''.join(f'<th>{esc(h)}</th>' for h in head)}</tr></thead>
<tbody>{''.join(rows)}</tbody></table>
<script>{assets.INDEX_JS}</script></body></html>
"""


def write_review(reports: Union[Iterable[Report], str, Path], out_dir: Path) -> list[Path]:
    """Write one page per report and ``index.html`` into ``out_dir``; returns the pages written."""
    from giextract.views.common import load_reports

    items = load_reports(reports)
    out_dir.mkdir(parents=True, exist_ok=True)
    pages = [page_name(i + 1, r) for i, r in enumerate(items)]
    written = []
    for report, page in zip(items, pages):
        path = out_dir / page
        path.write_text(render_page(report, source_text(report)), encoding="utf-8")
        written.append(path)
    (out_dir / "index.html").write_text(render_index(items, pages), encoding="utf-8")
    log.info("wrote %d review pages and index.html to %s", len(written), out_dir)
    return written
