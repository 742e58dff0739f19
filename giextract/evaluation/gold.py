"""The hand-read gold set in eval/: loading and walking its cells. The data lives in eval/, not here."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator, Optional

DEFAULT_EVAL_DIR = Path("eval")


def gold_files(eval_dir: Path = DEFAULT_EVAL_DIR, split: Optional[str] = None) -> list[Path]:
    files = sorted((eval_dir / "gold").glob("*.json"))
    if split:
        files = [f for f in files if load(f).get("split") == split]
    return files


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def source_of(gold: dict[str, Any], eval_dir: Path = DEFAULT_EVAL_DIR) -> Path:
    name = gold["file"]
    return eval_dir / "sources" / (name if name.endswith(".txt") else name + ".txt")


def gold_cells(gold: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """(dotted cell path, gold value) for every table cell the gold labels, statistics rows included."""
    for sub, rows in (gold.get("active_disclosure") or {}).items():
        for row, cols in rows.items():
            for col, v in cols.items():
                yield f"active_disclosure.{sub}.{row}.{col}", v
    for table in ("applications", "review_litigation"):
        for row, cols in (gold.get(table) or {}).items():
            for col, v in cols.items():
                yield f"{table}.{row}.{col}", v
    for i, row in enumerate(gold.get("statistics_table") or []):
        yield f"statistics_table.{i}.value", row.get("value")
        if row.get("cumulative") is not None:
            yield f"statistics_table.{i}.cumulative", row["cumulative"]
