"""Scoring one extraction against its gold: cells, narrative, metadata, findings."""
from __future__ import annotations

import difflib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Optional

from giextract.core.model import Report
from giextract.evaluation.gold import gold_cells

NARRATIVE_THRESHOLD = 0.6  # character-level similarity (difflib ratio) for an item to match
META_FIELDS = ("agency", "report_year", "era", "published_date", "title")


@dataclass
class CellVerdict:
    path: str
    gold: Any
    got: Any
    outcome: str  # correct | flagged | silent | missing | spurious


@dataclass
class ReportScore:
    name: str
    era: str
    split: str
    cells: list[CellVerdict] = field(default_factory=list)
    narrative: Counter = field(default_factory=Counter)  # tp, produced, expected
    # Legacy prose facts, where the gold covers them: tp, produced, expected, and what is not in the gold
    # (wrong: a key the gold has, another value; extra: a key the gold lacks) split flagged / silent.
    prose_facts: Counter = field(default_factory=Counter)
    prose_fact_errors: list[str] = field(default_factory=list)
    meta: dict[str, bool] = field(default_factory=dict)
    rules_fired: list[str] = field(default_factory=list)


def _value_of(report: Report, path: str) -> tuple[Any, bool]:
    """(comparable value, present) of an extracted cell."""
    cell = report.cell(path)
    if cell is None:
        return None, False
    if cell.status == "ambiguous":
        return {"ambiguous": sorted(cell.candidates)}, True
    if cell.status == "not_applicable":
        return "n/a", True
    if cell.status == "missing":
        return None, True
    if cell.status == "unread":  # not read is not blank: never equal to a gold value, blank included
        return "unread", False
    return cell.value, True


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return sorted(a.get("ambiguous", [])) == sorted(b.get("ambiguous", []))
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return abs(a - b) < 1e-6
    return a == b


def judge_cell(report: Report, path: str, gold: Any, flagged_paths: set[str]) -> CellVerdict:
    got, present = _value_of(report, path)
    cell = report.cell(path)
    if cell is not None and cell.status == "unverified":  # a model value the rules could not confirm
        return CellVerdict(path, gold, got, "flagged")  # is never counted correct, and never silent
    if _same(gold, got):
        return CellVerdict(path, gold, got, "correct")
    if not present or (got is None and gold is not None):
        return CellVerdict(path, gold, got, "missing")
    if gold is None:
        return CellVerdict(path, gold, got, "spurious")
    if (cell is not None and cell.status == "ambiguous") or path in flagged_paths:
        return CellVerdict(path, gold, got, "flagged")
    return CellVerdict(path, gold, got, "silent")


LAYOUT_OUTCOMES = ("right", "flagged", "silent", "missing")


def judge_printed(report: Report, path: str, truth: Any, flagged_paths: set[str]) -> CellVerdict:
    """A cell of a generated file against what the file prints (``truth`` is definite: a number, None
    for a blank, "n/a"): right; flagged (wrong, but a non-ok status or a finding names it); silent (an ok
    cell with another value, or an ok number where the file prints a blank); missing (not read)."""
    verdict = judge_cell(report, path, truth, flagged_paths)
    cell = report.cell(path)
    blank = truth is None or truth == "n/a"
    if verdict.outcome == "correct" or (blank and verdict.got in (None, "n/a")):
        verdict.outcome = "right"
    elif verdict.outcome == "missing":
        pass
    elif cell is not None and cell.status == "ok" and path not in flagged_paths:
        verdict.outcome = "silent"
    else:
        verdict.outcome = "flagged"
    return verdict


def flagged_paths(report: Report) -> set[str]:
    return {c for f in report.findings if f.severity != "info" for c in f.cells}


def match_items(got: list[str], wanted: list[str], threshold: float = NARRATIVE_THRESHOLD) -> int:
    """One-to-one greedy assignment: each produced item takes the most similar unused gold item."""
    free = list(wanted)
    hits = 0
    for text in got:
        scored = [(difflib.SequenceMatcher(None, text, w).ratio(), j) for j, w in enumerate(free)]
        best = max(scored, default=(0.0, -1))
        if best[0] >= threshold:
            hits += 1
            free.pop(best[1])
    return hits


def score_report(name: str, gold: dict[str, Any], report: Report) -> ReportScore:
    score = ReportScore(name, gold["meta"]["era"], gold.get("split", "dev"))
    flagged = flagged_paths(report)
    score.cells = [judge_cell(report, path, value, flagged) for path, value in gold_cells(gold)]
    narrative = report.problems_improvements
    for kind in ("problems", "improvements"):
        wanted = list(gold.get(kind) or [])
        got = [item.text for item in getattr(narrative, kind)] if narrative else []
        score.narrative["tp"] += match_items(got, wanted)
        score.narrative["produced"] += len(got)
        score.narrative["expected"] += len(wanted)
    if "prose_facts" in gold.get("covers", []):
        _score_prose_facts(score, gold["prose_facts"] or [], report, flagged)
    for f in META_FIELDS:
        if f in gold["meta"]:
            score.meta[f] = getattr(report.meta, f) == gold["meta"][f]
    score.rules_fired = sorted({f.rule for f in report.findings if f.severity != "info"})
    return score


def _score_prose_facts(score: ReportScore, gold: list[dict[str, Any]], report: Report, flagged: set[str]) -> None:
    wanted = {(g["key"], g["value"]) for g in gold}
    gold_keys = {k for k, _ in wanted}
    tally = score.prose_facts
    tally["expected"] += len(wanted)
    for i, fact in enumerate(report.prose_facts or []):
        tally["produced"] += 1
        if (fact.key, fact.value.value) in wanted:
            tally["tp"] += 1
            continue
        # A wrong value for a key the gold has, or a number the gold has under no key at all; either
        # is silent unless a finding names it.
        kind = "wrong" if fact.key in gold_keys else "extra"
        outcome = "flagged" if f"prose_facts.{i}.value" in flagged else "silent"
        tally[f"{kind}_{outcome}"] += 1
        score.prose_fact_errors.append(f"{kind} ({outcome}): {fact.key} = {fact.value.value}")
    produced = {(f.key, f.value.value) for f in report.prose_facts or []}
    score.prose_fact_errors += [f"missed: {k} = {v}" for k, v in sorted(wanted - produced, key=str)]


def prf(tp: int, produced: int, expected: int) -> tuple[Optional[float], Optional[float], Optional[float]]:
    p = tp / produced if produced else None
    r = tp / expected if expected else None
    f = 2 * p * r / (p + r) if p and r else (0.0 if p is not None and r is not None else None)
    return p, r, f
