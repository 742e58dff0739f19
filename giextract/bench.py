"""Benchmark of the rules path: reports/second and peak memory over the corpus repeated to N reports."""
from __future__ import annotations

import resource
import time
from pathlib import Path

from giextract.pipeline import extract_text


def run_bench(corpus: str, reports: int = 1000) -> dict[str, object]:
    texts = [p.read_text(encoding="utf-8") for p in sorted(Path(corpus).glob("*.txt"))]
    if not texts:
        raise SystemExit(f"no .txt reports in {corpus}")
    extract_text(texts[0])  # warm-up: imports, regex compilation, OpenCC dictionaries
    start = time.perf_counter()
    for i in range(reports):
        extract_text(texts[i % len(texts)])
    elapsed = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"reports": reports, "distinct_inputs": len(texts), "seconds": round(elapsed, 3),
            "reports_per_second": round(reports / elapsed, 1), "peak_rss_mb": round(peak_kb / 1024, 1),
            "note": "one process, one core, rules mode"}
