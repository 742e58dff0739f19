"""Each rule with a table that passes it and one that fails it."""
from __future__ import annotations

from giextract import Cell, Report, extract_text, validate
from giextract.core.model import Meta, SourceInfo, StatisticsRow
from giextract.templates.tables import APPLICATION_COLUMNS, APPLICATIONS, REVIEW_COLUMNS, REVIEW_GROUPS


def _report(**tables) -> Report:  # type: ignore[no-untyped-def]
    return Report(source=SourceInfo(sha256="x", chars=0), meta=Meta(era=tables.pop("era", "2019")), **tables)


def _apps(era: str = "2019", **rows: list[int]) -> dict:  # type: ignore[type-arg]
    grid = {r.key: [0] * 7 for r in APPLICATIONS[era].rows}
    grid.update(rows)
    return {k: {c: Cell(value=v) for c, v in zip(APPLICATION_COLUMNS, vals)} for k, vals in grid.items()}


def rules_of(report: Report) -> set[str]:
    return {f.rule for f in validate(report)}


GOOD = dict(new_received=[2, 1, 0, 0, 0, 0, 3], granted=[2, 1, 0, 0, 0, 0, 3], results_total=[2, 1, 0, 0, 0, 0, 3])


def test_consistent_table_three_passes_r1_r2_r3_r6() -> None:
    assert not rules_of(_report(applications=_apps(**GOOD))) & {"R1", "R2", "R3", "R6"}


def test_r2_row_total() -> None:
    found = validate(_report(applications=_apps(**{**GOOD, "granted": [2, 1, 0, 0, 0, 0, 4]})))
    r2 = [f for f in found if f.rule == "R2"]
    assert r2 and "granted.total = 4" in r2[0].message and "= 3" in r2[0].message
    assert "applications.granted.total" in r2[0].cells


def test_r1_and_r3_column_equations() -> None:
    rules = rules_of(_report(applications=_apps(**{**GOOD, "results_total": [1, 1, 0, 0, 0, 0, 2]})))
    assert {"R1", "R3"} <= rules


def test_r6_results_exceed_received() -> None:
    apps = _apps(**{**GOOD, "results_total": [5, 1, 0, 0, 0, 0, 6], "granted": [5, 1, 0, 0, 0, 0, 6]})
    assert "R6" in rules_of(_report(applications=apps))


def _review(values: list[int]) -> dict:  # type: ignore[type-arg]
    return {g: {c: Cell(value=values[i * 5 + j]) for j, c in enumerate(REVIEW_COLUMNS)} for i, g in enumerate(REVIEW_GROUPS)}


def test_r4() -> None:
    assert "R4" not in rules_of(_report(review_litigation=_review([1, 0, 2, 0, 3] + [0] * 10)))
    assert "R4" in rules_of(_report(review_litigation=_review([1, 0, 2, 0, 4] + [0] * 10)))


def _active(era: str, sub: str, row: str, **cols: int) -> dict:  # type: ignore[type-arg]
    return {sub: {row: {c: Cell(value=v) for c, v in cols.items()}}}


def test_r5_negative_count_but_signed_change_allowed() -> None:
    ok = _active("2019", "art20_5", "administrative_licensing", previous_year_items=10, change=-3, decisions=4)
    bad = _active("2019", "art20_5", "administrative_licensing", previous_year_items=-10, change=-3, decisions=4)
    assert "R5" not in rules_of(_report(active_disclosure=ok))
    assert "R5" in rules_of(_report(active_disclosure=bad))


def test_u3_u4_u5() -> None:
    assert "U3" in rules_of(_report(era="2021", active_disclosure=_active("2021", "art20_1", "regulations", issued=5, repealed=0, in_force=2)))
    assert "U3" not in rules_of(_report(era="2021", active_disclosure=_active("2021", "art20_1", "regulations", issued=2, repealed=0, in_force=2)))
    assert "U4" in rules_of(_report(active_disclosure=_active("2019", "art20_5", "administrative_licensing", previous_year_items=10, change=-3, decisions=7)))
    assert "U4" not in rules_of(_report(active_disclosure=_active("2019", "art20_5", "administrative_licensing", previous_year_items=10, change=-3, decisions=40)))
    assert "U5" in rules_of(_report(active_disclosure=_active("2019", "art20_1", "regulations", newly_made=1, newly_published=5, total_published=2)))
    assert "U5" not in rules_of(_report(active_disclosure=_active("2019", "art20_1", "regulations", newly_made=1, newly_published=1, total_published=2)))


def _stats(rows: list[tuple[str, int]]) -> list[StatisticsRow]:
    return [StatisticsRow(label=k, key=k, value=Cell(value=v)) for k, v in rows]


def test_o1_and_o9() -> None:
    good = _stats([("requests_received", 3), ("requests_in_person", 1), ("requests_fax", 0), ("requests_online", 1), ("requests_letter", 1)])
    bad = _stats([("requests_received", 3), ("requests_in_person", 4), ("requests_fax", 0), ("requests_online", 1), ("requests_letter", 1)])
    assert not rules_of(_report(era="legacy", statistics_table=good)) & {"O1", "O9"}
    assert {"O1", "O9"} <= rules_of(_report(era="legacy", statistics_table=bad))


