"""Finding a table's row labels in order, and the value tokens that belong to each row.

Works for every flattening the corpus shows: one cell per line, `|` rows, blank-line cells, Markdown
pipes, and run-on rows where the next label's ordinal is glued to the digits (`00000002.其他…`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional, Sequence

from giextract.tables.tokens import Token, find_tokens
from giextract.templates.patterns import compile_loose
from giextract.templates.tables import RowSpec


@dataclass
class RowHit:
    spec: RowSpec
    label_start: int
    label_end: int
    tokens: list[Token] = field(default_factory=list)


SHORT_LABEL = 3  # 其他, 规章: so short that they occur inside other rows' labels (（六）其他处理)
_CJK = re.compile(r"[\u4e00-\u9fff]")


def _search_label(label: str, text: str, pos: int, end: int) -> "Optional[re.Match[str]]":
    """The first match of ``label``; a short label must end its printed label (not be followed by more
    Chinese text), so 其他 is not found inside 其他处理."""
    pattern = compile_loose(label)
    m = pattern.search(text, pos, end)
    if len(label) > SHORT_LABEL:
        return m
    while m is not None and _CJK.match(text, m.end()):
        m = pattern.search(text, m.start() + 1, end)
    return m


def locate_rows(text: str, start: int, end: int, rows: Sequence[RowSpec]) -> list[Optional[RowHit]]:
    """Each row's label, searched in template order; a row whose label is absent is None."""
    hits: list[Optional[RowHit]] = []
    pos = start
    for spec in rows:
        found = None
        for label in (spec.label,) + spec.aliases:
            m = _search_label(label, text, pos, end)
            if m and (found is None or m.start() < found.start()):
                found = m
        if found is None:
            hits.append(None)
            continue
        hits.append(RowHit(spec, found.start(), found.end()))
        pos = found.end()
    return hits


def _strip_next_ordinal(tokens: list[Token], text: str, next_hit: Optional[RowHit]) -> list[Token]:
    """Remove the next label's printed ordinal (`2.`) when it is glued to this row's last digits."""
    if not tokens or next_hit is None or not next_hit.spec.ordinal[:1].isdigit():
        return tokens
    ordinal = next_hit.spec.ordinal.rstrip(".、．")
    last = tokens[-1]
    glued = re.fullmatch(rf"(\d+?){re.escape(ordinal)}", last.text)
    after = text[last.end:next_hit.label_start]
    if not glued or not re.fullmatch(r"\s*[.、．]\s*", after):
        return tokens
    digits_end = last.start + len(glued.group(1))
    return tokens[:-1] + [Token(glued.group(1), last.start, digits_end)]


def attach_tokens(text: str, hits: list[Optional[RowHit]], end: int) -> None:
    """Give each found row the value tokens between its label and the next found label."""
    found = [h for h in hits if h is not None]
    for i, hit in enumerate(found):
        next_hit = found[i + 1] if i + 1 < len(found) else None
        stop = next_hit.label_start if next_hit else end
        # Scan a little past the next label's start so a glued ordinal (`2.`) is seen as a tail.
        tokens = find_tokens(text, hit.label_end, stop)
        if next_hit is None:
            tokens = _until_words(text, tokens)
        hit.tokens = _strip_next_ordinal(tokens, text, next_hit)


def last_with_tokens(hits: Sequence[Optional[RowHit]]) -> int:
    """Index of the last found row that has value tokens (-1: none): the row a cut-off text ends in."""
    return max((i for i, h in enumerate(hits) if h is not None and h.tokens), default=-1)


_WORD_LINE = re.compile(r"\n\s*[\u4e00-\u9fff（(]")


def _until_words(text: str, tokens: list[Token]) -> list[Token]:
    """The table's last row ends where a line of words follows its values (the prose, or the next
    table, of a section whose next heading is missing), not at the end of the section."""
    for i in range(1, len(tokens)):
        if _WORD_LINE.search(text, tokens[i - 1].end, tokens[i].start):
            return tokens[:i]
    return tokens
