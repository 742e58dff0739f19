"""PDF → text in reading order with ruled tables as grids.

pypdfium2 opens the file (a password, a corrupt file and the page count are told apart here) and gives
every character of a page with its box (:mod:`giextract.grids.pdf_layout`). A page whose drawing order
reads as its geometry does keeps PDFium's own text; any other page (a footer drawn first, cells drawn
column by column, shuffled blocks) is written from the boxes: lines by baseline, each left to right.

A page whose path objects can make a ruled table gets its tables from those paths
(:mod:`giextract.grids.pdf_rules`), each cell holding the characters whose centre it contains; the
rest of the page's characters are written around the tables in reading order. A page whose drawing
that reader does not follow (paths inside form XObjects, a rotated page, a flood of lines) goes to
pdfplumber instead, which finds the tables and the text around them itself.

A page without a text layer (or whose text is only a page number) that draws an image is a scan: it is
rendered (at its image's own resolution, within 200–300 dpi) and read by the OCR reader (:mod:`giextract.grids.ocr`,
the optional ``giextract[ocr]`` extra). A run of such pages is OCR'd as one sequence (a table running onto
the next scanned page stays one grid) and its text written where the pages stand, so a mixed PDF keeps its
text pages' text and page order; the OCR grids' spans are shifted to the document's offsets. Without the
extra, a PDF that is all scans is an InputError naming it; a mixed one keeps its text pages and says which
pages were not read.
"""
from __future__ import annotations

import io
import logging
import re
from bisect import bisect_left
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Optional

from giextract.core.grid import Grid
from giextract.grids.build import Placed, TextWriter
from giextract.grids.pdf_layout import Char, in_drawing_order, line_runs, lines, page_chars
from giextract.grids.pdf_rules import Table, TooComplex, Unsupported, bounds, find_tables, path_objects, place_table
from giextract.ingest.decode import InputError

if TYPE_CHECKING:
    from giextract.grids.ocr import CellBox

log = logging.getLogger(__name__)
MAX_PAGES = 300  # a report runs 5–30 pages; beyond the cap only the first pages are read
_RULE_MIN = 8.0  # points: a path shorter than this both ways is a mark, not a table rule
_PDFIUM_ERRORS = {1: "unknown error", 2: "file not found or could not be opened", 3: "not a PDF or corrupted",
                  4: "PDF is password-protected", 5: "unsupported security scheme", 6: "page not found or content error"}


@dataclass
class PdfRead:
    text: str
    grids: list[Grid]
    pages: int  # pages in the file
    pages_read: int
    table_pages: int  # pages with at least one ruled table
    plumber_pages: int = 0  # pages pdfplumber read (their drawing is beyond pdf_rules)
    reordered_pages: int = 0  # pages whose text was put in reading order from the character boxes
    ocr_pages: list[int] = field(default_factory=list)  # 1-based pages read by OCR (scans)
    unread_pages: list[int] = field(default_factory=list)  # scanned pages not read: the OCR extra is missing
    ocr_cells: "list[CellBox]" = field(default_factory=list)  # OCR cells: span in ``text``, page, box in points
    ocr_masked: int = 0  # OCR numbers read below the confidence threshold, masked as ?


OCR_DPI = (200, 300)  # a scan is rendered at its image's resolution within these (a 150-dpi scan read at 150 lost 100 of 200 numbers; at 200, 43)
_OUTLINE_PATHS = 300  # path objects on a page without text: its text drawn as glyph outlines
_PAGE_NUMBER = re.compile(r"[-—–－_·.()（）\[\]【】第页共/\dⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩivxlIVXL]{0,16}")


def _open(data: bytes) -> Any:
    import pypdfium2 as pdfium

    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        code = getattr(exc, "err_code", None)
        if code == 4:
            raise InputError("PDF is password-protected: it cannot be read without its password") from None
        reason = _PDFIUM_ERRORS.get(code, str(exc)) if code is not None else str(exc)
        raise InputError(f"unreadable PDF: {reason} (PDFium error {code})") from None