def test_o7_and_o8() -> None:
    assert "O7" in rules_of(_report(era="legacy", statistics_table=_stats([("staff_total", 5), ("staff_full_time", 1), ("staff_part_time", 1)])))
    assert "O8" in rules_of(_report(era="legacy", statistics_table=_stats([("proactive_items", 5), ("channel_website", 9)])))
    assert "O8" not in rules_of(_report(era="legacy", statistics_table=_stats([("proactive_items", 9), ("channel_website", 9)])))


def test_u6_prose_against_tables() -> None:
    from giextract.rules.prose import u6

    report = _report(applications=_apps(**GOOD), review_litigation=_review([1, 0, 2, 0, 3] + [0] * 10))
    assert u6(report, "全年共受理政府信息公开申请3件，行政复议3件。") == []
    found = u6(report, "全年共受理政府信息公开申请5件，行政复议3件。")
    assert [f.rule for f in found] == ["U6"] and "= 5" in found[0].message and "= 3" in found[0].message


import pytest  # noqa: E402

from giextract.core.model import OtherMatters, ProcessingFee, Section  # noqa: E402
from giextract.templates.legacy import SUM_RULES  # noqa: E402


@pytest.mark.parametrize("rule, parent, children", SUM_RULES)
def test_each_legacy_sum_rule(rule: str, parent: str, children: tuple[str, ...]) -> None:
    good = _stats([(parent, len(children))] + [(c, 1) for c in children])
    bad = _stats([(parent, len(children) + 1)] + [(c, 1) for c in children])
    assert rule not in rules_of(_report(era="legacy", statistics_table=good))
    assert rule in rules_of(_report(era="legacy", statistics_table=bad))


def test_u7_processing_fee_stated() -> None:
    stated = OtherMatters(text="无", information_processing_fee=ProcessingFee(charged=False, amount_yuan=0))
    sections = [Section(key="other_matters", heading="六、其他需要报告的事项", span=(0, 1))]
    assert "U7" not in rules_of(_report(era="2021", sections=sections, other_matters=stated))
    assert "U7" in rules_of(_report(era="2021", sections=sections, other_matters=OtherMatters(text="无")))


def test_u8_headings_present_and_ordered() -> None:
    keys = ["overview", "active_disclosure", "applications", "review_litigation", "problems_improvements", "other_matters"]
    ordered = [Section(key=k, heading=k, span=(i, i + 1)) for i, k in enumerate(keys)]
    assert "U8" not in rules_of(_report(sections=ordered))
    assert "U8" in rules_of(_report(sections=ordered[:3] + ordered[4:]))
    assert "U8" in rules_of(_report(sections=[ordered[1], ordered[0]] + ordered[2:]))


def test_o14_prose_breakdowns() -> None:
    from giextract.rules.prose import o14

    good = "主动公开的100条政府信息中，机构职能类信息60条，占60%；规划计划类信息30条，占30%；其他10条，占10%。"
    bad_sum = good.replace("其他10条", "其他12条")
    bad_share = good.replace("占10%", "占19%")
    assert o14(good) == []
    assert [f.rule for f in o14(bad_sum)] == ["O14"] and "add up to 102条" in o14(bad_sum)[0].message
    assert any("109%" in f.message for f in o14(bad_share))


def test_o14_fires_where_the_corpus_report_is_inconsistent() -> None:
    from pathlib import Path

    import giextract

    report = giextract.extract(Path(__file__).resolve().parents[1] / "eval" / "sources" / "004_pingtan-county-2011.txt")
    assert any(f.rule == "O14" and "425条" in f.message and "421条" in f.message for f in report.findings)


def test_u8_names_a_misnumbered_heading_and_its_template_number() -> None:
    titles = ["一、总体情况", "三、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
              "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项"]
    keys = ["overview", "active_disclosure", "applications", "review_litigation", "problems_improvements", "other_matters"]
    sections = [Section(key=k, heading=t, span=(i, i + 1)) for i, (k, t) in enumerate(zip(keys, titles))]
    found = [f for f in validate(_report(sections=sections)) if f.rule == "U8"]
    assert len(found) == 1 and "'三、主动公开政府信息情况' is numbered 三" in found[0].message
    assert "active_disclosure 二、" in found[0].message
    sections[1] = Section(key="active_disclosure", heading="二、主动公开政府信息情况", span=(1, 2))
    assert "U8" not in rules_of(_report(sections=sections))


def _u6_report(carried: int = 0) -> Report:
    apps = _apps(**GOOD, carried_over=[carried, 0, 0, 0, 0, 0, carried])
    return _report(applications=apps, review_litigation=_review([1, 0, 2, 0, 3] + [0] * 10))


