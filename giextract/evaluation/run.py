"""`python -m giextract eval`: score a mode against the gold set, print tables, write JSON, compare."""
from __future__ import annotations

import json
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, Optional, Union

from giextract.evaluation.gold import DEFAULT_EVAL_DIR, gold_files, load, source_of
from giextract.evaluation.score import ReportScore, prf, score_report
from giextract.core.model import Report
from giextract.pipeline import extract

OUTCOMES = ("correct", "flagged", "silent", "missing", "spurious")


def _section_of(path: str) -> str:
    return path.split(".")[0]


def _cell_table(scores: list[ReportScore], key) -> dict[str, dict[str, int]]:  # type: ignore[no-untyped-def]
    table: dict[str, Counter] = defaultdict(Counter)
    for s in scores:
        for v in s.cells:
            table[key(s, v)][v.outcome] += 1
    return {k: dict(c) for k, c in sorted(table.items())}


def _accuracy(counts: dict[str, int]) -> Optional[float]:
    total = sum(counts.values())
    return counts.get("correct", 0) / total if total else None


def _extract_for_eval(source: Path, name: str, mode: str, client: Any, cassettes: Optional[Path],
                      record: Union[bool, str] = False) -> Report:
    if mode == "rules":
        return extract(source)
    if cassettes is None:
        return extract(source, mode=mode, llm=client)
    from giextract.llm.cassettes import cassette, eval_cassette

    with cassette(eval_cassette(mode, name, cassettes, record), record=record):
        return extract(source, mode=mode, llm=client)


def evaluate(mode: str = "rules", split: Optional[str] = None, eval_dir: Path = DEFAULT_EVAL_DIR,
             client: Any = None, cassettes: Optional[Path] = None, record: Union[bool, str] = False,
             inputs: str = "txt", only: Optional[set[str]] = None) -> dict[str, Any]:
    """Score ``mode`` on the gold set. LLM modes use ``client``; with ``cassettes`` they replay (or, with
    ``record``, record) one cassette per report and mode. ``inputs="pdf"`` scores the reports that have
    their original PDF beside the text, read from the PDF."""
    started = time.perf_counter()
    scores = []
    usage: Counter = Counter()
    errors: Counter = Counter()
    origins: dict[str, str] = {}
    seconds: dict[str, float] = {}  # per report: with a live endpoint (recording), the model's time
    for path in gold_files(eval_dir, split):
        if only and path.stem not in only:
            continue
        gold = load(path)
        origins[path.stem] = gold.get("origin", "corpus")
        source = source_of(gold, eval_dir)
        if inputs == "pdf":
            if not source.with_suffix(".pdf").exists():
                continue
            source = source.with_suffix(".pdf")
        began = time.perf_counter()
        report = _extract_for_eval(source, path.stem, mode, client, cassettes, record)
        seconds[path.stem] = round(time.perf_counter() - began, 2)
        usage.update(report.usage or {})
        errors.update(f"{e.stage}: {e.message.split(':')[0]}" for e in report.errors)
        scores.append(score_report(path.stem, gold, report))
    overall = Counter(v.outcome for s in scores for v in s.cells)
    narrative = sum((s.narrative for s in scores), Counter())
    p, r, f = prf(narrative["tp"], narrative["produced"], narrative["expected"])
    facts = sum((s.prose_facts for s in scores), Counter())
    fp, fr, ff = prf(facts["tp"], facts["produced"], facts["expected"])
    meta: dict[str, list[bool]] = defaultdict(list)
    for s in scores:
        for k, ok in s.meta.items():
            meta[k].append(ok)
    return {
        "mode": mode, "split": split or "all", "inputs": inputs, "reports": len(scores),
        "seconds": round(time.perf_counter() - started, 2),
        "cells": {**{o: overall.get(o, 0) for o in OUTCOMES}, "accuracy": _accuracy(dict(overall))},
        "silent_wrong": overall.get("silent", 0),
        "by_section": _cell_table(scores, lambda s, v: _section_of(v.path)),
        "by_era": _cell_table(scores, lambda s, v: s.era),
        "by_origin": _cell_table(scores, lambda s, v: origins[s.name]),
        "narrative": {"precision": p, "recall": r, "f1": f, **dict(narrative)},
        "prose_facts": {"precision": fp, "recall": fr, "f1": ff,
                        "silent": facts.get("wrong_silent", 0) + facts.get("extra_silent", 0),
                        "flagged": facts.get("wrong_flagged", 0) + facts.get("extra_flagged", 0), **dict(facts)},
        "metadata": {k: sum(v) / len(v) for k, v in sorted(meta.items())},
        "usage": {**dict(usage), "tokens_per_report": (usage["prompt_tokens"] + usage["completion_tokens"])
                  / len(scores) if scores else 0},
        "findings": {s.name: s.rules_fired for s in scores},
        "errors": dict(errors),
        "per_report": {s.name: {"era": s.era, "split": s.split, "seconds": seconds[s.name],
                                "cells": dict(Counter(v.outcome for v in s.cells)),
                                "wrong": [v.__dict__ for v in s.cells if v.outcome != "correct"],
                                "narrative": dict(s.narrative), "meta": s.meta,
                                "prose_facts": s.prose_fact_errors} for s in scores},
    }


