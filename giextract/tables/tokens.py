"""Value tokens: the pieces of text that can be table cells, and what each one means."""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Optional

from giextract.core.model import Number, as_number

SIGNS = "-+−﹣－"  # the minus and plus signs reports print before a change (减/增 aside)
# A token is a maximal run that may hold one or more cells (run-on digits) or one blank marker.
VALUE_TOKEN = re.compile(
    rf"(?P<signed>(?:减少?|增加?|[{SIGNS}])\s*\d+(?:\.\d+)?\s*(?:项|个|件)?)"
    r"|(?P<number>\d+(?:\.\d+)?(?:\s*(?:万元|元|项))?)"
    # a blank marker glued to a label (`服务事项///`) is one; one between two characters (`增/减`) is not
    r"|(?P<na>(?:/|／|—+|－)(?![\u4e00-\u9fff—])|(?<![\u4e00-\u9fff])(?:/|／|—+|－|无)(?![\u4e00-\u9fff]))"
)
NOT_APPLICABLE = {"/", "／", "—", "——", "－", "无"}
# No count or amount in a report has more integer digits (10^15 yuan is a thousand times China's GDP);
# a longer run is several cells run together, or noise, never one number.
MAX_CELL_DIGITS = 15


@dataclass(frozen=True)
class Token:
    text: str
    start: int  # normalized offsets
    end: int

    @property
    def is_na(self) -> bool:
        return self.text.strip() in NOT_APPLICABLE

    @property
    def digits_only(self) -> bool:
        return self.text.isdigit()


# `1.属于国家秘密`, `1、申请人…`: a short number that opens a label is its ordinal, not a value.
_ORDINAL_AFTER = re.compile(r"\s*[.、．]\s*[\u4e00-\u9fff(（\"]")


# Column names invented by OCR exports (`数据1`, `列3`) are headers, not values.
_INVENTED_HEADER = re.compile(r"(?:数据|列|栏|字段|col|data|Col|Data)\s*$")


# A date in a sentence inside the table's section (`2020 年,我单位…`, `1月30日`) is no cell.
_YEAR = re.compile(r"(?:19|20)\d\d\s*年")
_MONTH_DAY = re.compile(r"\d{1,2}\s*[月日]")


def find_tokens(text: str, start: int, end: int) -> list[Token]:
    tokens = []
    for m in VALUE_TOKEN.finditer(text, start, end):
        if m.group("number") and _INVENTED_HEADER.search(text, max(0, m.start() - 4), m.start()):
            continue
        if m.group("number") and (_YEAR.match(text, m.start()) or _MONTH_DAY.match(text, m.start())) \
                and (m.start() == 0 or not text[m.start() - 1].isdigit()):
            continue
        if m.group("number") and len(m.group(0)) <= 2 and m.group(0).isdigit() \
                and _ORDINAL_AFTER.match(text, m.end()):
            continue
        tokens.append(Token(m.group(0), m.start(), m.end()))
    return tokens


@dataclass(frozen=True)
class Parsed:
    value: Optional[Number]
    unit: Optional[str] = None


def parse_signed(text: str) -> Optional[Number]:
    """`减39项` → -39, `增5` / `+5` → 5, `-35` → -35."""
    m = re.fullmatch(rf"\s*(减少?|增加?|[{SIGNS}])?\s*(\d+(?:\.\d+)?)\s*(?:项|个|件)?\s*", text)
    if not m or len(m.group(2).split(".")[0]) > MAX_CELL_DIGITS:
        return None
    value = as_number(Decimal(m.group(2)))
    return -value if m.group(1) and m.group(1)[0] in "减-−﹣－" else value


def parse_money_wan_yuan(text: str, default_unit: str = "万元") -> Optional[Parsed]:
    """`7319.2万元` → 7319.2; `251000元` → 25.1 (万元); a bare number is in the column's unit."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(万元|元)?\s*", text)
    if not m or len(m.group(1).split(".")[0]) > MAX_CELL_DIGITS:
        return None
    try:
        amount = Decimal(m.group(1))
    except InvalidOperation:
        return None
    unit = m.group(2) or default_unit
    if unit == "元":
        amount = amount / Decimal(10000)
    return Parsed(as_number(amount.normalize() if amount != amount.to_integral_value() else amount), unit)


def parse_count(text: str) -> Optional[int]:
    if text.isdigit():  # the common case, without a regex (this runs for every candidate piece)
        return None if (len(text) > 1 and text[0] == "0") or len(text) > MAX_CELL_DIGITS else int(text)
    m = re.fullmatch(r"\s*(\d+)\s*(?:项|个|件|条)?\s*", text)
    if not m:
        return None
    digits = m.group(1)
    if len(digits) > MAX_CELL_DIGITS:
        return None
    if len(digits) > 1 and digits[0] == "0":
        return None  # a leading zero means two cells run together, never one number
    return int(digits)
