"""The configured API key never leaves the process in text: error messages, log lines and recorded
cassettes pass through ``redact``. A server may echo the key back (in an error body, or inside an answer);
whatever the text, the key is replaced before it is stored, logged or written."""
from __future__ import annotations

import logging
import threading
import traceback
from typing import Any, Optional

MASK = "[REDACTED]"
_secrets: tuple[str, ...] = ()  # longest first; replaced whole, so readers on other threads never see it change
_lock = threading.Lock()
_installed = False


def register_secret(secret: Optional[str]) -> None:
    """Redact ``secret`` from now on, everywhere in this process (log records included)."""
    global _installed, _secrets
    if not secret or len(secret) < 6:  # a one- or two-character "key" would mask ordinary text
        return
    with _lock:
        found = set(_secrets) | {secret}
        if secret.lower().startswith(("sk-", "sk_")) and len(secret) > 12:
            found.add(secret[3:])  # the key without its prefix, as some servers print it
        _secrets = tuple(sorted(found, key=len, reverse=True))
        if not _installed:
            _install_log_scrubber()
            _installed = True


def redact(text: str) -> str:
    for secret in _secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    return text


def redact_bytes(data: bytes) -> bytes:
    for secret in _secrets:
        raw = secret.encode("utf-8")
        if raw in data:
            data = data.replace(raw, MASK.encode())
    return data


def contains_secret(text: str) -> bool:
    return any(secret in text for secret in _secrets)


def _scrub(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - a malformed record is the logging module's business
        return
    if contains_secret(message):
        record.msg, record.args = redact(message), ()
    if record.exc_info and record.exc_info[1] is not None:
        text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        if contains_secret(text):
            record.exc_text = redact(text)  # formatters use exc_text as given


def _install_log_scrubber() -> None:
    """Every log record created in this process (giextract's, openai's, instructor's, httpx's) is scrubbed
    as it is made, so no handler, formatter or test capture ever sees the key."""
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        if _secrets:
            _scrub(record)
        return record

    logging.setLogRecordFactory(factory)
