"""Region roll-up: a parent agency's table 三 and 四 totals against the sum of its children's reports
of the same year, from a user's CSV of parent → child agencies.

The CSV has a header row with the columns ``parent`` and ``child`` (other columns are ignored), one
row per child; names are the agencies as the reports print them (``meta.agency``), compared after
trimming spaces. A parent with no report in the batch is simply not checked."""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from giextract.core.model import Number, Report
from giextract.templates.tables import REVIEW_GROUPS

# The totals compared: table 三's total column of its four summary rows, and each group total of 四.
TOTALS: tuple[str, ...] = tuple(
    [f"applications.{row}.total" for row in ("new_received", "carried_over", "results_total", "carried_forward")]
    + [f"review_litigation.{group}.total" for group in REVIEW_GROUPS])


class RollupError(ValueError):
    """The parent → child CSV cannot be used (a message for the user)."""


def read_hierarchy(path: Path) -> dict[str, list[str]]:
    """parent → children, in file order, from the CSV described in the module docstring."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f)
            fields = [(name or "").strip().lower() for name in reader.fieldnames or []]
            if "parent" not in fields or "child" not in fields:
                raise RollupError(f"{path}: the first row must name the columns 'parent' and 'child' "
                                  f"(found {reader.fieldnames})")
            out: dict[str, list[str]] = {}
            for line, row in enumerate(reader, start=2):
                values = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items() if isinstance(v, str)}
                parent, child = values.get("parent", ""), values.get("child", "")
                if not parent or not child:
                    raise RollupError(f"{path}, line {line}: both parent and child are needed")
                if child not in out.setdefault(parent, []):
                    out[parent].append(child)
            return out
    except OSError as exc:
        raise RollupError(f"cannot read {path}: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise RollupError(f"{path} is not a UTF-8 CSV file: {exc}") from None


@dataclass
class Rollup:
    parent: str
    year: int
    missing: list[str] = field(default_factory=list)  # children with no report of that year
    differences: list[tuple[str, Number, Number]] = field(default_factory=list)  # (path, parent, children's sum)
    unknown: list[str] = field(default_factory=list)  # totals not a settled number on one side
    compared: int = 0


def _value(report: Report, path: str) -> Optional[Number]:
    cell = report.cell(path)
    return cell.value if cell is not None and cell.is_number else None


def rollup(parent: Report, children: list[str], by_agency: dict[tuple[str, int], Report]) -> Optional[Rollup]:
    """Compare ``parent``'s totals with the sum of its children's reports of the same year."""
    name, year = (parent.meta.agency or "").strip(), parent.meta.report_year
    if not name or year is None:
        return None
    result = Rollup(name, year)
    found = []
    for child in children:
        report = by_agency.get((child, year))
        if report is None:
            result.missing.append(child)
        else:
            found.append(report)
    if result.missing:
        return result
    for path in TOTALS:
        mine = _value(parent, path)
        theirs = [_value(c, path) for c in found]
        if mine is None or any(v is None for v in theirs):
            result.unknown.append(path)
            continue
        result.compared += 1
        total = sum(theirs)  # type: ignore[arg-type]
        if total != mine:
            result.differences.append((path, mine, total))
    return result
