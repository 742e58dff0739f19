"""Putting LLM answers into a report: `llm` mode takes them all; `hybrid` keeps the rules' cells and lets
the model fill only what rules left missing, ambiguous or rule-breaking, saying so where they disagree."""
from __future__ import annotations

from typing import Optional

from giextract.core.model import Cell, Finding, ProseFact, Report
from giextract.templates.tables import (
    ACTIVE_DISCLOSURE, APPLICATION_COLUMNS, APPLICATIONS, REVIEW_COLUMNS, REVIEW_GROUPS,
)

# Findings that mean "this cell's number cannot be trusted as it stands". An `ambiguous` finding is not
# one of them: it also names the cells that every reading agrees on, and those the rules have settled.
DOUBT_RULES = {"R1", "R2", "R3", "R4", "R5", "R6", "missing_row"}


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


def merge_table(report: Report, table: str, era: str, llm_cells: dict[str, Cell], hybrid: bool,
                verified: bool = True) -> list[Finding]:
    """Put the LLM's cells of ``table`` into ``report``. ``verified`` is False when the answer failed
    validation after its re-asks: hybrid then lets it fill only cells the rules left missing."""
    findings: list[Finding] = []
    if getattr(report, table) is None:
        setattr(report, table, skeleton(table, era))
    doubtful = doubtful_cells(report, table) if hybrid else None
    rejected = _rejected_readings(report, table, llm_cells, findings)
    for path, llm_cell in llm_cells.items():
        current: Optional[Cell] = report.cell(path)
        if current is None or path in rejected:
            continue
        if hybrid and (path not in doubtful or (not verified and current.status != "missing")):  # type: ignore[operator]
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
            if llm_cell.value not in current.candidates:  # also where no finding lists the row's readings
                findings.append(Finding(rule="llm_disagrees", severity="warning", cells=[path],
                                        message=f"{path}: the LLM read {llm_cell.value}, which is none of the "
                                                f"readings the rules allow {current.candidates}; left ambiguous"))
                continue
            findings.append(Finding(rule="llm_choice", severity="warning", cells=[path],
                                    message=f"{path}: the LLM chose {llm_cell.value} among {current.candidates}"))
        report.set_cell(path, llm_cell)
    return findings


def _rejected_readings(report: Report, table: str, llm_cells: dict[str, Cell], findings: list[Finding]) -> set[str]:
    """Where the rules found several readings of a run-on row, the LLM may settle it only by giving one of
    those readings whole; a model that splits the digits its own way is wrong somewhere, so the row's
    ambiguous cells stay ambiguous. Returns the ambiguous cells whose LLM value is not taken."""
    rejected: set[str] = set()
    for finding in report.findings:
        if (finding.rule != "ambiguous" or not finding.readings or not finding.cells[0].startswith(table + ".")
                or any(len(reading) != len(finding.cells) for reading in finding.readings)):
            continue
        cells = [report.cell(p) for p in finding.cells]
        open_paths = [p for p, c in zip(finding.cells, cells) if c is not None and c.status == "ambiguous"]
        if not any(p in llm_cells for p in open_paths):
            continue
        answer = [llm_cells[p].value if p in llm_cells else (c.value if c is not None else None)
                  for p, c in zip(finding.cells, cells)]
        if any(list(reading) == answer for reading in finding.readings):
            continue
        rejected.update(open_paths)
        shown = ", ".join("?" if v is None else str(v) for v in answer)
        findings.append(Finding(rule="llm_disagrees", severity="warning", cells=open_paths,
                                message=f"the LLM read the run-on row as ({shown}), which is none of the "
                                        f"{len(finding.readings)} readings the rules allow; left ambiguous"))
    return rejected


def merge_prose_facts(report: Report, llm_facts: list[ProseFact], hybrid: bool, verified: bool) -> list[Finding]:
    """``llm`` mode takes the model's facts; ``hybrid`` keeps the rules' and adds the keys they did not
    find (only from an answer that passed validation). A disagreement is a finding either way."""
    findings: list[Finding] = []
    rules = {f.key: f for f in report.prose_facts or []}
    merged = dict(rules) if hybrid else {}
    for fact in llm_facts:
        ours = rules.get(fact.key)
        if ours is not None and ours.value.value != fact.value.value:
            kept = "rules" if hybrid else "LLM"
            findings.append(Finding(rule="llm_disagrees", severity="warning",
                                    message=f"prose fact {fact.key}: rules read {ours.value.value}, the LLM read "
                                            f"{fact.value.value}; the {kept} value is kept"))
        if (hybrid and (ours is not None or not verified)) or fact.key in merged:
            continue
        merged[fact.key] = fact
    if not hybrid and not verified:
        for key, fact in rules.items():  # an unverified answer never removes what the rules read
            merged.setdefault(key, fact)
    report.prose_facts = sorted(merged.values(), key=lambda f: f.value.span or (0, 0))
    for i, fact in enumerate(report.prose_facts):
        ours = rules.get(fact.key)
        if fact.value.source != "llm" or (ours is not None and ours.value.value == fact.value.value):
            continue
        # The validators check that the number is in the text, not that it is this indicator's number.
        rule, why = ("llm_unverified", "from an LLM answer that failed validation") if not verified else \
            ("llm_unchecked", "from the LLM; its number is quoted from the text, but no rule confirms the indicator")
        findings.append(Finding(rule=rule, severity="warning", cells=[f"prose_facts.{i}.value"],
                                message=f"prose fact {fact.key} = {fact.value.value}: {why}"))
    return findings
