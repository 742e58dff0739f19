"""The LLM modes replayed from cassettes recorded from a real local model (Qwen2.5-Coder-0.5B-Instruct via
llama-cpp-python; see README). Nothing here reaches a server: the endpoint is a closed loopback port and
vcrpy refuses any request it has not recorded."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import giextract
from giextract.evaluation.run import evaluate
from giextract.llm import LLMClient, LLMConfig
from giextract.llm.cassettes import cassette, eval_cassette

ROOT = Path(__file__).resolve().parents[1]
CASSETTES = ROOT / "cassettes"
EVAL = ROOT / "eval"
HYBRID = sorted((CASSETTES / "eval" / "hybrid").glob("*.yaml"))
LLM = sorted((CASSETTES / "eval" / "llm").glob("*.yaml"))


def replay_client() -> LLMClient:
    return LLMClient(LLMConfig(base_url="http://127.0.0.1:9/v1", use_cache=False, timeout=5))


def test_cassettes_exist_for_both_modes() -> None:
    assert len(HYBRID) >= 5 and len(LLM) >= 20


@pytest.mark.parametrize("path", HYBRID, ids=lambda p: p.stem)
def test_hybrid_replays_and_keeps_trusted_rules_cells(path: Path) -> None:
    source = EVAL / "sources" / f"{path.stem}.txt"
    rules = giextract.extract(source)
    with cassette(path):
        hybrid = giextract.extract(source, mode="hybrid", llm=replay_client())
    assert not [e for e in hybrid.errors if "CannotOverwrite" in e.message or "Connection" in e.message], hybrid.errors
    assert hybrid.usage is not None
    if hybrid.usage.get("calls"):
        assert hybrid.usage["prompt_tokens"] > 0
    flagged = {c for f in rules.findings if f.severity != "info" for c in f.cells}
    after = dict(hybrid.iter_cells())
    for p, cell in rules.iter_cells():
        if cell.status == "ok" and p not in flagged:
            assert after[p].value == cell.value and after[p].source == "rules", p


def test_no_secret_and_no_spam_in_any_cassette() -> None:
    for path in HYBRID + LLM:
        text = path.read_text(encoding="utf-8")
        assert "authorization" not in text.lower() and "bearer" not in text.lower()
        decoded = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)
        assert "快乐十分" not in decoded  # seed_002's injected spam never reaches the model


def test_eval_runs_offline_from_cassettes_for_llm_and_hybrid() -> None:
    for mode in ("llm", "hybrid"):
        result = evaluate(mode, eval_dir=EVAL, client=replay_client(), cassettes=CASSETTES)
        baseline = json.loads((EVAL / f"baseline-{mode}.json").read_text(encoding="utf-8"))
        assert result["usage"]["calls"] == baseline["usage"]["calls"]
        assert result["cells"]["accuracy"] >= baseline["cells"]["accuracy"] - 1e-9
        assert result["silent_wrong"] <= baseline["silent_wrong"]
        assert not [r for r in result["per_report"].values() if any("CannotOverwrite" in str(w) for w in r["wrong"])]


def test_eval_with_a_wrong_cassettes_root_stops_with_a_clear_error(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    from giextract.cli import main

    wrong = tmp_path / "not-the-root"
    assert main(["eval", "--mode", "llm", "--cassettes", str(wrong)]) == 2
    assert "no recorded llm cassettes under" in caplog.text
    assert not wrong.exists()  # replaying never creates folders
