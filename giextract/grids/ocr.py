"""Page images → OCR text boxes → text with tables as grids (the optional ``giextract[ocr]`` extra).

The engine is RapidOCR (``rapidocr-onnxruntime``, whose wheel bundles the PP-OCRv4 Chinese detection and
recognition models: nothing is downloaded at run time). Its boxes become a layout by geometry alone:

* the page's skew is the median slope of the wide boxes' top edges, and box centres are turned back by it,
  so a scan rotated by a degree still has level rows;
* boxes whose vertical extents overlap form a line (boxes nearly touching are one phrase); a run of lines holding two or more boxes each (a short
  single box, such as a section row, may sit between them) is a table;
* a table's columns are clustered from its boxes' x extents, narrowest first, so a header box wider than
  one column spans the columns it covers instead of merging them;
* where the page image has rules, a ruled table is one grid of its ruled cells instead (rows, columns and
  merged cells from the rules, :func:`ruled_tables`); a box belongs to the cell holding its centre, and a
  cell with ink that no box covers (the detector often finds no box around a lone ``0``) is read by the
  recognizer alone on a crop of its ink, as is a lone box read as a digit's look-alike (``X`` for 8); a
  cell whose interior holds no mark of a quarter of a text height is blank.

Each table is written one line per grid row (``| c1 | c2 |``, see :mod:`giextract.grids.build`), so cell
spans point into the OCR text. Every cell keeps its page, bounding box (pixels of the page image, before
deskewing) and the engine's confidence in :class:`OcrCell`. A box holding digits read with confidence
below :data:`LOW_CONFIDENCE` is written with its digits replaced by ``?``, and so are the other numbers of
its table row (also when a cell of the row reads as neither a value nor words, such as ``l`` for ``1``): no reader can take them for numbers (nor split a neighbour to fill the gap), so they come
out ``unread``, never silently ``ok``; what the engine read stays in ``OcrCell.read``.
"""
from __future__ import annotations

import io
import logging
import math
import re
import statistics
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any, Callable, Iterable, Optional, Sequence

from giextract.core.grid import Grid
from giextract.grids.build import Placed, TextWriter
from giextract.grids.ocr_rules import BBox, RuledCell, RuledTable, _Deskewed, ruled_tables
from giextract.ingest.decode import InputError

if TYPE_CHECKING:
    from PIL.Image import Image

