"""One structured call: instructor over openai, with the cache, transient retries and re-ask counting.
Only this package imports openai/instructor; the rest of giextract works without them."""
from __future__ import annotations

import logging
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Optional, TypeVar

import instructor
import openai
from instructor.core.exceptions import InstructorRetryException
from pydantic import BaseModel, ValidationError

from giextract.llm import deadline
from giextract.llm.cache import ResponseCache, cache_key
from giextract.llm.config import LLMConfig
from giextract.llm.redact import redact, register_secret
from giextract.llm.retry import call_with_retries, is_transient

log = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)

MODES = {"tools": instructor.Mode.TOOLS, "json": instructor.Mode.JSON,
         "json_schema": instructor.Mode.JSON_SCHEMA, "md_json": instructor.Mode.MD_JSON}


class LLMCallError(RuntimeError):
    """A call that failed for good: the endpoint kept failing or refused, the deadline passed, or the
    answer was cut. The message names the cause, with the API key redacted; ``usage`` is what it cost."""

    def __init__(self, message: str, usage: Counter):
        super().__init__(message)
        self.usage = usage


@dataclass
class CallResult:
    value: Optional[BaseModel]
    usage: Counter = field(default_factory=Counter)
    error: Optional[str] = None  # set when re-asks were exhausted; value is then the best attempt, unchecked
    cached: bool = False


def _content(completion: Any) -> Optional[str]:
    """The raw JSON of a completion, from tool-call arguments or the message text."""
    try:
        message = completion.choices[0].message
        if getattr(message, "tool_calls", None):
            return str(message.tool_calls[0].function.arguments)
        return str(message.content or "")
    except (AttributeError, IndexError):
        return None


class LLMClient:
    def __init__(self, config: LLMConfig, http_client: Any = None):
        if config.mode not in MODES:
            raise ValueError(f"instructor mode {config.mode!r}: choose one of {sorted(MODES)}")
        self.config = config
        register_secret(config.api_key)
        if http_client is None:  # ours enforces the call's deadline on every socket operation
            http_client = deadline.http_client(config.timeout)
        raw = openai.OpenAI(base_url=config.base_url, api_key=config.api_key or "no-key",
                            max_retries=0, timeout=config.timeout, http_client=http_client)
        send = raw.chat.completions.create

        def send_with_retries(*args: Any, **kwargs: Any) -> Any:
            # Transient faults are retried per HTTP request, below instructor: a 429 during a re-ask
            # neither restarts the conversation nor spends a re-ask. A request is counted when sent,
            # whether or not its answer parses, so that retries and re-asks are bounded by it.
            tally: Counter = self._local.__dict__.setdefault("tally", Counter())
            deadline.check()  # a re-ask after the deadline is not sent, nor counted
            tally["requests"] += 1
            return call_with_retries(config, lambda: send(*args, **kwargs), tally)

        raw.chat.completions.create = send_with_retries  # type: ignore[method-assign]
        self._client = instructor.from_openai(raw, mode=MODES[config.mode])
        self._client.on("completion:response", self._count_response)
        self.cache = ResponseCache(config)
        self.usage: Counter = Counter()
        self._local = threading.local()

    def _count_response(self, response: Any) -> None:
        usage = getattr(response, "usage", None)
        tally: Counter = self._local.__dict__.setdefault("tally", Counter())
        if usage is not None:
            tally["prompt_tokens"] += getattr(usage, "prompt_tokens", 0) or 0
            tally["completion_tokens"] += getattr(usage, "completion_tokens", 0) or 0

    def fill(self, messages: list[dict[str, str]], response_model: type[M], context: dict[str, Any]) -> CallResult:
        schema = response_model.model_json_schema()
        key = cache_key(self.config, messages, schema)
        hit = self.cache.get(key)
        if hit is not None:
            try:
                value = response_model.model_validate(hit["value"], context=context)
                result = CallResult(value, Counter({"cached_calls": 1}), cached=True)
                self.usage.update(result.usage)
                return result
            except ValidationError:
                log.info("cached response no longer validates; calling the model")
        kwargs: dict[str, Any] = dict(model=self.config.model, messages=messages, response_model=response_model,
                                      max_retries=self.config.max_reasks, context=context,
                                      temperature=self.config.temperature, max_tokens=self.config.max_tokens)
        if self.config.mode == "json":
            # llama.cpp's server takes a schema inside a json_object response_format (not json_schema).
            kwargs["extra_body"] = {"response_format": {"type": "json_object", "schema": schema}}
        tally = self._local.tally = Counter()
        result: CallResult
        try:
            # One deadline for the whole call: every re-ask, retry, backoff and socket read.
            with deadline.deadline(self.config.timeout):
                value, _ = self._client.chat.completions.create_with_completion(**kwargs)
            result = CallResult(value)
        except InstructorRetryException as exc:
            failed = getattr(exc, "failed_attempts", None) or []
            if is_transient(exc) or not failed:
                # The endpoint kept failing or refused (no answer to keep): the caller records it, with
                # what the attempts cost.
                raise self._charged(exc.__cause__ or exc, tally) from None
            reason = " ".join(line.strip() for line in str(failed[-1].exception).splitlines()[:3])
            why = "re-asks exhausted" if not isinstance(exc.__cause__, deadline.DeadlineExceeded) else \
                f"the {self.config.timeout:g} s deadline passed"
            result = CallResult(self._best_attempt(exc, response_model),
                                error=redact(f"{why} after {getattr(exc, 'n_attempts', '?')} attempts: {reason}")[:400])
        except Exception as exc:  # e.g. an answer cut at max_tokens: the caller records it
            raise self._charged(exc, tally) from None
        self._settle(tally)
        result.usage = tally
        if result.value is not None and result.error is None:  # only answers that validated are kept
            self.cache.set(key, {"value": result.value.model_dump(mode="json")})
        return result

    def _charged(self, exc: BaseException, tally: Counter) -> LLMCallError:
        """An error carrying what the failed call cost, so that the report's usage still counts it; its
        text is the cause's with the API key redacted (a server may echo the key in its error body)."""
        self._settle(tally)
        timed_out = isinstance(exc, (deadline.DeadlineExceeded, openai.APITimeoutError))
        note = f" (the whole call's deadline: {self.config.timeout:g} s)" if timed_out else ""
        return LLMCallError(redact(f"{type(exc).__name__}: {exc}{note}")[:500], tally)

    def _settle(self, tally: Counter) -> None:
        tally["calls"] += 1
        tally["reasks"] += max(tally["requests"] - 1, 0)
        self.usage.update(tally)

    @staticmethod
    def _best_attempt(exc: Exception, response_model: type[M]) -> Optional[M]:
        raw = _content(getattr(exc, "last_completion", None))
        if not raw:
            return None
        try:
            return response_model.model_validate_json(raw, context={"lenient": True})
        except ValidationError:
            return None
