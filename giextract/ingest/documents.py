"""PDF, HTML and .docx inputs → one text the rest of the pipeline reads, plus each table as a grid.

A table is written one line per grid row, ``| c1 | c2 | ... |`` with every grid column present (see
:mod:`giextract.grids.build`); everything else is its text, in reading order. Grid cells and the spans
the pipeline reports point into this text; ``how`` names the reader and its version so a user can
reproduce it with :func:`document_text`.
"""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Optional

from giextract.core.grid import Grid
from giextract.ingest.decode import InputError, decode_bytes

log = logging.getLogger(__name__)
TEXT_SUFFIXES = {".txt", ".text", ".md", ""}


@dataclass
class ReadResult:
    """What a reader made of a file: the text spans point into, how it was read, the file's sha256,
    the tables as grids (spans into ``text``) and notes such as a page cap (``truncated``)."""

    text: str
    how: str
    encoding: Optional[str]
    sha256: str
    grids: list[Grid] = field(default_factory=list)
    truncated: Optional[str] = None
    # OCR'd table cells (giextract.grids.ocr.CellBox): span in ``text``, page, bounding box, confidence.
    cell_boxes: list[Any] = field(default_factory=list)


def _reader_version(package: str) -> str:
    try:
        return f"{package} {version(package)}"
    except PackageNotFoundError:
        return package


def _html(data: bytes, digest: str) -> ReadResult:
    from giextract.grids.html import html_parser_name, read_html

    text, grids = read_html(data)
    how = f"{_reader_version('beautifulsoup4')} ({html_parser_name()}) via giextract.grids.html.read_html"
    return ReadResult(text, how, None, digest, grids)


def _docx(data: bytes, digest: str) -> ReadResult:
    from giextract.grids.docx import read_docx

    text, grids = read_docx(data)
    return ReadResult(text, f"{_reader_version('python-docx')} via giextract.grids.docx.read_docx", None, digest, grids)


def _pdf(data: bytes, digest: str) -> ReadResult:
    from giextract.grids.pdf import read_pdf

    result = read_pdf(data)
    how = f"{_reader_version('pypdfium2')} text"
    if result.table_pages:
        how += f", ruled tables on {result.table_pages} of {result.pages_read} pages"
    if result.plumber_pages:
        how += f", {_reader_version('pdfplumber')} for {result.plumber_pages} of {result.pages_read} pages"
    if result.ocr_pages:
        from giextract.grids.ocr import engine_name

        how += (f", {engine_name()} OCR of {len(result.ocr_pages)} scanned page(s) ({_pages(result.ocr_pages)}, "
                "rendered by pypdfium2)")
        if result.ocr_masked:
            how += f", {result.ocr_masked} low-confidence number(s) masked as ?"
    notes = []
    if result.pages_read < result.pages:
        notes.append(f"the PDF has {result.pages} pages; only the first {result.pages_read} were read")
    if result.unread_pages:
        notes.append(f"{len(result.unread_pages)} scanned page(s) ({_pages(result.unread_pages)}) were not read: "
                     "they need OCR, install it with pip install 'giextract[ocr]'")
    return ReadResult(result.text, how + " via giextract.grids.pdf.read_pdf", None, digest, result.grids,
                      "; ".join(notes) or None, result.ocr_cells)


def _pages(pages: list[int]) -> str:
    """1, 2, 3, 5 → 'pages 1-3, 5'."""
    runs: list[list[int]] = []
    for p in pages:
        if runs and p == runs[-1][-1] + 1:
            runs[-1].append(p)
        else:
            runs.append([p])
    return ("page " if len(pages) == 1 else "pages ") + ", ".join(
        f"{r[0]}-{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)


def _image(data: bytes, digest: str) -> ReadResult:
    from giextract.grids.ocr import engine_name, open_image, read_images

    result = read_images(open_image(data))
    how = f"{engine_name()} OCR of {result.pages} page image(s) via giextract.grids.ocr.read_images"
    if result.masked:
        how += f"; {result.masked} low-confidence number(s) masked as ?"
    return ReadResult(result.text, how, None, digest, result.grids, cell_boxes=result.cell_boxes())


READERS = {".pdf": _pdf, ".html": _html, ".htm": _html, ".docx": _docx,
           **dict.fromkeys((".png", ".jpg", ".jpeg", ".tif", ".tiff"), _image)}


def read_document(path: Path) -> ReadResult:
    """Read a file once: its text, grids and sha256. Raises InputError with a specific reason."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"no such file: {path}")
    if path.is_dir():
        raise InputError(f"{path} is a directory, not a report file")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    digest = hashlib.sha256(data).hexdigest()
    suffix = path.suffix.lower()
    if suffix in READERS:
        return READERS[suffix](data, digest)
    if data.lstrip()[:15].lower().startswith((b"<!doctype html", b"<html")):
        return _html(data, digest)
    decoded = decode_bytes(data)
    return ReadResult(decoded.text, "text", decoded.encoding, digest)


def document_text(path: Path) -> tuple[str, str, Optional[str]]:
    """(text, how it was obtained, encoding): the text that spans point into, for a user to reproduce."""
    result = read_document(path)
    return result.text, result.how, result.encoding


__all__ = ["ReadResult", "document_text", "read_document", "READERS"]
