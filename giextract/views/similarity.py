"""Copied from last year: how much of a report's narrative (problems, improvements, other matters)
repeats an earlier report of the same agency, as a character-shingle Jaccard similarity, with the most
similar passages (sentence pairs by ``difflib`` ratio) as evidence.

Calibration on the corpus (平潭综合实验区, eight years): unrelated years score 0.003–0.04; the 2019
report against 2016 scores 0.70 (the same problems and measures, reworded in places). The threshold
sits far from both."""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Optional

from giextract.core.model import Report

SHINGLE = 4  # characters per shingle (Chinese: about two words)
THRESHOLD = 0.3  # Jaccard at or above which the narrative counts as copied
PASSAGE_RATIO = 0.6  # a sentence pair at least this similar is shown
MAX_PASSAGES = 3
PASSAGE_SCAN = 8_000  # characters of each narrative searched for passages (pairwise cost); the score uses all
MIN_PASSAGE = 12  # characters: shorter sentences (headings such as （一）继续强化信息公开责任) are not shown
_NOISE = re.compile(r"[\s\W\d_]+")
_SENTENCE = re.compile(r"[^。；;！!？?\n]+")


def narrative_text(report: Report) -> str:
    parts: list[str] = []
    if report.problems_improvements:
        parts += [i.text for i in report.problems_improvements.problems + report.problems_improvements.improvements]
    if report.other_matters and report.other_matters.text:
        parts.append(report.other_matters.text)
    return "。".join(parts)


def shingles(text: str, size: int = SHINGLE) -> set[str]:
    clean = _NOISE.sub("", text)
    return {clean[i:i + size] for i in range(len(clean) - size + 1)}


def jaccard(a: str, b: str) -> float:
    x, y = shingles(a), shingles(b)
    return len(x & y) / len(x | y) if x and y else 0.0


@dataclass
class Similarity:
    other: Report
    score: float
    passages: list[tuple[float, str, str]] = field(default_factory=list)  # (ratio, this report, the other)

    @property
    def copied(self) -> bool:
        return self.score >= THRESHOLD


def similar_passages(text: str, other: str, limit: int = MAX_PASSAGES) -> list[tuple[float, str, str]]:
    """The sentence pairs most alike across the two texts (each sentence of ``text`` with its best match)."""
    theirs = [s.strip() for s in _SENTENCE.findall(other[:PASSAGE_SCAN]) if len(s.strip()) >= MIN_PASSAGE]
    pairs = []
    for sentence in (s.strip() for s in _SENTENCE.findall(text[:PASSAGE_SCAN])):
        if len(sentence) < MIN_PASSAGE:
            continue
        matcher = difflib.SequenceMatcher(None, autojunk=False)
        matcher.set_seq2(sentence)
        best: Optional[tuple[float, str]] = None
        for candidate in theirs:
            matcher.set_seq1(candidate)
            if matcher.real_quick_ratio() < PASSAGE_RATIO or matcher.quick_ratio() < PASSAGE_RATIO:
                continue
            ratio = matcher.ratio()
            if best is None or ratio > best[0]:
                best = (ratio, candidate)
        if best and best[0] >= PASSAGE_RATIO:
            pairs.append((best[0], sentence, best[1]))
    return sorted(pairs, key=lambda p: (-round(p[0], 1), -len(p[1])))[:limit]


def most_similar_earlier(report: Report, earlier: list[Report]) -> Optional[Similarity]:
    """Of the agency's earlier reports in the batch, the one whose narrative is most like this one's."""
    text = narrative_text(report)
    if not text or not earlier:
        return None
    scored = [(jaccard(text, narrative_text(e)), e) for e in earlier]
    score, other = max(scored, key=lambda s: (s[0], s[1].meta.report_year or 0))
    return Similarity(other, score, similar_passages(text, narrative_text(other)) if score > 0 else [])
