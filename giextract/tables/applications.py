"""Table 三 (收到和处理政府信息公开申请情况) from text where no grid could be recovered: its rows' readings
for the template fitter, found by label (or, when the labels are scattered, by position)."""
from __future__ import annotations

import logging
import re

from giextract.core.model import Finding
from giextract.ingest.normalize import Document
from giextract.rules.equations import applications_consistent, r2_row
from giextract.tables.anchors import attach_tokens, last_with_tokens, locate_rows
from giextract.tables.digits import Reading, cut_reading, readings
from giextract.tables.fit import RowsRead
from giextract.tables.resolve import cut_finding, text_options
from giextract.tables.tokens import Token, find_tokens, parse_count
from giextract.templates.tables import APPLICATION_COLUMNS, APPLICATIONS, RESULT_ROWS

log = logging.getLogger(__name__)


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


def _by_labels(doc: Document, start: int, end: int, era: str, refused: "dict[str, str] | None" = None,
               cuts: "dict[str, str] | None" = None) -> dict[str, list[Reading]]:
    """Each labelled row's readings; rows whose run-on values were too long to split go to ``refused``,
    a last row that the text's end cuts off to ``cuts`` (what was read of it)."""
    spec = APPLICATIONS[era]
    hits = locate_rows(doc.text, start, end, spec.rows)
    attach_tokens(doc.text, hits, end)
    options: dict[str, list[Reading]] = {}
    last = last_with_tokens(hits)
    for i, hit in enumerate(hits):
        if hit is None or not hit.tokens:
            continue
        found = _row_readings(hit.tokens, strict=True)
        if getattr(found, "refused", None):
            if refused is not None:
                refused[hit.spec.key] = found.refused  # type: ignore[attr-defined]
            continue  # the same enumeration without R2 would be refused for the same reason
        found = found or _row_readings(hit.tokens, strict=False)
        if found:
            options[hit.spec.key] = found
        elif i == last and (cut := cut_reading(doc.text, hit.tokens, [parse_count] * len(APPLICATION_COLUMNS))):
            options[hit.spec.key] = [cut[0]]  # the text ends inside this row
            if cuts is not None:
                cuts[hit.spec.key] = cut[1]
    return options


def _unscramble_columns(text: str, tokens: list[Token]) -> list[Token]:
    """PDF layers print some blocks of 三 column by column. A run of 7·k numbers with no text between
    them is re-read column-major when that, and not the row-major order, makes every row satisfy R2."""
    width = len(APPLICATION_COLUMNS)
    runs: list[list[int]] = [[0]] if tokens else []
    for i in range(1, len(tokens)):
        gap = text[tokens[i - 1].end:tokens[i].start]
        if re.search(r"[\u4e00-\u9fff]", gap):
            runs.append([i])
        else:
            runs[-1].append(i)
    out = list(tokens)
    for run in runs:
        if len(run) % width or len(run) < 2 * width:
            continue
        values = [parse_count(tokens[i].text) for i in run]
        if any(v is None for v in values):
            continue  # a leading zero or an absurd length: not one number per cell
        block = _column_major_block(values, width)  # type: ignore[arg-type]
        if block is None:
            continue
        first, rows = block
        base = first * width
        for r in range(rows):
            for c in range(width):
                out[run[base + r * width + c]] = tokens[run[base + c * rows + r]]
    return out


def _column_major_block(values: list[int], width: int, budget: int = 20_000) -> "tuple[int, int] | None":
    """(first row, row count) of the largest block that reads consistently only column by column.

    Row-major R2 is computed once per row; only blocks holding every inconsistent row (and nothing else
    breaks R2 outside them) are tried, and at most ``budget`` column-major rows are checked in all, so
    the cost is bounded on any number of rows (the old search re-checked every row for every block)."""
    total_rows = len(values) // width
    bad = [not r2_row(values[r * width:(r + 1) * width]) for r in range(total_rows)]
    bad_rows = [r for r in range(total_rows) if bad[r]]
    if not bad_rows:
        return None  # every row already reads row by row
    lo, hi = bad_rows[0], bad_rows[-1]
    for rows in range(total_rows, max(hi - lo + 1, 2) - 1, -1):
        # The block must contain every inconsistent row: first ≤ lo and first + rows > hi.
        for first in range(max(0, hi - rows + 1), min(lo, total_rows - rows) + 1):
            base = first * width
            for r in range(rows):
                budget -= 1
                if budget < 0:
                    log.info("table 三: column-major check stopped after its budget (%d rows)", total_rows)
                    return None
                if not r2_row([values[base + c * rows + r] for c in range(width)]):
                    break
            else:
                return first, rows
    return None


