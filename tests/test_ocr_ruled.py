"""Ruled tables in scans: the rules found in the page image make the grid (merged cells span), a ruled
cell the detector left empty is read by the recognizer alone on its crop (lone ``0`` cells), a cell
without ink is blank, and an image path given as a str is read as the image. The engine runs for real on
a small generated page (a second or two)."""
from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from giextract.grids import ocr
from giextract.pipeline import extract

pytest.importorskip("rapidocr_onnxruntime")
FONT = "STSong-Light"
ROWS = [["第二十条第（一）项"], ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
        ["规章", "1", "0", "11"], ["行政规范性文件", "0", "26", "0"]]


def _page(dpi: int = 200, degrees: float = 0.5) -> Any:
    """Section 二's first table drawn as a ruled table (reportlab) and rendered in grey, turned a little."""
    import pypdfium2 as pdfium
    from PIL import Image
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    width, height = 440, 190
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=(width, height))
    pdf.setFont(FONT, 12)
    pdf.drawString(20, height - 25, "二、主动公开政府信息情况")
    xs = [20, 140, 240, 330, 420]
    ys = [height - 40, height - 64, height - 88, height - 112, height - 136]
    pdf.setLineWidth(0.8)
    for y in ys:
        pdf.line(xs[0], y, xs[-1], y)
    for x in xs:  # the first row is one cell across the table
        pdf.line(x, ys[0] if x in (xs[0], xs[-1]) else ys[1], x, ys[-1])
    for r, row in enumerate(ROWS):
        for k, text in enumerate(row):
            if text.isdigit():
                pdf.drawCentredString((xs[k] + xs[k + 1]) / 2, ys[r + 1] + 8, text)
            else:
                pdf.drawString(xs[k] + 5, ys[r + 1] + 8, text)
    pdf.save()
    image = pdfium.PdfDocument(out.getvalue())[0].render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
    return image.rotate(degrees, resample=Image.BILINEAR, fillcolor=255)


@pytest.fixture(scope="module")
def page() -> Any:
    return _page()


class MissesLoneDigits:
    """The bundled engine, except that its detector finds no one-character digit (as it often misses a
    lone ``0`` in a wide cell); recognition-only calls go to the engine unchanged."""

    def __init__(self) -> None:
        self.engine = ocr.engine()
        self.alone = 0

    def __call__(self, image: Any, **options: Any) -> Any:
        if options.get("use_det") is False:
            self.alone += 1
            return self.engine(image, **options)
        raw, elapsed = self.engine(image)
        return [box for box in raw or [] if not (len(box[1].strip()) == 1 and box[1].strip().isdigit())], elapsed


