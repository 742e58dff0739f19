"""The rules pipeline: source → Document → sections → tables / narrative / meta → findings."""
from __future__ import annotations

import hashlib
import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING, Optional, Union

from giextract.core.grid import Grid
from giextract.core.model import ErrorRecord, Finding, OtherMatters, ProcessingFee, Report, Section, SourceInfo
from giextract.grids.text import text_grids
from giextract.ingest import clean, normalize
from giextract.ingest.documents import READERS, read_document
from giextract.ingest.normalize import Document
from giextract.meta import extract_meta
from giextract.narrative import split_narrative
from giextract.prose_facts import extract_prose_facts
from giextract.rules.prose import o14, u6
from giextract.rules.validate import validate
from giextract.sections import RawSection, detect_era, find_sections, output_sections, section_text
from giextract.tables.active import parse_active_disclosure
from giextract.tables.applications import parse_applications
from giextract.tables.empty import empty_table
from giextract.tables.fit import BLANK_UNKNOWN, fit_active, fit_applications, fit_review, merge_fit, prefer_fit
from giextract.tables.fit_statistics import fit_statistics, prefer_statistics_fit
from giextract.tables.legacy_stats import parse_statistics_table
from giextract.tables.review import parse_review
from giextract.tables.shape import skeleton
from giextract.templates.sections import SECTION_TITLES

if TYPE_CHECKING:
    from giextract.llm.client import LLMClient

log = logging.getLogger(__name__)
MAX_CHARS = 2_000_000  # a report is ~10k characters; far beyond this is not one report
_FEE = re.compile(r"信息处理费[^。]{0,20}?(\d+(?:\.\d+)?)\s*(万元|元)|(?P<none>(?:无|未|没有|不)[^。]{0,12}?(?:收取|收费)[^。]{0,12}?(?:信息处理费|费用))|(?P<none2>信息处理费[^。]{0,6}?(?:0|零)\s*元)")


def _read(source: Union[str, Path]) -> tuple[str, Optional[str], Optional[str], Optional[str], Optional[str],
                                             list[Grid], Optional[str]]:
    """(text, path, encoding, extracted_with, file sha256, grids, truncation note). A short one-line str
    naming a file is a path."""
    looks_like_path = isinstance(source, Path) or (
        isinstance(source, str) and len(source) < 4096 and "\n" not in source
        and Path(source).suffix.lower() in (".txt", ".text", ".md", *READERS))
    if looks_like_path:
        path = Path(source)
        read = read_document(path)
        return read.text, str(path), read.encoding, read.how, read.sha256, read.grids, read.truncated
    return str(source), None, None, None, None, [], None


def _paths(name: str, table: dict) -> list[tuple[str, object]]:  # type: ignore[type-arg]
    """(dotted path, cell) of every cell in a table's nested dict."""
    out: list[tuple[str, object]] = []
    for key, value in table.items():
        if isinstance(value, dict):
            out += _paths(f"{name}.{key}", value)
        else:
            out.append((f"{name}.{key}", value))
    return out


def _where_the_table_belongs(doc: Document, raw: list[RawSection], name: str) -> Optional[tuple[int, int]]:
    """A table whose section heading is missing (a page cut above it, a heading worded past
    recognition) is searched between the last section before its place in the template and the next
    one after it. Table 三's reader is anchored on long, specific row labels, so that stretch may be
    wide; table 二's short labels (规章, 行政许可) occur in prose, so its stretch starts at its first
    sub-table heading (第二十条第…项). Table 四 has no labels: it needs its heading or a grid."""
    if name not in ("applications", "active_disclosure"):
        return None
    order = list(SECTION_TITLES)
    place = order.index(name)
    before = [s for s in raw if order.index(s.key) < place]
    after = [s for s in raw if order.index(s.key) > place]
    start = before[-1].body_start if before else 0
    end = after[0].start if after else len(doc.text)
    if name == "active_disclosure":
        start = doc.text.find("第二十条", start, end)
        if start < 0:
            return None
    return (start, end) if start < end else None


