"""Putting LLM answers into a report: `llm` mode takes them all; `hybrid` keeps the rules' cells and lets
the model fill only what rules left missing, ambiguous or rule-breaking, saying so where they disagree."""
from __future__ import annotations

from typing import Optional

from giextract.core.model import Cell, Finding, Report
from giextract.templates.tables import (
    ACTIVE_DISCLOSURE, APPLICATION_COLUMNS, APPLICATIONS, REVIEW_COLUMNS, REVIEW_GROUPS,
)

# Findings that mean "this cell's number cannot be trusted as it stands".
DOUBT_RULES = {"R1", "R2", "R3", "R4", "R5", "R6", "ambiguous", "missing_row"}


def skeleton(table: str, era: str) -> dict:  # type: ignore[type-arg]
    """An all-missing grid of the era's shape, for a table the rules could not read at all."""
    if table == "applications":
        return {r.key: {c: Cell.missing() for c in APPLICATION_COLUMNS} for r in APPLICATIONS[era].rows}
    if table == "review_litigation":
        return {g: {c: Cell.missing() for c in REVIEW_COLUMNS} for g in REVIEW_GROUPS}
    return {s.key: {r.key: {c: Cell.missing() for c in s.columns} for r in s.rows} for s in ACTIVE_DISCLOSURE[era]}


def doubtful_cells(report: Report, table: str) -> set[str]:
    """Cells of ``table`` that are not a trustworthy rules value."""
    named = {c for f in report.findings if f.rule in DOUBT_RULES for c in f.cells}
    doubtful = {p for p, cell in report.iter_cells()
                if p.startswith(table + ".") and (cell.status in ("missing", "ambiguous") or p in named)}
    return doubtful


def table_needs_llm(report: Report, table: str) -> bool:
    return getattr(report, table) is None or bool(doubtful_cells(report, table))


def merge_table(report: Report, table: str, era: str, llm_cells: dict[str, Cell], hybrid: bool) -> list[Finding]:
    findings: list[Finding] = []
    if getattr(report, table) is None:
        setattr(report, table, skeleton(table, era))
    doubtful = doubtful_cells(report, table) if hybrid else None
    for path, llm_cell in llm_cells.items():
        current: Optional[Cell] = report.cell(path)
        if current is None:
            continue
        if hybrid and path not in doubtful:  # type: ignore[operator]
            if current.is_number and llm_cell.value != current.value:
                findings.append(Finding(rule="llm_disagrees", severity="warning", cells=[path],
                                        message=f"{path}: rules read {current.value}, the LLM read {llm_cell.value}; "
                                                "the rules value is kept"))
            continue
        if not hybrid:
            # llm mode takes the model's value, but the rules' reading still checks it.
            if current.is_number and llm_cell.value != current.value:
                findings.append(Finding(rule="llm_disagrees", severity="warning", cells=[path],
                                        message=f"{path}: the LLM read {llm_cell.value}, the rules read {current.value}"))
            elif not current.is_number and table == "active_disclosure":
                findings.append(Finding(rule="llm_unchecked", severity="warning", cells=[path],
                                        message=f"{path}: from the LLM, and no rule or rules reading can check it"))
        if current.status == "ambiguous":
            if llm_cell.value not in current.candidates:
                findings.append(Finding(rule="llm_disagrees", severity="warning", cells=[path],
                                        message=f"{path}: the LLM read {llm_cell.value}, which is none of the "
                                                f"readings the rules allow {current.candidates}; left ambiguous"))
                continue
            findings.append(Finding(rule="llm_choice", severity="warning", cells=[path],
                                    message=f"{path}: the LLM chose {llm_cell.value} among {current.candidates}"))
        report.set_cell(path, llm_cell)
    return findings
