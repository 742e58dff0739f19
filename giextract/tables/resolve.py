"""From a row's readings to its cells: keep the readings the table's equations allow, and report what
stays ambiguous with all its candidates instead of guessing.

A reading (``Option``) is one cell per template column. A grid gives each printed row one reading;
run-on text may give several (every cut of its digits that parses).
"""
from __future__ import annotations

import itertools
from typing import Callable, Optional, Sequence

from giextract.core.model import Cell, Finding, Number
from giextract.ingest.normalize import Document
from giextract.tables.digits import Piece, Reading

MAX_COMBINATIONS = 5000
Option = list[Cell]
TableCheck = Callable[[dict[str, list[Optional[Number]]]], bool]


def piece_cell(doc: Document, piece: Piece) -> Cell:
    """A piece of the normalized text (a token, or a cut of a run-on token) as an output cell."""
    if piece.cut:
        return Cell.unread()
    span = doc.original_span(piece.start, piece.end)
    raw = doc.original[span[0]:span[1]]
    if piece.na:
        return Cell(value=None, raw=raw, span=span, status="not_applicable")
    return Cell(value=piece.value, raw=raw, span=span, status="ok")


def text_options(doc: Document, readings: Sequence[Reading]) -> list[Option]:
    return [[piece_cell(doc, p) for p in reading] for reading in readings]


def cut_finding(paths: Sequence[str], note: str) -> Finding:
    """A warning for a row read up to where its text was cut off (``digits.cut_reading``)."""
    return Finding(rule="cut_row", severity="warning", cells=list(paths),
                   message=f"row {paths[0].rsplit('.', 1)[0]}: {note}")


def values(option: Option) -> list[Optional[Number]]:
    return [c.value for c in option]


def merge_options(doc: Document, options: Sequence[Option]) -> list[Cell]:
    """One cell per column; columns where the readings disagree become ``ambiguous``."""
    cells = []
    for col in range(len(options[0])):
        column = [opt[col] for opt in options]
        found = sorted({c.value for c in column if c.value is not None})
        if len(found) <= 1 and len({c.span for c in column}) == 1:
            cells.append(column[0])
            continue
        spans = [c.span for c in column if c.span is not None]
        start, end = min(s[0] for s in spans), max(s[1] for s in spans)
        raw = doc.original[start:end]
        if len(found) <= 1:
            # Same value, different cut (e.g. 0 from either of two zeros): the value is certain.
            cells.append(Cell(value=found[0] if found else None, raw=raw, span=(start, end), status="ok"))
            continue
        cells.append(Cell(value=None, raw=raw, span=(start, end), status="ambiguous", candidates=found))
    return cells


def ambiguity_finding(paths: Sequence[str], options: Sequence[Option]) -> Optional[Finding]:
    """One finding per ambiguous row, listing every reading the rules allow (not just per-cell values)."""
    distinct = sorted({tuple(values(opt)) for opt in options}, key=lambda r: [(v is None, v) for v in r])
    if len(distinct) <= 1:
        return None
    return Finding(rule="ambiguous", severity="warning", cells=list(paths), readings=[list(r) for r in distinct],
                   message=f"{len(distinct)} readings of the run-on row at {paths[0].rsplit('.', 1)[0]} satisfy "
                           f"every applicable rule; none is chosen")


def choose(row_options: dict[str, list[Option]], check: Optional[TableCheck]) -> dict[str, list[Option]]:
    """Narrow each row's readings to those that appear in some table-wide reading passing ``check``.

    Rows with a single reading stay as they are. When no combination passes (the report itself breaks
    the rule) or there are too many to try, the per-row options are returned unchanged.
    """
    multi = [k for k, opts in row_options.items() if len(opts) > 1]
    if check is None or not multi:
        return row_options
    total = 1
    for k in multi:
        total *= len(row_options[k])
        if total > MAX_COMBINATIONS:
            return row_options
    fixed = {k: values(opts[0]) for k, opts in row_options.items() if len(opts) == 1}
    kept: dict[str, set[int]] = {k: set() for k in multi}
    for combo in itertools.product(*(range(len(row_options[k])) for k in multi)):
        table = dict(fixed)
        for k, idx in zip(multi, combo):
            table[k] = values(row_options[k][idx])
        if check(table):
            for k, idx in zip(multi, combo):
                kept[k].add(idx)
    if not any(kept.values()):
        return row_options
    narrowed = dict(row_options)
    for k in multi:
        narrowed[k] = [row_options[k][i] for i in sorted(kept[k])]
    return narrowed