def _fmt(x: Optional[float]) -> str:
    return "—" if x is None else f"{x:.3f}"


def render(result: dict[str, Any]) -> str:
    lines = [f"giextract eval — mode {result['mode']}, split {result['split']}, inputs {result.get('inputs', 'txt')}, "
             f"{result['reports']} reports, "
             f"{result['seconds']}s", ""]
    header = f"{'':24}" + "".join(f"{o:>10}" for o in OUTCOMES) + f"{'accuracy':>10}"
    for title, table in (("by section", result["by_section"]), ("by era", result["by_era"]),
                         ("by origin (corpus: the reports the readers were built on; found: added later)",
                          result.get("by_origin", {}))):
        lines += [f"cells {title}", header]
        for name, counts in table.items():
            lines.append(f"{name:24}" + "".join(f"{counts.get(o, 0):>10}" for o in OUTCOMES) + f"{_fmt(_accuracy(counts)):>10}")
        lines.append("")
    c = result["cells"]
    lines.append(f"{'overall':24}" + "".join(f"{c[o]:>10}" for o in OUTCOMES) + f"{_fmt(c['accuracy']):>10}")
    lines.append(f"SILENT-WRONG CELLS: {result['silent_wrong']}")
    n = result["narrative"]
    lines.append(f"narrative items: precision {_fmt(n['precision'])}  recall {_fmt(n['recall'])}  F1 {_fmt(n['f1'])}")
    pf = result.get("prose_facts") or {}
    if pf.get("expected"):
        lines.append(f"legacy prose facts: precision {_fmt(pf['precision'])}  recall {_fmt(pf['recall'])}  "
                     f"F1 {_fmt(pf['f1'])}  not in the gold: silent {pf['silent']}, flagged {pf['flagged']}")
    lines.append("metadata accuracy: " + "  ".join(f"{k} {_fmt(v)}" for k, v in result["metadata"].items()))
    u = result.get("usage") or {}
    if u.get("calls") or u.get("cached_calls"):
        lines.append(f"LLM: {u.get('calls', 0)} calls, {u.get('reasks', 0)} re-asks, {u.get('transient_retries', 0)} "
                     f"transient retries, {u.get('prompt_tokens', 0)} prompt + {u.get('completion_tokens', 0)} "
                     f"completion tokens, {u.get('tokens_per_report', 0):.0f} tokens per report")
    if result.get("errors"):
        lines.append("errors: " + "; ".join(f"{k} ×{v}" for k, v in result["errors"].items()))
    lines.append("findings (rule ids per report):")
    for name, rules in result["findings"].items():
        if rules:
            lines.append(f"  {name}: {', '.join(rules)}")
    return "\n".join(lines)