def _tables(doc: Document, raw: list[RawSection], era: str, report: Report) -> None:
    findings: list[Finding] = []
    if era in ("2019", "2021"):
        stages = (
            ("active_disclosure", ("active_disclosure",), lambda s, e: parse_active_disclosure(doc, s, e, era)),
            ("applications", ("applications",), lambda s, e: parse_applications(doc, s, e, era)),
            ("review_litigation", ("review_litigation",), lambda s, e: parse_review(doc, s, e)),
        )
        grids = doc.grids or text_grids(doc)  # a structured reader's grids, else tables recovered from text
        fits = {"active_disclosure": fit_active(doc, grids, era), "applications": fit_applications(doc, grids, era),
                "review_litigation": fit_review(doc, grids)} if grids else {}
        # The text readers close up empty positions; over an OCR grid that would shift numbers.
        ocr = any(g.kind in BLANK_UNKNOWN for g in doc.grids)
        for name, keys, parse in stages:
            span = section_text(doc, raw, *keys) or _where_the_table_belongs(doc, raw, name)
            table, table_findings = parse(*span) if span and not ocr else (None, [])
            fit = merge_fit(name, fits.get(name), table, table_findings, era)
            if prefer_fit(name, fit, table, era):
                table, table_findings = fit.values, fit.findings  # type: ignore[union-attr]
            if table is None and span and not ocr and (empty := empty_table(doc, name, era, *span)):
                table, table_findings = empty  # labels printed, no value among them: blank as printed
            findings += table_findings
            if table is None:
                # Not read is not blank: the table keeps its full shape, every cell unread.
                table = skeleton(name, era)
                findings.append(Finding(rule="missing_table", severity="error",
                                        cells=[p for p, _ in _paths(name, table)],
                                        message=f"{name}: the {era}-format report has no readable table here"
                                                + ("" if span else " (its section heading was not found)")))
            setattr(report, name, table)
    else:
        span = section_text(doc, raw, "statistics_table")
        rows, table_findings = parse_statistics_table(doc, span[0] if span else None, len(doc.text))
        fitted = fit_statistics(doc, doc.grids or text_grids(doc))
        if prefer_statistics_fit(fitted, rows):
            rows, table_findings = fitted, []
        report.statistics_table = rows
        findings += table_findings
        if rows and not any(sec.key == "statistics_table" for sec in report.sections) and rows[0].span:
            # The table stands under a sub-heading (附件1 / (二)附表), not a numbered section of its own.
            report.sections.append(Section(key="statistics_table", heading="统计表",
                                           span=(rows[0].span[0], rows[-1].span[1] if rows[-1].span else rows[0].span[1])))
        not_prose = [s.span for s in report.sections if s.key in ("statistics_table", "problems_improvements")]
        report.prose_facts = extract_prose_facts(doc, not_prose)
    report.findings += findings


def _other_matters(doc: Document, raw: list[RawSection]) -> Optional[OtherMatters]:
    span = section_text(doc, raw, "other_matters")
    if span is None:
        return None
    body = doc.text[span[0]:span[1]]
    o = doc.original_span(*span)
    fee = ProcessingFee(text=None)
    m = _FEE.search(body)
    if m:
        fee.text = m.group(0)
        if m.group("none") or m.group("none2"):
            fee.charged, fee.amount_yuan = False, 0
        else:
            amount = float(m.group(1)) * (10000 if m.group(2) == "万元" else 1)
            fee.charged, fee.amount_yuan = amount > 0, int(amount) if amount.is_integer() else amount
    return OtherMatters(text=doc.original[o[0]:o[1]].strip(), information_processing_fee=fee)


