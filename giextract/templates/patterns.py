"""Turning printed labels into tolerant regexes: whitespace anywhere inside, NFKC brackets, one quote form."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_WS = r"[\s|]*"


@lru_cache(maxsize=None)
def loose(label: str) -> str:
    """Regex source matching ``label`` with any whitespace (or a stray ``|``) between its characters."""
    norm = unicodedata.normalize("NFKC", label).translate(str.maketrans({"“": '"', "”": '"'}))
    chars = [c for c in norm if not c.isspace()]
    return _WS.join(re.escape(c) for c in chars)


@lru_cache(maxsize=None)
def compile_loose(label: str) -> "re.Pattern[str]":
    return re.compile(loose(label))


CN_DIGITS = "一二三四五六七八九十"


def chinese_ordinal_value(s: str) -> int:
    """一 → 1, 十二 → 12 (enough for section numbering)."""
    if s == "十":
        return 10
    if s.startswith("十"):
        return 10 + CN_DIGITS.index(s[1]) + 1
    if len(s) == 2 and s.endswith("十"):
        return (CN_DIGITS.index(s[0]) + 1) * 10
    if len(s) == 3 and s[1] == "十":
        return (CN_DIGITS.index(s[0]) + 1) * 10 + CN_DIGITS.index(s[2]) + 1
    return CN_DIGITS.index(s[0]) + 1 if s else 0


# Taiwan wordings a Traditional page may use where a mainland report says the other, applied after the
# character conversion (t2s). Each pair has one length, so offsets hold. Data, not code: add a pair here.
TAIWAN_PHRASES: dict[str, str] = {"网路": "网络"}
assert all(len(a) == len(b) for a, b in TAIWAN_PHRASES.items())
