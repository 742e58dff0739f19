"""Tables printed as text, recovered into grids: `|` rows (Markdown pipe tables, including one table
broken into many pieces) and tab-separated rows. Layouts with no column structure left (one cell per
line, run-on digits) stay text: the token readers in ``tables/`` handle them.

Each recovered grid cell's span points into the original text (``Document.original``), like the grids
of structured readers; a line between table rows (a footer, a heading, a stranded label) becomes a row
of its own with one cell, so the fitter can see it and decide.
"""
from __future__ import annotations

import re
from typing import Iterator

from giextract.core.grid import Grid, GridCell
from giextract.ingest.normalize import Document

_RULE = re.compile(r"\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")  # |---|---|
MAX_GAP_LINES = 6  # loose lines allowed between two pieces of one table
MAX_CELLS = 64


def _lines(text: str) -> Iterator[tuple[int, int]]:
    start = 0
    n = len(text)
    while start <= n:
        end = text.find("\n", start)
        if end < 0:
            end = n
        yield start, end
        start = end + 1


def _pipe_cells(text: str, start: int, end: int) -> list[tuple[int, int]] | None:
    """Cell spans of a `| a | b |` line (normalized offsets, trimmed), or None if it is not one."""
    line = text[start:end]
    if line.count("|") < 2:
        return None
    bars = [start + i for i, ch in enumerate(line) if ch == "|"]
    edges = bars if line.strip().startswith("|") else [start - 1] + bars
    if not line.strip().endswith("|"):
        edges = edges + [end]
    cells = []
    for a, b in zip(edges, edges[1:]):
        s, e = a + 1, b
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        cells.append((s, e))
    return cells if 2 <= len(cells) <= MAX_CELLS else None


def _tab_cells(text: str, start: int, end: int) -> list[tuple[int, int]] | None:
    line = text[start:end]
    if line.count("\t") < 2:
        return None
    cells, pos = [], start
    for part in line.split("\t"):
        s, e = pos, pos + len(part)
        while s < e and text[s] in " \u3000":
            s += 1
        while e > s and text[e - 1] in " \u3000":
            e -= 1
        cells.append((s, e))
        pos += len(part) + 1
    return cells if len(cells) <= MAX_CELLS else None


def text_grids(doc: Document, start: int = 0, end: int | None = None) -> list[Grid]:
    """Grids recovered from `|` rows and tab rows of ``doc.text[start:end]``. Consecutive table rows
    (with at most a few loose lines between them) form one grid; loose lines inside are one-cell rows."""
    text = doc.text
    end = len(text) if end is None else end
    grids: list[Grid] = []
    rows: list[list[tuple[int, int]]] = []
    kinds: set[str] = set()
    pending: list[tuple[int, int]] = []  # loose lines since the last table row

    def close() -> None:
        nonlocal rows, kinds
        if len([r for r in rows if len(r) > 1]) >= 2:
            grids.append(_grid(doc, rows, "pipe" if "pipe" in kinds else "tabs"))
        rows, kinds = [], set()

    for s, e in _lines(text[:end]):
        if e < start:
            continue
        if _RULE.match(text, s, e) and text[s:e].strip():
            continue
        cells = _pipe_cells(text, s, e)
        kind = "pipe"
        if cells is None:
            cells, kind = _tab_cells(text, s, e), "tabs"
        if cells is None:
            if text[s:e].strip() and rows:
                pending.append((s, e))
                if len(pending) > MAX_GAP_LINES:
                    pending = []
                    close()
            continue
        if rows and pending:
            rows += [[_trim(text, a, b)] for a, b in pending]
        pending = []
        rows.append(cells)
        kinds.add(kind)
    close()
    return grids


def _trim(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return s, e


def _grid(doc: Document, rows: list[list[tuple[int, int]]], kind: str) -> Grid:
    cells: list[GridCell] = []
    for r, spans in enumerate(rows):
        for c, (s, e) in enumerate(spans):
            o = doc.original_span(s, e)
            cells.append(GridCell(row=r, col=c, text=doc.original[o[0]:o[1]], span=o))
    first, last = rows[0][0], rows[-1][-1]
    return Grid(cells, kind, span=doc.original_span(first[0], last[1]))


__all__ = ["text_grids"]
