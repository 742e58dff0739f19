"""Error paths of the LLM layer. The responses here are HAND-WRITTEN (allowed for error-path tests only):
HTTP 429 then success, 500 until the retries run out, malformed JSON, and a rule-breaking answer that the
re-ask corrects. Everything runs in-process through httpx2's MockTransport: no network."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

import httpx2
import pytest

import giextract
from giextract.llm import LLMClient, LLMConfig
from giextract.llm.schemas import ReviewOut

SEED_003 = Path(__file__).resolve().parents[1] / "eval" / "sources" / "seed_003_91b7c3b427fd0bbb.txt"
GOOD_REVIEW = {g: {"upheld": 1, "corrected": 0, "other": 2, "pending": 0, "total": 3}
               for g in ("administrative_review", "litigation_direct", "litigation_after_review")}


def handwritten_completion(content: str) -> httpx2.Response:
    body = {"id": "handwritten", "object": "chat.completion", "created": 0, "model": "local",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120}}
    return httpx2.Response(200, json=body)


def client_with(responses: list[Callable[[httpx2.Request], httpx2.Response]], **config: object) -> tuple[LLMClient, list[dict]]:
    seen: list[dict] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(json.loads(request.content))
        return responses[min(len(seen) - 1, len(responses) - 1)](request)

    settings = dict(base_url="http://127.0.0.1:9/v1", use_cache=False, backoff_initial=0.0, backoff_max=0.0)
    settings.update(config)
    return LLMClient(LLMConfig(**settings), http_client=httpx2.Client(transport=httpx2.MockTransport(handler))), seen


def test_429_then_success_is_retried_respecting_retry_after() -> None:
    client, seen = client_with([lambda r: httpx2.Response(429, headers={"retry-after": "0"}, json={"error": "slow down"}),
                                lambda r: handwritten_completion(json.dumps(GOOD_REVIEW))])
    result = client.fill([{"role": "user", "content": "四"}], ReviewOut, {})
    assert result.value is not None and result.error is None
    assert result.usage["transient_retries"] == 1 and len(seen) == 2


def test_500_exhaustion_is_bounded_and_the_report_survives() -> None:
    client, seen = client_with([lambda r: httpx2.Response(500, json={"error": "boom"})], transient_attempts=3)
    report = giextract.extract(SEED_003, mode="hybrid", llm=client)
    assert report.applications["new_received"]["total"].value == 2  # rules values untouched
    assert report.errors and all(e.stage == "llm" for e in report.errors)
    calls = len(seen)
    assert calls % 3 == 0 and calls <= 3 * 4  # each task tried exactly 3 times, at most 4 tasks


def test_malformed_json_is_reasked() -> None:
    client, seen = client_with([lambda r: handwritten_completion("{not json"),
                                lambda r: handwritten_completion(json.dumps(GOOD_REVIEW))])
    result = client.fill([{"role": "user", "content": "四"}], ReviewOut, {})
    assert result.value is not None and result.usage["reasks"] == 1 and len(seen) == 2


def test_rule_breaking_answer_is_reasked_with_the_equation() -> None:
    bad = json.loads(json.dumps(GOOD_REVIEW))
    bad["litigation_direct"]["total"] = 9
    client, seen = client_with([lambda r: handwritten_completion(json.dumps(bad)),
                                lambda r: handwritten_completion(json.dumps(GOOD_REVIEW))])
    result = client.fill([{"role": "user", "content": "四"}], ReviewOut, {})
    assert result.value is not None and result.value.litigation_direct.total == 3
    reask = json.dumps(seen[1], ensure_ascii=False)
    assert "R4 failed in litigation_direct: total = 9" in reask and "= 3" in reask


def test_exhausted_reasks_keep_the_best_attempt_flagged() -> None:
    bad = json.loads(json.dumps(GOOD_REVIEW))
    bad["administrative_review"]["total"] = 7
    client, seen = client_with([lambda r: handwritten_completion(json.dumps(bad))], max_reasks=1)
    result = client.fill([{"role": "user", "content": "四"}], ReviewOut, {})
    assert result.error and "re-asks exhausted" in result.error
    assert result.value is not None and result.value.administrative_review.total == 7
    assert len(seen) == 2


def test_api_key_never_reaches_cache_or_repr(tmp_path: Path) -> None:
    config = LLMConfig(base_url="http://127.0.0.1:9/v1", api_key="sk-secret-123", cache_dir=tmp_path)
    assert "sk-secret" not in repr(config)
    client, _ = client_with([lambda r: handwritten_completion(json.dumps(GOOD_REVIEW))], api_key="sk-secret-123",
                            cache_dir=tmp_path, use_cache=True)
    client.fill([{"role": "user", "content": "四"}], ReviewOut, {})
    client.cache.close()
    stored = b"".join(p.read_bytes() for p in tmp_path.rglob("*") if p.is_file())
    assert stored and b"sk-secret" not in stored


def test_cache_hit_makes_no_call(tmp_path: Path) -> None:
    client, seen = client_with([lambda r: handwritten_completion(json.dumps(GOOD_REVIEW))], use_cache=True, cache_dir=tmp_path)
    client.fill([{"role": "user", "content": "四"}], ReviewOut, {})
    again = client.fill([{"role": "user", "content": "四"}], ReviewOut, {})
    assert again.cached and len(seen) == 1
    changed = client.fill([{"role": "user", "content": "四 "}], ReviewOut, {})
    assert not changed.cached and len(seen) == 2


@pytest.mark.parametrize("mode", ["tools", "json", "json_schema", "md_json"])
def test_every_instructor_mode_builds(mode: str) -> None:
    assert LLMClient(LLMConfig(base_url="http://127.0.0.1:9/v1", mode=mode)).config.mode == mode
