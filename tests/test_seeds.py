"""The seeds' hard cases, by name (values read from the texts)."""
from __future__ import annotations

import itertools

import giextract
from pathlib import Path

SOURCES = Path(__file__).resolve().parents[1] / "eval" / "sources"

SEED = {n: SOURCES / f for n, f in {
    "000": "seed_000_22f1b762bef24d9e.txt", "002": "seed_002_b5a77726d5a63a67.txt",
    "003": "seed_003_91b7c3b427fd0bbb.txt", "004": "seed_004_70095cba19501f17.txt"}.items()}


def test_seed_003_run_on_321557_is_ambiguous_with_all_ten_readings() -> None:
    report = giextract.extract(SEED["003"])
    row = report.active_disclosure["art20_1"]["normative_documents"]
    readings = {(int("321557"[:i]), int("321557"[i:j]), int("321557"[j:]))
                for i, j in itertools.combinations(range(1, 6), 2)}
    assert len(readings) == 10
    for k, column in enumerate(("newly_made", "newly_published", "total_published")):
        assert row[column].status == "ambiguous"
        assert row[column].candidates == sorted({r[k] for r in readings})
    flagged = {c for f in report.findings for c in f.cells}
    assert "active_disclosure.art20_1.normative_documents.newly_made" in flagged


def test_seed_003_2000002_row() -> None:
    report = giextract.extract(SEED["003"])
    row = report.applications["new_received"]
    assert [row[c].value for c in row] == [2, 0, 0, 0, 0, 0, 2]
    assert all(cell.status == "ok" for cell in row.values())


def test_seed_000_decrease_is_negative() -> None:
    report = giextract.extract(SEED["000"])
    cell = report.active_disclosure["art20_5"]["administrative_licensing"]["change"]
    assert cell.value == -39 and cell.raw == "减39项"
    assert report.active_disclosure["art20_5"]["other_external_services"]["change"].status == "not_applicable"
    assert report.active_disclosure["art20_9"]["centralized_procurement"]["procurement_amount_wan_yuan"].value == 7319.2


def test_seed_002_spam_is_in_no_output_field() -> None:
    report = giextract.extract(SEED["002"])
    dumped = report.model_dump_json(exclude={"source"})
    for spam in ("快乐十分", "官方网", "氯胺酮", "圣庙帮狗"):
        assert spam not in dumped
    assert report.meta.agency == "华安县人民政府办公室"


def test_seed_004_read_through_traditional_script() -> None:
    report = giextract.extract(SEED["004"])
    assert report.meta.era == "legacy" and report.meta.report_year == 2015
    assert [s.key for s in report.sections][:3] == ["overview", "active_disclosure", "applications"]
    problems = report.problems_improvements.problems
    assert len(problems) == 3 and problems[0].text.startswith("(一)有的部門工作隊伍不穩定")
    original = SEED["004"].read_text(encoding="utf-8")
    assert original[problems[0].span[0]:problems[0].span[1]] == problems[0].text


def test_seed_003_row_readings_are_reported() -> None:
    report = giextract.extract(SEED["003"])
    notes = [f for f in report.findings if f.rule == "ambiguous"
             and "active_disclosure.art20_1.normative_documents.newly_made" in f.cells]
    assert len(notes) == 1
    expected = sorted([int("321557"[:i]), int("321557"[i:j]), int("321557"[j:])]
                      for i, j in itertools.combinations(range(1, 6), 2))
    assert sorted(notes[0].readings) == expected
