"""Section tasks: each sends one section to the model and turns the validated answer into cells/items
with ``source="llm"`` and spans found in the original text."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Optional

from giextract.core.model import Cell, ErrorRecord, Item, Narrative
from giextract.ingest.normalize import Document
from giextract.llm.client import CallResult, LLMClient
from giextract.llm.prompts import render
from giextract.llm.schemas import ActiveOut, ApplicationsOut, MetaOut, NarrativeOut, ReviewOut
from giextract.templates.tables import (
    ACTIVE_DISCLOSURE, APPLICATION_COLUMNS, APPLICATIONS, RESULT_ROWS, REVIEW_COLUMNS, REVIEW_GROUPS,
)

Span = tuple[int, int]


@dataclass
class TaskOutput:
    cells: dict[str, Cell] = field(default_factory=dict)  # dotted path → cell
    narrative: Optional[Narrative] = None
    meta: dict[str, Any] = field(default_factory=dict)
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

    def cell(self, value: float, flagged: bool) -> Cell:
        number = int(value) if float(value).is_integer() else value
        text = f"{abs(number):g}" if isinstance(number, float) else str(abs(number))
        pos = self.doc.text.find(text, self.cursor, self.end)
        if pos < 0:
            pos = self.doc.text.find(text, self.start, self.end)
        span = None
        if pos >= 0:
            self.cursor = pos + len(text)
            span = self.doc.original_span(pos, pos + len(text))
        raw = self.doc.original[span[0]:span[1]] if span else text
        return Cell(value=number, raw=raw, span=span, source="llm", status="ok",
                    candidates=[] if not flagged else [])


def _section(doc: Document, span: Span) -> str:
    return doc.text[span[0]:span[1]].strip()


def narrative(client: LLMClient, doc: Document, span: Span) -> TaskOutput:
    text = _section(doc, span)
    result = client.fill(render("narrative", text), NarrativeOut, {"section_text": text})
    out = TaskOutput(result=result)
    if isinstance(result.value, NarrativeOut):
        out.narrative = Narrative(problems=_items(doc, span, result.value.problems),
                                  improvements=_items(doc, span, result.value.improvements))
    return out


def _items(doc: Document, span: Span, texts: list[str]) -> list[Item]:
    items = []
    for text in texts:
        probe = re.sub(r"\s", "", text)[:12]
        m = re.search(r"\s*".join(map(re.escape, probe)), doc.text[span[0]:span[1]]) if probe else None
        if m:
            start = span[0] + m.start()
            end = min(start + len(text), span[1])
            o = doc.original_span(start, end)
            items.append(Item(text=doc.original[o[0]:o[1]].strip(), span=o, source="llm"))
        else:
            items.append(Item(text=text, span=(span[0], span[0]), source="llm"))
    return items


def applications(client: LLMClient, doc: Document, span: Span, era: str) -> TaskOutput:
    text = _section(doc, span)
    rows = APPLICATIONS[era].rows
    listing = "\n".join(f"- {r.key}: {r.ordinal}{r.label}" for r in rows)
    context = {"section_text": text, "row_keys": [r.key for r in rows], "result_rows": RESULT_ROWS[era]}
    result = client.fill(render("applications", text, rows=listing), ApplicationsOut, context)
    out = TaskOutput(result=result)
    if isinstance(result.value, ApplicationsOut):
        locate = _NumberLocator(doc, span)
        for row in result.value.rows:
            if row.row in context["row_keys"] and len(row.values) == len(APPLICATION_COLUMNS):
                for col, v in zip(APPLICATION_COLUMNS, row.values):
                    out.cells[f"applications.{row.row}.{col}"] = locate.cell(v, result.error is not None)
    return out


def review(client: LLMClient, doc: Document, span: Span) -> TaskOutput:
    text = _section(doc, span)
    result = client.fill(render("review", text), ReviewOut, {"section_text": text})
    out = TaskOutput(result=result)
    if isinstance(result.value, ReviewOut):
        locate = _NumberLocator(doc, span)
        for group in REVIEW_GROUPS:
            values = getattr(result.value, group)
            for col in REVIEW_COLUMNS:
                out.cells[f"review_litigation.{group}.{col}"] = locate.cell(getattr(values, col), result.error is not None)
    return out


def active_disclosure(client: LLMClient, doc: Document, span: Span, era: str) -> TaskOutput:
    text = _section(doc, span)
    subs = ACTIVE_DISCLOSURE[era]
    listing = "\n".join(f"- {s.key} {s.heading}: rows {', '.join(f'{r.key} ({r.label})' for r in s.rows)}; "
                        f"columns {', '.join(s.columns)}" for s in subs)
    result = client.fill(render("active_disclosure", text, rows=listing), ActiveOut, {"section_text": text})
    out = TaskOutput(result=result)
    if isinstance(result.value, ActiveOut):
        locate = _NumberLocator(doc, span)
        columns = {(s.key, r.key): s.columns for s in subs for r in s.rows}
        for row in result.value.rows:
            cols = columns.get((row.sub_table, row.row))
            if cols and len(row.values) == len(cols):
                for col, v in zip(cols, row.values):
                    out.cells[f"active_disclosure.{row.sub_table}.{row.row}.{col}"] = locate.cell(v, result.error is not None)
    return out


def meta(client: LLMClient, doc: Document) -> TaskOutput:
    text = doc.text[:1200].strip()
    result = client.fill(render("meta", text), MetaOut, {"section_text": text})
    out = TaskOutput(result=result)
    if isinstance(result.value, MetaOut):
        out.meta = result.value.model_dump(exclude_none=True)
    return out
