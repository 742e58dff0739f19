"""`eval --layouts --mode hybrid`: a sample of the layout matrix read by the rules and by an LLM mode,
each printed cell scored against what the file prints (``judge_printed``, as in the rules matrix), the
two compared cell by cell: fixed (the LLM mode right where the rules are not), broken (the reverse),
silent-wrong per mode, tokens and seconds per file. The LLM calls replay from (or, ``record``, are
recorded into) one cassette per file under ``cassettes/layouts/<mode>/``.

The sample is small on purpose: the local model needs minutes per file on 2 cores, and the generator
renders the same bytes for the same (report, layout, seed), so the cassettes match as long as the
generator and the prompts do not change (change either: re-record, ``record-cassettes --layouts``).
"""
from __future__ import annotations

import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any, Iterable, Optional, Union

from giextract.evaluation.gold import DEFAULT_EVAL_DIR, load
from giextract.evaluation.score import LAYOUT_OUTCOMES, flagged_paths, judge_printed

# Four reports of the national template (three in the 2021 format, one in the 2019 format) whose text layouts leave the
# rules something to doubt, chosen for a small model bill (8 calls on 2 shared cores): run-on rows read
# ambiguous (001, 005, 009) and a table 四 the rules do not find in run-on digits (002, where the model
# is asked where it is). In one-cell-per-line files the rules' unread cells are mostly blank lines, which
# no model answer can ground; found reports such as 040 would cost 6 calls a file.
SAMPLE_REPORTS = ("005_pingtan-zone-2019", "009_pingtan-zone-2021", "001_huaian-city-2024",
                  "002_huaian-hongze-district-2023")
SAMPLE_LAYOUTS = ("run_on", "cell_per_line", "markdown_pdf")
SAMPLE_SEEDS = 1


def layout_cassette(mode: str, filename: str, directory: Path = Path("cassettes"), record: Union[bool, str] = False) -> Path:
    folder = directory / "layouts" / mode
    if not record and not folder.is_dir():
        raise FileNotFoundError(f"no recorded {mode} layout cassettes under {folder}: pass the cassettes root, or "
                                "record with `python -m giextract record-cassettes --layouts`")
    return folder / f"{filename}.yaml"


def _score(report: Any, truth: dict[str, Any]) -> dict[str, str]:
    flagged = flagged_paths(report)
    return {path: judge_printed(report, path, value, flagged).outcome for path, value in truth.items()}


def run_layouts(mode: str, client: Any, cassettes: Path, record: Union[bool, str] = False,
                reports: Iterable[str] = SAMPLE_REPORTS, layouts: Iterable[str] = SAMPLE_LAYOUTS,
                seeds: int = SAMPLE_SEEDS, eval_dir: Path = DEFAULT_EVAL_DIR) -> dict[str, Any]:
    from giextract.evaluation.layouts.render import render
    from giextract.llm.cassettes import cassette
    from giextract.pipeline import extract

    started = time.perf_counter()
    layouts = list(layouts)
    totals = {"rules": Counter(), mode: Counter()}
    per_layout: dict[str, dict[str, Counter]] = {n: {"rules": Counter(), mode: Counter()} for n in layouts}
    usage: Counter = Counter()
    details = []
    with tempfile.TemporaryDirectory(prefix="giextract-layouts-llm-") as tmp:
        for name in reports:
            gold = load(eval_dir / "gold" / f"{name}.json")
            for layout in layouts:
                for seed in range(seeds):
                    rendered = render(gold, layout, seed, name=name)
                    target = Path(tmp) / rendered.filename
                    target.write_bytes(rendered.data)
                    rules = _score(extract(target), rendered.truth)
                    began = time.perf_counter()
                    with cassette(layout_cassette(mode, target.stem, cassettes, record), record=record):
                        report = extract(target, mode=mode, llm=client)
                    seconds = time.perf_counter() - began
                    other = _score(report, rendered.truth)
                    target.unlink()
                    fixed = sorted(p for p, o in other.items() if o == "right" and rules[p] != "right")
                    broken = sorted(p for p, o in other.items() if o != "right" and rules[p] == "right")
                    file_usage = Counter(report.usage or {})
                    usage.update(file_usage)
                    counts = {"rules": Counter(rules.values()), mode: Counter(other.values())}
                    for m, c in counts.items():
                        totals[m].update(c)
                        per_layout[layout][m].update(c)
                    per_layout[layout][mode].update(fixed=len(fixed), broken=len(broken))
                    details.append({"report": name, "layout": layout, "seed": seed, "cells": len(rendered.truth),
                                    "rules": dict(counts["rules"]), mode: dict(counts[mode]),
                                    "fixed": fixed, "broken": broken, "seconds": round(seconds, 2),
                                    "tokens": file_usage["prompt_tokens"] + file_usage["completion_tokens"],
                                    "calls": file_usage["calls"],
                                    "errors": [f"{e.stage}: {e.message[:160]}" for e in report.errors]})
    files = len(details)
    tokens = usage["prompt_tokens"] + usage["completion_tokens"]
    return {
        "mode": mode, "reports": list(reports), "layouts": layouts, "seeds": seeds, "files": files,
        "seconds": round(time.perf_counter() - started, 1),
        "overall": {m: {o: c.get(o, 0) for o in LAYOUT_OUTCOMES} for m, c in totals.items()},
        "fixed": sum(len(d["fixed"]) for d in details), "broken": sum(len(d["broken"]) for d in details),
        "silent_wrong": {m: c.get("silent", 0) for m, c in totals.items()},
        "by_layout": {n: {m: {o: c.get(o, 0) for o in LAYOUT_OUTCOMES + (("fixed", "broken") if m == mode else ())}
                          for m, c in v.items()} for n, v in per_layout.items()},
        "usage": {**dict(usage), "tokens_per_file": tokens / files if files else 0},
        "details": details,
    }


