"""The layout-matrix sample in hybrid mode, replayed from cassettes recorded from the local
Qwen2.5-Coder-1.5B (cassettes/layouts/hybrid; `record-cassettes --layouts`). Nothing reaches a server."""
from __future__ import annotations

import json
from pathlib import Path

from giextract.llm import LLMClient, LLMConfig
from giextract.evaluation.layouts.hybrid import SAMPLE_LAYOUTS, SAMPLE_REPORTS, render_layouts, run_layouts

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "eval" / "baseline-layouts-hybrid.json"


def test_layout_sample_replays_with_silent_wrong_zero_and_the_recorded_figures() -> None:
    baseline = json.loads(BASELINE.read_text(encoding="utf-8"))
    assert set(baseline["reports"]) <= set(SAMPLE_REPORTS) and baseline["layouts"] == list(SAMPLE_LAYOUTS)
    client = LLMClient(LLMConfig(base_url="http://127.0.0.1:9/v1", use_cache=False, timeout=5, transient_attempts=1))
    result = run_layouts("hybrid", client, ROOT / "cassettes", reports=baseline["reports"], eval_dir=ROOT / "eval")
    assert "SILENT-WRONG CELLS: rules 0, hybrid 0" in render_layouts(result)
    assert result["files"] == len(baseline["reports"]) * len(SAMPLE_LAYOUTS)
    assert not [e for d in result["details"] for e in d["errors"] if "Connection" in e or "CannotOverwrite" in e]
    assert result["usage"].get("calls", 0) == baseline["usage"].get("calls", 0)
    assert result["fixed"] >= baseline["fixed"] and result["broken"] <= baseline["broken"]
    assert result["overall"]["hybrid"]["right"] >= baseline["overall"]["hybrid"]["right"]
