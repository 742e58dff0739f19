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
"""
from __future__ import annotations

import io
import logging
from bisect import bisect_left
from dataclasses import dataclass
from typing import Any, Optional

from giextract.core.grid import Grid
from giextract.grids.build import Placed, TextWriter
from giextract.grids.pdf_layout import Char, in_drawing_order, line_runs, lines, page_chars
from giextract.grids.pdf_rules import Table, TooComplex, Unsupported, bounds, find_tables, path_objects, place_table
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
    table_pages: int  # pages with at least one ruled table
    plumber_pages: int = 0  # pages pdfplumber read (their drawing is beyond pdf_rules)
    reordered_pages: int = 0  # pages whose text was put in reading order from the character boxes


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
    try:
        n_pages = len(pdf)
        read = min(n_pages, max_pages)
        for i in range(read):
            page = pdf[i]
            textpage = page.get_textpage()
            try:
                chars = page_chars(textpage)
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
    return PdfRead(text, writer.grids, n_pages, read, table_pages, plumber_pages, reordered)


__all__ = ["read_pdf", "PdfRead", "MAX_PAGES"]
