"""Folder-scale runs: every input gets exactly one record, written as it is produced; a rerun skips what
is done (by resolved absolute path and content hash, looked up in a compact index beside the output), so
a run killed with `kill -9` and restarted loses and duplicates nothing. Identical files are extracted
once. Rules work runs in budgeted worker processes (giextract.workers), LLM work in a bounded pool.
The output is locked for the run and may not be one of the inputs."""
from __future__ import annotations

import asyncio
import errno
import fcntl
import json
import logging
import os
import sqlite3
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Optional, Union

from giextract.batch_index import BatchIndex, live_offsets, sidecar
from giextract.batch_inputs import Input, absolute, classify, escape_path, file_digest, safe_text, shown, walk_inputs
from giextract.core.model import ErrorRecord, Finding, Report, SourceInfo
from giextract.crossyear import agency_findings
from giextract.ingest.decode import InputError
from giextract.workers import Budget, default_jobs, run_pool

log = logging.getLogger(__name__)
CROSSYEAR_SUFFIX = ".crossyear.jsonl"


class BatchError(Exception):
    """The batch cannot start or go on (bad or locked --out, disk full): a message for the user."""


def walk(paths: Iterable[str]) -> list[Path]:
    """Every input named or under a named folder (hidden entries skipped), as paths."""
    return [Path(i.path) for i in walk_inputs(paths)]


def error_record(path: Union[Path, str], message: str, stage: str = "ingest", digest: Optional[str] = None) -> Report:
    """The record of an input that could not be extracted (``path`` as on disk)."""
    return _error(escape_path(str(path)), message, stage, digest)


def _error(key: str, message: str, stage: str = "ingest", digest: Optional[str] = None) -> Report:
    return Report(source=SourceInfo(path=key, sha256=digest or "", chars=0),
                  errors=[ErrorRecord(stage=stage, message=safe_text(message))])


def extract_record(path: Path, mode: str = "rules", llm: Any = None, key: Optional[str] = None) -> Report:
    """Every input gets a record: the extraction, or the specific reason it could not be read. Only
    regular files are opened. Never raises but MemoryError (a batch never dies on one file)."""
    name = key or escape_path(str(path))
    item = classify(str(path), name)
    if item.problem:
        return _error(name, item.problem)
    try:
        report = extract(path, mode=mode, llm=llm)
    except InputError as exc:
        return _error(name, str(exc))
    except MemoryError:
        raise
    except Exception as exc:  # noqa: BLE001
        log.exception("failed on %s", shown(str(path)))
        return _error(name, f"{type(exc).__name__}: {exc}", stage="internal")
    report.source.path = name
    for e in report.errors:
        e.message = safe_text(e.message)
    return report


def extract(path: Path, mode: str = "rules", llm: Any = None) -> Report:
    from giextract.pipeline import extract as run

    return run(path, mode=mode, llm=llm)


def _extract_json(path: str, mode: str = "rules", llm: Any = None) -> str:
    """Worker side of extract_record: JSON crosses the process boundary."""
    return extract_record(Path(path), mode, llm).model_dump_json()


@dataclass
class BatchResult:
    total: int
    written: int
    skipped: int
    errors: int  # inputs whose record is an error, this run's and earlier ones'


def _progress(total: int, quiet: bool):  # type: ignore[no-untyped-def]
    if quiet or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="file", file=sys.stderr, dynamic_ncols=True)


def check_out(out: Path, paths: Iterable[str]) -> None:
    """--out must be a file in an existing folder, and neither an input nor inside a folder that is read."""
    name = shown(str(out))
    folder = Path(absolute(str(out))).parent
    if not folder.is_dir():
        raise BatchError(f"--out {name}: the folder {shown(str(folder))} does not exist (create it first)")
    if out.is_dir():
        raise BatchError(f"--out {name} is a folder: give a file name, e.g. {name}/results.jsonl")
    real = os.path.realpath(out)
    for p in paths:
        given = os.path.realpath(p)
        if real == given:
            raise BatchError(f"--out {name} is also an input ({shown(p)}): it would be overwritten; write elsewhere")
        if os.path.isdir(given) and real.startswith(given.rstrip(os.sep) + os.sep):
            raise BatchError(f"--out {name} is inside the input folder {shown(p)}: write it outside what is read")


