"""The eval command, and the committed rules baseline as a regression floor."""
from __future__ import annotations

import json
from pathlib import Path

from giextract.evaluation.run import compare, evaluate, render

EVAL = Path(__file__).resolve().parents[1] / "eval"
BASELINE = json.loads((EVAL / "baseline-rules.json").read_text(encoding="utf-8"))


def test_rules_mode_does_not_regress_against_baseline() -> None:
    result = evaluate("rules", eval_dir=EVAL)
    assert result["cells"]["accuracy"] >= BASELINE["cells"]["accuracy"] - 1e-9
    assert result["silent_wrong"] <= BASELINE["silent_wrong"]
    assert result["narrative"]["f1"] >= BASELINE["narrative"]["f1"] - 1e-9
    assert result["prose_facts"]["f1"] >= BASELINE["prose_facts"]["f1"] - 1e-9
    assert result["prose_facts"]["silent"] <= BASELINE["prose_facts"]["silent"]
    text = render(result) + compare(result, BASELINE)
    assert "SILENT-WRONG CELLS:" in text and "cell accuracy" in text


def test_split_selects_reports() -> None:
    dev = evaluate("rules", split="dev", eval_dir=EVAL)
    test = evaluate("rules", split="test", eval_dir=EVAL)
    assert dev["reports"] and test["reports"]
    assert set(dev["per_report"]).isdisjoint(test["per_report"])
