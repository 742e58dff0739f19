"""Validators: every within-report rule of the data dictionary, as small functions over a Report.

Each returns findings that name the rule, the equation with its two sides, and the cells involved.
A cell that is not a known number (missing, ambiguous) makes its equation unknown, not false.
"""
from __future__ import annotations

import re
from typing import Callable, Iterable, Optional

from giextract.core.model import Cell, Finding, Number, Report
from giextract.rules.equations import r2_row, r4_group
from giextract.rules.prose import prose_fact_rules
from giextract.templates.legacy import CHANNELS, SUM_RULES
from giextract.templates.patterns import CN_DIGITS
from giextract.templates.tables import (
    APPLICANT_COLUMNS, APPLICATION_COLUMNS, REVIEW_COLUMNS, REVIEW_GROUPS, RESULT_ROWS,
)

Rule = Callable[[Report], list[Finding]]


def _num(cell: Optional[Cell]) -> Optional[Number]:
    return cell.value if cell is not None and cell.is_number else None


def _sum_finding(rule: str, severity: str, lhs_name: str, lhs: Number, rhs_names: list[str],
                 rhs: Number, cells: list[str]) -> Finding:
    return Finding(rule=rule, severity=severity,  # type: ignore[arg-type]
                   message=f"{rule}: {lhs_name} = {lhs} but {' + '.join(rhs_names)} = {rhs}", cells=cells)


def r1(report: Report) -> list[Finding]:
    grid = report.applications
    if not grid:
        return []
    out = []
    for col in APPLICATION_COLUMNS:
        p = {k: f"applications.{k}.{col}" for k in ("new_received", "carried_over", "results_total", "carried_forward")}
        v = {k: _num(report.cell(path)) for k, path in p.items()}
        if None in v.values():
            continue
        left, right = v["new_received"] + v["carried_over"], v["results_total"] + v["carried_forward"]  # type: ignore[operator]
        if left != right:
            out.append(Finding(rule="R1", severity="error", cells=list(p.values()),
                               message=f"R1 ({col}): new_received + carried_over = {left} but "
                                       f"results_total + carried_forward = {right}"))
    return out


def r2(report: Report) -> list[Finding]:
    out = []
    for row, cols in (report.applications or {}).items():
        values = [_num(cols.get(c)) for c in APPLICATION_COLUMNS]
        if r2_row(values) is False:
            out.append(_sum_finding("R2", "error", f"{row}.total", values[6], list(APPLICANT_COLUMNS),
                                    sum(values[:6]), [f"applications.{row}.{c}" for c in APPLICATION_COLUMNS]))  # type: ignore[arg-type]
    return out


def r3(report: Report) -> list[Finding]:
    grid = report.applications
    if not grid:
        return []
    result_rows = RESULT_ROWS["2021" if "other_other" in grid else "2019"]
    out = []
    for col in APPLICATION_COLUMNS:
        parts = [_num(grid[k][col]) for k in result_rows if k in grid]
        total = _num(grid.get("results_total", {}).get(col))
        if total is None or None in parts:
            continue
        if sum(parts) != total:  # type: ignore[arg-type]
            out.append(Finding(rule="R3", severity="error",
                               message=f"R3 ({col}): results_total = {total} but the sum of result rows = {sum(parts)}",  # type: ignore[arg-type]
                               cells=[f"applications.results_total.{col}"] + [f"applications.{k}.{col}" for k in result_rows]))
    return out


def r4(report: Report) -> list[Finding]:
    out = []
    for group in REVIEW_GROUPS:
        cols = (report.review_litigation or {}).get(group)
        if not cols:
            continue
        values = [_num(cols.get(c)) for c in REVIEW_COLUMNS]
        if r4_group(values) is False:
            out.append(_sum_finding("R4", "error", f"{group}.total", values[4], list(REVIEW_COLUMNS[:4]),
                                    sum(values[:4]), [f"review_litigation.{group}.{c}" for c in REVIEW_COLUMNS]))  # type: ignore[arg-type]
    return out


