"""Loading the hand-read gold labels (eval/gold) and comparing an extraction with them, cell by cell."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Optional

from giextract import Report

ROOT = Path(__file__).resolve().parents[1]
GOLD_DIR = ROOT / "eval" / "gold"
SOURCES = ROOT / "eval" / "sources"


def gold_files() -> list[Path]:
    return sorted(GOLD_DIR.glob("*.json"))


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def source_of(gold: dict[str, Any]) -> Path:
    name = gold["file"]
    return SOURCES / (name if name.endswith(".txt") else name + ".txt")


def gold_cells(gold: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    for sub, rows in (gold.get("active_disclosure") or {}).items():
        for row, cols in rows.items():
            for col, v in cols.items():
                yield f"active_disclosure.{sub}.{row}.{col}", v
    for table in ("applications", "review_litigation"):
        for row, cols in (gold.get(table) or {}).items():
            for col, v in cols.items():
                yield f"{table}.{row}.{col}", v


@dataclass
class Verdict:
    path: str
    gold: Any
    got: Any
    outcome: str  # correct | flagged | silent | missing


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return abs(a - b) < 1e-6
    return a == b


def judge(report: Report, path: str, gold_value: Any) -> Verdict:
    cell = report.cell(path)
    flagged_paths = {c for f in report.findings if f.severity != "info" for c in f.cells}
    if cell is None:
        return Verdict(path, gold_value, None, "missing")
    got: Optional[Any]
    if cell.status == "ambiguous":
        got = {"ambiguous": cell.candidates}
    elif cell.status == "not_applicable":
        got = "n/a"
    elif cell.status == "missing":
        got = None
    else:
        got = cell.value
    if isinstance(gold_value, dict) and isinstance(got, dict):
        ok = sorted(gold_value["ambiguous"]) == sorted(got["ambiguous"])
    else:
        ok = _same(gold_value, got)
    if ok:
        return Verdict(path, gold_value, got, "correct")
    if cell.status == "ambiguous" or path in flagged_paths:
        return Verdict(path, gold_value, got, "flagged")
    return Verdict(path, gold_value, got, "silent")
