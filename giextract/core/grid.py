"""A table as the source printed it: cells with row, column, spans and provenance. No I/O here.

Structured readers (HTML, .docx, PDF) build grids directly; text layouts (pipe rows, Markdown pieces,
tab/space columns, one cell per line) are recovered into the same type. The template fitter maps a grid
onto the official table; nothing downstream needs to know which reader made it.

Offsets: a ``GridCell.span`` is ``(start, end)`` into the reader's output text (``Document.original``),
with ``original[start:end] == cell.text`` whenever the span is set.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator, Optional

OriginalSpan = tuple[int, int]


@dataclass(frozen=True)
class GridCell:
    row: int
    col: int
    text: str
    span: Optional[OriginalSpan] = None
    row_span: int = 1
    col_span: int = 1
    header: bool = False  # <th>, or a cell the reader knows is a header

    def __post_init__(self) -> None:
        if self.row < 0 or self.col < 0 or self.row_span < 1 or self.col_span < 1:
            raise ValueError(f"bad cell geometry: {self}")
        if self.span is not None and not (0 <= self.span[0] <= self.span[1]):
            raise ValueError(f"bad span {self.span}")

    @property
    def blank(self) -> bool:
        return not self.text.strip()


@dataclass
class Grid:
    """Cells of one table. ``kind`` names the layout it came from (``html``, ``docx``, ``pdf``, ``pipe`` …)."""

    cells: list[GridCell]
    kind: str
    span: Optional[OriginalSpan] = None  # the whole table in the reader's text
    page: Optional[int] = None
    _index: dict[tuple[int, int], GridCell] = field(default_factory=dict, init=False, repr=False)
    _starts: dict[int, list[GridCell]] = field(default_factory=dict, init=False, repr=False)
    n_rows: int = field(default=0, init=False)
    n_cols: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        for cell in self.cells:
            for r in range(cell.row, cell.row + cell.row_span):
                for c in range(cell.col, cell.col + cell.col_span):
                    if (r, c) in self._index:
                        raise ValueError(f"cells overlap at row {r}, column {c}")
                    self._index[(r, c)] = cell
            self._starts.setdefault(cell.row, []).append(cell)
        for row in self._starts.values():
            row.sort(key=lambda c: c.col)
        self.n_rows = max((c.row + c.row_span for c in self.cells), default=0)
        self.n_cols = max((c.col + c.col_span for c in self.cells), default=0)

    def at(self, row: int, col: int) -> Optional[GridCell]:
        """The cell covering (row, col): a merged cell answers for every position it covers."""
        return self._index.get((row, col))

    def row(self, r: int) -> list[Optional[GridCell]]:
        """Row ``r`` with merged cells expanded (the same cell repeated over its columns)."""
        return [self.at(r, c) for c in range(self.n_cols)]

    def rows(self) -> Iterator[list[Optional[GridCell]]]:
        for r in range(self.n_rows):
            yield self.row(r)

    def own_cells(self, r: int) -> list[GridCell]:
        """The cells that start in row ``r``, left to right (each merged cell once)."""
        return list(self._starts.get(r, ()))


__all__ = ["Grid", "GridCell", "OriginalSpan"]