def r5(report: Report) -> list[Finding]:
    out = []
    for path, cell in report.iter_cells():
        if not cell.is_number:
            continue
        signed = path.endswith(".change")
        if not signed and cell.value < 0:  # type: ignore[operator]
            out.append(Finding(rule="R5", severity="error", message=f"R5: {path} = {cell.value} is negative", cells=[path]))
        elif not signed and "wan_yuan" not in path and not path.startswith("statistics_table") \
                and not float(cell.value).is_integer():  # type: ignore[arg-type]
            out.append(Finding(rule="R5", severity="error", message=f"R5: count {path} = {cell.value} is not an integer", cells=[path]))
    return out


def r6(report: Report) -> list[Finding]:
    out = []
    for col in APPLICATION_COLUMNS:
        base = [f"applications.new_received.{col}", f"applications.carried_over.{col}"]
        a, b = (_num(report.cell(p)) for p in base)
        if a is None or b is None:
            continue
        for key in ("results_total", "carried_forward"):
            path = f"applications.{key}.{col}"
            v = _num(report.cell(path))
            if v is not None and v > a + b:
                out.append(Finding(rule="R6", severity="error", cells=base + [path],
                                   message=f"R6 ({col}): {key} = {v} exceeds new_received + carried_over = {a + b}"))
    return out


def _active(report: Report, sub: str, row: str, col: str) -> tuple[str, Optional[Number]]:
    path = f"active_disclosure.{sub}.{row}.{col}"
    return path, _num(report.cell(path))


def u3(report: Report) -> list[Finding]:
    if report.meta.era != "2021":
        return []
    out = []
    for row in ("regulations", "normative_documents"):
        (pi, issued), (pr, repealed), (pf, in_force) = (_active(report, "art20_1", row, c) for c in ("issued", "repealed", "in_force"))
        if None not in (issued, repealed, in_force) and issued > in_force + repealed:  # type: ignore[operator]
            out.append(Finding(rule="U3", severity="warning", cells=[pi, pr, pf],
                               message=f"U3 ({row}): issued = {issued} exceeds in_force + repealed = {in_force + repealed}"))  # type: ignore[operator]
    return out


def u4(report: Report) -> list[Finding]:
    if report.meta.era != "2019":
        return []
    out = []
    for sub, rows in (("art20_5", ("administrative_licensing", "other_external_services")),
                      ("art20_6", ("administrative_penalty", "administrative_coercion"))):
        for row in rows:
            (pp, prev), (pc, change), (pd, decisions) = (_active(report, sub, row, c) for c in ("previous_year_items", "change", "decisions"))
            if None not in (prev, change, decisions) and decisions == prev + change and decisions != 0:  # type: ignore[operator]
                out.append(Finding(rule="U4", severity="warning", cells=[pp, pc, pd],
                                   message=f"U4 ({row}): decisions = {decisions} equals previous_year_items + change "
                                           f"= {prev} + {change}: the item count was probably written as decisions"))
    return out


def u5(report: Report) -> list[Finding]:
    if report.meta.era != "2019":
        return []
    out = []
    for row in ("regulations", "normative_documents"):
        (pn, new), (pt, total) = (_active(report, "art20_1", row, c) for c in ("newly_published", "total_published"))
        if new is not None and total is not None and new > total:
            out.append(Finding(rule="U5", severity="warning", cells=[pn, pt],
                               message=f"U5 ({row}): newly_published = {new} exceeds total_published = {total}"))
    return out


def u7(report: Report) -> list[Finding]:
    if report.meta.era != "2021" or not report.sections:
        return []
    fee = report.other_matters.information_processing_fee if report.other_matters else None
    if fee is None or fee.charged is None:
        return [Finding(rule="U7", severity="warning", message="U7: section 六 does not state the information-processing fee")]
    return []


_TEMPLATE_SECTIONS = ("overview", "active_disclosure", "applications", "review_litigation",
                      "problems_improvements", "other_matters")
_HEADING_ORDINAL = re.compile(rf"^\s*([{CN_DIGITS}]{{1,3}})\s*[、.．]")


