"""Choosing among a table's sources: the grid fit and the text fit are readings of the same printed
table by the same fitter; the one that breaks fewer equations, then reads more cells, wins, and a grid
fit that lost some rows keeps the text fit's reading of those rows."""
from __future__ import annotations

from typing import Optional, cast

from giextract.core.model import Cell, Number
from giextract.rules.equations import applications_consistent, r2_row, r4_group
from giextract.tables.fit import Fit, TableValues
from giextract.templates.tables import RESULT_ROWS


def _violations(name: str, values: TableValues | dict[str, TableValues], era: str) -> int:
    def nums(row: dict[str, Cell]) -> list[Optional[Number]]:
        return [c.value if c.status == "ok" else None for c in row.values()]

    if name == "applications":
        rows = {k: nums(v) for k, v in values.items()}  # type: ignore[arg-type]
        bad = sum(1 for r in rows.values() if r2_row(r) is False)
        return bad + (0 if applications_consistent(rows, RESULT_ROWS[era]) else 1)
    if name == "review_litigation":
        groups = cast(TableValues, values)
        return sum(1 for g in groups.values() if r4_group(nums(g)) is False)
    return 0


_READ = ("ok", "not_applicable", "missing")  # a blank cell the grid shows is read too


def _cells(values: TableValues | dict[str, TableValues]) -> list[Cell]:
    out: list[Cell] = []
    for row in values.values():
        for cell in row.values():
            out += [cell] if isinstance(cell, Cell) else list(cell.values())  # type: ignore[union-attr]
    return out


def _quality(name: str, values: TableValues | dict[str, TableValues], era: str) -> tuple[int, int, int]:
    """(−broken equations, cells read, −cells unread): higher is better."""
    cells = _cells(values)
    return (-_violations(name, values, era), sum(c.status in _READ for c in cells),
            -sum(c.status == "unread" for c in cells))


def merge_fit(name: str, fit: Optional[Fit], text: Optional[Fit], era: str) -> Optional[Fit]:
    """The grid fit, with the rows it could not read taken from the text fit (same template only): a
    table whose grid lost some rows (a line the grid recovery could not split) keeps the text reading
    of those rows. None when there is no grid fit."""
    if fit is None or text is None or fit.template_name not in ("", era):
        return fit
    values: dict = {}  # type: ignore[type-arg]
    for key, row in fit.values.items():
        text_row = text.values.get(key)
        if text_row is not None and _unread_row(row) and not _unread_row(text_row):
            values[key] = text_row
        else:
            values[key] = row
    kept = {c for key, row in values.items() if row is not fit.values.get(key) for c in _row_paths(name, key, row)}
    findings = [f for f in fit.findings if not (f.rule == "missing_row" and set(f.cells) <= kept)]
    findings += [f for f in text.findings if f.cells and set(f.cells) <= kept]
    return Fit(values, findings, fit.rows_read, fit.score, fit.template_name)


def _unread_row(row: object) -> bool:
    cells = list(row.values()) if isinstance(row, dict) else []
    flat = [c for c in cells if isinstance(c, Cell)] + [x for c in cells if isinstance(c, dict) for x in c.values()]
    return bool(flat) and all(c.status == "unread" for c in flat)


def _row_paths(name: str, key: str, row: object) -> list[str]:
    out = []
    for col, cell in (row.items() if isinstance(row, dict) else []):
        if isinstance(cell, dict):
            out += [f"{name}.{key}.{col}.{c}" for c in cell]
        else:
            out.append(f"{name}.{key}.{col}")
    return out


def prefer_fit(name: str, fit: Optional[Fit], text: Optional[Fit], era: str) -> bool:
    """Whether the grid fit reads the table better than the text fit: fewer broken equations, then
    more cells read, then fewer left unread. On a tie the text reading stays (it may carry run-on
    candidates)."""
    if fit is None:
        return False
    if text is None:
        return True
    return _quality(name, fit.values, fit.template_name or era) > _quality(name, text.values, era)
