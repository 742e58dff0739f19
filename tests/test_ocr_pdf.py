"""Scanned PDF pages: a page without a text layer (or with only a page number) that draws an image is
rendered and OCR'd, in page order beside the text pages, spans in the document's text, each OCR cell with
its page and box; without the OCR extra the reason is specific. One test runs the bundled engine for real
on the corpus PDF's three table pages (150 dpi); the others stand a fake engine in for it."""
from __future__ import annotations

import io
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from giextract.evaluation.gold import gold_cells, load
from giextract import pipeline
from giextract.evaluation.layouts.matrix import score_file
from giextract.evaluation.score import flagged_paths, judge_printed
from giextract.grids import ocr
from giextract.grids import pdf as pdf_reader
from giextract.ingest.decode import InputError
from giextract.ingest.documents import read_document
from giextract.pipeline import extract
from test_ocr import FakeEngine, _quad

CORPUS = Path("eval/sources/001_huaian-city-2024.pdf")
GOLD = Path("eval/gold/001_huaian-city-2024.json")
TABLE_PAGES = (3, 4, 5)  # 1-based: tables 二 (running onto page 4), 三 and 四


def _scanned(pages: tuple[int, ...], dpi: int, keep_text: bool) -> bytes:
    """The corpus PDF with ``pages`` replaced by images of themselves (PIL's image-only PDF, ``dpi``);
    with ``keep_text`` the other pages stay as they are (a mixed PDF), else only the scans are kept."""
    import pypdfium2 as pdfium

    source = pdfium.PdfDocument(CORPUS.read_bytes())
    images = [source[p - 1].render(scale=dpi / 72, grayscale=True).to_pil().convert("L") for p in pages]
    buffer = io.BytesIO()
    images[0].save(buffer, "PDF", resolution=dpi, save_all=True, append_images=images[1:])
    if not keep_text:
        return buffer.getvalue()
    scans = pdfium.PdfDocument(buffer.getvalue())
    mixed = pdfium.PdfDocument.new()
    for index in range(len(source)):
        if index + 1 in pages:
            mixed.import_pages(scans, [pages.index(index + 1)])
        else:
            mixed.import_pages(source, [index])
    out = io.BytesIO()
    mixed.save(out)
    return out.getvalue()


class WordEngine(FakeEngine):
    """The fake engine on a real page image: its detector's boxes are the page's words; a cell it would
    read alone (its ruled cell has ink but no word) is read as nothing."""

    def __call__(self, image: Any, **options: Any) -> tuple[Any, Any]:
        if options.get("use_det") is False:
            return [["", 0.0]], [0.0]
        return super().__call__(image)


def _truth() -> dict[str, Any]:
    return {p: v for p, v in gold_cells(load(GOLD)) if v is None or isinstance(v, (int, float))}


def _word_boxes(page: int, scale: float) -> list[list[Any]]:
    """Engine-like boxes for a corpus page: its text layer's words (pdfplumber), scaled to the render."""
    import pdfplumber

    with pdfplumber.open(CORPUS) as doc:
        words = doc.pages[page - 1].extract_words(x_tolerance=1.5)
    return [[_quad(w["x0"] * scale, w["top"] * scale, w["x1"] * scale, w["bottom"] * scale), w["text"], 0.99]
            for w in words]


def _spans_hold(read: Any) -> None:
    for grid in read.grids:
        for cell in grid.cells:
            assert read.text[cell.span[0]:cell.span[1]] == cell.text
    for box in read.cell_boxes:
        assert read.text[box.span[0]:box.span[1]] in (box.read, ocr._DIGIT.sub("?", box.read)) or box.masked