def _open_locked(out: Path) -> int:
    try:
        fd = os.open(out, os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC | os.O_NONBLOCK, 0o644)
    except OSError as exc:
        raise BatchError(f"--out {shown(str(out))}: cannot open it: {exc.strerror}") from None
    if not _is_regular(fd):
        os.close(fd)
        raise BatchError(f"--out {shown(str(out))} is not a regular file")
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise BatchError(f"--out {shown(str(out))} is in use by another giextract run: wait for it to finish "
                         "or choose another --out") from None
    return fd


def _is_regular(fd: int) -> bool:
    import stat

    return stat.S_ISREG(os.fstat(fd).st_mode)


class _Sink:
    """Appends whole lines to the locked JSONL and indexes each one."""

    def __init__(self, fd: int, out: Path, index: BatchIndex) -> None:
        self.fd, self.out, self.index = fd, out, index
        self.written = self.errors = 0

    def write(self, record: dict[str, Any], item: Input) -> None:
        data = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
        start = os.fstat(self.fd).st_size
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(self.fd, view):]
        except OSError as exc:
            try:
                os.ftruncate(self.fd, start)  # no torn line left behind
            except OSError:
                pass
            raise BatchError(f"cannot write {shown(str(self.out))}: {exc.strerror}; {self.written} records were "
                             "written, rerun the same command to go on") from None
        self.index.add(record, start, start + len(data), item.size if item.size >= 0 else None,
                       item.mtime_ns if item.mtime_ns >= 0 else None)
        self.written += 1
        self.errors += bool(record.get("errors"))


ENGINES = ("local", "ray")


def run_batch(paths: Iterable[str], out: Path, mode: str = "rules", llm: Any = None, jobs: Optional[int] = None,
              quiet: bool = False, budget: Optional[Budget] = None, engine: str = "local") -> BatchResult:
    """Extract every input into ``out`` (JSONL, appended). Raises BatchError for a bad, locked or full --out.
    ``engine``: ``local`` (worker processes on this machine) or ``ray`` (the same per-file work on Ray tasks,
    records written here; rules mode, see :mod:`giextract.ray_engine`)."""
    if engine not in ENGINES:
        raise BatchError(f"--engine {engine}: choose {' or '.join(ENGINES)}")
    if engine == "ray" and mode != "rules":
        raise BatchError(f"--engine ray runs rules work; --mode {mode} is I/O-bound and runs in the local pool "
                         "(drop --engine ray)")
    if engine == "ray":
        from giextract.ray_engine import RayUnavailable, _ray

        try:
            _ray()
        except RayUnavailable as exc:
            raise BatchError(str(exc)) from None
    paths = list(paths)
    check_out(out, paths)
    inputs = walk_inputs(paths)
    fd = _open_locked(out)
    index = BatchIndex(out)
    try:
        try:
            index.open(fd)
            result = _run(inputs, fd, out, index, mode, llm, jobs, quiet, budget or Budget(), engine)
            if index.changed or not index.crossyear_is_current() or not sidecar(out, CROSSYEAR_SUFFIX).exists():
                _write_cross_year(out, index)
            index.close()
        except sqlite3.Error as exc:
            raise BatchError(f"index {shown(str(index.path))}: {exc}") from None
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO, errno.EACCES):
                raise BatchError(f"cannot write beside {shown(str(out))}: {exc.strerror}") from None
            raise
    finally:
        os.close(fd)
    return result


