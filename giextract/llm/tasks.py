"""Section tasks: each sends one section to the model and turns the validated answer into cells/items
with ``source="llm"`` and spans found in the original text."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Optional

from giextract.core.model import Cell, ErrorRecord, Item, Narrative, ProseFact, StatisticsRow
from giextract.ingest.normalize import Document
from giextract.llm.client import CallResult, LLMClient
from giextract.llm.grounding import RowView, _template_rows, compact
from giextract.llm.prompts import render
from giextract.narrative import STOP as NARRATIVE_STOP
from giextract.prose_facts import in_spans
from giextract.llm.schemas import (
    ActiveOut, ApplicationsOut, MetaOut, NarrativeOut, ProseFactsOut, ReviewOut, StatisticsOut, TableSpanOut,
)
from giextract.tables.legacy_stats import indicator_key
from giextract.templates.prose_facts import COUNT_UNITS
from giextract.templates.tables import (
    ACTIVE_DISCLOSURE, APPLICATION_COLUMNS, APPLICATIONS, RESULT_ROWS, REVIEW_COLUMNS, REVIEW_GROUPS,
)

Span = tuple[int, int]


@dataclass
class TaskOutput:
    cells: dict[str, Cell] = field(default_factory=dict)  # dotted path → cell
    narrative: Optional[Narrative] = None
    meta: dict[str, Any] = field(default_factory=dict)
    statistics: Optional[list[StatisticsRow]] = None
    prose_facts: Optional[list[ProseFact]] = None
    span: Optional[Span] = None  # table_span: where the model says the table is (normalized text)
    result: Optional[CallResult] = None

    @property
    def error(self) -> Optional[ErrorRecord]:
        if self.result is None or (self.result.error is None and self.result.value is not None):
            return None
        return ErrorRecord(stage="llm", message=self.result.error or "the model returned nothing usable")


class _NumberLocator:
    """Finds each returned number in the section, left to right, so its cell gets a real span."""

    def __init__(self, doc: Document, span: Span):
        self.doc, self.start, self.end, self.cursor = doc, span[0], span[1], span[0]

    def cell(self, value: float) -> Cell:
        number = int(value) if float(value).is_integer() else value
        text = f"{abs(number):g}" if isinstance(number, float) else str(abs(number))
        pos = self.doc.text.find(text, self.cursor, self.end)
        if pos < 0:
            pos = self.doc.text.find(text, self.start, self.end)
        span = None
        if pos >= 0:
            self.cursor = pos + len(text)
            span = self.doc.original_span(pos, pos + len(text))
        if span is None:  # not in the input: the model's value, never an invented raw text
            return Cell(value=number, raw="", span=None, source="llm", status="unverified")
        return Cell(value=number, raw=self.doc.original[span[0]:span[1]], span=span, source="llm", status="ok")


def _section(doc: Document, span: Span) -> str:
    return doc.text[span[0]:span[1]].strip()


def narrative(client: LLMClient, doc: Document, span: Span) -> TaskOutput:
    stop = NARRATIVE_STOP.search(doc.text, span[0], span[1])
    span = (span[0], stop.start()) if stop else span  # never send a signature or an appended table
    text = _section(doc, span)
    result = client.fill(render("narrative", text), NarrativeOut, {"section_text": text})
    out = TaskOutput(result=result)
    if isinstance(result.value, NarrativeOut):
        problems, improvements = _full_items(doc, span, result.value.problems, result.value.improvements)
        out.narrative = Narrative(problems=problems, improvements=improvements, method="llm")
    return out


_MARKER_BEFORE = re.compile(r"(?:[一二三四五六七八九十]是|\([一二三四五六七八九十]\)|\d{1,2}[、.])\s*$")


def _anchor(doc: Document, span: Span, text: str) -> Optional[int]:
    """Where the quoted item starts, moved back over its list marker (一是, （一）, 1.) if it has one."""
    probe = re.sub(r"\s", "", text)[:12]
    m = re.search(r"\s*".join(map(re.escape, probe)), doc.text[span[0]:span[1]]) if probe else None
    if not m:
        return None
    pos = span[0] + m.start()
    marker = _MARKER_BEFORE.search(doc.text, max(span[0], pos - 6), pos)
    return marker.start() if marker else pos


def _full_items(doc: Document, span: Span, problems: list[str], improvements: list[str]) -> tuple[list[Item], list[Item]]:
    """The model decides which items there are; the text gives each item whole: from where the model's
    quote starts to where the next item starts (small models often quote only an item's heading)."""
    stop = NARRATIVE_STOP.search(doc.text, span[0], span[1])
    end_of_section = stop.start() if stop else span[1]
    anchored = [(pos, kind, t) for kind, texts in (("p", problems), ("i", improvements)) for t in texts
                if (pos := _anchor(doc, span, t)) is not None]
    anchored.sort()
    out: dict[str, list[Item]] = {"p": [], "i": []}
    for n, (pos, kind, _) in enumerate(anchored):
        end = anchored[n + 1][0] if n + 1 < len(anchored) else end_of_section
        paragraph_end = doc.text.find("\n", pos, end)
        if n + 1 == len(anchored) and paragraph_end > pos:
            end = paragraph_end
        o = doc.original_span(pos, end)
        piece = doc.original[o[0]:o[1]]
        trimmed = piece.rstrip().rstrip("；;，,")
        o = (o[0], o[0] + len(trimmed))
        if trimmed.strip():
            out[kind].append(Item(text=trimmed.strip(), span=o, source="llm"))
    return out["p"], out["i"]


_GRID_TABLES = {
    "applications": ("table 三 收到和处理政府信息公开申请情况",
                     "every row's 总计 (total) equals the sum of its first six numbers; per column, "
                     "new_received + carried_over = results_total + carried_forward."),
    "review_litigation": ("table 四 政府信息公开行政复议、行政诉讼情况",
                          "In each group total = upheld + corrected + other + pending."),
    "active_disclosure": ("table 二 主动公开政府信息情况", "本年增/减 is signed (减39项 → -39)."),
}


def _grid_messages(table: str, views: "dict[str, RowView]", wanted: set[str], answer: str) -> tuple[list, str]:  # type: ignore[type-arg]
    """The chat messages of a table task that shows the located grid (hybrid), and the text its
    numbers are checked against (the compact table)."""
    title, equations = _GRID_TABLES[table]
    text = compact(views, wanted)
    columns = " | ".join(dict.fromkeys(c for v in views.values() for c in v.columns)) if table != "active_disclosure" \
        else "per sub-table, as listed below"
    return render("table_grid", text, table=title, columns=columns, answer=answer, equations=equations), text


LOCATE_MAX_CHARS = 6000  # the numbered text a table_span call may send (about 4,000 tokens)
_LOCATE_LINE = 60  # characters of a line shown


def _numbered_lines(doc: Document) -> tuple[str, list[Span], set[int]]:
    """The report as numbered lines (blank lines left out, long lines cut), within LOCATE_MAX_CHARS: where
    the whole text is longer, the lines of prose (over 30 characters, no digit) are left out; their
    numbers stay, so a number always names the same line. Returns the text, each number's span and the
    numbers of the lines holding a digit."""
    lines = [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", doc.text) if m.group().strip()]
    digits = {i + 1 for i, (a, b) in enumerate(lines) if re.search(r"\d", doc.text[a:b])}

    def show(keep):  # type: ignore[no-untyped-def]
        return "\n".join(f"{i + 1}: {doc.text[a:b].strip()[:_LOCATE_LINE]}" for i, (a, b) in enumerate(lines) if keep(i, a, b))
    text = show(lambda i, a, b: True)
    if len(text) > LOCATE_MAX_CHARS:
        text = show(lambda i, a, b: i + 1 in digits or len(doc.text[a:b].strip()) <= 30)
    return text, lines, digits


def _labels(table: str, era: str) -> list[str]:
    if table == "review_litigation":
        return ["行政复议", "未经复议直接起诉", "复议后起诉", "结果维持", "尚未审结"]
    return [spec.label for _, spec, _ in _template_rows(table, era)]


def table_printed(doc: Document, table: str, era: str, span: Optional[Span]) -> bool:
    """Worth asking where the table is: the text prints two of its row labels (whitespace aside), or its
    section was found and prints one. A fragment that stops before the table is not asked about."""
    text = re.sub(r"\s", "", doc.text)
    section = re.sub(r"\s", "", doc.text[span[0]:span[1]]) if span is not None else ""
    labels = [re.sub(r"\s", "", label) for label in _labels(table, era)]
    return sum(label in text for label in labels) >= 2 or any(label in section for label in labels)


def table_span(client: LLMClient, doc: Document, table: str, era: str) -> TaskOutput:
    """Where is ``table`` printed? Asked (hybrid) only when the rules located none of its rows; the answer
    is a range of lines, which the rules' fitter then reads (``grounding.locate(pointed=True)``)."""
    text, lines, digits = _numbered_lines(doc)
    if not lines or len(text) > LOCATE_MAX_CHARS:
        return TaskOutput()
    title, _ = _GRID_TABLES[table]
    labels = "、".join(_labels(table, era)[:6])
    result = client.fill(render("table_locate", text, table=title, labels=labels), TableSpanOut,
                         {"line_count": len(lines), "lines_with_numbers": digits})
    out = TaskOutput(result=result)
    value = result.value
    if isinstance(value, TableSpanOut) and result.error is None and value.found:
        out.span = (lines[value.first_line - 1][0], lines[value.last_line - 1][1])
    return out


def applications(client: LLMClient, doc: Document, span: Span, era: str,
                 views: "Optional[dict[str, RowView]]" = None, wanted: Optional[set[str]] = None) -> TaskOutput:
    """``views``/``wanted`` (hybrid): show the located grid and ask for the ``wanted`` rows only."""
    rows = [r for r in APPLICATIONS[era].rows if wanted is None or f"applications.{r.key}" in wanted]
    context = {"row_keys": [r.key for r in rows], "result_rows": RESULT_ROWS[era]}
    if views is not None:
        messages, text = _grid_messages("applications", views, wanted or set(), "Give one entry per marked row: "
                                        "its row key and exactly 7 numbers.")
    else:
        text = _section(doc, span)
        listing = "\n".join(f"- {r.key}: {r.ordinal}{r.label}" for r in rows)
        messages = render("applications", text, rows=listing)
    context["section_text"] = text
    result = client.fill(messages, ApplicationsOut, context)
    out = TaskOutput(result=result)
    if isinstance(result.value, ApplicationsOut):
        locate = _NumberLocator(doc, span)
        for row in result.value.rows:
            if row.row in context["row_keys"] and len(row.values) == len(APPLICATION_COLUMNS):
                for col, v in zip(APPLICATION_COLUMNS, row.values):
                    out.cells[f"applications.{row.row}.{col}"] = locate.cell(v)
    return out


def review(client: LLMClient, doc: Document, span: Span, views: "Optional[dict[str, RowView]]" = None,
           wanted: Optional[set[str]] = None) -> TaskOutput:
    if views is not None:
        messages, text = _grid_messages("review_litigation", views, wanted or set(views),
                                        "Give the three groups, each with its five numbers.")
    else:
        text = _section(doc, span)
        messages = render("review", text)
    result = client.fill(messages, ReviewOut, {"section_text": text})
    out = TaskOutput(result=result)
    if isinstance(result.value, ReviewOut):
        locate = _NumberLocator(doc, span)
        for group in REVIEW_GROUPS:
            values = getattr(result.value, group)
            for col in REVIEW_COLUMNS:
                out.cells[f"review_litigation.{group}.{col}"] = locate.cell(getattr(values, col))
    return out


def active_disclosure(client: LLMClient, doc: Document, span: Span, era: str,
                      only: Optional[set[str]] = None, views: "Optional[dict[str, RowView]]" = None) -> TaskOutput:
    """``only``: the dotted cell paths wanted (hybrid asks just for the rows rules could not settle)."""
    wanted = [(s, r) for s in ACTIVE_DISCLOSURE[era] for r in s.rows
              if only is None or any(p.startswith(f"active_disclosure.{s.key}.{r.key}.") for p in only)]
    listing = "\n".join(f"- sub_table {s.key} ({s.heading}), row {r.key} ({r.label}): {len(s.columns)} numbers "
                        f"for columns {', '.join(s.columns)}" for s, r in wanted)
    if views is not None:
        rows = {f"active_disclosure.{s.key}.{r.key}" for s, r in wanted}
        messages, text = _grid_messages("active_disclosure", views, rows,
                                        "Give one entry per marked row: its sub_table key, row key and numbers:\n" + listing)
    else:
        text = _section(doc, span)
        messages = render("active_disclosure", text, rows=listing)
    context = {"section_text": text, "row_widths": {(s.key, r.key): len(s.columns) for s, r in wanted}}
    result = client.fill(messages, ActiveOut, context)
    out = TaskOutput(result=result)
    if isinstance(result.value, ActiveOut):
        locate = _NumberLocator(doc, span)
        columns = {(s.key, r.key): s.columns for s, r in wanted}
        for row in result.value.rows:
            cols = columns.get((row.sub_table, row.row))
            if cols and len(row.values) == len(cols):
                for col, v in zip(cols, row.values):
                    out.cells[f"active_disclosure.{row.sub_table}.{row.row}.{col}"] = locate.cell(v)
    return out


def meta(client: LLMClient, doc: Document) -> TaskOutput:
    text = doc.text[:1200].strip()
    result = client.fill(render("meta", text), MetaOut, {"section_text": text})
    out = TaskOutput(result=result)
    if isinstance(result.value, MetaOut) and result.error is None:  # unverified metadata is no metadata
        out.meta = result.value.model_dump(exclude_none=True)
        date = out.meta.get("published_date")
        if date and not _labelled_date(text, date):
            out.meta.pop("published_date")  # a date in the prose (a deadline, a meeting) is not the publication date
    return out


def _labelled_date(text: str, date: str) -> bool:
    y, m, d = date.split("-")
    pattern = rf"{y}\s*[-/.年]\s*0?{int(m)}\s*[-/.月]\s*0?{int(d)}"
    return re.search(rf"(?:发布|日期|时间|印发)[^\n]{{0,12}}{pattern}|^\s*{pattern}\s*日?\s*$", text, re.M) is not None


def statistics(client: LLMClient, doc: Document, span: Span) -> TaskOutput:
    """The legacy 统计表: rows as printed; keys by the same indicator matching as the rules."""
    text = _section(doc, span)
    result = client.fill(render("legacy_statistics", text), StatisticsOut, {"section_text": text})
    out = TaskOutput(result=result)
    if isinstance(result.value, StatisticsOut):
        locate = _NumberLocator(doc, span)
        rows = []
        for row in result.value.rows:
            value = locate.cell(row.value) if row.value is not None else Cell.missing()
            cumulative = locate.cell(row.cumulative) if row.cumulative is not None else None
            rows.append(StatisticsRow(label=row.label, key=indicator_key(row.label, False), unit=row.unit,
                                      value=value, cumulative=cumulative))
        out.statistics = rows
    return out


# A sentence with a count (a number and its unit) or a statement that something did not happen.
_NUMBER_SENTENCE = re.compile(r"[^。；;\n]*(?:\d+(?:\.\d+)?\s*(?:万元|元|" + "|".join(COUNT_UNITS)
                              + r")(?![\d%])|(?:未|没有|无)(?:收到|发生|出现|接到|产生|因)|不收费|未收取)[^。；;\n]*[。；;]?")


def prose_facts(client: LLMClient, doc: Document, skip: list[Span]) -> TaskOutput:
    """Legacy prose facts. Only the sentences that hold a number or a negation are sent (most of a
    legacy report is description with no figure in it); ``skip`` are original-text spans not to send."""
    sentences = [m for m in _NUMBER_SENTENCE.finditer(doc.text)
                 if m.group().strip() and not in_spans(doc, m.start(), skip)]
    text = "\n".join(m.group().strip() for m in sentences)
    if not text:
        return TaskOutput()
    result = client.fill(render("prose_facts", text), ProseFactsOut, {"section_text": text})
    out = TaskOutput(result=result)
    if isinstance(result.value, ProseFactsOut):
        out.prose_facts = []
        for fact in result.value.facts:
            if any(f.key == fact.key for f in out.prose_facts):
                continue
            out.prose_facts.append(ProseFact(key=fact.key, value=_quoted_value(doc, fact.quote, fact.value)))
    return out


def _quoted_value(doc: Document, quote: str, value: float) -> Cell:
    """The value's cell, its span on the number inside the quote (or on the quote, for a stated zero)."""
    number = int(value) if float(value).is_integer() else value
    at = doc.text.find(quote.strip())
    span: Optional[tuple[int, int]] = None
    if at >= 0:
        digits = f"{number:g}" if isinstance(number, float) else str(number)
        m = re.search(rf"(?<![\d.]){re.escape(digits)}(?![\d.])", quote.strip())
        start, end = (at + m.start(), at + m.end()) if m else (at, at + len(quote.strip()))
        span = doc.original_span(start, end)
    raw = doc.original[span[0]:span[1]] if span else quote
    return Cell(value=number, raw=raw, span=span, source="llm")
