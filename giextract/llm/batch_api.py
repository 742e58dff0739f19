"""`--llm-batch`: a folder's LLM calls through the OpenAI Batch API (about half the price of live calls).

The pipeline's calls are synchronous (instructor: a call, its validation, its re-asks), so a folder run
goes in rounds. Each round extracts every input with a client whose transport answers a chat request
from the batch results already stored and records every request it has no answer for; those are
uploaded as one JSONL file (``/v1/files``), submitted (``/v1/batches``), polled, and their results
stored by ``custom_id`` (the sha256 of the request body). A re-ask is a new request, so it goes in
the next round. When a round leaves nothing unanswered, the records are written by the ordinary batch
(``giextract.batch.run_batch``: resumable, one record per input).

Everything is kept in ``OUT.llmbatch.sqlite`` beside the output: results by custom_id and the batches
submitted, so a run killed while a batch is in flight resumes polling that batch instead of paying for
it again. Only the local stand-in server of the tests has been exercised; the hosted path is untested.
"""
from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import tempfile
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterable, Optional

from giextract.llm.config import LLMConfig
from giextract.llm.redact import redact

log = logging.getLogger(__name__)
SUFFIX = ".llmbatch.sqlite"
ENDPOINT = "/v1/chat/completions"


class BatchAPIError(RuntimeError):
    """The Batch API refused a request or a batch ended without results."""


def custom_id(body: bytes | str | dict[str, Any]) -> str:
    """The id of one request: sha256 of its JSON body with sorted keys (the same call, the same id)."""
    data = json.loads(body) if isinstance(body, (bytes, str)) else body
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()[:40]


class BatchStore:
    """Results by custom_id and the batches in flight, in SQLite beside the output."""

    def __init__(self, path: Path):
        self.path = path
        self.lock = threading.Lock()  # the batch's worker threads share one connection
        self.db = sqlite3.connect(str(path), check_same_thread=False)
        self.db.execute("CREATE TABLE IF NOT EXISTS result (id TEXT PRIMARY KEY, response TEXT NOT NULL)")
        self.db.execute("CREATE TABLE IF NOT EXISTS batch (id TEXT PRIMARY KEY, ids TEXT NOT NULL, done INTEGER NOT NULL)")
        self.db.commit()

    def result(self, cid: str) -> Optional[dict[str, Any]]:
        with self.lock:
            row = self.db.execute("SELECT response FROM result WHERE id = ?", (cid,)).fetchone()
        return json.loads(row[0]) if row else None

    def put(self, results: dict[str, dict[str, Any]]) -> None:
        with self.lock:
            self.db.executemany("INSERT OR REPLACE INTO result VALUES (?, ?)",
                                [(k, json.dumps(v, ensure_ascii=False)) for k, v in results.items()])
            self.db.commit()

    def open_batches(self) -> list[tuple[str, list[str]]]:
        return [(b, json.loads(ids)) for b, ids in self.db.execute("SELECT id, ids FROM batch WHERE done = 0")]

    def submitted(self, batch_id: str, ids: list[str]) -> None:
        self.db.execute("INSERT OR REPLACE INTO batch VALUES (?, ?, 0)", (batch_id, json.dumps(ids)))
        self.db.commit()

    def finished(self, batch_id: str) -> None:
        self.db.execute("UPDATE batch SET done = 1 WHERE id = ?", (batch_id,))
        self.db.commit()

    def close(self) -> None:
        self.db.close()


@dataclass
class Collector:
    """The transport's side: answers from the store, and the requests it could not answer."""

    store: BatchStore
    pending: dict[str, dict[str, Any]] = field(default_factory=dict)

    def handler(self, request: Any) -> Any:
        import httpx2

        if not request.url.path.endswith("/chat/completions"):
            return httpx2.Response(404, json={"error": {"message": "only chat completions go through a batch"}})
        body = json.loads(request.content)
        cid = custom_id(body)
        stored = self.store.result(cid)
        if stored is not None:
            return httpx2.Response(stored.get("status_code", 200), json=stored.get("body", {}))
        with self.store.lock:
            self.pending[cid] = body
        # Not retried (a 4xx): the task fails for this round; the next round has its answer.
        return httpx2.Response(409, json={"error": {"message": f"queued for the Batch API as {cid}"}})


