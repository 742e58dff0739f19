"""Response cache: JSON text in one SQLite file, never pickles, so that reading a cache can never run code.

The key covers every setting that changes the answer (model, endpoint, instructor mode, temperature,
max_tokens, re-asks, the rendered messages, the response schema, the prompt files and giextract's
version); only answers that validated are stored, and a stored answer is validated again when read. The
API key is neither part of a key nor of a value. The default folder is the user's cache folder
(platformdirs; ``$XDG_CACHE_HOME/giextract/llm`` on Linux), never the current directory or the inputs.
A folder written by the old diskcache (pickle) format is not read: its files are ignored."""
from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any, Optional

from giextract.llm.config import LLMConfig

log = logging.getLogger(__name__)
FILE_NAME = "responses.sqlite3"
FORMAT = 2  # 1 was diskcache's pickles


def default_cache_dir() -> Path:
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("giextract", appauthor=False)) / "llm"


@lru_cache(maxsize=8)
def _prompts_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.glob("*.md")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def cache_key(config: LLMConfig, messages: list[dict[str, str]], schema: dict[str, Any]) -> str:
    import giextract
    from giextract.llm import prompts

    payload = {"format": FORMAT, "giextract": giextract.__version__, "prompts": _prompts_digest(prompts.PROMPT_DIR),
               "model": config.model, "base_url": config.base_url or "", "mode": config.mode,
               "temperature": config.temperature, "max_tokens": config.max_tokens, "max_reasks": config.max_reasks,
               "messages": messages, "schema": schema}
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


class ResponseCache:
    """Opened on first use (building a client writes nothing); thread-safe; any SQLite trouble (a locked,
    corrupt or foreign file) turns the cache off for the run with a warning rather than failing it."""

    def __init__(self, config: LLMConfig):
        folder = Path(config.cache_dir) if config.cache_dir is not None else default_cache_dir()
        self.path: Optional[Path] = folder / FILE_NAME if config.use_cache else None
        self._db: Optional[sqlite3.Connection] = None
        self._lock = threading.Lock()

    def _connection(self) -> Optional[sqlite3.Connection]:
        if self._db is None and self.path is not None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                db = sqlite3.connect(str(self.path), timeout=30, check_same_thread=False, isolation_level=None)
                db.execute("PRAGMA trusted_schema = OFF")
                db.execute("CREATE TABLE IF NOT EXISTS responses (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
                self._db = db
            except (OSError, sqlite3.Error) as exc:
                log.warning("response cache %s unusable (%s): running without it", self.path, exc)
                self.path = None
        return self._db

    def get(self, key: str) -> Optional[dict[str, Any]]:
        with self._lock:
            db = self._connection()
            if db is None:
                return None
            try:
                row = db.execute("SELECT value FROM responses WHERE key = ?", (key,)).fetchone()
            except sqlite3.Error as exc:
                log.warning("response cache read failed (%s): calling the model", exc)
                return None
        if row is None or not isinstance(row[0], str):  # anything but JSON text is not ours: a miss
            return None
        try:
            value = json.loads(row[0])
        except ValueError:
            return None
        return value if isinstance(value, dict) and "value" in value else None

    def set(self, key: str, value: dict[str, Any]) -> None:
        text = json.dumps(value, ensure_ascii=False)
        with self._lock:
            db = self._connection()
            if db is None:
                return
            try:
                db.execute("INSERT OR REPLACE INTO responses (key, value) VALUES (?, ?)", (key, text))
            except sqlite3.Error as exc:
                log.warning("response cache write failed (%s)", exc)

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None
