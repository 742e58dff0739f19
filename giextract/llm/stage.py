"""The LLM stage of the pipeline: which sections to send, and folding the answers into the report."""
from __future__ import annotations

import logging
from collections import Counter

from typing import Optional

from giextract.core.draft import Draft, draft_of
from giextract.core.model import Cell, ErrorRecord, Finding, Report
from giextract.ingest.normalize import Document
from giextract.llm import tasks
from giextract.llm.client import LLMClient
from giextract.llm.grounding import RowView, any_located, locate
from giextract.llm.hybrid import confirm, merge_prose_facts, merge_table, table_needs_llm
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
            if theirs is None or theirs.value is None or (mine is not None and mine.is_number and theirs.value == mine.value):
                continue  # the rules read the same number: confirmed
            # Not confirmed by the rules: the model's value is kept, never as ok.
            setattr(row, name, theirs.model_copy(update={"status": "unverified"}))
            if mine is not None and mine.is_number:
                findings.append(Finding(rule="llm_disagrees", severity="warning", cells=[f"statistics_table.{i}.{name}"],
                                        message=f"{row.label} {name}: the LLM read {theirs.value}, the rules read {mine.value}"))
            else:
                findings.append(Finding(rule="llm_unchecked", severity="warning", cells=[f"statistics_table.{i}.{name}"],
                                        message=f"{row.label} {name}: from the LLM, no rules reading to check it; unverified"))
    return findings


def _keep_rules_narrative(report: Report, policy: str) -> bool:
    narrative = report.problems_improvements
    found = narrative is not None and bool(narrative.problems or narrative.improvements)
    if policy == "always" or not found:
        return False
    if policy == "sentences":
        return narrative.method == "markers"  # type: ignore[union-attr]
    return True  # "fallback"


def _wanted_rows(draft: Draft, table: str, views: dict[str, RowView]) -> set[str]:
    """The located rows holding a doubtful cell (a row the rules did not locate cannot ground an answer)."""
    return {p.rsplit(".", 1)[0] for p in draft.doubtful(table) if views.get(p.rsplit(".", 1)[0], RowView("", ())).where}


def apply_llm(report: Report, doc: Document, raw: list[RawSection], era: str, client: LLMClient,
              hybrid: bool, draft: Optional[Draft] = None) -> list[Finding]:
    """The LLM stage. ``draft`` (hybrid): why each cell is doubtful; only those cells are asked about.
    Every model number is placed ``ok`` only when grounded and the equations hold (``confirm``)."""
    draft = draft if draft is not None else draft_of(report)
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
        placed: dict[str, Cell] = {}
        for table, key in TABLE_SECTIONS.items():
            span = section_text(doc, raw, key)
            if hybrid and not table_needs_llm(draft, table):
                continue
            rules_cells = {p: c for p, c in report.iter_cells() if p.startswith(table + ".")}
            views = locate(doc, table, era, span, rules_cells)
            grid = hybrid and client.config.hybrid_grid
            if grid and not any_located(views) and tasks.table_printed(doc, table, era, span):
                # The rules located none of its rows: the model says where the table is, and the rules'
                # fitter reads that span (the model's numbers are then grounded on what it reads there).
                pointed = run(tasks.table_span, table, era)
                record(pointed)
                if pointed.span is not None:
                    views = locate(doc, table, era, pointed.span, rules_cells, pointed=True)
                    if any_located(views):
                        span = pointed.span
            shown = views if grid and any_located(views) else None  # the located grid
            if span is None and shown is None:
                continue
            wanted = _wanted_rows(draft, table, views) if shown is not None else None
            if wanted is not None and not wanted:
                continue  # every doubtful row is one the rules could not locate: nothing to ask about
            if table == "applications":
                output = run(tasks.applications, span, era, shown, wanted)
            elif table == "review_litigation":
                output = run(tasks.review, span, shown, wanted)
            else:
                only = draft.doubtful(table) if hybrid else None
                if wanted is not None:
                    only = {p for p in only or () if p.rsplit(".", 1)[0] in wanted}
                output = run(tasks.active_disclosure, span, era, only, shown)
            record(output)
            merged, replaced = merge_table(report, draft if hybrid else None, table, output.cells, views,
                                           verified=output.error is None)
            findings += merged
            placed.update(replaced)
        findings += confirm(report, placed)
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