def _scan_dpi(page: Any, chars: list[Char]) -> Optional[float]:
    """The dpi to render a scanned page at, or None when the page is not a scan: it has a text layer beyond
    a page number, or draws neither an image nor text as outlines. The dpi is the largest image's own
    resolution, within :data:`OCR_DPI`."""
    if _PAGE_NUMBER.fullmatch("".join(ch.text for ch in chars if not ch.text.isspace())) is None:
        return None
    import pypdfium2.raw as raw

    best: Optional[float] = None
    area = 0.0
    for obj in page.get_objects(filter=(raw.FPDF_PAGEOBJ_IMAGE,), max_depth=3):
        try:
            left, bottom, right, top = obj.get_bounds()
            width_px, _ = obj.get_px_size()
        except Exception:  # noqa: BLE001  (a broken image object: render at the default)
            left = bottom = right = top = width_px = 0
        size = max(right - left, 0) * max(top - bottom, 0)
        if best is None or size > area:
            area = size
            best = width_px * 72 / (right - left) if right - left > 1 and width_px else 200.0
    if best is None:  # no image: a page that draws its text as outlines (a print to PDF) is read as a scan too
        paths = sum(1 for _ in zip(range(_OUTLINE_PATHS), page.get_objects(filter=(raw.FPDF_PAGEOBJ_PATH,),
                                                                          max_depth=3)))
        return float(OCR_DPI[0]) if paths >= _OUTLINE_PATHS else None
    return min(max(best, OCR_DPI[0]), OCR_DPI[1])


def _ocr_run(pdf: Any, run: list[tuple[int, float]], writer: TextWriter, read: PdfRead) -> None:
    """OCR a run of consecutive scanned pages (0-based index, dpi) and write its text and grids at the
    writer's offset; cell boxes go to ``read.ocr_cells`` in PDF points from the page's top left."""
    from giextract.grids import ocr

    scales = {i + 1: dpi / 72 for i, dpi in run}

    def images():  # type: ignore[no-untyped-def]
        for i, dpi in run:  # rendered one at a time: a page image is released once it is read
            page = pdf[i]
            try:
                yield page.render(scale=dpi / 72, grayscale=True).to_pil()
            finally:
                page.close()

    result = ocr.ocr_pages(images(), [i + 1 for i, _ in run])
    read.ocr_pages += [i + 1 for i, _ in run]
    read.ocr_masked += result.masked
    if not result.text.strip():
        return
    writer.line(result.text)  # on a line of its own: the text starts len(text) + 1 before the end
    start = writer.offset - len(result.text) - 1
    for grid in result.grids:
        cells = [replace(c, span=(c.span[0] + start, c.span[1] + start) if c.span else None) for c in grid.cells]
        span = (grid.span[0] + start, grid.span[1] + start) if grid.span else None
        writer.grids.append(type(grid)(cells=cells, kind=grid.kind, span=span, page=grid.page))
    for box in result.cell_boxes():
        scale = scales.get(box.page, 1.0)
        read.ocr_cells.append(replace(box, span=(box.span[0] + start, box.span[1] + start),
                                      bbox=tuple(round(v / scale, 2) for v in box.bbox)))  # type: ignore[arg-type]


def _ocr_available() -> bool:
    from giextract.grids import ocr

    try:
        ocr.engine()
        return True
    except InputError:
        return False


def _may_hold_table(paths: list[Any]) -> bool:
    """Cheap test before tables are looked for: a ruled table draws a box (a rectangle, or a grid in one
    path), or at least two horizontal and two vertical rules. A lone header rule does not count."""
    across = down = 0
    for obj in paths:
        left, bottom, right, top = bounds(obj)
        wide, tall = right - left >= _RULE_MIN, top - bottom >= _RULE_MIN
        if wide and tall:
            return True
        across += wide
        down += tall
        if across >= 2 and down >= 2:
            return True
    return False


