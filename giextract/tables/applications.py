"""Table 三 (收到和处理政府信息公开申请情况) by rules."""
from __future__ import annotations

import logging
from typing import Optional

from giextract.core.model import Cell, Finding
from giextract.ingest.normalize import Document
from giextract.rules.equations import applications_consistent, r2_row
from giextract.tables.anchors import attach_tokens, locate_rows
from giextract.tables.digits import Reading, readings
from giextract.tables.resolve import ambiguity_finding, ambiguous_cells, choose
from giextract.tables.tokens import find_tokens, parse_count
from giextract.templates.tables import APPLICATION_COLUMNS, APPLICATIONS, RESULT_ROWS

log = logging.getLogger(__name__)
Grid = dict[str, dict[str, Cell]]


def _row_readings(tokens, strict: bool) -> list[Reading]:  # type: ignore[no-untyped-def]
    parsers = [parse_count] * len(APPLICATION_COLUMNS)
    if strict:
        return readings(tokens, parsers, accept=lambda vals: r2_row(vals) is not False)
    return readings(tokens, parsers)


def _score(options: dict[str, list[Reading]], result_rows: tuple[str, ...]) -> tuple[int, int]:
    """(rows read, consistent) — higher is better; used to choose between label and position reading."""
    single = {k: [p.value for p in v[0]] for k, v in options.items() if len(v) == 1}
    consistent = int(applications_consistent(single, result_rows)) if single else 0
    return (consistent, len(options))


def _by_labels(doc: Document, start: int, end: int, era: str) -> dict[str, list[Reading]]:
    spec = APPLICATIONS[era]
    hits = locate_rows(doc.text, start, end, spec.rows)
    attach_tokens(doc.text, hits, end)
    options: dict[str, list[Reading]] = {}
    for hit in hits:
        if hit is None or not hit.tokens:
            continue
        found = _row_readings(hit.tokens, strict=True) or _row_readings(hit.tokens, strict=False)
        if found:
            options[hit.spec.key] = found
    return options


def _by_position(doc: Document, start: int, end: int, era: str) -> dict[str, list[Reading]]:
    """PDF text layers can scatter labels but keep the numbers in row order: read them 7 at a time."""
    spec = APPLICATIONS[era]
    tokens = [t for t in find_tokens(doc.text, start, end) if t.digits_only]
    width = len(APPLICATION_COLUMNS)
    if len(tokens) != width * len(spec.rows):
        return {}
    options: dict[str, list[Reading]] = {}
    for i, row in enumerate(spec.rows):
        found = _row_readings(tokens[i * width:(i + 1) * width], strict=False)
        if found:
            options[row.key] = found[:1]
    return options


def parse_applications(doc: Document, start: int, end: int, era: str) -> tuple[Optional[Grid], list[Finding]]:
    findings: list[Finding] = []
    spec = APPLICATIONS[era]
    result_rows = RESULT_ROWS[era]
    options = _by_labels(doc, start, end, era)
    positional = _by_position(doc, start, end, era)
    if positional and _score(positional, result_rows) > _score(options, result_rows):
        findings.append(Finding(rule="layout", severity="info",
                                message="table 三 read by position: its labels are out of order in the text"))
        options = positional
    if not options:
        return None, findings
    options = choose(options, lambda rows: applications_consistent(rows, result_rows))
    grid: Grid = {}
    for row in spec.rows:
        if row.key in options:
            cells = ambiguous_cells(doc, options[row.key])
            note = ambiguity_finding([f"applications.{row.key}.{c}" for c in APPLICATION_COLUMNS], options[row.key])
            findings += [note] if note else []
        else:
            cells = [Cell.missing() for _ in APPLICATION_COLUMNS]
            findings.append(Finding(rule="missing_row", severity="error",
                                    message=f"table 三: row {row.key} ({row.label}) not found or has no values",
                                    cells=[f"applications.{row.key}.{c}" for c in APPLICATION_COLUMNS]))
        grid[row.key] = dict(zip(APPLICATION_COLUMNS, cells))
    return grid, findings