log = logging.getLogger(__name__)
ENGINE_PACKAGE = "rapidocr-onnxruntime"
LOW_CONFIDENCE = 0.5  # digits read below this are masked (a lone 0 is often read right at 0.5–0.7)
MIN_SCORE = 0.3  # boxes the recognizer scores lower are dropped as noise (the engine's default is 0.5)
MAX_PIXELS = 40_000_000  # an A4 page at 600 dpi is 35 MP
MAX_PAGES = 200  # of a multi-page TIFF
MAX_SIDE = 4000  # the engine downscales images beyond this before detection (its default, 2000, is ~170 dpi A4)
_DIGIT = re.compile(r"\d")
# A value cell as printed: a number (signed, decimal, with a unit) or a not-applicable/blank marker.
_VALUE = re.compile(r"[-+−]?\d+(?:\.\d+)?\s*(?:%|万元|元|项|个|件|条)?|[/／—–\-－]+|无|&nbsp;")
_FOLIO = re.compile(r"[-—–－_·.]*第?\d{1,4}页?(?:/\d{1,4}|共\d{1,4}页)?[-—–－_·.]*")
_NUMBER = re.compile(r"[-+−]?\d+(?:\.\d+)?")
_IDEOGRAPH = re.compile(r"[\u3400-\u9fff]")
# A box that is only a digit's look-alike: 一 or 丨 for 1, 〇 or 口 for 0, 二 for 2 (seen: 1 read as 一 at 150 dpi).
_LOOKALIKE = re.compile(r"[一丨〇口二三]")
_CJK_END = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]$")
_CJK_START = re.compile(r"^[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


@dataclass(frozen=True)
class OcrBox:
    """One recognized text box: its text, confidence, page (0-based), bounding box on the page image and
    its extents after deskewing (``x0, y0, x1, y1``), which the layout is built from."""

    text: str
    confidence: float
    page: int
    bbox: BBox
    level: BBox

    @property
    def low(self) -> bool:
        return self.confidence < LOW_CONFIDENCE and bool(_DIGIT.search(self.text))


@dataclass(frozen=True)
class OcrCell:
    """Where a grid cell came from: page, bounding box, the lowest confidence of its boxes, what the engine
    read (before masking) and whether its digits were masked as low-confidence."""

    row: int
    col: int
    page: int
    bbox: BBox
    confidence: float
    read: str
    masked: bool


@dataclass(frozen=True)
class CellBox:
    """Where a cell of the output text came from on the page: its span in the reader's text, page, bounding
    box (image pixels for an image file, PDF points from the page's top left for a scanned PDF page), the
    engine's lowest confidence for it, what it read and whether its digits were masked."""

    span: tuple[int, int]
    page: int
    bbox: BBox
    confidence: float
    read: str
    masked: bool


@dataclass
class OcrResult:
    text: str
    grids: list[Grid]
    cells: list[list[OcrCell]] = field(default_factory=list)  # parallel to ``grids``
    pages: int = 0
    boxes: int = 0
    masked: int = 0  # boxes whose digits were masked as low-confidence
    ruled: int = 0  # tables whose cells are the rules found in the page image

    def cell_boxes(self) -> list[CellBox]:
        """Every OCR table cell with its span in :attr:`text`, page and bounding box."""
        out = []
        for grid, meta in zip(self.grids, self.cells):
            for m in meta:
                cell = grid.at(m.row, m.col)
                if cell is not None and cell.span is not None and (cell.row, cell.col) == (m.row, m.col):
                    out.append(CellBox(cell.span, m.page, tuple(round(v, 1) for v in m.bbox),  # type: ignore[arg-type]
                                       round(m.confidence, 3), m.read, m.masked))
        return out


def engine_name() -> str:
    """The OCR engine and its version, for ``source.extracted_with``."""
    try:
        return f"{ENGINE_PACKAGE} {version(ENGINE_PACKAGE)} (PP-OCRv4 ch)"
    except PackageNotFoundError:
        return ENGINE_PACKAGE


_ENGINE: Any = None


def engine() -> Any:
    """The engine, loaded once per process; InputError naming the extra when it is not installed."""
    return _engine()


def _engine() -> Any:
    global _ENGINE
    if _ENGINE is None:
        try:
            from rapidocr_onnxruntime import RapidOCR
        except ImportError:
            raise InputError("this input needs OCR (an image, or a PDF page without a text layer): "
                             "install it with pip install 'giextract[ocr]'") from None
        # One thread per process: folder runs put one file on each core.
        _ENGINE = RapidOCR(use_cls=False, text_score=MIN_SCORE, max_side_len=MAX_SIDE,
                           intra_op_num_threads=1, inter_op_num_threads=1)
    return _ENGINE


def _level(quad: Sequence[Sequence[float]], cos: float, sin: float) -> BBox:
    xs = [x * cos + y * sin for x, y in quad]
    ys = [-x * sin + y * cos for x, y in quad]
    return (min(xs), min(ys), max(xs), max(ys))


def skew(raw: Iterable[Any]) -> float:
    """The page's turn (radians): the median slope of the top edges of boxes wider than three heights."""
    slopes = []
    for quad, text, _ in raw:
        if not str(text).strip():
            continue
        (x0, y0), (x1, y1) = quad[0], quad[1]
        height = abs(quad[3][1] - quad[0][1]) or 1.0
        if x1 - x0 > 3 * height:
            slopes.append(math.atan2(y1 - y0, x1 - x0))
    return statistics.median(slopes) if slopes else 0.0


def page_boxes(raw: Iterable[Any], page: int, angle: Optional[float] = None) -> list[OcrBox]:
    """The engine's ``[quad, text, score]`` results as boxes, deskewed by the median slope of wide boxes."""
    items = [(quad, str(text), float(score)) for quad, text, score in raw if str(text).strip()]
    angle = skew(items) if angle is None else angle
    cos, sin = math.cos(angle), math.sin(angle)
    out = []
    for quad, text, score in items:
        xs, ys = [p[0] for p in quad], [p[1] for p in quad]
        out += _split_values(OcrBox(text.strip(), score, page, (min(xs), min(ys), max(xs), max(ys)),
                                    _level(quad, cos, sin)))
    return out


def _split_values(box: OcrBox) -> list[OcrBox]:
    """A box the engine read as several numbers (``13 4`` over two narrow cells) as one box per number,
    each with its share of the box's width by character position."""
    parts = list(re.finditer(r"\S+", box.text))
    if len(parts) < 2 or not all(_NUMBER.fullmatch(m.group()) for m in parts):
        return [box]
    n = len(box.text)
    out = []
    for m in parts:
        a, b = m.start() / n, m.end() / n
        bx = (box.bbox[0] + a * (box.bbox[2] - box.bbox[0]), box.bbox[1],
              box.bbox[0] + b * (box.bbox[2] - box.bbox[0]), box.bbox[3])
        lv = (box.level[0] + a * (box.level[2] - box.level[0]), box.level[1],
              box.level[0] + b * (box.level[2] - box.level[0]), box.level[3])
        out.append(OcrBox(m.group(), box.confidence, box.page, bx, lv))
    return out


@dataclass
class OcrPage:
    """One page as read: its text boxes (the engine's, and those read cell by cell) and its ruled tables."""

    boxes: list[OcrBox]
    tables: list[RuledTable] = field(default_factory=list)


def _centre(box: OcrBox) -> tuple[float, float]:
    return ((box.level[0] + box.level[2]) / 2, (box.level[1] + box.level[3]) / 2)


def _holds(rect: BBox, box: OcrBox) -> bool:
    x, y = _centre(box)
    return rect[0] <= x < rect[2] and rect[1] <= y < rect[3]


def _overlap(a: BBox, b: BBox) -> float:
    return max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))


