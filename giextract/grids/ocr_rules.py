"""Ruled tables in a page image: the rules of a scanned table, found in its pixels, make the grid of its
cells (rows, columns and merged cells from the rule positions). Used by :mod:`giextract.grids.ocr`, which
puts the text boxes into these cells."""
from __future__ import annotations

import logging
import math
import statistics
from dataclasses import dataclass
from typing import Any, Iterable, Optional

log = logging.getLogger(__name__)
BBox = tuple[float, float, float, float]
MAX_RULE_PAIRS = 250_000  # horizontal × vertical rule candidates of a page (table 三 of a scan: ~30 × 20)
MAX_RULED_POSITIONS = 5_000  # rows × columns of one ruled table (table 三: 28 × 10)


# Ruled tables. The page image is turned back by its skew, so its pixels are the boxes' level coordinates
# shifted by (dx, dy); rules are the runs of ink that survive a morphological opening with a long thin
# kernel (3 text heights across, 1.2 down: longer than any stroke of a character, shorter than the
# narrowest cell); horizontal and vertical rules that meet make a table; its cells are the rectangles of
# the grid of rule positions, neighbours joined where no rule covers half the edge between them (merged
# cells). Text boxes belong to the cell holding their centre.
@dataclass(frozen=True)
class RuledCell:
    """A cell of a ruled table: first row and column on the grid of the table's rule positions, spans, the
    rectangle between its rules (level coordinates, as ``OcrBox.level``) and its bounding box on the page
    image, and the box of the ink inside it (level coordinates; None: the cell is blank, see :func:`_ink`)."""

    row: int
    col: int
    row_span: int
    col_span: int
    rect: BBox
    bbox: BBox
    ink: Optional[BBox]


@dataclass(frozen=True)
class RuledTable:
    page: int
    rect: BBox  # the outer rules, level coordinates
    cells: tuple[RuledCell, ...]


class _Deskewed:
    """A page image (grey, a NumPy array) turned back by ``angle``, and its ink (Otsu's threshold)."""

    def __init__(self, gray: Any, angle: float) -> None:
        import cv2
        import numpy as np

        h, w = gray.shape[:2]
        self.cos, self.sin = math.cos(angle), math.sin(angle)
        corners = ((0, 0), (w, 0), (0, h), (w, h))
        xs = [x * self.cos + y * self.sin for x, y in corners]
        ys = [-x * self.sin + y * self.cos for x, y in corners]
        self.dx, self.dy = -min(xs), -min(ys)
        if angle:
            matrix = np.array([[self.cos, self.sin, self.dx], [-self.sin, self.cos, self.dy]], dtype=np.float32)
            size = (int(math.ceil(max(xs) + self.dx)), int(math.ceil(max(ys) + self.dy)))
            gray = cv2.warpAffine(gray, matrix, size, flags=cv2.INTER_LINEAR, borderValue=255)
        self.gray = gray
        self.threshold, self.ink = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)

    def pixels(self, rect: BBox) -> tuple[int, int, int, int]:
        """A level rectangle as pixel bounds of the turned image, clipped to it."""
        h, w = self.gray.shape[:2]
        x0, y0, x1, y1 = rect
        return (max(0, int(round(x0 + self.dx))), max(0, int(round(y0 + self.dy))),
                min(w, int(round(x1 + self.dx))), min(h, int(round(y1 + self.dy))))

    def level(self, x0: float, y0: float, x1: float, y1: float) -> BBox:
        """Pixel bounds of the turned image as a level rectangle."""
        return (x0 - self.dx, y0 - self.dy, x1 - self.dx, y1 - self.dy)

    def bbox(self, rect: BBox) -> BBox:
        """A level rectangle's bounding box on the page image as scanned."""
        x0, y0, x1, y1 = rect
        points = [(x * self.cos - y * self.sin, x * self.sin + y * self.cos)
                  for x, y in ((x0, y0), (x1, y0), (x0, y1), (x1, y1))]
        return (min(p[0] for p in points), min(p[1] for p in points),
                max(p[0] for p in points), max(p[1] for p in points))