def extract_text(text: str, path: Optional[str] = None, encoding: Optional[str] = None,
                 mode: str = "rules", llm: "Optional[LLMClient]" = None, extracted_with: Optional[str] = None,
                 file_sha256: Optional[str] = None, grids: "Optional[list[Grid]]" = None) -> Report:
    """Extract one report. ``mode``: ``rules`` (offline), ``llm`` (the model fills every section) or
    ``hybrid`` (rules first; the model fills what rules could not, and the narrative)."""
    if mode not in ("rules", "llm", "hybrid", "naive"):  # naive: the benchmark's one-call baseline
        raise ValueError(f"mode {mode!r}: choose rules, llm or hybrid")
    if mode != "rules" and llm is None:
        raise ValueError(f"mode {mode!r} needs an LLM client (giextract.llm.LLMClient)")
    report = Report(source=SourceInfo(path=path, sha256=file_sha256 or hashlib.sha256(text.encode("utf-8")).hexdigest(),
                                      chars=len(text), encoding=encoding, extracted_with=extracted_with))
    if not text.strip():
        report.errors.append(ErrorRecord(stage="ingest", message="empty input: the file has no text"))
        return report
    if len(text) > MAX_CHARS:
        report.findings.append(Finding(rule="truncated", severity="warning",
                                       message=f"input has {len(text)} characters; only the first {MAX_CHARS} were read"))
        text = text[:MAX_CHARS]
    if encoding and encoding.startswith("mixed"):
        report.findings.append(Finding(rule="encoding", severity="warning",
                                       message=f"the file mixes encodings ({encoding}); each line was decoded on its own"))
    parsed = normalize(text)
    parsed.grids = [g for g in grids or [] if g.span is None or g.span[1] <= len(text)]
    doc, _ = clean(parsed)
    raw = find_sections(doc)
    report.sections = output_sections(doc, raw)
    report.meta = extract_meta(doc, "legacy")
    era = detect_era(doc.text, report.meta.report_year)
    report.meta.era = era  # type: ignore[assignment]
    if not raw and "政府信息公开" not in doc.text:
        report.errors.append(ErrorRecord(stage="sections", message="not a government information-disclosure report: "
                                                                   "no section headings and no mention of 政府信息公开"))
        return report
    _tables(doc, raw, era, report)
    problems = section_text(doc, raw, "problems")
    improvements = section_text(doc, raw, "improvements")
    report.problems_improvements = split_narrative(doc, problems, improvements)
    report.other_matters = _other_matters(doc, raw)
    # read (above) → draft report → validate → LLM stage → validate again → report
    checked = validate(report)
    report.findings += checked
    if mode == "naive":
        from giextract.llm.naive import apply_naive

        if era in ("2019", "2021"):  # the model fills a blank template: every cell unread until it answers
            for name in ("active_disclosure", "applications", "review_litigation"):
                setattr(report, name, skeleton(name, era))
        else:
            report.active_disclosure = report.applications = report.review_litigation = None
        report.findings = [f for f in report.findings if f.rule in ("encoding", "truncated")]
        report.findings += apply_naive(report, doc, era, llm)  # type: ignore[arg-type]
    elif mode != "rules":
        from giextract.core.draft import draft_of
        from giextract.llm.stage import apply_llm  # only LLM modes import openai/instructor

        draft = draft_of(report)  # per cell, why the rules' reading is in doubt
        report.findings += apply_llm(report, doc, raw, era, llm, hybrid=mode == "hybrid", draft=draft)  # type: ignore[arg-type]
    if mode != "rules":  # the first validation described the draft; validate what the stage left
        report.findings = [f for f in report.findings if not any(f is c for c in checked)] + validate(report)
    prose = section_text(doc, raw, "overview")
    if prose:
        report.findings += u6(report, doc.text[prose[0]:prose[1]])
    report.findings += o14(doc.text)
    return report


def extract(source: Union[str, Path], mode: str = "rules", llm: "Optional[LLMClient]" = None) -> Report:
    """Extract a report from a text or a path to a text file. Unreadable input raises InputError."""
    text, path, encoding, how, digest, grids, truncated = _read(source)
    report = extract_text(text, path, encoding, mode=mode, llm=llm, extracted_with=how, file_sha256=digest,
                          grids=grids)
    if truncated:
        report.findings.append(Finding(rule="truncated", severity="warning", message=truncated))
    return report
