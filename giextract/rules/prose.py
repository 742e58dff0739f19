"""U6: numbers stated in the prose agree with the tables. Needs the report text, so the pipeline runs it
(``giextract.validate`` works on a Report alone and cannot)."""
from __future__ import annotations

import re
from typing import Callable, Optional

from giextract.core.model import Finding, Number, Report

# (what, prose pattern with one number group, cells whose sum the number should equal)
PROSE_FACTS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("applications received",
     r"(?:共|全年|累计)?(?:收到|受理)[^。，,；;\d]{0,12}?申请(?:公开)?\s*(\d+)\s*(?:件|宗|个)",
     ("applications.new_received.total",)),
    ("administrative reviews", r"行政复议\s*(\d+)\s*(?:件|宗|起)",
     ("review_litigation.administrative_review.total",)),
    ("lawsuits", r"行政诉讼\s*(\d+)\s*(?:件|宗|起)",
     ("review_litigation.litigation_direct.total", "review_litigation.litigation_after_review.total")),
)


def u6(report: Report, prose: str) -> list[Finding]:
    out = []
    for what, pattern, paths in PROSE_FACTS:
        m = re.search(pattern, prose)
        if not m:
            continue
        cells = [report.cell(p) for p in paths]
        if any(c is None or not c.is_number for c in cells):
            continue
        stated = int(m.group(1))
        table: Number = sum(c.value for c in cells)  # type: ignore[union-attr,misc]
        if stated != table:
            out.append(Finding(rule="U6", severity="warning", cells=list(paths),
                               message=f"U6 ({what}): the prose says {m.group(0)!r} = {stated} but the table "
                                       f"gives {' + '.join(paths)} = {table}"))
    return out


# A category in a prose breakdown: "机构职能类信息45条，占10.9%".
_SHARE = re.compile(r"(\d+)\s*(条|件|个|次|宗)[，,]?\s*(?:所)?占(?:比)?(?:为)?\s*(\d+(?:\.\d+)?)\s*%")
_COUNT = re.compile(r"(\d+)\s*(条|件|个|次|宗)")
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
