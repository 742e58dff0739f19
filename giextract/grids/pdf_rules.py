"""Ruled tables of a PDF page found from its drawn lines (pypdfium2 path objects), cells filled from the
characters' boxes.

The method is the usual lattice one: every axis-parallel stretch of a painted path is an edge (a
rectangle gives four, a filled hairline rectangle two close ones); edges within ``SNAP`` points of one
another are moved onto one line and collinear pieces that touch are joined; a crossing of a horizontal
and a vertical edge is a corner; a cell is the smallest rectangle whose four corners exist and whose
sides run along edges; cells that share corners make one table (a lone cell is a box, not a table). A
character belongs to the cell that holds its centre.

:func:`find_tables` returns ``None`` when the page draws something this reader does not follow (paths
inside form XObjects, a rotated page, more lines than a report table has): the caller then asks
pdfplumber.
"""
from __future__ import annotations

import ctypes
import logging
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from typing import Any, Optional

from giextract.grids.build import Placed
from giextract.grids.pdf_layout import Char, lines

log = logging.getLogger(__name__)
SNAP = 3.0  # points: edges this close are one line, pieces this close are joined, crossings this close meet
MIN_EDGE = 3.0  # points: a shorter edge is a mark, not a rule
MAX_EDGES = 4_000  # per direction; a report table draws a few hundred
MAX_CROSSINGS = 20_000  # per page; table 三 has about 300
MAX_STEPS = 2_000_000  # cell search steps per page before giving up on the page's geometry

Bbox = tuple[float, float, float, float]  # x0, top, x1, bottom (y down)


@dataclass
class Table:
    bbox: Bbox
    cells: list[Bbox]


class Unsupported(Exception):
    """The page's drawing is outside what this reader follows; pdfplumber reads it instead."""


class TooComplex(Unsupported):
    """The page draws far more lines than a report table: it is read as text, without tables."""


def path_objects(page: Any) -> tuple[list[Any], list[Any]]:
    """The page's path objects (raw handles): those drawn on the page itself, and those inside form
    XObjects (two levels down; their coordinates are the form's)."""
    import pypdfium2.raw as raw

    paths: list[Any] = []
    nested: list[Any] = []
    stack = [(raw.FPDFPage_CountObjects(page.raw), lambda i: raw.FPDFPage_GetObject(page.raw, i), 0)]
    while stack:
        count, get, level = stack.pop()
        for i in range(count):
            obj = get(i)
            kind = raw.FPDFPageObj_GetType(obj)
            if kind == raw.FPDF_PAGEOBJ_PATH:
                (nested if level else paths).append(obj)
            elif kind == raw.FPDF_PAGEOBJ_FORM and level < 2:
                stack.append((raw.FPDFFormObj_CountObjects(obj), lambda j, f=obj: raw.FPDFFormObj_GetObject(f, j),
                              level + 1))
    return paths, nested


def bounds(obj: Any) -> tuple[float, float, float, float]:
    """A raw page object's bounds in page space: left, bottom, right, top."""
    import pypdfium2.raw as raw

    box = [ctypes.c_float() for _ in range(4)]
    raw.FPDFPageObj_GetBounds(obj, *box)
    return box[0].value, box[1].value, box[2].value, box[3].value


def _segments(obj: Any, raw: Any) -> list[list[tuple[float, float]]]:
    """The path's subpaths as point lists in page space (y down); a closed subpath ends at its start."""
    m = raw.FS_MATRIX()
    if not raw.FPDFPageObj_GetMatrix(obj, m):
        raise Unsupported("a path without a readable matrix")
    x, y = ctypes.c_float(), ctypes.c_float()
    paths: list[list[tuple[float, float]]] = []
    for i in range(raw.FPDFPath_CountSegments(obj)):
        seg = raw.FPDFPath_GetPathSegment(obj, i)
        if not raw.FPDFPathSegment_GetPoint(seg, x, y):
            continue
        px, py = m.a * x.value + m.c * y.value + m.e, m.b * x.value + m.d * y.value + m.f
        kind = raw.FPDFPathSegment_GetType(seg)
        if kind == raw.FPDF_SEGMENT_MOVETO or not paths:
            paths.append([(px, -py)])
        elif kind == raw.FPDF_SEGMENT_BEZIERTO:
            paths.append([(px, -py)])  # a curve is not a rule: the next straight piece starts here
        else:
            paths[-1].append((px, -py))
        if raw.FPDFPathSegment_GetClose(seg) and len(paths[-1]) > 1:
            paths[-1].append(paths[-1][0])
    return paths


