"""Benchmark of the rules path: reports/second and peak memory over the corpus repeated to N reports."""
from __future__ import annotations

import os
import resource
import time
from pathlib import Path
from typing import Optional

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


def run_batch_bench(corpus: str, files: int = 2000, jobs: Optional[int] = None) -> dict[str, object]:
    """Folder throughput with all cores: distinct files (so nothing is deduplicated), processes, JSONL out."""
    import shutil
    import tempfile

    from giextract.batch import run_batch

    texts = sorted(Path(corpus).glob("*.txt"))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "in"
        folder.mkdir()
        for i in range(files):
            source = texts[i % len(texts)]
            (folder / f"{i:05d}.txt").write_text(source.read_text(encoding="utf-8") + f"\n{i}\n", encoding="utf-8")
        start = time.perf_counter()
        result = run_batch([str(folder)], Path(tmp) / "out.jsonl", jobs=jobs, quiet=True)
        elapsed = time.perf_counter() - start
        shutil.rmtree(folder)
    return {"files": files, "jobs": jobs or os.cpu_count(), "seconds": round(elapsed, 2),
            "files_per_second": round(files / elapsed, 1), "records": result.written}


def token_bench(cassettes: str = "cassettes", eval_dir: str = "eval") -> dict[str, object]:
    """Hybrid vs. the naive one-call baseline, both replayed from cassettes: tokens per report and accuracy."""
    from giextract.evaluation.run import evaluate
    from giextract.llm import LLMClient, LLMConfig

    out: dict[str, object] = {}
    runs = (("hybrid", "hybrid", 2), ("hybrid_no_reasks", "hybrid", 0), ("naive", "naive", 2), ("llm", "llm", 2))
    for name, mode, reasks in runs:
        client = LLMClient(LLMConfig(base_url="http://127.0.0.1:9/v1", use_cache=False, max_reasks=reasks))
        result = evaluate(mode, eval_dir=Path(eval_dir), client=client, cassettes=Path(cassettes))
        out[name] = {"tokens_per_report": round(float(result["usage"]["tokens_per_report"]), 1),
                     "cell_accuracy": round(result["cells"]["accuracy"], 4), "silent_wrong": result["silent_wrong"],
                     "narrative_f1": round(result["narrative"]["f1"] or 0, 3)}
    naive = out["naive"]["tokens_per_report"]  # type: ignore[index]
    for name in ("hybrid", "hybrid_no_reasks"):
        out[f"{name}_tokens_vs_naive"] = round(out[name]["tokens_per_report"] / naive, 3) if naive else None  # type: ignore[index]
    return out
