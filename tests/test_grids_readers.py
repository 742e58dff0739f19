"""Structured readers build grids: HTML (official-template table 三 with its rowspans/colspans, a Word
export inside a crawled page), .docx with merged cells, PDF made with reportlab. Values are the data the
inputs are built from; hostile inputs run in a subprocess with a memory cap and a timeout."""
from __future__ import annotations

import random
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import giextract
from giextract.core.grid import Grid
from giextract.grids.html import read_html
from giextract.ingest.documents import read_document
from giextract.templates.tables import APPLICATION_COLUMNS, APPLICATIONS_2021, REVIEW_COLUMNS, REVIEW_GROUPS

ROWS = APPLICATIONS_2021.rows  # 22 rows under 三、本年度办理结果 + 4 around them
GROUPS = {"denied_state_secret": ("（三）不予公开", 8), "unavailable_not_held": ("（四）无法提供", 3),
          "not_processed_complaint": ("（五）不予处理", 5), "other_no_correction": ("（六）其他处理", 3)}


def table_three_values(seed: int) -> dict[str, list[int]]:
    """Per row, the six applicant columns and their total, consistent with the table's equations."""
    rnd = random.Random(seed)
    values = {r.key: [rnd.choice([0, 0, 1, 2, 3, 12]) for _ in range(6)] for r in ROWS}
    results = [r.key for r in ROWS[2:-2]]
    for col in range(6):
        values["results_total"][col] = sum(values[k][col] for k in results)
        values["new_received"][col] = values["results_total"][col] + values["carried_forward"][col] - values["carried_over"][col]
        if values["new_received"][col] < 0:
            values["carried_forward"][col] -= values["new_received"][col]
            values["new_received"][col] = 0
    return {k: v + [sum(v)] for k, v in values.items()}


def _label(row) -> str:  # type: ignore[no-untyped-def]
    return row.ordinal + row.label


def _run(text: str, word: bool) -> str:
    """Word splits a cell's text into runs; each run in its own span, with <o:p> at the end."""
    if not word:
        return text
    pieces = [text[i:i + 2] for i in range(0, len(text), 2)] or [""]
    return "".join(f"<span lang=EN-US style='font-size:10.0pt;font-family:宋体'>{p}</span>" for p in pieces) + "<o:p></o:p>"


def _td(text: str, word: bool, **attrs: int) -> str:
    a = "".join(f" {k}={v}" for k, v in attrs.items())
    body = _run(text, word) if text else "&nbsp;"
    return f"<td{a}><p class=MsoNormal align=center>{body}</p></td>" if word else f"<td{a}>{body}</td>"


def table_three_html(values: dict[str, list[int]], word: bool = False, blank_totals: bool = False) -> str:
    head = ("<tr>" + _td("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", word, colspan=3, rowspan=3)
            + "<td colspan=7>申请人情况</td></tr>"
            "<tr><td rowspan=2>自然人</td><td colspan=5>法人或其他组织</td><td rowspan=2>总计</td></tr>"
            "<tr><td>商业<br>企业</td><td>科研<br>机构</td><td>社会<br>公益<br>组织</td><td>法律<br>服务<br>机构</td>"
            "<td>其他</td></tr>")
    body = []
    for i, row in enumerate(ROWS):
        nums = [str(v) for v in values[row.key]]
        if blank_totals and row.key not in ("new_received", "results_total"):
            nums[-1] = ""
        cells = "".join(_td(n, word) for n in nums)
        if row.key in ("new_received", "carried_over", "carried_forward"):
            label = _td(_label(row), word, colspan=3)
        elif row.key in ("granted", "partially_granted", "results_total"):
            label = _td(_label(row), word, colspan=2)
        else:
            group = GROUPS.get(row.key)
            label = (_td(group[0], word, rowspan=group[1]) if group else "") + _td(_label(row), word)
        if row.key == "granted":
            label = _td("三、本年度办理结果", word, rowspan=22) + label
        body.append(f"<tr>{label}{cells}</tr>")
    return "<table border=1 cellspacing=0>" + head + "".join(body) + "</table>"


def review_values(seed: int) -> dict[str, list[int]]:
    rnd = random.Random(seed)
    out = {}
    for g in REVIEW_GROUPS:
        v = [rnd.choice([0, 1, 2, 5]) for _ in range(4)]
        out[g] = v + [sum(v)]
    return out


def table_four_html(values: dict[str, list[int]], word: bool = False) -> str:
    labels = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
    return ("<table border=1><tr>" + _td("行政复议", word, colspan=5) + _td("行政诉讼", word, colspan=10) + "</tr><tr>"
            + "".join(_td(x, word, rowspan=2) for x in labels) + _td("未经复议直接起诉", word, colspan=5)
            + _td("复议后起诉", word, colspan=5) + "</tr><tr>" + "".join(_td(x, word) for x in labels * 2) + "</tr><tr>"
            + "".join(_td(str(n), word) for g in REVIEW_GROUPS for n in values[g]) + "</tr></table>")


