"""Plain-text layouts: `|` rows, one cell per line, run-on digits, tab-separated, and Markdown as PDF
converters write it (a table in pieces, split headers, stranded labels, page footers)."""
from __future__ import annotations

import random
from typing import Callable

from giextract.evaluation.layouts.document import Cell, Document, Table

RowWriter = Callable[[Table, random.Random], list[str]]


def _texts(row: list[Cell]) -> list[str]:
    return [c.text.replace("\n", "") for c in row]


def pipe_rows(table: Table, rng: random.Random) -> list[str]:
    outer = rng.random() < 0.5
    out = []
    for row in table.rows:
        line = " | ".join(_texts(row))
        out.append(f"| {line} |" if outer else line)
    return out


def cell_per_line(table: Table, rng: random.Random) -> list[str]:
    return [t for row in table.rows for t in _texts(row)]


def tab_rows(table: Table, rng: random.Random) -> list[str]:
    return ["\t".join(_texts(row)) for row in table.rows]


def run_on_rows(table: Table, rng: random.Random) -> list[str]:
    """Cells of a row run together: labels glued to the first number, numbers glued to each other."""
    return ["".join(_texts(row)) for row in table.rows]


def _page_footer(page: int) -> str:
    return f"— {page} —"


def markdown_rows(table: Table, rng: random.Random) -> list[str]:
    """One table as a PDF-to-Markdown converter leaves it: several small pipe tables each with its own
    `|---|`, a header split over two lines and cells, a label stranded on a loose line, a row with no
    label at all, a figure with a note lifted onto a line of its own, a page footer mid-table, and the
    table's `## 表` heading repeated."""
    caption = {"active_disclosure": "表一 主动公开政府信息情况", "applications": "表二 收到和处理政府信息公开申请情况",
               "review_litigation": "表三 政府信息公开行政复议、行政诉讼情况",
               "statistics_table": "表 政府信息公开情况统计表"}[table.kind]
    body = [r for r in table.rows if not all(c.header for c in r)]
    header = [r for r in table.rows if all(c.header for c in r)]
    out: list[str] = []
    head_line = [t for r in header for t in _texts(r)][:table.ncols]
    if head_line:
        halves = [(t[: (len(t) + 1) // 2], t[(len(t) + 1) // 2:]) for t in head_line]
        out += ["## " + caption, "", "| " + " | ".join(a for a, _ in halves) + " |",
                "|" + "---|" * len(halves), "| " + " | ".join(b for _, b in halves) + " |"]
    else:
        out += ["## " + caption, ""]
    numbered = [i for i, r in enumerate(body) if any(c.path for c in r)]
    stranded = rng.choice(numbered) if numbered else -1
    unlabeled = rng.choice(numbered) if len(numbered) > 2 else -1
    lifted = rng.choice(numbered) if numbered else -1
    chunk = rng.randint(4, 7)
    page = rng.randint(2, 5)
    in_table = bool(head_line)
    for i, row in enumerate(body):
        if i and i % chunk == 0:
            out += ["", _page_footer(page), "", "## " + caption, ""]
            page += 1
            in_table = False
        texts = _texts(row)
        labels = [j for j, c in enumerate(row) if not c.path]
        note = ""
        if i == stranded and labels:
            out.append("".join(texts[j] for j in labels))
            texts = [("" if j in labels else t) for j, t in enumerate(texts)]
        elif i == unlabeled and labels and i != lifted:
            texts = [("" if j in labels else t) for j, t in enumerate(texts)]
        if i == lifted:
            nums = [j for j, c in enumerate(row) if c.path and c.text.strip() not in ("", "—", "/", "&nbsp;")]
            if nums:
                j = rng.choice(nums)
                note = f"{texts[j]}（含上年度转入部分）"
                texts[j] = ""
        if not in_table:
            out += ["| " + " | ".join(texts) + " |", "|" + "---|" * len(texts)]
            in_table = True
        else:
            out.append("| " + " | ".join(texts) + " |")
        if note:
            out += ["", note, ""]
            in_table = False
    return out + ["", _page_footer(page)]


def render_text(doc: Document, writer: RowWriter, rng: random.Random, markdown: bool = False) -> bytes:
    lines: list[str] = []
    for block in doc.blocks:
        if block.kind == "table" and block.table is not None:
            lines += [""] + writer(block.table, rng) + [""]
        elif block.kind in ("title", "heading") and markdown:
            form = "# {}" if block.kind == "title" else rng.choice(("## {}", "**{}**", "{}"))
            lines += ["", form.format(block.text), ""]
        elif block.text:
            lines.append(block.text)
    return ("\n".join(lines).strip() + "\n").encode("utf-8")

