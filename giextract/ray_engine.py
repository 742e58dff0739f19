"""Folder runs on Ray (``extract DIR --out F --engine ray``, the optional ``giextract[ray]`` extra).

The driver keeps everything that makes a folder run safe: it walks the inputs, skips what the index says
is done, groups identical files, and writes every record itself through the same locked sink as the local
pool (:mod:`giextract.batch`), so the records, resume and one-record-per-input guarantees are the local
pool's. Only the per-file work moves: each Ray task gets a few files *as bytes* (the nodes of a cluster need
not share the driver's disk) and extracts them with the same per-file function in the same budgeted worker
pool as a local run (:func:`giextract.workers.run_pool`, one process on the task's CPU), so a file over its
time or memory budget, or one that kills its worker, gets the same error record as locally. A task that Ray
itself loses (its node gone, the worker killed from outside) is retried by Ray, then each of its files gets
a ``worker`` error record and the run goes on.

Where Ray runs: ``RAY_ADDRESS`` (e.g. ``ray://head:10001`` or ``auto``) joins an existing cluster, whose
nodes need giextract installed (with its extras, for OCR); without it a local Ray instance is started with
``--jobs`` CPUs (default: all cores) and stopped at the end.
"""
from __future__ import annotations

import logging
import os
import tempfile
from collections import deque
from pathlib import Path
from typing import Any, Callable, Iterable, Optional

from giextract.batch_inputs import shown
from giextract.workers import DEFAULT_OCR_PAGE, Budget, run_pool

log = logging.getLogger(__name__)
FILES_PER_TASK = 8  # at most; fewer when the folder is small, so every CPU gets work
IN_FLIGHT_PER_CPU = 2  # tasks submitted ahead per CPU of the cluster (bounds the driver's memory)
TASK_RETRIES = 2  # Ray re-runs a task whose worker or node died this many times


_RESIDENT: dict[tuple[float, int, float], list[Any]] = {}  # per Ray worker process: its pool's idle process


class RayUnavailable(Exception):
    """Ray is not installed or cannot be started/joined: a message for the user."""


def _ray() -> Any:
    try:
        import ray
    except ImportError:
        raise RayUnavailable("--engine ray needs Ray: install it with pip install 'giextract[ray]' "
                             "(or run without --engine for the local process pool)") from None
    return ray


def _extract_files(files: list[tuple[str, bytes]], timeout: float, memory: int, ocr_page: float = DEFAULT_OCR_PAGE) -> list[tuple[Optional[str],
                                                                                                Optional[tuple[str, str]]]]:
    """Ray task: extract each (file name, bytes) in a budgeted local pool of one process; per file, the
    record as JSON or (stage, message) when it broke its budget or killed its worker."""
    from giextract.batch import _extract_json

    results: dict[int, tuple[Optional[str], Optional[tuple[str, str]]]] = {}
    with tempfile.TemporaryDirectory(prefix="giextract-ray-") as tmp:
        tasks = []
        for i, (name, data) in enumerate(files):
            folder = Path(tmp) / str(i)
            folder.mkdir()
            path = folder / (Path(name).name or "input")
            path.write_bytes(data)
            tasks.append((i, str(path)))
        # spawn, not fork: a Ray worker runs threads, and a fresh process's address space is the budget's.
        # The pool's process stays up for this Ray worker's next task (it costs seconds to start).
        resident = _RESIDENT.setdefault((timeout, memory, ocr_page), [])
        run_pool(tasks, _extract_json, 1, Budget(timeout, memory, ocr_page),
                 lambda key, line, failure: results.__setitem__(key, (line, failure)), start_method="spawn",
                 resident=resident)
    return [results.get(i, (None, ("worker", "the Ray task returned no result for this file")))
            for i in range(len(files))]


def _init(ray: Any, jobs: Optional[int]) -> bool:
    """Join RAY_ADDRESS or start a local instance; True when this run started it (and must stop it)."""
    if ray.is_initialized():
        return False
    address = os.environ.get("RAY_ADDRESS") or None
    try:
        if address:
            ray.init(address=address, logging_level=logging.WARNING, log_to_driver=False)
        else:
            ray.init(num_cpus=jobs or os.cpu_count() or 1, include_dashboard=False, logging_level=logging.WARNING,
                     log_to_driver=False)
    except Exception as exc:  # noqa: BLE001  (Ray raises ConnectionError, RuntimeError, ValueError …)
        where = f"the Ray cluster at RAY_ADDRESS={address}" if address else "a local Ray instance"
        raise RayUnavailable(f"--engine ray: cannot start or join {where}: {type(exc).__name__}: {exc}") from None
    return True


def run_ray(tasks: Iterable[tuple[Any, str]], budget: Budget,
            done: Callable[[Any, Optional[str], Optional[tuple[str, str]]], None], jobs: Optional[int] = None) -> None:
    """Like :func:`giextract.workers.run_pool`: ``done(key, json, None)`` per extracted file,
    ``done(key, None, (stage, message))`` per file that broke its budget, killed its worker or was lost
    with its Ray task. ``done`` runs in this (the driver's) process, in the order tasks finish."""
    ray = _ray()
    todo = list(tasks)
    if not todo:
        return
    started = _init(ray, jobs)
    try:
        cpus = max(1, int(ray.cluster_resources().get("CPU", 1)))
        size = max(1, min(FILES_PER_TASK, len(todo) // (cpus * IN_FLIGHT_PER_CPU) or 1))
        chunks = deque(todo[i:i + size] for i in range(0, len(todo), size))
        remote = ray.remote(num_cpus=1, max_retries=TASK_RETRIES, retry_exceptions=False)(_extract_files)
        in_flight: dict[Any, list[tuple[Any, str]]] = {}
        while chunks or in_flight:
            while chunks and len(in_flight) < cpus * IN_FLIGHT_PER_CPU:
                chunk = chunks.popleft()
                files, readable = [], []
                for key, path in chunk:
                    try:
                        files.append((os.path.basename(path), Path(path).read_bytes()))
                        readable.append((key, path))
                    except OSError as exc:  # gone or unreadable since it was hashed
                        done(key, None, ("ingest", f"cannot read {shown(path)}: {exc.strerror or exc}"))
                if files:
                    in_flight[remote.remote(files, budget.timeout, budget.memory, budget.ocr_page)] = readable
            ready, _ = ray.wait(list(in_flight), num_returns=1)
            for ref in ready:
                chunk = in_flight.pop(ref)
                try:
                    results = ray.get(ref)
                except ray.exceptions.RayError as exc:
                    reason = type(exc).__name__
                    log.warning("a Ray task with %d file(s) failed after %d retries: %s", len(chunk), TASK_RETRIES,
                                reason)
                    results = [(None, ("worker", f"the Ray task extracting this file failed ({reason}) after "
                                                 f"{TASK_RETRIES} retries"))] * len(chunk)
                for (key, _), (line, failure) in zip(chunk, results):
                    done(key, line, failure)
    finally:
        if started:
            ray.shutdown()


__all__ = ["RayUnavailable", "run_ray", "FILES_PER_TASK"]
