"""ruff and mypy over the modules brought up to them (the list grows as modules are touched; see
pyproject's [tool.ruff] and [tool.mypy]). A lint error there fails the suite like any other test."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHECKED = [
    "giextract/tables", "giextract/grids/text.py", "giextract/grids/ocr.py", "giextract/grids/ocr_rules.py",
    "giextract/workers.py", "giextract/ray_engine.py", "giextract/evaluation/layouts/matrix.py",
    "giextract/pipeline.py", "giextract/narrative.py", "giextract/prose_facts.py", "giextract/templates/tables.py", "giextract/views/shape.py",
    "giextract/evaluation/layouts/document.py", "tests/test_lint.py", "tests/test_run_on_bound.py",
]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_ruff_passes_on_the_checked_modules() -> None:
    done = _run("ruff", "check", *CHECKED)
    assert done.returncode == 0, done.stdout + done.stderr


def test_mypy_passes_on_the_checked_modules() -> None:
    # silent: errors are reported for these files only, not for every module they import
    done = _run("mypy", "--follow-imports=silent", *[p for p in CHECKED if p.startswith("giextract")])
    assert done.returncode == 0, done.stdout + done.stderr
