"""A wall-clock deadline for one LLM call, re-asks and retries included (``LLMConfig.timeout``).

httpx's timeouts bound each socket operation, so a server sending one byte a second never trips them. The
transport here wraps every socket read, write and connect: each gets at most the time left before the
deadline of the call running on this thread, and fails with a timeout once it has passed."""
from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from typing import Any, Iterable, Iterator, Optional

import httpcore2
import httpx2

_local = threading.local()


class DeadlineExceeded(TimeoutError):
    """The call's deadline passed before another request could be sent."""


@contextmanager
def deadline(seconds: Optional[float]) -> Iterator[None]:
    """Calls on this thread inside the block must finish within ``seconds`` (None: no deadline)."""
    previous = getattr(_local, "at", None)
    _local.at = None if seconds is None else time.monotonic() + seconds
    try:
        yield
    finally:
        _local.at = previous


def remaining() -> Optional[float]:
    """Seconds left before this thread's deadline, None when there is none (may be ≤ 0)."""
    at = getattr(_local, "at", None)
    return None if at is None else at - time.monotonic()


def check() -> None:
    left = remaining()
    if left is not None and left <= 0:
        raise DeadlineExceeded("the call's deadline (--timeout) passed")


def _bounded(timeout: Optional[float], error: type[Exception]) -> Optional[float]:
    left = remaining()
    if left is None:
        return timeout
    if left <= 0:
        raise error("the call's deadline (--timeout) passed")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore2.NetworkStream):
    def __init__(self, inner: httpcore2.NetworkStream):
        self._inner = inner

    def read(self, max_bytes: int, timeout: Optional[float] = None) -> bytes:
        return self._inner.read(max_bytes, _bounded(timeout, httpcore2.ReadTimeout))

    def write(self, buffer: bytes, timeout: Optional[float] = None) -> None:
        self._inner.write(buffer, _bounded(timeout, httpcore2.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: Any, server_hostname: Optional[str] = None,
                  timeout: Optional[float] = None) -> httpcore2.NetworkStream:
        tls = self._inner.start_tls(ssl_context, server_hostname, _bounded(timeout, httpcore2.ConnectTimeout))
        return _DeadlineStream(tls)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _DeadlineBackend(httpcore2.NetworkBackend):
    def __init__(self) -> None:
        self._inner = httpcore2.SyncBackend()

    def connect_tcp(self, host: str, port: int, timeout: Optional[float] = None, local_address: Optional[str] = None,
                    socket_options: Optional[Iterable[Any]] = None) -> httpcore2.NetworkStream:
        stream = self._inner.connect_tcp(host, port, _bounded(timeout, httpcore2.ConnectTimeout), local_address,
                                         socket_options)
        return _DeadlineStream(stream)

    def connect_unix_socket(self, path: str, timeout: Optional[float] = None,
                            socket_options: Optional[Iterable[Any]] = None) -> httpcore2.NetworkStream:
        stream = self._inner.connect_unix_socket(path, _bounded(timeout, httpcore2.ConnectTimeout), socket_options)
        return _DeadlineStream(stream)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class DeadlineTransport(httpx2.HTTPTransport):
    """httpx's default transport (so vcrpy records and replays it as usual) over deadline-aware sockets."""

    def __init__(self, limits: httpx2.Limits = httpx2.Limits(max_connections=1000, max_keepalive_connections=100)):
        super().__init__(limits=limits)
        self._pool = httpcore2.ConnectionPool(
            ssl_context=httpx2.create_ssl_context(), max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections, keepalive_expiry=limits.keepalive_expiry,
            network_backend=_DeadlineBackend())


def http_client(timeout: float) -> httpx2.Client:
    """The client the LLM layer talks through: per-operation timeouts, and the deadline above."""
    import openai

    return openai.DefaultHttpxClient(transport=DeadlineTransport(), timeout=httpx2.Timeout(timeout))
