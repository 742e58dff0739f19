"""A PDF page's characters with their boxes, and lines built from them in reading order.

PDFium's text comes in the order the page draws it, which need not be the order a reader reads it (a
footer drawn first, table cells drawn column by column, blocks shuffled). :func:`page_chars` reads every
character's box and baseline; :func:`in_drawing_order` tells whether that order already agrees with the
page's geometry; :func:`lines` puts characters in reading order: lines by baseline (top to bottom), each
line left to right, a space where the gap between two characters is a word gap.

Coordinates are PDF points with y growing down (``top = -y``), so sorting ascending reads top to bottom.
"""
from __future__ import annotations

import ctypes
import math
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Iterable

_SPACE_GAP = 0.25  # of the font size: a wider gap between two characters is a word (or column) gap
_CJK_GAP = 0.4  # of the font size, between two Chinese characters (justified Chinese spreads them ~0.3)
_CJK = re.compile(r"[\u2e80-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")
_LINE_TOLERANCE = 0.35  # of the font size: baselines closer than this are one line
_MAX_CHARS = 200_000  # a report page holds ~2,000 characters; a page beyond this is not read by geometry


@dataclass(slots=True)
class Char:
    text: str
    x0: float
    x1: float
    top: float  # y down: top < bottom
    bottom: float
    baseline: float  # y down
    size: float
    order: int  # position in the drawing order
    space_before: str = ""  # "pdf": the PDF draws a space just before it; "pdfium": PDFium inferred one
    upright: bool = True  # False: drawn at an angle (a watermark, a label turned 90 degrees)

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.top + self.bottom) / 2


def page_chars(textpage: Any) -> list[Char]:
    """Every drawn character of a pypdfium2 text page (PDFium's generated spaces and line breaks left out)."""
    import pypdfium2.raw as raw

    tp = textpage.raw
    count = min(raw.FPDFText_CountChars(tp), _MAX_CHARS)
    rect = raw.FS_RECTF()
    ox, oy = ctypes.c_double(), ctypes.c_double()
    chars: list[Char] = []
    space = ""
    i = 0
    while i < count:
        code = raw.FPDFText_GetUnicode(tp, i)
        index = i
        i += 1
        if code in (0x0D, 0x0A):  # PDFium's line break: the next character starts a run of its own
            space = ""
            continue
        if code in (0x20, 0xA0, 0x3000, 0x09):
            space = space or ("pdfium" if raw.FPDFText_IsGenerated(tp, index) == 1 else "pdf")
            continue
        if raw.FPDFText_IsGenerated(tp, index) == 1:
            continue
        if 0xD800 <= code < 0xDC00 and i < count:  # a surrogate pair: one character
            low = raw.FPDFText_GetUnicode(tp, i)
            if 0xDC00 <= low < 0xE000:
                code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                i += 1
        text = chr(code) if 0 < code < 0x110000 and not 0xD800 <= code < 0xE000 else "\ufffd"
        if text.isspace() or unicodedata.category(text) == "Cc":
            space = "pdf"
            continue
        if not raw.FPDFText_GetLooseCharBox(tp, index, rect):
            continue
        raw.FPDFText_GetCharOrigin(tp, index, ox, oy)
        size = rect.top - rect.bottom  # the loose box is the font's line height (its size, ~1.1x)
        angle = raw.FPDFText_GetCharAngle(tp, index)
        upright = angle < 0.02 or angle > 2 * math.pi - 0.02  # -1 (unknown) counts as upright
        chars.append(Char(text, rect.left, rect.right, -rect.top, -rect.bottom, -oy.value, size, index, space,
                          upright))
        space = ""
    return _plausible(tp, raw, chars)


