"""Prompt templates, one file per task in prompts/ (shipped inside the package as giextract/prompts)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

PROMPT_DIR = Path(__file__).resolve().parent.parent / "prompts"
_SPLIT = "=== user ==="


@lru_cache(maxsize=None)
def _template(task: str) -> tuple[str, str]:
    text = (PROMPT_DIR / f"{task}.md").read_text(encoding="utf-8")
    system, user = text.split(_SPLIT, 1)
    return system.strip(), user.strip()


def render(task: str, section: str, **fields: str) -> list[dict[str, str]]:
    """Chat messages for ``task``; the section is inserted last so nothing in it can rewrite the template."""
    system, user = _template(task)
    for name, value in fields.items():
        user = user.replace("{" + name + "}", value)
    return [{"role": "system", "content": system}, {"role": "user", "content": user.replace("{section}", section)}]
