"""Putting LLM answers into a report: `llm` mode takes them wherever they are grounded; `hybrid` keeps
the rules' cells and lets the model fill only what the draft doubts (unread, not located, ambiguous,
named by a failed equation). A model number is `ok` only when the printed table and its equations
confirm it; otherwise it is `unverified` with a finding, or the rules' reading stays."""
from __future__ import annotations

from typing import Optional

from giextract.core.draft import EQUATION_RULES, Draft
from giextract.core.model import Cell, Finding, Number, ProseFact, Report
from giextract.llm.grounding import RowView, reading
from giextract.rules.validate import validate


def table_needs_llm(draft: Draft, table: str) -> bool:
    """Hybrid sends a table only when the draft doubts some of its cells."""
    return bool(draft.doubtful(table))


def _unverified(path: str, value: Number, why: str) -> tuple[Cell, Finding]:
    cell = Cell(value=value, raw="", span=None, source="llm", status="unverified")
    return cell, Finding(rule="llm_unverified", severity="warning", cells=[path],
                         message=f"{path}: the LLM read {value}, {why}; kept as unverified")


def merge_table(report: Report, draft: Optional[Draft], table: str, llm_cells: dict[str, Cell],
                views: dict[str, RowView], verified: bool = True) -> tuple[list[Finding], dict[str, Cell]]:
    """Put the LLM's cells of ``table`` into ``report``. ``draft`` is None in llm mode (the model's value
    is taken wherever it is grounded); in hybrid only the draft's doubtful cells are open. A value is
    placed as ``ok`` only when a printed reading of its own position confirms it (``grounding``), else
    as ``unverified`` where the rules have no number, with a finding either way. ``verified`` is False
    when the answer failed validation after its re-asks: it then fills only cells the rules could not
    read. Returns the findings and the rules' cells that grounded model values replaced (for ``confirm``)."""
    findings: list[Finding] = []
    placed: dict[str, Cell] = {}
    doubtful = draft.doubtful(table) if draft is not None else None
    rejected = _rejected_readings(report, table, llm_cells, findings)
    for path, llm_cell in llm_cells.items():
        current: Optional[Cell] = report.cell(path)
        if current is None or path in rejected or llm_cell.value is None:
            continue
        value = llm_cell.value
        if doubtful is not None and path not in doubtful:
            if current.is_number and value != current.value:
                findings.append(Finding(rule="llm_disagrees", severity="warning", cells=[path],
                                        message=f"{path}: rules read {current.value}, the LLM read {value}; "
                                                "the rules value is kept"))
            continue
        if current.is_number and value == current.value:
            continue  # the model agrees with the rules: nothing to change
        open_cell = current.status == "unread" or (doubtful is None and current.status != "ambiguous")
        if not verified and not open_cell:
            if current.is_number:
                findings.append(Finding(rule="llm_disagrees", severity="warning", cells=[path],
                                        message=f"{path}: rules read {current.value}, the LLM read {value} in an "
                                                "answer that failed validation; the rules value is kept"))
            continue
        ground = reading(views, path, value)
        if current.status == "ambiguous":
            if value not in current.candidates:
                findings.append(Finding(rule="llm_disagrees", severity="warning", cells=[path],
                                        message=f"{path}: the LLM read {value}, which is none of the "
                                                f"readings the rules allow {current.candidates}; left ambiguous"))
                continue
            findings.append(Finding(rule="llm_choice", severity="warning", cells=[path],
                                    message=f"{path}: the LLM chose {value} among {current.candidates}"))
            placed[path] = current
            report.set_cell(path, Cell(value=value, raw=current.raw, span=current.span, source="llm",
                                       unit=current.unit))
            continue
        if ground is None:
            if current.status != "unread":  # a rules reading (a number, a blank) stays; the other is noted
                shown = current.value if current.is_number else current.status
                findings.append(Finding(rule="llm_disagrees", severity="warning", cells=[path],
                                        message=f"{path}: rules read {shown}, the LLM read {value}, which "
                                                "no printed cell at this row and column reads; the rules reading is kept"))
                continue
            cell, finding = _unverified(path, value, "which no printed cell at this row and column reads")
            report.set_cell(path, cell)
            findings.append(finding)
            continue
        placed[path] = current
        report.set_cell(path, Cell(value=value, raw=ground.raw, span=ground.span, source="llm", unit=ground.unit))
    return findings, placed


def confirm(report: Report, placed: dict[str, Cell], rounds: int = 4) -> list[Finding]:
    """The table equations (R1–R6) must hold with every model value placed as ``ok``: a model value named
    by a failed equation goes back to the rules' number it replaced, or, where the rules had none,
    becomes ``unverified``. Every model value that stays ``ok`` is named by an info finding."""
    findings: list[Finding] = []
    open_paths = dict(placed)
    for _ in range(rounds):
        broken = {}
        for f in validate(report):
            if f.rule in EQUATION_RULES:
                for path in f.cells:
                    if path in open_paths:
                        broken.setdefault(path, f)
        if not broken:
            break
        for path, f in broken.items():
            before, model = open_paths.pop(path), report.cell(path)
            value = model.value if model is not None else None
            if before.is_number or before.status == "ambiguous":
                report.set_cell(path, before)
                findings.append(Finding(rule="llm_disagrees", severity="warning", cells=[path],
                                        message=f"{path}: the LLM read {value}, but {f.rule} fails with it; "
                                                "the rules reading is kept"))
            else:
                cell, finding = _unverified(path, value, f"but {f.rule} fails with it ({f.message})")  # type: ignore[arg-type]
                report.set_cell(path, cell)
                findings.append(finding)
    if open_paths:
        findings.append(Finding(rule="llm_grounded", severity="info", cells=sorted(open_paths),
                                message=f"{len(open_paths)} cell(s) from the LLM, each confirmed by the printed "
                                        "cell at its row and column and by the table's equations"))
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