def page_edges(page: Any, paths: list[Any]) -> tuple[list[tuple[float, float, float]], list[tuple[float, float, float]]]:
    """Horizontal (y, x0, x1) and vertical (x, top, bottom) edges of the page's painted paths."""
    import pypdfium2.raw as raw

    if page.get_rotation() % 360:
        raise Unsupported("rotated page")
    across: list[tuple[float, float, float]] = []
    down: list[tuple[float, float, float]] = []
    fill, stroke = ctypes.c_int(), ctypes.c_int()
    for obj in paths:
        raw.FPDFPath_GetDrawMode(obj, fill, stroke)
        if not fill.value and not stroke.value:  # a clipping path paints nothing
            continue
        for points in _segments(obj, raw):
            for (ax, ay), (bx, by) in zip(points, points[1:]):
                if abs(ay - by) < 0.5 and abs(ax - bx) >= 0.5:
                    across.append(((ay + by) / 2, min(ax, bx), max(ax, bx)))
                elif abs(ax - bx) < 0.5 and abs(ay - by) >= 0.5:
                    down.append(((ax + bx) / 2, min(ay, by), max(ay, by)))
        if len(across) > MAX_EDGES or len(down) > MAX_EDGES:
            raise TooComplex(f"more than {MAX_EDGES:,} line pieces")
    return across, down


def _merge(edges: list[tuple[float, float, float]]) -> list[tuple[float, float, float]]:
    """Edges snapped onto shared lines (a run of positions each within SNAP of the next, at its mean) and
    touching collinear pieces joined; pieces shorter than MIN_EDGE dropped."""
    edges = sorted(edges)
    clusters: list[list[tuple[float, float, float]]] = []
    for e in edges:
        if clusters and e[0] - clusters[-1][-1][0] <= SNAP:
            clusters[-1].append(e)
        else:
            clusters.append([e])
    out: list[tuple[float, float, float]] = []
    for cluster in clusters:
        pos = sum(e[0] for e in cluster) / len(cluster)
        start = end = None
        for _, a, b in sorted(cluster, key=lambda e: e[1]):
            if start is not None and a <= end + SNAP:
                end = max(end, b)
                continue
            if start is not None and end - start >= MIN_EDGE:
                out.append((pos, start, end))
            start, end = a, b
        if start is not None and end - start >= MIN_EDGE:
            out.append((pos, start, end))
    return out


def _cells(across: list[tuple[float, float, float]], down: list[tuple[float, float, float]]) -> list[Bbox]:
    """The smallest rectangles whose corners are crossings and whose sides run along one edge each."""
    by_y = sorted(range(len(across)), key=lambda i: across[i][0])
    ys = [across[i][0] for i in by_y]
    corners: dict[tuple[float, float], tuple[set[int], set[int]]] = {}
    steps = 0
    for v, (x, top, bottom) in enumerate(down):
        lo, hi = bisect_left(ys, top - SNAP), bisect_right(ys, bottom + SNAP)
        steps += hi - lo
        if steps > MAX_STEPS:
            raise TooComplex("too many rules to cross")
        for i in by_y[lo:hi]:
            y, x0, x1 = across[i]
            if x0 - SNAP <= x <= x1 + SNAP:
                vs, hs = corners.setdefault((x, y), (set(), set()))
                vs.add(v)
                hs.add(i)
        if len(corners) > MAX_CROSSINGS:
            raise TooComplex(f"more than {MAX_CROSSINGS:,} rule crossings")
    column: dict[float, list[float]] = {}
    row: dict[float, list[float]] = {}
    for x, y in corners:
        column.setdefault(x, []).append(y)
        row.setdefault(y, []).append(x)
    for values in (*column.values(), *row.values()):
        values.sort()
    steps = 0
    cells: list[Bbox] = []
    for (x, y), (vs, hs) in sorted(corners.items()):
        found = None
        for y2 in column[x][bisect_right(column[x], y):]:
            below = corners[(x, y2)]
            steps += 1
            if not vs & below[0]:
                continue
            for x2 in row[y][bisect_right(row[y], x):]:
                steps += 1
                right = corners[(x2, y)]
                if not hs & right[1]:
                    continue
                far = corners.get((x2, y2))
                if far is not None and far[0] & right[0] and far[1] & below[1]:
                    found = (x, y, x2, y2)
                    break
            if found or steps > MAX_STEPS:
                break
        if steps > MAX_STEPS:
            raise TooComplex("too many crossings to search")
        if found:
            cells.append(found)
    return cells


