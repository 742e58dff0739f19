"""What the LLM fills: small pydantic models per section task.

They validate with the same equations as the rules path (rules/equations.py). A failed rule, or a number
that does not occur in the section text, raises a ValueError whose message names the equation and both
sides, so instructor's re-ask tells the model exactly what to fix. ``context={"section_text": ...}``
supplies the text; ``context={"lenient": True}`` parses a last failed attempt without the checks.
"""
from __future__ import annotations

import re
from typing import Any, Literal, Optional

from pydantic import BaseModel, Field, ValidationInfo, field_validator, model_validator

from giextract.rules.equations import r1_column, r2_row, r3_column, r4_group
from giextract.templates.legacy import INDICATOR_KEYS, SUM_RULES
from giextract.templates.tables import APPLICATION_COLUMNS, REVIEW_COLUMNS, REVIEW_GROUPS


def _context(info: ValidationInfo) -> dict[str, Any]:
    return info.context or {}


def _text_to_check(info: ValidationInfo) -> Optional[str]:
    """The section text without whitespace, or None when checks are off (lenient, or no text given)."""
    ctx = _context(info)
    text = re.sub(r"\s", "", ctx.get("section_text", ""))
    return None if ctx.get("lenient") or not text else text


def _occurs(value: float, text: str) -> bool:
    """The number's digits appear in the text (possibly inside a run-on string)."""
    digits = f"{value:g}" if isinstance(value, float) else str(value)
    return digits in text or digits.replace(".", "") in re.sub(r"\s", "", text)


class NarrativeOut(BaseModel):
    """Problems the agency admits and the improvements it plans, quoted from the section."""

    problems: list[str] = Field(default_factory=list, description="each problem, quoted from the text")
    improvements: list[str] = Field(default_factory=list, description="each improvement measure, quoted from the text")

    @model_validator(mode="after")
    def quoted_from_text(self, info: ValidationInfo) -> "NarrativeOut":
        text = _text_to_check(info)
        if text is None:
            return self
        for kind in ("problems", "improvements"):
            for item in getattr(self, kind):
                probe = re.sub(r"\s", "", item)[:12]
                if probe and probe not in text:
                    raise ValueError(f"{kind} item {item[:30]!r} is not quoted from the section text: "
                                     "copy each item verbatim from the text")
        return self


class ApplicationsRowOut(BaseModel):
    row: str = Field(description="row key, e.g. new_received, granted, results_total")
    values: list[int] = Field(description="7 numbers: natural_person, commercial_enterprise, research_institution, "
                                          "public_interest_org, legal_service_org, other_org, total")


class ApplicationsOut(BaseModel):
    rows: list[ApplicationsRowOut]

    @model_validator(mode="after")
    def rules_hold(self, info: ValidationInfo) -> "ApplicationsOut":
        ctx = _context(info)
        if ctx.get("lenient"):
            return self
        expected = ctx.get("row_keys")
        problems = []
        by_key = {r.row: r.values for r in self.rows}
        if expected:
            missing = [k for k in expected if k not in by_key]
            if missing:
                problems.append(f"rows missing: {missing}")
        for key, values in by_key.items():
            if len(values) != len(APPLICATION_COLUMNS):
                problems.append(f"row {key} has {len(values)} numbers, needs 7")
                continue
            if r2_row(values) is False:
                problems.append(f"R2 failed in row {key}: total = {values[6]} but the six applicant columns "
                                f"sum to {sum(values[:6])}")
            text = ctx.get("section_text", "")
            for v in values:
                if text and not _occurs(v, text):
                    problems.append(f"row {key}: the number {v} does not occur in the section text")
        result_rows = ctx.get("result_rows", ())
        for col, name in enumerate(APPLICATION_COLUMNS):
            def v(k: str) -> Optional[int]:
                vals = by_key.get(k)
                return vals[col] if vals and len(vals) == 7 else None
            if r1_column(v("new_received"), v("carried_over"), v("results_total"), v("carried_forward")) is False:
                problems.append(f"R1 failed in column {name}: new_received + carried_over = "
                                f"{v('new_received') + v('carried_over')} but results_total + carried_forward = "  # type: ignore[operator]
                                f"{v('results_total') + v('carried_forward')}")  # type: ignore[operator]
            parts = [v(k) for k in result_rows]
            if result_rows and r3_column(v("results_total"), parts) is False:
                problems.append(f"R3 failed in column {name}: results_total = {v('results_total')} but the result "
                                f"rows sum to {sum(p for p in parts if p is not None)}")
        if problems:
            raise ValueError("; ".join(problems[:8]))
        return self


