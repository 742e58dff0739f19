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
MAX_CELLS = 64
MAX_ONE_BAR_PART = 40


def _lines(text: str) -> Iterator[tuple[int, int]]:
    start = 0
    n = len(text)
    while start <= n:
        end = text.find("\n", start)
        if end < 0:
            end = n
        yield start, end
        start = end + 1


def _pipe_bars(text: str, start: int, end: int) -> list[int] | None:
    """Positions of the `|` in a table line, else None."""
    line = text[start:end]
    if "|" not in line:
        return None
    bars = [start + i for i, ch in enumerate(line) if ch == "|"]
    if not bars or (len(bars) == 1 and not all(0 < len(part.strip()) <= MAX_ONE_BAR_PART for part in line.split("|"))):
        return None  # one bar: a row only between two short cells (行政许可 | 2629), never prose or `规章 |`
    return bars


def _pipe_cells(text: str, start: int, end: int, bars: list[int], lead: bool, trail: bool) -> list[tuple[int, int]]:
    """Cell spans of a `|` line (trimmed). ``lead``/``trail``: the table's lines all open / all close with
    a `|`, so that bar is a border, not a separator (`| a | b |`, or a scrape's `a | b |`); where some
    lines of the table do not, every bar separates, and a bar at the end means a blank last cell."""
    edges = [start - 1] + bars + [end]
    parts = [_trim(text, a + 1, b) for a, b in zip(edges, edges[1:])]
    if lead and parts and parts[0][0] == parts[0][1]:
        parts = parts[1:]
    if trail and parts and parts[-1][0] == parts[-1][1]:
        parts = parts[:-1]
    return parts[:MAX_CELLS]


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
    """Grids recovered from `|` rows and tab rows of ``doc.text[start:end]``: each run of consecutive
    table lines is one grid (a table broken into pieces by footers or repeated headings gives several, in
    order; the fitter reads them as one sequence). A loose line right above a run is kept as its first
    row: it may be a label stranded above its cells."""
    text = doc.text
    end = len(text) if end is None else end
    grids: list[Grid] = []
    run: list[tuple[str, int, int, list[int]]] = []  # (kind, start, end, bars): pipe / tabs / loose
    loose: tuple[int, int] | None = None  # the last non-blank line that is not a table row

    def close(lifted: tuple[int, int] | None = None) -> None:
        nonlocal run
        pipes = [(s, e) for kind, s, e, _ in run if kind == "pipe"]
        lead = bool(pipes) and all(text[s:e].lstrip().startswith("|") for s, e in pipes)
        trail = bool(pipes) and all(text[s:e].rstrip().endswith("|") for s, e in pipes)
        rows: list[list[tuple[int, int]]] = []
        for kind, s, e, bars in run:
            if kind == "pipe":
                rows.append(_pipe_cells(text, s, e, bars, lead, trail))
            elif kind == "tabs":
                rows.append(_tab_cells(text, s, e) or [])
            else:
                rows.append([_trim(text, s, e)])
        rows = [r for r in rows if r]
        if lifted is not None:
            _restore_lifted(text, rows, lifted)
        if any(len(r) > 1 for r in rows):  # even one row: a piece of a table broken across pages
            grids.append(_grid(doc, rows, "pipe" if pipes else "tabs"))
        run = []

    for s, e in _lines(text[:end]):
        if e < start:
            continue
        if _RULE.match(text, s, e) and text[s:e].strip():
            continue  # a Markdown |---| line belongs to the run it stands in
        bars = _pipe_bars(text, s, e)
        kind = "pipe" if bars else "tabs" if _tab_cells(text, s, e) else None
        if kind is None:
            if text[s:e].strip():
                m = _LIFTED.match(text, s, e) if run else None
                if run:
                    close(m.span(1) if m else None)
                loose = None if m else (s, e)  # a lifted figure went back to its row: no stranded label
            continue
        if not run and loose is not None and text[loose[1]:s].count("\n") <= 2:
            run.append(("loose", loose[0], loose[1], []))
        loose = None
        run.append((kind, s, e, bars or []))
    if run:
        close()
    return grids


# A figure a PDF conversion lifted out of its cell together with its note: `0（含上年度转入部分）`.
_LIFTED = re.compile(r"\s*(\d+(?:\.\d+)?)\s*[（(][^）)\n]{1,40}[）)]\s*$")


def _restore_lifted(text: str, rows: list[list[tuple[int, int]]], lifted: tuple[int, int]) -> None:
    """Put a lifted figure back into the one blank cell of the row above it (the only place it can have
    come from); a row with no blank cell, or several, keeps its blanks."""
    last = next((r for r in reversed(rows) if len(r) > 1), None)
    if last is None:
        return
    blanks = [k for k, (a, b) in enumerate(last) if k > 0 and a == b]
    if len(blanks) == 1:
        last[blanks[0]] = lifted


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
