"""Printed rows: every row of a grid as its label texts and its value cells, and how well a printed
label names a template label. This is what the template fitter (``fit``) aligns; a grid from any reader
(HTML, .docx, PDF, OCR, or text recovered into a grid) gives its rows here."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Optional, Sequence

from giextract.core.grid import Grid, GridCell
from giextract.core.model import Cell, Number
from giextract.tables.tokens import NOT_APPLICABLE

CellParser = Callable[[str], Optional[Number]]
_ORDINAL = re.compile(r"^\s*(?:[一二三四五六七八九十]+\s*[、.．]|[(（]\s*[一二三四五六七八九十\d]+\s*[)）]|\d+\s*[.、．](?!\d))\s*")
_NOISE = re.compile(r"[\s\"'“”‘’、，,。:：;；()（）\[\]【】<>《》|/]")
_NUMBER = re.compile(r"[-+−]?\d+(?:\.\d+)?")
_BLANK = {"", "&nbsp;"}


@lru_cache(maxsize=8192)
def _plain(text: str) -> str:
    """A label for comparison: NFKC, no leading ordinal, no punctuation or spaces."""
    text = unicodedata.normalize("NFKC", text)
    return _NOISE.sub("", _ORDINAL.sub("", text))


@lru_cache(maxsize=8192)
def _bigrams(s: str) -> frozenset[str]:
    return frozenset(s[i:i + 2] for i in range(len(s) - 1)) if len(s) > 1 else frozenset((s,))


@lru_cache(maxsize=65536)
def label_score(printed: str, template: str) -> float:
    """0..1: how well a printed label names a template label (containment, else bigram overlap)."""
    a, b = _plain(printed), _plain(template)
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    short, long_ = sorted((a, b), key=len)
    if len(short) >= 2 and short in long_:
        return 0.75 + 0.25 * len(short) / len(long_)
    x, y = _bigrams(a), _bigrams(b)
    return 2 * len(x & y) / (len(x) + len(y))


@dataclass
class PrintedRow:
    """One row of a grid: its label texts and its value cells (None where the grid has no cell)."""

    labels: list[str]
    values: list[Optional[GridCell]]
    grid: int
    row: int
    n_cols: int = 0
    matched: Optional[str] = None
    kind: str = ""

    def values_for(self, width: int) -> Optional[list[Optional[GridCell]]]:
        """The row's ``width`` value cells: as printed when the count matches; else by grid column when
        every value cell sits in one of the grid's last ``width`` columns (a row that leaves trailing
        cells out); extra leading blank cells are dropped. None when the row cannot hold the template's
        row."""
        vals = self.values
        if len(vals) == width:
            return vals
        if len(vals) > width and all(v is None or v.blank for v in vals[:len(vals) - width]):
            return vals[len(vals) - width:]
        first = self.n_cols - width
        if 0 < len(vals) < width and all(v is not None and v.col_span == 1 and v.col >= first for v in vals):
            placed: list[Optional[GridCell]] = [None] * width
            for v in vals:
                placed[v.col - first] = v  # type: ignore[union-attr]
            return placed
        return None


def _is_value_text(text: str) -> bool:
    t = unicodedata.normalize("NFKC", text).strip()
    return t in _BLANK or t in NOT_APPLICABLE or bool(re.fullmatch(
        r"(?:减少?|增加?|[-+−])?\s*\d+(?:\.\d+)?\s*(?:万元|元|项|个|件|条)?", t))


# Readers whose empty positions may be cells they missed (an OCR box not found), never known blanks.
BLANK_UNKNOWN = {"ocr"}
_NOT_A_LABEL = re.compile(r"\s*(?:#|[—\-–\s\d第页/]+$|表)")  # a heading, a page footer, a table title


def could_be_label(text: str) -> bool:
    """A loose line that may be a row label stranded above its cells (not a heading or a footer)."""
    return not _NOT_A_LABEL.match(text)


def printed_rows(grids: Sequence[Grid]) -> list[PrintedRow]:
    """Every row of every grid as (labels, trailing value cells). Merged cells that started in an
    earlier row (a row-group label) are context, not this row's label."""
    out: list[PrintedRow] = []
    for g_index, grid in enumerate(grids):
        for r in range(grid.n_rows):
            own = grid.own_cells(r)
            split = len(own)
            while split > 0 and _is_value_text(own[split - 1].text):
                split -= 1
            labels = [c.text for c in own[:split] if c.text.strip()]
            values: list[Optional[GridCell]] = list(own[split:])
            above = out[-1] if out and out[-1].grid == g_index and out[-1].row == r - 1 else None
            if not labels and values and above is not None and not above.values and len(above.labels) == 1 \
                    and could_be_label(above.labels[0]):
                labels = above.labels  # a label stranded on the line above its cells
            out.append(PrintedRow(labels, values, g_index, r, grid.n_cols, kind=grid.kind))
    return out


def grid_cell(cell: Optional[GridCell], parse: CellParser, blank: str = "missing") -> Cell:
    """A printed grid cell as an output cell: blank stays blank (missing; ``blank="unread"`` where the
    reader cannot tell a blank from a cell it missed, as OCR), / — 无 are not applicable, a number the
    column's parser reads is ok with the span of its digits, anything else is unread."""
    if cell is None or cell.span is None:
        return Cell(value=None, raw="", status=blank)  # type: ignore[arg-type]
    text = unicodedata.normalize("NFKC", cell.text).replace("\u00a0", " ").strip()
    span = cell.span
    if text in _BLANK:
        return Cell(value=None, raw=cell.text, span=span, status=blank)  # type: ignore[arg-type]
    if text in NOT_APPLICABLE:
        return Cell(value=None, raw=cell.text, span=span, status="not_applicable")
    value = parse(text)
    if value is None:  # printed, but not as one number of this column
        return Cell(value=None, raw=cell.text, span=span, status="unread")
    m = _NUMBER.search(cell.text) or _NUMBER.search(text)
    if m and cell.text[m.start():m.end()] == m.group(0):
        span = (cell.span[0] + m.start(), cell.span[0] + m.end())
        return Cell(value=value, raw=m.group(0), span=span, status="ok")
    return Cell(value=value, raw=cell.text, span=span, status="ok")
