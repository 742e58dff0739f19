"""The LLM layer (optional at run time): instructor-filled schemas per section, validator-driven re-asks,
a response cache and transient retries. Only this package imports openai and instructor, and only when a
client is built: ``LLMConfig`` (and this package) import without them, so rules mode never pays for them."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from giextract.llm.config import LLMConfig

if TYPE_CHECKING:
    from giextract.llm.client import LLMClient

__all__ = ["LLMClient", "LLMConfig"]


def __getattr__(name: str) -> Any:
    if name == "LLMClient":
        from giextract.llm.client import LLMClient

        return LLMClient
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
