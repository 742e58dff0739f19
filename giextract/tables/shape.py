"""The full shape of the era's tables: every template cell, so a consumer always sees every key."""
from __future__ import annotations

from typing import Callable, Union

from giextract.core.model import Cell, TableValues
from giextract.templates.tables import (
    ACTIVE_DISCLOSURE,
    APPLICATION_COLUMNS,
    APPLICATIONS,
    REVIEW_COLUMNS,
    REVIEW_GROUPS,
)


def skeleton(table: str, era: str, cell: Callable[[], Cell] = Cell.unread) -> Union[TableValues, dict[str, TableValues]]:
    """Every cell of ``table`` in the ``era`` format (2019/2021), each made by ``cell`` (unread by default)."""
    if table == "applications":
        return {r.key: {c: cell() for c in APPLICATION_COLUMNS} for r in APPLICATIONS[era].rows}
    if table == "review_litigation":
        return {g: {c: cell() for c in REVIEW_COLUMNS} for g in REVIEW_GROUPS}
    if table == "active_disclosure":
        return {s.key: {r.key: {c: cell() for c in s.columns} for r in s.rows} for s in ACTIVE_DISCLOSURE[era]}
    raise ValueError(f"no template table {table!r}")


__all__ = ["skeleton"]
