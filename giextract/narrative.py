"""Problems and improvements by rules: a deterministic splitter over 一是/二是…, （一）…, 1.…, with a
sentence fallback, so offline output is useful. Items keep their spans in the original text."""
from __future__ import annotations

import re
from typing import Optional

from giextract.core.model import Item, Narrative
from giextract.ingest.normalize import Document

_MARKERS = (
    re.compile(r"[一二三四五六七八九十]是"),
    re.compile(r"\([一二三四五六七八九十]\)"),
    re.compile(r"(?<![\d.])\d{1,2}[、.](?!\d)"),
)
# Where the improvements begin inside one 问题及改进 section.
_TURN = re.compile(
    r"(?:\(二\)|二、)?\s*(?:具体的?)?(?:改进措施|解决办法|下一步|针对(?:存在的?)?(?:上述)?问题|"
    r"\d{4}年[，,]?\s*(?:我们|我区|我办|我局|我市)?将|在下阶段工作中|今后|接下来|对此|因此[，,]?\s*我们)"
)
_SUBHEADING = re.compile(r"^\s*\([一二三四五六七八九十]\)[^。；;:：]{0,20}(?:问题|措施|困难|办法|情况)[^。]{0,10}?$")
# The signature date or an appended statistics table ends the narrative even without a heading.
STOP = re.compile(r"[二〇○零一三四五六七八九]{4}年[一二三四五六七八九十]{1,2}月|(?:19|20)\d{2}年\d{1,2}月\d{1,2}日\s*$|"
                   r"指\s*标\s*名\s*称|统\s*计\s*指\s*标|政府信息公开(?:情况)?统计表", re.M)
_SENTENCE = re.compile(r"[^。！？!?]+[。！？!?]?")


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
        pieces = [(bounds[i], bounds[i + 1]) for i in range(len(best))]
    else:
        pieces = [m.span() for m in _SENTENCE.finditer(text, start, end)]
        if len(pieces) == 1 and text.count("；", start, end) + text.count(";", start, end) >= 1:
            # One sentence listing several things, separated by semicolons: one item per clause.
            pieces = [m.span() for m in re.finditer(r"[^；;]+[；;]?", text[:end]) if m.start() >= start]
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
    methods: list[str] = []
    narrative = Narrative(
        problems=_items(doc, *problems, methods) if problems else [],
        improvements=_items(doc, *improvements, methods) if improvements else [],
    )
    narrative.method = "sentences" if "sentences" in methods else ("markers" if methods else None)
    return narrative
