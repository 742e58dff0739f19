"""PDF, HTML and .docx inputs → one text the rest of the pipeline reads, with tables kept as cells.

Tables are written as `| cell | cell |` rows (a cell's own line breaks joined), everything else as its
text, in reading order. Spans in the output point into this text; ``READERS`` names the reader and its
version so a user can reproduce it with :func:`document_text`.
"""
from __future__ import annotations

import hashlib
import io
import logging
import re
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Callable, Optional

from giextract.ingest.decode import InputError, decode_bytes

log = logging.getLogger(__name__)


def _cell(text: Optional[str]) -> str:
    # Chinese wraps inside a cell without spaces: join its lines directly.
    return re.sub(r"\s*\n\s*", "", (text or "").strip()).replace("|", "/")


def _row(cells: list[Optional[str]]) -> str:
    return "| " + " | ".join(_cell(c) for c in cells) + " |"


def pdf_text(data: bytes) -> str:
    try:
        import pdfplumber
    except ImportError:
        raise InputError("PDF input needs pdfplumber: pip install pdfplumber") from None
    parts: list[str] = []
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            for page in pdf.pages:
                tables = sorted(page.find_tables(), key=lambda t: t.bbox[1])
                top = 0.0
                for table in tables:
                    x0, y0, x1, y1 = table.bbox
                    if y0 > top:
                        parts.append(page.crop((0, top, page.width, y0)).extract_text() or "")
                    parts.extend(_row(r) for r in table.extract())
                    top = max(top, y1)
                if top < page.height:
                    parts.append(page.crop((0, top, page.width, page.height)).extract_text() or "")
    except Exception as exc:  # pdfminer raises many kinds on broken files
        raise InputError(f"unreadable PDF: {type(exc).__name__}: {exc}") from None
    text = "\n".join(p for p in parts if p.strip())
    if not text.strip():
        raise InputError("PDF has no text layer (scanned images?): OCR it first, then extract the text")
    return text


def html_text(data: bytes) -> str:
    try:
        from bs4 import BeautifulSoup
    except ImportError:
        raise InputError("HTML input needs beautifulsoup4: pip install beautifulsoup4") from None
    soup = BeautifulSoup(data, "html.parser")
    for tag in soup(["script", "style", "noscript", "iframe", "svg", "head"]):
        tag.decompose()
    for table in soup.find_all("table"):
        rows = [_row([c.get_text(" ", strip=True) for c in tr.find_all(["td", "th"])]) for tr in table.find_all("tr")]
        table.replace_with("\n" + "\n".join(rows) + "\n")
    for br in soup.find_all("br"):
        br.replace_with("\n")
    for block in soup.find_all(["p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr"]):
        block.insert_after("\n")
    text = re.sub(r"[ \t\u00a0]+\n", "\n", soup.get_text())
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def docx_text(data: bytes) -> str:
    try:
        import docx
        from docx.table import Table
        from docx.text.paragraph import Paragraph
    except ImportError:
        raise InputError(".docx input needs python-docx: pip install python-docx") from None
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:
        raise InputError(f"unreadable .docx: {type(exc).__name__}: {exc}") from None
    lines: list[str] = []
    for child in document.element.body.iterchildren():
        if child.tag.endswith("}p"):
            lines.append(Paragraph(child, document).text)
        elif child.tag.endswith("}tbl"):
            lines.extend(_row([c.text for c in row.cells]) for row in Table(child, document).rows)
    return "\n".join(lines)


def _reader_version(package: str) -> str:
    try:
        return f"{package} {version(package)}"
    except PackageNotFoundError:
        return package


READERS: dict[str, tuple[Callable[[bytes], str], str]] = {
    ".pdf": (pdf_text, "pdfplumber"),
    ".html": (html_text, "beautifulsoup4"),
    ".htm": (html_text, "beautifulsoup4"),
    ".docx": (docx_text, "python-docx"),
}
TEXT_SUFFIXES = {".txt", ".text", ".md", ""}


def read_document(path: Path) -> tuple[str, str, Optional[str], str]:
    """(text, how it was obtained, encoding, sha256 of the file's bytes), reading the file once.
    Raises InputError with a specific reason."""
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
        reader, package = READERS[suffix]
        return reader(data), f"{_reader_version(package)} via giextract.ingest.documents.{reader.__name__}", None, digest
    if data.lstrip()[:15].lower().startswith((b"<!doctype html", b"<html")):
        return html_text(data), f"{_reader_version('beautifulsoup4')} via giextract.ingest.documents.html_text", None, digest
    decoded = decode_bytes(data)
    return decoded.text, "text", decoded.encoding, digest


def document_text(path: Path) -> tuple[str, str, Optional[str]]:
    """(text, how it was obtained, encoding): the text that spans point into, for a user to reproduce."""
    text, how, encoding, _ = read_document(path)
    return text, how, encoding


__all__ = ["document_text", "read_document", "pdf_text", "html_text", "docx_text", "READERS"]
