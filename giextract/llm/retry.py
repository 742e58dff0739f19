"""Transient faults (HTTP 429, 5xx, timeouts, connection errors) retried with exponential backoff and
jitter, honouring Retry-After. Validation re-asks are instructor's business, counted separately."""
from __future__ import annotations

import logging
from typing import Callable, TypeVar

import openai
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, wait_random_exponential

from giextract.llm.config import LLMConfig

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
    """Run ``fn``; transient failures are retried up to ``config.transient_attempts`` tries in all."""
    def before_sleep(state: RetryCallState) -> None:
        counter["transient_retries"] = counter.get("transient_retries", 0) + 1
        log.warning("transient LLM error, retrying (%s)", state.outcome.exception() if state.outcome else "")

    retrying = Retrying(stop=stop_after_attempt(config.transient_attempts), wait=_wait(config),
                        retry=retry_if_exception(is_transient), before_sleep=before_sleep, reraise=True)
    return retrying(fn)


__all__ = ["call_with_retries", "is_transient"]