def render_layouts(result: dict[str, Any]) -> str:
    mode = result["mode"]
    lines = [f"giextract eval --layouts --mode {mode} — {len(result['reports'])} reports x {len(result['layouts'])} "
             f"layouts x {result['seeds']} seed(s) = {result['files']} files, {result['seconds']}s (cassettes)", "",
             f"{'layout':16}{'mode':8}" + "".join(f"{o:>9}" for o in LAYOUT_OUTCOMES) + f"{'right %':>9}{'fixed':>7}{'broken':>7}"]
    for name, by_mode in list(result["by_layout"].items()) + [("overall", {**result["overall"]})]:
        for m in ("rules", mode):
            c = by_mode[m]
            total = sum(c.get(o, 0) for o in LAYOUT_OUTCOMES)
            share = f"{c.get('right', 0) / total:.3f}" if total else "—"
            fixed = (result["fixed"] if name == "overall" else c.get("fixed", 0)) if m == mode else ""
            broken = (result["broken"] if name == "overall" else c.get("broken", 0)) if m == mode else ""
            lines.append(f"{name if m == 'rules' else '':16}{m:8}" + "".join(f"{c.get(o, 0):>9}" for o in LAYOUT_OUTCOMES)
                         + f"{share:>9}{fixed!s:>7}{broken!s:>7}")
    u = result["usage"]
    lines += ["", f"SILENT-WRONG CELLS: rules {result['silent_wrong']['rules']}, {mode} {result['silent_wrong'][mode]}",
              f"cells fixed by {mode}: {result['fixed']}, broken: {result['broken']}",
              f"LLM: {u.get('calls', 0)} calls, {u.get('reasks', 0)} re-asks, {u.get('prompt_tokens', 0)} prompt + "
              f"{u.get('completion_tokens', 0)} completion tokens, {u.get('tokens_per_file', 0):.0f} tokens per file"]
    errors = Counter(e.split(":")[0] + ": " + e.split(":")[1].strip()[:40] for d in result["details"] for e in d["errors"])
    if errors:
        lines.append("errors: " + "; ".join(f"{k} x{v}" for k, v in errors.items()))
    return "\n".join(lines)


def main(mode: str, client: Any, cassettes: Path, json_out: Optional[str] = None,
         layouts: Optional[list[str]] = None, seeds: Optional[int] = None) -> int:
    import json

    result = run_layouts(mode, client, cassettes, layouts=layouts or SAMPLE_LAYOUTS, seeds=seeds or SAMPLE_SEEDS)
    print(render_layouts(result))
    if json_out:
        Path(json_out).write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0
