"""The legacy statistics table (统计表 / 附表) from a grid: columns found by the header (指标名称,
计量单位, the year's column, 历年累计), each row's cells taken by column so a blank cell stays blank and
never lets the next number slide into its place."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Optional, Sequence

from giextract.core.grid import Grid, GridCell
from giextract.core.model import Cell, Number, StatisticsRow
from giextract.ingest.normalize import Document
from giextract.tables.legacy_stats import indicator_key
from giextract.tables.rows import could_be_label, grid_cell
from giextract.templates.legacy import UNITS

_LABEL_HEAD = re.compile(r"指标|项目|统计内容")
_UNIT_HEAD = re.compile(r"单位")
_CUMULATIVE_HEAD = re.compile(r"累计")
_VALUE_HEAD = re.compile(r"年|统计数|数量|数值|本期")
_HEADER_WORD = re.compile(r"指标|名称|单位|计量|累计|年度|历年|统计数")


@dataclass(frozen=True)
class Columns:
    label: int
    unit: Optional[int]
    value: int
    cumulative: Optional[int]


def _plain(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _columns(grid: Grid, first: int, last: int) -> Optional[Columns]:
    """The header's columns, if rows ``first``..``last`` are a statistics-table header (a header may be
    split over rows: 指标 / 名称, 计量 / 单位, 历年 / 累计)."""
    heads: dict[int, str] = {}
    for r in range(first, last + 1):
        for cell in grid.own_cells(r):
            heads[cell.col] = heads.get(cell.col, "") + _plain(cell.text)
    label = next((c for c, t in sorted(heads.items()) if _LABEL_HEAD.search(t)), None)
    if label is None:
        return None
    later = [(c, t) for c, t in sorted(heads.items()) if c > label]
    unit = next((c for c, t in later if _UNIT_HEAD.search(t)), None)
    cumulative = next((c for c, t in later if _CUMULATIVE_HEAD.search(t)), None)
    value = next((c for c, t in later if c not in (unit, cumulative) and _VALUE_HEAD.search(t)), None)
    if value is None:
        return None
    return Columns(label, unit, value, cumulative)


def _number(text: str) -> Optional[Number]:
    m = re.fullmatch(r"\s*(\d+)(\.\d+)?\s*", text)
    if not m or (len(m.group(1)) > 1 and m.group(1)[0] == "0"):
        return None
    return float(m.group(0)) if m.group(2) else int(m.group(1))


def _own(grid: Grid, row: int, col: Optional[int]) -> Optional[GridCell]:
    """The cell at (row, col) if it starts in this row (a cell merged from above is not this row's)."""
    if col is None:
        return None
    cell = grid.at(row, col)
    return cell if cell is not None and cell.row == row else None


MAX_GAP_CHARS = 200  # non-table text allowed between two pieces of one table (footers, repeated titles)


def _pieces(doc: Document, grids: Sequence[Grid], first: int) -> list[Grid]:
    """``grids[first]`` and the pieces that continue it: same column count, close after it."""
    out = [grids[first]]
    for grid in grids[first + 1:]:
        prev = out[-1]
        if grid.n_cols != prev.n_cols or grid.span is None or prev.span is None:
            break
        if len("".join(doc.original[prev.span[1]:grid.span[0]].split())) > MAX_GAP_CHARS:
            break
        out.append(grid)
    return out


def fit_statistics(doc: Document, grids: Sequence[Grid]) -> Optional[list[StatisticsRow]]:
    """Rows of the first grid that has a statistics-table header (and of the pieces that continue it),
    in the order printed."""
    for index, grid in enumerate(grids):
        # The header: the leading rows that hold header words (at most three: a header split over rows,
        # even a year split as 201 / 2年度), after an optional title line.
        last = 0
        while last + 1 < min(grid.n_rows, 4) and any(_HEADER_WORD.search(_plain(c.text)) for c in grid.own_cells(last + 1)):
            last += 1
        cols = _columns(grid, 0, last)
        if cols is None:
            continue
        rows: list[StatisticsRow] = []
        lawsuit = False
        has_units = False
        stranded: Optional[GridCell] = None  # a label printed on a line of its own above its cells
        for grid, r in [(piece, r) for k, piece in enumerate(_pieces(doc, grids, index))
                        for r in range(last + 1 if k == 0 else 0, piece.n_rows)]:
            own = grid.own_cells(r)
            if len(own) == 1 and own[0].col_span == 1 and grid.n_cols > 1 and not _number(own[0].text):
                # A loose line: a label for the next row only if that row has none (never a footer or heading).
                stranded = own[0] if could_be_label(own[0].text) else None
                continue
            above, stranded = stranded, None
            label_cell = _own(grid, r, cols.label)
            values = [_own(grid, r, c) for c in (cols.value, cols.cumulative) if c is not None]
            if (label_cell is None or label_cell.blank) and not any(v is not None and not v.blank for v in values):
                continue
            if label_cell is not None and label_cell.col + label_cell.col_span > cols.value:
                continue  # a group heading spanning the row: no cells of its own
            unit_cell = _own(grid, r, cols.unit)
            unit = _plain(unit_cell.text) if unit_cell is not None and not unit_cell.blank else None
            if label_cell is None or label_cell.blank:
                label_cell = above  # its label was lifted onto the line above, or lost
                if label_cell is not None and unit is None:
                    unit = next((u for u in UNITS if _plain(label_cell.text).endswith(u)), None)
            has_units = has_units or unit is not None
            label = label_cell.text.strip() if label_cell is not None else ""
            if label_cell is above and unit and label.endswith(unit):
                label = label[:-len(unit)].rstrip()  # the stranded line carried the unit cell too
            key = indicator_key(label, lawsuit) if label else None
            lawsuit = True if key == "lawsuits_total" else False if key == "reviews_total" else lawsuit
            value = grid_cell(_own(grid, r, cols.value), _number)
            cumulative = grid_cell(_own(grid, r, cols.cumulative), _number) if cols.cumulative is not None else None
            rows.append(StatisticsRow(label=label, key=key, unit=unit, value=value, cumulative=cumulative,
                                      span=label_cell.span if label_cell is not None else None))
        if has_units:  # where the table prints units, a labelled row without one is a heading
            rows = [row for row in rows if row.unit or not row.label]
        if len(rows) >= 3:
            return rows
    return None


def _read(rows: Optional[list[StatisticsRow]]) -> int:
    cells: list[Cell] = [c for row in rows or [] for c in (row.value, row.cumulative) if c is not None]
    return sum(c.status in ("ok", "not_applicable", "missing") for c in cells)


def prefer_statistics_fit(fit: Optional[list[StatisticsRow]], text_rows: Optional[list[StatisticsRow]]) -> bool:
    """A grid with a header reads the table by column: take it unless the text readers read more cells."""
    return fit is not None and _read(fit) >= _read(text_rows)


__all__ = ["fit_statistics", "prefer_statistics_fit"]
