"""`--llm-batch` against a small local stand-in for the OpenAI Batch API (/v1/files, /v1/batches), started
here on 127.0.0.1. The stand-in answers each request line through a fake model whose answers are
HAND-WRITTEN (minimal valid answers per schema, as in test_llm_fault_server.py); with ``--forward`` it
can pass each line to a real model server instead. The hosted Batch API itself is untested."""
from __future__ import annotations

import email
import email.policy
import itertools
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator

import pytest

from giextract.batch import iter_records, run_batch
from giextract.llm import LLMConfig
from giextract.llm.batch_api import BatchAPI, BatchStore, custom_id, run_llm_batch, SUFFIX

SOURCES = Path(__file__).resolve().parents[1] / "eval" / "sources"
FAKE = {  # hand-written minimal valid answers per response schema
    "NarrativeOut": {"problems": [], "improvements": []},
    "MetaOut": {"agency": None, "report_year": None, "published_date": None},
    "ActiveOut": {"rows": []},
    "ApplicationsOut": {"rows": []},
    "ReviewOut": {g: {"upheld": 0, "corrected": 0, "other": 0, "pending": 0, "total": 0}
                  for g in ("administrative_review", "litigation_direct", "litigation_after_review")},
}


def fake_completion(body: dict[str, Any]) -> dict[str, Any]:
    title = ((body.get("response_format") or {}).get("schema") or {}).get("title", "")
    return {"id": "fake", "object": "chat.completion", "created": 0, "model": body.get("model", "local"),
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": json.dumps(FAKE.get(title, {}))}}],
            "usage": {"prompt_tokens": 40, "completion_tokens": 8, "total_tokens": 48}}


class StandIn(BaseHTTPRequestHandler):
    files: dict[str, str] = {}
    batches: dict[str, dict[str, Any]] = {}
    lines_seen: list[dict[str, Any]] = []
    ids = itertools.count(1)
    lock = threading.Lock()

    def log_message(self, *args: object) -> None:
        pass

    def _send(self, payload: Any, status: int = 200, raw: str | None = None) -> None:
        data = (raw if raw is not None else json.dumps(payload, ensure_ascii=False)).encode("utf-8")
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers["content-length"]))
        with StandIn.lock:
            n = next(StandIn.ids)
        if self.path == "/v1/files":
            message = email.message_from_bytes(b"content-type: " + self.headers["content-type"].encode() + b"\r\n\r\n" + body,
                                               policy=email.policy.HTTP)
            part = next(p for p in message.iter_parts() if p.get_filename())
            StandIn.files[f"file-{n}"] = part.get_payload(decode=True).decode("utf-8")
            return self._send({"id": f"file-{n}", "object": "file", "purpose": "batch"})
        if self.path == "/v1/batches":
            request = json.loads(body)
            results = []
            for line in StandIn.files[request["input_file_id"]].splitlines():
                item = json.loads(line)
                assert item["custom_id"] == custom_id(item["body"]) and item["url"] == "/v1/chat/completions"
                StandIn.lines_seen.append(item)
                results.append({"id": f"r-{len(results)}", "custom_id": item["custom_id"], "error": None,
                                "response": {"status_code": 200, "body": fake_completion(item["body"])}})
            StandIn.files[f"out-{n}"] = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in results)
            StandIn.batches[f"batch-{n}"] = {"id": f"batch-{n}", "status": "in_progress", "polls": 0,
                                             "output_file_id": f"out-{n}"}
            return self._send(StandIn.batches[f"batch-{n}"])
        self._send({"error": "not found"}, 404)

    def do_GET(self) -> None:  # noqa: N802
        m = re.fullmatch(r"/v1/batches/([\w-]+)", self.path)
        if m and m.group(1) in StandIn.batches:
            batch = StandIn.batches[m.group(1)]
            batch["polls"] += 1
            batch["status"] = "completed" if batch["polls"] > 1 else "in_progress"  # one poll in progress
            return self._send({k: v for k, v in batch.items() if k != "polls"})
        m = re.fullmatch(r"/v1/files/([\w-]+)/content", self.path)
        if m and m.group(1) in StandIn.files:
            return self._send(None, raw=StandIn.files[m.group(1)])
        self._send({"error": "not found"}, 404)


@pytest.fixture()
def standin() -> Iterator[str]:
    StandIn.files, StandIn.batches, StandIn.lines_seen = {}, {}, []
    server = ThreadingHTTPServer(("127.0.0.1", 0), StandIn)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()


def folder(tmp: Path) -> Path:
    inputs = tmp / "in"
    inputs.mkdir()
    for name in ("009_pingtan-zone-2021", "033_pingtan-zone-2023", "seed_003_91b7c3b427fd0bbb"):
        (inputs / f"{name}.txt").write_text((SOURCES / f"{name}.txt").read_text(encoding="utf-8"), encoding="utf-8")
    return inputs


def config(url: str) -> LLMConfig:
    return LLMConfig(base_url=url, use_cache=False, timeout=10, max_reasks=1)


def test_a_folder_run_goes_through_batches_and_every_call_is_answered(standin: str, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    run_llm_batch(run_batch, [str(folder(tmp_path))], out, "hybrid", config(standin), api=BatchAPI(config(standin), poll_seconds=0))
    records = list(iter_records(out))
    assert len(records) == 3
    assert StandIn.batches and StandIn.lines_seen
    assert not [e for r in records for e in r.errors if "queued for the Batch API" in e.message]
    assert all((r.usage or {}).get("calls", 0) >= 1 for r in records)
    # Every request went in exactly one batch line: no call paid twice.
    ids = [line["custom_id"] for line in StandIn.lines_seen]
    assert len(ids) == len(set(ids))


def test_a_rerun_submits_nothing_and_a_killed_run_resumes_its_batch(standin: str, tmp_path: Path) -> None:
    inputs, out = folder(tmp_path), tmp_path / "out.jsonl"

    class Killed(BatchAPI):
        def wait(self, batch_id: str, sleep: Any = None) -> dict:  # type: ignore[override]
            raise KeyboardInterrupt  # the run is killed while its first batch is in flight

    with pytest.raises(KeyboardInterrupt):
        run_llm_batch(run_batch, [str(inputs)], out, "hybrid", config(standin), api=Killed(config(standin), poll_seconds=0))
    assert len(StandIn.batches) == 1
    store = BatchStore(out.with_name(out.name + SUFFIX))
    assert len(store.open_batches()) == 1
    store.close()
    run_llm_batch(run_batch, [str(inputs)], out, "hybrid", config(standin), api=BatchAPI(config(standin), poll_seconds=0))
    first_ids = [line["custom_id"] for line in StandIn.lines_seen]
    assert len(first_ids) == len(set(first_ids))  # the in-flight batch was polled, not submitted again
    batches = len(StandIn.batches)
    assert len(list(iter_records(out))) == 3
    run_llm_batch(run_batch, [str(inputs)], out, "hybrid", config(standin), api=BatchAPI(config(standin), poll_seconds=0))
    assert len(StandIn.batches) == batches and len(list(iter_records(out))) == 3


def test_a_batch_api_error_is_a_clear_message_with_the_key_redacted(standin: str, tmp_path: Path) -> None:
    from giextract.llm.batch_api import BatchAPIError

    secret = "sk-test-secret-0123456789"
    api = BatchAPI(LLMConfig(base_url=standin + "/nowhere", api_key=secret, use_cache=False), poll_seconds=0)
    with pytest.raises(BatchAPIError) as caught:
        api.submit({"x": {"model": "local", "messages": []}})
    assert "HTTP 404" in str(caught.value) and secret not in str(caught.value)
