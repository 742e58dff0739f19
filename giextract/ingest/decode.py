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
    mixed = _per_line(data)
    if mixed is not None:
        return mixed
    return _detected(data, utf8_error)


# Encodings Chinese reports arrive in, besides UTF-8; charset-normalizer chooses among them.
CANDIDATES = ["gb18030", "big5", "utf_16", "utf_16_le", "utf_16_be"]


def _detected(data: bytes, utf8_error: UnicodeDecodeError) -> Decoded:
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=CANDIDATES).best()
    text = str(best) if best is not None else None
    # A decode must read as Chinese text: anything else is the wrong guess, reported, never mojibake.
    if text is None or _cjk_ratio(text) < 0.2 or "\ufffd" in text:
        raise InputError(
            f"undecodable input: not valid UTF-8 ({utf8_error.reason} at byte {utf8_error.start}), and no "
            f"reading as {', '.join(CANDIDATES)} looks like Chinese text"
        )
    encoding = best.encoding.replace("_", "-")  # type: ignore[union-attr]
    log.info("decoded as %s", encoding)
    return Decoded(text, encoding)


def _per_line(data: bytes) -> "Decoded | None":
    """Files stitched from UTF-8 and GB18030 parts: each line in the encoding it is valid in."""
    lines = data.split(b"\n")
    utf8_lines = broken = 0
    out = []
    for line in lines:
        try:
            out.append(line.decode("utf-8"))
            utf8_lines += bool(line.strip()) and any(b > 0x7F for b in line)
        except UnicodeDecodeError:
            try:
                out.append(line.decode("gb18030"))
            except UnicodeDecodeError:
                # The switch happened inside this line: keep what reads, mark the rest with U+FFFD.
                out.append(line.decode("utf-8", errors="replace"))
                broken += 1
    if utf8_lines == 0 or broken > max(1, len(lines) // 100):
        return None  # a single-encoding file (or not text): let detection decide
    text = "\n".join(out)
    if _cjk_ratio(text) < 0.2:
        return None
    log.warning("mixed encodings: UTF-8 and GB18030 lines (%d line(s) undecodable in part)", broken)
    return Decoded(text, "mixed(utf-8+gb18030)" + (f", {broken} line(s) partly undecodable" if broken else ""))
