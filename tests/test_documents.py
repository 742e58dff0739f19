"""PDF, HTML and .docx inputs: tables read as cells, spans into the text the library extracted."""
from __future__ import annotations

from pathlib import Path

import pytest

import giextract
from giextract.ingest.documents import document_text, read_document

SOURCES = Path(__file__).resolve().parents[1] / "eval" / "sources"


@pytest.mark.parametrize("stem", ["001_huaian-city-2024", "002_huaian-hongze-district-2023"])
def test_pdf_reads_at_least_as_well_as_its_text_layer(stem: str) -> None:
    from_pdf = giextract.extract(SOURCES / f"{stem}.pdf")
    from_txt = giextract.extract(SOURCES / f"{stem}.txt")
    how = from_pdf.source.extracted_with or ""
    assert how.startswith("pypdfium2") and "ruled tables on" in how and "pdfplumber" not in how
    pdf_cells = dict(from_pdf.iter_cells())
    for path, cell in from_txt.iter_cells():
        if cell.status == "ok" and not any(path in f.cells for f in from_txt.findings if f.severity != "info"):
            assert pdf_cells[path].value == cell.value, path
    assert not [p for p, c in from_pdf.iter_cells() if c.status == "ambiguous"]
    text, _, _ = document_text(SOURCES / f"{stem}.pdf")
    for path, cell in from_pdf.iter_cells():
        if cell.span and cell.status == "ok":
            assert text[cell.span[0]:cell.span[1]] == cell.raw


@pytest.mark.parametrize("stem, pages", [("001_huaian-city-2024", 6), ("002_huaian-hongze-district-2023", 5)])
def test_pdf_grids_carry_pages_and_spans(stem: str, pages: int) -> None:
    read = read_document(SOURCES / f"{stem}.pdf")
    assert read.grids and {g.page for g in read.grids} <= set(range(1, pages + 1)) and read.truncated is None
    for grid in read.grids:
        assert grid.kind == "pdf" and grid.span and read.text[grid.span[0]:grid.span[1]].startswith("| ")
        for cell in grid.cells:
            assert cell.span and read.text[cell.span[0]:cell.span[1]] == cell.text
        lines = read.text[grid.span[0]:grid.span[1]].split("\n")
        assert len(lines) == grid.n_rows and all(line.count(" |") == grid.n_cols for line in lines)
    # Table 三's first data row, as printed: label, six applicant columns, total.
    first = next(g for g in read.grids if any(c.text.startswith("一、本年新收") for c in g.cells))
    assert first.n_cols == 10
    label = next(c for c in first.cells if c.text.startswith("一、本年新收"))
    assert (label.col, label.col_span) == (0, 3)


@pytest.mark.parametrize("stem", ["001_huaian-city-2024", "002_huaian-hongze-district-2023"])
def test_pdf_tables_from_paths_match_pdfplumber(stem: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The tables built from pypdfium2's paths and character boxes are the ones pdfplumber finds."""
    import giextract.grids.pdf as pdf

    ours = read_document(SOURCES / f"{stem}.pdf")
    monkeypatch.setattr(pdf, "_tables", lambda page, page_no, chars: None)  # every page to pdfplumber
    theirs = read_document(SOURCES / f"{stem}.pdf")
    assert "pdfplumber" in theirs.how and "pdfplumber" not in ours.how
    def shape(grids: list) -> list:  # type: ignore[type-arg]
        return [[(c.row, c.col, c.row_span, c.col_span, "".join(c.text.split())) for c in g.cells] + [g.page]
                for g in grids]

    assert shape(ours.grids) == shape(theirs.grids) and len(ours.grids) >= 7
    # pdfplumber puts a space in every gap over 3 pt, so widely justified Chinese comes out as "电 话";
    # ours keeps the PDF's own spaces and word gaps, never adds one
    for mine, other in zip((c for g in ours.grids for c in g.cells), (c for g in theirs.grids for c in g.cells)):
        assert mine.text == other.text or mine.text.count(" ") < other.text.count(" "), (mine, other)


def test_pdf_table_four_groups_come_from_cells_not_guesses() -> None:
    report = giextract.extract(SOURCES / "001_huaian-city-2024.pdf")
    direct = report.review_litigation["litigation_direct"]
    assert [c.value for c in direct.values()] == [13, 4, 8, 1, 26]  # read off the PDF's own table cells


def test_html_table_with_rowspan(tmp_path: Path) -> None:
    rows = "".join(f"<tr>{'<td rowspan=8>（三）不予公开</td>' if i == 0 else ''}<td>{label}</td>"
                   + "".join(f"<td>{v}</td>" for v in [i, 0, 0, 0, 0, 0, i]) + "</tr>"
                   for i, label in enumerate(["1.属于国家秘密", "2.其他法律行政法规禁止公开"]))
    html = ("<html><head><script>var x = '一、总体情况';</script></head><body><p>一、总体情况</p><p>概述。</p>"
            "<p>二、主动公开政府信息情况</p><table><tr><th>信息内容</th><th>本年制发件数</th><th>本年废止件数</th>"
            "<th>现行有效件数</th></tr><tr><td>规章</td><td>1</td><td>0</td><td>4</td></tr></table>"
            "<p>三、收到和处理政府信息公开申请情况</p><table>"
            "<tr><td>一、本年新收政府信息公开申请数量</td><td>3</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>3</td></tr>"
            + rows + "</table><p>四、政府信息公开行政复议、行政诉讼情况</p></body></html>")
    path = tmp_path / "report.html"
    path.write_text(html, encoding="utf-8")
    report = giextract.extract(path)
    assert report.source.extracted_with.startswith("beautifulsoup4") and "(lxml)" in report.source.extracted_with
    assert report.applications["new_received"]["total"].value == 3
    assert report.applications["denied_prohibited_by_law"]["natural_person"].value == 1
    text, _, _ = document_text(path)
    assert "var x" not in text


def test_docx_paragraphs_and_tables(tmp_path: Path) -> None:
    import docx
    document = docx.Document()
    document.add_paragraph("一、总体情况")
    document.add_paragraph("二、主动公开政府信息情况")
    table = document.add_table(rows=2, cols=4)
    for i, cells in enumerate([["规章", "1", "0", "5"], ["行政规范性文件", "2", "1", "9"]]):
        for j, value in enumerate(cells):
            table.cell(i, j).text = value
    document.add_paragraph("三、收到和处理政府信息公开申请情况 本年制发件数")
    path = tmp_path / "r.docx"
    document.save(str(path))
    text, how, _ = document_text(path)
    assert "| 规章 | 1 | 0 | 5 |" in text and how.startswith("python-docx")
