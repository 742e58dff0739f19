"""Safety of the LLM layer: the response cache holds data, never code, and only answers that validated; the
API key appears in no record, log line or cassette; a call has a real deadline; rules mode never imports
openai/instructor. The servers here are local fakes on 127.0.0.1 with HAND-WRITTEN answers (error paths)."""
from __future__ import annotations

import json
import os
import pickle
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator

import httpx2
import pytest

import giextract
from giextract.llm import LLMClient, LLMConfig
from giextract.llm.schemas import ReviewOut

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "giextract" / "samples" / "seed_000_22f1b762bef24d9e.txt"
SEED_003 = ROOT / "eval" / "sources" / "seed_003_91b7c3b427fd0bbb.txt"
KEY = "sk-test-4f1d9c0e7b2a6d35e8c1"
GOOD_REVIEW = {g: {"upheld": 1, "corrected": 0, "other": 2, "pending": 0, "total": 3}
               for g in ("administrative_review", "litigation_direct", "litigation_after_review")}
ANSWERS = {  # minimal valid answers per response schema (hand-written)
    "NarrativeOut": {"problems": [], "improvements": []},
    "MetaOut": {"agency": None, "report_year": None, "published_date": None},
    "ReviewOut": {g: {"upheld": 0, "corrected": 0, "other": 0, "pending": 0, "total": 0}
                  for g in ("administrative_review", "litigation_direct", "litigation_after_review")},
    "ActiveOut": {"rows": []},
    "ApplicationsOut": {"rows": []},
}


def completion(content: str) -> dict[str, Any]:
    return {"id": "fake", "object": "chat.completion", "created": 0, "model": "local",
            "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}],
            "usage": {"prompt_tokens": 50, "completion_tokens": 10, "total_tokens": 60}}


class FakeModel(BaseHTTPRequestHandler):
    """The first path segment of the base URL picks the behaviour: /ok/v1, /echo401/v1, /trickle_body/v1 ..."""
    protocol_version = "HTTP/1.1"
    hits: list[str] = []

    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        behaviour = self.path.strip("/").split("/")[0]
        FakeModel.hits.append(behaviour)
        auth = self.headers.get("authorization", "")
        if behaviour == "ok":
            title = body.decode("utf-8", "replace")
            answer = next((a for name, a in ANSWERS.items() if name in title), {})
            return self._send(200, completion(json.dumps(answer)))
        if behaviour == "echo401":
            return self._send(401, {"error": {"message": f"Incorrect API key provided: {auth}", "code": "invalid_api_key"}})
        if behaviour == "echo500":
            return self._send(500, {"error": {"message": f"upstream failed for {auth} (key {auth.split()[-1]})"}})
        if behaviour == "echo_answer":  # the key inside the model's answer: fails validation, quoted in the error
            return self._send(200, completion(json.dumps({"administrative_review": auth, "note": auth})))
        if behaviour in ("trickle_body", "trickle_headers"):
            return self._trickle(behaviour == "trickle_headers")
        self._send(404, {"error": "unknown behaviour"})

    def _send(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _trickle(self, headers_too: bool) -> None:
        """One byte a second for up to 40 s: every read gets data well within a 3 s read timeout."""
        data = json.dumps(completion(json.dumps(GOOD_REVIEW))).encode()
        head = (f"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {len(data)}\r\n\r\n").encode()
        if not headers_too:
            self.wfile.write(head)
            self.wfile.flush()
        stream = (head if headers_too else b"") + data
        try:
            for i in range(min(40, len(stream))):
                self.wfile.write(stream[i:i + 1])
                self.wfile.flush()
                time.sleep(1.0)
        except OSError:  # the client gave up
            pass
        self.close_connection = True


@pytest.fixture()
def server() -> Iterator[str]:
    FakeModel.hits = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), FakeModel)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def mock_client(answers: list[str], seen: list[dict], **settings: Any) -> LLMClient:
    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(json.loads(request.content))
        return httpx2.Response(200, json=completion(answers[min(len(seen) - 1, len(answers) - 1)]))

    config = dict(base_url="http://127.0.0.1:9/v1", backoff_initial=0.0, backoff_max=0.0)
    config.update(settings)
    return LLMClient(LLMConfig(**config), http_client=httpx2.Client(transport=httpx2.MockTransport(handler)))


