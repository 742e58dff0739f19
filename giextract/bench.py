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


# --- Hostile inputs: text built from a corpus report that once cost super-linear time or memory. ---

_SEED_2019 = "seed_003_91b7c3b427fd0bbb.txt"  # a 2019-format report, tables 二/三/四 as run-on digits
_SEED_TRADITIONAL = "seed_004_70095cba19501f17.txt"  # a Traditional-script legacy report


def _run_on_row(corpus: str, digits: int) -> str:
    """Table 三's first row with its 7 cells replaced by one run of ``digits`` digits."""
    text = (Path(corpus) / _SEED_2019).read_text(encoding="utf-8")
    run = ("3141592653589793238462643383279502884197" * (digits // 40 + 1))[:digits]
    return text.replace("一、本年新收政府信息公开申请数量2000002", "一、本年新收政府信息公开申请数量" + run)


def _pipe_rows(corpus: str, rows: int) -> str:
    """Table 三 printed as ``rows`` pipe-separated rows of 7 numbers that each satisfy R2, no labels."""
    text = (Path(corpus) / _SEED_2019).read_text(encoding="utf-8")
    start, end = text.index("(本列数据的勾稽关系"), text.index("  四、政府信息公开行政复议")
    lines = []
    for r in range(rows):
        cells = [(r * 7 + c) % 13 for c in range(6)]
        lines.append("|" + "|".join(str(v) for v in cells + [sum(cells)]) + "|")
    return text[:start] + "\n".join(lines) + "\n\n" + text[end:]


def _traditional_one_line(corpus: str, chars: int) -> str:
    """The Traditional report with its line breaks removed, repeated to ``chars`` characters on one line."""
    text = (Path(corpus) / _SEED_TRADITIONAL).read_text(encoding="utf-8").replace("\n", " ")
    return (text * (chars // len(text) + 1))[:chars]


def hostile_inputs(corpus: str = "eval/sources") -> dict[str, str]:
    """Name → text of each blow-up input (issue 8)."""
    return {
        "run_on_40_digits": _run_on_row(corpus, 40),
        "run_on_60_digits": _run_on_row(corpus, 60),
        "run_on_300_digits": _run_on_row(corpus, 300),
        "pipe_rows_400x7": _pipe_rows(corpus, 400),
        "traditional_one_line_100k": _traditional_one_line(corpus, 100_000),
        "traditional_one_line_1m": _traditional_one_line(corpus, 1_000_000),
    }


_HOSTILE_CHILD = """
import json, resource, sys, time
limit = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
from giextract.pipeline import extract_text
text = sys.stdin.read()
start = time.perf_counter()
try:
    report = extract_text(text)
    outcome = {"findings": sorted({f.rule for f in report.findings})}
except MemoryError:
    outcome = {"memory_error": True}
outcome["seconds"] = time.perf_counter() - start
outcome["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(outcome))
"""


def _peak_rss_mb(pid: int) -> Optional[float]:
    """High-water resident memory of a live process (Linux /proc), in MB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


def run_hostile(text: str, timeout: float = 60.0, memory_mb: int = 4096) -> dict[str, object]:
    """Extract ``text`` in a child process under an address-space cap and a wall-clock timeout."""
    import json
    import subprocess
    import sys

    limit = memory_mb * 1024 * 1024
    child = subprocess.Popen([sys.executable, "-c", _HOSTILE_CHILD, str(limit)], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        stdout, stderr = child.communicate(text, timeout=timeout)
    except subprocess.TimeoutExpired:
        peak = _peak_rss_mb(child.pid)
        child.kill()
        child.communicate()
        return {"seconds": f"> {timeout:g} s", "peak_rss_mb": f">= {peak} (when stopped)", "returned": False}
    if child.returncode != 0 or not stdout.strip():
        tail = stderr.strip().splitlines()[-1:] or [f"exit {child.returncode}"]
        return {"seconds": None, "peak_rss_mb": f"> {memory_mb} MB" if "MemoryError" in stderr else None,
                "returned": False, "error": tail[0]}
    outcome = json.loads(stdout.strip().splitlines()[-1])
    if outcome.pop("memory_error", False):
        return {"seconds": round(outcome["seconds"], 2), "peak_rss_mb": f"> {memory_mb} MB", "returned": False}
    return {"seconds": round(outcome["seconds"], 2), "peak_rss_mb": round(outcome["peak_rss_mb"], 1),
            "returned": True, "findings": outcome["findings"]}


def hostile_bench(corpus: str = "eval/sources", timeout: float = 60.0, memory_mb: int = 4096) -> dict[str, object]:
    """Time and peak RSS of each blow-up input, each in its own capped child process."""
    out: dict[str, object] = {}
    for name, text in hostile_inputs(corpus).items():
        out[name] = {"chars": len(text), **run_hostile(text, timeout, memory_mb)}
    return out


# --- Resume: a rerun over N inputs that are all recorded already. ---


def fabricate_done(corpus: str, folder: Path, out: Path, n: int) -> None:
    """N distinct input files (the corpus reports, each with its index appended) under ``folder`` and,
    in ``out``, a real record of each (one extraction per corpus report, path and sha256 set per file),
    as a finished earlier run leaves them. Writes in one pass, a few MB in memory."""
    import hashlib
    import json

    from giextract.pipeline import extract

    sources = sorted(Path(corpus).glob("*.txt"))
    records = [json.loads(extract(p).model_dump_json()) for p in sources]
    with out.open("w", encoding="utf-8") as sink:
        for i in range(n):
            k = i % len(sources)
            sub = folder / f"{i // 1000:03d}"
            if i % 1000 == 0:
                sub.mkdir(parents=True, exist_ok=True)
            data = sources[k].read_bytes() + f"\n{i}\n".encode()
            path = sub / f"{i:06d}_{sources[k].name}"
            path.write_bytes(data)
            record = records[k]
            record["source"]["path"] = str(path)
            record["source"]["sha256"] = hashlib.sha256(data).hexdigest()
            sink.write(json.dumps(record, ensure_ascii=False) + "\n")


def _timed_cli(args: list[str], memory_mb: Optional[int], timeout: float) -> dict[str, object]:
    """Run ``python -m giextract ARGS`` and return its wall time, peak RSS and exit status."""
    import subprocess
    import sys

    def cap() -> None:
        if memory_mb:
            resource.setrlimit(resource.RLIMIT_AS, (memory_mb << 20, memory_mb << 20))

    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "giextract", *args], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, preexec_fn=cap)
    import threading

    timer = threading.Timer(timeout, proc.kill)  # stop a run past its time, so the machine survives
    timer.start()
    try:
        _, status, usage = os.wait4(proc.pid, 0)
    finally:
        timer.cancel()
    proc.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.perf_counter() - start
    tail = proc.stderr.read().decode("utf-8", "replace")[-300:] if proc.stderr else ""
    return {"seconds": round(elapsed, 2), "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
            "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
            "exit": proc.returncode, "timed_out": elapsed > timeout, "stderr_tail": tail if proc.returncode else ""}


def resume_bench(corpus: str, n: int, memory_mb: Optional[int] = 4096, timeout: float = 600.0) -> dict[str, object]:
    """A rerun with nothing to do over N recorded inputs: the first one after an older version (no index:
    it is rebuilt from the JSONL), then a second one (index present). Each run is a child process capped
    at ``memory_mb`` of address space; its wall time and peak RSS are reported."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        base = Path(os.path.realpath(tmp))
        folder, out = base / "in", base / "out.jsonl"
        start = time.perf_counter()
        fabricate_done(corpus, folder, out, n)
        made = time.perf_counter() - start
        args = ["extract", str(folder), "--out", str(out), "--quiet"]
        first = _timed_cli(args, memory_mb, timeout)
        second = _timed_cli(args, memory_mb, timeout)
        lines = sum(1 for _ in out.open("rb"))
    return {"records": n, "fabricated_seconds": round(made, 1), "memory_cap_mb": memory_mb,
            "rerun_without_index": first, "rerun_with_index": second, "lines_after": lines}


def pdf_bench(corpus: str = "eval/sources", runs: int = 7) -> dict[str, object]:
    """CPU seconds per PDF in ``corpus``: reading it (text and grids) and extracting it, the median of
    ``runs`` runs each after a warm-up, with the reader that read it (``source.extracted_with``)."""
    import statistics

    from giextract.ingest.documents import read_document
    from giextract.pipeline import extract

    out: dict[str, object] = {}
    for path in sorted(Path(corpus).glob("*.pdf")):
        read_document(path)
        reading, extracting = [], []
        for _ in range(runs):
            start = time.process_time()
            how = read_document(path).how
            reading.append(time.process_time() - start)
            start = time.process_time()
            extract(path)
            extracting.append(time.process_time() - start)
        out[path.name] = {"read_cpu_s": round(statistics.median(reading), 3),
                          "extract_cpu_s": round(statistics.median(extracting), 3), "runs": runs, "how": how}
    if not out:
        raise SystemExit(f"no .pdf reports in {corpus}")
    return out
