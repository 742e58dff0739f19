"""How to reach a model: environment (OPENAI_API_KEY, OPENAI_BASE_URL, GIEXTRACT_MODEL), CLI flags or code."""
from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Optional

# instructor modes by the kind of server: tool calling for hosted APIs, a JSON-object schema for
# llama.cpp / vLLM / Ollama servers, Markdown JSON as the last resort.
INSTRUCTOR_MODES = ("tools", "json", "json_schema", "md_json")


@dataclass(frozen=True)
class LLMConfig:
    model: str = "local"
    base_url: Optional[str] = None
    api_key: Optional[str] = field(default=None, repr=False)  # never logged, cached or serialized
    mode: str = "json"
    max_reasks: int = 2  # validation re-asks after the first attempt
    transient_attempts: int = 4  # tries for 429 / 5xx / timeouts / connection errors
    backoff_initial: float = 1.0
    backoff_max: float = 30.0
    timeout: float = 120.0  # seconds for a whole call: every re-ask and retry, not just one read
    temperature: float = 0.0
    max_tokens: int = 1024
    cache_dir: Optional[Path] = None  # None: the user's cache folder (giextract.llm.cache.default_cache_dir)
    use_cache: bool = True
    concurrency: int = 4
    # Hybrid narrative: "fallback" asks the model only where the rules found no items; "sentences" also
    # where the rules fell back to a sentence split; "always" every time. Default measured on the eval
    # set with the 0.5B local model: its items scored below the rules' in both other settings.
    hybrid_narrative: str = "fallback"
    # Hybrid legacy prose facts (asked only of a legacy report with no 统计表). Off by default: with the
    # 0.5B local model the facts it added lowered precision and doubled hybrid's tokens (README).
    hybrid_prose_facts: bool = False
    # Hybrid table tasks show the located grid (prompts/table_grid.md) instead of the section text, and
    # where no row of a table was located the model is asked where it is (prompts/table_locate.md) for the
    # rules' fitter to read. On since the eval cassettes were re-recorded with it (1.5B local model).
    hybrid_grid: bool = True

    @classmethod
    def from_env(cls, **overrides: object) -> "LLMConfig":
        base = cls(
            model=os.environ.get("GIEXTRACT_MODEL", cls.model),
            base_url=os.environ.get("OPENAI_BASE_URL") or None,
            api_key=os.environ.get("OPENAI_API_KEY") or None,
            mode=os.environ.get("GIEXTRACT_INSTRUCTOR_MODE", cls.mode),
        )
        return replace(base, **{k: v for k, v in overrides.items() if v is not None})  # type: ignore[arg-type]

    @property
    def configured(self) -> bool:
        """An endpoint or key is set: hybrid becomes the default mode."""
        return bool(self.base_url or self.api_key)
