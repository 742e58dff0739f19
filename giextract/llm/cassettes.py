"""Recorded model exchanges (vcrpy) so that the LLM modes replay offline, in tests and in `eval`.

Requests match on method, path and JSON body (so any change in prompt, schema or instructor's own text
means re-recording: `python -m giextract record-cassettes`). Authorization and organisation headers are
filtered out before anything is written, and the configured API key is scrubbed from every recorded body,
header and URI (a server may echo it back in an error body).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, ContextManager, Union

from giextract.llm.redact import redact, redact_bytes

SECRET_HEADERS = ["authorization", "api-key", "x-api-key", "openai-organization", "openai-project", "cookie",
                  "set-cookie"]
DEFAULT_DIR = Path("cassettes")


def _json_body(r1: Any, r2: Any) -> None:
    def parse(body: Any) -> Any:
        if isinstance(body, bytes):
            body = body.decode("utf-8")
        try:
            return json.loads(body) if body else None
        except ValueError:
            return body
    if parse(r1.body) != parse(r2.body):
        raise AssertionError("request bodies differ")


def _scrub(value: Any) -> Any:
    if isinstance(value, bytes):
        return redact_bytes(value)
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    return value


def _scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    headers = response.get("headers", {})
    for name in list(headers):
        if name.lower() in SECRET_HEADERS:
            headers.pop(name)
        else:
            headers[name] = _scrub(headers[name])
    body = response.get("body")
    if isinstance(body, dict) and "string" in body:
        body["string"] = _scrub(body["string"])
    return response


def _scrub_request(request: Any) -> Any:
    if request.body:
        request.body = _scrub(request.body)
    request.uri = redact(request.uri)
    for name in list(request.headers):
        request.headers[name] = _scrub(request.headers[name])
    return request


def cassette(path: Path, record: Union[bool, str] = False) -> ContextManager[Any]:
    """Replay ``path``; ``record=True`` records it afresh, ``record="new"`` keeps what it holds and adds
    only the requests it has no answer for (so a new task does not re-record the old ones)."""
    import vcr

    recorder = vcr.VCR(
        record_mode={False: "none", True: "all", "new": "new_episodes"}[record],
        match_on=["method", "path", "json_body"],
        filter_headers=SECRET_HEADERS,
        before_record_request=_scrub_request,
        before_record_response=_scrub_response,
        decode_compressed_response=True,
    )
    recorder.register_matcher("json_body", _json_body)
    if record:
        path.parent.mkdir(parents=True, exist_ok=True)
    return recorder.use_cassette(str(path))


def eval_cassette(mode: str, report_name: str, directory: Path = DEFAULT_DIR, record: Union[bool, str] = False) -> Path:
    folder = directory / "eval" / mode
    if not record and not folder.is_dir():
        # A wrong root would otherwise surface as a "connection error" on every request. A single
        # missing file is normal: a hybrid report the rules fully answered made no request.
        raise FileNotFoundError(f"no recorded {mode} cassettes under {folder}: pass the cassettes root "
                                f"(the folder holding eval/<mode>/), or record with `python -m giextract record-cassettes`")
    return folder / f"{report_name}.yaml"
