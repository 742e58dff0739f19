"""HTML layouts: the official template as a `<table>` with rowspan/colspan, and a Word export (every run
in its own tag, numbers split across tags) inside a whole crawled page."""
from __future__ import annotations

import html
import random

from giextract.evaluation.layouts.document import Cell, Document, Table

_BLANK_HTML = {"&nbsp;": "&nbsp;", "": ""}


def _cell_html(cell: Cell, rng: random.Random, runs: bool) -> str:
    if cell.text in _BLANK_HTML:
        inner = cell.text
    elif runs:
        inner = _runs(cell.text, rng)
    elif cell.header and len(cell.text) > 5:
        cut = len(cell.text) // 2
        inner = html.escape(cell.text[:cut]) + "<br>" + html.escape(cell.text[cut:])
    else:
        inner = html.escape(cell.text)
    attrs = (f' rowspan="{cell.rowspan}"' if cell.rowspan > 1 else "") + (f' colspan="{cell.colspan}"' if cell.colspan > 1 else "")
    if runs:
        attrs = attrs.replace('"', "") + " width=64 valign=center style='border:solid windowtext 1.0pt;padding:0cm 5.4pt'"
        return f"<td{attrs}><p class=MsoNormal align=center style='text-align:center'>{inner}<o:p></o:p></p></td>"
    return f"<td{attrs}>{inner}</td>"


def table_html(table: Table, rng: random.Random, runs: bool = False) -> str:
    cls = " class=MsoNormalTable border=1 cellspacing=0 cellpadding=0 style='border-collapse:collapse'" if runs \
        else ' border="1" cellspacing="0" cellpadding="2"'
    rows = ["<tr>" + "".join(_cell_html(c, rng, runs) for c in row) + "</tr>" for row in table.rows]
    return f"<table{cls}><tbody>\n" + "\n".join(rows) + "\n</tbody></table>"


def official_html(doc: Document, rng: random.Random) -> bytes:
    parts = ["<!DOCTYPE html>", '<html lang="zh-CN"><head><meta charset="utf-8">',
             f"<title>{html.escape(doc.blocks[0].text)}</title></head><body>"]
    for block in doc.blocks:
        if block.table is not None:
            parts.append(table_html(block.table, rng))
        elif block.kind == "title":
            parts.append(f"<h1>{html.escape(block.text)}</h1>")
        elif block.kind in ("heading", "subheading"):
            parts.append(f"<p><strong>{html.escape(block.text)}</strong></p>")
        else:
            parts.append(f"<p>{html.escape(block.text)}</p>")
    parts.append("</body></html>")
    return "\n".join(parts).encode("utf-8")


_FONTS = ("仿宋_GB2312", "宋体", "黑体", "Times New Roman")


def _run(text: str, rng: random.Random) -> str:
    t = html.escape(text)
    if rng.random() < 0.3:
        return f"<font face=\"{rng.choice(_FONTS)}\">{t}</font>"
    lang = " lang=EN-US" if text.isascii() else ""
    return (f"<span{lang} style='font-size:{rng.choice(('10.5pt', '12.0pt', '16.0pt'))};"
            f"font-family:{rng.choice(_FONTS)}'>{t}</span>")


def _runs(text: str, rng: random.Random) -> str:
    """Text cut into runs at random points (a number of two digits or more is always cut once)."""
    if not text:
        return ""
    cuts = {i for i in range(1, len(text)) if rng.random() < 0.15}
    if text.replace(".", "").replace("-", "").isdigit() and len(text) > 1:
        cuts.add(rng.randint(1, len(text) - 1))
    bounds = [0] + sorted(cuts) + [len(text)]
    return "".join(_run(text[a:b], rng) for a, b in zip(bounds, bounds[1:]))


