"""Transient faults (HTTP 429, 5xx, timeouts, connection errors) retried with exponential backoff and
jitter, honouring Retry-After. Validation re-asks are instructor's business, counted separately."""
from __future__ import annotations

import logging
from typing import Callable, TypeVar

import openai
from tenacity import (
    RetryCallState, Retrying, retry_if_exception, stop_after_attempt, stop_before_delay, wait_random_exponential,
)

from giextract.llm import deadline
from giextract.llm.config import LLMConfig
from giextract.llm.redact import redact

log = logging.getLogger(__name__)
T = TypeVar("T")


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, (openai.APITimeoutError, openai.APIConnectionError, openai.RateLimitError)):
        return True
    if isinstance(exc, openai.APIStatusError):
        return exc.status_code == 429 or exc.status_code >= 500
    cause = getattr(exc, "__cause__", None)  # instructor wraps what the client raised
    return cause is not None and cause is not exc and is_transient(cause)


def _retry_after(exc: BaseException) -> float:
    response = getattr(exc, "response", None) or getattr(getattr(exc, "__cause__", None), "response", None)
    try:
        return float(response.headers.get("retry-after", 0)) if response is not None else 0.0
    except (TypeError, ValueError):
        return 0.0


def _wait(config: LLMConfig) -> Callable[[RetryCallState], float]:
    jitter = wait_random_exponential(multiplier=config.backoff_initial, max=config.backoff_max)

    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        return max(jitter(state), min(_retry_after(exc), config.backoff_max) if exc else 0.0)
    return wait


def call_with_retries(config: LLMConfig, fn: Callable[[], T], counter: dict[str, int]) -> T:
    """Run ``fn``; transient failures are retried up to ``config.transient_attempts`` tries in all, and
    never past the deadline of the call (``deadline.remaining()``): no try starts, and no backoff sleeps,
    beyond it."""
    def before_sleep(state: RetryCallState) -> None:
        log.warning("transient LLM error, retrying (%s)", redact(str(state.outcome.exception() if state.outcome else "")))

    tries = 0

    def attempt() -> T:
        nonlocal tries
        deadline.check()  # before counting: a try the deadline stopped was never sent
        tries += 1
        if tries > 1:
            counter["transient_retries"] = counter.get("transient_retries", 0) + 1
        return fn()

    stop = stop_after_attempt(config.transient_attempts)
    left = deadline.remaining()
    if left is not None:
        stop = stop | stop_before_delay(max(left, 0.0))
    retrying = Retrying(stop=stop, wait=_wait(config), retry=retry_if_exception(is_transient),
                        before_sleep=before_sleep, reraise=True)
    return retrying(attempt)


__all__ = ["call_with_retries", "is_transient"]