def _by_position(doc: Document, start: int, end: int, era: str) -> tuple[dict[str, list[Reading]], str]:
    """PDF text layers can scatter labels but keep the numbers in row order: read them 7 at a time.
    Returns the options and the row layout used (a 2021 report printing 23 rows uses the 2019 rows)."""
    tokens = [t for t in find_tokens(doc.text, start, end) if t.digits_only]
    width = len(APPLICATION_COLUMNS)
    layout = next((e for e in (era, "2019", "2021") if len(tokens) == width * len(APPLICATIONS[e].rows)), None)
    if layout is None:  # unscrambling keeps the count, so nothing can be read by position
        return {}, era
    tokens = _unscramble_columns(doc.text, tokens)
    options: dict[str, list[Reading]] = {}
    for i, row in enumerate(APPLICATIONS[layout].rows):
        found = _row_readings(tokens[i * width:(i + 1) * width], strict=False)
        if found:
            options[row.key] = found[:1]
    return options, layout


def _specific_rows(era: str) -> set[str]:
    """Rows of table 三 that only this format prints (the 2019 （六）其他处理 vs the 2021 three rows)."""
    other = "2021" if era == "2019" else "2019"
    return {r.key for r in APPLICATIONS[era].rows} - {r.key for r in APPLICATIONS[other].rows}


def _other_format_by_labels(doc: Document, start: int, end: int, era: str, options: dict[str, list[Reading]],
                            refused: dict[str, str], cuts: dict[str, str]) -> tuple[dict[str, list[Reading]], str]:
    """A report of one format printing the other format's rows: when none of the era's own rows is found
    and the other format's are, the other format's rows are read (keys follow the rows printed)."""
    other = "2021" if era == "2019" else "2019"
    if era not in ("2019", "2021") or _specific_rows(era) & options.keys():
        return options, era
    theirs_refused: dict[str, str] = {}
    theirs_cuts: dict[str, str] = {}
    theirs = _by_labels(doc, start, end, other, theirs_refused, theirs_cuts)
    if _specific_rows(other) & theirs.keys() and _score(theirs, RESULT_ROWS[other]) >= _score(options, RESULT_ROWS[era]):
        for mine, their in ((refused, theirs_refused), (cuts, theirs_cuts)):
            mine.clear()
            mine.update(their)
        return theirs, other
    return options, era


def read_applications(doc: Document, start: int, end: int, era: str) -> RowsRead:
    """Table 三's rows from the text between ``start`` and ``end``: by label (the era's rows, else the
    other format's), or by position when that reads more consistently (labels scattered by a PDF layer)."""
    findings: list[Finding] = []
    refused: dict[str, str] = {}
    cuts: dict[str, str] = {}
    options = _by_labels(doc, start, end, era, refused, cuts)
    options, layout = _other_format_by_labels(doc, start, end, era, options, refused, cuts)
    positional, by_position = _by_position(doc, start, end, era)
    if positional and _score(positional, RESULT_ROWS[by_position]) > _score(options, RESULT_ROWS[layout]):
        findings.append(Finding(rule="layout", severity="info",
                                message="table 三 read by position: its labels are out of order in the text"))
        options, layout = positional, by_position
        cuts.clear()
    notes = [cut_finding([f"applications.{k}.{c}" for c in APPLICATION_COLUMNS], why)
             for k, why in cuts.items() if k in options]
    return RowsRead({f"applications.{k}": text_options(doc, v) for k, v in options.items()},
                    notes={f"applications.{k}": f"its values were not read: {why}" for k, why in refused.items()},
                    layout=layout, findings=findings + notes if options else [])