class BatchAPI:
    """The four Batch API calls, over httpx2, against ``config.base_url``."""

    def __init__(self, config: LLMConfig, http: Any = None, poll_seconds: float = 10.0, max_wait: float = 86400.0):
        import httpx2

        headers = {"authorization": f"Bearer {config.api_key}"} if config.api_key else {}
        self.http = http or httpx2.Client(base_url=(config.base_url or "").rstrip("/") + "/", headers=headers,
                                          timeout=config.timeout)
        self.poll_seconds, self.max_wait = poll_seconds, max_wait

    def _json(self, response: Any) -> dict[str, Any]:
        if response.status_code >= 400:
            raise BatchAPIError(redact(f"Batch API {response.request.method} {response.request.url.path}: "
                                       f"HTTP {response.status_code}: {response.text[:300]}"))
        return response.json()

    def submit(self, requests: dict[str, dict[str, Any]]) -> str:
        lines = "".join(json.dumps({"custom_id": cid, "method": "POST", "url": ENDPOINT, "body": body},
                                   ensure_ascii=False) + "\n" for cid, body in requests.items())
        uploaded = self._json(self.http.post("files", data={"purpose": "batch"},
                                             files={"file": ("requests.jsonl", lines.encode("utf-8"), "application/jsonl")}))
        batch = self._json(self.http.post("batches", json={"input_file_id": uploaded["id"], "endpoint": ENDPOINT,
                                                           "completion_window": "24h"}))
        return str(batch["id"])

    def wait(self, batch_id: str, sleep: Callable[[float], None] = time.sleep) -> dict[str, dict[str, Any]]:
        """Poll until the batch ends; its results (and errors, as error responses) by custom_id."""
        waited = 0.0
        while True:
            batch = self._json(self.http.get(f"batches/{batch_id}"))
            if batch.get("status") in ("completed", "failed", "expired", "cancelled"):
                break
            if waited >= self.max_wait:
                raise BatchAPIError(f"batch {batch_id} still {batch.get('status')} after {waited:.0f} s")
            sleep(self.poll_seconds)
            waited += self.poll_seconds
        out: dict[str, dict[str, Any]] = {}
        for key in ("output_file_id", "error_file_id"):
            if batch.get(key):
                text = self.http.get(f"files/{batch[key]}/content")
                if text.status_code >= 400:
                    raise BatchAPIError(f"batch {batch_id}: its {key} could not be read (HTTP {text.status_code})")
                for line in text.text.splitlines():
                    if line.strip():
                        item = json.loads(line)
                        response = item.get("response") or {"status_code": 500, "body": {"error": item.get("error")}}
                        out[item["custom_id"]] = response
        if batch.get("status") != "completed" and not out:
            raise BatchAPIError(f"batch {batch_id} ended {batch.get('status')} without results")
        return out


def run_llm_batch(run_batch: Callable[..., Any], paths: Iterable[str], out: Path, mode: str, config: LLMConfig,
                  api: Optional[BatchAPI] = None, rounds: Optional[int] = None, quiet: bool = True) -> Any:
    """Extract ``paths`` into ``out`` with every LLM call sent through the Batch API (see the module
    docstring). ``run_batch`` is ``giextract.batch.run_batch`` (passed in: the LLM layer sits below the
    batch); returns its final result."""
    import httpx2

    from giextract.llm.client import LLMClient

    paths = list(paths)
    api = api or BatchAPI(config)
    store = BatchStore(out.with_name(out.name + SUFFIX))
    config = replace(config, use_cache=False, transient_attempts=1)
    try:
        for batch_id, _ in store.open_batches():  # a run killed while a batch was in flight
            store.put(api.wait(batch_id))
            store.finished(batch_id)
        for n in range(rounds if rounds is not None else config.max_reasks + 2):
            collector = Collector(store)
            client = LLMClient(config, http_client=httpx2.Client(transport=httpx2.MockTransport(collector.handler)))
            with tempfile.TemporaryDirectory() as tmp:
                run_batch(paths, Path(tmp) / "round.jsonl", mode=mode, llm=client, quiet=True)
            if not collector.pending:
                break
            log.info("LLM batch round %d: %d requests", n + 1, len(collector.pending))
            batch_id = api.submit(collector.pending)
            store.submitted(batch_id, list(collector.pending))
            store.put(api.wait(batch_id))
            store.finished(batch_id)
        collector = Collector(store)
        client = LLMClient(config, http_client=httpx2.Client(transport=httpx2.MockTransport(collector.handler)))
        return run_batch(paths, out, mode=mode, llm=client, quiet=quiet)
    finally:
        store.close()


__all__ = ["BatchAPI", "BatchAPIError", "BatchStore", "custom_id", "run_llm_batch"]
