"""Run-on digit segmentation.

Scrapes drop cell boundaries (`规范性文件321557`, `2000002`). A row's tokens are split into exactly the
row's number of cells in every way that reads as numbers (no leading zeros except a lone 0; money may
carry decimals and a unit on the last piece); callers keep the readings that satisfy the arithmetic
rules. Whitespace between tokens is a real boundary and is never crossed.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator, Optional, Sequence

from giextract.core.model import Number
from giextract.tables.tokens import SIGNS, Token

log = logging.getLogger(__name__)
CellParser = Callable[[str], Optional[Number]]
# The longest real row is 7 cells of up to ~5 digits (table 三 of a large city); table 二's money rows
# and table 四's 15 small cells are shorter. A longer run that must be split is not a real row.
MAX_RUN_DIGITS = 35
# Pieces tried per row (every cut of a real row is a few thousand at most).
MAX_STEPS = 100_000
MAX_READINGS = MAX_STEPS  # the old name

_INT_PIECE = re.compile(r"0|[1-9]\d*")
_MONEY_RUN = re.compile(r"\d+(?:\.\d+)?\s*(?:万元|元)?")
# A change column's sign glued to the digits after it (`3652-393613`: -39 and 3613, or -393 and 613 …).
_SIGNED_RUN = re.compile(rf"[{SIGNS}]\d+\s*")


@dataclass(frozen=True)
class Piece:
    raw: str
    start: int
    end: int
    value: Optional[Number]
    na: bool = False
    cut: bool = False  # past the end of a text cut off inside the row: not printed here, unread


Reading = tuple[Piece, ...]
_AFTER_CUT = " \t\r\n|"


def cut_reading(text: str, tokens: Sequence[Token], parsers: Sequence[CellParser]) -> Optional[tuple[Reading, str]]:
    """The row a text ends in (a page or a download cut off inside the table): its tokens are its first
    cells in order, one each, and the cells past the cut are unread; a token past the row's cells is the
    start of what followed it, cut. None unless the last token reaches the end of the text and each
    token reads as one cell. Returns the reading and what was done, for the finding."""
    if not tokens or text[tokens[-1].end:].strip(_AFTER_CUT):
        return None
    built: list[Piece] = []
    for tok, parse in zip(tokens, parsers):
        value = None if tok.is_na else parse(tok.text)
        if value is None and not tok.is_na:
            return None
        built.append(Piece(tok.text, tok.start, tok.end, value, na=tok.is_na))
    n, end = len(parsers), built[-1].end
    built += [Piece("", end, end, None, cut=True) for _ in range(n - len(built))]
    if len(tokens) > n:
        note = (f"the text ends just after its {n} cells, inside what followed "
                f"({' '.join(t.text for t in tokens[n:])!r} is left out)")
    else:
        note = (f"the text ends inside it: its {len(tokens)} printed value(s) are read as its first cells, "
                f"in order; the {n - len(tokens)} past the cut are unread")
    return tuple(built), note


def _compositions(total: int, k: int, caps: Sequence[int]) -> Iterator[tuple[int, ...]]:
    """Ways to give each of k tokens ≥1 cells summing to ``total``, token i getting at most caps[i]."""
    if k == 0:
        if total == 0:
            yield ()
        return
    for first in range(1, min(caps[0], total - (k - 1)) + 1):
        for rest in _compositions(total - first, k - 1, caps[1:]):
            yield (first,) + rest


def _max_cells(token: Token) -> int:
    if token.digits_only:
        return len(token.text)
    if _SIGNED_RUN.fullmatch(token.text):
        return len(token.text.strip()) - 1
    m = re.fullmatch(r"(\d+)(?:\.\d+)?\s*(?:万元|元)?", token.text)
    return len(m.group(1)) if m else 1


class ReadingList(list):  # type: ignore[type-arg]
    """The readings found; ``refused`` says why none were enumerated (run too long, too many splits)."""

    refused: Optional[str] = None


def _refuse(why: str) -> ReadingList:
    log.info("run-on segmentation refused: %s", why)
    out = ReadingList()
    out.refused = why
    return out


def readings(tokens: Sequence[Token], parsers: Sequence[CellParser],
             accept: Callable[[list[Optional[Number]]], bool] = lambda values: True,
             limit: int = MAX_STEPS,
             prune: Optional[Callable[[list[Optional[Number]]], bool]] = None) -> ReadingList:
    """Every reading of ``tokens`` as ``len(parsers)`` cells that parses and satisfies ``accept``.

    Enumeration is lazy (cut by cut, a piece that cannot be a cell prunes everything after it) and
    bounded: a run of more than MAX_RUN_DIGITS digits that must be split, or more than ``limit`` pieces
    tried, gives no reading at all, with ``refused`` set (never a partial list that looks complete).
    ``prune`` sees the values of the first cells of a reading being built; False drops every reading
    that starts so (e.g. a finished group of table 四 that breaks R4), which keeps long rows tractable.
    """
    n = len(parsers)
    if not tokens or len(tokens) > n:
        return ReadingList()
    if len(tokens) == n:  # one token per cell (separated layouts): a single reading, no enumeration
        built: list[Piece] = []
        for tok, parse in zip(tokens, parsers):
            value = None if tok.is_na else parse(tok.text)
            if value is None and not tok.is_na:
                return ReadingList()
            built.append(Piece(tok.text, tok.start, tok.end, value, na=tok.is_na))
        reading = tuple(built)
        return ReadingList([reading] if accept([p.value for p in reading]) else [])
    caps = [_max_cells(t) for t in tokens]
    longest = max((len(t.text) for t, cap in zip(tokens, caps) if cap > 1), default=0)
    if longest > MAX_RUN_DIGITS:
        return _refuse(f"a run of {longest} characters would hide {n} cells; runs longer than "
                       f"{MAX_RUN_DIGITS} digits are not split (no real row is that long)")
    out = ReadingList()
    budget = [limit]
    for counts in _compositions(n, len(tokens), caps):
        for pieces in _split_all(tokens, counts, parsers, budget, prune):
            if accept([p.value for p in pieces]):
                out.append(pieces)
        if budget[0] < 0:
            return _refuse(f"more than {limit} ways to split the run-on values into {n} cells were tried; "
                           "the row is not read")
    return out


def _piece(tok: Token, a: int, b: int, col: int, n: int, parts: int, parse: CellParser) -> Optional[Piece]:
    """Cut [a, b) of ``tok`` as cell ``col`` of ``n``, or None when it cannot be one."""
    raw = tok.text[a:b]
    if tok.is_na:
        return Piece(raw, tok.start + a, tok.start + b, None, na=True)
    digits = (raw[1:] if a == 0 and raw[:1] in SIGNS else raw).rstrip()  # the sign goes with the first piece
    if parts > 1 and ((col < n - 1 and not _INT_PIECE.fullmatch(digits))
                      or (len(digits) > 1 and digits[0] == "0" and digits[1] != ".")):
        return None
    value = parse(raw)
    return None if value is None else Piece(raw, tok.start + a, tok.start + b, value)


def _split_all(tokens: Sequence[Token], counts: Sequence[int], parsers: Sequence[CellParser],
               budget: list[int],
               prune: Optional[Callable[[list[Optional[Number]]], bool]] = None) -> Iterator[Reading]:
    """Readings with token i cut into counts[i] pieces, depth first; ``budget[0]`` counts pieces tried."""
    n = len(parsers)
    pieces: list[Piece] = []

    def walk(t: int, pos: int, left: int) -> Iterator[Reading]:
        if t == len(tokens):
            yield tuple(pieces)
            return
        tok = tokens[t]
        length = len(tok.text)
        if counts[t] > 1 and not tok.digits_only and not _MONEY_RUN.fullmatch(tok.text) \
                and not _SIGNED_RUN.fullmatch(tok.text):
            return  # only digit runs (signed, or ending in a money amount) can hide several cells
        if left == 1:
            ends: Iterable[int] = (length,)
        else:
            ends = range(pos + 1, length - left + 2)
        for end in ends:
            budget[0] -= 1
            if budget[0] < 0:
                return
            piece = _piece(tok, pos, end, len(pieces), n, counts[t], parsers[len(pieces)])
            if piece is None:
                continue
            pieces.append(piece)
            if prune is not None and not prune([p.value for p in pieces]):
                pieces.pop()
                continue
            if left == 1:
                yield from walk(t + 1, 0, counts[t + 1] if t + 1 < len(tokens) else 0)
            else:
                yield from walk(t, end, left - 1)
            pieces.pop()

    yield from walk(0, 0, counts[0])
