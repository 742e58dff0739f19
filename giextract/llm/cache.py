"""Response cache (diskcache): keyed on model, endpoint, instructor mode, rendered messages and the
response schema, so that any change misses and a repeat run makes no calls. The API key is not part
of the key and is never stored."""
from __future__ import annotations

import hashlib
import json
from typing import Any, Optional

from giextract.llm.config import LLMConfig


def cache_key(config: LLMConfig, messages: list[dict[str, str]], schema: dict[str, Any]) -> str:
    payload = {"model": config.model, "base_url": config.base_url or "", "mode": config.mode,
               "temperature": config.temperature, "messages": messages, "schema": schema}
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


class ResponseCache:
    def __init__(self, config: LLMConfig):
        self._cache = None
        if config.use_cache and config.cache_dir is not None:
            import diskcache

            self._cache = diskcache.Cache(str(config.cache_dir))

    def get(self, key: str) -> Optional[dict[str, Any]]:
        return self._cache.get(key) if self._cache is not None else None  # type: ignore[no-any-return]

    def set(self, key: str, value: dict[str, Any]) -> None:
        if self._cache is not None:
            self._cache.set(key, value)

    def close(self) -> None:
        if self._cache is not None:
            self._cache.close()
