"""Run-on rows are read exactly as far as their text decides them.

A row whose cells ran together (`规章1011`, `1010000000050000`) has lost its cell boundaries. The rules
cut the run in every way that reads as numbers and keep the cuts the table's equations allow. This
test checks that against an oracle written here, independently of the reader (plain recursion over cut
positions): for generated rows put into a real report, a cell is `ok` exactly when every allowed cut
gives it the same value (that value), and otherwise `ambiguous` with exactly the values the allowed
cuts give it, the printed one among them. So what the layout matrix counts as `undecided` in the
run_on layout is ambiguity of the text itself, not a weakness of the search.
"""
from __future__ import annotations

import re
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import giextract
from giextract.core.model import Cell

REPORT = (Path(__file__).resolve().parents[1] / "eval" / "sources" / "seed_003_91b7c3b427fd0bbb.txt").read_text(
    encoding="utf-8")  # 2019 format, every table row printed run-on
REVIEW_LINE = re.compile(r"(结果维持结果纠正其他结果尚未审结总计结果维持结果纠正其他结果尚未审结总计\n)(\d+)\n")
RULES_LINE = re.compile(r"(\n规章)(\d+)\n")
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
small = st.one_of(st.just(0), st.integers(0, 9), st.integers(10, 40))  # counts as tables print them


def cuts(run: str, k: int) -> list[list[int]]:
    """Every way to cut ``run`` into ``k`` numbers, none with a leading zero."""
    if k == 1:
        return [[int(run)]] if run and (run == "0" or run[0] != "0") else []
    out = []
    for i in range(1, len(run) - k + 2):
        head = run[:i]
        if len(head) > 1 and head[0] == "0":
            break
        out += [[int(head)] + rest for rest in cuts(run[i:], k - 1)]
    return out


def review_readings(run: str, groups: int = 3) -> list[list[int]]:
    """Cuts of table 四's 15 cells where each group's 总计 is the sum of its four results (R4)."""
    if groups == 0:
        return [[]] if not run else []
    out = []
    for i in range(5, len(run) + 1):
        for group in cuts(run[:i], 5):
            if sum(group[:4]) == group[4]:
                out += [group + rest for rest in review_readings(run[i:], groups - 1)]
    return out


def check(cells: list[Cell], readings: list[list[int]], printed: list[int]) -> None:
    assert printed in readings
    for col, cell in enumerate(cells):
        values = sorted({r[col] for r in readings})
        if len(values) == 1:
            assert (cell.status, cell.value) == ("ok", values[0]), (col, cell)
        else:
            assert cell.status == "ambiguous" and cell.candidates == values, (col, cell, values)


@SETTINGS
@given(st.lists(small, min_size=12, max_size=12))
def test_table_four_run_on_is_decided_exactly_where_r4_decides_it(results: list[int]) -> None:
    printed = [v for g in range(3) for v in results[4 * g:4 * g + 4] + [sum(results[4 * g:4 * g + 4])]]
    run = "".join(map(str, printed))
    text = REVIEW_LINE.sub(lambda m: m.group(1) + run + "\n", REPORT, count=1)
    assert run in text
    review = giextract.extract_text(text).review_litigation
    assert review is not None
    cells = [cell for group in review.values() for cell in group.values()]
    check(cells, review_readings(run), printed)


@SETTINGS
@given(st.lists(small, min_size=3, max_size=3))
def test_table_two_run_on_without_an_equation_is_ambiguous_wherever_cuts_differ(printed: list[int]) -> None:
    run = "".join(map(str, printed))
    text = RULES_LINE.sub(lambda m: m.group(1) + run + "\n", REPORT, count=1)
    assert "规章" + run + "\n" in text
    report = giextract.extract_text(text)
    cells = list(report.active_disclosure["art20_1"]["regulations"].values())  # type: ignore[index]
    check(cells, cuts(run, 3), printed)
