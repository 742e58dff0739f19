"""Web boilerplate, leaked markup and injected spam are blanked out (same length, so offsets hold)
before anything is matched: they never become sections, agency names or narrative items."""
from __future__ import annotations

import re

from giextract.ingest.normalize import Document, blank_out

# Whole lines that are site furniture, not report text.
BOILERPLATE_LINES = re.compile(
    r"(?m)^[ \t]*(?:RSS订阅.*|【字体.*|本文地址[:：].*|文章摘要[:：].*|分享|打印本页.*|关闭窗口.*|"
    r"相关词条|热门词条|联络我们|联系我们|扫一扫.*|页面链接与图片详见.*|本地目录[:：].*|原文链接[:：].*|"
    r"=+\s*正文\s*=+|附件下载|基本介绍|•\s*(?:中文名|年份|单位|类别)[:：].*)[ \t]*$"
)
# Inline furniture (the crawler's breadcrumb and share bar in one-line scrapes).
BOILERPLATE_INLINE = re.compile(
    r"当前位置[:：]\s*首页[^。]{0,60}?政府信息公开年报|"
    r"来源[:：]\s*\S{2,30}\s*时间[:：]\s*\d{4}-\d{2}-\d{2}\s*\d{2}:\d{2}\s*微信\s*微博\s*QQ空间\s*全真版\s*文字版\s*文件下载\s*相关链接[:：]\s*-->|"
    r"微信\s+微博\s+QQ空间|全真版\s+文字版"
)
# Comments (`<!-- … -->` within a line) are found by _comment_spans: as a lazy regex, a line of unclosed
# `<!--` would be re-scanned from every one of them (quadratic).
MARKUP = re.compile(r"<!\[if[^>\n]{0,200}\]>|<!\[endif\]>|</?[a-zA-Z][^<>\n]{0,80}>")
# Pinyin glosses left by a broken converter: 根据(jù).
PINYIN_GLOSS = re.compile(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{1,8}\)")
# Page numbers of PDF text layers ("-3-").
PAGE_NUMBER = re.compile(r"(?m)^[ \t]*-\s*\d{1,3}\s*-[ \t]*$")
# Spam injected by hacked sites: gambling / drug vocabulary, with the CJK run around it up to a
# delimiter. Report text never talks about these.
SPAM = re.compile(
    r"[\u4e00-\u9fff]{0,6}(?:快乐十分|时时彩|快三|六合彩|北京赛车|pk10|PK10|博彩|娱乐城|真人娱乐|"
    r"百家乐|赌场|老虎机|体育投注|氯胺酮|冰毒|海洛因|代孕)[\u4e00-\u9fff]{0,6}(?:官方网|官网|平台|网站)?"
    r"[:：]?"
)
# Prompt injection planted in report text: the whole sentence around it goes, before any rule or model
# reads it. The keyword is searched first and the sentence found around it (a pattern that starts with
# "any run of characters" would be tried at every position: slow on every report).
INJECTION = re.compile(
    r"(?:忽略|无视|不要理会)(?:以上|之前|上述|前面|先前)?(?:的)?(?:所有|全部)?(?:指令|指示|提示|要求|规则)"
    r"|\b(?:ignore|disregard)\s+(?:all\s+)?(?:the\s+)?(?:previous|above|prior)\s+instructions\b",
    re.I,
)
_SENTENCE_END = re.compile(r"[。！？!?\n]")
MAX_SENTENCE = 200


def _injection_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    for m in INJECTION.finditer(text):
        start = max((text.rfind(ch, max(0, m.start() - MAX_SENTENCE), m.start()) for ch in "。！？!?\n"), default=-1) + 1
        end_match = _SENTENCE_END.search(text, m.end(), m.end() + MAX_SENTENCE)
        end = end_match.end() if end_match and end_match.group() != "\n" else (end_match.start() if end_match else min(len(text), m.end() + MAX_SENTENCE))
        spans.append((start, end))
    return spans


def _comment_spans(text: str) -> list[tuple[int, int]]:
    """`<!--` to the nearest `-->` on the same line; an unclosed one ends the search on its line."""
    spans = []
    pos = text.find("<!--")
    while pos >= 0:
        line_end = text.find("\n", pos)
        line_end = len(text) if line_end < 0 else line_end
        close = text.find("-->", pos + 4, line_end)
        nxt = close + 3 if close >= 0 else line_end
        if close >= 0:
            spans.append((pos, nxt))
        pos = text.find("<!--", nxt)
    return spans


# A scrape's "title - site name" suffix.
TITLE_SITE_SUFFIX = re.compile(r"\s+[-_|]\s+[^\n]{0,30}$")


def junk_spans(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for pattern in (BOILERPLATE_LINES, BOILERPLATE_INLINE, MARKUP, PINYIN_GLOSS, PAGE_NUMBER, SPAM):
        spans.extend(m.span() for m in pattern.finditer(text))
    return spans + _comment_spans(text) + _injection_spans(text)


def clean(doc: Document) -> tuple[Document, list[tuple[int, int]]]:
    """Blank out junk; returns the cleaned document and the normalized spans removed."""
    spans = junk_spans(doc.text)
    return blank_out(doc, spans), spans