def test_a_scanned_corpus_pdf_comes_out_with_its_tables(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The bundled engine on 001's three table pages rendered at 150 dpi into an image-only PDF (read at
    200 dpi, its ruled tables from the rules): nearly every gold number right, none silently wrong."""
    target = tmp_path / "scan.pdf"
    target.write_bytes(_scanned(TABLE_PAGES, 150, keep_text=False))
    reads: list[Any] = []

    def read_once(path: Path) -> Any:  # the pipeline's read kept, so the file is OCR'd once
        reads.append(read_document(path))
        return reads[-1]

    monkeypatch.setattr(pipeline, "read_document", read_once)
    report = extract(target)
    read = reads[0]
    flagged = flagged_paths(report)
    outcomes = Counter(judge_printed(report, p, v, flagged).outcome for p, v in _truth().items()
                       if isinstance(v, (int, float)))
    assert outcomes["silent"] == 0, [p for p, v in _truth().items() if isinstance(v, (int, float))
                                     and judge_printed(report, p, v, flagged).outcome == "silent"]
    assert outcomes["right"] >= 0.95 * sum(outcomes.values()) > 0  # measured 200 of 200 (172 before ruled cells)
    how = report.source.extracted_with or ""
    assert "rapidocr-onnxruntime 1.4.4" in how and "pages 1-3" in how
    for table in ("active_disclosure", "applications", "review_litigation"):  # each table read, not skipped
        assert any(c.status == "ok" for p, c in _cells(report, table)), table
    assert {g.kind for g in read.grids} == {"ocr"} and {g.page for g in read.grids} <= {1, 2, 3}
    _spans_hold(read)
    assert read.cell_boxes and {b.page for b in read.cell_boxes} == {1, 2, 3}
    for box in read.cell_boxes:  # PDF points from the page's top left (A4: 595 × 842)
        x0, y0, x1, y1 = box.bbox
        assert 0 <= x0 < x1 <= 600 and 0 <= y0 < y1 <= 850


def _cells(report: Any, table: str) -> list[tuple[str, Any]]:
    return [(p, report.cell(p)) for p in _truth() if p.startswith(table + ".") and report.cell(p) is not None]


def test_a_mixed_pdf_keeps_its_text_pages_and_reads_the_scan_in_page_order(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = _scanned((3,), 72, keep_text=True)  # page 3 an image; the fake engine reads its words
    monkeypatch.setattr(ocr, "_engine", lambda: WordEngine([_word_boxes(3, 200 / 72)]))  # rendered at 200 dpi
    target = tmp_path / "mixed.pdf"
    target.write_bytes(data)
    read = read_document(target)
    assert "OCR of 1 scanned page(s) (page 3" in read.how and "ruled tables on" in read.how
    text = read.text
    # Page 2's text, then the scan (section 二's heading and its first table), then page 4's.
    assert text.index("政府信息公开平台建设情况") < text.index("二、主动公开政府信息情况") < text.index("三、收到和处理")
    ocr_grids = [g for g in read.grids if g.kind == "ocr"]
    assert ocr_grids and all(g.page == 3 for g in ocr_grids)
    assert any(g.kind == "pdf" and g.page == 4 for g in read.grids)
    _spans_hold(read)
    assert {b.page for b in read.cell_boxes} == {3}
    monkeypatch.setattr(ocr, "_engine", lambda: WordEngine([_word_boxes(3, 200 / 72)]))
    result = score_file(target, _truth())
    assert result["cells"].get("silent", 0) == 0, result["wrong"]
    assert result["cells"]["numbers_right"] >= 0.9 * result["cells"]["numbers_printed"]


def test_without_the_ocr_extra_the_reason_is_specific(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ocr, "_ENGINE", None)
    monkeypatch.setitem(sys.modules, "rapidocr_onnxruntime", None)  # the extra not installed
    scans = tmp_path / "scan.pdf"
    scans.write_bytes(_scanned((3,), 72, keep_text=False))
    with pytest.raises(InputError, match=r"scanned images.*giextract\[ocr\]"):
        read_document(scans)
    mixed = tmp_path / "mixed.pdf"
    mixed.write_bytes(_scanned((3,), 72, keep_text=True))
    report = extract(mixed)  # the text pages are read; the scan is named, not skipped silently
    notes = [f.message for f in report.findings if f.rule == "truncated"]
    assert any("page 3" in m and "giextract[ocr]" in m for m in notes), notes


def test_a_page_whose_text_is_only_its_number_is_a_scan() -> None:
    from PIL import Image
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas
    import pypdfium2 as pdfium

    def page(text: str) -> bytes:
        out = io.BytesIO()
        c = canvas.Canvas(out, pagesize=(595, 842))
        c.drawImage(ImageReader(Image.new("L", (1240, 1754), 255)), 0, 0, 595, 842)  # 150 dpi
        c.drawString(280, 20, text)
        c.save()
        return out.getvalue()

    for text, scan in (("- 3 -", True), ("3", True), ("1/6", True), ("Annual report of 2024", False)):
        doc = pdfium.PdfDocument(page(text))
        textpage = doc[0].get_textpage()
        dpi = pdf_reader._scan_dpi(doc[0], pdf_reader.page_chars(textpage))
        assert (dpi is not None) == scan, text
        if scan:
            assert abs(dpi - 200) < 1  # a 150-dpi image is read at 200 dpi at least
    out = io.BytesIO()  # no image, no text: a page of glyph outlines (a print to PDF) is a scan; a box is not
    c = canvas.Canvas(out, pagesize=(595, 842))
    for i in range(400):
        c.rect(10 + i % 40 * 12, 10 + i // 40 * 12, 5, 5)
    c.showPage()
    c.rect(10, 10, 100, 100)
    c.save()
    doc = pdfium.PdfDocument(out.getvalue())
    assert [pdf_reader._scan_dpi(doc[i], pdf_reader.page_chars(doc[i].get_textpage())) for i in range(2)] == [200.0, None]