Segment = tuple[float, float, float]  # (start, end, position): x0, x1, y of a horizontal rule; y0, y1, x of a vertical


def _segments(mask: Any, horizontal: bool) -> list[Segment]:
    import cv2

    _, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    return [(float(x), float(x + w), y + h / 2) if horizontal else (float(y), float(y + h), x + w / 2)
            for x, y, w, h, _ in stats[1:]]


def _joined(segments: list[Segment], tolerance: float, gap: float) -> list[Segment]:
    """Pieces of one rule (broken by a scan's noise: gaps under ``gap``) as one segment."""
    out: list[Segment] = []
    for s0, s1, p in sorted(segments):
        near = next((k for k in range(len(out) - 1, -1, -1)
                     if abs(out[k][2] - p) <= tolerance / 2 and s0 - out[k][1] <= gap), None)
        if near is None:
            out.append((s0, s1, p))
        else:
            a0, a1, q = out[near]
            out[near] = (min(a0, s0), max(a1, s1), (q + p) / 2)
    return out


def _clusters(values: Iterable[float], tolerance: float) -> list[float]:
    groups: list[list[float]] = []
    for v in sorted(values):
        if groups and v - groups[-1][-1] <= tolerance:
            groups[-1].append(v)
        else:
            groups.append([v])
    return [sum(g) / len(g) for g in groups]


def _covered(segments: list[Segment], position: float, a: float, b: float, tolerance: float) -> bool:
    """Whether rules at ``position`` cover at least half of ``a``–``b``."""
    run = sum(max(0.0, min(s1, b) - max(s0, a)) for s0, s1, p in segments if abs(p - position) <= tolerance)
    return run >= 0.5 * (b - a)


def _ink(page: _Deskewed, rect: BBox, height: float) -> Optional[BBox]:
    """The box of the marks inside a cell (level coordinates), or None when it has none: the cell's interior
    (its rectangle less a fifth of a text height on each side, clear of the rules) holds no dark component
    of at least a quarter of a text height (a digit or a dash is; a speck of scan noise is not), rule-like
    slivers (a rule's edge left by an uneven turn) not counted."""
    import cv2

    inset = max(2.0, 0.2 * height)
    x0, y0, x1, y1 = page.pixels((rect[0] + inset, rect[1] + inset, rect[2] - inset, rect[3] - inset))
    if x1 - x0 < 2 or y1 - y0 < 2:
        return None
    _, _, stats, _ = cv2.connectedComponentsWithStats(page.ink[y0:y1, x0:x1], connectivity=8)
    least, thin = max(3.0, 0.25 * height), 0.2 * height
    marks = [(x, y, x + w, y + h) for x, y, w, h, _ in stats[1:]
             if max(w, h) >= least and not (min(w, h) <= thin and max(w, h) >= 2 * height)]
    if not marks:
        return None
    return page.level(x0 + min(m[0] for m in marks), y0 + min(m[1] for m in marks),
                      x0 + max(m[2] for m in marks), y0 + max(m[3] for m in marks))


