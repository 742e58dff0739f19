"""The panel table for researchers: one row per report, one column per canonical cell
(``applications.new_received.total`` …) plus meta, era and finding counts, optionally a status column
per cell (``<cell>.status``).

Columns come from the templates, the union of both formats in template order, so a 2019 and a 2021
report in one panel each fill their own columns and leave the other format's empty. Which columns
mean the same thing in both formats is ``comparable(column)``: all of tables 三 and 四 except the
（六） rows (2019 prints one row, 2021 three), and in table 二 only the cells whose sub-table, row and
column keys exist in both formats (``art20_5``/``art20_6`` ``decisions``). ``art20_1`` is not
comparable: 2019 counts documents made/published, 2021 issued/repealed/in force. Legacy reports fill
the ``statistics_table.<indicator>`` columns (national indicators of the 2014–2018 table)."""
from __future__ import annotations

import csv
from pathlib import Path
from typing import Any, Iterable, Iterator, Union

from giextract.core.model import Report
from giextract.templates.legacy import INDICATOR_KEYS
from giextract.templates.tables import ACTIVE_DISCLOSURE, APPLICATIONS, REVIEW_COLUMNS, REVIEW_GROUPS

META_COLUMNS = ("report", "sha256", "agency", "report_year", "era", "published_date", "admin_level", "title",
                "extracted_with", "findings_error", "findings_warning", "findings_info", "findings_rules", "errors")


def _era_cells() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for era in ("2019", "2021"):
        cells = [f"active_disclosure.{sub.key}.{row.key}.{col}"
                 for sub in ACTIVE_DISCLOSURE[era] for row in sub.rows for col in sub.columns]
        cells += [f"applications.{row.key}.{col}" for row in APPLICATIONS[era].rows for col in APPLICATIONS[era].columns]
        cells += [f"review_litigation.{g}.{c}" for g in REVIEW_GROUPS for c in REVIEW_COLUMNS]
        out[era] = cells
    return out


ERA_CELLS = _era_cells()
CELL_COLUMNS: tuple[str, ...] = tuple(dict.fromkeys(ERA_CELLS["2019"] + ERA_CELLS["2021"]))
STATISTICS_COLUMNS: tuple[str, ...] = tuple(f"statistics_table.{key}" for key in INDICATOR_KEYS)


def eras_of(column: str) -> tuple[str, ...]:
    """The formats whose template has this cell column."""
    if column.startswith("statistics_table."):
        return ("legacy",)
    return tuple(era for era, cells in ERA_CELLS.items() if column in cells)


def comparable(column: str) -> bool:
    """True when the column means the same in the 2019 and the 2021 format (see the module docstring)."""
    if len(eras_of(column)) < 2:
        return False
    return not column.startswith("active_disclosure.art20_1.")


def columns(status: bool = False) -> list[str]:
    cells = list(CELL_COLUMNS + STATISTICS_COLUMNS)
    if status:
        cells = [c for cell in cells for c in (cell, f"{cell}.status")]
    return list(META_COLUMNS) + cells


def panel_row(report: Report, status: bool = False) -> dict[str, Any]:
    """One report as a panel row (cells absent from the record are empty)."""
    severities = {"error": 0, "warning": 0, "info": 0}
    for f in report.findings:
        severities[f.severity] = severities.get(f.severity, 0) + 1
    row: dict[str, Any] = {
        "report": report.source.path, "sha256": report.source.sha256, "agency": report.meta.agency,
        "report_year": report.meta.report_year, "era": report.meta.era, "published_date": report.meta.published_date,
        "admin_level": report.meta.admin_level, "title": report.meta.title,
        "extracted_with": report.source.extracted_with,
        "findings_error": severities["error"], "findings_warning": severities["warning"],
        "findings_info": severities["info"],
        "findings_rules": " ".join(sorted({f.rule for f in report.findings})) or None,
        "errors": "; ".join(f"{e.stage}: {e.message}" for e in report.errors) or None,
    }
    cells = {path: cell for path, cell in report.iter_cells() if not path.startswith("statistics_table.")}
    for i, stat in enumerate(report.statistics_table or []):
        key = f"statistics_table.{stat.key}"
        if stat.key and key not in cells:
            cells[key] = stat.value
    for column in CELL_COLUMNS + STATISTICS_COLUMNS:
        cell = cells.get(column)
        row[column] = cell.value if cell is not None and cell.status == "ok" else None
        if status:
            row[f"{column}.status"] = cell.status if cell is not None else None
    return row


def panel_rows(reports: Iterable[Report], status: bool = False) -> Iterator[dict[str, Any]]:
    for report in reports:
        yield panel_row(report, status)


def write_panel_csv(reports: Iterable[Report], out: Path, status: bool = False) -> int:
    n = 0
    with out.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns(status))
        writer.writeheader()
        for row in panel_rows(reports, status):
            writer.writerow(row)
            n += 1
    return n


def _arrow_type(column: str, pa: Any) -> Any:
    if column in ("report_year", "findings_error", "findings_warning", "findings_info"):
        return pa.int64()
    if column in META_COLUMNS or column.endswith(".status"):
        return pa.string()
    if column.endswith("wan_yuan") or column.startswith("statistics_table."):
        return pa.float64()
    return pa.int64()


def write_panel_parquet(reports: Iterable[Report], out: Path, status: bool = False) -> int:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise SystemExit("--format panel with a .parquet file needs pyarrow: pip install pyarrow") from None
    rows = list(panel_rows(reports, status))
    names = columns(status)
    arrays = {c: pa.array([_cast(r[c], c) for r in rows], type=_arrow_type(c, pa)) for c in names}
    pq.write_table(pa.table(arrays), str(out))
    return len(rows)


def _cast(value: Any, column: str) -> Any:
    if value is None or column in META_COLUMNS or column.endswith(".status"):
        return value
    if column.endswith("wan_yuan") or column.startswith("statistics_table."):
        return float(value)
    return int(value) if float(value).is_integer() else value


def write_panel(reports: Iterable[Report], out: Path, status: bool = False) -> int:
    """CSV, or Parquet when ``out`` ends in ``.parquet``; returns the number of rows."""
    writer = write_panel_parquet if out.suffix.lower() == ".parquet" else write_panel_csv
    return writer(reports, out, status)


def to_panel(reports: Union[Report, Iterable[Report], str, Path], status: bool = False) -> Any:
    """The panel as a pandas DataFrame, from reports or a JSONL batch output."""
    try:
        import pandas as pd
    except ImportError:
        raise ImportError("to_panel needs pandas: pip install pandas") from None
    from giextract.views.common import load_reports

    items = [reports] if isinstance(reports, Report) else load_reports(reports)
    frame = pd.DataFrame(list(panel_rows(items, status)), columns=columns(status))
    for column in CELL_COLUMNS:
        values = frame[column].dropna()
        if not column.endswith("wan_yuan") and all(float(v).is_integer() for v in values):
            frame[column] = frame[column].astype("Int64")  # counts stay whole numbers next to blanks
    return frame


def column_reference() -> list[tuple[str, str, bool]]:
    """(cell column, formats, comparable across 2019/2021) for the documentation."""
    return [(c, "/".join(eras_of(c)), comparable(c)) for c in CELL_COLUMNS + STATISTICS_COLUMNS]