def compare(current: dict[str, Any], previous: dict[str, Any]) -> str:
    def delta(a: Optional[float], b: Optional[float]) -> str:
        return "—" if a is None or b is None else f"{a - b:+.3f}"
    lines = ["", f"compared with {previous.get('mode')} / {previous.get('split')}:",
             f"  cell accuracy {_fmt(current['cells']['accuracy'])} ({delta(current['cells']['accuracy'], previous['cells']['accuracy'])})",
             f"  silent-wrong {current['silent_wrong']} ({current['silent_wrong'] - previous['silent_wrong']:+d})",
             f"  narrative F1 {_fmt(current['narrative']['f1'])} ({delta(current['narrative']['f1'], previous['narrative']['f1'])})"]
    for k, v in current["metadata"].items():
        lines.append(f"  metadata {k} {_fmt(v)} ({delta(v, previous.get('metadata', {}).get(k))})")
    return "\n".join(lines)


def versus(base: dict[str, Any], other: dict[str, Any]) -> dict[str, int]:
    """Cells ``other`` gets right that ``base`` does not (fixed) and the reverse (broken), per gold cell."""
    def wrong(result: dict[str, Any]) -> set[tuple[str, str]]:
        return {(name, w["path"]) for name, r in result["per_report"].items() for w in r["wrong"]}
    shared = set(base["per_report"]) & set(other["per_report"])
    a = {x for x in wrong(base) if x[0] in shared}
    b = {x for x in wrong(other) if x[0] in shared}
    return {"fixed": len(a - b), "broken": len(b - a)}


def side_by_side(results: list[dict[str, Any]]) -> str:
    lines = ["", f"{'mode':10}{'cell acc':>10}{'silent':>8}{'flagged':>9}{'narr F1':>9}{'tokens/report':>15}"
                 f"{'fixed vs rules':>16}{'broken vs rules':>17}"]
    rules = next((r for r in results if r["mode"] == "rules"), None)
    for r in results:
        vs = versus(rules, r) if rules is not None else {}
        lines.append(f"{r['mode']:10}{_fmt(r['cells']['accuracy']):>10}{r['silent_wrong']:>8}{r['cells']['flagged']:>9}"
                     f"{_fmt(r['narrative']['f1']):>9}{r['usage']['tokens_per_report']:>15.0f}"
                     f"{vs.get('fixed', '—'):>16}{vs.get('broken', '—'):>17}")
    return "\n".join(lines)


def main(modes: list[str], split: Optional[str], json_out: Optional[str], previous: Optional[str],
         client: Any = None, cassettes: Optional[Path] = None, inputs: str = "txt") -> int:
    results = [evaluate(mode, split, client=client, cassettes=cassettes, inputs=inputs) for mode in modes]
    for result in results:
        print(render(result))
        print()
    if len(results) > 1:
        print(side_by_side(results))
    result = results[-1] if len(results) == 1 else {"modes": results}
    if previous:
        old = json.loads(Path(previous).read_text(encoding="utf-8"))
        for r in results:
            print(compare(r, next((o for o in old.get("modes", [old]) if o.get("mode") == r["mode"]), old)))
    if json_out:
        Path(json_out).write_text(json.dumps(result, ensure_ascii=False, indent=1, default=str) + "\n",
                                  encoding="utf-8")
    return 0


def main_layouts(seeds: int = 2, layouts: Optional[list[str]] = None, json_out: Optional[str] = None,
                 counts_only: bool = False) -> int:
    """`eval --layouts`: the layout matrix (see giextract.evaluation.layouts.matrix). ``counts_only``
    leaves the per-cell lists out of the JSON (the committed baseline keeps counts per file)."""
    from giextract.evaluation.layouts.matrix import render_matrix, run_matrix

    if seeds < 1:
        raise ValueError("--seeds must be at least 1")
    result = run_matrix(seeds, layouts)
    print(render_matrix(result))
    if json_out:
        if counts_only:
            result["details"] = [{k: v for k, v in d.items() if k != "wrong"} for d in result["details"]]
            text = json.dumps({k: v for k, v in result.items() if k != "details"}, ensure_ascii=False, indent=1)
            text = text[:-2] + ',\n "details": [\n' + ",\n".join(
                json.dumps(d, ensure_ascii=False) for d in result["details"]) + "\n ]\n}"
        else:
            text = json.dumps(result, ensure_ascii=False, indent=1, default=str)
        Path(json_out).write_text(text + "\n", encoding="utf-8")
    return 0
