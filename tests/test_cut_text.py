"""A text cut off inside a table (a page opening, a broken download): whatever the cut, no number is
silently wrong, and the row the text ends in is read up to the cut with a `cut_row` warning. Cuts are
drawn by hypothesis across tables 二 to 四 of generated layouts whose truth is the gold they come from."""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import giextract
from giextract.evaluation.gold import load
from giextract.evaluation.layouts import render
from giextract.evaluation.score import flagged_paths, judge_printed

G2021 = load(Path("eval/gold/009_pingtan-zone-2021.json"))
LAYOUTS = ("pipe_rows", "cell_per_line", "tab_separated")
TEXTS = {layout: render(G2021, layout, 0) for layout in LAYOUTS}


def _tables(text: str) -> tuple[int, int]:
    return text.index("二、主动公开"), text.index("五、")


@pytest.mark.parametrize("layout", LAYOUTS)
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(where=st.floats(0, 1))
def test_no_cut_makes_a_number_silently_wrong(layout: str, where: float) -> None:
    rendered = TEXTS[layout]
    text = rendered.data.decode("utf-8")
    start, end = _tables(text)
    cut = text[:start + int(where * (end - start))]
    report = giextract.extract_text(cut)
    flagged = flagged_paths(report)
    silent = [p for p, v in rendered.truth.items() if judge_printed(report, p, v, flagged).outcome == "silent"]
    assert silent == []


def test_the_row_a_cut_ends_in_keeps_its_printed_cells() -> None:
    text = TEXTS["pipe_rows"].data.decode("utf-8")
    truth = TEXTS["pipe_rows"].truth
    line = next(ln for ln in text.splitlines() if "予以公开" in ln and "部分" not in ln)
    parts = line.split(" | ")  # 三、本年度办理结果 | （一）予以公开 | 27 | 0 | 0 | …
    cut_at = text.index(line) + len(" | ".join(parts[:5]))  # right after the row's third value
    report = giextract.extract_text(text[:cut_at])
    row = report.applications["granted"]
    got = list(row.values())
    columns = list(row)
    assert [c.value for c in got[:3]] == [truth[f"applications.granted.{k}"] for k in columns[:3]]
    assert all(c.status == "unread" for c in got[3:])
    cut_rows = [f for f in report.findings if f.rule == "cut_row"]
    assert cut_rows and set(cut_rows[0].cells) == {f"applications.granted.{k}" for k in columns}
