"""Checks across reports of one agency in consecutive years: U1 (carried over = last year's carried
forward) and U2 (in force rolls forward, 2021 format on both sides). Reported on the later report."""
from __future__ import annotations

from collections import defaultdict
from typing import Optional, Sequence

from giextract.core.model import Finding, Number, Report
from giextract.templates.tables import APPLICATION_COLUMNS


def _agency_key(report: Report) -> Optional[str]:
    agency = report.meta.agency
    return agency.strip() if agency else None


def _value(report: Report, path: str) -> Optional[Number]:
    cell = report.cell(path)
    return cell.value if cell is not None and cell.is_number else None


def u1(previous: Report, current: Report) -> list[Finding]:
    out = []
    for col in APPLICATION_COLUMNS:
        before = _value(previous, f"applications.carried_forward.{col}")
        now = _value(current, f"applications.carried_over.{col}")
        if before is not None and now is not None and before != now:
            out.append(Finding(rule="U1", severity="warning", cells=[f"applications.carried_over.{col}"],
                               message=f"U1 ({col}): carried_over = {now} but {previous.meta.report_year}'s "
                                       f"carried_forward = {before}"))
    return out


def u2(previous: Report, current: Report) -> list[Finding]:
    if previous.meta.era != "2021" or current.meta.era != "2021":
        return []  # not across 2020→2021: total_published is not in_force
    out = []
    for row in ("regulations", "normative_documents"):
        base = f"active_disclosure.art20_1.{row}."
        before = _value(previous, base + "in_force")
        issued, repealed, now = (_value(current, base + c) for c in ("issued", "repealed", "in_force"))
        if None in (before, issued, repealed, now):
            continue
        expected = before + issued - repealed  # type: ignore[operator]
        if now != expected:
            out.append(Finding(rule="U2", severity="warning", cells=[base + "in_force"],
                               message=f"U2 ({row}): in_force = {now} but {previous.meta.report_year}'s in_force "
                                       f"{before} + issued {issued} - repealed {repealed} = {expected}"))
    return out


def cross_year_findings(reports: Sequence[Report]) -> dict[int, list[Finding]]:
    """Index of the later report → its U1/U2 findings."""
    by_agency: dict[str, dict[int, int]] = defaultdict(dict)
    for i, report in enumerate(reports):
        key = _agency_key(report)
        if key and report.meta.report_year and report.source.chars > 0:
            by_agency[key].setdefault(report.meta.report_year, i)
    out: dict[int, list[Finding]] = defaultdict(list)
    for years in by_agency.values():
        for year, index in years.items():
            if year - 1 in years:
                previous, current = reports[years[year - 1]], reports[index]
                found = u1(previous, current) + u2(previous, current)
                if found:
                    out[index] += found
    return out