_STYLE = """<style>
<!--
 p.MsoNormal, li.MsoNormal {mso-style-parent:""; margin:0cm; text-align:justify; font-size:10.5pt;}
 .nav li {display:inline; margin:0 8px}
-->
</style>"""
_SCRIPT = """<script type="text/javascript">
var _hmt = _hmt || []; (function() { var hm = document.createElement("script");
hm.src = "https://hm.example.gov.cn/hm.js?0a1b2c"; document.getElementsByTagName("head")[0].appendChild(hm); })();
function setFontSize(s){document.getElementById('zoom').style.fontSize=s+'px';}
</script>"""


def _chrome_top(doc: Document, meta: str, rng: random.Random) -> str:
    agency = meta.split("：", 1)[-1].split("　")[0]
    nav = "".join(f"<li><a href=\"/{i}/\">{t}</a></li>" for i, t in enumerate(
        ("首页", "政务公开", "政府信息公开年报", "政务服务", "互动交流", "走进" + agency[:6])))
    rows = [("索引号", f"11350{rng.randint(100000, 999999)}/2021-{rng.randint(10, 99)}"), ("主题分类", "政务公开"),
            (meta.split("：")[0] if "：" in meta else "发布机构", agency), ("名称", doc.blocks[0].text)]
    table = "".join(f"<tr><th>{html.escape(a)}</th><td>{html.escape(b)}</td></tr>" for a, b in rows)
    return (f"<div class=\"header\"><div class=\"logo\">{html.escape(agency)}门户网站</div>"
            f"<ul class=\"nav\">{nav}</ul></div>\n<div class=\"crumb\">当前位置：<a href=\"/\">首页</a> &gt; "
            f"<a href=\"/zwgk/\">政务公开</a> &gt; 年度报告</div>\n"
            f"<table class=\"xxgk-meta\" width=\"100%\">{table}</table>\n"
            "<div class=\"tools\">【字体：<a href=\"javascript:setFontSize(16)\">大</a> "
            "<a href=\"javascript:setFontSize(14)\">中</a> <a href=\"javascript:setFontSize(12)\">小</a>】"
            "<a href=\"javascript:window.print()\">打印本页</a></div>")


def word_html(doc: Document, rng: random.Random) -> bytes:
    """A Word 'save as web page' body pasted into a site's article template."""
    head = ("<html xmlns:v=\"urn:schemas-microsoft-com:vml\" xmlns:o=\"urn:schemas-microsoft-com:office:office\" "
            "xmlns:w=\"urn:schemas-microsoft-com:office:word\">\n<head>\n<meta http-equiv=Content-Type "
            f"content=\"text/html; charset=utf-8\">\n<title>{html.escape(doc.blocks[0].text)}</title>\n"
            f"{_STYLE}\n{_SCRIPT}\n</head>\n<body lang=ZH-CN style='tab-interval:21.0pt'>")
    meta = next((b.text for b in doc.blocks if b.kind == "meta"), "发布机构：")
    parts = [head, _chrome_top(doc, meta, rng), "<div id=\"zoom\" class=\"WordSection1\">"]
    for block in doc.blocks:
        if block.kind == "meta":
            continue
        if block.table is not None:
            parts.append("<div align=center>" + table_html(block.table, rng, runs=True) + "</div>")
            continue
        list_comment = ""
        if block.kind == "subheading" or (block.kind == "para" and rng.random() < 0.2):
            list_comment = ("<!--[if !supportLists]--><span style='font-family:宋体'><span style='mso-list:Ignore'>"
                            "&nbsp;</span></span><!--[endif]-->")
        align = " align=center style='text-align:center'" if block.kind == "title" else \
            " style='text-indent:32.0pt;mso-char-indent-count:2.0'"
        parts.append(f"<p class=MsoNormal{align}>{list_comment}{_runs(block.text, rng)}<o:p></o:p></p>")
    parts.append("</div>\n<div class=\"footer\">主办单位：" + html.escape(meta.split("：", 1)[-1].split("　")[0])
                 + "　版权所有　<a href=\"https://beian.miit.gov.cn\">闽ICP备00000000号</a></div>\n"
                 "<script>document.write('<span>访问量：' + 1024 + '</span>');</script>\n</body></html>")
    return "\n".join(parts).encode("utf-8")