class ReviewGroupOut(BaseModel):
    upheld: int
    corrected: int
    other: int
    pending: int
    total: int


class ReviewOut(BaseModel):
    administrative_review: ReviewGroupOut
    litigation_direct: ReviewGroupOut
    litigation_after_review: ReviewGroupOut

    @model_validator(mode="after")
    def r4_holds(self, info: ValidationInfo) -> "ReviewOut":
        ctx = _context(info)
        if ctx.get("lenient"):
            return self
        problems = []
        text = ctx.get("section_text", "")
        for group in REVIEW_GROUPS:
            g = getattr(self, group)
            values = [getattr(g, c) for c in REVIEW_COLUMNS]
            if r4_group(values) is False:
                problems.append(f"R4 failed in {group}: total = {g.total} but upheld + corrected + other + pending "
                                f"= {sum(values[:4])}")
            absent = [f"{c} {getattr(g, c)}" for c in REVIEW_COLUMNS if text and not _occurs(getattr(g, c), text)]
            if absent:
                problems.append(f"{group}: numbers that do not occur in the section text: {absent}")
        if problems:
            raise ValueError("; ".join(problems))
        return self


class ActiveRowOut(BaseModel):
    sub_table: str = Field(description="art20_1, art20_5, art20_6, art20_8 or art20_9")
    row: str = Field(description="row key, e.g. regulations, normative_documents, administrative_licensing")
    values: list[float] = Field(description="the row's numbers in column order; 本年增/减 signed (减39项 → -39)")

    @field_validator("sub_table", "row")
    @classmethod
    def strip(cls, value: str) -> str:
        return value.strip()


class ActiveOut(BaseModel):
    rows: list[ActiveRowOut]

    @field_validator("rows")
    @classmethod
    def rows_complete(cls, rows: list[ActiveRowOut], info: ValidationInfo) -> list[ActiveRowOut]:
        ctx = _context(info)
        text = ctx.get("section_text", "")
        if ctx.get("lenient") or not text:
            return rows
        expected: dict[tuple[str, str], int] = ctx.get("row_widths", {})
        problems = []
        given = {(r.sub_table, r.row): r for r in rows}
        missing = [f"{s}.{k}" for (s, k) in expected if (s, k) not in given]
        if missing:
            problems.append(f"rows missing: {missing}")
        for (sub, key), row in given.items():
            width = expected.get((sub, key))
            if expected and width is None:
                problems.append(f"{sub}.{key} is not one of the rows asked for")
            elif width is not None and len(row.values) != width:
                problems.append(f"{sub}.{key} has {len(row.values)} numbers, its columns need {width}")
        absent = [f"{r.row}: {v:g}" for r in rows for v in r.values if not _occurs(abs(v), text)]
        if absent:
            problems.append(f"numbers that do not occur in the section text: {absent[:6]}")
        if problems:
            raise ValueError("; ".join(problems[:6]))
        return rows


class MetaOut(BaseModel):
    agency: Optional[str] = Field(None, description="the reporting body as the report names itself")
    report_year: Optional[int] = Field(None, description="the year reported on, not the publication year")
    published_date: Optional[str] = Field(None, description="YYYY-MM-DD when stated")

    @field_validator("published_date")
    @classmethod
    def iso_date(cls, value: Optional[str]) -> Optional[str]:
        """Models add times or write 2021年1月30日; keep the date, as YYYY-MM-DD."""
        if not value:
            return None
        m = re.search(r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})", value)
        return f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}" if m else value

    @model_validator(mode="after")
    def stated_in_text(self, info: ValidationInfo) -> "MetaOut":
        """Metadata the text does not state is null, never a guess."""
        text = _text_to_check(info)
        if text is None:
            return self
        problems = []
        if self.agency and re.sub(r"\s", "", self.agency) not in text:
            problems.append(f"agency {self.agency!r} does not occur in the text: give null or the name as printed")
        if self.report_year and f"{self.report_year}年" not in text:
            problems.append(f"report_year {self.report_year} is not stated in the text (no '{self.report_year}年'): give null")
        if self.published_date:
            y, m, d = (self.published_date.split("-") + ["", "", ""])[:3]
            if not (y in text and m.lstrip("0") in text and d.lstrip("0") in text):
                problems.append(f"published_date {self.published_date} is not stated in the text: give null")
        if problems:
            raise ValueError("; ".join(problems))
        return self