def _tables(cells: list[Bbox]) -> list[Table]:
    """Cells sharing a corner are one table; tables top to bottom, a lone cell dropped."""
    parent = list(range(len(cells)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[tuple[float, float], int] = {}
    for i, (x0, top, x1, bottom) in enumerate(cells):
        for corner in ((x0, top), (x0, bottom), (x1, top), (x1, bottom)):
            j = owner.setdefault(corner, i)
            parent[root(i)] = root(j)
    groups: dict[int, list[Bbox]] = {}
    for i, cell in enumerate(cells):
        groups.setdefault(root(i), []).append(cell)
    tables = [Table((min(c[0] for c in g), min(c[1] for c in g), max(c[2] for c in g), max(c[3] for c in g)), g)
              for g in groups.values() if len(g) > 1]
    return sorted(tables, key=lambda t: (t.bbox[1], t.bbox[0]))


def find_tables(page: Any, paths: list[Any]) -> list[Table]:
    """The page's ruled tables (possibly none) from its top-level ``paths``. Raises Unsupported when
    pdfplumber should read the page."""
    across, down = page_edges(page, paths)
    across, down = _merge(across), _merge(down)
    if len(across) < 2 or len(down) < 2:
        return []
    return _tables(_cells(across, down))


def _bounds(values: list[float]) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if not out or v - out[-1] > 1.5:
            out.append(v)
    return out


def place_table(table: Table, chars: list[Char]) -> tuple[list[Placed], set[int]]:
    """The table's cells on the grid its own boundaries make (a merged cell spans several), each with the
    text of the characters whose centre it holds; and the drawing positions of those characters."""
    xs = _bounds([c[0] for c in table.cells] + [c[2] for c in table.cells])
    ys = _bounds([c[1] for c in table.cells] + [c[3] for c in table.cells])

    def index(bounds: list[float], v: float) -> int:
        return min(bisect_left(bounds, v - 1.5), len(bounds) - 1)

    x0, top, x1, bottom = table.bbox
    boxes = sorted(table.cells, key=lambda c: (c[1], c[0]))
    at: dict[tuple[int, int], int] = {}
    placed: list[Placed] = []
    kept: list[int] = []
    for n, (cx0, ctop, cx1, cbottom) in enumerate(boxes):
        c0, c1, r0, r1 = index(xs, cx0), index(xs, cx1), index(ys, ctop), index(ys, cbottom)
        cover = [(r, c) for r in range(r0, max(r1, r0 + 1)) for c in range(c0, max(c1, c0 + 1))]
        if any(pos in at for pos in cover):  # overlapping rectangles (a cell drawn inside another): keep the first
            log.debug("PDF table: cell at %s overlaps another", (r0, c0))
            continue
        at.update((pos, n) for pos in cover)
        kept.append(n)
        placed.append(Placed(r0, c0, max(1, r1 - r0), max(1, c1 - c0), "", False))
    mine: dict[int, list[Char]] = {n: [] for n in kept}
    for ch in chars:
        cx, cy = ch.cx, ch.cy
        if not (x0 <= cx < x1 and top <= cy < bottom):
            continue
        n = at.get((bisect_right(ys, cy) - 1, bisect_right(xs, cx) - 1))
        if n is None or not _holds(boxes[n], cx, cy):  # near a boundary the bounds were rounded: look at all
            n = next((k for k in kept if _holds(boxes[k], cx, cy)), None)
        if n is not None and n in mine:
            mine[n].append(ch)
    used = {ch.order for group in mine.values() for ch in group}
    for p, n in zip(placed, kept):
        p.text = "\n".join(lines(mine[n]))
    return placed, used


def _holds(box: Bbox, cx: float, cy: float) -> bool:
    return box[0] <= cx < box[2] and box[1] <= cy < box[3]


__all__ = ["Table", "TooComplex", "Unsupported", "bounds", "find_tables", "page_edges", "path_objects", "place_table", "SNAP"]
