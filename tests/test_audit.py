"""The audit checklist on eval reports (and on copies of them altered the way real reports go wrong)."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

import giextract
from giextract.cli import main
from giextract.core.model import Item, Narrative, Report
from giextract.views.audit import audit, render_html, summary, write_csv
from giextract.views.audit_checks import FAIL, NA, PASS, UNKNOWN, Check
from giextract.views.rollup import TOTALS, RollupError, read_hierarchy

SOURCES = Path(__file__).resolve().parents[1] / "eval" / "sources"


def _extract(name: str) -> Report:
    return giextract.extract(SOURCES / name)


def _check(report_or_items, key: str, **kwargs) -> Check:  # type: ignore[no-untyped-def]
    items = report_or_items if isinstance(report_or_items, list) else [report_or_items]
    audited = audit(items, **kwargs)
    return next(c for c in audited[-1].checks if c.key == key)


def _altered(tmp_path: Path, name: str, old: str, new: str) -> Report:
    text = (SOURCES / name).read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / name
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return giextract.extract(path)


def test_copied_narrative_is_caught_with_its_passages() -> None:
    earlier, later = _extract("012_pingtan-zone-2016.txt"), _extract("005_pingtan-zone-2019.txt")
    assert earlier.meta.agency == later.meta.agency
    check = _check([earlier, later], "copied")
    assert check.outcome == FAIL and "2016" in check.evidence
    assert check.quotes and all(float(q.split(":")[0]) >= 0.6 for q in check.quotes)
    other = _check([_extract("009_pingtan-zone-2021.txt"), _extract("033_pingtan-zone-2023.txt")], "copied")
    assert other.outcome == PASS
    assert _check(later, "copied").outcome == NA  # no earlier report of the agency in the batch


def test_sections_name_missing_and_misnumbered_headings(tmp_path: Path) -> None:
    assert _check(_extract("009_pingtan-zone-2021.txt"), "sections").outcome == PASS
    missing = _check(_extract("seed_000_22f1b762bef24d9e.txt"), "sections")
    assert missing.outcome == FAIL and "other_matters" in missing.evidence
    renumbered = _altered(tmp_path, "009_pingtan-zone-2021.txt", "五、存在的主要问题及改进情况", "六、存在的主要问题及改进情况")
    check = _check(renumbered, "sections")
    assert check.outcome == FAIL and "六、存在的主要问题及改进情况" in check.evidence and "五" in check.evidence
    assert _check(_extract("012_pingtan-zone-2016.txt"), "sections").outcome == NA


def test_template_must_match_the_year() -> None:
    report = _extract("009_pingtan-zone-2021.txt")
    assert _check(report, "template_year").outcome == PASS
    report.meta.report_year = 2020  # a 2020 report printed in the 2021 format
    check = _check(report, "template_year")
    assert check.outcome == FAIL and "2019 format applies" in check.evidence
    mixed = _check(_extract("002_huaian-hongze-district-2023.txt"), "template_year")
    assert mixed.outcome == FAIL and "2019 format's rows" in mixed.evidence


def test_tables_and_arithmetic() -> None:
    partial = _check(_extract("026_lzq-gov-cn-education-bureau-2019_pipe-table_partial.txt"), "tables_complete")
    assert partial.outcome == FAIL and "cells blank or not found" in partial.evidence
    run_on = _extract("009_pingtan-zone-2021.txt")
    assert _check(run_on, "tables_complete").outcome == UNKNOWN  # ambiguous run-on cells
    r4 = _check(_extract("002_huaian-hongze-district-2023.txt"), "arithmetic")
    assert r4.outcome == FAIL and "R4: administrative_review.total = 0" in r4.evidence
    assert _check(_extract("001_huaian-city-2024.pdf"), "arithmetic").outcome == PASS


def test_prose_figures_against_the_tables(tmp_path: Path) -> None:
    good = _check(_extract("009_pingtan-zone-2021.txt"), "prose_figures")
    assert good.outcome == PASS and "收到70件申请" in good.evidence and "= 70" in good.evidence
    wrong = _check(_altered(tmp_path, "009_pingtan-zone-2021.txt", "共收到70件申请", "共收到75件申请"), "prose_figures")
    assert wrong.outcome == FAIL and "75" in wrong.evidence and "= 70" in wrong.evidence


def test_section_five_must_state_something() -> None:
    report = _extract("009_pingtan-zone-2021.txt")
    assert _check(report, "problems").outcome == PASS
    report.problems_improvements = Narrative(problems=[Item(text="无。", span=(0, 2))],
                                             improvements=report.problems_improvements.improvements)  # type: ignore[union-attr]
    check = _check(report, "problems")
    assert check.outcome == FAIL and "no problems" in check.evidence


def test_fee_statement_from_2021_on() -> None:
    assert _check(_extract("009_pingtan-zone-2021.txt"), "fee").outcome == PASS
    assert _check(_extract("028_dttz-gov-cn-letters-visits-bureau-2021_pipe-table_partial.txt"), "fee").outcome == FAIL
    assert _check(_extract("005_pingtan-zone-2019.txt"), "fee").outcome == NA


@pytest.mark.parametrize("name, outcome, words", [
    ("009_pingtan-zone-2021.txt", FAIL, "published 2022-02-08, 8 days after 2022-01-31"),
    ("seed_003_91b7c3b427fd0bbb.txt", PASS, "published 2021-01-30"),
    ("014_pingtan-zone-2018.txt", PASS, "published 2019-01-10"),  # 2007 条例: by 31 March
    ("004_pingtan-county-2011.txt", FAIL, "18 days after 2012-03-31"),
    ("001_huaian-city-2024.txt", UNKNOWN, "not stated"),
])
def test_publication_deadline(name: str, outcome: str, words: str) -> None:
    check = _check(_extract(name), "published")
    assert check.outcome == outcome and words in check.evidence


def _hierarchy(tmp_path: Path, rows: str) -> Path:
    path = tmp_path / "regions.csv"
    path.write_text(rows, encoding="utf-8")
    return path


def test_region_rollup_against_the_children(tmp_path: Path) -> None:
    parent = _extract("033_pingtan-zone-2023.txt")
    child_a, child_b = parent.model_copy(deep=True), parent.model_copy(deep=True)
    child_a.meta.agency, child_b.meta.agency = "甲区", "乙区"
    regions = _hierarchy(tmp_path, f"parent,child\n{parent.meta.agency},甲区\n{parent.meta.agency},乙区\n")
    check = _check([child_a, child_b, parent], "rollup", hierarchy=regions)
    new = parent.cell("applications.new_received.total").value  # type: ignore[union-attr]
    assert check.outcome == FAIL
    assert f"applications.new_received.total: parent {new}, children {2 * new} (difference {-new})" in check.evidence
    missing = _check([child_a, parent], "rollup", hierarchy=regions)
    assert missing.outcome == UNKNOWN and "children missing for 2023: 乙区" in missing.evidence
    only = _hierarchy(tmp_path, f"parent,child\n{parent.meta.agency},甲区\n")
    equal = _check([child_a, parent], "rollup", hierarchy=only)
    settled = sum(1 for p in TOTALS if parent.cell(p) is not None and parent.cell(p).is_number)  # type: ignore[union-attr]
    assert equal.outcome == PASS and f"{settled} totals equal" in equal.evidence
    assert _check(child_a, "rollup").outcome == NA


def test_hierarchy_csv_errors_are_specific(tmp_path: Path) -> None:
    with pytest.raises(RollupError, match="'parent' and 'child'"):
        read_hierarchy(_hierarchy(tmp_path, "上级,下级\n甲,乙\n"))
    with pytest.raises(RollupError, match="line 3"):
        read_hierarchy(_hierarchy(tmp_path, "parent,child\n甲,乙\n甲,\n"))
    assert read_hierarchy(_hierarchy(tmp_path, "\ufeffParent,Child,note\n甲, 乙 ,x\n甲,丙,\n")) == {"甲": ["乙", "丙"]}


def test_summary_html_csv_and_cli(tmp_path: Path) -> None:
    names = ("009_pingtan-zone-2021.txt", "002_huaian-hongze-district-2023.txt", "026_lzq-gov-cn-education-bureau-2019_pipe-table_partial.txt")
    reports = [_extract(n) for n in names]
    reports[0].meta.agency = "<script>alert(1)</script>"
    audited = audit(reports)
    rows = summary(audited)
    fails = [counts[FAIL] for _, _, counts in rows]
    assert fails == sorted(fails, reverse=True) and sum(fails) == sum(c.outcome == FAIL for a in audited for c in a.checks)
    page = render_html(audited)
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page
    buffer = io.StringIO()
    write_csv(audited, buffer)
    table = list(csv.DictReader(io.StringIO(buffer.getvalue())))
    assert len(table) == len(reports) * len(audited[0].checks)
    assert {r["outcome"] for r in table} <= {PASS, FAIL, UNKNOWN, NA}
    results = tmp_path / "results.jsonl"
    results.write_text("".join(r.model_dump_json() + "\n" for r in reports), encoding="utf-8")
    assert main(["audit", str(results), "--out", str(tmp_path / "audit.html")]) == 0
    assert main(["audit", str(results), "--out", str(tmp_path / "audit.csv")]) == 0
    assert (tmp_path / "audit.html").read_text(encoding="utf-8").count("<section") == 3
    assert main(["audit", str(tmp_path / "nope.jsonl"), "--out", str(tmp_path / "a.html")]) == 2
    assert main(["audit", str(results), "--out", str(tmp_path / "a.html"),
                 "--regions", str(_hierarchy(tmp_path, "a,b\n"))]) == 2


def test_similarity_on_huge_narratives_is_bounded() -> None:
    import random
    import time

    from giextract.views.similarity import most_similar_earlier

    random.seed(7)
    words = "政府信息公开工作推进规范标准化建设机制完善督查考核培训队伍平台网站栏目"
    def narrative() -> Narrative:  # noqa: E306
        text = "。".join("".join(random.choice(words) for _ in range(30)) for _ in range(30_000))
        return Narrative(problems=[Item(text=text, span=(0, len(text)))], improvements=[])
    earlier, later = _extract("012_pingtan-zone-2016.txt"), _extract("005_pingtan-zone-2019.txt")
    earlier.problems_improvements, later.problems_improvements = narrative(), narrative()
    started = time.perf_counter()
    found = most_similar_earlier(later, [earlier])
    assert found is not None and 0 < found.score < 1
    assert time.perf_counter() - started < 120  # generous: about 5 s here (passages searched in the first 8,000 characters)
