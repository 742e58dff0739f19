"""A complete report (title, agency, date, the sections with their headings, the tables, the narrative)
as a :class:`Document`, from one gold JSON and a seeded style."""
from __future__ import annotations

import random
from typing import Any

from giextract.evaluation.layouts.document import (Block, Document, Style, Table, _Printer, active_table,
                                                   applications_table, blank_zero_rows, label_variants,
                                                   review_table, statistics_table)
from giextract.templates.patterns import CN_DIGITS

# The template headings (DATA_DICTIONARY "Sections"); their distinctive words are SECTION_TITLES'.
HEADINGS_2019 = (
    ("overview", "总体情况"),
    ("active_disclosure", "主动公开政府信息情况"),
    ("applications", "收到和处理政府信息公开申请情况"),
    ("review_litigation", "政府信息公开行政复议、行政诉讼情况"),
    ("problems_improvements", "存在的主要问题及改进情况"),
    ("other_matters", "其他需要报告的事项"),
)
HEADINGS_LEGACY = (
    ("overview", "概述"),
    ("active_disclosure", "主动公开政府信息情况"),
    ("applications", "依申请公开政府信息情况"),
    ("review_litigation", "因政府信息公开申请行政复议、提起行政诉讼的情况"),
    ("problems_improvements", "政府信息公开工作存在的主要问题及改进措施"),
    ("other_matters", "其他需要报告的事项"),
)
SECTION_FIVE_VARIANTS = ("政府信息公开工作存在的主要问题及改进情况", "存在的问题和改进措施", "存在的主要问题及改进措施")
TYPOS = {"情况": "情況", "公开": "公幵", "主动": "主功", "申请": "申淸"}


def _ordinal(i: int) -> str:
    return CN_DIGITS[i] + "、"


def _headings(era: str, style: Style, rng: random.Random) -> list[tuple[str, str]]:
    """(section key, printed heading); with heading noise: one typo'd or lengthened heading, one section
    numbered out of order, one heading missing (a table's too), section 五 worded differently."""
    base = list(HEADINGS_LEGACY if era == "legacy" else HEADINGS_2019)
    printed = [(key, _ordinal(i) + title) for i, (key, title) in enumerate(base)]
    if not style.heading_noise:
        return printed
    i5 = next(i for i, (k, _) in enumerate(printed) if k == "problems_improvements")
    printed[i5] = (printed[i5][0], _ordinal(i5) + rng.choice(SECTION_FIVE_VARIANTS))
    victim = rng.choice([1, 2, 3])
    key, text = printed[victim]
    typo = [t for t in TYPOS if t in text]
    if typo and rng.random() < 0.5:
        text = text.replace(typo[0], TYPOS[typo[0]], 1)
    else:
        text = text + rng.choice(("的", "工作", "况"))
    printed[victim] = (key, text)
    a, b = rng.sample([0, 1, 4, 5], 2)  # swap two ordinals, never those heading the tables 三/四
    ka, ta = printed[a]
    kb, tb = printed[b]
    printed[a] = (ka, tb[:2] + ta[2:])
    printed[b] = (kb, ta[:2] + tb[2:])
    drop = rng.choice(["overview", "other_matters", "active_disclosure", "applications", "review_litigation"])
    return [(k, "" if k == drop else t) for k, t in printed]


def _date(gold: dict[str, Any]) -> str:
    date = gold["meta"].get("published_date")
    if not date:
        return ""
    y, m, d = date.split("-")
    return f"{y}年{int(m)}月{int(d)}日"


def title_of(gold: dict[str, Any]) -> str:
    meta = gold["meta"]
    if meta.get("title"):
        return str(meta["title"])
    year = f"{meta['report_year']}年" if meta.get("report_year") else ""
    return f"{meta.get('agency') or ''}{year}政府信息公开工作年度报告"


def build_document(name: str, gold: dict[str, Any], style: Style, rng: random.Random) -> Document:
    era = gold["meta"]["era"]
    doc = Document(name, era)
    printer = _Printer(doc, style, rng)
    variants = label_variants(era, rng) if style.label_variants else {}
    meta = gold["meta"]
    agency = meta.get("agency") or "本机关"
    year = meta.get("report_year")
    doc.blocks.append(Block("title", title_of(gold)))
    doc.blocks.append(Block("meta", f"发布机构：{agency}" + (f"　发布日期：{meta['published_date']}"
                                                              if meta.get("published_date") else "")))
    tables: dict[str, Table] = {}
    if era == "legacy":
        if gold.get("statistics_table"):
            tables["statistics_table"] = statistics_table(gold, printer)
    else:
        if gold.get("active_disclosure"):
            tables["active_disclosure"] = active_table(gold, era, printer, variants)
        if gold.get("applications"):
            tables["applications"] = applications_table(gold, era, printer, variants)
        if gold.get("review_litigation"):
            tables["review_litigation"] = review_table(gold, printer)
    if style.blank_zero_rows:
        for t in tables.values():
            blank_zero_rows(t, doc, style)
    when = f"{year}年" if year else "本年度"
    body = {
        "overview": [f"{when}，{agency}认真贯彻落实《中华人民共和国政府信息公开条例》，"
                     "坚持以公开为常态、不公开为例外，持续深化政务公开，各项工作有序推进。"],
        "active_disclosure": ["围绕中心工作，及时主动公开政府信息，不断拓宽公开渠道。"],
        "applications": ["依法依规办理政府信息公开申请，按时答复。"],
        "review_litigation": ["本年度政府信息公开行政复议、行政诉讼情况如下。"],
        "other_matters": ["本机关本年度未收取信息处理费，无其他需要报告的事项。"],
    }
    for key, heading in _headings(era, style, rng):
        if heading:
            doc.blocks.append(Block("heading", heading))
        if key == "problems_improvements":
            doc.blocks.append(Block("subheading", "（一）存在的主要问题"))
            doc.blocks += [Block("para", t) for t in gold.get("problems") or ["工作机制还需进一步完善。"]]
            doc.blocks.append(Block("subheading", "（二）改进情况"))
            doc.blocks += [Block("para", t) for t in gold.get("improvements") or ["下一步将进一步加强培训。"]]
            continue
        doc.blocks += [Block("para", t) for t in body[key]]
        if key in tables:
            doc.blocks.append(Block("table", table=tables.pop(key)))
    if "statistics_table" in tables:
        doc.blocks.append(Block("heading", "附表：" + tables["statistics_table"].caption))
        doc.blocks.append(Block("table", table=tables.pop("statistics_table")))
    doc.blocks.append(Block("para", agency))
    if _date(gold):
        doc.blocks.append(Block("para", _date(gold)))
    return doc

