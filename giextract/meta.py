"""Metadata: agency, report year, title, published date, admin level."""
from __future__ import annotations

import re
from typing import Optional

from giextract.core.model import Meta
from giextract.ingest.cleanup import TITLE_SITE_SUFFIX
from giextract.ingest.normalize import Document

_REPORT_TITLE = re.compile(
    r"(?P<agency>[^\n，。,:：]{0,40}?)\s*(?:关于)?\s*(?P<year>(?:19|20)\d{2})\s*年\s*度?\s*"
    r"(?:(?P<agency2>[^\n，。,:：\d]{2,30}?))?政府信息公开(?:工作)?(?:年度)?(?:工作)?报告"
)
_TITLE_ANCHOR = re.compile(r"政府信息公开(?:工作)?(?:年度)?(?:工作)?报告")
_LABELLED_DATE = re.compile(
    r"(?:发布时间|发布日期|时间|日期)\s*[:：]\s*(?P<y>(?:19|20)\d{2})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})"
)
_LABELLED_AGENCY = re.compile(r"(?:发布机构|来源)\s*[:：][ \t]*(?P<a>[^\s:：]{2,30})")
_MADE_BY = re.compile(r"由\s*(?P<a>[^\s，。,、由]{2,30}?)\s*(?:根据[^。]{0,80}?)?(?:编制|结合有关统计数据编制)")
_CONTACT = re.compile(r"请与\s*(?P<a>[^\s，。,、]{2,20}?(?:局|委员会|厅|办公室|政府|管委会))(?:政府信息公开|信息公开|办公室|综合股)?[^。]{0,30}?联系")
# How a report names itself in its own prose: "南昌高新区通过健全…", "我区" aside.
_SELF_REFERENCE = re.compile(r"(?P<a>[\u4e00-\u9fff]{2,6}?(?:高新区|开发区|新区|实验区|区|县|市))(?:通过|坚持|认真|始终|按照|积极|高度|进一步|加大|还)")
_DATE_LINE = re.compile(r"(?m)^\s*(?P<y>(?:19|20)\d{2})\s*[.\-/年]\s*(?P<m>\d{1,2})\s*[.\-/月]\s*(?P<d>\d{1,2})\s*日?\s*$")
_PERIOD_YEAR = re.compile(r"(?:统计期限|统计时限)\s*(?:自|为|是)?\s*((?:19|20)\d{2})\s*年")
_ANY_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")

# Suffix of a non-government agency name → admin level; first match wins (department words before
# places). Governments (…人民政府, …管委会) are told by the place word before that suffix.
ADMIN_LEVELS: tuple[tuple[str, str], ...] = (
    ("局", "department"), ("厅", "department"), ("委员会", "department"), ("参事室", "department"),
    ("部", "department"), ("办公室", "department"), ("委", "department"),
    ("省", "province"), ("自治区", "province"),
    ("市", "city"), ("州", "city"), ("盟", "city"),
    ("县", "county"), ("旗", "county"),
    ("区", "district"), ("实验区", "district"), ("管委会", "other"),
)
_PLACE_LEVEL = (("省", "province"), ("市", "city"), ("县", "county"), ("区", "district"))
_GOVERNMENT = re.compile(r"(?:人民政府(?:办公室|办公厅)?|管委会(?:办公室)?)$")


def admin_level(agency: Optional[str]) -> Optional[str]:
    if not agency:
        return None
    name = agency.strip()
    if _GOVERNMENT.search(name):
        place = _GOVERNMENT.sub("", name)
        for suffix, level in _PLACE_LEVEL:
            if place.endswith(suffix):
                return level
        return "other"
    for suffix, level in ADMIN_LEVELS:
        if name.endswith(suffix):
            return level
    return None


def _clean_agency(name: str) -> Optional[str]:
    name = re.sub(r"^[\s?？\-—·]+|[\s\-—·]+$", "", name)
    name = re.sub(r"^(?:关于|本年度报告根据|本报告)", "", name)
    if len(name) < 2 or re.search(r"\d|信息公开|年度报告", name):
        return None
    return name


