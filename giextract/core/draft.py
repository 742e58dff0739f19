"""The draft report the LLM stage works from: per cell, why the rules' reading is in doubt. No I/O here.

The rules read the report and validate it; the draft then names every cell the model may be asked
about and the reason: ``unread`` (printed or expected but not read), ``not_located`` (its table was not
found at all), ``ambiguous`` (several readings fit; the readings are kept), ``equation`` (a failed
R1–R6 equation names it). A cell that is not in the draft is a trusted rules value (or a blank the
report prints) and the model never changes it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Optional, Sequence

from giextract.core.model import Finding, Number, Report

Why = Literal["unread", "not_located", "ambiguous", "equation"]
EQUATION_RULES = frozenset({"R1", "R2", "R3", "R4", "R5", "R6"})
TABLES = ("active_disclosure", "applications", "review_litigation")


@dataclass(frozen=True)
class Doubt:
    why: Why
    rule: Optional[str] = None  # the failed equation, for ``equation``
    readings: tuple[Number, ...] = ()  # the rules' candidates, for ``ambiguous``


@dataclass
class Draft:
    """The rules' report plus, per dotted cell path, the reasons it is doubtful."""

    report: Report
    doubts: dict[str, list[Doubt]] = field(default_factory=dict)
    # Run-on rows: (cell paths in order, every reading of the row the rules allow).
    row_readings: list[tuple[tuple[str, ...], tuple[tuple[Optional[Number], ...], ...]]] = field(default_factory=list)

    def doubtful(self, table: str) -> set[str]:
        return {p for p in self.doubts if p.startswith(table + ".")}

    def located(self, table: str) -> bool:
        """Whether the rules found ``table`` at all (a table not found is all ``not_located``)."""
        paths = self.doubtful(table)
        return not paths or not all(any(d.why == "not_located" for d in self.doubts[p]) for p in paths)

    def reasons(self, path: str) -> set[str]:
        return {d.why for d in self.doubts.get(path, [])}


def draft_of(report: Report, findings: Optional[Sequence[Finding]] = None) -> Draft:
    """The draft of a rules-read, validated report (``findings``: the report's own by default)."""
    findings = report.findings if findings is None else findings
    draft = Draft(report)

    def add(path: str, doubt: Doubt) -> None:
        if path.split(".", 1)[0] in TABLES and doubt not in draft.doubts.setdefault(path, []):
            draft.doubts[path].append(doubt)

    not_located = {c for f in findings if f.rule == "missing_table" for c in f.cells}
    for path, cell in report.iter_cells():
        if path in not_located:
            add(path, Doubt("not_located"))
        elif cell.status == "unread":
            add(path, Doubt("unread"))
        elif cell.status == "ambiguous":
            add(path, Doubt("ambiguous", readings=tuple(cell.candidates)))
    for f in findings:
        if f.rule in EQUATION_RULES:
            for path in f.cells:
                add(path, Doubt("equation", rule=f.rule))
        elif f.rule == "ambiguous" and f.readings and all(len(r) == len(f.cells) for r in f.readings):
            draft.row_readings.append((tuple(f.cells), tuple(tuple(r) for r in f.readings)))
    return draft


__all__ = ["Doubt", "Draft", "EQUATION_RULES", "draft_of"]
