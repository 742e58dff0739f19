"""Problems and improvements by rules: a deterministic splitter over 一是/二是…, （一）…, 1.…, with a
sentence fallback, so offline output is useful. Items keep their spans in the original text."""
from __future__ import annotations

import re
from typing import Optional

from giextract.core.model import Item, Narrative
from giextract.ingest.normalize import Document

_MARKERS = (
    re.compile(r"[一二三四五六七八九十]\s*是"),  # PDF layers break lines inside markers ("一\n是")
    re.compile(r"\([一二三四五六七八九十]\)"),
    re.compile(r"(?<![\d.])\d{1,2}[、.](?!\d)"),
)
# Where the improvements begin inside one 问题及改进 section.
_TURN = re.compile(
    r"(?:\(二\)|二、)?\s*(?:具体的?)?(?:改进措施|解决办法|下一步|针对(?:存在的?)?(?:上述)?问题|"
    r"\d{4}\s*年[，,]?\s*(?:我们|我区|我办|我局|我市)?将|在下阶段工作中|今后|接下来|对此|因此[，,]?\s*我们|"
    r"\(二\)\s*(?:改进|整改))"
)
# A sub-heading opening either half ("（一）存在的主要问题", "（二）改进情况："): a title, not an item.
_HALF_TITLE = re.compile(r"\s*(?:\([一二]\)|[一二]、)[^。\n：:]{0,16}(?:问题|措施|情况|打算|计划|方向|举措)\s*[:：]?")
_SUBHEADING = re.compile(r"^\s*\([一二三四五六七八九十]\)[^。；;:：]{0,20}(?:问题|措施|困难|办法|情况)[^。]{0,10}?$")
# The signature date or an appended statistics table ends the narrative even without a heading.
STOP = re.compile(r"[二〇○零一三四五六七八九]{4}年[一二三四五六七八九十]{1,2}月|(?:19|20)\d{2}年\d{1,2}月\d{1,2}日\s*$|"
                   r"指\s*标\s*名\s*称|统\s*计\s*指\s*标|政府信息公开(?:情况)?统计表", re.M)
_SENTENCE = re.compile(r"[^。！？!?]+[。！？!?]?")


# A shortcoming in a list of several: "…规范性还有待提高、…深度和广度还有待提升、…有待加强等。"
_DEFICIENCY = re.compile(r"有待|不够|不足|仍需|还需|欠缺|不高|较少|滞后|不强|不到位|不规范")


# "…取得了一定成效，但…仍存在一定差距。" announces the list; "…，如" or "主要表现在：" opens it.
_LEAD_IN = re.compile(r"[^。]*?(?:取得|成效|进展|成绩)[^。]*?(?:但|不过)[^。]*?(?:不足|差距|问题|薄弱)[^。，,]*"
                      r"(?:[，,]\s*(?:主要表现在|主要是|如)[：:]?|[：:]|。)")


# "仍存在一些不足和薄弱环节" announces shortcomings without naming one.
_GENERIC = re.compile(r"(?:仍|还|也)?(?:存在|有)着?(?:一些|一定的?|某些|诸多|不少)?[^。，,；;]{0,6}?(?:不足|差距|问题|薄弱环节)")
# A sentence before a list that announces it ("采取以下措施：", "主要表现在以下几个方面。").
_ANNOUNCES = re.compile(r"[：:]\s*$|以下|如下|几个方面|几点")


_MEASURE = re.compile(r"将\s*(?:进一步|继续|持续|着力|切实|不断)")


def _names_a_shortcoming(text: str, start: int, end: int) -> bool:
    return bool(_DEFICIENCY.search(_GENERIC.sub("", text[start:end])))


def _without_lead_in(text: str, start: int, end: int) -> "tuple[int, int] | None":
    """The span of a sentence without its announcing lead-in; None when it is only a lead-in."""
    m = _LEAD_IN.match(text, start, end)
    if m and m.group().endswith("。"):
        # A whole sentence "取得…成效，但…": a lead-in, unless it names the shortcomings itself.
        return (start, end) if _names_a_shortcoming(text, start, end) else None
    if m:
        if len(text[m.end():end].strip()) < 4:
            return None
        start = m.end()  # what follows 如 / 主要表现在 is the list itself
    return (start, end) if len(text[start:end].strip()) >= 4 else None