def _read_cells(run: Any, page: _Deskewed, tables: list[RuledTable], boxes: list[OcrBox], page_no: int,
                height: float) -> list[OcrBox]:
    """The page's boxes with the ruled cells the detector left empty read by the recognizer alone.

    A box lying across a vertical rule is cut there: words by their characters' positions (``结果 其他``
    over two narrow header cells), a box not of words (``0 0``) dropped, its cells read one by one. A cell
    with ink that no box covers is cropped to its ink (a margin of a quarter text height, white) and
    recognized; a reading below :data:`MIN_SCORE`, or none, is kept as ``?`` so the cell comes out unread,
    never blank. A cell's one box read as a digit's look-alike is read again alone and replaced when that
    reading is a value; one read unsure (below :data:`LOW_CONFIDENCE`) is replaced only when the second
    reading is the same text, sure."""
    import cv2

    kept = list(boxes)
    for table in tables:
        for box in [b for b in kept if _holds(table.rect, b)]:
            width, tall = box.level[2] - box.level[0], box.level[3] - box.level[1]
            hit = sorted((c for c in table.cells
                          if min(c.rect[2], box.level[2]) - max(c.rect[0], box.level[0]) > 0.25 * width
                          and min(c.rect[3], box.level[3]) - max(c.rect[1], box.level[1]) > 0.5 * tall),
                         key=lambda c: c.rect[0])
            if len(hit) > 1:
                kept.remove(box)
                if _IDEOGRAPH.search(box.text):
                    kept += _cut(box, [c.rect[0] for c in hit[1:]])

    def alone(ink: BBox, cell: RuledCell) -> tuple[str, float]:
        x0, y0, x1, y1 = page.pixels(_extent(page, ink, cell.rect, height))
        margin = max(2, int(round(0.25 * height)))
        crop = cv2.copyMakeBorder(page.gray[y0:y1, x0:x1], margin, margin, margin, margin,
                                  cv2.BORDER_CONSTANT, value=255)
        result, _ = run(cv2.cvtColor(crop, cv2.COLOR_GRAY2RGB), use_det=False, use_cls=False, use_rec=True)
        return (str(result[0][0]).strip(), float(result[0][1])) if result else ("", 0.0)

    read: list[OcrBox] = []
    for table in tables:
        for cell in table.cells:
            ink = cell.ink
            if ink is None:
                continue
            held = [b for b in kept if _holds(cell.rect, b)]
            if len(held) == 1 and _misread(held[0]) and not _IDEOGRAPH.search(held[0].text.replace("一", "")):
                # A digit the engine read as a look-alike (X for 8, 一 for 1): read again alone, and kept
                # only when that reading is a value.
                text, score = alone(ink, cell)
                if score >= MIN_SCORE and _VALUE.fullmatch(text) and not _misread(text):
                    log.debug("OCR page %d: %r read again alone as %r (%.2f)", page_no, held[0].text, text, score)
                    kept.remove(held[0])
                    read += _split_values(OcrBox(text, score, page_no, held[0].bbox, held[0].level))
                continue
            if len(held) == 1 and held[0].low:
                text, score = alone(ink, cell)
                log.debug("OCR page %d: unsure %r (%.2f) read again alone as %r (%.2f)", page_no, held[0].text,
                          held[0].confidence, text, score)
                if text == held[0].text and score >= LOW_CONFIDENCE:
                    kept.remove(held[0])
                    read.append(OcrBox(text, score, page_no, held[0].bbox, held[0].level))
                continue
            if held:
                continue
            area = (ink[2] - ink[0]) * (ink[3] - ink[1])
            if any(_overlap(ink, b.level) > 0.5 * area for b in kept):  # a box reaching in from a neighbour
                continue
            text, score = alone(ink, cell)
            if not text or score < MIN_SCORE:
                text = "?"
            read += _split_values(OcrBox(text, score, page_no, page.bbox(ink), ink))
            log.debug("OCR page %d: empty ruled cell read alone as %r (%.2f)", page_no, text, score)
    return kept + read


