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
from giextract.tables.fit_statistics import fit_statistics, prefer_statistics_fit
from giextract.tables.legacy_stats import parse_statistics_table
from giextract.tables.read import TABLES, read_tables
from giextract.tables.shape import skeleton

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


def _tables(doc: Document, raw: list[RawSection], era: str, report: Report) -> None:
    findings: list[Finding] = []
    if era in ("2019", "2021"):
        tables, findings = read_tables(doc, raw, era)
        for name, table in tables.items():
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
            for name in TABLES:
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