def report_body(values: dict[str, list[int]], review: dict[str, list[int]], word: bool = False,
                blank_totals: bool = False) -> str:
    p = (lambda t: f"<p class=MsoNormal>{_run(t, True)}</p>") if word else (lambda t: f"<p>{t}</p>")
    return (p("某某市人民政府办公室2023年政府信息公开工作年度报告") + p("一、总体情况")
            + p("本机关认真贯彻落实《中华人民共和国政府信息公开条例》，全年主动公开政府信息。")
            + p("二、主动公开政府信息情况")
            + "<table><tr><td colspan=4>第二十条第（一）项</td></tr><tr><td>信息内容</td><td>本年制发件数</td>"
              "<td>本年废止件数</td><td>现行有效件数</td></tr><tr><td>规章</td><td>0</td><td>0</td><td>3</td></tr></table>"
            + p("三、收到和处理政府信息公开申请情况") + table_three_html(values, word, blank_totals)
            + p("四、政府信息公开行政复议、行政诉讼情况") + table_four_html(review, word)
            + p("五、存在的主要问题及改进情况") + p("一是公开内容不够全面。下一步，我们将加强培训。")
            + p("六、其他需要报告的事项") + p("本年度未收取信息处理费。"))


def crawled_page(body: str) -> str:
    """A government site page around the report: chrome, a metadata table, scripts, styles, comments,
    and a layout table holding the content (which itself holds the data tables)."""
    return ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>年度报告</title>"
            "<style>td{border:1px solid} .x{}</style><script>var s='三、收到和处理政府信息公开申请情况 99 99';</script>"
            "<!--[if gte mso 9]><xml><o:DocumentProperties><o:Words>9999</o:Words></o:DocumentProperties></xml><![endif]-->"
            "</head><body><div class=nav><a href=/>首页</a> &gt; <a>政府信息公开</a> &gt; <a>年度报告</a></div>"
            "<table class=layout width=1000><tr><td width=200><ul><li>机构概况</li><li>政策文件</li></ul></td><td>"
            "<table class=meta><tr><td>索引号：</td><td>11320800-2024-00012</td><td>发布机构：</td><td>市政府办公室</td></tr>"
            "<tr><td>发布日期：</td><td>2024-01-20</td><td>分类：</td><td>年度报告</td></tr></table>"
            "<div class=WordSection1>" + body + "</div><script>document.write('<p>4444</p>')</script>"
            "<!-- 统计代码 --></td></tr></table><div class=footer>版权所有 网站标识码3208000001</div>"
            "<div style='display:none'>一、本年新收政府信息公开申请数量 777</div></body></html>")


def _check_spans(text: str, grids: list[Grid]) -> None:
    for grid in grids:
        for cell in grid.cells:
            assert cell.span is not None and text[cell.span[0]:cell.span[1]] == cell.text, cell


def _table_three(grids: list[Grid]) -> Grid:
    return next(g for g in grids if any(c.text == "申请人情况" for c in g.cells))


def test_html_official_table_three_geometry() -> None:
    values = table_three_values(1)
    text, grids = read_html(("<html><body>" + table_three_html(values) + "</body></html>").encode())
    grid = _table_three(grids)
    _check_spans(text, grids)
    assert (grid.n_rows, grid.n_cols) == (3 + len(ROWS), 10)
    head = grid.at(0, 3)
    assert head and head.text == "申请人情况" and (head.col_span, head.row_span) == (7, 1)
    org = grid.at(1, 4)
    assert org and org.text == "法人或其他组织" and (org.col, org.col_span) == (4, 5)
    assert grid.at(2, 6).text == "社会公益组织"  # <br> lines joined without spaces
    results = grid.at(5, 0)
    assert results and results.text == "三、本年度办理结果" and results.row_span == 22
    assert grid.at(26, 0) is results and grid.at(27, 0).text == "四、结转下年度继续办理"
    denied = grid.at(7, 1)
    assert denied.text == "（三）不予公开" and denied.row_span == 8 and grid.at(14, 1) is denied
    for i, row in enumerate(ROWS):
        assert [grid.at(3 + i, c).text for c in range(3, 10)] == [str(v) for v in values[row.key]], row.key


def test_html_text_rendering_keeps_every_column() -> None:
    values = table_three_values(2)
    text, grids = read_html(("<table>" + table_three_html(values, blank_totals=True)[len("<table border=1 cellspacing=0>"):])
                            .encode())
    lines = text.splitlines()
    grid = _table_three(grids)
    assert len(lines) == grid.n_rows and all(line.count("|") == grid.n_cols + 1 for line in lines)
    secret = next(line for line in lines if "1.属于国家秘密" in line)
    nums = values["denied_state_secret"]
    assert secret == "|  | （三）不予公开 | 1.属于国家秘密 | " + " | ".join(map(str, nums[:6])) + " |  |"
    after = lines[lines.index(secret) + 1]
    assert "不予公开" not in after and after.startswith("|  |  | 2.其他法律行政法规禁止公开 |")
    assert lines[0].count("申请人情况") == 1


