"""`python -m giextract eval --layouts`: every gold report with tables, rendered in every layout (a few
seeds), written to a temporary folder and read back by ``giextract.extract`` (so the real readers run),
each printed cell scored against what the file prints."""
from __future__ import annotations

import logging
import subprocess
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any, Iterable, Optional

from giextract.evaluation.gold import DEFAULT_EVAL_DIR, gold_files, load
from giextract.evaluation.layouts import ocr as ocr_layout
from giextract.evaluation.layouts.render import LAYOUTS, has_tables, render
from giextract.evaluation.score import LAYOUT_OUTCOMES, flagged_paths, judge_printed

log = logging.getLogger(__name__)
MAX_WRONG_LISTED = 40
# per file, in the JSON details; numbers_undecided: printed numbers not read right because the text admits
# several readings that satisfy every rule (the cell is `ambiguous` and the printed value is a candidate)
COUNTS = LAYOUT_OUTCOMES + ("numbers_printed", "numbers_right", "numbers_undecided")


def _commit() -> dict[str, Any]:
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True,
                               text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}
    return {"commit": head or None, "dirty": bool(dirty)}


def score_file(path: Path, truth: dict[str, Any]) -> dict[str, Any]:
    """Extract ``path`` and score each truth cell; an extraction that fails leaves every cell missing."""
    from giextract.pipeline import extract

    counts: Counter = Counter()
    wrong: list[dict[str, Any]] = []
    try:
        report = extract(path)
    except Exception as exc:  # a reader crash is a result here, not an abort of the whole matrix
        log.warning("%s: %s: %s", path.name, type(exc).__name__, exc)
        counts["missing"] = len(truth)
        counts["numbers_printed"] = sum(isinstance(v, (int, float)) for v in truth.values())
        return {"cells": dict(counts), "error": f"{type(exc).__name__}: {exc}", "wrong": []}
    flagged = flagged_paths(report)
    for cell_path, value in truth.items():
        verdict = judge_printed(report, cell_path, value, flagged)
        counts[verdict.outcome] += 1
        if isinstance(value, (int, float)):
            counts["numbers_printed"] += 1
            counts["numbers_right"] += verdict.outcome == "right"
            cell = report.cell(cell_path) if verdict.outcome == "flagged" else None
            counts["numbers_undecided"] += bool(cell is not None and cell.status == "ambiguous"
                                                and value in cell.candidates)
        if verdict.outcome != "right" and len(wrong) < MAX_WRONG_LISTED:
            wrong.append({"path": cell_path, "truth": value, "got": verdict.got, "outcome": verdict.outcome})
    errors = [f"{e.stage}: {e.message}" for e in report.errors]
    return {"cells": dict(counts), "error": "; ".join(errors) or None, "wrong": wrong,
            "extracted_with": report.source.extracted_with if report.source else None}


def matrix_reports(eval_dir: Path = DEFAULT_EVAL_DIR, only: Optional[Iterable[str]] = None) -> list[Path]:
    wanted = set(only) if only else None
    return [p for p in gold_files(eval_dir) if (wanted is None or p.stem in wanted) and has_tables(load(p))]


