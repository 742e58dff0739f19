"""Shared by the structured readers: a text being written with offsets, cell placement with row/column
spans, and the text rendering of a grid.

A table is written one line per grid row, ``| c1 | c2 | ... |``, every grid column present (a position no
cell starts at is written empty), so a cell keeps its column; a merged cell is written once, at its first
row and column. Each cell's span points at its text in that line.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from giextract.core.grid import Grid, GridCell
from giextract.ingest.decode import InputError

MAX_POSITIONS = 200_000  # rows × columns of one table; table 三 has 28 × 10

_CJK = r"\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef"
# Whitespace that holds a line break, next to a CJK character: a wrap inside Chinese text, not a space.
_WRAP = re.compile(rf"(?<=[{_CJK}])[^\S\u00a0]*\n\s*|[^\S\u00a0]*\n\s*(?=[{_CJK}])")
_SPACES = re.compile(r"[\s\u00a0\u200b\ufeff]+")


def clean_inline(text: str) -> str:
    """A run of inline text as one line: wraps next to Chinese joined, other whitespace one space."""
    return _SPACES.sub(" ", _WRAP.sub("", text)).strip()


def clean_cell(text: str) -> str:
    """A cell's text on one line: its lines joined directly (Chinese wraps without spaces), other
    whitespace one space, ``|`` kept out of the row syntax."""
    return "".join(_SPACES.sub(" ", line).strip() for line in text.splitlines()).replace("|", "/")


@dataclass
class RawCell:
    """A cell as a reader found it, before placement: its text and the spans the source declares."""

    text: str
    row_span: int = 1
    col_span: int = 1
    header: bool = False


@dataclass
class Placed:
    row: int
    col: int
    row_span: int
    col_span: int
    text: str
    header: bool


def place(rows: list[list[RawCell]], max_span: int = 200) -> list[Placed]:
    """The HTML table model: each row's cells go to the next free columns; a row-spanning cell holds its
    columns in the rows below. A span running past the table's last row stops there; a cell that would
    overlap one placed earlier is narrowed to the free columns (the source's own table error)."""
    taken: set[tuple[int, int]] = set()
    placed: list[Placed] = []
    n_rows = len(rows)
    for r, cells in enumerate(rows):
        c = 0
        for raw in cells:
            while (r, c) in taken:
                c += 1
            row_span = max(1, min(raw.row_span or n_rows - r, n_rows - r, max_span))
            col_span = max(1, min(raw.col_span, max_span))
            width = 1
            while width < col_span and (r, c + width) not in taken:
                width += 1
            if len(taken) + row_span * width > MAX_POSITIONS:
                raise InputError(f"a table spans more than {MAX_POSITIONS:,} row × column positions "
                                 f"(row {r + 1} of {n_rows}): not a report table")
            for dr in range(row_span):
                for dc in range(width):
                    taken.add((r + dr, c + dc))
            placed.append(Placed(r, c, row_span, width, raw.text, raw.header))
            c += width
    return placed


class TextWriter:
    """The reader's output text, written piece by piece, so every piece knows its offset."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._length = 0
        self.grids: list[Grid] = []

    @property
    def offset(self) -> int:
        return self._length

    def write(self, piece: str) -> tuple[int, int]:
        start = self._length
        self._parts.append(piece)
        self._length += len(piece)
        return (start, self._length)

    def line(self, text: str) -> None:
        """One line of running text (empty lines are not written)."""
        if text.strip():
            if self._length and not self._parts[-1].endswith("\n"):
                self.write("\n")
            self.write(text.rstrip("\n") + "\n")

    def table(self, placed: list[Placed], kind: str, page: Optional[int] = None) -> Optional[Grid]:
        """Write a table's rows and keep its grid; spans of its cells point into this text."""
        if not placed:
            return None
        if self._length and not self._parts[-1].endswith("\n"):
            self.write("\n")
        n_rows = max(p.row + p.row_span for p in placed)
        n_cols = max(p.col + p.col_span for p in placed)
        if n_rows * n_cols > MAX_POSITIONS:
            raise InputError(f"a table of {n_rows:,} rows × {n_cols:,} columns is beyond the {MAX_POSITIONS:,} "
                             "positions a report table can have")
        starts = {(p.row, p.col): p for p in placed}
        cells: list[GridCell] = []
        table_start = self._length
        for r in range(n_rows):
            self.write("|")
            for c in range(n_cols):
                self.write(" ")
                p = starts.get((r, c))
                if p is not None:
                    text = clean_cell(p.text)
                    cells.append(GridCell(row=r, col=c, text=text, span=self.write(text), row_span=p.row_span,
                                          col_span=p.col_span, header=p.header))
                self.write(" |")
            self.write("\n")
        grid = Grid(cells=cells, kind=kind, span=(table_start, self._length - 1), page=page)
        self.grids.append(grid)
        return grid

    def text(self) -> str:
        return "".join(self._parts).rstrip("\n")


__all__ = ["MAX_POSITIONS", "RawCell", "Placed", "TextWriter", "clean_cell", "clean_inline", "place"]