def test_html_blank_cells_are_cells() -> None:
    text, grids = read_html("<table><tr><td>a</td><td>&nbsp;</td><td> </td></tr><tr><td>1</td><td></td><td>3</td></tr></table>".encode())
    (grid,) = grids
    assert [c.text for c in grid.own_cells(0)] == ["a", "", ""] and grid.at(1, 1).blank
    assert text == "| a |  |  |\n| 1 |  | 3 |"
    _check_spans(text, grids)


def test_html_colspans_not_lining_up_and_overlaps_are_placed() -> None:
    html = ("<table><tr><td colspan=2>h</td><td>x</td></tr>"
            "<tr><td>g</td><td rowspan=2>v</td><td>2</td></tr>"
            "<tr><td colspan=3>wide</td><td>4</td></tr></table>")  # the source's own error: wide overlaps v
    text, grids = read_html(html.encode())
    (grid,) = grids
    wide = grid.at(2, 0)
    assert wide.text == "wide" and wide.col_span == 1 and grid.at(2, 1).text == "v" and grid.at(2, 2).text == "4"
    assert grid.at(0, 1) is grid.at(0, 0) and grid.at(0, 2).text == "x"
    _check_spans(text, grids)
    assert text.splitlines()[2] == "| wide |  | 4 |"


def test_word_export_in_crawled_page() -> None:
    values, review = table_three_values(3), review_values(3)
    page = crawled_page(report_body(values, review, word=True))
    text, grids = read_html(page.encode("utf-8"))
    _check_spans(text, grids)
    assert "var s" not in text and "9999" not in text and "4444" not in text and "777" not in text
    assert "统计代码" not in text
    grid = _table_three(grids)
    assert grid.at(3, 0).text == "一、本年新收政府信息公开申请数量"
    assert [grid.at(3, c).text for c in range(3, 10)] == [str(v) for v in values["new_received"]]
    meta = next(g for g in grids if g.at(0, 0) and g.at(0, 0).text == "索引号：")
    assert meta.at(0, 1).text == "11320800-2024-00012"
    assert "版权所有" in text.splitlines()[-1]  # the layout table did not swallow what comes after it
    assert not any(g.n_cols == 2 and g.at(0, 1) and "索引号" in g.at(0, 1).text for g in grids)


def test_runs_join_inside_a_cell() -> None:
    html = ("<table><tr><td><p class=MsoNormal><span lang=EN-US>1</span><span\nlang=EN-US>2<o:p></o:p></span></p></td>"
            "<td><font>本年新收</font><font>政府信息\n公开申请</font></td></tr></table>")
    _, grids = read_html(html.encode())
    assert [c.text for c in grids[0].cells] == ["12", "本年新收政府信息公开申请"]


def _html_report(tmp_path: Path, page: str, name: str = "report.html") -> Path:
    path = tmp_path / name
    path.write_text(page, encoding="utf-8")
    return path


def _assert_tables(report: giextract.Report, values: dict[str, list[int]], review: dict[str, list[int]],
                   skip_total: bool = False) -> None:
    for row in ROWS:
        for col, v in zip(APPLICATION_COLUMNS, values[row.key]):
            if skip_total and col == "total":
                continue
            cell = report.applications[row.key][col]
            assert (cell.status, cell.value) == ("ok", v), (row.key, col)
    for g in REVIEW_GROUPS:
        assert [report.review_litigation[g][c].value for c in REVIEW_COLUMNS] == review[g], g


@pytest.mark.parametrize("word, encoding", [(False, "utf-8"), (True, "utf-8"), (True, "gb2312")])
def test_extract_reads_html_tables(tmp_path: Path, word: bool, encoding: str) -> None:
    values, review = table_three_values(4), review_values(4)
    page = crawled_page(report_body(values, review, word=word)).replace("charset='utf-8'", f"charset='{encoding}'")
    path = tmp_path / "report.htm"
    path.write_bytes(page.encode("gb18030" if encoding == "gb2312" else encoding))
    report = giextract.extract(path)
    assert report.source.extracted_with.startswith("beautifulsoup4")
    _assert_tables(report, values, review)


def test_blank_total_column_is_never_a_wrong_number(tmp_path: Path) -> None:
    values, review = table_three_values(5), review_values(5)
    path = _html_report(tmp_path, crawled_page(report_body(values, review, blank_totals=True)))
    report = giextract.extract(path)
    _assert_tables(report, values, review, skip_total=True)
    for row in ROWS:
        cell = report.applications[row.key]["total"]
        assert cell.value in (None, values[row.key][6]), row.key


