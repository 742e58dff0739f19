"""Splitting a report into canonical sections, and telling its era."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from giextract.core.model import Section
from giextract.ingest.normalize import Document
from giextract.templates.patterns import CN_DIGITS, chinese_ordinal_value, compile_loose, loose
from giextract.templates.sections import ERA_MARKERS, MODERN_MARKERS, OUTPUT_KEY, SECTION_TITLES


@dataclass(frozen=True)
class RawSection:
    key: str  # internal key (problems / improvements kept apart)
    heading: str
    start: int  # normalized offsets
    end: int
    body_start: int


def _heading_regex() -> "re.Pattern[str]":
    alternatives = []
    for key, titles in SECTION_TITLES.items():
        alternatives.append(f"(?P<{key}>" + "|".join(loose(t) for t in titles) + ")")
    # An ordinal (一、 or 七、), then within a short stretch of the same line, a title word.
    return re.compile(
        rf"(?<![{CN_DIGITS}第])(?P<ord>[{CN_DIGITS}]{{1,3}})\s*[、.．]\s*"
        rf"(?P<lead>[^\n、。；;0-9]{{0,24}}?)(?:{'|'.join(alternatives)})",
        re.M,
    )


_HEADING = _heading_regex()
# The order of the 2019/2021 template's sections (problems and improvements share 五).
_TEMPLATE_ORDER = ("overview", "active_disclosure", "applications", "review_litigation", "problems",
                   "improvements", "other_matters")
_HEADING_TAIL = re.compile(r"[^\n。，,；;\d]{0,16}?(?:情况|措施|事项|建议|概述|附表|统计表)|")


def find_sections(doc: Document) -> list[RawSection]:
    text = doc.text
    candidates = []
    for m in _HEADING.finditer(text):
        key = next(k for k in SECTION_TITLES if m.group(k))
        # 依申请公开 inside a 主动公开 heading (or the reverse) is the same heading seen twice; the lead
        # must not already contain another section's title word.
        candidates.append((m.start(), chinese_ordinal_value(m.group("ord")), key, m))
    chosen: list[tuple[int, int, str, re.Match[str]]] = []
    last_ord = 0
    for cand in candidates:
        pos, ordv, key, m = cand
        if ordv <= last_ord or ordv > last_ord + 3:
            if not _misnumbered_heading(text, cand, chosen):
                continue
        chosen.append(cand)
        last_ord = max(ordv, last_ord)
    sections: list[RawSection] = []
    for i, (pos, _, key, m) in enumerate(chosen):
        end = chosen[i + 1][0] if i + 1 < len(chosen) else len(text)
        line_end = text.find("\n", m.end())
        line_end = len(text) if line_end < 0 else line_end
        # A heading is its own line when the line is short; in one-line scrapes it ends at the title.
        tail = _HEADING_TAIL.match(text, m.end())
        heading_end = line_end if line_end - pos <= 40 and "。" not in text[pos:line_end] else tail.end()
        sections.append(RawSection(key, text[pos:heading_end].strip(), pos, end, heading_end))
    return sections


def _misnumbered_heading(text: str, cand: tuple[int, int, str, "re.Match[str]"],
                         chosen: list[tuple[int, int, str, "re.Match[str]"]]) -> bool:
    """A heading whose number breaks the sequence (a typo, a repeated or skipped number) is still the
    next section when it stands on its own line and its title is the next one the template expects."""
    pos, _, key, _ = cand
    if key not in _TEMPLATE_ORDER or any(c[2] == key for c in chosen):
        return False
    line_start = text.rfind("\n", 0, pos) + 1
    if text[line_start:pos].strip():
        return False
    last = next((c[2] for c in reversed(chosen) if c[2] in _TEMPLATE_ORDER), None)
    return last is None or _TEMPLATE_ORDER.index(key) > _TEMPLATE_ORDER.index(last)


def output_sections(doc: Document, raw: list[RawSection]) -> list[Section]:
    out: list[Section] = []
    for s in raw:
        key = OUTPUT_KEY.get(s.key, s.key)
        span = doc.original_span(s.start, s.end)
        if out and out[-1].key == key:
            # Two headings for one canonical section (问题 + 建议, 重点领域 + 主动公开): one output section.
            out[-1] = Section(key=key, heading=out[-1].heading + "；" + s.heading,
                              span=(out[-1].span[0], span[1]))
            continue
        out.append(Section(key=key, heading=s.heading, span=span))
    return out


def section_text(doc: Document, raw: list[RawSection], *keys: str) -> Optional[tuple[int, int]]:
    """Normalized span covering the first run of sections with one of ``keys``."""
    spans = [(s.body_start, s.end) for s in raw if s.key in keys]
    if not spans:
        return None
    return spans[0][0], spans[-1][1]


def detect_era(text: str, report_year: Optional[int]) -> str:
    scores = {era: sum(1 for marker in markers if compile_loose(marker).search(text))
              for era, markers in ERA_MARKERS.items()}
    best = max(scores, key=lambda era: scores[era])
    if scores[best] >= 2 or (scores[best] == 1 and "第二十条" in text):
        if scores["2021"] == scores["2019"] and report_year:
            return "2021" if report_year >= 2021 else "2019"
        return best
    if "第二十条" in text and report_year and report_year >= 2019:
        return "2021" if report_year >= 2021 else "2019"
    # Headers split over cells or lines hide the markers; the tables' own row labels still tell a
    # 2019/2021-format report from a legacy one.
    if sum(1 for marker in MODERN_MARKERS if compile_loose(marker).search(text)) >= 2:
        if scores["2021"] > scores["2019"] or (report_year and report_year >= 2021):
            return "2021"
        return "2019"
    return "legacy"
