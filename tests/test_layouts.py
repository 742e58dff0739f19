"""Layouts the corpus does not show but the wild does (see corpus INDEX): built here, values known."""
from __future__ import annotations

from pathlib import Path

import giextract

ROWS_2019 = [
    ("一、本年新收政府信息公开申请数量", [15, 2, 0, 0, 0, 2, 19]),
    ("二、上年结转政府信息公开申请数量", [0] * 7),
    ("（一）予以公开", [6, 1, 0, 0, 0, 0, 7]),
    ("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", [4, 0, 0, 0, 0, 1, 5]),
    ("1.属于国家秘密", [0] * 7), ("2.其他法律行政法规禁止公开", [0] * 7), ("3.危及“三安全一稳定”", [0] * 7),
    ("4.保护第三方合法权益", [0] * 7), ("5.属于三类内部事务信息", [1, 0, 0, 0, 0, 0, 1]),
    ("6.属于四类过程性信息", [0] * 7), ("7.属于行政执法案卷", [0] * 7), ("8.属于行政查询事项", [0] * 7),
    ("1.本机关不掌握相关政府信息", [3, 0, 0, 0, 0, 1, 4]), ("2.没有现成信息需要另行制作", [0] * 7),
    ("3.补正后申请内容仍不明确", [0] * 7), ("1.信访举报投诉类申请", [0] * 7), ("2.重复申请", [0] * 7),
    ("3.要求提供公开出版物", [0] * 7), ("4.无正当理由大量反复申请", [0] * 7),
    ("5.要求行政机关确认或重新出具已获取信息", [0] * 7), ("（六）其他处理", [1, 1, 0, 0, 0, 0, 2]),
    ("（七）总计", [15, 2, 0, 0, 0, 2, 19]), ("四、结转下年度继续办理", [0] * 7),
]
HEAD = "一、总体情况\n概述。\n二、主动公开政府信息情况\n第二十条第（一）项\n信息内容 本年新制作数量\n"
TAIL = ("四、政府信息公开行政复议、行政诉讼情况\n" + "\t".join(["0"] * 15) +
        "\n五、存在的主要问题及改进情况\n一是问题甲。二是问题乙。\n六、其他需要报告的事项\n无。\n")


def _markdown_ocr() -> str:
    """An OCR Markdown export: invented column headers, the table split in two with a made-up header,
    `###` headings for some rows."""
    lines = ["三、收到和处理政府信息公开申请情况", "| 项目 | 数据1 | 数据2 | 数据3 | 数据4 | 数据5 | 数据6 | 数据7 |",
             "|---|---|---|---|---|---|---|---|"]
    for i, (label, values) in enumerate(ROWS_2019):
        if i == 15:
            lines += ["", "| 续表 | 列1 | 列2 | 列3 | 列4 | 列5 | 列6 | 列7 |", "|---|---|---|---|---|---|---|---|"]
        if label.startswith("（"):
            lines.append(f"### {label}")
            lines.append("| | " + " | ".join(map(str, values)) + " |")
        else:
            lines.append(f"| {label} | " + " | ".join(map(str, values)) + " |")
    return HEAD + "\n".join(lines) + "\n" + TAIL


def test_markdown_ocr_table_three() -> None:
    report = giextract.extract_text(_markdown_ocr())
    assert report.meta.era == "2019"
    for (label, values), (key, row) in zip(ROWS_2019, report.applications.items()):
        assert [c.value for c in row.values()] == values, key
    assert not [f for f in report.findings if f.rule in ("R1", "R2", "R3")]


def test_tab_separated_rows_and_review() -> None:
    body = "三、收到和处理政府信息公开申请情况\n" + "\n".join(
        label + "\t" + "\t".join(map(str, values)) for label, values in ROWS_2019) + "\n"
    report = giextract.extract_text(HEAD + body + TAIL)
    assert report.applications["granted"]["total"].value == 7
    assert report.review_litigation["litigation_after_review"]["total"].value == 0


def test_misnumbered_headings_keep_their_tables_and_are_named_by_u8() -> None:
    body = "三、收到和处理政府信息公开申请情况\n" + "\n".join(
        label + "\t" + "\t".join(map(str, values)) for label, values in ROWS_2019) + "\n"
    head = HEAD.replace("二、主动公开", "三、主动公开")  # 一, 三, 三: the second 三 is the template's 三
    report = giextract.extract_text(head + body + TAIL)
    assert report.applications["granted"]["total"].value == 7
    assert [s.key for s in report.sections][:3] == ["overview", "active_disclosure", "applications"]
    u8 = [f.message for f in report.findings if f.rule == "U8"]
    assert u8 and "'三、主动公开政府信息情况' is numbered 三" in u8[0] and "active_disclosure 二、" in u8[0]


ART20_2019_RUN_ON = ("二、主动公开政府信息情况\n第二十条第（五）项\n信息内容上一年项目数量本年增/减处理决定数量\n"
                     "行政许可3652-393613\n其他对外管理服务事项///\n")


