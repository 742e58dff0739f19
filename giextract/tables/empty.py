"""A table printed as an empty template: its row labels, in order, and no value anywhere among them.

Some agencies publish the official tables without filling them in; flattened to text, such a table is
its row and column labels one after another. That is evidence the cells are blank as printed, not that
the reader failed, so the rows whose labels are printed are `missing` (blank). The evidence is only
textual (the values might have been images, or dropped by the page), so a warning finding names every
such cell: a consumer can tell these blanks from blanks read inside a table with values. Rows whose label
is not in the text (a page cut short) stay `unread`.
"""
from __future__ import annotations

from typing import Any, Optional, Sequence, Union

from giextract.core.model import Cell, Finding, TableValues
from giextract.ingest.normalize import Document
from giextract.tables.anchors import locate_rows
from giextract.tables.shape import skeleton
from giextract.tables.tokens import find_tokens
from giextract.templates.tables import ACTIVE_DISCLOSURE, APPLICATION_COLUMNS, APPLICATIONS, RowSpec

MIN_ROWS = 3  # fewer printed labels are no table


def _rows(name: str, era: str) -> list[tuple[tuple[str, ...], RowSpec, Sequence[str]]]:
    """(key path inside the table, row, columns) of each template row of a table with row labels."""
    if name == "applications":
        return [((r.key,), r, APPLICATION_COLUMNS) for r in APPLICATIONS[era].rows]
    if name == "active_disclosure":
        return [((s.key, r.key), r, s.columns) for s in ACTIVE_DISCLOSURE[era] for r in s.rows]
    return []  # table 四 has no row labels to go by


def empty_table(doc: Document, name: str, era: str, start: int, end: int
                ) -> Optional[tuple[Union[TableValues, dict[str, TableValues]], list[Finding]]]:
    """The table read as printed blank, or None unless at least MIN_ROWS of its row labels are printed
    in template order and no value token (number or blank marker) stands anywhere from the first of them
    to the end of the section."""
    rows = _rows(name, era)
    if not rows:
        return None
    hits = locate_rows(doc.text, start, end, [spec for _, spec, _ in rows])
    found = [(keys, columns) for (keys, _, columns), hit in zip(rows, hits) if hit is not None]
    first = next((h for h in hits if h is not None), None)
    if first is None or len(found) < MIN_ROWS or find_tokens(doc.text, first.label_start, end):
        return None
    table = skeleton(name, era)
    paths = []
    for keys, columns in found:
        row: Any = table
        for key in keys:
            row = row[key]
        for column in columns:
            row[column] = Cell.missing()
            paths.append(".".join((name, *keys, column)))
    note = Finding(rule="empty_table", severity="warning", cells=paths,
                   message=f"{name}: {len(found)} of its {len(rows)} row labels are printed with no value among "
                           "them (an empty template): read as blank; if the report's values were images or "
                           "dropped by the page, they are not in this text")
    return table, [note]


__all__ = ["empty_table"]
