"""The arithmetic of the official tables as plain functions over numbers.

Shared by the parsers (to choose among run-on readings) and the validators (to report findings);
both must agree on what "consistent" means, so it is written once, here.
"""
from __future__ import annotations

from typing import Optional, Sequence

from giextract.core.model import Number

Values = Sequence[Optional[Number]]


def _known(values: Values) -> bool:
    return all(v is not None for v in values)


def r2_row(row: Values) -> Optional[bool]:
    """三 per row: total == sum of the six applicant columns. None when a cell is unknown."""
    if len(row) != 7 or not _known(row):
        return None
    return sum(row[:6]) == row[6]  # type: ignore[arg-type]


def r4_group(group: Values) -> Optional[bool]:
    """四 per group: total == upheld + corrected + other + pending."""
    if len(group) != 5 or not _known(group):
        return None
    return sum(group[:4]) == group[4]  # type: ignore[arg-type]


def r1_column(new: Optional[Number], carried: Optional[Number], results: Optional[Number],
              forward: Optional[Number]) -> Optional[bool]:
    if not _known((new, carried, results, forward)):
        return None
    return new + carried == results + forward  # type: ignore[operator]


def r3_column(results_total: Optional[Number], parts: Values) -> Optional[bool]:
    if results_total is None or not _known(parts):
        return None
    return sum(parts) == results_total  # type: ignore[arg-type]


def applications_consistent(rows: dict[str, list[Optional[Number]]], result_rows: Sequence[str]) -> bool:
    """R1 and R3 hold in every column where their cells are known (used to pick run-on readings)."""
    for col in range(7):
        def v(key: str) -> Optional[Number]:
            row = rows.get(key)
            return row[col] if row else None
        if r1_column(v("new_received"), v("carried_over"), v("results_total"), v("carried_forward")) is False:
            return False
        if r3_column(v("results_total"), [v(k) for k in result_rows]) is False:
            return False
    return True