def _run(inputs: list[Input], fd: int, out: Path, index: BatchIndex, mode: str, llm: Any, jobs: Optional[int],
         quiet: bool, budget: Budget, engine: str = "local") -> BatchResult:
    todo: dict[str, list[Input]] = {}
    immediate: list[Input] = []
    skipped = skipped_errors = 0
    known = index.rows()
    for item in inputs:
        row = known.get(item.key)
        if item.problem is None and row and row.sha256 and (row.size, row.mtime_ns) == (item.size, item.mtime_ns):
            skipped, skipped_errors = skipped + 1, skipped_errors + row.is_error
            continue
        if item.problem is None:
            digest, item.problem = file_digest(item.path)
        if item.problem is not None:
            if row and not row.sha256:
                skipped, skipped_errors = skipped + 1, skipped_errors + row.is_error
            else:
                immediate.append(item)
            continue
        if row and row.sha256 == digest:
            index.set_stat(item.key, item.size, item.mtime_ns)
            skipped, skipped_errors = skipped + 1, skipped_errors + row.is_error
            continue
        todo.setdefault(digest, []).append(item)  # type: ignore[arg-type]
    del known
    sink = _Sink(fd, out, index)
    bar = _progress(len(inputs), quiet)
    if bar:
        bar.update(skipped)

    def emit(record: dict[str, Any], item: Input) -> None:
        sink.write(record, item)
        if bar:
            bar.update(1)
            bar.set_postfix(ok=sink.written - sink.errors, errors=sink.errors + skipped_errors, skipped=skipped)

    for item in immediate:
        emit(json.loads(_error(item.key, item.problem or "").model_dump_json()), item)

    def emit_group(digest: str, line: Optional[str], failure: Optional[tuple[str, str]] = None) -> None:
        group = todo[digest]
        if failure:
            record = json.loads(_error(group[0].key, failure[1], failure[0], digest).model_dump_json())
        else:
            record = json.loads(line or "{}")
        for item in group:
            # Identical content: one extraction, one record per path.
            record["source"]["path"] = item.key
            record["source"]["sha256"] = digest
            emit(record, item)

    if todo and engine == "ray":
        from giextract.ray_engine import RayUnavailable, run_ray

        try:
            run_ray([(d, group[0].path) for d, group in todo.items()], budget, emit_group, jobs)
        except RayUnavailable as exc:
            raise BatchError(str(exc)) from None
    elif todo and mode == "rules":
        import giextract.pipeline  # noqa: F401  (loaded before the workers fork: their budget is for the file)

        run_pool([(d, group[0].path) for d, group in todo.items()], _extract_json, max(1, jobs or default_jobs()),
                 budget, emit_group)
    elif todo:
        limit = max(1, getattr(getattr(llm, "config", None), "concurrency", 4))
        asyncio.run(_llm_batch(todo, mode, llm, limit, emit_group))
    if bar:
        bar.close()
    return BatchResult(total=len(inputs), written=sink.written, skipped=skipped, errors=sink.errors + skipped_errors)


async def _llm_batch(todo: dict[str, list[Input]], mode: str, llm: Any, limit: int,
                     emit_group: Callable[[str, Optional[str]], None]) -> None:
    """LLM work is I/O-bound: an event loop keeps at most ``limit`` reports in flight (each report's
    calls go out from a worker thread), and records are written as each finishes."""
    gate = asyncio.Semaphore(limit)

    async def one(digest: str, path: str) -> tuple[str, str]:
        async with gate:
            return digest, await asyncio.to_thread(_extract_json, path, mode, llm)

    for finished in asyncio.as_completed([one(d, group[0].path) for d, group in todo.items()]):
        digest, line = await finished
        emit_group(digest, line)


def _write_cross_year(out: Path, index: BatchIndex) -> None:
    """U1/U2 need the batch as a whole: computed from the index, one agency at a time, into the sidecar
    OUT.crossyear.jsonl (one line per report that has findings), replaced atomically."""
    target = sidecar(out, CROSSYEAR_SUFFIX)
    handle, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    try:
        os.fchmod(handle, 0o644)  # mkstemp makes it private; it is an output like the JSONL
        with os.fdopen(handle, "w", encoding="utf-8") as f:
            for group in index.agencies():
                for key, findings in agency_findings(group).items():
                    f.write(json.dumps({"path": key, "findings": [x.model_dump() for x in findings]},
                                       ensure_ascii=False) + "\n")
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    index.mark_crossyear()


def cross_year_of(out: Path) -> Optional[dict[str, list[Finding]]]:
    """The U1/U2 findings of a batch output by record path (None when the output has no sidecar)."""
    path = sidecar(out, CROSSYEAR_SUFFIX)
    if not path.exists():
        return None
    found: dict[str, list[Finding]] = {}
    with path.open(encoding="utf-8") as f:
        for line in f:
            try:
                entry = json.loads(line)
                found[entry["path"]] = [Finding.model_validate(x) for x in entry["findings"]]
            except (ValueError, KeyError, TypeError):
                log.warning("%s: skipping an unreadable line", path.name)
    return found


def iter_records(path: Path) -> Iterator[Report]:
    """One record per input of a batch output, each with its U1/U2 findings: a line superseded by a later
    record of the same input (it changed and was extracted again) is left out, torn lines are skipped
    with a warning."""
    live = live_offsets(path)
    cross = cross_year_of(path)
    offset = 0
    with path.open("rb") as f:
        for line in f:
            start, offset = offset, offset + len(line)
            if not line.strip() or (live is not None and start < live[1] and start not in live[0]):
                continue
            try:
                report = Report.model_validate_json(line)
            except ValueError:
                log.warning("%s: the line at byte %d is not a whole record: skipped", path.name, start)
                continue
            if cross is not None:
                report.findings = [x for x in report.findings if x.rule not in ("U1", "U2")]
                report.findings += cross.get(report.source.path or "", [])
            yield report
