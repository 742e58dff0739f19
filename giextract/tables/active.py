"""Table 二 (主动公开政府信息情况, 第二十条 sub-tables) from text where no grid could be recovered: its
rows' readings for the template fitter, found by label."""
from __future__ import annotations

import re
from typing import Callable, Optional

from giextract.core.model import Number
from giextract.ingest.normalize import Document
from giextract.tables.anchors import RowHit, attach_tokens, last_with_tokens, locate_rows
from giextract.tables.digits import Reading, cut_reading, readings
from giextract.tables.fit import RowsRead
from giextract.tables.resolve import cut_finding, text_options
from giextract.tables.tokens import MAX_CELL_DIGITS, Token, find_tokens, parse_count, parse_money_wan_yuan, parse_signed
from giextract.templates.tables import ACTIVE_DISCLOSURE, PROSE_HINTS, RowSpec, SubTable


def _parser(sub: SubTable, column: str) -> Callable[[str], Optional[Number]]:
    if column in sub.money_columns:
        return lambda raw: (p.value if (p := parse_money_wan_yuan(raw)) else None)
    if column in sub.signed_columns:
        return parse_signed
    return parse_count


def read_active_disclosure(doc: Document, start: int, end: int, era: str) -> RowsRead:
    """Table 二's rows from the text between ``start`` and ``end``, found by label in template order."""
    subs = ACTIVE_DISCLOSURE[era]
    all_rows: list[tuple[SubTable, RowSpec]] = [(sub, row) for sub in subs for row in sub.rows]
    hits = locate_rows(doc.text, start, end, [row for _, row in all_rows])
    attach_tokens(doc.text, hits, end)
    _pass_overflow_on(hits, [len(sub.columns) for sub, _ in all_rows])
    _values_before_labels(doc.text, hits, start)
    read = RowsRead({}, found=any(h and h.tokens for h in hits))
    if not read.found:
        return read
    last = last_with_tokens(hits)
    for i, ((sub, row), hit) in enumerate(zip(all_rows, hits)):
        path = f"active_disclosure.{sub.key}.{row.key}"
        parsers = [_parser(sub, c) for c in sub.columns]
        options: list[Reading] = readings(hit.tokens, parsers) if hit and hit.tokens else []
        if len(options) > 1:
            options = _stated_in_prose(doc.text, era, sub, row.key, options)
        if not options and i == last and hit is not None and (cut := cut_reading(doc.text, hit.tokens, parsers)):
            options = [cut[0]]  # the text ends inside this row
            read.findings.append(cut_finding([f"{path}.{c}" for c in sub.columns], cut[1]))
        if options:
            read.options[path] = text_options(doc, options)
        elif hit is not None and hit.tokens:
            read.notes[path] = f"values {' '.join(t.text for t in hit.tokens)!r} do not read as {len(sub.columns)} cells"
    return read


def _stated_in_prose(text: str, era: str, sub: SubTable, row: str, options: list[Reading]) -> list[Reading]:
    """Keep the readings that agree with every figure the prose states for this row, if any do."""
    kept = options
    for col_index, column in enumerate(sub.columns):
        pattern = PROSE_HINTS.get((era, sub.key, row, column))
        m = re.search(pattern, text) if pattern else None
        if m and len(m.group(1)) <= MAX_CELL_DIGITS:  # a longer run is no count (and past int()'s limit)
            agreeing = [o for o in kept if o[col_index].value == int(m.group(1))]
            kept = agreeing or kept
    return kept


def _pass_overflow_on(hits: list[Optional[RowHit]], widths: list[int]) -> None:
    """A row holding more single-number tokens than it has columns, followed by a row with none, hands
    the surplus on: the PDF layer printed the next row's values before that row's label."""
    for i in range(len(hits) - 1):
        hit, nxt = hits[i], hits[i + 1]
        if hit is None or nxt is None or nxt.tokens or len(hit.tokens) <= widths[i]:
            continue
        nxt.tokens = hit.tokens[widths[i]:]
        hit.tokens = hit.tokens[:widths[i]]


def _values_before_labels(text: str, hits: list[Optional[RowHit]], start: int) -> None:
    """PDF layers sometimes print a row's values before its label (`本年处理决定数量 550 行政许可`).

    A row left without values takes the tokens between the previous row's consumed values and its own
    label, provided the previous row did not need them.
    """
    previous_end = start
    for hit in hits:
        if hit is None:
            continue
        if not hit.tokens:
            before: list[Token] = find_tokens(text, previous_end, hit.label_start)
            if before:
                hit.tokens = before
        previous_end = hit.tokens[-1].end if hit.tokens and hit.tokens[-1].end > hit.label_end else hit.label_end
