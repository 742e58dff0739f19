"""Grounding model numbers in the printed table, and the compact view of the table the model is shown.

A number from the model is confirmed only by the rules: it must be one of the readings the rules can
make of that cell's own printed position — the cell at its column in the grid row the template
fitter located for its row, or, where no grid row was located, the numbers of the row's own label line
in the table's section (one per column, in order) — or one of the candidates of an ambiguous cell. A
number that occurs elsewhere (a sentence, another row, an injected instruction) grounds nothing. The
table's equations are checked afterwards (``confirm``).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Optional, Sequence

from giextract.core.grid import Grid, GridCell
from giextract.core.model import Cell, Number
from giextract.grids.text import text_grids
from giextract.ingest.normalize import Document
from giextract.tables.fit import MIN_LABEL_SCORE, fit_active, fit_applications, fit_review
from giextract.tables.rows import label_score
from giextract.tables.tokens import parse_count, parse_signed
from giextract.templates.tables import (
    ACTIVE_DISCLOSURE,
    APPLICATION_COLUMNS,
    APPLICATIONS,
    REVIEW_COLUMNS,
    REVIEW_GROUPS,
    RowSpec,
)

Span = tuple[int, int]
_TOKEN = re.compile(r"(?<![\d.])(减少?|增加?|[-−])?\s*(\d{1,15}(?:\.\d+)?)(?![\d.])")
_LINE_LABEL = re.compile(r"[^\d]*")  # used with match(pos): no ^ (it would only match at the text start)


@dataclass
class RowView:
    """One template row as the rules located it: its printed label and cell texts, and per column the
    readings (value → the rules' cell carrying its span) the printed position allows."""

    path: str  # e.g. applications.granted
    columns: tuple[str, ...]
    label: str = ""
    texts: list[str] = field(default_factory=list)
    readings: dict[str, dict[Number, Cell]] = field(default_factory=dict)
    where: str = ""  # "grid" (the fitter), "text" (its label line), "rules" (the text readers) or "" (not located)


def _template_rows(table: str, era: str) -> list[tuple[str, RowSpec, tuple[str, ...]]]:
    if table == "applications":
        return [(f"applications.{r.key}", r, APPLICATION_COLUMNS) for r in APPLICATIONS[era].rows]
    if table == "active_disclosure":
        return [(f"active_disclosure.{s.key}.{r.key}", r, s.columns) for s in ACTIVE_DISCLOSURE[era] for r in s.rows]
    return [(f"review_litigation.{g}", RowSpec(g, g), REVIEW_COLUMNS) for g in REVIEW_GROUPS]


def _fit(doc: Document, grids: Sequence[Grid], table: str, era: str) -> dict[str, dict[str, Cell]]:
    """path of a template row → its cells as the fitter reads them from the grids ({} when not fitted)."""
    if not grids:
        return {}
    if table == "applications":
        fit = fit_applications(doc, grids, era)
        return {f"applications.{k}": v for k, v in fit.values.items()} if fit and fit.template_name == era else {}
    if table == "active_disclosure":
        fit = fit_active(doc, grids, era)
        return {f"active_disclosure.{s}.{r}": cells for s, rows in fit.values.items()  # type: ignore[union-attr]
                for r, cells in rows.items()} if fit else {}
    fit = fit_review(doc, grids)
    return {f"review_litigation.{g}": v for g, v in fit.values.items()} if fit else {}


def _line_numbers(doc: Document, start: int, end: int) -> list[tuple[Number, Span]]:
    out: list[tuple[Number, Span]] = []
    for m in _TOKEN.finditer(doc.text, start, end):
        value = parse_signed(m.group(0).replace(" ", "")) if m.group(1) else parse_count(m.group(2))
        if value is None and not m.group(1):
            value = float(m.group(2)) if "." in m.group(2) else None
        if value is not None:
            out.append((value, (m.start(2), m.end(2))))
    return out


def _text_rows(doc: Document, span: Optional[Span], rows: list[tuple[str, RowSpec, tuple[str, ...]]],
               views: dict[str, RowView]) -> None:
    """Rows the grid did not give: the row's own label line in the section, left to right in the
    template's order; its numbers are the row's readings only when there is one per column."""
    if span is None:
        return
    lines = [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", doc.text[span[0]:span[1]])]
    lines = [(span[0] + a, span[0] + b) for a, b in lines]
    cursor = 0
    for path, spec, columns in rows:
        view = views[path]
        if view.where == "grid":
            continue
        for i in range(cursor, min(len(lines), cursor + 60)):
            a, b = lines[i]
            head = _LINE_LABEL.match(doc.text, a, b)
            label = doc.text[a:head.end() if head else a].strip(" |\t")
            if len(label) > 40 or "。" in label or not label:
                continue  # a sentence is not a table row
            names = (spec.label,) + spec.aliases
            if max(label_score(label, n) for n in names) < MIN_LABEL_SCORE:
                continue
            numbers = _line_numbers(doc, head.end() if head else a, b)
            cursor = i + 1
            if len(numbers) == len(columns):
                view.where, view.label = "text", label
                view.texts = [doc.text[s:e] for _, (s, e) in numbers]
                for col, (value, (s, e)) in zip(columns, numbers):
                    o = doc.original_span(s, e)
                    view.readings[col] = {value: Cell(value=value, raw=doc.original[o[0]:o[1]], span=o, source="llm")}
            break


def space_grids(doc: Document, span: Span) -> list[Grid]:
    """The lines of ``span`` as one grid, each line's cells split at runs of whitespace (a text layer that
    prints a row as ``label 0 0 0``): the rows the fitter reads where the model pointed at the table."""
    cells: list[GridCell] = []
    row = 0
    for line in re.finditer(r"[^\n]+", doc.text[span[0]:span[1]]):
        tokens = [(span[0] + line.start() + m.start(), span[0] + line.start() + m.end())
                  for m in re.finditer(r"\S+", line.group())]
        if not tokens:
            continue
        for col, (a, b) in enumerate(tokens):
            o = doc.original_span(a, b)
            cells.append(GridCell(row, col, doc.original[o[0]:o[1]], span=o))
        row += 1
    return [Grid(cells, kind="text")] if cells else []


def locate(doc: Document, table: str, era: str, span: Optional[Span],
           rules_cells: dict[str, Cell], pointed: bool = False) -> dict[str, RowView]:
    """Every template row of ``table`` with what the rules located of it. ``rules_cells``: the report's
    own cells (dotted path → cell), whose readings and candidates count as readings too. ``pointed``:
    ``span`` is where the model says the table is (the rules found none): the fitter reads only the
    grids of that span (its ``|``/tab rows, else its lines split at whitespace)."""
    rows = _template_rows(table, era)
    if pointed and span is not None:
        grids = text_grids(doc, *span) or space_grids(doc, span)
    else:
        grids = doc.grids or text_grids(doc)
    fitted = _fit(doc, grids, table, era)
    views = {path: RowView(path, columns) for path, _, columns in rows}
    for path, spec, columns in rows:
        view = views[path]
        cells = fitted.get(path)
        if cells and any(c.status != "unread" for c in cells.values()):
            view.where, view.label = "grid", spec.label
            view.texts = [unicodedata.normalize("NFKC", cells[c].raw).strip() if c in cells else "" for c in columns]
            for col in columns:
                cell = cells.get(col)
                if cell is not None and cell.is_number:
                    view.readings.setdefault(col, {})[cell.value] = cell  # type: ignore[index]
    _text_rows(doc, span, rows, views)
    for path, spec, columns in rows:
        view = views[path]
        cells = [rules_cells.get(f"{path}.{c}") for c in columns]
        if not view.where and any(c is not None and c.status != "unread" and c.span for c in cells):
            view.where, view.label = "rules", spec.label  # the text readers read this row
            view.texts = [unicodedata.normalize("NFKC", c.raw).strip() if c is not None else "" for c in cells]
    for path, view in views.items():
        for col in view.columns:
            cell = rules_cells.get(f"{path}.{col}")
            if cell is None:
                continue
            if cell.is_number:
                view.readings.setdefault(col, {}).setdefault(cell.value, cell)  # type: ignore[arg-type]
            for candidate in cell.candidates if cell.status == "ambiguous" else ():
                view.readings.setdefault(col, {}).setdefault(candidate, cell)
    return views


def reading(views: dict[str, RowView], path: str, value: Number) -> Optional[Cell]:
    """The rules' cell that reads ``value`` at ``path``'s printed position, or None (not grounded)."""
    row, col = path.rsplit(".", 1)
    view = views.get(row)
    return view.readings.get(col, {}).get(value) if view is not None else None


def _shown(text: str, limit: int = 24) -> str:
    """A printed cell on one line: whitespace closed up, a long run of words cut (a cell of a badly read
    text layer can hold several rows' labels and numbers)."""
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        return "(blank)"
    return text if len(text) <= limit else text[:limit] + "…"


def compact(views: dict[str, RowView], wanted: Optional[set[str]] = None) -> str:
    """The located table, one line per template row: ``row key | printed label | cells``; a row the
    rules did not locate says so. ``wanted``: row paths to mark with ``*`` (the rows asked for)."""
    lines = []
    for path, view in views.items():
        key = path.split(".", 1)[1]
        mark = "*" if wanted and path in wanted else " "
        if view.where:
            lines.append(f"{mark}{key} | {view.label} | " + " | ".join(_shown(t) for t in view.texts))
        else:
            lines.append(f"{mark}{key} | (not located)")
    return "\n".join(lines)


def any_located(views: dict[str, RowView]) -> bool:
    return any(v.where for v in views.values())


__all__ = ["RowView", "any_located", "compact", "locate", "reading", "space_grids"]
