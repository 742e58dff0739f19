"""PDF layouts (reportlab, the CID font STSong-Light, so no font file is needed and text extracts back):
a ruled table in the template's shape, and one whose text layer is out of reading order (cells drawn
column by column, blocks in a shuffled order, no ruling lines)."""
from __future__ import annotations

import io
import random
from dataclasses import dataclass

from giextract.evaluation.layouts.document import Document, Table, place

FONT = "STSong-Light"
PAGE_W, PAGE_H = 595.0, 842.0
MARGIN = 50.0
WIDTH = PAGE_W - 2 * MARGIN
_WIDTHS = {"applications": [26.0, 54.0, 140.0], "active_disclosure": [155.0], "review_litigation": [],
           "statistics_table": [230.0, 50.0]}


@dataclass
class Op:
    kind: str  # text | rect
    x: float
    y: float  # baseline (text) or bottom (rect), in PDF points from the page bottom
    text: str = ""
    size: float = 10.0
    w: float = 0.0
    h: float = 0.0
    group: tuple = ()  # drawing-order unit: ("block", i) or ("cell", column, row)


def _register() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def _wrap(text: str, width: float, size: float) -> list[str]:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    lines, line = [], ""
    for ch in text:
        if line and stringWidth(line + ch, FONT, size) > width:
            lines.append(line)
            line = ""
        line += ch
    return lines + [line] if line or not lines else lines


def _col_widths(table: Table) -> list[float]:
    fixed = list(_WIDTHS[table.kind])
    rest = table.ncols - len(fixed)
    return fixed + [(WIDTH - sum(fixed)) / rest] * rest


class _Flow:
    def __init__(self) -> None:
        self.pages: list[list[Op]] = [[]]
        self.y = PAGE_H - MARGIN
        self.group = 0

    def need(self, h: float) -> None:
        if self.y - h < MARGIN:
            self.pages.append([])
            self.y = PAGE_H - MARGIN

    def para(self, text: str, size: float, indent: float = 0.0, center: bool = False) -> None:
        self.group += 1
        for line in _wrap(text, WIDTH - indent, size):
            self.need(size * 1.6)
            self.y -= size * 1.6
            x = MARGIN + indent
            if center:
                from reportlab.pdfbase.pdfmetrics import stringWidth

                x = (PAGE_W - stringWidth(line, FONT, size)) / 2
            self.pages[-1].append(Op("text", x, self.y, line, size, group=("block", self.group)))
        self.y -= size * 0.4

    def table(self, table: Table, ruled: bool) -> None:
        size = 7.5 if table.kind == "review_litigation" else 8.5
        widths = _col_widths(table)
        xs = [MARGIN + sum(widths[:i]) for i in range(len(widths) + 1)]
        placed = place(table)
        nrows = len(table.rows)
        wrapped = {id(cell): _wrap(cell.text if cell.text != "&nbsp;" else "", xs[c + cell.colspan] - xs[c] - 4, size)
                   for r, c, cell in placed}
        heights = [size * 1.5 + 4] * nrows
        for r, c, cell in sorted(placed, key=lambda p: p[2].rowspan):
            need = len(wrapped[id(cell)]) * size * 1.3 + 4
            have = sum(heights[r:r + cell.rowspan])
            if need > have:
                heights[r + cell.rowspan - 1] += need - have
        # Bands: runs of rows that no rowspan crosses, kept on one page.
        ends = [r + cell.rowspan - 1 for r, _, cell in placed]
        band_end, start, bands = 0, 0, []
        for r in range(nrows):
            band_end = max([band_end] + [e for (rr, _, cell), e in zip(placed, ends) if rr == r])
            if band_end == r:
                bands.append((start, r))
                start = r + 1
        tops: dict[int, float] = {}
        page_of: dict[int, int] = {}
        for a, b in bands:
            self.need(sum(heights[a:b + 1]))
            for r in range(a, b + 1):
                tops[r] = self.y
                page_of[r] = len(self.pages) - 1
                self.y -= heights[r]
        for r, c, cell in placed:
            top = tops[r]
            bottom = top - sum(heights[r:r + cell.rowspan])
            x0, x1 = xs[c], xs[c + cell.colspan]
            page = self.pages[page_of[r]]
            if ruled:
                page.append(Op("rect", x0, bottom, w=x1 - x0, h=top - bottom))
            lines = wrapped[id(cell)]
            block_h = len(lines) * size * 1.3
            y = (top + bottom) / 2 + block_h / 2 - size
            from reportlab.pdfbase.pdfmetrics import stringWidth

            for line in lines:
                if line:
                    x = x0 + 2 if (not cell.path and not cell.header) else (x0 + x1 - stringWidth(line, FONT, size)) / 2
                    page.append(Op("text", x, y, line, size, group=("cell", c, r)))
                y -= size * 1.3
        self.y -= 8


def _layout(doc: Document, ruled: bool) -> list[list[Op]]:
    _register()
    flow = _Flow()
    for block in doc.blocks:
        if block.table is not None:
            flow.table(block.table, ruled)
        elif block.kind == "title":
            flow.para(block.text, 16, center=True)
        elif block.kind in ("heading", "subheading"):
            flow.para(block.text, 12)
        elif block.text:
            flow.para(block.text, 10.5, indent=21)
    return flow.pages


def _draw(pages: list[list[Op]]) -> bytes:
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=(PAGE_W, PAGE_H), invariant=1)
    for ops in pages:
        for op in ops:
            if op.kind == "rect":
                pdf.setLineWidth(0.5)
                pdf.rect(op.x, op.y, op.w, op.h, stroke=1, fill=0)
            else:
                pdf.setFont(FONT, op.size)
                pdf.drawString(op.x, op.y, op.text)
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def ruled_pdf(doc: Document, rng: random.Random) -> bytes:
    return _draw(_layout(doc, ruled=True))


def shuffled_pdf(doc: Document, rng: random.Random) -> bytes:
    """Same page positions, no rules, and a text layer out of reading order: table cells drawn column by
    column, the page's blocks (paragraphs, whole tables) in a shuffled order."""
    pages = []
    for ops in _layout(doc, ruled=False):
        units: dict[tuple, list[Op]] = {}
        for op in ops:
            key = ("table",) if op.group[0] == "cell" else op.group
            units.setdefault(key, []).append(op)
        for key, unit in units.items():
            if key == ("table",):
                unit.sort(key=lambda o: (o.group[1], o.group[2], -o.y))
        order = list(units)
        rng.shuffle(order)
        pages.append([op for key in order for op in units[key]])
    return _draw(pages)
