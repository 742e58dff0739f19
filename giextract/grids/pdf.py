"""PDF → text with ruled tables as grids.

pypdfium2 opens the file (a password, a corrupt file and the page count are told apart here) and gives
the text of each page. A page whose path objects cannot make a ruled table (no box, fewer than two rules
each way) is read by pypdfium2 alone; any other page goes to pdfplumber, which finds the ruled tables and their cells. On a page
with tables, pdfplumber's text is used around them (as before), so a page is read by one library.

A pdfplumber table's cells are placed on the grid its own column/row boundaries make: a merged cell's
bounding box covers several boundaries, which gives its row and column span.
"""
from __future__ import annotations

import io
import logging
from bisect import bisect_left
from dataclasses import dataclass
from typing import Any, Optional

from giextract.core.grid import Grid
from giextract.grids.build import Placed, TextWriter
from giextract.ingest.decode import InputError

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
    table_pages: int  # pages pdfplumber read


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


def _may_hold_table(page: Any) -> bool:
    """Cheap test before pdfplumber parses the page: a ruled table draws a box (a rectangle, or a grid in
    one path), or at least two horizontal and two vertical rules. A lone header rule does not count."""
    import pypdfium2.raw as raw

    across = down = 0
    for obj in page.get_objects(filter=[raw.FPDF_PAGEOBJ_PATH], max_depth=2):
        left, bottom, right, top = obj.get_bounds()
        wide, tall = right - left >= _RULE_MIN, top - bottom >= _RULE_MIN
        if wide and tall:
            return True
        across += wide
        down += tall
        if across >= 2 and down >= 2:
            return True
    return False


def _pdfium_text(page: Any) -> str:
    textpage = page.get_textpage()
    try:
        return textpage.get_text_range().replace("\r\n", "\n").replace("\r", "\n")
    finally:
        textpage.close()


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
    table_pages = 0
    try:
        n_pages = len(pdf)
        read = min(n_pages, max_pages)
        for i in range(read):
            page = pdf[i]
            try:
                if _may_hold_table(page):
                    if plumber is None:
                        import pdfplumber

                        plumber = pdfplumber.open(io.BytesIO(data))
                    if _plumber_page(plumber.pages[i], writer, i + 1):
                        table_pages += 1
                        continue
                writer.line(_pdfium_text(page))
            finally:
                page.close()
    except InputError:
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
    if not text.strip():
        raise InputError("PDF has no text layer (scanned images?): OCR it first, then extract the text")
    return PdfRead(text, writer.grids, n_pages, read, table_pages)


__all__ = ["read_pdf", "PdfRead", "MAX_PAGES"]
