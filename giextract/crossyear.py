"""Checks across reports of one agency in consecutive years: U1 (carried over = last year's carried
forward) and U2 (in force rolls forward, 2021 format on both sides). Reported on the later report.

The checks read only a few cells, so they work on ``Facts``: the year, the era and those cells' numbers.
A batch keeps the facts of every record in its index and never re-reads the records themselves."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Optional, Sequence

from giextract.core.model import Finding, Number, Report
from giextract.templates.tables import APPLICATION_COLUMNS

_ART20 = "active_disclosure.art20_1"
_ART20_ROWS = ("regulations", "normative_documents")
# Every cell U1 and U2 read.
CELLS: tuple[str, ...] = tuple(
    [f"applications.{row}.{col}" for row in ("carried_forward", "carried_over") for col in APPLICATION_COLUMNS]
    + [f"{_ART20}.{row}.{col}" for row in _ART20_ROWS for col in ("issued", "repealed", "in_force")])


@dataclass
class Facts:
    """What the cross-year checks need of one report: the numbers of ``CELLS`` that are settled (``ok``)."""

    year: Optional[int]
    era: Optional[str]
    values: dict[str, Number] = field(default_factory=dict)


def agency_key(agency: Optional[str]) -> Optional[str]:
    return agency.strip() if agency and agency.strip() else None


def facts_of(report: Report) -> Facts:
    values: dict[str, Number] = {}
    for path in CELLS:
        cell = report.cell(path)
        if cell is not None and cell.is_number:
            values[path] = cell.value  # type: ignore[assignment]
    return Facts(report.meta.report_year, report.meta.era, values)


def facts_of_record(record: Mapping[str, Any]) -> Facts:
    """The same as ``facts_of`` from a record parsed as plain JSON (no model validation: fast)."""
    values: dict[str, Number] = {}
    for path in CELLS:
        node: Any = record
        for part in path.split("."):
            node = node.get(part) if isinstance(node, Mapping) else None
        if isinstance(node, Mapping) and node.get("status", "ok") == "ok" and isinstance(node.get("value"), (int, float)) \
                and not isinstance(node.get("value"), bool):
            values[path] = node["value"]
    meta = record.get("meta") or {}
    year = meta.get("report_year")
    return Facts(year if isinstance(year, int) else None, meta.get("era"), values)


def u1(previous: Facts, current: Facts) -> list[Finding]:
    out = []
    for col in APPLICATION_COLUMNS:
        before = previous.values.get(f"applications.carried_forward.{col}")
        now = current.values.get(f"applications.carried_over.{col}")
        if before is not None and now is not None and before != now:
            out.append(Finding(rule="U1", severity="warning", cells=[f"applications.carried_over.{col}"],
                               message=f"U1 ({col}): carried_over = {now} but {previous.year}'s "
                                       f"carried_forward = {before}"))
    return out


def u2(previous: Facts, current: Facts) -> list[Finding]:
    if previous.era != "2021" or current.era != "2021":
        return []  # not across 2020→2021: total_published is not in_force
    out = []
    for row in _ART20_ROWS:
        base = f"{_ART20}.{row}."
        before = previous.values.get(base + "in_force")
        issued, repealed, now = (current.values.get(base + c) for c in ("issued", "repealed", "in_force"))
        if before is None or issued is None or repealed is None or now is None:
            continue
        expected = before + issued - repealed
        if now != expected:
            out.append(Finding(rule="U2", severity="warning", cells=[base + "in_force"],
                               message=f"U2 ({row}): in_force = {now} but {previous.year}'s in_force "
                                       f"{before} + issued {issued} - repealed {repealed} = {expected}"))
    return out


def pair_findings(previous: Facts, current: Facts) -> list[Finding]:
    return u1(previous, current) + u2(previous, current)


def agency_findings(reports: Iterable[tuple[Any, Facts]]) -> dict[Any, list[Finding]]:
    """For the reports of one agency (key, facts), in file order: key of each later report → its
    findings. The first report of a year stands for that year."""
    by_year: dict[int, tuple[Any, Facts]] = {}
    for key, facts in reports:
        if facts.year is not None:
            by_year.setdefault(facts.year, (key, facts))
    out: dict[Any, list[Finding]] = {}
    for year, (key, facts) in by_year.items():
        if year - 1 in by_year:
            found = pair_findings(by_year[year - 1][1], facts)
            if found:
                out[key] = found
    return out


def cross_year_findings(reports: Sequence[Report]) -> dict[int, list[Finding]]:
    """Index of the later report → its U1/U2 findings."""
    by_agency: dict[str, list[tuple[int, Facts]]] = defaultdict(list)
    for i, report in enumerate(reports):
        key = agency_key(report.meta.agency)
        if key and report.meta.report_year and report.source.chars > 0:
            by_agency[key].append((i, facts_of(report)))
    out: dict[int, list[Finding]] = {}
    for group in by_agency.values():
        out.update(agency_findings(group))
    return out
