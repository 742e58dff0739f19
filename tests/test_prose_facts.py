"""Legacy prose facts by rules, on real reports (expected values read from the texts)."""
from __future__ import annotations

from pathlib import Path

import giextract
from giextract.core.model import Cell
from giextract.rules.prose import prose_fact_rules

SOURCES = Path(__file__).resolve().parents[1] / "eval" / "sources"


def facts(stem: str) -> dict[str, object]:
    report = giextract.extract(SOURCES / f"{stem}.txt")
    return {f.key: f.value.value for f in report.prose_facts or []}


def test_seed_004_lists_and_each_in_traditional_script() -> None:
    report = giextract.extract(SOURCES / "seed_004_70095cba19501f17.txt")
    got = {f.key: f.value for f in report.prose_facts or []}
    # 全市共收到政府信息公開申請1207宗 … 當面申請、信函申請、網路申請 … 分別為:677宗、310宗、220宗
    assert {k: got[k].value for k in ("requests_received", "requests_in_person", "requests_letter", "requests_online")} == \
        {"requests_received": 1207, "requests_in_person": 677, "requests_letter": 310, "requests_online": 220}
    # 32宗不予公開 … 涉及國家秘密、涉及商業秘密、涉及個人隱私和法律規定其他情形的各有3宗,非政府信息的有20宗
    assert got["replies_denied"].value == 32 and got["denied_not_government_information"].value == 20
    assert all(got[k].value == 3 for k in ("denied_state_secret", "denied_commercial_secret", "denied_privacy",
                                           "denied_other_legal"))
    original = Path(SOURCES / "seed_004_70095cba19501f17.txt").read_text(encoding="utf-8")
    for cell in got.values():
        assert cell.span is not None and original[cell.span[0]:cell.span[1]] == cell.raw
    # O1 and O4 in the prose hold (fax is not stated, so O1 is checked as ≤).
    assert not [f for f in report.findings if f.rule in ("O1", "O4")]


def test_a_service_hall_workload_is_not_a_disclosure_request() -> None:
    # 010: 开设窗口26个，共受理申请121510件 (approvals); its one request is 信函申请1条.
    got = facts("010_pingtan-zone-2014")
    assert "requests_received" not in got and got["requests_letter"] == 1


def test_zero_statements_name_only_what_they_deny() -> None:
    # seed_002: 没有因政府信息公开申请行政复议、行政诉讼和行政申诉 — three zeros, nothing about requests.
    got = facts("seed_002_b5a77726d5a63a67")
    assert got["reviews_total"] == 0 and got["lawsuits_total"] == 0 and got["complaints"] == 0
    assert "requests_received" not in got


def test_first_statement_of_a_key_wins_over_its_sub_unit() -> None:
    # 012: 全区主动公开政府信息3460条。其中，区管委会及区直各部门主动公开政府信息1822条
    assert facts("012_pingtan-zone-2016")["proactive_items"] == 3460


def test_prose_against_the_table_and_parts_against_their_total() -> None:
    # 007 states 1913 items in its prose while its statistics table gives 739: U6.
    report = giextract.extract(SOURCES / "007_pingtan-zone-2012.txt")
    assert any(f.rule == "U6" and "1913" in f.message and "739" in f.message for f in report.findings)
    # Parts beyond their total: 677 + 310 + 220 against a stated total made smaller.
    seed = giextract.extract(SOURCES / "seed_004_70095cba19501f17.txt")
    for fact in seed.prose_facts or []:
        if fact.key == "requests_received":
            fact.value = Cell(value=1000)
    o1 = [f for f in prose_fact_rules(seed) if f.rule == "O1"]
    assert len(o1) == 1 and "1207" in o1[0].message and "≤ requests_received = 1000" in o1[0].message


def test_only_legacy_reports_have_prose_facts() -> None:
    assert giextract.extract(SOURCES / "seed_000_22f1b762bef24d9e.txt").prose_facts is None


def test_llm_answer_for_prose_facts_is_held_to_the_text_and_the_o_rules() -> None:
    # Validation only (no model): a quote must be in the text, its number in the quote, and parts may
    # not exceed their total; the error names what failed, for the re-ask.
    import pydantic
    import pytest

    from giextract.llm.schemas import ProseFactsOut

    text = "2015年,全市共收到政府信息公开申请1207宗。当面申请、信函申请分别为:677宗、310宗。"
    good = {"facts": [{"key": "requests_received", "value": 1207, "quote": "收到政府信息公开申请1207宗"},
                      {"key": "requests_in_person", "value": 677, "quote": "677宗"}]}
    assert len(ProseFactsOut.model_validate(good, context={"section_text": text}).facts) == 2
    bad_sum = {"facts": [{"key": "requests_received", "value": 1207, "quote": "申请1207宗"},
                         {"key": "requests_in_person", "value": 677, "quote": "677宗"},
                         {"key": "requests_letter", "value": 677, "quote": "677宗"},
                         {"key": "requests_online", "value": 310, "quote": "310宗"}]}
    with pytest.raises(pydantic.ValidationError, match=r"O1 failed: requests_in_person \+ requests_online \+ "
                                                       r"requests_letter = 1664 exceeds requests_received = 1207"):
        ProseFactsOut.model_validate(bad_sum, context={"section_text": text})
    with pytest.raises(pydantic.ValidationError, match="is not in the text"):
        ProseFactsOut.model_validate({"facts": [{"key": "reviews_total", "value": 0, "quote": "未发生行政复议"}]},
                                     context={"section_text": text})
    with pytest.raises(pydantic.ValidationError):
        ProseFactsOut.model_validate({"facts": [{"key": "not_a_key", "value": 1, "quote": "1207宗"}]},
                                     context={"section_text": text})


def test_prose_facts_are_rows_of_the_long_table() -> None:
    from giextract.export import long_rows

    report = giextract.extract(SOURCES / "seed_004_70095cba19501f17.txt")
    rows = {r["row"]: r for r in long_rows([report]) if r["table"] == "prose_facts"}
    assert rows["requests_received"]["value"] == 1207 and rows["requests_received"]["raw"] == "1207宗"
