"""LLM faults at scale: a fake OpenAI-compatible server on 127.0.0.1, started here, answers with fixed
latency and injects 429s, 500s, timeouts and malformed bodies on a fixed schedule (HAND-WRITTEN responses,
for this error-path test only). A hybrid batch of 50 reports must finish with one record per report and
retry counts within the configured bounds."""
from __future__ import annotations

import json
import shutil
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

import pytest

from giextract.batch import iter_records, run_batch
from giextract.llm import LLMClient, LLMConfig

SOURCES = Path(__file__).resolve().parents[1] / "eval" / "sources"
LATENCY = 0.01
ANSWERS = {  # minimal valid answers per response schema (hand-written)
    "NarrativeOut": {"problems": [], "improvements": []},
    "MetaOut": {"agency": None, "report_year": None, "published_date": None},
    "ReviewOut": {g: {"upheld": 0, "corrected": 0, "other": 0, "pending": 0, "total": 0}
                  for g in ("administrative_review", "litigation_direct", "litigation_after_review")},
    "ActiveOut": {"rows": []},
    "ApplicationsOut": {"rows": []},
}


class FaultyModel(BaseHTTPRequestHandler):
    counter = 0
    lock = threading.Lock()

    def log_message(self, *args: object) -> None:  # keep pytest output clean
        pass

    def do_POST(self) -> None:  # noqa: N802
        # Counted on arrival, before the body is read: a client that hits its deadline mid-send has still
        # sent (and charged) the request.
        with FaultyModel.lock:
            FaultyModel.counter += 1
            n = FaultyModel.counter
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        time.sleep(LATENCY)
        if n % 5 == 0:
            return self._send(429, {"error": "rate limited"}, {"retry-after": "0"})
        if n % 7 == 0:
            return self._send(500, {"error": "server fault"})
        if n % 11 == 0:
            time.sleep(3.0)  # beyond the client's deadline for the whole call
        if n % 13 == 0:
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"choices": [ this is not json')
            return
        title = json.dumps(body, ensure_ascii=False)
        answer = next((a for name, a in ANSWERS.items() if name in title), {})
        self._send(200, {"id": "fake", "object": "chat.completion", "created": 0, "model": "local",
                         "choices": [{"index": 0, "finish_reason": "stop",
                                      "message": {"role": "assistant", "content": json.dumps(answer)}}],
                         "usage": {"prompt_tokens": 50, "completion_tokens": 10, "total_tokens": 60}})

    def _send(self, status: int, payload: dict, headers: dict | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture()
def fake_server() -> Iterator[str]:
    FaultyModel.counter = 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), FaultyModel)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()


def test_hybrid_batch_of_50_survives_faults(fake_server: str, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    texts = sorted(SOURCES.glob("*.txt"))
    for i in range(50):
        # Distinct content per file, so that every report really makes its own calls.
        (folder / f"{i:02d}.txt").write_text(texts[i % len(texts)].read_text(encoding="utf-8") + f"\n{i}\n", encoding="utf-8")
    attempts = 3
    # timeout bounds a whole call (re-asks and retries included): wide enough for a loaded machine, below
    # the injected 3 s stall.
    config = LLMConfig(base_url=fake_server, use_cache=False, timeout=2.0, transient_attempts=attempts,
                       backoff_initial=0.0, backoff_max=0.0, max_reasks=1, concurrency=4)
    out = tmp_path / "out.jsonl"
    result = run_batch([str(folder)], out, mode="hybrid", llm=LLMClient(config), quiet=True)
    records = list(iter_records(out))
    assert result.total == 50 and len(records) == 50
    assert len({r.source.path for r in records}) == 50
    assert FaultyModel.counter > 50  # the faults were really exercised
    # The accounting is exact: every HTTP hit the server saw is a first send or a transient retry of
    # one, and is charged to exactly one report, including the calls that failed for good.
    sent = sum((r.usage or {}).get("requests", 0) + (r.usage or {}).get("transient_retries", 0) for r in records)
    assert sent == FaultyModel.counter
    for record in records:
        usage = record.usage or {}
        # Every HTTP request sent is retried at most attempts-1 times; every call re-asks at most once.
        assert usage.get("transient_retries", 0) <= (attempts - 1) * usage.get("requests", 0)
        assert usage.get("reasks", 0) <= 1 * usage.get("calls", 0)
        assert usage.get("requests", 0) <= 2 * usage.get("calls", 0)
        assert not [e for e in record.errors if e.stage in ("ingest", "internal")]