def test_docx_merged_cells_are_one_grid_cell(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("三、收到和处理政府信息公开申请情况")
    table = document.add_table(rows=6, cols=5)
    table.cell(0, 0).merge(table.cell(1, 1)).text = "申请人情况表头"
    table.cell(0, 2).merge(table.cell(0, 4)).text = "法人或其他组织"
    table.cell(2, 0).merge(table.cell(5, 0)).text = "（三）不予公开"
    for r in range(1, 6):
        for c in range(2, 5):
            table.cell(r, c).text = str(r * 10 + c)
    for r in range(2, 6):
        table.cell(r, 1).text = f"{r - 1}.第{r}行\n续"
    document.add_paragraph("四、政府信息公开行政复议、行政诉讼情况")
    path = tmp_path / "merged.docx"
    document.save(str(path))
    read = read_document(path)
    (grid,) = read.grids
    _check_spans(read.text, read.grids)
    corner = grid.at(1, 1)
    assert corner.text == "申请人情况表头" and (corner.row, corner.col, corner.row_span, corner.col_span) == (0, 0, 2, 2)
    assert grid.at(0, 3) is grid.at(0, 2) and grid.at(0, 2).col_span == 3
    group = grid.at(4, 0)
    assert group.text == "（三）不予公开" and (group.row, group.row_span) == (2, 4)
    assert grid.at(3, 1).text == "2.第3行续" and grid.at(5, 4).text == "54"
    lines = read.text.splitlines()
    assert lines[0] == "三、收到和处理政府信息公开申请情况" and lines[-1].startswith("四、")
    assert "|  | 4.第5行续 | 52 | 53 | 54 |" in lines


def _font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    return "STSong-Light"


def report_pdf(path: Path, values: dict[str, list[int]], review: dict[str, list[int]]) -> None:
    """Table 三 and 四 drawn as ruled tables (reportlab platypus), headings as paragraphs."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

    font = _font()
    style = ParagraphStyle("zh", fontName=font, fontSize=10, leading=14)
    cell = ParagraphStyle("cell", fontName=font, fontSize=6, leading=8)
    grid_style = TableStyle([("GRID", (0, 0), (-1, -1), 0.5, "black"), ("FONT", (0, 0), (-1, -1), font, 6)])
    rows3 = [["", "", "", "申请人情况", "", "", "", "", "", ""],
             ["", "", "", "自然人", "法人或其他组织", "", "", "", "", "总计"],
             ["", "", "", "", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", ""]]
    spans = [("SPAN", (0, 0), (2, 2)), ("SPAN", (3, 0), (9, 0)), ("SPAN", (4, 1), (8, 1)), ("SPAN", (3, 1), (3, 2)),
             ("SPAN", (9, 1), (9, 2))]
    for i, row in enumerate(ROWS):
        r = 3 + i
        nums = [str(v) for v in values[row.key]]
        label = Paragraph(_label(row), cell)
        if row.key in ("new_received", "carried_over", "carried_forward"):
            rows3.append([label, "", ""] + nums)
            spans.append(("SPAN", (0, r), (2, r)))
        elif row.key in ("granted", "partially_granted", "results_total"):
            rows3.append(["", label, ""] + nums)
            spans.append(("SPAN", (1, r), (2, r)))
        else:
            group = GROUPS.get(row.key)
            rows3.append(["", Paragraph(group[0], cell) if group else "", label] + nums)
            if group:
                spans.append(("SPAN", (1, r), (1, r + group[1] - 1)))
    rows3[5][0] = Paragraph("三、本年度办理结果", cell)
    spans.append(("SPAN", (0, 5), (0, 26)))
    widths = [40, 60, 140] + [30] * 7
    table3 = Table(rows3, colWidths=widths, style=TableStyle(list(grid_style.getCommands()) + spans))
    labels = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
    rows4 = [["行政复议", "", "", "", "", "行政诉讼"] + [""] * 9,
             labels + ["未经复议直接起诉", "", "", "", "", "复议后起诉", "", "", "", ""],
             [""] * 5 + labels * 2,
             [str(n) for g in REVIEW_GROUPS for n in review[g]]]
    spans4 = [("SPAN", (0, 0), (4, 0)), ("SPAN", (5, 0), (14, 0)), ("SPAN", (5, 1), (9, 1)), ("SPAN", (10, 1), (14, 1))] \
        + [("SPAN", (c, 1), (c, 2)) for c in range(5)]
    table4 = Table(rows4, colWidths=[33] * 15, style=TableStyle(list(grid_style.getCommands()) + spans4))
    story = [Paragraph(t, style) for t in ("某某县人民政府2023年政府信息公开工作年度报告", "一、总体情况",
                                            "本机关认真贯彻落实政府信息公开条例。", "二、主动公开政府信息情况",
                                            "本年制发规章0件。", "三、收到和处理政府信息公开申请情况")]
    story += [table3, Paragraph("四、政府信息公开行政复议、行政诉讼情况", style), table4]
    story += [Paragraph(t, style) for t in ("五、存在的主要问题及改进情况", "一是公开不够全面。", "六、其他需要报告的事项", "无。")]
    SimpleDocTemplate(str(path), pagesize=A4).build(story)


def test_pdf_chinese_text_comes_back_through_pypdfium2(tmp_path: Path) -> None:
    from reportlab.pdfgen import canvas

    _font()
    path = tmp_path / "zh.pdf"
    c = canvas.Canvas(str(path))
    c.setFont("STSong-Light", 12)
    c.drawString(72, 720, "一、总体情况 本年新收政府信息公开申请数量12件")
    c.line(72, 700, 520, 700)  # a header rule: not a table, so pdfplumber is not needed for this page
    c.save()
    read = read_document(path)
    assert "一、总体情况 本年新收政府信息公开申请数量12件" in read.text
    assert read.how.startswith("pypdfium2") and "pdfplumber" not in read.how and read.grids == []


def _two_page_ruled(path: Path, in_form: bool = False) -> None:
    """Page 1 a heading; page 2 a 2 x 2 ruled table (its rules drawn on the page, or inside a form XObject)."""
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path))
    c.setFont(_font(), 10)
    c.drawString(72, 760, "二、主动公开政府信息情况")
    c.showPage()
    if in_form:
        c.beginForm("rules")
    for y in (700, 680, 660):
        c.line(72, y, 372, y)
    for x in (72, 222, 372):
        c.line(x, 660, x, 700)
    if in_form:
        c.endForm()
        c.doForm("rules")
    c.setFont(_font(), 10)
    for x, y, t in ((80, 686, "规章"), (230, 686, "7"), (80, 666, "规范性文件"), (230, 666, "12")):
        c.drawString(x, y, t)
    c.save()


def test_pdf_page_with_a_ruled_table_is_read_from_its_paths(tmp_path: Path) -> None:
    path = tmp_path / "ruled.pdf"
    _two_page_ruled(path)
    read = read_document(path)
    assert "pdfplumber" not in read.how and "ruled tables on 1 of 2 pages" in read.how
    (grid,) = read.grids
    assert grid.page == 2 and [[c.text for c in grid.own_cells(r)] for r in range(2)] == [["规章", "7"], ["规范性文件", "12"]]
    assert read.text.splitlines() == ["二、主动公开政府信息情况", "| 规章 | 7 |", "| 规范性文件 | 12 |"]
    _check_spans(read.text, read.grids)


def test_pdf_rules_inside_a_form_xobject_go_to_pdfplumber(tmp_path: Path) -> None:
    path = tmp_path / "form.pdf"
    _two_page_ruled(path, in_form=True)
    read = read_document(path)
    assert "pdfplumber" in read.how and "for 1 of 2 pages" in read.how and "ruled tables on 1 of 2 pages" in read.how
    (grid,) = read.grids
    assert grid.page == 2 and [[c.text for c in grid.own_cells(r)] for r in range(2)] == [["规章", "7"], ["规范性文件", "12"]]
    assert read.text.splitlines() == ["二、主动公开政府信息情况", "| 规章 | 7 |", "| 规范性文件 | 12 |"]


def test_pdf_table_finder_failing_on_a_page_hands_it_to_pdfplumber(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import giextract.grids.pdf as pdf

    def broken(page, paths):  # type: ignore[no-untyped-def]
        raise ValueError("path data this reader does not understand")

    monkeypatch.setattr(pdf, "find_tables", broken)
    path = tmp_path / "ruled.pdf"
    _two_page_ruled(path)
    read = read_document(path)
    assert "pdfplumber" in read.how and "for 1 of 2 pages" in read.how
    (grid,) = read.grids
    assert [[c.text for c in grid.own_cells(r)] for r in range(2)] == [["规章", "7"], ["规范性文件", "12"]]


_ORDERED = ["某某县人民政府2023年政府信息公开工作年度报告", "一、总体情况", "本机关认真贯彻落实政府信息公开条例。",
            "二、主动公开政府信息情况"]
_TABLE = [["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"], ["规章", "3", "0", "14"],
          ["行政规范性文件", "21", "5", "130"]]
_AFTER = ["三、收到和处理政府信息公开申请情况", "本年新收政府信息公开申请 12 件。"]


def _shuffled_pdf(path: Path, ruled: bool) -> None:
    """A page drawn out of reading order: the footer first, then the paragraphs after the table, the
    table's cells column by column from the bottom row up, and the opening paragraphs last to first."""
    from reportlab.pdfgen import canvas

    font = _font()
    c = canvas.Canvas(str(path))
    c.setFont(font, 10)
    c.drawString(290, 40, "- 1 -")
    for i, text in enumerate(_AFTER):
        c.drawString(72, 600 - 18 * i, text)
    xs, top, height = [72, 200, 290, 380, 470], 700, 20
    if ruled:
        for r in range(len(_TABLE) + 1):
            c.line(xs[0], top - r * height, xs[-1], top - r * height)
        for x in xs:
            c.line(x, top, x, top - len(_TABLE) * height)
    c.setFont(font, 9)
    for col in range(4):
        for row in reversed(range(len(_TABLE))):
            c.drawString(xs[col] + 4, top - row * height - 14, _TABLE[row][col])
    c.setFont(font, 10)
    for i, text in reversed(list(enumerate(_ORDERED))):
        c.drawString(72, 790 - 22 * i, text)
    c.save()


def test_pdf_text_drawn_out_of_order_reads_in_reading_order(tmp_path: Path) -> None:
    path = tmp_path / "shuffled.pdf"
    _shuffled_pdf(path, ruled=False)
    read = read_document(path)
    assert read.text.splitlines() == _ORDERED + [" ".join(row) for row in _TABLE] + _AFTER + ["- 1 -"]
    assert read.grids == [] and "pdfplumber" not in read.how


def test_pdf_ruled_table_drawn_out_of_order_keeps_cells_and_spans(tmp_path: Path) -> None:
    path = tmp_path / "shuffled_ruled.pdf"
    _shuffled_pdf(path, ruled=True)
    read = read_document(path)
    rows = ["| " + " | ".join(row) + " |" for row in _TABLE]
    assert read.text.splitlines() == _ORDERED + rows + _AFTER + ["- 1 -"]
    (grid,) = read.grids
    assert [[c.text for c in grid.own_cells(r)] for r in range(grid.n_rows)] == _TABLE
    _check_spans(read.text, read.grids)
    report = giextract.extract(path)
    art20_1 = report.active_disclosure["art20_1"]
    for key, row in (("regulations", _TABLE[1]), ("normative_documents", _TABLE[2])):
        cells = [art20_1[key][k] for k in ("issued", "repealed", "in_force")]
        assert [c.value for c in cells] == [int(v) for v in row[1:]] and {c.status for c in cells} == {"ok"}
        assert [read.text[c.span[0]:c.span[1]] for c in cells] == row[1:]


def test_pdf_ruled_tables_become_grids_with_pages(tmp_path: Path) -> None:
    values, review = table_three_values(6), review_values(6)
    path = tmp_path / "report.pdf"
    report_pdf(path, values, review)
    read = read_document(path)
    _check_spans(read.text, read.grids)
    grid = _table_three(read.grids)
    assert grid.page == 1 and (grid.n_rows, grid.n_cols) == (3 + len(ROWS), 10)
    assert grid.at(0, 3).col_span == 7 and grid.at(7, 1).text == "（三）不予公开" and grid.at(7, 1).row_span == 8
    assert [grid.at(3, c).text for c in range(3, 10)] == [str(v) for v in values["new_received"]]
    report = giextract.extract(path)
    _assert_tables(report, values, review)


# ---- hostile inputs: each in a subprocess with a memory cap and a timeout ----

def _hostile(build: str, tmp_path: Path, timeout: float = 120, memory_mb: int = 1500) -> str:
    """Build a file with ``build`` (Python code given ``path``), then extract it in a capped process;
    returns what the process printed (the InputError message, or 'OK' plus findings)."""
    script = textwrap.dedent(f"""
        import resource, sys
        from pathlib import Path
        resource.setrlimit(resource.RLIMIT_AS, ({memory_mb} << 20, {memory_mb} << 20))
        path = Path(sys.argv[1])
        {build}
        import giextract
        from giextract.ingest.decode import InputError
        try:
            report = giextract.extract(path)
        except InputError as exc:
            print("InputError:", exc)
        else:
            print("OK", [f.message for f in report.findings if f.rule == "truncated"])
    """)
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path / "input")], capture_output=True, text=True,
                          timeout=timeout, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip()


