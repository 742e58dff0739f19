""".docx → text with tables as grids (python-docx), after checking the ZIP container is not a bomb.

Body paragraphs and tables in reading order. python-docx repeats a merged cell in ``row.cells`` (once per
grid column it spans, and in every row of a vertical merge); the repeats share one ``<w:tc>`` element, so
a merged cell becomes one :class:`GridCell` whose row/column spans cover every position it was repeated at.
"""
from __future__ import annotations

import io
import logging
import zipfile
from typing import Any

from giextract.core.grid import Grid
from giextract.grids.build import MAX_POSITIONS, Placed, TextWriter
from giextract.ingest.decode import InputError

log = logging.getLogger(__name__)
MAX_ENTRIES = 2_000  # a report .docx holds ~20 parts
MAX_UNCOMPRESSED = 200_000_000  # all parts together, as the archive declares them
MAX_PART = 100_000_000  # one part (word/document.xml of a long report is a few MB)


def check_zip(data: bytes) -> None:
    """Refuse a ZIP that is not a .docx or would expand beyond the caps, before anything decompresses it.
    zipfile never inflates an entry past its declared size, so the declared sizes bound the real ones."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise InputError(f"unreadable .docx: not a ZIP archive ({exc}); the file is corrupt or not a .docx") from None
    with archive:
        entries = archive.infolist()
        if len(entries) > MAX_ENTRIES:
            raise InputError(f"unreadable .docx: the archive holds {len(entries):,} entries (limit {MAX_ENTRIES:,}); "
                             "not a Word document (zip bomb?)")
        total = sum(e.file_size for e in entries)
        biggest = max(entries, key=lambda e: e.file_size, default=None)
        if total > MAX_UNCOMPRESSED or (biggest is not None and biggest.file_size > MAX_PART):
            raise InputError(f"unreadable .docx: it would expand to {total:,} bytes (limit {MAX_UNCOMPRESSED:,}, "
                             f"{MAX_PART:,} per part); refusing to decompress it (zip bomb?)")
        names = {e.filename for e in entries}
        if "word/document.xml" not in names:
            what = "an .xlsx workbook" if "xl/workbook.xml" in names else \
                "a .pptx presentation" if "ppt/presentation.xml" in names else "a ZIP archive"
            raise InputError(f"unreadable .docx: no word/document.xml inside; this is {what}, not a Word document")


def _check_size(table: Any) -> None:
    """python-docx expands gridSpan into one entry per column: refuse absurd spans before it does."""
    rows = table._tbl.tr_lst
    width = max((sum(max(tc.grid_span, 1) for tc in tr.tc_lst) for tr in rows), default=0)
    if len(rows) * width > MAX_POSITIONS:
        raise InputError(f"unreadable .docx table: {len(rows):,} rows × {width:,} columns is beyond the "
                         f"{MAX_POSITIONS:,} positions a report table can have")


def _table(table: Any, writer: TextWriter) -> None:
    _check_size(table)
    first: dict[Any, tuple[int, int]] = {}  # <w:tc> element → its first (row, col); repeats extend it
    last: dict[Any, tuple[int, int]] = {}
    texts: dict[Any, str] = {}
    for r, row in enumerate(table.rows):
        for c, cell in enumerate(row.cells):
            tc = cell._tc
            if tc not in first:
                first[tc] = (r, c)
                texts[tc] = cell.text
            last[tc] = (max(last.get(tc, (r, c))[0], r), max(last.get(tc, (r, c))[1], c))
    placed = [Placed(r0, c0, last[tc][0] - r0 + 1, last[tc][1] - c0 + 1, texts[tc], False)
              for tc, (r0, c0) in first.items()]
    writer.table(placed, "docx")


def read_docx(data: bytes) -> tuple[str, list[Grid]]:
    """(text, grids) of a .docx."""
    try:
        import docx
        from docx.table import Table
        from docx.text.paragraph import Paragraph
    except ImportError:
        raise InputError(".docx input needs python-docx: pip install python-docx") from None
    check_zip(data)
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx/lxml raise many kinds on broken parts
        raise InputError(f"unreadable .docx: {type(exc).__name__}: {exc}") from None
    writer = TextWriter()
    try:
        for child in document.element.body.iterchildren():
            if child.tag.endswith("}p"):
                writer.line(Paragraph(child, document).text)
            elif child.tag.endswith("}tbl"):
                _table(Table(child, document), writer)
    except InputError:
        raise
    except (ValueError, IndexError, KeyError, AttributeError) as exc:  # a malformed table (overlapping merges, …)
        raise InputError(f"unreadable .docx table: {type(exc).__name__}: {exc}") from None
    return writer.text(), writer.grids


__all__ = ["read_docx", "check_zip", "MAX_ENTRIES", "MAX_UNCOMPRESSED", "MAX_PART"]
