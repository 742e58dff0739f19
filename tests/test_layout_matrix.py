"""The layout matrix as a regression gate: a subset (3 gold reports x every layout x seed 0) is read back
through the real readers and must not fall below eval/baseline-layouts.json (written by running
`python -m giextract eval --layouts --json eval/baseline-layouts.json`), nor add silent-wrong cells."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from giextract.cli import main as cli_main
from giextract.evaluation.gold import load
from giextract.evaluation.layouts import LAYOUTS, render
from giextract.evaluation.layouts.matrix import run_matrix, score_file

BASELINE = Path("eval/baseline-layouts.json")
SUBSET = ("seed_000_22f1b762bef24d9e", "009_pingtan-zone-2021", "014_pingtan-zone-2018")  # 2019, 2021, legacy


def _by_layout(details: list[dict], reports: tuple[str, ...], seed: int = 0) -> dict[str, Counter]:
    out: dict[str, Counter] = {}
    for d in details:
        if d["report"] in reports and d["seed"] == seed:
            out.setdefault(d["layout"], Counter()).update(d["cells"])
    return out


@pytest.fixture(scope="module")
def subset() -> dict:
    return run_matrix(seeds=1, reports=SUBSET)


def test_subset_holds_the_baseline(subset: dict) -> None:
    baseline = json.loads(BASELINE.read_text(encoding="utf-8"))
    before = _by_layout(baseline["details"], SUBSET)
    now = _by_layout(subset["details"], SUBSET)
    assert set(now) == set(LAYOUTS) and set(before) == set(LAYOUTS)
    drops = {n: (now[n]["right"], before[n]["right"]) for n in LAYOUTS if now[n]["right"] < before[n]["right"]}
    silent = {n: (now[n]["silent"], before[n]["silent"]) for n in LAYOUTS if now[n]["silent"] > before[n]["silent"]}
    assert not drops, f"read-right fell below the baseline (now, baseline): {drops}"
    assert not silent, f"silent-wrong cells beyond the baseline (now, baseline): {silent}"


def test_every_truth_cell_is_scored_once(subset: dict) -> None:
    for d in subset["details"]:
        gold = load(Path("eval/gold") / f"{d['report']}.json")
        truth = render(gold, d["layout"], d["seed"], name=d["report"]).truth
        assert sum(d["cells"].get(o, 0) for o in ("right", "flagged", "silent", "missing")) == len(truth)


def test_a_wrong_truth_is_scored_silent_and_a_blank_read_as_zero_too(tmp_path: Path) -> None:
    gold = load(Path("eval/gold/seed_000_22f1b762bef24d9e.json"))
    rendered = render(gold, "html_official", 0, name="seed_000")
    path = tmp_path / rendered.filename
    path.write_bytes(rendered.data)
    honest = score_file(path, rendered.truth)
    key = "applications.new_received.total"  # 19 in the gold, and read right from this layout
    assert key not in {w["path"] for w in honest["wrong"]}
    lied = score_file(path, {key: 20, "applications.carried_over.total": None})
    assert lied["cells"] == {"silent": 2, "numbers_printed": 1, "numbers_right": 0, "numbers_undecided": 0}


def test_run_on_numbers_the_text_leaves_open_are_counted_undecided(tmp_path: Path) -> None:
    """001's 规章 row runs together as `1011` (1|0|11 or 10|1|1, and no equation links its cells): those
    numbers are flagged ambiguous with the printed value a candidate, and counted as undecided."""
    gold = load(Path("eval/gold/001_huaian-city-2024.json"))
    rendered = render(gold, "run_on", 0, name="001")
    path = tmp_path / rendered.filename
    path.write_bytes(rendered.data)
    scored = score_file(path, rendered.truth)
    undecided = {w["path"] for w in scored["wrong"] if isinstance(w["got"], dict) and w["truth"] in w["got"]["ambiguous"]}
    assert "active_disclosure.art20_1.regulations.in_force" in undecided
    assert scored["cells"]["numbers_undecided"] == len(undecided)


def test_cli_runs_one_layout_and_writes_json(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "m.json"
    assert cli_main(["eval", "--layouts", "--seeds", "1", "--layout", "pipe_rows", "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "pipe_rows" in printed and "silent" in printed
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["layouts"] == ["pipe_rows"] and result["files"] == len(result["reports"]) >= 10
    assert cli_main(["eval", "--layouts", "--layout", "telex"]) == 2
