"""Normalization for matching, with a map back to the original text.

Everything downstream matches against ``Document.text``; every span it reports goes through
``Document.original_span`` so that ``original[start:end]`` is the source of the value.
"""
from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Optional


from giextract.templates.patterns import TAIWAN_PHRASES
if TYPE_CHECKING:
    from giextract.core.grid import Grid

# One form for quotes; length-preserving so offsets stay put.
_QUOTES = str.maketrans({"“": '"', "”": '"', "「": '"', "」": '"', "『": '"', "』": '"',
                         "‘": "'", "’": "'", "\u00a0": " ", "\u3000": " ", "\ufeff": " "})
# Characters whose Simplified form differs: their presence means the text is (partly) Traditional.
_TRADITIONAL_PROBE = re.compile("[開當據關與個於為這們來後過時會說對們發處報資機將際點權歲條務經應區縣國華動員]")


@dataclass
class Document:
    """Original text, normalized text, and the map from normalized offsets to original offsets."""

    original: str
    text: str
    # _starts[i] is the original offset of normalized char i; None means identity.
    _starts: Optional[list[int]] = field(default=None, repr=False)
    converted_from_traditional: bool = False
    # Tables as the structured reader printed them (HTML/.docx/PDF), spans into ``original``.
    grids: "list[Grid]" = field(default_factory=list)

    def original_offset(self, i: int) -> int:
        if self._starts is None:
            return min(i, len(self.original))
        if i >= len(self._starts):
            return len(self.original)
        return self._starts[i]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a [start, end) span of the normalized text onto the original text."""
        if self._starts is None:
            return (start, end)
        o_start = self.original_offset(start)
        o_end = self.original_offset(end) if end < len(self._starts) else len(self.original)
        # A span ending inside a many-to-one replacement covers that replacement's whole source.
        if end > start and o_end <= o_start:
            o_end = self.original_offset(end - 1) + 1
        return (o_start, max(o_end, o_start))


def _compose(outer: list[int], inner: Optional[list[int]]) -> list[int]:
    if inner is None:
        return outer
    return [inner[i] if i < len(inner) else (inner[-1] + 1 if inner else 0) for i in outer]


def _nfkc(text: str) -> tuple[str, Optional[list[int]]]:
    out = unicodedata.normalize("NFKC", text)
    if len(out) == len(text):
        return out, None
    pieces: list[str] = []
    starts: list[int] = []
    for i, ch in enumerate(text):
        norm = unicodedata.normalize("NFKC", ch)
        pieces.append(norm)
        starts.extend([i] * len(norm))
    return "".join(pieces), starts


@lru_cache(maxsize=2)
def _converter(config: str):  # type: ignore[no-untyped-def]
    import opencc  # imported lazily: only Traditional inputs pay for it

    return opencc.OpenCC(config)


# Phrase conversion never crosses these (a Taiwan phrase is a run of letters), so a long line can be
# converted and aligned piece by piece, keeping the alignment linear in the line's length.
_PHRASE_BREAK = re.compile(r"[\s。，、；：！？,.;:!?()（）《》\"']")
MAX_ALIGN = 256  # characters aligned at once (difflib is quadratic in the worst case)


def _pieces(line: str) -> list[tuple[int, int]]:
    """[start, end) pieces of ``line``, cut after phrase breaks and at most MAX_ALIGN long."""
    if len(line) <= MAX_ALIGN:
        return [(0, len(line))]
    out: list[tuple[int, int]] = []
    start = 0
    for m in _PHRASE_BREAK.finditer(line):
        if m.end() - start >= MAX_ALIGN // 2:
            out.append((start, m.end()))
            start = m.end()
    out.append((start, len(line)))
    # A stretch with no break at all is cut blindly; at worst one phrase there is converted by character.
    return [(a, min(a + MAX_ALIGN, b)) for s, b in out for a in range(s, b, MAX_ALIGN)]


def _align(source: str, conv: str, offset: int) -> list[int]:
    """Original offset of each character of ``conv``, the conversion of ``source`` (at ``offset``)."""
    if len(conv) == len(source):
        return list(range(offset, offset + len(source)))
    starts = [offset] * len(conv)
    matcher = difflib.SequenceMatcher(None, source, conv, autojunk=False)
    for tag, a0, a1, b0, b1 in matcher.get_opcodes():
        for k in range(b1 - b0):
            a = a0 + min(k, max(a1 - a0 - 1, 0)) if tag != "insert" else a0
            starts[b0 + k] = offset + min(a, max(len(source) - 1, 0))
    return starts


def _to_simplified(text: str) -> tuple[str, Optional[list[int]]]:
    """Traditional → Simplified by character (OpenCC t2s), aligned back char by char.

    t2s almost always keeps the length; where it does not, each line whose length changed is aligned with
    difflib against the original, a long line piece by piece (pieces of at most MAX_ALIGN characters, cut
    at punctuation), so the cost stays linear on a report printed as one line.
    """
    chars = _converter("t2s").convert(text)
    if len(chars) == len(text):
        # Character conversion: the reports are mainland texts that mirrors turned Traditional character by
        # character, so this is their inverse (Taiwan phrase conversion rewrote row labels: 規範性文件 →
        # 规范性文档, 查詢 → 查找, and those rows were not found).
        for taiwan, mainland in TAIWAN_PHRASES.items():  # same length, so offsets hold
            chars = chars.replace(taiwan, mainland)
        return chars, None
    chars = text  # rare: a conversion that changes the length is aligned against the original itself
    tw2sp = _converter("t2s")
    out: list[str] = []
    starts: list[int] = []
    offset = 0
    for line in text.splitlines(keepends=True):
        conv = tw2sp.convert(line)
        if len(conv) == len(line):
            starts.extend(range(offset, offset + len(line)))
            out.append(conv)
        else:
            for a, b in _pieces(line):
                piece = tw2sp.convert(line[a:b]) if (a, b) != (0, len(line)) else conv
                starts.extend(_align(chars[offset + a:offset + b], piece, offset + a))
                out.append(piece)
        offset += len(line)
    return "".join(out), starts


def normalize(original: str) -> Document:
    text, starts = _nfkc(original)
    text = text.translate(_QUOTES)
    converted = False
    if _TRADITIONAL_PROBE.search(text):
        simp, simp_starts = _to_simplified(text)
        if simp != text:
            converted = True
            starts = _compose(simp_starts, starts) if simp_starts is not None else starts
            text = simp
    return Document(original=original, text=text, _starts=starts, converted_from_traditional=converted)


def blank_out(doc: Document, spans: list[tuple[int, int]]) -> Document:
    """Replace normalized spans by spaces (same length), e.g. spam or leaked markup, keeping offsets."""
    if not spans:
        return doc
    chars = list(doc.text)
    for s, e in spans:
        chars[s:e] = " " * (e - s)
    return Document(doc.original, "".join(chars), doc._starts, doc.converted_from_traditional, doc.grids)


__all__ = ["Document", "normalize", "blank_out"]