def _named(path_suffix: str) -> str:
    return f"path = path.with_suffix({path_suffix!r})\n        "


def test_deep_html_is_refused(tmp_path: Path) -> None:
    out = _hostile(_named(".html") + "path.write_text('<html><body>' + '<div>' * 100_000 + 'x' + '</div>' * 100_000)",
                   tmp_path, timeout=60)
    assert out.startswith("InputError: HTML nested more than 1000 elements deep")


def test_huge_html_is_refused(tmp_path: Path) -> None:
    out = _hostile(_named(".html") + "path.write_bytes(b'<p>' + '政府信息公开'.encode() * 500_000)", tmp_path)
    assert out.startswith("InputError: HTML file is") and "the limit is" in out


def test_html_of_too_many_elements_is_refused(tmp_path: Path) -> None:
    out = _hostile(_named(".html") + "path.write_bytes(b'<html><body>' + b'<p>x</p>' * 900_000)", tmp_path,
                   memory_mb=800)
    assert out == "InputError: HTML has more than 400,000 elements: not one report page"


def test_html_table_of_huge_spans_is_refused(tmp_path: Path) -> None:
    build = _named(".html") + "path.write_text('<table>' + '<tr><td colspan=200 rowspan=9999>x</td><td colspan=200>y</td></tr>' * 2_000 + '</table>')"
    out = _hostile(build, tmp_path, memory_mb=1000)
    assert out.startswith("InputError: a table spans more than 200,000 row × column positions")


