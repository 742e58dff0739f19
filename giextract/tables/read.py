"""Reading one table of a 2019/2021-format report: where it is, its sources, the fitter, the choice.

The sources are the document's grids (a structured reader's, else tables recovered from the text) and,
where no grid holds the table whole, the token stream of its section (``read_*`` of active, applications,
review). Both go through the same template fitter (``fit.fill``); ``pick`` chooses between the two fits.
A table printed as bare labels is read blank (``empty``); a table not read at all keeps its full shape,
every cell ``unread``.
"""
from __future__ import annotations

from typing import Callable, Optional, Sequence

from giextract.core.grid import Grid
from giextract.core.model import Cell, Finding, TableValues
from giextract.grids.text import text_grids
from giextract.ingest.normalize import Document
from giextract.sections import RawSection, section_text
from giextract.tables.active import read_active_disclosure
from giextract.tables.applications import read_applications
from giextract.tables.empty import empty_table
from giextract.tables.fit import Fit, RowsRead, fill, grid_read
from giextract.tables.pick import merge_fit, prefer_fit
from giextract.tables.review import read_review
from giextract.tables.rows import BLANK_UNKNOWN
from giextract.tables.shape import skeleton
from giextract.templates.sections import SECTION_TITLES

Span = tuple[int, int]
TEXT_SOURCES: dict[str, Callable[[Document, int, int, str], RowsRead]] = {
    "active_disclosure": read_active_disclosure,
    "applications": read_applications,
    "review_litigation": lambda doc, start, end, era: read_review(doc, start, end),
}
TABLES = tuple(TEXT_SOURCES)


def where_the_table_belongs(doc: Document, raw: list[RawSection], name: str) -> Optional[Span]:
    """A table whose section heading is missing (a page cut above it, a heading worded past
    recognition) is searched between the last section before its place in the template and the next
    one after it. Table 三's reader is anchored on long, specific row labels, so that stretch may be
    wide; table 二's short labels (规章, 行政许可) occur in prose, so its stretch starts at its first
    sub-table heading (第二十条第…项). Table 四 has no labels: it needs its heading or a grid."""
    if name not in ("applications", "active_disclosure"):
        return None
    order = list(SECTION_TITLES)
    place = order.index(name)
    before = [s for s in raw if order.index(s.key) < place]
    after = [s for s in raw if order.index(s.key) > place]
    start = before[-1].body_start if before else 0
    end = after[0].start if after else len(doc.text)
    if name == "active_disclosure":
        start = doc.text.find("第二十条", start, end)
        if start < 0:
            return None
    return (start, end) if start < end else None


def _paths(name: str, table: dict) -> list[str]:  # type: ignore[type-arg]
    """The dotted path of every cell in a table's nested dict."""
    out: list[str] = []
    for key, value in table.items():
        out += _paths(f"{name}.{key}", value) if isinstance(value, dict) else [f"{name}.{key}"]
    return out


def read_tables(doc: Document, raw: list[RawSection],
                era: str) -> tuple[dict[str, TableValues | dict[str, TableValues]], list[Finding]]:
    """Tables 二, 三 and 四 of an ``era``-format (2019/2021) report, by name, with their findings."""
    grids = doc.grids or text_grids(doc)  # a structured reader's grids, else tables recovered from text
    # The token stream closes up empty positions; over an OCR grid that would shift numbers.
    ocr = any(g.kind in BLANK_UNKNOWN for g in doc.grids)
    tables: dict[str, TableValues | dict[str, TableValues]] = {}
    findings: list[Finding] = []
    for name in TABLES:
        tables[name], table_findings = read_table(doc, raw, name, era, grids, ocr)
        findings += table_findings
    return tables, findings + text_ends_in_a_table(doc, tables, findings)


def read_table(doc: Document, raw: list[RawSection], name: str, era: str, grids: Sequence[Grid],
               ocr: bool) -> tuple[TableValues | dict[str, TableValues], list[Finding]]:
    """Table ``name`` of an ``era``-format report, with its findings. ``ocr``: the grids are OCR's, whose
    empty positions may be cells the engine missed, so the token stream is not read."""
    span = section_text(doc, raw, name) or where_the_table_belongs(doc, raw, name)
    text: Optional[Fit] = None
    text_findings: list[Finding] = []
    if span and not ocr:
        read = TEXT_SOURCES[name](doc, span[0], span[1], era)
        text = fill(doc, name, era, read) if read.table else None
        text_findings = text.findings if text else read.findings
    from_grids = grid_read(doc, grids, name, era) if grids else None
    fit = merge_fit(name, fill(doc, name, era, from_grids) if from_grids else None, text, era)
    chosen = fit if prefer_fit(name, fit, text, era) else text
    table: Optional[TableValues | dict[str, TableValues]] = chosen.values if chosen else None
    findings = chosen.findings if chosen else text_findings
    if table is None and span and not ocr and (empty := empty_table(doc, name, era, *span)):
        table, findings = empty  # labels printed, no value among them: blank as printed
    if table is None:
        # Not read is not blank: the table keeps its full shape, every cell unread.
        table = skeleton(name, era)
        findings = findings + [Finding(rule="missing_table", severity="error", cells=_paths(name, table),
                                       message=f"{name}: the {era}-format report has no readable table here"
                                               + ("" if span else " (its section heading was not found)"))]
    return table, findings


def _rows(name: str, table: dict) -> list[tuple[str, dict]]:  # type: ignore[type-arg]
    """(dotted row path, {column: cell}) of every row of a table's nested dict."""
    out: list[tuple[str, dict]] = []  # type: ignore[type-arg]
    for key, value in table.items():
        if isinstance(value, dict) and value and all(isinstance(c, Cell) for c in value.values()):
            out.append((f"{name}.{key}", value))
        elif isinstance(value, dict):
            out += _rows(f"{name}.{key}", value)
    return out


def text_ends_in_a_table(doc: Document, tables: dict[str, dict],  # type: ignore[type-arg]
                         findings: Sequence[Finding] = ()) -> list[Finding]:
    """A text that ends at a table cell was cut off there (a page opening, a broken download): no real
    report ends inside its tables. That cell may be cut mid-number, and the row's cells after it were
    not printed, not left blank: they become ``unread``, and a ``cut_row`` warning names the row (unless
    the token reader already read the row up to the cut and said so)."""
    tail = len(doc.original.rstrip(" \t\r\n|.．"))  # a decimal point the cut left bare is part of the cell
    for name, table in tables.items():
        # Table 四 is one printed row of 15 cells: a cut inside it leaves all three groups in doubt.
        rows = [(name, {f"{g}.{c}": cell for g, cells in (table or {}).items() for c, cell in cells.items()})] \
            if name == "review_litigation" else _rows(name, table or {})
        for path, row in rows:
            cells = list(row.items())
            at = next((i for i, (_, c) in enumerate(cells) if c.span and c.span[1] >= tail), None)
            if at is None:
                continue
            for _, cell in cells[at + 1:]:
                if cell.status == "missing" and cell.span is None:
                    cell.status = "unread"  # the same object the table holds
            paths = [f"{path}.{c}" for c, _ in cells]
            if any(f.rule == "cut_row" and f.cells == paths for f in findings):
                return []  # the token reader read this row up to the cut and said so
            return [Finding(rule="cut_row", severity="warning", cells=paths,
                            message=f"row {path}: the text ends at its {cells[at][0]} cell: that value may be cut "
                                    "short, and the cells after it are unread")]
    return []


__all__ = ["TABLES", "read_table", "read_tables", "text_ends_in_a_table", "where_the_table_belongs"]