def run_matrix(seeds: int = 1, layouts: Optional[Iterable[str]] = None, eval_dir: Path = DEFAULT_EVAL_DIR,
               reports: Optional[Iterable[str]] = None) -> dict[str, Any]:
    started = time.perf_counter()
    names = list(layouts or LAYOUTS)
    unknown = [n for n in names if n not in LAYOUTS and n not in ocr_layout.OCR_LAYOUT_NAMES]
    if unknown:
        raise ValueError(f"unknown layout(s) {', '.join(unknown)}; known: {', '.join(LAYOUTS)}, "
                         f"{', '.join(ocr_layout.OCR_LAYOUT_NAMES)}")
    per_layout: dict[str, Counter] = {n: Counter() for n in names}
    files: list[dict[str, Any]] = []
    golds = matrix_reports(eval_dir, reports)
    with tempfile.TemporaryDirectory(prefix="giextract-layouts-") as tmp:
        for gold_path in golds:
            gold = load(gold_path)
            for layout in names:
                ocr = layout in ocr_layout.OCR_LAYOUT_NAMES
                if ocr and gold_path.stem not in ocr_layout.OCR_REPORTS:
                    continue  # OCR costs seconds a page: scanned layouts run on a few reports
                for seed in range(seeds):
                    if layout in ocr_layout.CORPUS_DPI:
                        scanned = ocr_layout.corpus_scan(gold, layout, seed, eval_dir)
                        if scanned is None:
                            break
                        data, truth, filename = *scanned, f"{gold_path.stem}.{layout}.s{seed}.tif"
                    else:
                        rendered = render(gold, layout, seed, name=gold_path.stem)
                        data, truth, filename = rendered.data, rendered.truth, rendered.filename
                    target = Path(tmp) / filename
                    target.write_bytes(data)
                    began = time.perf_counter()
                    result = score_file(target, truth)
                    result["seconds"] = round(time.perf_counter() - began, 2)
                    if ocr:
                        result["pages"] = ocr_layout.page_count(data)
                        per_layout[layout].update(pages=result["pages"], ocr_ms=int(result["seconds"] * 1000))
                    target.unlink()
                    per_layout[layout].update(result["cells"])
                    files.append({"report": gold_path.stem, "layout": layout, "seed": seed, **result})
    overall: Counter = sum(per_layout.values(), Counter())
    return {
        **_commit(), "seeds": seeds, "reports": [p.stem for p in golds], "layouts": names,
        "files": len(files), "seconds": round(time.perf_counter() - started, 1),
        "by_layout": {n: {k: per_layout[n].get(k, 0) for k in COUNTS} | _per_page(per_layout[n]) for n in names},
        "overall": {k: overall.get(k, 0) for k in COUNTS},
        "details": files,
    }


def _per_page(counts: Counter) -> dict[str, Any]:
    """Pages and seconds per page (extraction, OCR included, on the engine's one thread) of a scanned layout."""
    if not counts.get("pages"):
        return {}
    return {"pages": counts["pages"], "seconds_per_page": round(counts["ocr_ms"] / 1000 / counts["pages"], 1)}


def render_matrix(result: dict[str, Any]) -> str:
    lines = [f"giextract eval --layouts — {len(result['reports'])} reports x {len(result['layouts'])} layouts x "
             f"{result['seeds']} seed(s) = {result['files']} files, {result['seconds']}s, at commit "
             f"{(result.get('commit') or '?')[:12]}{' (+ uncommitted changes)' if result.get('dirty') else ''}", ""]
    header = (f"{'layout':16}{'cells':>8}" + "".join(f"{o:>9}" for o in LAYOUT_OUTCOMES) + f"{'right %':>9}"
              + f"{'numbers':>9}{'num right':>10}{'undecided':>10}")
    lines.append(header)
    rows = list(result["by_layout"].items()) + [("overall", result["overall"])]
    for name, counts in rows:
        total = sum(counts.get(o, 0) for o in LAYOUT_OUTCOMES)
        share = f"{counts.get('right', 0) / total:.3f}" if total else "—"
        lines.append(f"{name:16}{total:>8}" + "".join(f"{counts.get(o, 0):>9}" for o in LAYOUT_OUTCOMES) + f"{share:>9}"
                     + f"{counts.get('numbers_printed', 0):>9}{counts.get('numbers_right', 0):>10}"
                     + f"{counts.get('numbers_undecided', 0):>10}"
                     + (f"  {counts['pages']} pages, {counts['seconds_per_page']} s/page" if counts.get("pages") else ""))
    errors = Counter(d["error"].split(":")[0] for d in result["details"] if d.get("error"))
    if errors:
        lines.append("errors: " + "; ".join(f"{k} x{v}" for k, v in errors.items()))
    lines.append("right: read as printed; flagged: wrong but a non-ok status or a finding says so; silent: an ok "
                 "cell that differs from the file (or an ok number where it prints a blank); missing: not read; undecided: "
                 "numbers flagged ambiguous because several readings of the text satisfy every rule, the printed "
                 "one among them")
    return "\n".join(lines)