def test_zip_bomb_docx_is_refused_before_decompressing(tmp_path: Path) -> None:
    build = _named(".docx") + textwrap.dedent("""\
        import zipfile
        with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED) as z:
            z.writestr('[Content_Types].xml', '<Types/>')
            with z.open('word/document.xml', 'w', force_zip64=True) as f:
                block = b'\\0' * (1 << 24)
                for _ in range(16):  # 256 MiB of zeros in ~260 kB: past the cap, and past the memory limit if opened
                    f.write(block)
        """).replace("\n", "\n        ")
    out = _hostile(build, tmp_path, memory_mb=600)
    assert out.startswith("InputError: unreadable .docx: it would expand to 268,435,") and "zip bomb" in out


def test_docx_table_with_absurd_grid_span_is_refused(tmp_path: Path) -> None:
    build = _named(".docx") + textwrap.dedent("""\
        import docx
        from docx.oxml.ns import qn
        document = docx.Document()
        table = document.add_table(rows=400, cols=1)
        for row in table.rows:
            row.cells[0]._tc.get_or_add_tcPr().get_or_add_gridSpan().set(qn('w:val'), '10000000')
        document.save(str(path))
        """).replace("\n", "\n        ")
    out = _hostile(build, tmp_path, timeout=60)
    assert out == ("InputError: unreadable .docx table: 400 rows × 10,000,000 columns is beyond the 200,000 "
                   "positions a report table can have")