def _extent(page: _Deskewed, ink: BBox, rect: BBox, height: float) -> BBox:
    """The ink's box grown to the faint strokes around it (darker than halfway from the ink threshold to
    white, within 0.4 text heights, inside the cell): a thin digit of a coarse scan keeps only its darkest
    stroke under the threshold (the stem of a 4, read alone as 1)."""
    import numpy as np

    grow, inset = 0.4 * height, max(2.0, 0.2 * height)
    region = (max(ink[0] - grow, rect[0] + inset), max(ink[1] - grow, rect[1] + inset),
              min(ink[2] + grow, rect[2] - inset), min(ink[3] + grow, rect[3] - inset))
    x0, y0, x1, y1 = page.pixels(region)
    if x1 <= x0 or y1 <= y0:
        return ink
    ys, xs = np.nonzero(page.gray[y0:y1, x0:x1] < (float(page.threshold) + 255) / 2)
    if not len(xs):
        return ink
    faint = page.level(x0 + float(xs.min()), y0 + float(ys.min()), x0 + float(xs.max()) + 1, y0 + float(ys.max()) + 1)
    return (min(ink[0], faint[0]), min(ink[1], faint[1]), max(ink[2], faint[2]), max(ink[3], faint[3]))


def _cut(box: OcrBox, at: list[float]) -> list[OcrBox]:
    """A box of words cut at the level x positions ``at`` (rules it lies across), its characters shared by
    position (each an equal part of the box's width); empty pieces dropped."""
    n = len(box.text)
    x0, x1 = box.level[0], box.level[2]
    pieces: list[list[int]] = [[] for _ in range(len(at) + 1)]
    for i in range(n):
        centre = x0 + (i + 0.5) / n * (x1 - x0)
        pieces[sum(centre >= a for a in at)].append(i)
    out = []
    for chars in pieces:
        while chars and box.text[chars[0]].isspace():
            chars.pop(0)
        while chars and box.text[chars[-1]].isspace():
            chars.pop()
        if not chars:
            continue
        text = "".join(box.text[i] for i in chars)
        a, b = chars[0] / n, (chars[-1] + 1) / n
        bx = (box.bbox[0] + a * (box.bbox[2] - box.bbox[0]), box.bbox[1],
              box.bbox[0] + b * (box.bbox[2] - box.bbox[0]), box.bbox[3])
        lv = (x0 + a * (x1 - x0), box.level[1], x0 + b * (x1 - x0), box.level[3])
        out.append(OcrBox(text.strip(), box.confidence, box.page, bx, lv))
    return out


