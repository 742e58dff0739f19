"""The suite runs with the network blocked: only loopback connections (the tests' own fake servers)."""
from __future__ import annotations

import socket
from typing import Any, Iterator

import pytest

_connect = socket.socket.connect


def _loopback_only(self: socket.socket, address: Any) -> Any:
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, str) and not (host.startswith("127.") or host in ("localhost", "::1")):
        raise ConnectionRefusedError(f"network blocked in tests: {host}")
    return _connect(self, address)


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(socket.socket, "connect", _loopback_only)
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "GIEXTRACT_MODEL"):
        monkeypatch.delenv(name, raising=False)
    yield
