"""The LLM stage of the pipeline: which sections to send, and folding the answers into the report."""
from __future__ import annotations

import logging
from collections import Counter

from giextract.core.model import Finding, Report
from giextract.ingest.normalize import Document
from giextract.llm import tasks
from giextract.llm.client import LLMClient
from giextract.llm.hybrid import merge_table, table_needs_llm
from giextract.sections import RawSection, section_text

log = logging.getLogger(__name__)
TABLE_SECTIONS = {"active_disclosure": "active_disclosure", "applications": "applications",
                  "review_litigation": "review_litigation"}


def apply_llm(report: Report, doc: Document, raw: list[RawSection], era: str, client: LLMClient,
              hybrid: bool) -> list[Finding]:
    findings: list[Finding] = []
    usage: Counter = Counter()

    def record(output: tasks.TaskOutput) -> None:
        if output.result is not None:
            usage.update(output.result.usage)
        if output.error is not None:
            report.errors.append(output.error)

    if era in ("2019", "2021"):
        for table, key in TABLE_SECTIONS.items():
            span = section_text(doc, raw, key)
            if span is None or (hybrid and not table_needs_llm(report, table)):
                continue
            if table == "applications":
                output = tasks.applications(client, doc, span, era)
            elif table == "review_litigation":
                output = tasks.review(client, doc, span)
            else:
                output = tasks.active_disclosure(client, doc, span, era)
            record(output)
            if output.error is not None:
                # Re-asks exhausted: the best attempt's cells are kept only where they fill a gap, flagged.
                for path in output.cells:
                    findings.append(Finding(rule="llm_unverified", severity="warning", cells=[path],
                                            message=f"{path}: from an LLM answer that failed validation"))
            findings += merge_table(report, table, era, output.cells, hybrid)
    problems = section_text(doc, raw, "problems", "improvements")
    if problems is not None:
        output = tasks.narrative(client, doc, problems)
        record(output)
        if output.narrative is not None and output.error is None and (
                output.narrative.problems or output.narrative.improvements):
            report.problems_improvements = output.narrative
    if not hybrid or report.meta.agency is None or report.meta.report_year is None:
        output = tasks.meta(client, doc)
        record(output)
        for name, value in output.meta.items():
            if not hybrid or getattr(report.meta, name) is None:
                setattr(report.meta, name, value)
    report.usage = {k: int(v) for k, v in sorted(usage.items())}
    return findings