@pytest.mark.parametrize("prose, stated", [
    ("2023年，本机关新收政府信息公开申请{n}件。", "新收"),
    ("本年度全区共收到{n}件申请，及时依法依规办结。", "收到"),
    ("全区接收通过邮寄、网络提交的各类政府信息公开申请共计{n}件，涉及自然人2件。", "共计"),
    ("全年共受理 {n} 件政府信息公开申请。", "受理"),
])
def test_u6_reads_common_phrasings_of_applications_received(prose: str, stated: str) -> None:
    from giextract.rules.prose import u6

    report = _u6_report()  # new_received.total = 3
    assert u6(report, prose.format(n=3)) == []
    found = u6(report, prose.format(n=5))
    assert [f.cells for f in found] == [["applications.new_received.total"]] and stated in found[0].message


def test_u6_ignores_qizhong_sub_counts() -> None:
    from giextract.rules.prose import u6

    report = _u6_report()
    assert u6(report, "全年共收到政府信息公开申请3件，其中通过网络收到申请2件。") == []
    assert u6(report, "共办理申请4件，其中新收政府信息公开申请2件、上年结转2件。") == []
    assert u6(report, "其中行政复议1件。") == []  # table 四: 3 reviews in all
    assert [f.rule for f in u6(report, "全年共收到申请2件，其中网上申请1件。")] == ["U6"]


def test_u6_answered_totals_including_carried_over_are_not_received_counts() -> None:
    from giextract.rules.prose import u6

    report = _u6_report(carried=1)  # new_received 3, carried_over 1
    assert u6(report, "全年共答复政府信息公开申请4件（含上年结转1件）。") == []
    assert u6(report, "共受理并答复申请4件（含上年结转1件）。") == []
    assert u6(report, "共收到政府信息公开申请4件（含上年结转1件）。") == []  # 3 new + 1 carried over
    found = u6(report, "共收到政府信息公开申请5件（包括上年结转的1件）。")
    assert found and found[0].cells == ["applications.new_received.total", "applications.carried_over.total"]
    assert "= 4" in found[0].message


def test_u6_never_reads_a_table_row_as_prose() -> None:
    from giextract.rules.prose import prose_statements

    report = _u6_report()
    assert prose_statements(report, "一、本年新收政府信息公开申请数量2000002二、上年结转政府信息公开申请数量0000000") == []
    assert prose_statements(report, "行政复议行政诉讼结果维持结果纠正其他结果尚未审结总计000000000000000") == []


def test_u6_on_a_long_run_of_sub_counts_stays_linear() -> None:
    import time

    from giextract.rules.prose import prose_statements

    prose = "共办理4件，其中收到申请1件。" * 100_000  # 1.5 M characters, 100,000 statements to skip
    started = time.perf_counter()
    assert prose_statements(_u6_report(), prose) == []
    assert time.perf_counter() - started < 60  # generous: about 2 s here; a sentence scan from the start is hours


def _narrative(body: str) -> tuple[list[str], list[str]]:
    text = ("一、总体情况\n本机关依法公开政府信息。\n五、存在的主要问题及改进情况\n" + body
            + "\n六、其他需要报告的事项\n无。\n")
    n = extract_text(text).problems_improvements
    return [i.text for i in n.problems], [i.text for i in n.improvements]


def test_narrative_sentences_lead_ins_and_turns() -> None:
    # A PDF layer's space after the year does not hide where the plans begin ("2021 年,我局将…").
    problems, improvements = _narrative("政务公开内容、创新方式方面有待提升。\n2021 年,我局将进一步提高认识,加大工作力度。")
    assert problems == ["政务公开内容、创新方式方面有待提升。"] and improvements == ["2021 年,我局将进一步提高认识,加大工作力度。"]
    # "…取得了明显进展，但仍存在一些不足。" only announces; a 、 below a comma joins words, not items.
    problems, _ = _narrative("2016年，我区工作取得了明显进展，但仍存在一些不足和薄弱环节。主要是个别部门主动性仍待提高，"
                             "信息平台不同源、信息查阅不便捷等问题。")
    assert problems == ["主要是个别部门主动性仍待提高，信息平台不同源、信息查阅不便捷等问题。"]
    # A measure stated before the 一是/二是 list is an item; an announcing sentence is not.
    _, improvements = _narrative("一是解读形式不够丰富。二是公开范围有待扩大。\n在下阶段工作中,我办将进一步完善公开目录,畅通公开渠道。"
                                 "具体做好以下工作:一是规范工作流程。二是扩大公开范围。")
    assert improvements == ["在下阶段工作中,我办将进一步完善公开目录,畅通公开渠道。", "一是规范工作流程。", "二是扩大公开范围。"]


def test_narrative_halves_under_their_own_sub_headings() -> None:
    problems, improvements = _narrative("（一）存在的主要问题\n政务公开内容的深度和广度还有待提升。\n（二）改进情况\n"
                                        "一是加强业务培训。二是优化公开流程。")
    assert problems == ["政务公开内容的深度和广度还有待提升。"]
    assert improvements == ["一是加强业务培训。", "二是优化公开流程。"]
