"""Table 四 (行政复议、行政诉讼) from text where no grid could be recovered: the readings of its one row
of 15 cells (three groups that each satisfy R4) for the template fitter."""
from __future__ import annotations

from functools import lru_cache
from typing import Optional

from giextract.core.model import Finding, Number
from giextract.ingest.normalize import Document
from giextract.rules.equations import r4_group
from giextract.tables.digits import Piece, Reading, readings
from giextract.tables.fit import RowsRead
from giextract.tables.resolve import text_options
from giextract.tables.tokens import Token, find_tokens, parse_count
from giextract.templates.tables import REVIEW_COLUMNS, REVIEW_GROUPS

WIDTH = len(REVIEW_COLUMNS)
CELLS = WIDTH * len(REVIEW_GROUPS)


def _all_groups_hold(values: list[Optional[Number]]) -> bool:
    return all(r4_group(values[i:i + WIDTH]) is not False for i in range(0, CELLS, WIDTH))


def _finished_groups_hold(values: list[Optional[Number]]) -> bool:
    """Every group of five that is complete so far satisfies R4 (checked as soon as its total is cut)."""
    if len(values) % WIDTH:
        return True
    return r4_group(values[-WIDTH:]) is not False


def _interleavings(tokens: list[Token]) -> list[Reading]:
    """Scrambled PDF layers keep each group's cells in order but interleave the groups. Find every way to
    deal the 15 numbers into three ordered groups of five that each satisfy R4."""
    values = [parse_count(t.text) for t in tokens]
    if any(v is None for v in values):
        return []
    found: list[Reading] = []
    groups: list[list[int]] = [[], [], []]
    later_max = [max(values[i:], default=-1) for i in range(len(values) + 1)]  # type: ignore[type-var]

    def moves(i: int, state: tuple[tuple[int, int], ...]) -> list[int]:
        """Groups that value i may join: not full, opened in order, and a fifth cell must be the sum."""
        out = []
        for g, (size, total) in enumerate(state):
            if size == WIDTH or (g > 0 and state[g - 1][0] == 0):
                continue
            if size == WIDTH - 1 and total != values[i]:
                continue
            if size < WIDTH - 1 and total + values[i] > later_max[i + 1]:  # type: ignore[operator]
                continue  # no later cell is large enough to be this group's total
            out.append(g)
        return out

    @lru_cache(maxsize=None)
    def feasible(i: int, state: tuple[tuple[int, int], ...]) -> bool:
        if i == len(tokens):
            return True
        return any(feasible(i + 1, _join(state, g, values[i])) for g in moves(i, state))  # type: ignore[arg-type]

    def place(i: int, state: tuple[tuple[int, int], ...]) -> None:
        if len(found) > 50:
            return
        if i == len(tokens):
            order = [idx for g in groups for idx in g]
            found.append(tuple(Piece(tokens[k].text, tokens[k].start, tokens[k].end, values[k]) for k in order))
            return
        for g in moves(i, state):
            nxt = _join(state, g, values[i])  # type: ignore[arg-type]
            if not feasible(i + 1, nxt):
                continue
            groups[g].append(i)
            place(i + 1, nxt)
            groups[g].pop()

    place(0, ((0, 0),) * 3)
    return found


def _join(state: tuple[tuple[int, int], ...], g: int, value: int) -> tuple[tuple[int, int], ...]:
    size, total = state[g]
    # The fifth cell is the group's total, not an addend.
    return state[:g] + ((size + 1, total + value if size < WIDTH - 1 else total),) + state[g + 1:]


def read_review(doc: Document, start: int, end: int) -> RowsRead:
    """Table 四's one row of 15 cells from the text between ``start`` and ``end``: every cut of its
    numbers whose three groups satisfy R4, else (15 numbers, scrambled) every interleaving that does."""
    findings: list[Finding] = []
    tokens = find_tokens(doc.text, start, end)
    tokens = [t for t in tokens if not t.is_na or len(tokens) <= CELLS]
    if not tokens:
        return RowsRead({})
    parsers = [parse_count] * CELLS
    found = readings(tokens, parsers, accept=_all_groups_hold, prune=_finished_groups_hold)
    why = found.refused  # a run too long to split, or too many splits: said in the finding
    options: list[Reading] = found
    if not options and len(tokens) == CELLS:
        options = _interleavings(tokens)
        if options:
            findings.append(Finding(rule="layout", severity="info",
                                    message="table 四 read as interleaved groups: the text scrambles its cells"))
    if not options:
        options = readings(tokens, parsers)[:1] if len(tokens) == CELLS else []
    if not options:
        findings.append(Finding(rule="missing_row", severity="error",
                                message=f"table 四: {len(tokens)} values found, none reads as 15 cells"
                                        + (f" ({why})" if why else ""),
                                cells=[f"review_litigation.{g}.{c}" for g in REVIEW_GROUPS for c in REVIEW_COLUMNS]))
        return RowsRead({}, findings=findings)
    return RowsRead({"review_litigation": text_options(doc, options)}, findings=findings)