def _clauses(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """One sentence that lists several items: split at semicolons, or at 、 when every part names a
    shortcoming (a bare 、 also separates words, so it needs that evidence)."""
    for separator, needs_deficiency in (("；;", False), ("、", True)):
        parts = [m.span() for m in re.finditer(rf"[^{separator}]+[{separator}]?", text[start:end])]
        if len(parts) < 2:
            continue
        spans = [(start + a, start + b) for a, b in parts]
        if needs_deficiency and not all(_DEFICIENCY.search(text, a, b) and not re.search("[，,]", text[a:b])
                                        for a, b in spans):
            continue  # 、 below a comma joins words inside a clause, not items
        return spans
    return []


def _preface(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Whole sentences before a list's first marker that are items themselves, not its lead-in: one that
    names a shortcoming or states a measure (…将进一步…) before the 一是/二是 list. An announcing
    sentence (以下, ending in ：), a "取得…但…不足" sentence or one that only says there is more to do is
    no item."""
    out = []
    for m in _SENTENCE.finditer(text, start, end):
        a, b = m.span()
        sentence = text[a:b].strip()
        if not sentence.endswith("。") or _ANNOUNCES.search(sentence) or len(sentence) < 15:
            continue
        if _LEAD_IN.match(text, a, b) or not (_names_a_shortcoming(text, a, b) or _MEASURE.search(sentence)):
            continue
        out.append((a, b))
    return out


def _items(doc: Document, start: int, end: int, methods: Optional[list[str]] = None) -> list[Item]:
    text = doc.text
    stop = STOP.search(text, start, end)
    end = stop.start() if stop else end
    best: list[int] = []
    for marker in _MARKERS:  # outermost list style first: 一是 > （一） > 1.; nested points stay in their item
        positions = [m.start() for m in marker.finditer(text, start, end)]
        if len(positions) >= 2:
            best = positions
            break
    pieces: list[tuple[int, int]] = []
    if methods is not None:
        methods.append("markers" if best else "sentences")
    if best:
        bounds = best + [end]
        pieces = _preface(text, start, best[0]) + [(bounds[i], bounds[i + 1]) for i in range(len(best))]
    else:
        pieces = [p for m in _SENTENCE.finditer(text, start, end) if (p := _without_lead_in(text, *m.span()))]
        if len(pieces) == 1:
            s, e = pieces[0]
            pieces = _clauses(text, s, e) or pieces
    out = []
    for s, e in pieces:
        chunk = text[s:e]
        stripped = chunk.strip().rstrip("；;，,")
        if len(stripped) < 4 or _SUBHEADING.match(stripped):
            continue
        s += len(chunk) - len(chunk.lstrip())
        e = s + len(stripped)
        o = doc.original_span(s, e)
        out.append(Item(text=doc.original[o[0]:o[1]].strip(), span=o))
    return out


def _after_title(text: str, span: Optional[tuple[int, int]]) -> Optional[tuple[int, int]]:
    if span is None:
        return None
    m = _HALF_TITLE.match(text, span[0], span[1])
    return (m.end(), span[1]) if m and m.end() < span[1] else span


def split_narrative(doc: Document, problems: Optional[tuple[int, int]],
                    improvements: Optional[tuple[int, int]]) -> Narrative:
    """``problems`` is the 问题 (or combined 问题及改进) section; ``improvements`` a separate 建议 section."""
    if problems is None and improvements is None:
        return Narrative()
    if problems and improvements is None:
        turn = _TURN.search(doc.text, problems[0], problems[1])
        if turn:
            improvements = (turn.start(), problems[1])
            problems = (problems[0], turn.start())
    problems, improvements = (_after_title(doc.text, problems), _after_title(doc.text, improvements))
    methods: list[str] = []
    narrative = Narrative(
        problems=_items(doc, *problems, methods) if problems else [],
        improvements=_items(doc, *improvements, methods) if improvements else [],
    )
    narrative.method = "sentences" if "sentences" in methods else ("markers" if methods else None)
    return narrative
