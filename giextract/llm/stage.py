"""The LLM stage of the pipeline: which sections to send, and folding the answers into the report."""
from __future__ import annotations

import logging
from collections import Counter

from giextract.core.model import ErrorRecord, Finding, Report
from giextract.ingest.normalize import Document
from giextract.llm import tasks
from giextract.llm.client import LLMClient
from giextract.llm.hybrid import doubtful_cells, merge_prose_facts, merge_table, table_needs_llm
from giextract.llm.redact import redact
from giextract.sections import RawSection, section_text

log = logging.getLogger(__name__)
TABLE_SECTIONS = {"active_disclosure": "active_disclosure", "applications": "applications",
                  "review_litigation": "review_litigation"}


def _statistics_start(report: Report, doc: Document) -> "int | None":
    rows = report.statistics_table or []
    if not rows or rows[0].span is None:
        return None
    start = rows[0].span[0]
    # Original offset of the first row → normalized offset (the text before it has the same length in
    # all but Traditional inputs; good enough to choose where the section starts).
    return max(0, min(start, len(doc.text)) - 40)


def _compare_statistics(report: Report, llm_rows: list) -> list[Finding]:  # type: ignore[type-arg]
    """llm mode keeps the model's rows; where the rules read the same indicator differently, say so."""
    by_key = {r.key: r for r in report.statistics_table or [] if r.key}
    findings = []
    for i, row in enumerate(llm_rows):
        rules_row = by_key.get(row.key) if row.key else None
        for name in ("value", "cumulative"):
            mine, theirs = getattr(rules_row, name, None) if rules_row else None, getattr(row, name)
            if mine is not None and theirs is not None and mine.is_number and theirs.value != mine.value:
                findings.append(Finding(rule="llm_disagrees", severity="warning", cells=[f"statistics_table.{i}.{name}"],
                                        message=f"{row.label} {name}: the LLM read {theirs.value}, the rules read {mine.value}"))
            elif theirs is not None and rules_row is None:
                findings.append(Finding(rule="llm_unchecked", severity="warning", cells=[f"statistics_table.{i}.{name}"],
                                        message=f"{row.label} {name}: from the LLM, no rules reading to check it"))
    return findings


def _keep_rules_narrative(report: Report, policy: str) -> bool:
    narrative = report.problems_improvements
    found = narrative is not None and bool(narrative.problems or narrative.improvements)
    if policy == "always" or not found:
        return False
    if policy == "sentences":
        return narrative.method == "markers"  # type: ignore[union-attr]
    return True  # "fallback"


def apply_llm(report: Report, doc: Document, raw: list[RawSection], era: str, client: LLMClient,
              hybrid: bool) -> list[Finding]:
    findings: list[Finding] = []
    usage: Counter = Counter()

    def run(task, *args):  # type: ignore[no-untyped-def]
        """A call that fails for good (HTTP errors after retries) costs its section, not the report."""
        try:
            return task(client, doc, *args)
        except Exception as exc:  # noqa: BLE001 - any provider failure is recorded, the batch goes on
            usage.update(getattr(exc, "usage", None) or {})  # what the failed attempts cost still counts
            message = redact(f"{task.__name__}: {type(exc).__name__}: {exc}")[:500]
            log.warning("LLM task failed: %s", message)
            report.errors.append(ErrorRecord(stage="llm", message=message))
            return tasks.TaskOutput()

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
                output = run(tasks.applications, span, era)
            elif table == "review_litigation":
                output = run(tasks.review, span)
            else:
                only = doubtful_cells(report, table) if hybrid and report.active_disclosure else None
                output = run(tasks.active_disclosure, span, era, only)
            record(output)
            if output.error is not None:
                # Re-asks exhausted: in hybrid, the best attempt's cells only fill gaps; flagged either way.
                for path in output.cells:
                    findings.append(Finding(rule="llm_unverified", severity="warning", cells=[path],
                                            message=f"{path}: from an LLM answer that failed validation"))
            findings += merge_table(report, table, era, output.cells, hybrid, verified=output.error is None)
    if era == "legacy" and not hybrid:
        span = section_text(doc, raw, "statistics_table")
        table_start = _statistics_start(report, doc)
        if span is None and table_start is not None:
            span = (table_start, len(doc.text))
        if span is not None:
            output = run(tasks.statistics, span)
            record(output)
            if output.statistics is not None:
                findings += _compare_statistics(report, output.statistics)
                report.statistics_table = output.statistics
    if era == "legacy" and (not hybrid or (client.config.hybrid_prose_facts and not report.statistics_table)):
        # Hybrid asks (when enabled) only where the prose is the report's one source of numbers (no 统计表).
        output = run(tasks.prose_facts, [s.span for s in report.sections
                                         if s.key in ("statistics_table", "problems_improvements")])
        record(output)
        if output.prose_facts is not None:
            findings += merge_prose_facts(report, output.prose_facts, hybrid, verified=output.error is None)
    problems = section_text(doc, raw, "problems", "improvements")
    if problems is not None and not (hybrid and _keep_rules_narrative(report, client.config.hybrid_narrative)):
        output = run(tasks.narrative, problems)
        record(output)
        if output.narrative is not None and output.error is None and (
                output.narrative.problems or output.narrative.improvements):
            report.problems_improvements = output.narrative
    if not hybrid or report.meta.agency is None or report.meta.report_year is None:
        output = run(tasks.meta)
        record(output)
        for name, value in output.meta.items():
            if not hybrid or getattr(report.meta, name) is None:
                setattr(report.meta, name, value)
    report.usage = {k: int(v) for k, v in sorted(usage.items())}
    return findings