def u8(report: Report) -> list[Finding]:
    """The six template sections are present, in order, each numbered as the template numbers it
    (一 … 六): which heading is missing, out of order or misnumbered, and what it should be."""
    if report.meta.era not in ("2019", "2021"):
        return []
    present = [s for s in report.sections if s.key in _TEMPLATE_SECTIONS]
    keys = [s.key for s in present]
    missing = [k for k in _TEMPLATE_SECTIONS if k not in keys]
    ordered = keys == [k for k in _TEMPLATE_SECTIONS if k in keys]
    problems = []
    if missing:
        problems.append(f"headings missing {missing}")
    if not ordered:
        problems.append(f"out of order: {keys}")
    for section in present:
        m = _HEADING_ORDINAL.match(section.heading)
        expected = CN_DIGITS[_TEMPLATE_SECTIONS.index(section.key)]
        first = section.heading.split("；")[0]
        if m and m.group(1) != expected:
            problems.append(f"heading {first!r} is numbered {m.group(1)}, the template numbers "
                            f"{section.key} {expected}、")
    if problems:
        return [Finding(rule="U8", severity="warning", message="U8: " + "; ".join(problems))]
    return []


def _stats(report: Report) -> dict[str, tuple[int, Cell, Optional[Cell]]]:
    out = {}
    for i, row in enumerate(report.statistics_table or []):
        if row.key and row.key not in out:
            out[row.key] = (i, row.value, row.cumulative)
    return out


def o_rules(report: Report) -> list[Finding]:
    """O1–O7 (parent == sum of its parts) and O9 (a 其中 row ≤ its parent), per column."""
    stats = _stats(report)
    out = []
    for rule, parent, children in SUM_RULES:
        if parent not in stats:
            continue
        present = [c for c in children if c in stats]
        if not present:
            continue
        for col in (1, 2):
            pv = _num(stats[parent][col])
            vals = [_num(stats[c][col]) for c in present]
            if pv is None or any(v is None for v in vals):
                continue
            name = "value" if col == 1 else "cumulative"
            cells = [f"statistics_table.{stats[k][0]}.{name}" for k in [parent] + present]
            if len(present) == len(children) and sum(vals) != pv:  # type: ignore[arg-type]
                out.append(_sum_finding(rule, "error", parent, pv, present, sum(vals), cells))  # type: ignore[arg-type]
            for child, v in zip(present, vals):
                if v > pv:  # type: ignore[operator]
                    out.append(Finding(rule="O9", severity="error", cells=[cells[0], f"statistics_table.{stats[child][0]}.{name}"],
                                       message=f"O9: {child} = {v} exceeds its parent {parent} = {pv}"))
    return out


def o8(report: Report) -> list[Finding]:
    stats = _stats(report)
    if "proactive_items" not in stats:
        return []
    total = _num(stats["proactive_items"][1])
    channels = [(k, _num(stats[k][1])) for k in CHANNELS if k in stats and _num(stats[k][1]) is not None]
    if total is None or not channels:
        return []
    biggest = max(v for _, v in channels)  # type: ignore[type-var]
    summed = sum(v for _, v in channels)  # type: ignore[misc]
    # The upper bound is known only when every channel is printed.
    if biggest <= total and (len(channels) < len(CHANNELS) or total <= summed):  # type: ignore[operator]
        return []
    return [Finding(rule="O8", severity="error",
                    cells=[f"statistics_table.{stats['proactive_items'][0]}.value"] + [f"statistics_table.{stats[k][0]}.value" for k, _ in channels],
                    message=f"O8: proactive_items = {total} is outside [largest channel {biggest}, sum of channels {summed}]")]


def ambiguity(report: Report) -> list[Finding]:
    """Every ambiguous cell is a finding of its own, so no list of findings hides one."""
    out = []
    named = {c for f in report.findings if f.rule == "ambiguous" for c in f.cells}
    for path, cell in report.iter_cells():
        if cell.status == "ambiguous" and path not in named:
            out.append(Finding(rule="ambiguous", severity="warning", cells=[path],
                               message=f"{path}: run-on text {cell.raw!r} has several readings {cell.candidates} "
                                       "and no rule decides"))
    return out


RULES: tuple[Rule, ...] = (r1, r2, r3, r4, r5, r6, u3, u4, u5, u7, u8, o_rules, o8, prose_fact_rules, ambiguity)


def validate(report: Report, rules: Iterable[Rule] = RULES) -> list[Finding]:
    """Run the within-report rules on ``report``; returns the findings (does not modify the report)."""
    findings: list[Finding] = []
    for rule in rules:
        findings.extend(rule(report))
    return findings


__all__ = ["RULES", "validate"]
