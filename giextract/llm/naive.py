"""The naive baseline the benchmark compares against: the whole report through instructor in one call for
the full schema. Not a mode to use; a yardstick for what section-by-section hybrid saves."""
from __future__ import annotations

from typing import Optional

from pydantic import BaseModel, Field

from giextract.core.model import Cell, ErrorRecord, Finding, Narrative, Report
from giextract.ingest.normalize import Document
from giextract.llm.client import LLMClient
from giextract.llm.grounding import locate as locate_rows
from giextract.llm.hybrid import confirm, merge_table
from giextract.llm.prompts import render
from giextract.llm.redact import redact
from giextract.llm.schemas import ActiveRowOut, ApplicationsRowOut, MetaOut, NarrativeOut, ReviewOut
from giextract.llm.tasks import _NumberLocator, _full_items
from giextract.templates.tables import APPLICATION_COLUMNS, REVIEW_COLUMNS, REVIEW_GROUPS


class WholeReportOut(BaseModel):
    meta: MetaOut = Field(default_factory=MetaOut)
    active_disclosure: list[ActiveRowOut] = Field(default_factory=list)
    applications: list[ApplicationsRowOut] = Field(default_factory=list)
    review_litigation: Optional[ReviewOut] = None
    narrative: NarrativeOut = Field(default_factory=NarrativeOut)


def apply_naive(report: Report, doc: Document, era: str, client: LLMClient) -> list[Finding]:
    text = doc.text.strip()
    try:
        result = client.fill(render("whole_report", text), WholeReportOut, {"lenient": True})
    except Exception as exc:  # noqa: BLE001 - the baseline's failures are part of what it measures
        report.errors.append(ErrorRecord(stage="llm", message=redact(f"whole_report: {type(exc).__name__}: {exc}")[:400]))
        report.usage = {}
        return []
    report.usage = {k: int(v) for k, v in sorted(result.usage.items())}
    value = result.value
    if not isinstance(value, WholeReportOut):
        return []
    span = (0, len(doc.text))
    problems, improvements = _full_items(doc, span, value.narrative.problems, value.narrative.improvements)
    report.problems_improvements = Narrative(problems=problems, improvements=improvements, method="llm")
    for name, meta_value in value.meta.model_dump(exclude_none=True).items():
        setattr(report.meta, name, meta_value)
    if era not in ("2019", "2021"):
        return []
    cells: dict[str, Cell] = {}
    locate = _NumberLocator(doc, span)
    for row in value.applications:
        if len(row.values) == len(APPLICATION_COLUMNS):
            for col, v in zip(APPLICATION_COLUMNS, row.values):
                cells[f"applications.{row.row.strip()}.{col}"] = locate.cell(v)
    findings, placed = _merge(report, doc, era, "applications", cells)
    if value.review_litigation is not None:
        review = {f"review_litigation.{g}.{c}": locate.cell(getattr(getattr(value.review_litigation, g), c))
                  for g in REVIEW_GROUPS for c in REVIEW_COLUMNS}
        more, also = _merge(report, doc, era, "review_litigation", review)
        findings += more
        placed.update(also)
    return findings + confirm(report, placed)


def _merge(report: Report, doc: Document, era: str, table: str,
           cells: dict[str, Cell]) -> tuple[list[Finding], dict[str, Cell]]:
    """As in llm mode: a model number is ``ok`` only where the printed cell at its row and column reads it."""
    rules_cells = {p: c for p, c in report.iter_cells() if p.startswith(table + ".")}
    views = locate_rows(doc, table, era, (0, len(doc.text)), rules_cells)
    return merge_table(report, None, table, cells, views)