def test_docx_with_many_entries_is_refused(tmp_path: Path) -> None:
    build = _named(".docx") + textwrap.dedent("""\
        import zipfile
        with zipfile.ZipFile(path, 'w') as z:
            for i in range(5000):
                z.writestr(f'word/media/{i}.bin', b'')
        """).replace("\n", "\n        ")
    assert _hostile(build, tmp_path).startswith("InputError: unreadable .docx: the archive holds 5,000 entries")


@pytest.mark.parametrize("content, message", [
    (b"PK\x03\x04 not really a zip", "InputError: unreadable .docx: not a ZIP archive"),
    (b"hello", "InputError: unreadable .docx: not a ZIP archive"),
])
def test_corrupt_docx_says_what_is_wrong(tmp_path: Path, content: bytes, message: str) -> None:
    assert _hostile(_named(".docx") + f"path.write_bytes({content!r})", tmp_path).startswith(message)


def test_xlsx_renamed_docx(tmp_path: Path) -> None:
    build = _named(".docx") + textwrap.dedent("""\
        import zipfile
        with zipfile.ZipFile(path, 'w') as z:
            z.writestr('xl/workbook.xml', '<workbook/>')
        """).replace("\n", "\n        ")
    assert _hostile(build, tmp_path) == ("InputError: unreadable .docx: no word/document.xml inside; "
                                         "this is an .xlsx workbook, not a Word document")


def test_password_pdf(tmp_path: Path) -> None:
    build = _named(".pdf") + textwrap.dedent("""\
        from reportlab.pdfgen import canvas
        from reportlab.lib.pdfencrypt import StandardEncryption
        c = canvas.Canvas(str(path), encrypt=StandardEncryption('user-secret', 'owner-secret'))
        c.drawString(72, 720, 'report'); c.save()
        """).replace("\n", "\n        ")
    assert _hostile(build, tmp_path) == "InputError: PDF is password-protected: it cannot be read without its password"


def test_corrupt_pdf(tmp_path: Path) -> None:
    out = _hostile(_named(".pdf") + "path.write_bytes(b'%PDF-1.7\\n' + bytes(range(256)) * 8)", tmp_path)
    assert out == "InputError: unreadable PDF: not a PDF or corrupted (PDFium error 3)"


def test_many_page_pdf_is_read_up_to_the_cap(tmp_path: Path) -> None:
    build = _named(".pdf") + textwrap.dedent("""\
        from reportlab.pdfgen import canvas
        c = canvas.Canvas(str(path))
        for i in range(1000):
            c.drawString(72, 720, f'page {i} text'); c.showPage()
        c.save()
        """).replace("\n", "\n        ")
    assert _hostile(build, tmp_path) == "OK ['the PDF has 1000 pages; only the first 300 were read']"


