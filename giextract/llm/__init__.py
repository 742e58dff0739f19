"""The LLM layer (optional at run time): instructor-filled schemas per section, validator-driven re-asks,
a response cache and transient retries. Only this package imports openai and instructor."""
from giextract.llm.client import LLMClient
from giextract.llm.config import LLMConfig

__all__ = ["LLMClient", "LLMConfig"]