def _lines(boxes: list[OcrBox]) -> list[list[OcrBox]]:
    """Boxes grouped into lines by vertical overlap (more than half the shorter height) with the line's
    mean extent, left to right. The mean, not the union: a union grows with every box a slight turn left
    uneven, until it takes in the next row (two rows of table 三 read as one)."""
    lines: list[tuple[float, float, list[OcrBox]]] = []
    for box in sorted(boxes, key=lambda b: (b.level[1] + b.level[3]) / 2):
        y0, y1 = box.level[1], box.level[3]
        if lines:
            top, bottom, members = lines[-1]
            overlap = min(bottom, y1) - max(top, y0)
            if overlap > 0.5 * min(bottom - top, y1 - y0):
                members.append(box)
                n = len(members)
                lines[-1] = (top + (y0 - top) / n, bottom + (y1 - bottom) / n, members)
                continue
        lines.append((y0, y1, [box]))
    return [_merge_close(sorted(members, key=lambda b: b.level[0])) for _, _, members in lines]


def _merge_close(line: list[OcrBox]) -> list[OcrBox]:
    """Boxes of a line closer than half a character height are one phrase the engine split (``二、`` and
    ``主动公开…``); table cells are further apart (padding and a rule)."""
    out: list[OcrBox] = []
    for box in line:
        prev = out[-1] if out else None
        height = min(box.level[3] - box.level[1], prev.level[3] - prev.level[1]) if prev else 0.0
        both_values = prev is not None and bool(_VALUE.fullmatch(prev.text) and _VALUE.fullmatch(box.text))
        # Two numbers are two cells however close (``13`` ``4`` in narrow columns), never one phrase.
        if prev is not None and not both_values and box.level[0] - prev.level[2] < 0.5 * height:
            out[-1] = OcrBox(_join([prev.text, box.text]), min(prev.confidence, box.confidence), box.page,
                             _union([prev, box], "bbox"), _union([prev, box], "level"))
        else:
            out.append(box)
    return out


def _tables(lines: list[list[OcrBox]], width: float) -> list[tuple[int, int]]:
    """(first, last + 1) line index of each table: lines of two or more boxes, with short single-box lines
    between them, at least two multi-box lines in all."""
    multi = [len(line) >= 2 for line in lines]
    short = [len(line) == 1 and line[0].level[2] - line[0].level[0] < 0.4 * width for line in lines]
    blocks: list[tuple[int, int]] = []
    i = 0
    while i < len(lines):
        if not multi[i]:
            i += 1
            continue
        j, end = i, i + 1
        while j + 1 < len(lines) and (multi[j + 1] or short[j + 1]):
            j += 1
            if multi[j]:
                end = j + 1
        if sum(multi[i:end]) >= 2:
            blocks.append((i, end))
        i = end
    return blocks


