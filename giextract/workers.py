"""Rules work in worker processes with a per-file budget. Each worker takes one file at a time, so the
parent always knows which file a worker is on: a worker that runs past the time budget is killed and
replaced, one that hits its address-space cap (RLIMIT_AS) reports it and is replaced, and one that dies
(the out-of-memory killer, a crash in native code) is replaced too. In every case that file gets an error
record and the rest of the queue goes on."""
from __future__ import annotations

import logging
import multiprocessing
import os
import resource
import signal
import time
from collections import deque
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any, Callable, Iterable, Optional

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 60.0
DEFAULT_OCR_PAGE = 30.0  # measured 4-13 s a page on one core at 150-300 dpi; room for a loaded machine
DEFAULT_MEMORY = 2 << 30


@dataclass(frozen=True)
class Budget:
    """Per-file limits in a batch: wall-clock seconds, and bytes of address space per worker process."""

    timeout: float = DEFAULT_TIMEOUT
    memory: int = DEFAULT_MEMORY
    ocr_page: float = DEFAULT_OCR_PAGE  # more seconds for each page the file's reader OCRs

    def memory_text(self) -> str:
        return format_size(self.memory)


def format_size(n: int) -> str:
    for unit, shift in (("GB", 30), ("MB", 20), ("KB", 10)):
        if n >= 1 << shift:
            value = n / (1 << shift)
            return f"{value:g} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{n} bytes"


def parse_size(text: str) -> int:
    """'2G', '500M', '64k', '1.5GB' or a byte count → bytes."""
    units = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
    s = text.strip().upper().removesuffix("B").removesuffix("I")
    unit = s[-1] if s and s[-1] in units else ""
    number = s[:-1] if unit else s
    try:
        value = float(number)
    except ValueError:
        raise ValueError(f"not a size: {text!r} (e.g. 2G, 500M)") from None
    if value <= 0:
        raise ValueError(f"size must be positive: {text!r}")
    return int(value * units[unit])


def _worker_main(conn: Connection, memory: int, work: Callable[[str], str], announce: bool = False) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides; Ctrl-C must not leave half a result
    from giextract.grids.ocr import PAGE_HOOKS

    PAGE_HOOKS[:] = [lambda page: conn.send(("page", page))]  # each scanned page extends this file's budget
    if announce:  # a spawned worker has imported its work function: its files' clocks may start now
        import giextract.pipeline  # noqa: F401  (as a forked worker has it from its parent)

        conn.send(("ready", None))
    if memory:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        try:
            conn.send(("ok", work(task)))
        except MemoryError:
            conn.send(("memory", None))
            return  # the heap may be fragmented past use: the parent starts a fresh worker


class _Worker:
    def __init__(self, ctx: Any, memory: int, work: Callable[[str], str]) -> None:
        self.conn, child = ctx.Pipe()
        spawned = ctx.get_start_method() != "fork"
        self.process = ctx.Process(target=_worker_main, args=(child, memory, work, spawned), daemon=True)
        self.process.start()
        child.close()
        if spawned:  # wait until it has imported the pipeline (a second or two), or died trying
            try:
                self.conn.recv()
            except (EOFError, OSError):
                pass  # dead: giving it a file fails, and the file gets a worker record
        self.task: Optional[tuple[Any, str]] = None
        self.started = 0.0

    def give(self, key: Any, path: str) -> None:
        self.task, self.started = (key, path), time.monotonic()
        self.conn.send(path)

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.conn.close()


def _death(exitcode: Optional[int]) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        hint = " (the out-of-memory killer sends it)" if -exitcode == signal.SIGKILL else ""
        return f"the worker process extracting this file was killed by {name}{hint}"
    return f"the worker process extracting this file died (exit status {exitcode})"


def run_pool(tasks: Iterable[tuple[Any, str]], work: Callable[[str], str], jobs: int, budget: Budget,
             done: Callable[[Any, Optional[str], Optional[tuple[str, str]]], None],
             start_method: Optional[str] = None, resident: Optional[list[Any]] = None) -> None:
    """Run ``work(path)`` for each (key, path) in ``jobs`` processes. ``done(key, result, None)`` on
    success, ``done(key, None, (stage, message))`` when the file broke its budget or killed its worker.
    ``start_method``: fork where the platform has it (the parent's imports are shared), else spawn.
    ``resident``: idle workers kept alive between calls (taken from it, and the idle ones left in it at
    the end), for a caller that runs the pool again and again with the same ``work`` and budget."""
    if start_method is None:
        start_method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    ctx = multiprocessing.get_context(start_method)
    queue = deque(tasks)
    idle: list[_Worker] = [w for w in resident or [] if w.process.is_alive()]
    if resident is not None:
        resident.clear()
    busy: dict[Connection, _Worker] = {}
    try:
        while queue or busy:
            while queue and len(busy) < jobs:
                worker = idle.pop() if idle else _Worker(ctx, budget.memory, work)
                key, path = queue.popleft()
                try:
                    worker.give(key, path)
                except OSError:  # it died before taking the file
                    worker.kill()
                    done(key, None, ("worker", _death(worker.process.exitcode)))
                    continue
                busy[worker.conn] = worker
            now = time.monotonic()
            wait_for = max(0.0, min(w.started + budget.timeout - now for w in busy.values()))
            ready = set(wait(list(busy) + [w.process.sentinel for w in busy.values()], timeout=wait_for))
            now = time.monotonic()
            for conn, worker in list(busy.items()):
                key, _ = worker.task  # type: ignore[misc]
                if conn in ready:
                    try:
                        kind, result = conn.recv()
                    except (EOFError, OSError):
                        kind, result = "died", None
                    if kind == "ok":
                        del busy[conn]
                        idle.append(worker)
                        done(key, result, None)
                        continue
                    if kind == "page":  # the reader starts OCR on a page: that page's time is added
                        worker.started += budget.ocr_page
                        continue
                    message = (f"exceeded the {budget.memory_text()} memory budget for one file (--file-memory)"
                               if kind == "memory" else None)
                elif worker.process.sentinel in ready:
                    message = None
                elif now - worker.started >= budget.timeout:
                    message = (f"exceeded the {budget.timeout:g} s budget for one file (--file-timeout; "
                               f"plus {budget.ocr_page:g} s for each page it OCRs, --ocr-page-seconds)")
                else:
                    continue
                del busy[conn]
                worker.kill()
                if message is None:
                    message = _death(worker.process.exitcode)
                log.warning("%s: %s", worker.task[1].encode("utf-8", "surrogateescape").decode("utf-8", "replace"),  # type: ignore[index]
                            message)
                done(key, None, ("budget" if "budget" in message else "worker", message))
        if resident is not None:
            resident.extend(idle)
            idle = []
        for worker in idle:
            worker.conn.send(None)
        for worker in idle:
            worker.process.join(5)
    finally:
        for worker in idle + list(busy.values()):
            worker.kill()


def default_jobs() -> int:
    return os.cpu_count() or 1