def extract_meta(doc: Document, era: str) -> Meta:
    text = doc.text
    head = text[:3000]
    meta = Meta(era=era)  # type: ignore[arg-type]
    title_match = None
    # Find the cheap anchor first, then try the full pattern on its own line only (the full pattern run
    # over the whole head backtracks badly where no title is found).
    for anchor in _TITLE_ANCHOR.finditer(head):
        line_start = head.rfind("\n", 0, anchor.start()) + 1
        window_start = head.rfind("\n", 0, max(0, line_start - 1)) + 1 if anchor.start() - line_start < 8 else line_start
        candidate = _REPORT_TITLE.search(head, max(window_start, anchor.start() - 120), anchor.end())
        if candidate is None:
            continue
        start = head.rfind("\n", 0, candidate.start()) + 1
        if re.fullmatch(r"\s*(?:标题[:：])?\s*[?？]?\s*", head[start:candidate.start()]):
            title_match = candidate
            break
    if title_match:
        line_start = head.rfind("\n", 0, title_match.start()) + 1
        line_end = head.find("\n", title_match.end())
        line_end = len(head) if line_end < 0 else line_end
        line = head[line_start:line_end]
        # A title stands on its own line (or starts a one-line scrape); a mention inside prose is not one.
        prefix = head[line_start:title_match.start()]
        if re.fullmatch(r"\s*(?:标题[:：])?\s*[?？]?\s*", prefix) and (len(line.strip()) <= 80 or title_match.start() == line_start):
            title = TITLE_SITE_SUFFIX.sub("", head[line_start:title_match.end()]).strip()
            title = re.sub(r"^(?:标题[:：]\s*|[?？]\s*)", "", title)
            o_start, o_end = doc.original_span(line_start + line.find(title[:2]) if title else line_start,
                                               title_match.end())
            title_text = doc.original[o_start:o_end].strip()
            lines = [ln.strip() for ln in title_text.splitlines() if ln.strip()]
            if lines and not _clean_agency(lines[0]) and len(lines) > 1:
                lines = lines[1:]  # a site banner line above the title, not the agency
            meta.title = "".join(lines) or None
            meta.report_year = int(title_match.group("year"))
        else:
            title_match = None
    if title_match:
        line_start = head.rfind("\n", 0, title_match.start()) + 1
        agency = _clean_agency(title_match.group("agency") or "") or _clean_agency(title_match.group("agency2") or "")
        if agency is None and title_match.start() == line_start:
            previous = head[:line_start].rstrip("\n").rsplit("\n", 1)[-1]
            agency = _clean_agency(previous) if 2 <= len(previous.strip()) <= 30 else None
        meta.agency = agency
    if meta.report_year is None:
        period = _PERIOD_YEAR.search(text) or _ANY_YEAR.search(head)
        if period:
            meta.report_year = int(period.group(1))
    if meta.agency is None:
        for pattern in (_LABELLED_AGENCY, _MADE_BY, _CONTACT):
            m = pattern.search(head)
            if m and (agency := _clean_agency(m.group("a"))):
                meta.agency = agency
                break
    if meta.agency is None:
        names = [m.group("a") for m in _SELF_REFERENCE.finditer(head)]
        common = max(set(names), key=names.count) if names else None
        if common and names.count(common) >= 2:
            # The fullest form of the commonest name ("南昌高新区" over "高新区").
            meta.agency = max((n for n in names if n.endswith(common)), key=len)
    date = _LABELLED_DATE.search(head) or _DATE_LINE.search(head[:400])
    if date:
        meta.published_date = f"{int(date['y']):04d}-{int(date['m']):02d}-{int(date['d']):02d}"
    if meta.agency and doc.converted_from_traditional:
        # Agency is reported as printed in the source (Traditional stays Traditional).
        idx = text.find(meta.agency)
        if idx >= 0:
            s, e = doc.original_span(idx, idx + len(meta.agency))
            meta.agency = doc.original[s:e]
    meta.admin_level = admin_level(meta.agency)
    return meta