def _overlaps(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return min(a[1], b[1]) - max(a[0], b[0]) > 0.25 * min(a[1] - a[0], b[1] - b[0])


def _columns(boxes: list[OcrBox]) -> list[tuple[float, float]]:
    """Column extents: boxes narrowest first, each joining the one column it overlaps (a box overlapping
    two or more spans them and shapes none), then overlapping columns merged."""
    cols: list[tuple[float, float]] = []
    for box in sorted(boxes, key=lambda b: b.level[2] - b.level[0]):
        ext = (box.level[0], box.level[2])
        hits = [k for k, col in enumerate(cols) if _overlaps(col, ext)]
        if not hits:
            cols.append(ext)
        elif len(hits) == 1:
            k = hits[0]
            cols[k] = (min(cols[k][0], ext[0]), max(cols[k][1], ext[1]))
    merged: list[tuple[float, float]] = []
    for col in sorted(cols):
        if merged and _overlaps(merged[-1], col):
            merged[-1] = (merged[-1][0], max(merged[-1][1], col[1]))
        else:
            merged.append(col)
    return merged


def _join(texts: list[str]) -> str:
    out = ""
    for text in texts:
        out += text if not out or _CJK_END.search(out) or _CJK_START.search(text) else " " + text
    return out


def _misread(box: "OcrBox | str") -> bool:
    """Neither a value nor words (``l``, ``o``, ``。`` where a number was printed, or a lone ``一``): a digit
    misread."""
    text = (box if isinstance(box, str) else box.text).strip()
    return (not _IDEOGRAPH.search(text) and not _VALUE.fullmatch(text)) or bool(_LOOKALIKE.fullmatch(text))


def _shown(box: OcrBox, mask: bool = False) -> str:
    return _DIGIT.sub("?", box.text) if mask or box.low else box.text


def _union(boxes: list[OcrBox], attr: str) -> BBox:
    rects = [getattr(b, attr) for b in boxes]
    return (min(r[0] for r in rects), min(r[1] for r in rects), max(r[2] for r in rects), max(r[3] for r in rects))


def _folio(line: list[OcrBox]) -> bool:
    """A line that is only a page number (``- 3 -``, ``第3页``): a footer inside a table running onto the
    next page, which must not make a column of its own (an empty position that shifts a row's values)."""
    return len(line) == 1 and bool(_FOLIO.fullmatch(line[0].text.replace(" ", "")))


def _table_cells(lines: list[list[OcrBox]]) -> tuple[list[Placed], list[OcrCell]]:
    cols = _columns([b for line in lines if not _folio(line) for b in line]) or \
        _columns([b for line in lines for b in line])
    placed: list[Placed] = []
    meta: list[OcrCell] = []
    for r, line in enumerate(lines):
        # One unsure number, or a cell that is neither a value nor words (``l`` for 1), masks its row's
        # numbers: a text reader that found one cell short would split a neighbour (``11`` as 1 | 1).
        mask = any(b.low for b in line) or (len(line) > 1 and any(_misread(b) for b in line))
        slots: dict[int, list[OcrBox]] = {}  # first column → the boxes in it
        spans: dict[int, int] = {}
        for box in line:
            ext = (box.level[0], box.level[2])
            hits = [k for k, col in enumerate(cols) if _overlaps(col, ext)] or \
                [min(range(len(cols)), key=lambda k: abs((cols[k][0] + cols[k][1]) / 2 - (ext[0] + ext[1]) / 2))]
            if len(hits) > 1 and _VALUE.fullmatch(box.text):  # a number fills one cell: the one it overlaps most
                hits = [max(hits, key=lambda k: min(cols[k][1], ext[1]) - max(cols[k][0], ext[0]))]
            first = hits[0]
            taken = next((k for k in slots if k <= first < k + spans[k]), None)
            if taken is not None:  # two boxes in one column: one cell (a label the engine split)
                slots[taken].append(box)
                continue
            width = hits[-1] - first + 1
            nxt = min((k for k in slots if k > first), default=None)
            if nxt is not None:
                width = min(width, nxt - first)
            slots[first], spans[first] = [box], width
        for first in sorted(slots):
            group = slots[first]
            text = _join([_shown(b, mask) for b in group])
            placed.append(Placed(r, first, 1, spans[first], text, False))
            meta.append(OcrCell(r, first, group[0].page, _union(group, "bbox"), min(b.confidence for b in group),
                                _join([b.text for b in group]), mask and any(_DIGIT.search(b.text) for b in group)))
    return placed, meta


def _ruled_cells(table: RuledTable, boxes: list[OcrBox]) -> tuple[list[Placed], list[OcrCell]]:
    """A ruled table's cells with the boxes whose centre they hold (a box on a rule goes to the nearest
    cell), every cell placed, blank ones too. A cell with ink but no box (the engine not run on it) is
    written ``?``. Masking as in :func:`_table_cells`: an unsure number or a misread cell masks its row."""
    held: dict[int, list[OcrBox]] = {i: [] for i in range(len(table.cells))}
    for box in boxes:
        x, y = _centre(box)
        inside = [i for i, c in enumerate(table.cells) if _holds(c.rect, box)]
        best = inside[0] if inside else min(range(len(table.cells)), key=lambda i: _distance(table.cells[i].rect, x, y))
        held[best].append(box)
    rows: dict[int, list[int]] = {}
    for i, cell in enumerate(table.cells):
        rows.setdefault(cell.row, []).append(i)
    placed: list[Placed] = []
    meta: list[OcrCell] = []
    for r in sorted(rows):
        # A cell's words are read together: a label printed one character a line (三 本 年 度) is no misread 三.
        read = [_join([_join([b.text for b in line]) for line in _lines(held[i])]) for i in rows[r] if held[i]]
        unread = any(not held[i] and table.cells[i].ink is not None for i in rows[r])
        mask = unread or any(b.low for i in rows[r] for b in held[i]) or (len(read) > 1 and any(map(_misread, read)))
        for i in rows[r]:
            cell, group = table.cells[i], held[i]
            if not group:
                text = "?" if cell.ink is not None else ""
                placed.append(Placed(cell.row, cell.col, cell.row_span, cell.col_span, text, False))
                continue
            lines = _lines(group)
            text = _join([_join([_shown(b, mask) for b in line]) for line in lines])
            placed.append(Placed(cell.row, cell.col, cell.row_span, cell.col_span, text, False))
            meta.append(OcrCell(cell.row, cell.col, table.page, _union(group, "bbox"),
                                min(b.confidence for b in group), _join([_join([b.text for b in line]) for line in lines]),
                                mask and any(_DIGIT.search(b.text) for b in group)))
    return placed, meta


def _distance(rect: BBox, x: float, y: float) -> float:
    return math.hypot(max(rect[0] - x, 0.0, x - rect[2]), max(rect[1] - y, 0.0, y - rect[3]))


def _items(page: "OcrPage | list[OcrBox]") -> list[tuple[str, Any]]:
    """A page's lines of text and ruled tables (with the boxes they hold), in reading order: a table stands
    before the first line below its top."""
    if not isinstance(page, OcrPage):
        page = OcrPage(list(page))
    rest = list(page.boxes)
    tables = []
    for table in page.tables:
        inside = [b for b in rest if _holds(table.rect, b)]
        rest = [b for b in rest if not _holds(table.rect, b)]
        tables.append((table, inside))
    items: list[tuple[str, Any]] = [("line", line) for line in _lines(rest)] if rest else []
    for table, inside in tables:
        at = next((k for k, (kind, line) in enumerate(items)
                   if kind == "line" and (line[0].level[1] + line[0].level[3]) / 2 > table.rect[1]), len(items))
        items.insert(at, ("ruled", (table, inside)))
    return items


def layout(pages: Sequence["OcrPage | list[OcrBox]"]) -> OcrResult:
    """Boxes of each page (in page order) → text, grids and cell provenance. The lines between ruled tables
    are read as one sequence across pages, so a table without rules running onto the next page (its footer
    and header lines between) stays one grid; ``Grid.page`` is the page it starts on, each ``OcrCell.page``
    its own. A ruled table is one grid of its ruled cells (:func:`_ruled_cells`), on its page."""
    writer = TextWriter()
    cells: list[list[OcrCell]] = []
    boxes = [page.boxes if isinstance(page, OcrPage) else page for page in pages]
    width = max((max(b.level[2] for b in bs) - min(b.level[0] for b in bs) for bs in boxes if bs), default=0.0)
    items = [item for page in pages for item in _items(page)]

    def lines_out(lines: list[list[OcrBox]]) -> None:
        i = 0
        for start, end in _tables(lines, width) + [(len(lines), len(lines))]:
            for line in lines[i:start]:
                writer.line(_join([_shown(b) for b in line]))
            if start < end:
                placed, meta = _table_cells(lines[start:end])
                if writer.table(placed, "ocr", page=lines[start][0].page) is not None:
                    cells.append(meta)
            i = end

    run: list[list[OcrBox]] = []
    for kind, item in items:
        if kind == "line":
            run.append(item)
            continue
        lines_out(run)
        run = []
        table, inside = item
        placed, meta = _ruled_cells(table, inside)
        if writer.table(placed, "ocr", page=table.page) is not None:
            cells.append(meta)
    lines_out(run)
    masked = sum(b.low for bs in boxes for b in bs)
    return OcrResult(writer.text(), writer.grids, cells, len(pages), sum(map(len, boxes)), masked,
                     sum(isinstance(p, OcrPage) and len(p.tables) for p in pages))


# Called with the page number before each page is recognized: a batch worker tells its parent, which
# gives a scanned file more time per page (``--ocr-page-seconds``) instead of one budget for any file.
PAGE_HOOKS: list[Callable[[int], None]] = []


def recognize(images: Iterable["Image"], page_numbers: Optional[Sequence[int]] = None) -> list[OcrPage]:
    """Run the engine on each page image; one :class:`OcrPage` per page (its boxes, its ruled tables, the
    empty ruled cells read by the recognizer alone), numbered by ``page_numbers`` (the document's page
    numbers: an image file's frames from 0, a PDF's pages from 1; default 0, 1, …)."""
    import numpy as np

    run = _engine()
    out = []
    for index, image in enumerate(images):
        page = page_numbers[index] if page_numbers is not None else index
        for hook in PAGE_HOOKS:
            hook(page)
        raw, _ = run(np.asarray(image.convert("RGB")))
        raw = [(quad, str(text), float(score)) for quad, text, score in raw or [] if str(text).strip()]
        angle = skew(raw)
        boxes = page_boxes(raw, page, angle)
        tables: list[RuledTable] = []
        if boxes:
            height = statistics.median(b.level[3] - b.level[1] for b in boxes)
            turned = _Deskewed(np.asarray(image.convert("L")), angle)
            tables = ruled_tables(turned, height, page)
            if tables:
                boxes = _read_cells(run, turned, tables, boxes, page, height)
        out.append(OcrPage(boxes, tables))
        log.debug("OCR page %d: %d boxes, %d ruled tables", page, len(boxes), len(tables))
    return out


def read_images(images: Iterable["Image"], page_numbers: Optional[Sequence[int]] = None) -> OcrResult:
    """OCR page images into text, grids and per-cell provenance."""
    result = layout(recognize(images, page_numbers))
    if result.masked:
        log.info("OCR: %d of %d boxes with digits below confidence %.2f were masked", result.masked,
                 result.boxes, LOW_CONFIDENCE)
    return result


def ocr_pages(images: Iterable["Image"], page_numbers: Optional[Sequence[int]] = None) -> OcrResult:
    """For a PDF reader: OCR pages without a text layer (``images`` may be a generator rendering them one at
    a time); spans point into ``result.text`` (shift them by its offset when it is placed in a longer
    text), ``Grid.page`` and each cell's page are from ``page_numbers``."""
    return read_images(images, page_numbers)


def open_image(data: bytes) -> list["Image"]:
    """An image file's frames (a multi-page TIFF has several) as page images; InputError if unreadable."""
    from PIL import Image, UnidentifiedImageError

    try:
        image = Image.open(io.BytesIO(data))
        if image.width * image.height > MAX_PIXELS:
            raise InputError(f"image of {image.width} × {image.height} pixels is beyond the {MAX_PIXELS:,} a "
                             "scanned page can have")
        frames = []
        for index in range(min(getattr(image, "n_frames", 1), MAX_PAGES)):
            image.seek(index)
            frames.append(image.convert("RGB"))
        return frames
    except InputError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise InputError(f"not a readable image: {exc}") from None


__all__ = ["LOW_CONFIDENCE", "CellBox", "OcrBox", "OcrCell", "OcrPage", "OcrResult", "RuledCell", "RuledTable", "engine",
           "engine_name", "layout", "ocr_pages", "open_image", "page_boxes", "read_images", "recognize", "ruled_tables",
           "skew"]
