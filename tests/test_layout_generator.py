"""The layout generator: deterministic per seed, each layout has its defining property, and what a file
prints is its truth (every printed truth number reads back from the file)."""
from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest

from giextract.evaluation.gold import load
from giextract.evaluation.layouts import LAYOUTS, has_tables, render
from giextract.evaluation.layouts.document import fmt_number
from giextract.templates.tables import RESULT_ROWS

GOLD = Path("eval/gold")
G2019 = load(GOLD / "seed_000_22f1b762bef24d9e.json")  # n/a cells, negative changes, money
G2021 = load(GOLD / "009_pingtan-zone-2021.json")      # ambiguous run-on cells
G2021_SINGLE_OTHER = load(GOLD / "002_huaian-hongze-district-2023.json")  # a 2019-style （六） row
GLEGACY = load(GOLD / "014_pingtan-zone-2018.json")    # 统计表 with 历年累计
NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def _is_number(text: str) -> bool:
    return bool(NUMBER.fullmatch(text.strip()))


def _printed_numbers(truth: dict) -> list[str]:
    return [fmt_number(v) for v in truth.values() if isinstance(v, (int, float))]


def _html_cells(data: bytes) -> list[str]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(data, "html.parser")
    report_tables = [t for t in soup.find_all("table") if "xxgk-meta" not in (t.get("class") or [])]
    return [td.get_text("").replace("\xa0", "").strip() for t in report_tables for td in t.find_all("td")]


def _docx_cells(data: bytes) -> list[str]:
    import docx

    out = []
    for table in docx.Document(io.BytesIO(data)).tables:
        for row in table.rows:
            seen: set = set()
            for cell in row.cells:
                if id(cell._tc) in seen:
                    continue
                seen.add(id(cell._tc))
                out.append(cell.text)
    return out


def _pdf_text(data: bytes) -> str:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages)


def _read_back(layout: str, data: bytes) -> str:
    if layout.startswith("html"):
        return "\n".join(_html_cells(data))
    if layout == "docx":
        return "\n".join(_docx_cells(data))
    if layout.startswith("pdf"):
        return _pdf_text(data)
    return data.decode("utf-8")


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_same_seed_same_bytes_other_seed_other_noise(layout: str) -> None:
    a, b = render(G2021, layout, 3), render(G2021, layout, 3)
    assert a.data == b.data and a.truth == b.truth
    others = {render(G2021, layout, s).data for s in range(4)}
    if layout not in ("docx", "pdf_ruled", "html_official", "tab_separated", "pipe_rows", "cell_per_line", "run_on"):
        assert len(others) > 1, "the seed draws no noise in this layout"


@pytest.mark.parametrize("layout", list(LAYOUTS))
@pytest.mark.parametrize("gold", [G2019, G2021, G2021_SINGLE_OTHER, GLEGACY], ids=["2019", "2021", "2021-single-other", "legacy"])
def test_every_printed_number_reads_back(layout: str, gold: dict) -> None:
    rendered = render(gold, layout, 1)
    text = _read_back(layout, rendered.data)
    for number in _printed_numbers(rendered.truth):
        assert number in text, (layout, number)


@pytest.mark.parametrize("layout", ["html_official", "html_word", "docx"])
def test_cell_layouts_print_the_truth_cell_by_cell(layout: str) -> None:
    for gold in (G2019, G2021, GLEGACY):
        rendered = render(gold, layout, 2)
        cells = _html_cells(rendered.data) if layout.startswith("html") else _docx_cells(rendered.data)
        assert [c for c in cells if _is_number(c)] == _printed_numbers(rendered.truth)


def test_truth_follows_the_gold() -> None:
    rendered = render(G2021, "tab_separated", 0)
    for path, value in rendered.truth.items():
        section, *rest = path.split(".")
        gold_value = G2021[section]
        for part in rest:
            gold_value = gold_value[part]
        if isinstance(gold_value, dict):  # ambiguous: one candidate printed, that is the file's truth
            assert value in gold_value["ambiguous"]
        else:
            assert value == gold_value
    na = render(G2019, "pipe_rows", 0)
    na_paths = [p for p, v in na.truth.items() if v == "n/a"]
    assert len(na_paths) == 6
    line = next(line for line in na.data.decode().splitlines() if "其他对外管理服务事项" in line)
    assert re.search("[/—]", line) and not re.search(r"\d", line)


def test_ambiguous_cells_take_one_reading_of_the_row() -> None:
    # 009 prints 行政规范性文件693665 (eval/sources): the three cells chosen are one split of that run.
    for seed in range(5):
        t = render(G2021, "pipe_rows", seed).truth
        row = [t[f"active_disclosure.art20_1.normative_documents.{c}"] for c in ("issued", "repealed", "in_force")]
        assert "".join(map(str, row)) == "693665"


