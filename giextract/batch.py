"""Folder-scale runs: every input gets exactly one record, written as it is produced; a rerun skips what
is done (by path and content hash), so a run killed with `kill -9` and restarted loses and duplicates
nothing. Identical files are extracted once. Rules work runs in processes, LLM work in a bounded pool."""
from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import sys
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Optional

from giextract.core.model import ErrorRecord, Report, SourceInfo
from giextract.crossyear import cross_year_findings
from giextract.ingest.decode import InputError
from giextract.pipeline import extract

log = logging.getLogger(__name__)


def walk(paths: Iterable[str], exclude: Iterable[Path] = ()) -> list[Path]:
    """Every regular file named or under a named folder (hidden files skipped), sorted; missing paths too,
    so that they get their own error record."""
    skip = {p.resolve() for p in exclude}
    out: list[Path] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            out += sorted(f for f in path.rglob("*") if not any(part.startswith(".") for part in f.relative_to(path).parts)
                          and (f.is_file() or f.is_symlink()) and f.resolve() not in skip)
        else:
            out.append(path)
    return out


def file_digest(path: Path) -> Optional[str]:
    try:
        digest = hashlib.sha256()
        with path.open("rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest()
    except OSError:
        return None


def error_record(path: Path, message: str, stage: str = "ingest", digest: Optional[str] = None) -> Report:
    return Report(source=SourceInfo(path=str(path), sha256=digest or "", chars=0),
                  errors=[ErrorRecord(stage=stage, message=message)])


def extract_record(path: Path, mode: str = "rules", llm: Any = None) -> Report:
    """Every input gets a record: the extraction, or the specific reason it could not be read. Never
    raises (a batch never dies on one file)."""
    try:
        return extract(path, mode=mode, llm=llm)
    except InputError as exc:
        return error_record(path, str(exc))
    except Exception as exc:  # noqa: BLE001
        log.exception("failed on %s", path)
        return error_record(path, f"{type(exc).__name__}: {exc}", stage="internal")


def _extract_json(path: str, mode: str = "rules", llm: Any = None) -> str:
    """Worker side of extract_record: JSON crosses the process boundary."""
    return extract_record(Path(path), mode, llm).model_dump_json()


def read_done(out: Path) -> dict[tuple[str, str], str]:
    """(path, sha256) → record line of a previous run. A line cut by a crash is dropped from the file."""
    done: dict[tuple[str, str], str] = {}
    if not out.exists():
        return done
    data = out.read_bytes()
    keep = data.rfind(b"\n") + 1
    if keep < len(data):
        log.warning("%s: dropping a record cut short by an interrupted run", out)
        with out.open("r+b") as f:
            f.truncate(keep)
    for line in data[:keep].decode("utf-8").splitlines():
        try:
            source = json.loads(line)["source"]
            done[(source["path"], source["sha256"])] = line
        except (ValueError, KeyError, TypeError):
            continue
    return done


@dataclass
class BatchResult:
    total: int
    written: int
    skipped: int
    errors: int


def _progress(total: int, quiet: bool):  # type: ignore[no-untyped-def]
    if quiet or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="file", file=sys.stderr, dynamic_ncols=True)


def run_batch(paths: Iterable[str], out: Path, mode: str = "rules", llm: Any = None, jobs: Optional[int] = None,
              quiet: bool = False) -> BatchResult:
    files = walk(paths, exclude=[out])
    done = read_done(out)
    digests = {f: file_digest(f) for f in files}
    todo: dict[str, list[Path]] = {}
    immediate: list[Report] = []
    skipped = 0
    for f in files:
        digest = digests[f]
        if digest is None:
            immediate.append(error_record(f, f"cannot read {f}: missing, unreadable or not a file"))
            if (str(f), "") in done:
                immediate.pop()
                skipped += 1
            continue
        if (str(f), digest) in done:
            skipped += 1
            continue
        todo.setdefault(digest, []).append(f)
    bar = _progress(len(files), quiet)
    if bar:
        bar.update(skipped)
    written = errors = 0
    with out.open("a", encoding="utf-8") as sink:
        def emit(report: Report) -> None:
            nonlocal written, errors
            sink.write(report.model_dump_json() + "\n")
            sink.flush()
            written += 1
            errors += bool(report.errors)
            if bar:
                bar.update(1)
                bar.set_postfix(ok=written - errors, errors=errors, skipped=skipped)

        for report in immediate:
            emit(report)
        def emit_group(digest: str, line: str) -> None:
            record = json.loads(line)
            for path in todo[digest]:
                # Identical content: one extraction, one record per path.
                record["source"]["path"] = str(path)
                record["source"]["sha256"] = digest
                emit(Report.model_validate(record))

        if mode == "rules":
            with ProcessPoolExecutor(max_workers=jobs or os.cpu_count() or 1) as pool:
                futures = {pool.submit(_extract_json, str(group[0])): digest for digest, group in todo.items()}
                for future in as_completed(futures):
                    emit_group(futures[future], future.result())
        else:
            limit = max(1, getattr(getattr(llm, "config", None), "concurrency", 4))
            asyncio.run(_llm_batch(todo, mode, llm, limit, emit_group))
    if bar:
        bar.close()
    add_cross_year_findings(out)
    return BatchResult(total=len(files), written=written, skipped=skipped, errors=errors)


async def _llm_batch(todo: dict[str, list[Path]], mode: str, llm: Any, limit: int,
                     emit_group: Callable[[str, str], None]) -> None:
    """LLM work is I/O-bound: an event loop keeps at most ``limit`` reports in flight (each report's
    calls go out from a worker thread), and records are written as each finishes."""
    gate = asyncio.Semaphore(limit)

    async def one(digest: str, path: Path) -> tuple[str, str]:
        async with gate:
            return digest, await asyncio.to_thread(_extract_json, str(path), mode, llm)

    for finished in asyncio.as_completed([one(d, group[0]) for d, group in todo.items()]):
        digest, line = await finished
        emit_group(digest, line)


def add_cross_year_findings(out: Path) -> None:
    """U1/U2 need the batch as a whole: recompute them over every record and rewrite the file atomically."""
    reports = [Report.model_validate_json(line) for line in out.read_text(encoding="utf-8").splitlines() if line]
    for report in reports:
        report.findings = [f for f in report.findings if f.rule not in ("U1", "U2")]
    for index, findings in cross_year_findings(reports).items():
        reports[index].findings += findings
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text("".join(r.model_dump_json() + "\n" for r in reports), encoding="utf-8")
    tmp.replace(out)


def iter_records(path: Path) -> Iterator[Report]:
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield Report.model_validate_json(line)
