"""Run-on digit segmentation.

Scrapes drop cell boundaries (`规范性文件321557`, `2000002`). A row's tokens are split into exactly the
row's number of cells in every way that reads as numbers (no leading zeros except a lone 0; money may
carry decimals and a unit on the last piece); callers keep the readings that satisfy the arithmetic
rules. Whitespace between tokens is a real boundary and is never crossed.
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Callable, Iterator, Optional, Sequence

from giextract.core.model import Number
from giextract.tables.tokens import Token

CellParser = Callable[[str], Optional[Number]]
MAX_READINGS = 20000

_INT_PIECE = re.compile(r"0|[1-9]\d*")


@dataclass(frozen=True)
class Piece:
    raw: str
    start: int
    end: int
    value: Optional[Number]
    na: bool = False


Reading = tuple[Piece, ...]


def _split_token(token: Token, parts: int) -> Iterator[tuple[tuple[int, int], ...]]:
    """Ways to cut ``token.text`` into ``parts`` consecutive non-empty pieces (relative offsets)."""
    n = len(token.text)
    if parts == 1:
        yield ((0, n),)
        return
    if not token.digits_only and not re.fullmatch(r"\d+(?:\.\d+)?\s*(?:万元|元)?", token.text):
        return  # only digit runs (optionally ending in a money amount) can hide several cells
    for cuts in itertools.combinations(range(1, n), parts - 1):
        bounds = (0,) + cuts + (n,)
        yield tuple((bounds[i], bounds[i + 1]) for i in range(parts))


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
    m = re.fullmatch(r"(\d+)(?:\.\d+)?\s*(?:万元|元)?", token.text)
    return len(m.group(1)) if m else 1


def readings(tokens: Sequence[Token], parsers: Sequence[CellParser],
             accept: Callable[[list[Optional[Number]]], bool] = lambda values: True,
             limit: int = MAX_READINGS) -> list[Reading]:
    """Every reading of ``tokens`` as ``len(parsers)`` cells that parses and satisfies ``accept``."""
    n = len(parsers)
    if not tokens or len(tokens) > n:
        return []
    if len(tokens) == n:  # one token per cell (separated layouts): a single reading, no enumeration
        pieces = []
        for tok, parse in zip(tokens, parsers):
            value = None if tok.is_na else parse(tok.text)
            if value is None and not tok.is_na:
                return []
            pieces.append(Piece(tok.text, tok.start, tok.end, value, na=tok.is_na))
        reading = tuple(pieces)
        return [reading] if accept([p.value for p in reading]) else []
    out: list[Reading] = []
    caps = [_max_cells(t) for t in tokens]
    seen = 0
    for counts in _compositions(n, len(tokens), caps):
        per_token = [list(_split_token(tok, c)) for tok, c in zip(tokens, counts)]
        for combo in itertools.product(*per_token):
            seen += 1
            if seen > limit:
                return out
            pieces: list[Piece] = []
            ok = True
            col = 0
            for tok, cuts in zip(tokens, combo):
                for a, b in cuts:
                    raw = tok.text[a:b]
                    if tok.is_na:
                        pieces.append(Piece(raw, tok.start + a, tok.start + b, None, na=True))
                    else:
                        if len(cuts) > 1 and (
                                (col < n - 1 and not _INT_PIECE.fullmatch(raw))
                                or (len(raw) > 1 and raw[0] == "0" and raw[1] != ".")):
                            ok = False
                            break
                        value = parsers[col](raw)
                        if value is None:
                            ok = False
                            break
                        pieces.append(Piece(raw, tok.start + a, tok.start + b, value))
                    col += 1
                if not ok:
                    break
            if ok and accept([p.value for p in pieces]):
                out.append(tuple(pieces))
    return out