def _tables(page: Any, page_no: int, chars: list[Char]) -> Optional[list[tuple[float, int, Any]]]:
    """The page's ruled tables from its paths, with the text around them (:func:`_rules_items`); an
    empty list when it has none; None when pdfplumber should read the page."""
    paths, nested = path_objects(page)
    if nested and _may_hold_table(paths + nested):
        log.debug("PDF page %d draws paths inside a form XObject; pdfplumber reads it", page_no)
        return None
    if not _may_hold_table(paths):
        return []
    try:
        tables = find_tables(page, paths)
        return _rules_items(tables, chars) if tables else []
    except TooComplex as why:
        log.warning("PDF page %d: %s; read as text, without tables", page_no, why)
        return []
    except Unsupported as why:
        log.debug("PDF page %d: %s; pdfplumber reads it", page_no, why)
        return None
    except Exception as exc:  # PDFium on broken path data, or a case this reader gets wrong: let pdfplumber try
        log.warning("PDF page %d: tables from its paths failed (%s: %s); pdfplumber reads it",
                    page_no, type(exc).__name__, exc)
        return None


def _page_text(textpage: Any, chars: list[Char]) -> tuple[str, bool]:
    """The page's text, and whether it had to be put in reading order from the character boxes."""
    if in_drawing_order(chars):
        return textpage.get_text_range().replace("\r\n", "\n").replace("\r", "\n"), False
    return "\n".join(lines(chars)), True


def _rules_items(tables: list[Table], chars: list[Char]) -> list[tuple[float, int, Any]]:
    """A page with ruled tables as (top, table number or -1, placed cells or a line of text), in reading
    order: each table's cells with the characters whose centre they hold, the other characters around."""
    items: list[tuple[float, int, Any]] = []
    used: set[int] = set()
    for n, table in enumerate(tables):
        placed, inside = place_table(table, chars)
        used |= inside
        items.append((table.bbox[1], n, placed))
    for top, text in line_runs([ch for ch in chars if ch.order not in used]):
        items.append((top, -1, text))
    return sorted(items, key=lambda it: (it[0], it[1]))


def _write_items(items: list[tuple[float, int, Any]], writer: TextWriter, page_no: int) -> None:
    run: list[str] = []
    for _, n, item in items:
        if n < 0:
            run.append(item)
            continue
        writer.line("\n".join(run))
        run = []
        writer.table(item, "pdf", page=page_no)
    writer.line("\n".join(run))


def _bounds(values: list[float], tolerance: float = 1.5) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if not out or v - out[-1] > tolerance:
            out.append(v)
    return out


def _index(bounds: list[float], v: float, tolerance: float = 1.5) -> int:
    i = bisect_left(bounds, v - tolerance)
    return min(i, len(bounds) - 1)


def _placed(table: Any) -> list[Placed]:
    """A pdfplumber table's cells on the grid of its own boundaries (merged cells span several)."""
    texts = table.extract()
    boxes: list[tuple[tuple[float, float, float, float], str]] = []
    for row, row_texts in zip(table.rows, texts):
        for box, text in zip(row.cells, row_texts):
            if box is not None:
                boxes.append((box, text or ""))
    xs = _bounds([b[0] for b, _ in boxes] + [b[2] for b, _ in boxes])
    ys = _bounds([b[1] for b, _ in boxes] + [b[3] for b, _ in boxes])
    placed: list[Placed] = []
    taken: set[tuple[int, int]] = set()
    for (x0, top, x1, bottom), text in boxes:
        c0, c1 = _index(xs, x0), _index(xs, x1)
        r0, r1 = _index(ys, top), _index(ys, bottom)
        col_span, row_span = max(1, c1 - c0), max(1, r1 - r0)
        cover = {(r, c) for r in range(r0, r0 + row_span) for c in range(c0, c0 + col_span)}
        if cover & taken:  # pdfplumber reported overlapping cells: keep the first, log the other
            log.debug("PDF table: cell at %s overlaps another, its text %r kept as one cell", (r0, c0), text)
            row_span = col_span = 1
            if (r0, c0) in taken:
                continue
            cover = {(r0, c0)}
        taken |= cover
        placed.append(Placed(r0, c0, row_span, col_span, text, False))
    return placed


