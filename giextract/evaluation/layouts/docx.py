"""A .docx report (python-docx): paragraphs, and the tables in the template's shape with merged cells."""
from __future__ import annotations

import io
import random

from giextract.evaluation.layouts.document import Document, Table, place



def _table(word, table: Table) -> None:  # type: ignore[no-untyped-def]
    nrows = len(table.rows)
    grid = word.add_table(rows=nrows, cols=table.ncols)
    grid.style = "Table Grid"
    cells = grid._cells  # once: Table.cell() recomputes the whole list on every call
    placed = place(table)
    for r, c, cell in placed:
        cells[r * table.ncols + c].text = "" if cell.text == "&nbsp;" else cell.text
    for r, c, cell in placed:
        if cell.rowspan > 1 or cell.colspan > 1:
            far = cells[(r + cell.rowspan - 1) * table.ncols + c + cell.colspan - 1]
            cells[r * table.ncols + c].merge(far)


def docx_bytes(doc: Document, rng: random.Random) -> bytes:
    try:
        import docx
    except ImportError as exc:  # pragma: no cover - python-docx is a test dependency
        raise RuntimeError("the docx layout needs python-docx: pip install python-docx") from exc
    word = docx.Document()
    props = word.core_properties
    from datetime import datetime, timezone

    fixed = datetime(2000, 1, 1, tzinfo=timezone.utc)
    props.created = props.modified = fixed
    props.author = props.last_modified_by = "giextract layouts"
    props.revision = 1
    for block in doc.blocks:
        if block.table is not None:
            _table(word, block.table)
        elif block.kind == "title":
            word.add_heading(block.text, level=1)
        elif block.kind == "heading":
            word.add_paragraph().add_run(block.text).bold = True
        else:
            word.add_paragraph(block.text)
    out = io.BytesIO()
    word.save(out)
    return _deterministic_zip(out.getvalue())


def _deterministic_zip(data: bytes) -> bytes:
    """The same document gives the same bytes: rewrite the archive with fixed member timestamps."""
    import zipfile

    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2000, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()
