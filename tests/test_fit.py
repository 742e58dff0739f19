"""The template fitter on text tables recovered into grids: labels fuzzy, lost or stranded, blanks kept."""
from __future__ import annotations

import giextract
from giextract.tables.rows import label_score
from test_layouts import HEAD, ROWS_2019, TAIL

SECTION_3 = "三、收到和处理政府信息公开申请情况\n"
HEADER = "| 项目 | 自然人 | 商业企业 | 科研机构 | 社会公益组织 | 法律服务机构 | 其他 | 总计 |\n|---|---|---|---|---|---|---|---|"


def _report(lines: list[str]) -> giextract.Report:
    return giextract.extract_text(HEAD + SECTION_3 + "\n".join(lines) + "\n" + TAIL)


def _row(label: str, values: list[int]) -> str:
    return f"| {label} | " + " | ".join(map(str, values)) + " |"


def test_label_score_tolerates_ordinals_truncation_and_typos() -> None:
    assert label_score("（三）不予公开 1.属于国家秘密", "属于国家秘密") > 0.75
    assert label_score("1.属国家秘密", "属于国家秘密") > 0.55
    assert label_score("四、结转下年度继续办理", "结转下年度继续办理") == 1.0
    assert label_score("行政处罚", "行政许可") < 0.55


def test_typod_labels_and_lost_labels_are_placed_when_the_gap_counts_agree() -> None:
    lines = [HEADER]
    for i, (label, values) in enumerate(ROWS_2019):
        label = "" if i in (5, 6) else label.replace("申请", "申清")
        lines.append(_row(label, values))
    report = _report(lines)
    got = [[c.value for c in row.values()] for row in report.applications.values()]
    assert got == [v for _, v in ROWS_2019]
    assert all(c.status == "ok" for row in report.applications.values() for c in row.values())


def test_a_lost_label_is_not_guessed_when_the_gap_is_ambiguous() -> None:
    # Two template rows between the neighbours, one label-less printed row: which one it is cannot be told.
    lines = [HEADER] + [_row("" if i == 5 else label, values) for i, (label, values) in enumerate(ROWS_2019) if i != 6]
    report = _report(lines)
    rows = report.applications
    assert {c.status for c in rows["denied_prohibited_by_law"].values()} == {"unread"}
    assert {c.status for c in rows["denied_three_safeties_one_stability"].values()} == {"unread"}
    assert [c.value for c in rows["denied_third_party_rights"].values()] == ROWS_2019[7][1]


def test_blank_cells_stay_blank_and_never_shift() -> None:
    lines = [HEADER] + [_row(label, values[:6]) + " |" if i == 0 else _row(label, values)
                        for i, (label, values) in enumerate(ROWS_2019)]
    lines[1] = "| 一、本年新收政府信息公开申请数量 | 15 |  | 0 | 0 | 0 | 2 | 19 |"
    report = _report(lines)
    row = report.applications["new_received"]
    assert row["commercial_enterprise"].status == "missing" and row["commercial_enterprise"].value is None
    assert [row[c].value for c in ("natural_person", "research_institution", "other_org", "total")] == [15, 0, 2, 19]


STATS_HEAD = "一、概述\n本机关2012年政府信息公开工作。\n二、主动公开政府信息情况\n主动公开信息。\n附表：政府信息公开情况统计表\n"


def test_statistics_table_header_split_over_rows_blank_units_and_a_stranded_label() -> None:
    text = STATS_HEAD + "\n".join([
        "| 指标 | 计量 | 201 | 历年 |", "|---|---|---|---|", "| 名称 | 单位 | 2年度 | 累计 |",
        "| 主动公开文件数 |  | 410 | 1879 |",
        "| 其中:1.政府网站公开数 |  | 410 | 1879 |",
        "| 2.政府公报公开数 |  |  |  |",
        "",
        "— 5 —",
        "",
        "受理政府信息公开申请总数",
        "|  |  | 3 | 9 |",
        "|---|---|---|---|",
        "|  |  | 1 | 2 |",
        "| 行政复议数 |  | 0 | 0 |",
    ]) + "\n"
    report = giextract.extract_text(text)
    rows = [(r.label, r.value.value, r.cumulative.value if r.cumulative else None) for r in report.statistics_table]
    assert rows == [("主动公开文件数", 410, 1879), ("其中:1.政府网站公开数", 410, 1879), ("2.政府公报公开数", None, None),
                    ("受理政府信息公开申请总数", 3, 9), ("", 1, 2), ("行政复议数", 0, 0)]
    assert report.statistics_table[2].value.status == "missing"
    assert report.statistics_table[3].key == "requests_received"
    for row in report.statistics_table:
        for cell in (row.value, row.cumulative):
            if cell is not None and cell.status == "ok":
                assert text[cell.span[0]:cell.span[1]] == str(cell.value)