def ruled_tables(page: _Deskewed, height: float, page_no: int) -> list[RuledTable]:
    """The ruled tables of a turned page image whose text is ``height`` pixels high: at least two horizontal
    and two vertical rules that meet, and two rows and two columns of cells."""
    import cv2

    if height <= 0:
        return []
    kernel = cv2.getStructuringElement
    across = cv2.morphologyEx(page.ink, cv2.MORPH_OPEN, kernel(cv2.MORPH_RECT, (max(8, int(3 * height)), 1)))
    down = cv2.morphologyEx(page.ink, cv2.MORPH_OPEN, kernel(cv2.MORPH_RECT, (1, max(6, int(1.2 * height)))))
    tolerance = max(3.0, 0.3 * height)
    hs = _joined(_segments(across, True), tolerance, height)
    vs = _joined(_segments(down, False), tolerance, height)
    if len(hs) * len(vs) > MAX_RULE_PAIRS:  # a drawing or a photograph, not a table's rules
        log.info("OCR page %d: %d × %d rule candidates, read without ruled tables", page_no, len(hs), len(vs))
        return []
    # A vertical rule meets two horizontal rules or more (a tall stroke of a heading over a table, one).
    vs = [v for v in vs if len(_clusters([y for x0, x1, y in hs if x0 - tolerance <= v[2] <= x1 + tolerance
                                           and v[0] - tolerance <= y <= v[1] + tolerance], tolerance)) >= 2]
    parent = list(range(len(hs) + len(vs)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, (x0, x1, y) in enumerate(hs):
        for j, (y0, y1, x) in enumerate(vs):
            if x0 - tolerance <= x <= x1 + tolerance and y0 - tolerance <= y <= y1 + tolerance:
                parent[root(i)] = root(len(hs) + j)
    groups: dict[int, tuple[list[Segment], list[Segment]]] = {}
    for i, seg in enumerate(hs + vs):
        groups.setdefault(root(i), ([], []))[i >= len(hs)].append(seg)
    tables = []
    for across_rules, down_rules in groups.values():
        if len(across_rules) >= 2 and len(down_rules) >= 2:
            table = _ruled_table(page, across_rules, down_rules, tolerance, height, page_no)
            if table is not None:
                tables.append(table)
    return sorted(tables, key=lambda t: t.rect[1])


def _ruled_table(page: _Deskewed, hs: list[Segment], vs: list[Segment], tolerance: float, height: float,
                 page_no: int) -> Optional[RuledTable]:
    # Rule positions; a table open at the sides (no outer vertical rules) ends where its horizontal rules do.
    xs = _clusters([x for _, _, x in vs] + [min(s[0] for s in hs), max(s[1] for s in hs)], tolerance)
    ys = _clusters([y for _, _, y in hs], tolerance)
    # A table cut by the page's end (no rule under its last row, or over its first): most of its vertical
    # rules run on a text height or more past the last horizontal one; the table ends where they do.
    below = sorted(s[1] for s in vs if s[1] > ys[-1] + height)
    if len(below) >= 2 and 2 * len(below) >= len(vs):
        ys.append(statistics.median(below))
    above = sorted(s[0] for s in vs if s[0] < ys[0] - height)
    if len(above) >= 2 and 2 * len(above) >= len(vs):
        ys.insert(0, statistics.median(above))
    n_rows, n_cols = len(ys) - 1, len(xs) - 1
    if n_rows < 2 or n_cols < 2 or n_rows * n_cols > MAX_RULED_POSITIONS:
        return None
    parent = {(r, c): (r, c) for r in range(n_rows) for c in range(n_cols)}

    def root(p: tuple[int, int]) -> tuple[int, int]:
        while parent[p] != p:
            p = parent[p]
        return p

    for r in range(n_rows):
        for c in range(n_cols):
            if c + 1 < n_cols and not _covered(vs, xs[c + 1], ys[r], ys[r + 1], tolerance):
                parent[root((r, c + 1))] = root((r, c))
            if r + 1 < n_rows and not _covered(hs, ys[r + 1], xs[c], xs[c + 1], tolerance):
                parent[root((r + 1, c))] = root((r, c))
    members: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for p in parent:
        members.setdefault(root(p), []).append(p)
    spans = []
    for group in members.values():
        r0, r1 = min(p[0] for p in group), max(p[0] for p in group) + 1
        c0, c1 = min(p[1] for p in group), max(p[1] for p in group) + 1
        if len(group) == (r1 - r0) * (c1 - c0):
            spans.append((r0, c0, r1, c1))
        else:  # not a rectangle (rules broken in a way no table is drawn): its positions one by one
            spans += [(r, c, r + 1, c + 1) for r, c in group]
    cells = []
    for r0, c0, r1, c1 in sorted(spans):
        rect = page.level(xs[c0], ys[r0], xs[c1], ys[r1])
        cells.append(RuledCell(r0, c0, r1 - r0, c1 - c0, rect, page.bbox(rect), _ink(page, rect, height)))
    return RuledTable(page_no, page.level(xs[0], ys[0], xs[-1], ys[-1]), tuple(cells))
