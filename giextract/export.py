"""The flat "long" table: one row per cell (report, table, row, column, value, status, source, raw, span),
for CSV, Parquet and pandas."""
from __future__ import annotations

import csv
from pathlib import Path
from typing import Any, Iterable, Iterator, Union

from giextract.core.model import Report

COLUMNS = ("report", "sha256", "agency", "report_year", "era", "table", "row", "column", "value", "status",
           "source", "raw", "span_start", "span_end", "candidates", "flagged")


def long_rows(reports: Iterable[Report]) -> Iterator[dict[str, Any]]:
    for report in reports:
        flagged = {c for f in report.findings if f.severity != "info" for c in f.cells}
        facts = [(f"prose_facts.{i}.value", fact.value) for i, fact in enumerate(report.prose_facts or [])]
        for path, cell in report.iter_cells() + facts:
            parts = path.split(".")
            table, column = parts[0], parts[-1]
            row = ".".join(parts[1:-1])
            if table == "statistics_table" and report.statistics_table:
                stat = report.statistics_table[int(parts[1])]
                row = stat.key or stat.label
            elif table == "prose_facts" and report.prose_facts:
                row = report.prose_facts[int(parts[1])].key
            yield {"report": report.source.path, "sha256": report.source.sha256, "agency": report.meta.agency,
                   "report_year": report.meta.report_year, "era": report.meta.era, "table": table, "row": row,
                   "column": column, "value": cell.value, "status": cell.status, "source": cell.source,
                   "raw": cell.raw, "span_start": cell.span[0] if cell.span else None,
                   "span_end": cell.span[1] if cell.span else None,
                   "candidates": " ".join(map(str, cell.candidates)) or None, "flagged": path in flagged}


def write_csv(reports: Iterable[Report], out: Path) -> int:
    n = 0
    with out.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        writer.writeheader()
        for row in long_rows(reports):
            writer.writerow(row)
            n += 1
    return n


def write_parquet(reports: Iterable[Report], out: Path) -> int:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise SystemExit("--format parquet needs pyarrow: pip install 'giextract[parquet]'") from None
    rows = list(long_rows(reports))
    columns = {c: [r[c] for r in rows] for c in COLUMNS}
    columns["value"] = [None if v is None else float(v) for v in columns["value"]]
    pq.write_table(pa.table(columns), str(out))
    return len(rows)


def to_dataframe(reports: Union[Report, Iterable[Report], str, Path]) -> Any:
    """The long table as a pandas DataFrame, from reports or from a JSONL file of them."""
    try:
        import pandas as pd
    except ImportError:
        raise ImportError("to_dataframe needs pandas: pip install pandas") from None
    if isinstance(reports, (str, Path)):
        from giextract.batch import iter_records

        reports = list(iter_records(Path(reports)))
    elif isinstance(reports, Report):
        reports = [reports]
    return pd.DataFrame(list(long_rows(reports)), columns=list(COLUMNS))
