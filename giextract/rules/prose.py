"""U6: numbers stated in the prose agree with the tables. Needs the report text, so the pipeline runs it
(``giextract.validate`` works on a Report alone and cannot)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Optional

from giextract.core.model import Finding, Number, Report

_UNIT = r"\s*(?:件|宗|个|起)"
_GAP = r"[^。，,；;：:！？!?\n\d]{0,24}?"  # wording between the verb and the count, inside one clause
_RECEIVE = r"(?P<verb>新收|收到|受理|接收|接到)"
_KIND = r"(?:政府信息公开|信息公开|依申请公开|公开)?"
# (what, prose patterns with a ``n`` group, cells whose sum the number should equal)
PROSE_FACTS: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("applications received", (
        rf"{_RECEIVE}(?P<gap>{_GAP})申请(?:公开)?(?:数量)?\s*(?:共计|共|合计|总计|总数|为)?\s*(?P<n>\d+){_UNIT}",
        rf"{_RECEIVE}(?P<gap>{_GAP})(?P<n>\d+){_UNIT}(?:各类)?{_KIND}申请",
    ), ("applications.new_received.total",)),
    ("administrative reviews", (rf"行政复议(?:申请|案件)?\s*(?:共)?\s*(?P<n>\d+){_UNIT}",),
     ("review_litigation.administrative_review.total",)),
    ("lawsuits", (rf"行政诉讼(?:案件)?\s*(?:共)?\s*(?P<n>\d+){_UNIT}",),
     ("review_litigation.litigation_direct.total", "review_litigation.litigation_after_review.total")),
)
# A count of replies or closed cases between the verb and the number ("受理并答复申请25件"): that count
# may include carried-over cases or be a result, not what was received, so it is not compared.
_REPLY = re.compile(r"答复|办结|回复|办理|处理|告知")
# The received count said to include last year's carried-over cases: compared with new + carried over.
_WITH_CARRIED = re.compile(r"(?:含|包括|包含|其中)[^。；;]{0,8}?(?:上年|上一年|上年度)[^。；;]{0,4}?结转")
_CLAUSE_END = re.compile(r"[。；;！？!?\n]")


@dataclass
class ProseStatement:
    """A number the prose states, the table cells it is compared with, and both sides."""

    what: str
    stated: int
    quote: str
    span: tuple[int, int]  # in the prose given
    paths: tuple[str, ...]
    table: Optional[Number]  # the sum of those cells; None when one of them is not a known number

    @property
    def agrees(self) -> Optional[bool]:
        return None if self.table is None else self.stated == self.table


_SENTENCE_REACH = 200  # characters looked at on each side of a statement for its sentence


def _sentence(prose: str, start: int, end: int) -> tuple[str, str]:
    """The text of the sentence before ``start`` and after ``end`` (within ``_SENTENCE_REACH``)."""
    before = prose[max(0, start - _SENTENCE_REACH):start]
    cut = max((m.end() for m in _CLAUSE_END.finditer(before)), default=0)
    after = prose[end:end + _SENTENCE_REACH]
    stop = _CLAUSE_END.search(after)
    return before[cut:], after[:stop.start() if stop else len(after)]


def _statement(report: Report, what: str, m: "re.Match[str]", paths: tuple[str, ...],
               prose: str) -> Optional[ProseStatement]:
    before, after = _sentence(prose, m.start(), m.end())
    if "其中" in before:
        return None  # a sub-count of something stated before it in the sentence
    if "verb" in m.groupdict():
        if _REPLY.search(m.group("gap") or ""):
            return None
        if m.group("verb") != "新收" and _WITH_CARRIED.search(before + m.group(0) + after):
            paths = paths + ("applications.carried_over.total",)
    cells = [report.cell(p) for p in paths]
    table: Optional[Number] = None
    if all(c is not None and c.is_number for c in cells):
        table = sum(c.value for c in cells)  # type: ignore[union-attr,misc]
    return ProseStatement(what, int(m.group("n")), m.group(0), (m.start(), m.end()), paths, table)


def prose_statements(report: Report, prose: str) -> list[ProseStatement]:
    """For each kind of figure, the first statement of it in ``prose`` that is not a 其中 sub-count
    (nor a count of replies), with the table's side of the comparison."""
    out = []
    for what, patterns, paths in PROSE_FACTS:
        found = []
        for pattern in patterns:
            for m in re.finditer(pattern, prose):
                statement = _statement(report, what, m, paths, prose)
                if statement is not None:
                    found.append(statement)
                    break
        if found:
            out.append(min(found, key=lambda s: s.span[0]))
    return out