def cli(*args: str, cwd: Path, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "GIEXTRACT_MODEL")}
    full.update(env)
    full["PYTHONPATH"] = os.pathsep.join([*([env["PYTHONPATH"]] if "PYTHONPATH" in env else []), str(ROOT)])
    return subprocess.run([sys.executable, "-m", "giextract", *args], cwd=cwd, env=full, capture_output=True,
                          text=True, timeout=timeout)


class Planted:
    """Unpickling this creates the marker file: proof that a cache read executed code."""
    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self) -> Any:
        return (Path.touch, (self.marker,))


# --- 1. the cache is data, not code -------------------------------------------------------------------

def test_a_planted_pickle_cache_never_runs_code(server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reports = tmp_path / "reports"
    reports.mkdir()
    shutil.copy(SEED_003, reports / "report.txt")
    xdg = tmp_path / "xdg"
    marker = tmp_path / "PWNED"
    base_url = f"{server}/ok/v1"
    # The keys this run will look up, found by running the same configuration in-process once.
    monkeypatch.setenv("XDG_CACHE_HOME", str(xdg))
    monkeypatch.setenv("OPENAI_BASE_URL", base_url)
    client = LLMClient(LLMConfig.from_env(use_cache=False))
    looked_up: list[str] = []
    client.cache.get = lambda key: looked_up.append(key)  # type: ignore[method-assign]
    giextract.extract(reports / "report.txt", mode="llm", llm=client)
    assert looked_up
    # An old-format (pickle) diskcache answering every one of those keys with code, where the old default
    # put it (relative to the current directory, here inside the folder of reports) ...
    import diskcache

    planted_dirs = [reports / ".cache" / "giextract-llm", tmp_path / "old-cache"]
    for folder in planted_dirs:
        with diskcache.Cache(str(folder)) as old:
            for key in looked_up:
                old.set(key, Planted(marker))
    env = {"OPENAI_BASE_URL": base_url, "XDG_CACHE_HOME": str(xdg)}
    done = cli("extract", ".", "--out", "../r.jsonl", "--quiet", "--mode", "llm", cwd=reports, env=env)
    assert done.returncode in (0, 1), done.stderr  # 1: some model answers failed validation
    assert not marker.exists()
    # ... and the new default cache, under the user's cache folder, with its values replaced by pickles.
    assert not (reports / ".cache" / "giextract-llm" / "responses.sqlite3").exists()
    stores = list(xdg.rglob("*.sqlite3"))
    assert len(stores) == 1 and str(stores[0]).startswith(str(xdg / "giextract"))
    with sqlite3.connect(stores[0]) as db:
        keys = [k for (k,) in db.execute("SELECT key FROM responses")]
        assert keys
        db.executemany("UPDATE responses SET value = ? WHERE key = ?",
                       [(pickle.dumps(Planted(marker)), k) for k in keys])
    db.close()
    again = cli("extract", ".", "--out", "../r2.jsonl", "--quiet", "--mode", "llm", cwd=reports, env=env)
    explicit = cli("extract", ".", "--out", "../r3.jsonl", "--quiet", "--mode", "llm", "--cache-dir", str(tmp_path / "old-cache"),
                   cwd=reports, env=env)
    assert again.returncode in (0, 1) and explicit.returncode in (0, 1), again.stderr + explicit.stderr
    assert not marker.exists()
    for out in ("r.jsonl", "r2.jsonl", "r3.jsonl"):
        record = json.loads((tmp_path / out).read_text(encoding="utf-8"))
        assert not [e for e in record["errors"] if e["stage"] in ("internal", "ingest")], record["errors"]


def test_default_cache_is_under_the_user_cache_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    seen: list[dict] = []
    client = mock_client([json.dumps(GOOD_REVIEW)], seen)
    client.fill([{"role": "user", "content": "四"}], ReviewOut, {})
    client.cache.close()
    assert not list(work.rglob("*"))  # nothing written relative to the current directory
    assert list((tmp_path / "xdg" / "giextract").rglob("*.sqlite3"))
    again = mock_client([json.dumps(GOOD_REVIEW)], seen).fill([{"role": "user", "content": "四"}], ReviewOut, {})
    assert again.cached and len(seen) == 1


def test_failed_answers_are_not_cached(tmp_path: Path) -> None:
    bad = json.loads(json.dumps(GOOD_REVIEW))
    bad["administrative_review"]["total"] = 7
    seen: list[dict] = []
    for expected in (2, 4):
        client = mock_client([json.dumps(bad)], seen, max_reasks=1, cache_dir=tmp_path)
        result = client.fill([{"role": "user", "content": "四"}], ReviewOut, {})
        assert result.error and "re-asks exhausted" in result.error and not result.cached
        assert len(seen) == expected  # the failed answer was asked for again, not served from the cache
        client.cache.close()


class RenamedReview(ReviewOut):
    """Table 四, with a changed description: another response schema."""


SETTINGS = {"model": {"model": "other-model"}, "base_url": {"base_url": "http://127.0.0.1:10/v1"},
            "mode": {"mode": "md_json"}, "temperature": {"temperature": 0.5}, "max_tokens": {"max_tokens": 512},
            "max_reasks": {"max_reasks": 0}}


@pytest.mark.parametrize("change", [*SETTINGS, "messages", "schema", "prompt_files", "version"])
def test_the_cache_key_covers_every_setting_that_changes_the_answer(change: str, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[dict] = []
    messages = [{"role": "user", "content": "四"}]
    first = mock_client([json.dumps(GOOD_REVIEW)], seen, cache_dir=tmp_path)
    first.fill(messages, ReviewOut, {})
    same = mock_client([json.dumps(GOOD_REVIEW)], seen, cache_dir=tmp_path).fill(messages, ReviewOut, {})
    assert same.cached and len(seen) == 1  # unchanged settings: a hit
    model: type = ReviewOut
    if change == "messages":
        messages = [{"role": "user", "content": "四 "}]
    elif change == "schema":
        model = RenamedReview
    elif change == "prompt_files":
        prompts = tmp_path / "prompts"
        shutil.copytree(ROOT / "prompts", prompts)
        (prompts / "review.md").write_text((prompts / "review.md").read_text(encoding="utf-8") + "\n",
                                           encoding="utf-8")
        monkeypatch.setattr("giextract.llm.prompts.PROMPT_DIR", prompts)
    elif change == "version":
        monkeypatch.setattr(giextract, "__version__", giextract.__version__ + ".post1")
    changed = mock_client([json.dumps(GOOD_REVIEW)], seen, cache_dir=tmp_path, **SETTINGS.get(change, {}))
    result = changed.fill(messages, model, {})
    assert not result.cached and len(seen) >= 2


# --- 2. the API key is redacted everywhere --------------------------------------------------------------

@pytest.mark.parametrize("behaviour", ["echo401", "echo500", "echo_answer"])
def test_the_api_key_reaches_no_record_log_or_cassette(behaviour: str, server: str, tmp_path: Path,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    from giextract.llm.cassettes import cassette

    caplog.set_level("DEBUG")
    client = LLMClient(LLMConfig(base_url=f"{server}/{behaviour}/v1", api_key=KEY, cache_dir=tmp_path / "cache",
                                 transient_attempts=2, backoff_initial=0.0, backoff_max=0.0, max_reasks=1, timeout=10))
    tape = tmp_path / "tape.yaml"
    with cassette(tape, record=True):
        report = giextract.extract(SEED_003, mode="llm", llm=client)
    client.cache.close()
    assert FakeModel.hits and report.errors  # the key really was echoed back, and the failures recorded
    token = KEY[3:]  # the key, with or without its prefix
    assert token not in report.model_dump_json()
    assert token not in caplog.text
    assert not [r for r in caplog.records if token in r.getMessage()]
    assert tape.exists() and token not in tape.read_text(encoding="utf-8")
    stored = b"".join(p.read_bytes() for p in (tmp_path / "cache").rglob("*") if p.is_file())
    assert token.encode() not in stored


# --- 3. a real deadline ------------------------------------------------------------------------------------

@pytest.mark.parametrize("behaviour", ["trickle_body", "trickle_headers"])
def test_a_trickling_server_is_cut_at_the_deadline(behaviour: str, server: str, tmp_path: Path) -> None:
    client = LLMClient(LLMConfig(base_url=f"{server}/{behaviour}/v1", use_cache=False, timeout=3,
                                 transient_attempts=4, backoff_initial=0.0, backoff_max=0.0, max_reasks=2))
    start = time.monotonic()
    with pytest.raises(Exception) as caught:
        client.fill([{"role": "user", "content": "四"}], ReviewOut, {})
    elapsed = time.monotonic() - start
    assert elapsed < 15, elapsed  # one byte a second would hold it 40 s per try
    assert "timeout" in f"{type(caught.value).__name__} {caught.value}".lower()
    usage = getattr(caught.value, "usage", {})
    assert usage.get("calls") == 1 and usage.get("requests", 0) >= 1  # charged to the report


def test_cli_timeout_bounds_every_call_of_a_report(server: str, tmp_path: Path) -> None:
    from giextract.cli import main

    out = tmp_path / "r.json"
    start = time.monotonic()
    code = main(["extract", str(SEED_003), "--mode", "llm", "--base-url", f"{server}/trickle_body/v1",
                 "--timeout", "2", "--no-cache", "--out", str(out)])
    elapsed = time.monotonic() - start
    record = json.loads(out.read_text(encoding="utf-8"))
    llm_errors = [e for e in record["errors"] if e["stage"] == "llm"]
    assert code in (0, 1) and llm_errors and all("timeout" in e["message"].lower() for e in llm_errors)
    assert elapsed < 15 * len(llm_errors), (elapsed, len(llm_errors))


# --- 4. rules mode never imports the LLM stack ---------------------------------------------------------

def test_importing_giextract_and_the_config_does_not_import_openai(tmp_path: Path) -> None:
    code = ("import giextract, giextract.cli, giextract.batch\n"
            "from giextract.llm import LLMConfig\n"
            "LLMConfig.from_env()\n"
            "import sys\n"
            "assert 'openai' not in sys.modules and 'instructor' not in sys.modules, sorted(sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert done.returncode == 0, done.stderr


def test_rules_mode_cli_works_when_openai_cannot_be_imported(tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    for name in ("openai", "instructor"):
        (broken / f"{name}.py").write_text(f"raise ImportError('{name} must not be imported in rules mode')\n")
    probe = subprocess.run([sys.executable, "-c", "import openai"], capture_output=True, text=True,
                           env={**os.environ, "PYTHONPATH": str(broken)}, timeout=60)
    assert probe.returncode != 0 and "must not be imported" in probe.stderr  # the trap is armed
    for env, extra in (({"OPENAI_BASE_URL": "http://127.0.0.1:9/v1"}, ["--mode", "rules"]), ({}, [])):
        done = cli("extract", str(SAMPLE), *extra, cwd=tmp_path, env={**env, "PYTHONPATH": str(broken)})
        assert done.returncode == 0, done.stderr
        record = json.loads(done.stdout)
        assert record["source"]["sha256"] and not record["errors"]