def test_html_official_has_the_template_spans() -> None:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(render(G2019, "html_official", 0).data, "html.parser")
    spans = {td.get_text("").strip(): (int(td.get("rowspan", 1)), int(td.get("colspan", 1))) for td in soup("td")}
    assert spans["申请人情况"] == (1, 7)
    assert spans["法人或其他组织"] == (1, 5)
    assert spans["（三）不予公开"] == (8, 1)
    assert spans["三、本年度办理结果"] == (len(RESULT_ROWS["2019"]) + 1, 1)  # （一）…（六） and （七）总计
    assert re.search(r"<td[^>]*>本年新<br>制作数量</td>", render(G2019, "html_official", 0).data.decode())
    blanks = render(load(GOLD / "seed_001_082f890431297067.json"), "html_official", 0)  # null cells in its 统计表
    assert None in blanks.truth.values() and re.search(r"<td>&nbsp;</td>", blanks.data.decode())


def test_html_word_splits_runs_and_numbers_inside_a_crawled_page() -> None:
    from bs4 import BeautifulSoup

    data = render(G2019, "html_word", 0).data
    page = data.decode()
    for marker in ("<o:p></o:p>", "<!--[if !supportLists]-->", "<script", "<style", "xxgk-meta", "当前位置"):
        assert marker in page
    soup = BeautifulSoup(data, "html.parser")
    split = [td for td in soup("td") if len([s for s in td.strings if s.strip()]) > 1 and _is_number(td.get_text(""))]
    assert split, "no number is split across tags"


def test_docx_has_merged_cells() -> None:
    xml = zipfile.ZipFile(io.BytesIO(render(G2019, "docx", 0).data)).read("word/document.xml").decode()
    assert 'w:gridSpan w:val="7"' in xml and "w:vMerge" in xml


def _stream_jumps(data: bytes) -> int:
    """Jumps back up the page of more than 300pt between consecutive characters of the text layer (more than
    the half-height of the tallest merged cell, whose text sits in its middle)."""
    import pdfplumber

    jumps = 0
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            tops = [c["top"] for c in page.chars]
            jumps += sum(1 for a, b in zip(tops, tops[1:]) if b < a - 300)
    return jumps


def test_pdfs_carry_chinese_text_and_the_shuffled_one_is_out_of_order() -> None:
    import pdfplumber
    import pypdfium2

    ruled, shuffled = render(G2019, "pdf_ruled", 0).data, render(G2019, "pdf_shuffled", 0).data
    for data in (ruled, shuffled):
        assert "收到和处理政府信息公开申请情况" in _pdf_text(data)
        doc = pypdfium2.PdfDocument(data)
        assert "予以公开" in "".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
    with pdfplumber.open(io.BytesIO(ruled)) as pdf:
        assert sum(len(p.find_tables()) for p in pdf.pages) >= 3
    assert _stream_jumps(ruled) == 0
    assert _stream_jumps(shuffled) > 5


def test_markdown_is_a_table_in_pieces() -> None:
    lines = render(G2019, "markdown_pdf", 0).data.decode().splitlines()
    assert sum(1 for line in lines if re.fullmatch(r"\|(---\|)+", line)) >= 4
    pipes = [i for i, line in enumerate(lines) if line.startswith("|")]
    footers = [i for i, line in enumerate(lines) if re.fullmatch(r"— \d+ —", line)]
    assert any(pipes[0] < i < pipes[-1] for i in footers)
    assert sum(1 for line in lines if line.startswith("## 表")) >= 3


def test_text_layouts() -> None:
    run_on = render(G2019, "run_on", 0).data.decode()
    assert "规范性文件111" in run_on and "行政许可3652-393613" in run_on
    per_line = render(G2019, "cell_per_line", 0).data.decode().splitlines()
    assert "3652" in per_line and "-39" in per_line
    assert "\t3652\t-39\t3613" in render(G2019, "tab_separated", 0).data.decode()


def test_blanks_layout_blanks_all_zero_rows_and_says_so_in_the_truth() -> None:
    rendered = render(G2019, "blanks", 0)
    blanked = [p for p, v in rendered.truth.items() if v is None]
    assert "applications.carried_over.total" in blanked
    line = next(line for line in rendered.data.decode().splitlines() if "上年结转" in line)
    assert not re.search(r"\d", line)


def test_headings_layout_breaks_the_headings_and_varies_labels() -> None:
    canon = ["一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
             "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项"]
    singles = 0
    for seed in range(6):
        rendered = render(G2021, "headings", seed)
        text = rendered.data.decode()
        assert sum(h in text for h in canon) <= 3
        singles += "applications.other_handling.total" in rendered.truth and "逾期不补正" not in text
    assert 0 < singles < 6  # the 2019-style （六）其他处理 row in a 2021 report, in some seeds
    assert "applications.other_handling.total" in render(G2021_SINGLE_OTHER, "tab_separated", 0).truth


def test_unknown_layout_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown layout"):
        render(G2019, "fax", 0)


def test_which_reports_have_tables() -> None:
    assert has_tables(G2019) and has_tables(GLEGACY)
    assert not has_tables(load(GOLD / "015_beijing-dongcheng-education-2008_partial.json"))