def u6(report: Report, prose: str) -> list[Finding]:
    out = []
    for st in prose_statements(report, prose):
        if st.agrees is False:
            out.append(Finding(rule="U6", severity="warning", cells=list(st.paths),
                               message=f"U6 ({st.what}): the prose says {st.quote!r} = {st.stated} but the table "
                                       f"gives {' + '.join(st.paths)} = {st.table}"))
    return out


# A category in a prose breakdown: "机构职能类信息45条，占10.9%".
_SHARE = re.compile(r"(?<!\d)(\d+)\s*(条|件|个|次|宗)[，,]?\s*(?:所)?占(?:比)?(?:为)?\s*(\d+(?:\.\d+)?)\s*%")
_COUNT = re.compile(r"(?<!\d)(\d+)\s*(条|件|个|次|宗)")  # from a number's first digit: linear on long runs
MAX_GAP = 60  # characters of category wording between two shares of one breakdown
PERCENT_TOLERANCE = 1.5  # rounding of printed percentages


def _breakdowns(prose: str) -> list[list[re.Match[str]]]:
    groups: list[list[re.Match[str]]] = []
    for m in _SHARE.finditer(prose):
        if groups and m.start() - groups[-1][-1].end() <= MAX_GAP and m.group(2) == groups[-1][-1].group(2):
            groups[-1].append(m)
        else:
            groups.append([m])
    return [g for g in groups if len(g) >= 2]


def o14(prose: str) -> list[Finding]:
    """Category counts of a prose breakdown add up to the total stated just before it; shares to ~100%."""
    out = []
    for group in _breakdowns(prose):
        unit = group[0].group(2)
        before = prose[max(0, group[0].start() - 80):group[0].start()]
        totals = [m for m in _COUNT.finditer(before) if m.group(2) == unit]
        parts = [int(m.group(1)) for m in group]
        shares = [float(m.group(3)) for m in group]
        if totals:
            total = int(totals[-1].group(1))
            if total != sum(parts) and total > max(parts):
                out.append(Finding(rule="O14", severity="warning",
                                   message=f"O14: the prose states {total}{unit} in all, but its {len(parts)} "
                                           f"categories add up to {sum(parts)}{unit}"))
        if len(group) >= 3 and abs(sum(shares) - 100) > PERCENT_TOLERANCE and sum(shares) > 50:
            out.append(Finding(rule="O14", severity="warning",
                               message=f"O14: the shares of a {len(parts)}-category breakdown add up to "
                                       f"{sum(shares):g}%, not 100%"))
    return out


def prose_fact_rules(report: Report) -> list[Finding]:
    """Legacy prose facts checked among themselves and against the statistics table: a parent stated in
    the prose is at least the sum of the parts the prose states (O1–O7, the parts all ≥ 0), equal to it
    when every part is stated; and a fact agrees with the table row of the same key (U6)."""
    from giextract.templates.legacy import SUM_RULES

    facts = {f.key: (i, f.value.value) for i, f in enumerate(report.prose_facts or []) if f.value.is_number}
    out = []
    for rule, parent, children in SUM_RULES:
        parts = [c for c in children if c in facts]
        if parent not in facts or not parts:
            continue
        total, summed = facts[parent][1], sum(facts[c][1] for c in parts)  # type: ignore[misc]
        complete = len(parts) == len(children)
        if summed > total or (complete and summed != total):  # type: ignore[operator]
            relation = "=" if complete else "≤"
            out.append(Finding(rule=rule, severity="error",
                               cells=[f"prose_facts.{facts[k][0]}.value" for k in [parent] + parts],
                               message=f"{rule} (prose): {' + '.join(parts)} = {summed} but it should be {relation} "
                                       f"{parent} = {total}"))
    table = {row.key: (i, row.value.value) for i, row in enumerate(report.statistics_table or [])
             if row.key and row.value.is_number}
    for key, (i, value) in facts.items():
        if key in table and table[key][1] != value:
            out.append(Finding(rule="U6", severity="warning",
                               cells=[f"prose_facts.{i}.value", f"statistics_table.{table[key][0]}.value"],
                               message=f"U6 ({key}): the prose says {value} but the statistics table gives {table[key][1]}"))
    return out
