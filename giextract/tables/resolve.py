"""From per-row readings to cells: choose the readings the table's equations allow, and report what
stays ambiguous with all its candidates instead of guessing."""
from __future__ import annotations

import itertools
from typing import Callable, Optional, Sequence

from giextract.core.model import Cell, Finding, Number
from giextract.ingest.normalize import Document
from giextract.tables.digits import Piece, Reading

MAX_COMBINATIONS = 5000
TableCheck = Callable[[dict[str, list[Optional[Number]]]], bool]


def piece_cell(doc: Document, piece: Piece) -> Cell:
    span = doc.original_span(piece.start, piece.end)
    raw = doc.original[span[0]:span[1]]
    if piece.na:
        return Cell(value=None, raw=raw, span=span, status="not_applicable")
    return Cell(value=piece.value, raw=raw, span=span, status="ok")


def ambiguous_cells(doc: Document, options: Sequence[Reading]) -> list[Cell]:
    """One cell per column; columns where the options disagree become ``ambiguous``."""
    cells = []
    for col in range(len(options[0])):
        pieces = [opt[col] for opt in options]
        values = sorted({p.value for p in pieces if p.value is not None})
        if len(values) <= 1 and len({(p.start, p.end) for p in pieces}) == 1:
            cells.append(piece_cell(doc, pieces[0]))
            continue
        start = min(p.start for p in pieces)
        end = max(p.end for p in pieces)
        span = doc.original_span(start, end)
        if len(values) <= 1:
            # Same value, different cut (e.g. 0 from either of two zeros): the value is certain.
            cells.append(Cell(value=values[0] if values else None, raw=doc.original[span[0]:span[1]],
                              span=span, status="ok"))
            continue
        cells.append(Cell(value=None, raw=doc.original[span[0]:span[1]], span=span,
                          status="ambiguous", candidates=values))
    return cells


def ambiguity_finding(paths: Sequence[str], options: Sequence[Reading]) -> Optional[Finding]:
    """One finding per ambiguous row, listing every reading the rules allow (not just per-cell values)."""
    distinct = sorted({tuple(p.value for p in opt) for opt in options}, key=lambda r: [(v is None, v) for v in r])
    if len(distinct) <= 1:
        return None
    return Finding(rule="ambiguous", severity="warning", cells=list(paths), readings=[list(r) for r in distinct],
                   message=f"{len(distinct)} readings of the run-on row at {paths[0].rsplit('.', 1)[0]} satisfy "
                           f"every applicable rule; none is chosen")


def choose(row_options: dict[str, list[Reading]], check: Optional[TableCheck]) -> dict[str, list[Reading]]:
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
    fixed = {k: [p.value for p in opts[0]] for k, opts in row_options.items() if len(opts) == 1}
    kept: dict[str, set[int]] = {k: set() for k in multi}
    for combo in itertools.product(*(range(len(row_options[k])) for k in multi)):
        values = dict(fixed)
        for k, idx in zip(multi, combo):
            values[k] = [p.value for p in row_options[k][idx]]
        if check(values):
            for k, idx in zip(multi, combo):
                kept[k].add(idx)
    if not any(kept.values()):
        return row_options
    narrowed = dict(row_options)
    for k in multi:
        narrowed[k] = [row_options[k][i] for i in sorted(kept[k])]
    return narrowed