def _plumber_page(page: Any, writer: TextWriter, page_no: int) -> bool:
    """Write a page with its ruled tables; False when pdfplumber finds none (the caller writes its text)."""
    tables = sorted(page.find_tables(), key=lambda t: t.bbox[1])
    if not tables:
        return False
    top = 0.0
    for table in tables:
        _, y0, _, y1 = table.bbox
        if y0 > top:
            writer.line(page.crop((0, top, page.width, y0)).extract_text() or "")
        writer.table(_placed(table), "pdf", page=page_no)
        top = max(top, y1)
    if top < page.height:
        writer.line(page.crop((0, top, page.width, page.height)).extract_text() or "")
    return True


def read_pdf(data: bytes, max_pages: int = MAX_PAGES) -> PdfRead:
    """Text and grids of a PDF's first ``max_pages`` pages. Raises InputError with the reason."""
    try:
        import pypdfium2  # noqa: F401
    except ImportError:
        raise InputError("PDF input needs pypdfium2: pip install pypdfium2") from None
    pdf = _open(data)
    writer = TextWriter()
    plumber: Optional[Any] = None
    table_pages = plumber_pages = reordered = 0
    scans: list[tuple[int, float]] = []  # the current run of scanned pages: (index, dpi)
    scanned: list[int] = []  # every scanned page (1-based)
    ocr = None  # whether the OCR extra is installed, asked at the first scanned page
    out = PdfRead("", [], 0, 0, 0)

    def flush() -> None:
        if scans and ocr:
            _ocr_run(pdf, scans, writer, out)
        scans.clear()

    try:
        n_pages = len(pdf)
        read = min(n_pages, max_pages)
        for i in range(read):
            page = pdf[i]
            textpage = page.get_textpage()
            try:
                chars = page_chars(textpage)
                dpi = _scan_dpi(page, chars)
                if dpi is not None:
                    if ocr is None:
                        ocr = _ocr_available()
                    scans.append((i, dpi))
                    scanned.append(i + 1)
                    continue
                flush()
                items = _tables(page, i + 1, chars)
                if items is None:
                    if plumber is None:
                        import pdfplumber

                        plumber = pdfplumber.open(io.BytesIO(data))
                    plumber_pages += 1
                    if _plumber_page(plumber.pages[i], writer, i + 1):
                        table_pages += 1
                        continue
                if items:
                    table_pages += 1
                    reordered += 1
                    _write_items(items, writer, i + 1)
                    continue
                text, moved = _page_text(textpage, chars)
                reordered += moved
                writer.line(text)
            finally:
                textpage.close()
                page.close()
        flush()
    except (InputError, MemoryError):
        raise
    except ImportError:
        raise InputError("PDF tables need pdfplumber: pip install pdfplumber") from None
    except Exception as exc:  # pdfium/pdfminer raise many kinds on broken page content
        raise InputError(f"unreadable PDF: {type(exc).__name__}: {exc}") from None
    finally:
        if plumber is not None:
            plumber.close()
        pdf.close()
    text = writer.text()
    if scanned and not ocr:
        if not text.strip():
            raise InputError(f"PDF has no text layer: its {len(scanned)} page(s) are scanned images; reading "
                             "them needs OCR: install it with pip install 'giextract[ocr]'")
        out.unread_pages = scanned
    if not text.strip():
        raise InputError("PDF has no text layer and no page images: nothing to read")
    out.text, out.grids, out.pages, out.pages_read, out.table_pages = text, writer.grids, n_pages, read, table_pages
    out.plumber_pages, out.reordered_pages = plumber_pages, reordered
    return out


__all__ = ["read_pdf", "PdfRead", "MAX_PAGES", "OCR_DPI"]