def test_run_on_change_column_is_cut_after_its_sign_and_slash_blanks_glued_to_a_label() -> None:
    """`3652-393613`: the minus belongs to the change column, the digits after it hide two cells, and
    nothing says where they part (-39|3613 or -393|613 …): ambiguous with every cut, never unread or
    guessed. `///` glued to its label is three blanks."""
    report = giextract.extract_text("一、总体情况\n概述。\n" + ART20_2019_RUN_ON + "三、收到和处理政府信息公开申请情况\n")
    row = report.active_disclosure["art20_5"]["administrative_licensing"]
    assert row["previous_year_items"].value == 3652 and row["previous_year_items"].status == "ok"
    assert row["change"].status == row["decisions"].status == "ambiguous"
    assert set(row["change"].candidates) == {-3, -39, -393, -3936, -39361}
    assert set(row["decisions"].candidates) == {93613, 3613, 613, 13, 3}
    other = report.active_disclosure["art20_5"]["other_external_services"]
    assert [c.status for c in other.values()] == ["not_applicable"] * 3


def test_a_lifted_figure_is_not_taken_for_the_stranded_label_of_the_next_piece() -> None:
    """A PDF-to-Markdown piece ends with a row whose blank cell's figure was lifted onto a line of its
    own; the next piece opens with a row whose label was lost. The figure goes back to its row, and the
    label-less row is placed by position, not labelled `0（含上年度转入部分）`."""
    text = ("某局2020年政府信息公开工作年度报告\n一、总体情况\n概述。\n二、主动公开政府信息情况\n## 表一 主动公开政府信息情况\n\n"
            "| 第二十条第 | 信息 | 本年新制 | 本年新公 |\n|---|---|---|---|\n| （一）项 | 内容 | 作数量 | 开数量 |\n"
            "| 规章 | 0 | 0 | 0 |\n| 规范性文件 | 4 | 2 | 6 |\n| 行政许可 |  | 5 | 7 |\n\n"
            "3（含上年度转入部分）\n\n|  | 8 | 1 | 9 |\n|---|---|---|---|\n| 行政处罚 | 2 | 0 | 2 |\n"
            "| 行政强制 | 0 | 0 | 0 |\n\n三、收到和处理政府信息公开申请情况\n")
    report = giextract.extract_text(text)
    art20_5 = report.active_disclosure["art20_5"]
    assert [c.value for c in art20_5["administrative_licensing"].values()] == [3, 5, 7]
    assert [c.value for c in art20_5["other_external_services"].values()] == [8, 1, 9]
    assert [c.value for c in report.active_disclosure["art20_6"]["administrative_penalty"].values()] == [2, 0, 2]


def test_an_empty_template_is_read_blank_and_named_and_a_cut_page_leaves_the_rest_unread() -> None:
    """A real page (eval source 044) prints tables 二 and 三 as bare labels, no value at all, and is cut
    inside table 三: the printed rows are blank with an empty_table warning naming them; the rows after
    the cut stay unread. One value anywhere in the table and it is not an empty template."""
    text = (Path(__file__).resolve().parents[1] / "eval" / "sources"
            / "044_sxjiaxian-xi-town-2022_empty-2019-template_partial.txt").read_text(encoding="utf-8")
    report = giextract.extract_text(text)
    apps = report.applications
    assert {c.status for c in apps["denied_state_secret"].values()} == {"missing"}
    assert {c.status for c in apps["not_processed_repeated"].values()} == {"unread"}  # after the cut
    assert {c.status for c in report.active_disclosure["art20_9"]["centralized_procurement"].values()} == {"missing"}
    named = {c for f in report.findings if f.rule == "empty_table" and f.severity == "warning" for c in f.cells}
    assert "applications.denied_state_secret.total" in named
    assert "applications.not_processed_repeated.total" not in named
    one_value = text.replace("1.属于国家秘密\n", "1.属于国家秘密\n3\n", 1)
    assert "applications.denied_state_secret.total" not in {
        c for f in giextract.extract_text(one_value).findings if f.rule == "empty_table" for c in f.cells}


def test_table_three_without_its_heading_and_a_year_in_table_four_prose() -> None:
    """A real flip-book page (eval source 048) opens mid-table 三 (its last row, `四、结转下年度继续办理`,
    looks like a section heading) and has table 四 under a sentence starting `2020 年,`. The row is
    found by its label although its section heading is on an earlier page; the year is no cell."""
    text = (Path(__file__).resolve().parents[1] / "eval" / "sources"
            / "048_audit-bureau-2020_flipbook-page9-pdf-layer_partial.txt").read_text(encoding="utf-8")
    report = giextract.extract_text(text)
    assert [c.value for c in report.applications["carried_forward"].values()] == [0] * 7
    assert {c.status for c in report.applications["granted"].values()} == {"unread"}
    assert [c.value for g in report.review_litigation.values() for c in g.values()] == [0] * 15


def test_a_whole_table_three_is_read_when_its_section_heading_is_missing() -> None:
    """One cell per line (no grid to fit), and no 三、 heading: the rows are found by their labels."""
    body = "\n".join(label + "\n" + "\n".join(map(str, values)) for label, values in ROWS_2019) + "\n"
    report = giextract.extract_text(HEAD + "依申请公开情况如下。\n" + body + TAIL)
    assert [c.value for c in report.applications["granted"].values()] == [6, 1, 0, 0, 0, 0, 7]
    assert [c.value for c in report.applications["results_total"].values()] == [15, 2, 0, 0, 0, 2, 19]
    assert not [f for f in report.findings if f.rule in ("R1", "R2", "R3")]
