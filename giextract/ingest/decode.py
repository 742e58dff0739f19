"""Bytes → text. Detects UTF-8 (with or without BOM), UTF-16 with BOM and GB18030/GBK; refuses to guess
silently: a decode that would need replacement characters is an error, not mojibake."""
from __future__ import annotations

import logging
from dataclasses import dataclass

log = logging.getLogger(__name__)

# Binary formats recognised by their first bytes, so the error says what the file is.
_MAGIC = {
    b"%PDF": "a PDF (PDF input comes through giextract's PDF reader, not the text decoder)",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"PK\x03\x04": "a ZIP container (e.g. .docx/.xlsx)",
    b"GIF8": "a GIF image",
    b"\xd0\xcf\x11\xe0": "an old Office (OLE) document",
}


class InputError(ValueError):
    """The input cannot be read as a report; the message says why, specifically."""


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str


def _cjk_ratio(text: str) -> float:
    if not text:
        return 0.0
    cjk = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")
    return cjk / len(text)


def decode_bytes(data: bytes) -> Decoded:
    if not data.strip():
        raise InputError("empty input: the file has no text")
    for magic, what in _MAGIC.items():
        if data.startswith(magic):
            raise InputError(f"binary input: this is {what}, not a text report")
    if data.startswith(b"\xef\xbb\xbf"):
        return Decoded(data[3:].decode("utf-8", errors="strict"), "utf-8-sig")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return Decoded(data.decode("utf-16"), "utf-16")
    if b"\x00" in data[:4096]:
        raise InputError("binary input: NUL bytes found and no UTF-16 byte-order mark")
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError as exc:
        utf8_error = exc
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        raise InputError(
            f"undecodable input: not valid UTF-8 ({utf8_error.reason} at byte {utf8_error.start}) "
            "and not valid GB18030"
        ) from None
    # GB18030 decodes almost any byte string; accept it only when the result reads as Chinese text.
    if _cjk_ratio(text) < 0.2:
        raise InputError(
            "undecodable input: not valid UTF-8, and a GB18030 reading does not look like Chinese text"
        )
    log.info("decoded as GB18030")
    return Decoded(text, "gb18030")
