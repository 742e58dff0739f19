"""Every corpus report against the values a person read from its text (eval/gold, one JSON per report)."""
from __future__ import annotations

import pytest

import giextract
from giextract.evaluation.gold import gold_cells, gold_files, load, source_of
from giextract.evaluation.score import judge_cell, match_items

from pathlib import Path

EVAL = Path(__file__).resolve().parents[1] / "eval"
GOLD = {p.stem: load(p) for p in gold_files(EVAL)}
# The corpus reports the readers were built on are asserted cell by cell; reports found later ("origin":
# "found") are measured by the eval and its baseline, and asserted here only never to be silently wrong.
CORPUS = {s: g for s, g in GOLD.items() if g.get("origin", "corpus") == "corpus"}


def judge(report: giextract.Report, path: str, value: object):  # type: ignore[no-untyped-def]
    return judge_cell(report, path, value, {c for f in report.findings if f.severity != "info" for c in f.cells})


@pytest.fixture(scope="module")
def reports() -> dict[str, giextract.Report]:
    return {stem: giextract.extract(source_of(gold, EVAL)) for stem, gold in GOLD.items()}


def test_gold_set_covers_the_corpus() -> None:
    assert len(GOLD) >= 26
    assert all(source_of(g, EVAL).exists() for g in GOLD.values())


@pytest.mark.parametrize("stem", sorted(GOLD))
def test_era(stem: str, reports: dict[str, giextract.Report]) -> None:
    assert reports[stem].meta.era == GOLD[stem]["meta"]["era"]


@pytest.mark.parametrize("stem", sorted(GOLD))
def test_report_year(stem: str, reports: dict[str, giextract.Report]) -> None:
    expected = GOLD[stem]["meta"]["report_year"]
    if expected is not None:
        assert reports[stem].meta.report_year == expected


@pytest.mark.parametrize("stem", sorted(CORPUS))
def test_sections(stem: str, reports: dict[str, giextract.Report]) -> None:
    keys: list[str] = []
    for section in reports[stem].sections:
        if section.key not in keys:
            keys.append(section.key)
    assert keys == GOLD[stem]["sections"]


@pytest.mark.parametrize("stem", sorted(s for s, g in GOLD.items() if any(True for _ in gold_cells(g))))
def test_table_cells_never_silently_wrong(stem: str, reports: dict[str, giextract.Report]) -> None:
    """Each cell is right, or the output says it may not be (ambiguous, unread, or named by a finding);
    a corpus report's cells are all read."""
    verdicts = [judge(reports[stem], path, value) for path, value in gold_cells(GOLD[stem])]
    silent = [(v.path, v.gold, v.got) for v in verdicts if v.outcome in ("silent", "spurious")]
    assert silent == []
    if stem in CORPUS:
        assert [(v.path, v.gold, v.got) for v in verdicts if v.outcome == "missing"] == []
    for v in verdicts:
        if v.outcome == "missing":
            cell = reports[stem].cell(v.path)
            assert cell is None or cell.status == "unread", v.path  # not read is never reported blank


@pytest.mark.parametrize("stem", sorted(s for s, g in CORPUS.items() if g.get("applications")))
def test_table_three_exact(stem: str, reports: dict[str, giextract.Report]) -> None:
    """Table 三 of every complete 2019/2021 report the rules can read: every cell exactly as read."""
    verdicts = [judge(reports[stem], path, value) for path, value in gold_cells(GOLD[stem])
                if path.startswith("applications.")]
    wrong = [(v.path, v.gold, v.got) for v in verdicts if v.outcome != "correct"]
    assert wrong == []


@pytest.mark.parametrize("stem", sorted(s for s, g in GOLD.items() if g.get("statistics_table")))
def test_statistics_table(stem: str, reports: dict[str, giextract.Report]) -> None:
    got = reports[stem].statistics_table or []
    gold = GOLD[stem]["statistics_table"]
    assert len(got) == len(gold)
    for row, expected in zip(got, gold):
        assert row.key == expected["key"], (row.label, expected["label"])
        value = row.value.value if row.value.status == "ok" else None
        assert value == expected["value"], row.label
        if expected.get("cumulative") is not None or row.cumulative is not None:
            cumulative = row.cumulative.value if row.cumulative and row.cumulative.status == "ok" else None
            assert cumulative == expected["cumulative"], row.label


@pytest.mark.parametrize("stem", sorted(GOLD))
def test_spans_point_into_the_original(stem: str, reports: dict[str, giextract.Report]) -> None:
    original = source_of(GOLD[stem], EVAL).read_text(encoding="utf-8")
    for path, cell in reports[stem].iter_cells():
        if cell.span and cell.status == "ok":
            assert original[cell.span[0]:cell.span[1]] == cell.raw
            assert any(ch.isdigit() for ch in cell.raw), path


def test_narrative_items_match_gold(reports: dict[str, giextract.Report]) -> None:
    """Rule-split problems/improvements against the hand-read lists (one-to-one, similarity ≥ 0.6)."""
    true_pos = produced = expected = 0
    for stem, gold in GOLD.items():
        narrative = reports[stem].problems_improvements
        for kind in ("problems", "improvements"):
            wanted = list(gold.get(kind) or [])
            got = [item.text for item in getattr(narrative, kind)] if narrative else []
            true_pos += match_items(got, wanted)
            produced += len(got)
            expected += len(wanted)
    assert true_pos / produced >= 0.98 and true_pos / expected >= 0.98  # the layouts issue's target


def test_metadata_against_gold(reports: dict[str, giextract.Report]) -> None:
    """Agency and published date as a reader names them. Known misses (see the README): 007 (title says
    平潭综合实验区, gold the publishing 管委会), 026 and seed_001 (the excerpt/text never names itself)."""
    agency = sum(reports[s].meta.agency == g["meta"]["agency"] for s, g in CORPUS.items())
    dated = sum(reports[s].meta.published_date == g["meta"]["published_date"] for s, g in CORPUS.items())
    assert agency >= len(CORPUS) - 3
    assert dated == len(CORPUS)
