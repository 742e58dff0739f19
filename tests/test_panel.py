"""The panel table: one row per report, a column per canonical cell; 2019 and 2021 keep their own."""
from __future__ import annotations

import csv
from pathlib import Path

import giextract
from giextract.core.model import Report
from giextract.templates.tables import ACTIVE_DISCLOSURE
from giextract.views.panel import CELL_COLUMNS, columns, comparable, eras_of, panel_row, write_panel

SOURCES = Path(__file__).resolve().parents[1] / "eval" / "sources"


def _reports() -> list[Report]:
    names = ("seed_003_91b7c3b427fd0bbb.txt", "009_pingtan-zone-2021.txt", "012_pingtan-zone-2016.txt")
    return [giextract.extract(SOURCES / n) for n in names]


def test_each_format_fills_its_own_columns() -> None:
    y2019, y2021, legacy = _reports()
    rows = [panel_row(r, status=True) for r in (y2019, y2021, legacy)]
    for report, row in zip((y2019, y2021, legacy), rows):
        assert row["era"] == report.meta.era and row["agency"] == report.meta.agency
        for path, cell in report.iter_cells():
            if path in row:
                assert row[path] == (cell.value if cell.status == "ok" else None), path
                assert row[f"{path}.status"] == cell.status
    made, issued = "active_disclosure.art20_1.regulations.newly_made", "active_disclosure.art20_1.regulations.issued"
    assert rows[0][f"{made}.status"] is not None and rows[0][f"{issued}.status"] is None
    assert rows[1][f"{issued}.status"] is not None and rows[1][f"{made}.status"] is None
    received = "applications.new_received.total"
    assert rows[0][received] == y2019.cell(received).value and rows[1][received] == y2021.cell(received).value  # type: ignore[union-attr]
    assert rows[2][received] is None
    stated = {s.key: s.value for s in legacy.statistics_table or [] if s.key}
    assert rows[2]["statistics_table.requests_received"] == stated["requests_received"].value
    ambiguous = [p for p, c in y2021.iter_cells() if c.status == "ambiguous"]
    assert ambiguous and all(rows[1][p] is None and rows[1][f"{p}.status"] == "ambiguous" for p in ambiguous)
    assert rows[1]["findings_warning"] == sum(f.severity == "warning" for f in y2021.findings)


def test_comparable_columns_are_documented_by_format() -> None:
    assert comparable("applications.new_received.total") and comparable("review_litigation.litigation_direct.total")
    assert comparable("active_disclosure.art20_5.administrative_licensing.decisions")
    assert not comparable("active_disclosure.art20_1.normative_documents.total_published")
    assert not comparable("active_disclosure.art20_1.normative_documents.in_force")
    assert eras_of("applications.other_handling.total") == ("2019",) and not comparable("applications.other_handling.total")
    assert eras_of("applications.other_other.total") == ("2021",)
    for era, subs in ACTIVE_DISCLOSURE.items():
        for sub in subs:
            for row in sub.rows:
                for col in sub.columns:
                    assert era in eras_of(f"active_disclosure.{sub.key}.{row.key}.{col}")
    assert len(CELL_COLUMNS) == len(set(CELL_COLUMNS))


def test_csv_round_trip(tmp_path: Path) -> None:
    reports = _reports()
    out = tmp_path / "panel.csv"
    assert write_panel(reports, out) == 3
    with out.open(encoding="utf-8", newline="") as f:
        table = list(csv.DictReader(f))
    assert list(table[0]) == columns(False) and len(table) == 3
    assert table[1]["applications.new_received.total"] == str(reports[1].cell("applications.new_received.total").value)  # type: ignore[union-attr]


def test_parquet_and_dataframe_keep_whole_numbers(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    reports = _reports()
    out = tmp_path / "panel.parquet"
    write_panel(reports, out, status=True)
    table = pq.read_table(out)
    assert table.num_rows == 3 and table.column_names == columns(True)
    assert str(table.schema.field("applications.new_received.total").type) == "int64"
    assert str(table.schema.field("active_disclosure.art20_8.administrative_fees.fee_amount_wan_yuan").type) == "double"
    frame = giextract.to_panel(reports, status=True)
    assert list(frame.columns) == columns(True) and len(frame) == 3
    assert frame["applications.new_received.total"].dtype.name == "Int64"
    value = reports[1].cell("applications.new_received.total").value  # type: ignore[union-attr]
    assert frame.loc[1, "applications.new_received.total"] == value


def test_panel_from_a_batch_file(tmp_path: Path) -> None:
    results = tmp_path / "results.jsonl"
    results.write_text("".join(r.model_dump_json() + "\n" for r in _reports()), encoding="utf-8")
    frame = giextract.to_panel(results)
    assert len(frame) == 3 and "applications.new_received.total.status" not in frame.columns


def test_extract_format_panel(tmp_path: Path) -> None:
    from giextract.cli import main

    inputs = [str(SOURCES / "seed_003_91b7c3b427fd0bbb.txt"), str(SOURCES / "009_pingtan-zone-2021.txt")]
    out = tmp_path / "p.csv"
    assert main(["extract", *inputs, "--out", str(out), "--format", "panel", "--quiet", "--jobs", "1"]) == 0
    with out.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert sorted(r["era"] for r in rows) == ["2019", "2021"] and list(rows[0]) == columns(False)
    by_era = {r["era"]: r for r in rows}
    expected = giextract.extract(SOURCES / "009_pingtan-zone-2021.txt").cell("applications.new_received.total")
    assert by_era["2021"]["applications.new_received.total"] == str(expected.value)  # type: ignore[union-attr]
    parquet = tmp_path / "p.parquet"
    assert main(["extract", *inputs, "--out", str(parquet), "--format", "panel", "--quiet", "--jobs", "1"]) == 0
    import pyarrow.parquet as pq

    assert pq.read_table(parquet).num_rows == 2
