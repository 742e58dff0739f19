"""The checklist a supervising office applies to one report: each check says pass / fail / cannot tell
(or n/a where the check does not apply to the report's format) with the evidence for it."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Callable, Optional

from giextract.core.model import Report
from giextract.rules.prose import prose_statements
from giextract.rules.validate import u8
from giextract.views.rollup import Rollup
from giextract.views.shape import drawn_paths
from giextract.views.similarity import THRESHOLD, Similarity

PASS, FAIL, UNKNOWN, NA = "pass", "fail", "cannot tell", "n/a"

# The six headings of the 2019 and 2021 templates (number and title).
TEMPLATE_HEADINGS = (
    ("overview", "一", "总体情况"),
    ("active_disclosure", "二", "主动公开政府信息情况"),
    ("applications", "三", "收到和处理政府信息公开申请情况"),
    ("review_litigation", "四", "政府信息公开行政复议、行政诉讼情况"),
    ("problems_improvements", "五", "存在的主要问题及改进情况"),
    ("other_matters", "六", "其他需要报告的事项"),
)
ARITHMETIC = ("R1", "R2", "R3", "R4", "R5", "R6")
EMPTY_STATEMENTS = {"无", "暂无", "没有", "无其他需要报告的事项", "无。"}


@dataclass
class Check:
    key: str
    title: str
    outcome: str
    evidence: str
    quotes: list[str] = field(default_factory=list)  # passages of the report (or of another) shown


@dataclass
class Context:
    """What checks need beyond the record: its text (when the source could be re-read) and the batch."""

    text: Optional[str] = None
    similarity: Optional[Similarity] = None  # None when there is no earlier report to compare with
    earlier_count: int = 0
    rollup: Optional[Rollup] = None  # None when the agency is no parent in the CSV
    hierarchy_given: bool = False


def _templated(report: Report) -> bool:
    return report.meta.era in ("2019", "2021")


def _loose(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def check_sections(report: Report, ctx: Context) -> Check:
    title = "six sections present, titled and numbered as the template says"
    if not _templated(report):
        return Check("sections", title, NA, "no national template before the 2019 format")
    problems = [f.message.removeprefix("U8: ") for f in u8(report)]
    found = {s.key: s for s in report.sections}
    for key, number, canonical in TEMPLATE_HEADINGS:
        section = found.get(key)
        if section and _loose(canonical) not in _loose(section.heading):
            problems.append(f"{number}、 is titled {section.heading.split('；')[0]!r}, the template says {number}、{canonical}")
    headings = [s.heading.split("；")[0] for s in report.sections if s.key in dict((k, 0) for k, _, _ in TEMPLATE_HEADINGS)]
    if problems:
        return Check("sections", title, FAIL, "; ".join(problems), headings)
    return Check("sections", title, PASS, "all six headings, in order, numbered 一 … 六", headings)


def _expected_era(year: int) -> str:
    return "legacy" if year < 2019 else "2019" if year <= 2020 else "2021"


def check_template_year(report: Report, ctx: Context) -> Check:
    title = "the template matches the report year (2019 format for 2019–2020, 2021 format from 2021)"
    year, era = report.meta.report_year, report.meta.era
    notes = [f.message for f in report.findings if f.rule == "template"]
    if year is None:
        return Check("template_year", title, UNKNOWN, f"the report year is not stated (format read: {era or '?'})")
    expected = _expected_era(year)
    if era == expected and not notes:
        return Check("template_year", title, PASS, f"a {year} report in the {era} format")
    if era == expected:
        return Check("template_year", title, FAIL, f"a {year} report in the {era} format, but: " + "; ".join(notes))
    if era == "legacy" or era is None:
        return Check("template_year", title, FAIL if year >= 2019 else UNKNOWN,
                     f"a {year} report with no table of the {expected} format found")
    return Check("template_year", title, FAIL, f"a {year} report uses the {era} format; the {expected} format applies")


def check_tables_complete(report: Report, ctx: Context) -> Check:
    title = "every table complete"
    if _templated(report):
        expected = sorted(drawn_paths(report) - {p for p in drawn_paths(report) if p.startswith("statistics_table")})
    elif report.statistics_table:
        expected = [p for p, _ in report.iter_cells()]
    else:
        return Check("tables_complete", title, NA, "a legacy report without a statistics table")
    cells = {p: report.cell(p) for p in expected}
    absent = [p for p, c in cells.items() if c is None or c.status in ("missing", "unread")]
    doubtful = [p for p, c in cells.items() if c is not None and c.status in ("ambiguous", "unverified")]
    notes = [f.message for f in report.findings if f.rule in ("missing_table", "missing_row")]
    if absent:
        shown = ", ".join(absent[:6]) + (" …" if len(absent) > 6 else "")
        return Check("tables_complete", title, FAIL,
                     f"{len(absent)} of {len(expected)} cells blank or not found: {shown}" + (f" ({'; '.join(notes)})" if notes else ""))
    if doubtful:
        return Check("tables_complete", title, UNKNOWN,
                     f"{len(doubtful)} of {len(expected)} cells have several readings: {', '.join(doubtful[:6])}")
    return Check("tables_complete", title, PASS, f"all {len(expected)} cells read")


def check_arithmetic(report: Report, ctx: Context) -> Check:
    title = "R1–R6 hold (勾稽关系 of table 三, 四; counts ≥ 0)"
    if not _templated(report):
        return Check("arithmetic", title, NA, "R1–R6 are rules of the 2019/2021 tables")
    broken = [f.message for f in report.findings if f.rule in ARITHMETIC]
    if broken:
        return Check("arithmetic", title, FAIL, f"{len(broken)} broken: " + "; ".join(broken))
    if not report.applications or not report.review_litigation:
        return Check("arithmetic", title, UNKNOWN, "table 三 or 四 was not read")
    unsettled = [p for p, c in report.iter_cells() if p.startswith(("applications", "review_litigation")) and not c.is_number
                 and c.status != "not_applicable"]
    if unsettled:
        return Check("arithmetic", title, UNKNOWN, f"no equation broken, but {len(unsettled)} cells of 三/四 are not "
                                                   "known numbers, so some equations could not be checked")
    return Check("arithmetic", title, PASS, "every equation of 三 and 四 holds")


def check_prose_figures(report: Report, ctx: Context) -> Check:
    title = "figures in the prose agree with the tables (U6)"
    disagree = [f.message for f in report.findings if f.rule == "U6"]
    overview = next((s for s in report.sections if s.key == "overview"), None)
    statements = prose_statements(report, ctx.text[overview.span[0]:overview.span[1]]) \
        if ctx.text is not None and overview is not None else []
    compared = [s for s in statements if s.agrees is not None]
    if disagree:
        return Check("prose_figures", title, FAIL, "; ".join(disagree), [s.quote for s in statements])
    if compared:
        sides = "; ".join(f"{s.quote!r} = {s.stated}, table {' + '.join(s.paths)} = {s.table}" for s in compared)
        return Check("prose_figures", title, PASS, sides, [s.quote for s in compared])
    facts = {f.key for f in report.prose_facts or []} & {r.key for r in report.statistics_table or [] if r.key}
    if facts:
        return Check("prose_figures", title, PASS, f"the prose and the statistics table agree on {sorted(facts)}")
    why = "the source text could not be re-read" if ctx.text is None else "the prose states no figure that U6 compares"
    return Check("prose_figures", title, UNKNOWN, why)


def _meaningful(texts: list[str]) -> list[str]:
    return [t for t in texts if re.sub(r"[\s。.，,；;]", "", t) not in EMPTY_STATEMENTS and len(t.strip()) > 3]


def check_problems(report: Report, ctx: Context) -> Check:
    title = "section 五 states problems and improvements"
    narrative = report.problems_improvements
    has_section = any(s.key == "problems_improvements" for s in report.sections)
    problems = _meaningful([i.text for i in narrative.problems]) if narrative else []
    improvements = _meaningful([i.text for i in narrative.improvements]) if narrative else []
    if problems and improvements:
        return Check("problems", title, PASS, f"{len(problems)} problems, {len(improvements)} improvements",
                     [problems[0], improvements[0]])
    lacking = [name for name, items in (("problems", problems), ("improvements", improvements)) if not items]
    where = "section 五 is missing" if not has_section else f"section 五 states no {' and no '.join(lacking)}"
    if report.source.chars == 0:
        return Check("problems", title, UNKNOWN, "the report could not be read")
    return Check("problems", title, FAIL, where, (problems or improvements)[:1])


def check_fee(report: Report, ctx: Context) -> Check:
    title = "section 六 states the information-processing fee (U7)"
    if report.meta.era != "2021":
        return Check("fee", title, NA, "required by the 2021 format")
    fee = report.other_matters.information_processing_fee if report.other_matters else None
    if fee is not None and fee.charged is not None:
        amount = f", {fee.amount_yuan} 元" if fee.amount_yuan is not None else ""
        return Check("fee", title, PASS, f"charged: {'yes' if fee.charged else 'no'}{amount}", [fee.text] if fee.text else [])
    return Check("fee", title, FAIL, "section 六 does not state whether a fee was charged")


_DATE = re.compile(r"(\d{4})\D{1,3}(\d{1,2})\D{1,3}(\d{1,2})")


def deadline_of(year: int) -> date:
    """31 January of the next year under the 2019 条例 (Art. 50); 31 March under the 2007 条例 (Art. 31),
    which governed reports up to the 2018 one (published in early 2019, before the revision took effect)."""
    return date(year + 1, 1, 31) if year >= 2019 else date(year + 1, 3, 31)


def check_published(report: Report, ctx: Context) -> Check:
    title = "published by 31 January of the following year (31 March for reports before 2019)"
    year, stated = report.meta.report_year, report.meta.published_date
    if year is None or not stated:
        return Check("published", title, UNKNOWN, "the publication date is not stated" if year else "the report year is not known")
    m = _DATE.search(stated)
    try:
        published = date(int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else None
    except ValueError:
        published = None
    if published is None:
        return Check("published", title, UNKNOWN, f"the publication date {stated!r} is not a date")
    deadline = deadline_of(year)
    if published <= deadline:
        return Check("published", title, PASS, f"published {published.isoformat()}")
    return Check("published", title, FAIL, f"published {published.isoformat()}, {(published - deadline).days} days "
                                           f"after {deadline.isoformat()}")


def check_copied(report: Report, ctx: Context) -> Check:
    title = f"not copied from an earlier year (narrative shingle similarity < {THRESHOLD})"
    sim = ctx.similarity
    if sim is None:
        why = "no earlier report of this agency in the batch" if not ctx.earlier_count else "no narrative to compare"
        return Check("copied", title, UNKNOWN if ctx.earlier_count else NA, why)
    year = sim.other.meta.report_year
    quotes = [f"{ratio:.2f}: {mine}  ⇐  {theirs}" for ratio, mine, theirs in sim.passages]
    evidence = f"similarity {sim.score:.2f} with the {year} report ({sim.other.source.path})"
    return Check("copied", title, FAIL if sim.copied else PASS, evidence, quotes)


def check_rollup(report: Report, ctx: Context) -> Check:
    title = "region roll-up: totals of 三 and 四 equal the sum of the children's"
    r = ctx.rollup
    if r is None:
        return Check("rollup", title, NA, "no parent → child CSV given" if not ctx.hierarchy_given
                     else "the agency is not a parent in the CSV")
    if r.missing:
        return Check("rollup", title, UNKNOWN, f"children missing for {r.year}: {', '.join(r.missing)}")
    if r.differences:
        diffs = "; ".join(f"{p}: parent {a}, children {b} (difference {a - b})" for p, a, b in r.differences)
        return Check("rollup", title, FAIL, diffs)
    if not r.compared:
        return Check("rollup", title, UNKNOWN, "no total is a known number on both sides")
    extra = f"; not comparable: {', '.join(r.unknown)}" if r.unknown else ""
    return Check("rollup", title, PASS, f"{r.compared} totals equal the children's sums{extra}")


CHECKS: tuple[Callable[[Report, Context], Check], ...] = (
    check_sections, check_template_year, check_tables_complete, check_arithmetic, check_prose_figures,
    check_problems, check_fee, check_published, check_copied, check_rollup)


def checklist(report: Report, ctx: Context) -> list[Check]:
    checks = [c(report, ctx) for c in CHECKS]
    if report.errors and report.source.chars == 0:  # an error record: nothing was read
        reason = "; ".join(e.message for e in report.errors)
        for check in checks:
            check.outcome, check.evidence, check.quotes = UNKNOWN, f"not extracted: {reason}", []
    return checks