def _plausible(tp: Any, raw: Any, chars: list[Char]) -> list[Char]:
    """Characters renumbered in drawing order; a loose box far beyond the page's usual line height (a font
    whose declared ascent is wrong) replaced by the glyph's own box, so its centre stays on the glyph."""
    sizes = sorted(c.size for c in chars if c.size > 0)
    usual = sizes[len(sizes) // 2] if sizes else 10.0
    left, right, bottom, top = (ctypes.c_double() for _ in range(4))
    for n, ch in enumerate(chars):
        if not 0 < ch.size <= 2.5 * usual or ch.x1 - ch.x0 > 2.5 * usual:
            raw.FPDFText_GetCharBox(tp, ch.order, left, right, bottom, top)
            ch.x0, ch.x1, ch.top, ch.bottom, ch.size = left.value, right.value, -top.value, -bottom.value, usual
        ch.order = n
    return chars


def _line_groups(chars: Iterable[Char]) -> list[list[Char]]:
    """Characters grouped into lines: sorted by baseline, a new line where the baseline moves by more
    than a fraction of the font size; each line sorted left to right."""
    groups: list[list[Char]] = []
    last = None
    for ch in sorted(chars, key=lambda c: (c.baseline, c.x0)):
        if last is None or ch.baseline - last > _LINE_TOLERANCE * max(ch.size, 1.0):
            groups.append([])
        groups[-1].append(ch)
        last = ch.baseline
    for group in groups:
        group.sort(key=lambda c: (c.x0, c.order))
    return groups


def _join(line: list[Char]) -> str:
    out: list[str] = []
    prev = None
    for ch in line:
        if prev is not None:
            size = max(min(prev.size, ch.size), 1.0)
            if _CJK.match(prev.text) and _CJK.match(ch.text):  # no word spaces in Chinese
                wide = ch.x0 - prev.x1 > _CJK_GAP * size or (ch.space_before == "pdf" and ch.order == prev.order + 1)
            else:
                wide = ch.x0 - prev.x1 > _SPACE_GAP * size or (bool(ch.space_before) and ch.order == prev.order + 1)
            if wide:
                out.append(" ")
        out.append(ch.text)
        prev = ch
    return " ".join("".join(out).split())  # runs of spaces as one, none at the ends


def lines(chars: Iterable[Char]) -> list[str]:
    """The characters' text in reading order, one string per line (blank lines dropped)."""
    return [text for _, text in line_runs(chars)]


def line_runs(chars: Iterable[Char]) -> list[tuple[float, str]]:
    """Like :func:`lines`, each line with its top (the highest character's top). Characters drawn at an
    angle (a watermark across the page) are kept in their drawing order, each run of them one line after
    all the others (top ``inf``), so they never split a paragraph."""
    chars = list(chars)
    groups = _line_groups(ch for ch in chars if ch.upright)
    turned: list[list[Char]] = []
    for ch in chars:
        if not ch.upright:
            if turned and turned[-1][-1].order == ch.order - 1:
                turned[-1].append(ch)
            else:
                turned.append([ch])
    out = []
    for group in groups:
        text = _join(group)
        if text:
            out.append((min(c.top for c in group), text))
    for run in turned:
        text = "".join((" " if ch.space_before and i else "") + ch.text for i, ch in enumerate(run)).strip()
        if text:
            out.append((math.inf, text))
    return out


def in_drawing_order(chars: list[Char]) -> bool:
    """True when the drawing order reads the page as its geometry does: every character is on the same
    line as the one drawn before it and to its right, or on a later line."""
    chars = [ch for ch in chars if ch.upright]  # text at an angle is read in its drawing order anyway
    line_of: dict[int, int] = {}
    for n, group in enumerate(_line_groups(chars)):
        for ch in group:
            line_of[ch.order] = n
    prev = None
    for ch in chars:
        if prev is not None:
            a, b = line_of[prev.order], line_of[ch.order]
            if b < a or (b == a and ch.x1 < prev.x0):
                return False
        prev = ch
    return True


__all__ = ["Char", "page_chars", "lines", "line_runs", "in_drawing_order"]
