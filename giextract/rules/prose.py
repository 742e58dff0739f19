"""U6: numbers stated in the prose agree with the tables. Needs the report text, so the pipeline runs it
(``giextract.validate`` works on a Report alone and cannot)."""
from __future__ import annotations

import re
from typing import Callable, Optional

from giextract.core.model import Finding, Number, Report

# (what, prose pattern with one number group, cells whose sum the number should equal)
PROSE_FACTS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("applications received",
     r"(?:共|全年|累计)?(?:收到|受理)[^。，,；;\d]{0,12}?申请(?:公开)?\s*(\d+)\s*(?:件|宗|个)",
     ("applications.new_received.total",)),
    ("administrative reviews", r"行政复议\s*(\d+)\s*(?:件|宗|起)",
     ("review_litigation.administrative_review.total",)),
    ("lawsuits", r"行政诉讼\s*(\d+)\s*(?:件|宗|起)",
     ("review_litigation.litigation_direct.total", "review_litigation.litigation_after_review.total")),
)


def u6(report: Report, prose: str) -> list[Finding]:
    out = []
    for what, pattern, paths in PROSE_FACTS:
        m = re.search(pattern, prose)
        if not m:
            continue
        cells = [report.cell(p) for p in paths]
        if any(c is None or not c.is_number for c in cells):
            continue
        stated = int(m.group(1))
        table: Number = sum(c.value for c in cells)  # type: ignore[union-attr,misc]
        if stated != table:
            out.append(Finding(rule="U6", severity="warning", cells=list(paths),
                               message=f"U6 ({what}): the prose says {m.group(0)!r} = {stated} but the table "
                                       f"gives {' + '.join(paths)} = {table}"))
    return out