_CELL_TEXT = st.text(alphabet="规章文件申请公开处理结果总计0123456789（）、", min_size=1, max_size=4).filter(str.strip)


@settings(max_examples=20, deadline=None)
@given(data=st.data())
def test_pdf_random_ruled_tables_in_any_drawing_order_read_back_exactly(tmp_path_factory: pytest.TempPathFactory,
                                                                       data: st.DataObject) -> None:
    """Generated ruled tables (a title row merged across every column or not), cells drawn in a random
    order: every cell comes back in its row and column with its text, and its span points at it."""
    from reportlab.pdfgen import canvas

    n_rows, n_cols = data.draw(st.integers(2, 6)), data.draw(st.integers(2, 5))
    rows = [[data.draw(_CELL_TEXT) for _ in range(n_cols)] for _ in range(n_rows)]
    merged_title = data.draw(st.booleans())
    widths = [data.draw(st.integers(60, 100)) for _ in range(n_cols)]
    order = data.draw(st.permutations([(r, c) for r in range(n_rows) for c in range(n_cols)]))
    xs = [72 + sum(widths[:i]) for i in range(n_cols + 1)]
    top, height = 700, 20
    path = tmp_path_factory.mktemp("pdf") / "t.pdf"
    c = canvas.Canvas(str(path))
    c.setFont(_font(), 9)
    c.drawString(72, 760, "二、主动公开政府信息情况")
    for r in range(n_rows + 1):
        c.line(xs[0], top - r * height, xs[-1], top - r * height)
    for i, x in enumerate(xs):
        inner = 0 < i < n_cols
        c.line(x, top - (height if merged_title and inner else 0), x, top - n_rows * height)
    for r, col in order:
        if merged_title and r == 0 and col:
            continue
        c.drawString(xs[col] + 3, top - r * height - 14, rows[r][col])
    c.save()
    read = read_document(path)
    (grid,) = read.grids
    _check_spans(read.text, read.grids)
    expect = [[rows[0][0]]] if merged_title else []
    expect += [row for row in rows[1 if merged_title else 0:]]
    assert [[cell.text for cell in grid.own_cells(r)] for r in range(grid.n_rows)] == expect
    if merged_title:
        assert grid.at(0, 0).col_span == n_cols
    assert read.text.splitlines()[0] == "二、主动公开政府信息情况"


def test_pdf_watermark_at_an_angle_does_not_split_the_lines(tmp_path: Path) -> None:
    """Text drawn at 45 degrees across the page (drawn mid-page, before the last heading) stays one run
    after the page's lines instead of being dealt out into them by its characters' heights."""
    from reportlab.pdfgen import canvas

    font = _font()
    path = tmp_path / "watermark.pdf"
    c = canvas.Canvas(str(path))
    c.setFont(font, 12)
    c.drawString(290, 40, "- 1 -")
    for i, text in enumerate(_ORDERED[1:3]):
        c.drawString(72, 760 - 20 * i, text)
    c.saveState()
    c.translate(150, 500)
    c.rotate(45)
    c.setFont(font, 40)
    c.drawString(0, 0, "内部资料仅供参考")
    c.restoreState()
    c.setFont(font, 12)
    c.drawString(72, 700, _ORDERED[3])
    c.save()
    assert read_document(path).text.splitlines() == _ORDERED[1:] + ["- 1 -", "内部资料仅供参考"]


def test_pdf_page_of_a_dense_line_grid_is_read_as_text_in_bounded_time(tmp_path: Path) -> None:
    """300 x 300 crossing rules (90,000 crossings) and 4,500 disjoint hairlines: no report table draws
    that, so the pages are read as text; in a capped process, well within the timeout."""
    build = _named(".pdf") + textwrap.dedent("""\
        from reportlab.pdfgen import canvas
        c = canvas.Canvas(str(path), pagesize=(5000, 5000))
        c.drawString(20, 4980, 'grid page')
        for i in range(300):
            p = 10 + i * 16.3
            c.line(10, p, 4910, p); c.line(p, 10, p, 4910)
        c.showPage()
        c.drawString(20, 4980, 'hairline page')
        for i in range(4500):
            c.line(4950, 10 + i, 4960, 10 + i)
            c.line(10 + i, 4970, 10 + i, 4990)
        c.save()
        import giextract.grids.pdf as pdf
        read = pdf.read_pdf(path.read_bytes())
        print(read.grids, read.plumber_pages, read.text.splitlines())
        """).replace("\n", "\n        ")
    out = _hostile(build, tmp_path, timeout=60, memory_mb=1000)
    assert out.splitlines()[0] == "[] 0 ['grid page', 'hairline page']"
