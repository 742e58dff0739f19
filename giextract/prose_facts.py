"""Legacy prose facts by rules: the national indicators a pre-2019 report states in its running text
(全市共收到申请1207宗; 当面申请、信函申请、网络申请分别为677宗、310宗、220宗; …的各有3宗).

Precision over recall: a clause gives a fact only when one wording and one count stand in it, a list
only when its labels and numbers line up one to one. What the rules cannot place is the LLM's job."""
from __future__ import annotations

import re
from typing import Iterable, Optional

from giextract.core.model import Cell, ProseFact, as_number
from giextract.ingest.normalize import Document
from giextract.tables.tokens import MAX_CELL_DIGITS
from giextract.templates.prose_facts import COUNT_UNITS, FACT_WORDINGS, MONEY_KEYS, SKIP_CLAUSE, ZERO_STATEMENTS

_UNIT = "|".join(COUNT_UNITS)
# Tried only where a digit run starts: inside a long run every start would re-scan the rest (quadratic).
_COUNT = re.compile(rf"(?<!\d)(\d+(?:\.\d+)?)\s*(万元|元|{_UNIT})")
_WORDING = [(key, re.compile(w)) for key, wordings in FACT_WORDINGS for w in wordings]
_ZERO = [(re.compile(p), keys) for p, keys in ZERO_STATEMENTS]
_SENTENCE = re.compile(r"[^。；;\n]+")
_CLAUSE = re.compile(r"[^，,：:。；;\n]+")
_RESPECTIVELY = re.compile(r"分别(?:为|是|有)")
_EACH = re.compile(r"(?:的)?(?:各有|各为|均为)\s*(\d+)\s*(" + _UNIT + r")")


def _labels(text: str) -> list[tuple[int, int, Optional[str]]]:
    """Wordings found in ``text`` in order, a longer one winning where two overlap."""
    found = sorted({(m.start(), m.end(), key) for key, rx in _WORDING for m in rx.finditer(text)},
                   key=lambda t: (t[0], -(t[1] - t[0])))
    kept: list[tuple[int, int, Optional[str]]] = []
    for start, end, key in found:
        if kept and start < kept[-1][1]:
            continue
        kept.append((start, end, key))
    return kept


def _value(number: str, unit: str, key: str) -> Optional[float]:
    if len(number.split(".")[0]) > MAX_CELL_DIGITS:
        return None  # no stated count is that long: digits run together, not a fact
    if key in MONEY_KEYS:
        if unit not in ("元", "万元"):
            return None
        return as_number(round(float(number) / (10000 if unit == "元" else 1), 4))
    if unit in ("元", "万元") or "." in number:
        return None
    return int(number)


class _Builder:
    def __init__(self, doc: Document, skip: list[tuple[int, int]]):
        self.doc, self.skip, self.facts = doc, skip, {}  # type: ignore[var-annotated]

    def add(self, key: Optional[str], value: Optional[float], start: int, end: int) -> None:
        if key is None or value is None or key in self.facts:
            return  # the first statement of a key is the one kept; later ones are often sub-totals
        o = self.doc.original_span(start, end)
        self.facts[key] = ProseFact(key=key, value=Cell(value=value, raw=self.doc.original[o[0]:o[1]], span=o))

    def skipped(self, start: int) -> bool:
        return in_spans(self.doc, start, self.skip)


def in_spans(doc: Document, start: int, spans: Iterable[tuple[int, int]]) -> bool:
    """Whether normalized offset ``start`` falls inside one of ``spans`` of the original text."""
    at = doc.original_offset(start)
    return any(a <= at < b for a, b in spans)


def extract_prose_facts(doc: Document, skip: Iterable[tuple[int, int]] = ()) -> list[ProseFact]:
    """Facts stated in ``doc``'s prose, outside the spans ``skip`` of the original text (the statistics
    table, the problems and improvements)."""
    build = _Builder(doc, list(skip))
    for sentence in _SENTENCE.finditer(doc.text):
        if build.skipped(sentence.start()):
            continue
        _sentence_facts(build, sentence.group(), sentence.start())
    return sorted(build.facts.values(), key=lambda f: f.value.span or (0, 0))


def _sentence_facts(build: _Builder, text: str, offset: int) -> None:
    respectively = _RESPECTIVELY.search(text)
    if respectively:
        labels = _labels(text[:respectively.start()])
        counts = list(_COUNT.finditer(text, respectively.end()))
        # Only the run of counts right after 分别为 (a later 分别为 may list shares).
        run = [c for i, c in enumerate(counts) if i == 0 or c.start() - counts[i - 1].end() <= 2]
        if labels and len(labels) == len(run):
            for (_, _, key), count in zip(labels, run):
                build.add(key, _value(count.group(1), count.group(2), key or ""), offset + count.start(), offset + count.end())
            return
    for clause in _CLAUSE.finditer(text):
        _clause_facts(build, clause.group(), offset + clause.start())


def _clause_facts(build: _Builder, clause: str, offset: int) -> None:
    if any(word in clause for word in SKIP_CLAUSE):
        return
    each = _EACH.search(clause)
    if each:
        for _, _, key in _labels(clause[:each.start()]):
            value = int(each.group(1)) if len(each.group(1)) <= MAX_CELL_DIGITS else None
            build.add(key, value, offset + each.start(1), offset + each.end())
        return
    counts = list(_COUNT.finditer(clause))
    if not counts:
        for rx, keys in _ZERO:
            m = rx.search(clause)
            if m:
                for key in keys:
                    build.add(key, 0, offset + m.start(), offset + m.end())
        return
    labels = _labels(clause)  # only a clause with a count can state a fact by its wording
    keyed = [label for label in labels if label[2] is not None]
    # One count and one indicator (named once, or twice as in a heading run into its sentence).
    if len(counts) != 1 or not keyed or len(keyed) != len(labels) or len({k for _, _, k in keyed}) != 1:
        return
    count = counts[0]
    start, end, key = next((label for label in reversed(keyed) if label[1] <= count.start()), keyed[0])
    # The count follows its wording (申请1207宗), or stands shortly before it (32宗不予公开, 64个便民查阅点).
    between = clause[count.end():start]
    if count.start() >= end or (count.end() <= start and len(between) <= 4 and not any(ch.isdigit() for ch in between)):
        build.add(key, _value(count.group(1), count.group(2), key or ""), offset + count.start(), offset + count.end())
