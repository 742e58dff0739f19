"""The legacy statistics table (统计表 / 附表), in the layouts the corpus shows: `|` cells one per line
(national table), one cell per paragraph with blank cells, space-separated rows, and rows run together
with no separator at all (`主动公开信息数条4251516其中：1.网站公开条41815092.…`)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

from giextract.core.model import Cell, Finding, StatisticsRow
from giextract.ingest.normalize import Document
from giextract.tables.tokens import MAX_CELL_DIGITS
from giextract.templates.legacy import LAWSUIT_CONTEXT, NATIONAL_INDICATORS, UNITS
from giextract.templates.patterns import loose

_HEADER = re.compile("|".join(loose(h) for h in ("指标名称", "统计指标")))
_UNIT = "|".join(UNITS)
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
# A row run together: label, unit, digits (or no digits when the row's cells are blank and the unit
# ends its line: the row is kept, so a blank never lets the next row's number take its place).
_RUN_ON_ROW = re.compile(
    rf"(?P<label>(?:其中[:：])?(?:\d[.、．])?[^\d\s|]+?)(?P<unit>{_UNIT})"
    rf"(?:(?P<digits>\d+(?:\.\d+)?)(?=(?:\d[.、．])?[\u4e00-\u9fff]|\s|$)|(?=[ \t]*(?:\n|$)))"
)
_LABEL_PREFIX = re.compile(r"^(?:其中[:：]\s*)?(?:\(?[一二三四五六七八九十]+[)、]|\d+[.、．])?\s*")
_CHILD = re.compile(r"^(?:其中[:：]|\d+[.、．])")
_END = re.compile(r"附件下载|此件主动公开|\n\s*(?:19|20)\d{2}年\d{1,2}月\d{1,2}日")
_HEADER_TAIL = re.compile(r"(?:\s*[|]?\s*(?:计量单位|单位|统计数|(?:19|20)\d{2}年度?|历年累计|\|))+")


@dataclass
class RawRow:
    label: str
    label_span: tuple[int, int]
    unit: Optional[str] = None
    values: list[Optional[tuple[str, int, int]]] = field(default_factory=list)  # None = blank cell
    run_on: bool = False


def _fields(text: str, start: int, end: int) -> list[tuple[str, int, int]]:
    """Cells of the region as (text, start, end); blank cells as ('', pos, pos)."""
    region = text[start:end]
    if "|" in region:
        pattern = re.compile(r"[^|\n]*")
    elif re.search(r"\n[ \t]+\n", region) or "\n\n" in region or _one_cell_per_line(region):
        pattern = re.compile(r"(?m)^[^\n]*$")
    else:
        pattern = re.compile(r"\S+")
    out = []
    for m in pattern.finditer(text, start, end):
        raw = m.group(0)
        stripped = raw.strip()
        s = m.start() + (len(raw) - len(raw.lstrip()))
        if "|" in region or pattern.pattern == r"\S+":
            if stripped or ("|" in region and text[m.end():m.end() + 1] == "|" and m.start() > 0
                            and text[m.start() - 1] == "\n"):
                out.append((stripped, s, s + len(stripped)))
        else:
            if raw == "":
                continue
            out.append((stripped, s, s + len(stripped)))
    return out


def _one_cell_per_line(region: str) -> bool:
    """Most lines are one unit or one number: the table is printed one cell per line."""
    lines = [line.strip() for line in region.split("\n") if line.strip()]
    cells = sum(1 for line in lines if line in UNITS or _NUMBER.fullmatch(line))
    return len(lines) >= 6 and cells >= 0.4 * len(lines)


def _rows_from_fields(fields: list[tuple[str, int, int]]) -> list[RawRow]:
    rows: list[RawRow] = []
    for text, s, e in fields:
        if text and re.search(r"[\u4e00-\u9fff]", text) and text not in UNITS:
            rows.append(RawRow(text, (s, e)))
        elif not rows:
            continue
        elif text in UNITS and rows[-1].unit is None and not rows[-1].values:
            rows[-1].unit = text
        elif text == "" or _NUMBER.fullmatch(text):
            rows[-1].values.append((text, s, e) if text else None)
    return rows


def _run_on_rows(text: str, start: int, end: int) -> list[RawRow]:
    return [RawRow(m.group("label"), m.span("label"), m.group("unit"),
                   [(m.group("digits"), m.start("digits"), m.end("digits")) if m.group("digits") else None],
                   run_on=True)
            for m in _RUN_ON_ROW.finditer(text, start, end)]


def indicator_key(label: str, lawsuit_context: bool) -> Optional[str]:
    core = re.sub(r"\s+", "", _LABEL_PREFIX.sub("", label))
    for key, fragments in NATIONAL_INDICATORS:  # first match wins; None marks a known non-national row
        if any(f in core for f in fragments):
            return LAWSUIT_CONTEXT.get(key, key) if (lawsuit_context and key) else key
    return None


def _split_pairs(digits: str) -> list[tuple[int, int, int]]:
    """(value, cumulative, cut) readings of a run-on pair; the cumulative includes this year's value.
    A run longer than two cells can be is not split (no reading, so both cells are ambiguous)."""
    out: list[tuple[int, int, int]] = []
    if len(digits) > 2 * MAX_CELL_DIGITS or not digits.isdigit():
        return out
    for cut in range(1, len(digits)):
        a, b = digits[:cut], digits[cut:]
        if (len(a) > 1 and a[0] == "0") or (len(b) > 1 and b[0] == "0"):
            continue
        if int(b) >= int(a):
            out.append((int(a), int(b), cut))
    return out


def _in_prose(text: str, table_start: int, value: int) -> bool:
    return re.search(rf"(?<![\d.]){value}\s*(?:条|件|次|个|人)", text[:table_start]) is not None


def _cell(doc: Document, raw: Optional[tuple[str, int, int]]) -> Cell:
    if raw is None:
        return Cell.missing()
    text, s, e = raw
    span = doc.original_span(s, e)
    if len(text.split(".")[0]) > MAX_CELL_DIGITS:  # digits run together or noise: not one number
        return Cell(value=None, raw=doc.original[span[0]:span[1]], span=span, status="ambiguous")
    value = float(text) if "." in text else int(text)
    return Cell(value=value, raw=doc.original[span[0]:span[1]], span=span, status="ok")


def parse_statistics_table(doc: Document, start: Optional[int], end: int) -> tuple[Optional[list[StatisticsRow]], list[Finding]]:
    text = doc.text
    header = _HEADER.search(text, start or 0, end) or (_HEADER.search(text) if start is None else None)
    if header is None and start is None:
        return None, []
    region_start: int = header.end() if header else (start or 0)
    if header:
        tail = _HEADER_TAIL.match(text, region_start)
        region_start = tail.end() if tail else region_start
    end_match = _END.search(text, region_start, end)
    region_end = end_match.start() if end_match else end
    has_cumulative = re.search(loose("历年累计"), text[region_start - 40 if header else region_start:region_start + 80]) is not None
    width = 2 if has_cumulative else 1
    rows = _run_on_rows(text, region_start, region_end)
    by_fields = _rows_from_fields(_fields(text, region_start, region_end)) if len(rows) < 3 or \
        _one_cell_per_line(text[region_start:region_end]) else []
    if len(rows) < 3 or sum(bool(r.values) for r in by_fields) > sum(bool(r.values) for r in rows):
        rows = by_fields
    # Group headings have neither unit nor value; where the table prints units, a row without one is a heading.
    has_units = any(r.unit for r in rows)
    rows = [r for r in rows if (r.unit if has_units else r.values)]
    if not rows:
        return None, []
    return _resolve(doc, rows, width, region_start), []


def _resolve(doc: Document, rows: list[RawRow], width: int, table_start: int) -> list[StatisticsRow]:
    out: list[StatisticsRow] = []
    parent: Optional[tuple[Cell, Optional[Cell]]] = None
    lawsuit = False
    for row in rows:
        label_span = doc.original_span(*row.label_span)
        label = doc.original[label_span[0]:label_span[1]].strip()
        key = indicator_key(row.label, lawsuit)
        if key == "lawsuits_total":
            lawsuit = True
        elif key == "reviews_total":
            lawsuit = False
        value: Cell
        cumulative: Optional[Cell]
        if row.run_on and width == 2:
            value, cumulative = _resolve_pair(doc, row, parent if _CHILD.match(row.label) else None, table_start)
        else:
            cells = [_cell(doc, v) for v in row.values[:width]]
            cells += [Cell.missing() for _ in range(width - len(cells))]
            value, cumulative = cells[0], (cells[1] if width == 2 else None)
        if not _CHILD.match(row.label):
            parent = (value, cumulative)
        out.append(StatisticsRow(label=label, key=key, unit=row.unit, value=value, cumulative=cumulative,
                                 span=doc.original_span(row.label_span[0], row.values[-1][2] if row.values and row.values[-1] else row.label_span[1])))
    return out


def _resolve_pair(doc: Document, row: RawRow, parent: Optional[tuple[Cell, Optional[Cell]]],
                  table_start: int) -> tuple[Cell, Cell]:
    if row.values[0] is None:  # printed blank
        return Cell.missing(), Cell.missing()
    digits, s, _ = row.values[0]
    options = _split_pairs(digits)
    if parent and parent[0].is_number and parent[1] is not None and parent[1].is_number:
        options = [o for o in options if o[0] <= parent[0].value and o[1] <= parent[1].value]  # type: ignore[operator]
    if len(options) > 1:
        stated = [o for o in options if _in_prose(doc.text, table_start, o[0])]
        if len(stated) == 1:
            options = stated
    if not options:
        span = doc.original_span(s, s + len(digits))
        raw = doc.original[span[0]:span[1]]
        return (Cell(value=None, raw=raw, span=span, status="ambiguous"),
                Cell(value=None, raw=raw, span=span, status="ambiguous"))
    if len(options) == 1:
        v, c, cut = options[0]
        return _cell(doc, (digits[:cut], s, s + cut)), _cell(doc, (digits[cut:], s + cut, s + len(digits)))
    span = doc.original_span(s, s + len(digits))
    raw = doc.original[span[0]:span[1]]
    return (Cell(value=None, raw=raw, span=span, status="ambiguous", candidates=sorted({o[0] for o in options})),
            Cell(value=None, raw=raw, span=span, status="ambiguous", candidates=sorted({o[1] for o in options})))