class StatisticsRowOut(BaseModel):
    label: str
    unit: Optional[str] = None
    value: Optional[float] = None
    cumulative: Optional[float] = None


class StatisticsOut(BaseModel):
    rows: list[StatisticsRowOut]

    @field_validator("rows")
    @classmethod
    def numbers_occur(cls, rows: list[StatisticsRowOut], info: ValidationInfo) -> list[StatisticsRowOut]:
        text = _text_to_check(info)
        if text is None:
            return rows
        problems = [f"{r.label}: {v:g} does not occur in the section text"
                    for r in rows for v in (r.value, r.cumulative) if v is not None and not _occurs(v, text)]
        problems += [f"{r.label}: cumulative {r.cumulative:g} is below this year's {r.value:g}"
                     for r in rows if r.value is not None and r.cumulative is not None and r.cumulative < r.value]
        if problems:
            raise ValueError("; ".join(problems[:6]))
        return rows


_ZERO_WORDS = re.compile(r"未|没有|无|不|零|0")


class ProseFactOut(BaseModel):
    key: Literal[INDICATOR_KEYS]  # type: ignore[valid-type]
    value: float
    quote: str = Field(description="the words of the text that state it, copied exactly")


class ProseFactsOut(BaseModel):
    """National indicators a legacy report states in its prose, each with the words that state it."""

    facts: list[ProseFactOut] = Field(default_factory=list)

    @model_validator(mode="after")
    def stated_and_consistent(self, info: ValidationInfo) -> "ProseFactsOut":
        text = _text_to_check(info)
        if text is None:
            return self
        problems = []
        values: dict[str, float] = {}
        for fact in self.facts:
            quote = re.sub(r"\s", "", fact.quote)
            if not quote or quote not in text:
                problems.append(f"{fact.key}: the quote {fact.quote[:30]!r} is not in the text: copy it exactly")
            elif not (_occurs(fact.value, quote) or (fact.value == 0 and _ZERO_WORDS.search(quote))):
                problems.append(f"{fact.key}: {fact.value:g} does not occur in its quote {fact.quote[:30]!r}")
            if values.get(fact.key, fact.value) != fact.value:
                problems.append(f"{fact.key} is given twice, as {values[fact.key]:g} and {fact.value:g}: keep the one the text states for the whole body")
            values.setdefault(fact.key, fact.value)
        for rule, parent, children in SUM_RULES:
            parts = [c for c in children if c in values]
            if parent in values and parts and sum(values[c] for c in parts) > values[parent]:
                problems.append(f"{rule} failed: {' + '.join(parts)} = {sum(values[c] for c in parts):g} "
                                f"exceeds {parent} = {values[parent]:g}")
        if problems:
            raise ValueError("; ".join(problems[:6]))
        return self


class TableSpanOut(BaseModel):
    """Where a table the rules did not find is printed: its first and last lines in the numbered text."""

    found: bool = Field(description="false when the text does not print this table")
    first_line: int = Field(0, description="number of the table's first line (its first row or header)")
    last_line: int = Field(0, description="number of the table's last line (its last row)")

    @model_validator(mode="after")
    def within_the_text(self, info: ValidationInfo) -> "TableSpanOut":
        ctx = _context(info)
        count, numbered = ctx.get("line_count"), ctx.get("lines_with_numbers")
        if ctx.get("lenient") or not count or not self.found:
            return self
        if not 1 <= self.first_line <= self.last_line <= count:
            raise ValueError(f"first_line {self.first_line}, last_line {self.last_line}: give 1 <= first_line <= "
                             f"last_line <= {count}, or found = false")
        if numbered is not None and not any(n in numbered for n in range(self.first_line, self.last_line + 1)):
            raise ValueError(f"lines {self.first_line}-{self.last_line} print no number: give the lines of the "
                             "table's rows and their numbers, or found = false")
        return self