def test_lone_digits_the_detector_missed_are_read_in_their_ruled_cells(page: Any,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    engine = MissesLoneDigits()
    monkeypatch.setattr(ocr, "_engine", lambda: engine)
    result = ocr.read_images([page])
    assert result.ruled == 1 and len(result.grids) == 1
    grid = result.grids[0]
    rows = [[c.text for c in grid.own_cells(r)] for r in range(grid.n_rows)]
    assert rows == ROWS
    assert grid.own_cells(0)[0].col_span == 4  # the merged first row, from the rules
    assert engine.alone == 4  # 1, 0 | 0, 0: each read alone on its cell's crop
    assert "二、主动公开政府信息情况" in result.text.splitlines()[0]  # the heading over the table stays text
    for cell in grid.cells:
        assert result.text[cell.span[0]:cell.span[1]] == cell.text
    boxes = {result.text[b.span[0]:b.span[1]]: b for b in result.cell_boxes()}
    assert set(boxes) >= {"规章", "1", "11", "26"}
    one = boxes["1"]  # the lone 1 under 本年制发件数, on the image as scanned (200 dpi: 2.78 px a point)
    assert one.page == 0 and one.confidence >= ocr.LOW_CONFIDENCE and not one.masked
    assert 140 * 2.78 < one.bbox[0] < one.bbox[2] < 240 * 2.78


def test_ruled_cells_from_the_image_merged_and_blank() -> None:
    """Rules drawn on an image: a header cell over two columns, a cell with a digit-sized mark (ink), one
    with a speck of noise only and one empty (both blank)."""
    import numpy as np

    image = np.full((400, 700), 255, np.uint8)
    xs, ys = [50, 250, 450, 650], [50, 120, 190, 260]
    for y in ys:
        image[y:y + 2, xs[0]:xs[-1] + 2] = 0
    for x in xs:
        image[ys[1] if x == xs[2] else ys[0]:ys[-1] + 2, x:x + 2] = 0
    image[140:170, 340:356] = 0  # a mark the size of a digit, row 1, column 1
    image[215:217, 340:342] = 0  # a speck, row 2, column 1
    tables = ocr.ruled_tables(ocr._Deskewed(image, 0.0), 30.0, 0)
    assert len(tables) == 1
    cells = {(c.row, c.col): c for c in tables[0].cells}
    assert set(cells) == {(0, 0), (0, 1), (1, 0), (1, 1), (1, 2), (2, 0), (2, 1), (2, 2)}
    assert (cells[(0, 1)].row_span, cells[(0, 1)].col_span) == (1, 2)
    assert cells[(1, 1)].ink is not None and cells[(2, 1)].ink is None and cells[(2, 2)].ink is None
    x0, y0, x1, y1 = cells[(1, 1)].ink
    assert 335 <= x0 <= 341 and 354 <= x1 <= 361 and 135 <= y0 <= 141 and 168 <= y1 <= 175


def test_a_table_cut_by_the_page_end_keeps_its_last_row_and_words_over_a_rule_are_cut() -> None:
    import numpy as np

    image = np.full((400, 700), 255, np.uint8)
    xs, ys = [50, 250, 450, 650], [50, 120, 190]
    for y in ys:
        image[y:y + 2, xs[0]:xs[-1] + 2] = 0
    for x in xs:  # no rule under the last row: the page ends there
        image[ys[0]:330, x:x + 2] = 0
    image[250:280, 340:356] = 0  # its mark, column 1
    table = ocr.ruled_tables(ocr._Deskewed(image, 0.0), 30.0, 0)[0]
    cells = {(c.row, c.col): c for c in table.cells}
    assert max(r for r, _ in cells) == 2 and cells[(2, 1)].ink is not None and cells[(2, 2)].ink is None
    assert 320 <= cells[(2, 1)].rect[3] <= 332
    words = ocr.OcrBox("结果 其他", 0.99, 0, (200, 60, 300, 100), (200, 60, 300, 100))  # over the rule at 250
    assert [(b.text, b.level[0], b.level[2]) for b in ocr._cut(words, [250.0])] == [("结果", 200, 240), ("其他", 260, 300)]


def test_an_image_path_given_as_a_str_is_read_as_the_image(page: Any, tmp_path: Path) -> None:
    target = tmp_path / "scan.png"
    page.save(target)
    report = extract(str(target))
    assert report.source.path == str(target)
    assert "rapidocr-onnxruntime" in (report.source.extracted_with or "")
    read = {p: report.cell(f"active_disclosure.art20_1.{p}") for p in
            ("regulations.issued", "regulations.repealed", "regulations.in_force", "normative_documents.repealed")}
    assert {p: (c.status, c.value) for p, c in read.items()} == {
        "regulations.issued": ("ok", 1), "regulations.repealed": ("ok", 0), "regulations.in_force": ("ok", 11),
        "normative_documents.repealed": ("ok", 26)}


def test_a_second_reading_alone_replaces_a_look_alike_or_confirms_an_unsure_digit_never_overrides_it() -> None:
    """Rules with four value cells, each with a digit-sized mark; the detector's boxes: ``X`` (a look-alike),
    an unsure ``0`` and an unsure ``6``, and none in the last cell. The recognizer alone (a stand-in) reads
    8, 0, 8 and 5: the X becomes 8, the unsure 0 is confirmed, the unsure 6 stays unsure (the two readings
    disagree) and masks its row, the empty cell is 5."""
    import numpy as np

    image = np.full((300, 1100), 255, np.uint8)
    xs, ys = [50, 250, 450, 650, 850, 1050], [50, 120, 190]
    for y in ys:
        image[y:y + 2, xs[0]:xs[-1] + 2] = 0
    for x in xs:
        image[ys[0]:ys[-1] + 2, x:x + 2] = 0
    for x in xs[1:-1]:
        image[140:170, x + 90:x + 106] = 0
    page = ocr._Deskewed(image, 0.0)
    tables = ocr.ruled_tables(page, 30.0, 0)

    def box(text: str, confidence: float, x: int) -> ocr.OcrBox:
        return ocr.OcrBox(text, confidence, 0, (x + 88, 138, x + 108, 172), (x + 88, 138, x + 108, 172))

    label = ocr.OcrBox("规章", 0.99, 0, (60, 140, 120, 170), (60, 140, 120, 170))
    boxes = [label, box("X", 0.9, xs[1]), box("0", 0.4, xs[2]), box("6", 0.4, xs[3])]
    second = iter(["8", "0", "8", "5"])

    def alone(image: Any, **options: Any) -> Any:
        assert options == {"use_det": False, "use_cls": False, "use_rec": True}
        return [[next(second), 0.99]], [0.0]

    read = ocr._read_cells(alone, page, tables, boxes, 0, 30.0)
    result = ocr.layout([ocr.OcrPage(read, tables)])
    grid = result.grids[0]
    assert [c.text for c in grid.own_cells(1)] == ["规章", "?", "?", "?", "?"]  # the unsure 6 masks its row
    meta = {m.col: m for m in result.cells[0] if m.row == 1}
    assert [(meta[c].read, round(meta[c].confidence, 2), meta[c].masked) for c in (1, 2, 3, 4)] == [
        ("8", 0.99, True), ("0", 0.99, True), ("6", 0.4, True), ("5", 0.99, True)]
    assert [c.text for c in grid.own_cells(0)] == ["", "", "", "", ""]  # the row above: blank, no ink


def test_a_batch_gives_a_scanned_file_more_time_for_each_page_it_ocrs(page: Any, tmp_path: Path) -> None:
    # OCR costs seconds a page: one budget for every file would fail each long scan. A worker tells its
    # parent when the reader starts a page, and the file's deadline moves by --ocr-page-seconds.
    import json

    from giextract.batch import run_batch
    from giextract.workers import Budget

    scan = tmp_path / "scan.png"
    page.save(scan)
    records = {}
    for per_page in (60.0, 0.0):
        out = tmp_path / f"r{per_page:g}.jsonl"
        run_batch([str(scan)], out, jobs=1, quiet=True, budget=Budget(timeout=0.3, memory=16 << 30, ocr_page=per_page))
        records[per_page] = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    read = records[60.0][0]
    assert not read["errors"] and read["active_disclosure"]["art20_1"]["regulations"]["in_force"]["value"] == 11
    assert [e["stage"] for e in records[0.0][0]["errors"]] == ["budget"]  # without the page allowance
    assert "--ocr-page-seconds" in records[0.0][0]["errors"][0]["message"]
