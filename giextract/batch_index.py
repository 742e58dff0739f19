"""The batch's compact index: a SQLite file beside the JSONL (``OUT.index.sqlite``) with one row per input
(key, sha256, the input's size and mtime, whether the record is an error, agency, year, era and the cells
U1/U2 read, and the byte offset of its live line). Resume and the cross-year checks read only this.

The JSONL stays the truth: the index is written after each line and covers a prefix of the file
(``indexed_bytes``). At open, lines past that prefix (a run killed before its commit) are indexed; a
missing, corrupt or stale index (another format version, or a JSONL replaced or rewritten since) is
rebuilt by one streaming pass. A line cut short at the end is removed; a torn line inside is skipped
with a warning."""
from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Optional

from giextract.crossyear import Facts, agency_key, facts_of_record

log = logging.getLogger(__name__)

VERSION = "1"
_COMMIT_EVERY = 500
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT);
CREATE TABLE IF NOT EXISTS records (key TEXT PRIMARY KEY, sha256 TEXT, size INTEGER, mtime_ns INTEGER,
  is_error INTEGER, agency TEXT, year INTEGER, era TEXT, has_text INTEGER, facts TEXT, offset INTEGER);
CREATE INDEX IF NOT EXISTS by_agency ON records (agency, offset);
"""


def sidecar(out: Path, suffix: str) -> Path:
    return out.with_name(out.name + suffix)


@dataclass
class Row:
    sha256: str
    size: Optional[int]
    mtime_ns: Optional[int]
    is_error: bool


def _head_hash(fd: int, upto: int) -> str:
    return hashlib.sha256(os.pread(fd, min(upto, 4096), 0)).hexdigest()


class BatchIndex:
    def __init__(self, out: Path) -> None:
        self.out = out
        self.path = sidecar(out, ".index.sqlite")
        self.db: sqlite3.Connection
        self.indexed = 0
        self.tail_at = 0
        self._pending = 0
        self.changed = False

    # --- opening and catching up with the JSONL ---

    def open(self, fd: int) -> None:
        """Open (or rebuild) the index for the JSONL open as ``fd`` (locked by the caller)."""
        try:
            self._connect()
            valid = self._valid(fd)
        except sqlite3.DatabaseError as exc:
            log.warning("%s: unreadable index (%s): rebuilding it", self.path, exc)
            if getattr(self, "db", None) is not None:
                self.db.close()
            self.path.unlink()  # a planted link is removed, never written through
            self._connect()
            valid = False
        if not valid:
            if self.path.exists() and self._meta("version") is not None:
                log.warning("%s: index does not match %s (older version or rewritten file): rebuilding it",
                            self.path.name, self.out.name)
            self.db.execute("DELETE FROM records")
            self.db.execute("DELETE FROM meta")
            self.indexed = 0
            self.changed = True
        self._catch_up(fd)
        self.commit()

    def _connect(self) -> None:
        self.db = sqlite3.connect(str(self.path), isolation_level="DEFERRED")
        self.db.execute("PRAGMA synchronous=OFF")  # rebuildable from the JSONL: crash safety is not needed here
        self.db.executescript(_SCHEMA)

    def _meta(self, k: str) -> Optional[str]:
        row = self.db.execute("SELECT v FROM meta WHERE k = ?", (k,)).fetchone()
        return row[0] if row else None

    def _valid(self, fd: int) -> bool:
        st = os.fstat(fd)
        if self._meta("version") != VERSION or self._meta("file") != f"{st.st_dev}:{st.st_ino}":
            return False
        indexed = int(self._meta("indexed_bytes") or 0)
        if indexed > st.st_size or (indexed and self._meta("head") != _head_hash(fd, indexed)):
            return False
        tail_at = int(self._meta("tail_offset") or 0)
        if indexed and self._meta("tail") != hashlib.sha256(os.pread(fd, indexed - tail_at, tail_at)).hexdigest():
            return False
        self.indexed, self.tail_at = indexed, tail_at
        return True

    def _catch_up(self, fd: int) -> None:
        size = os.fstat(fd).st_size
        if self.indexed >= size:
            return
        offset = self.indexed
        with os.fdopen(os.dup(fd), "rb") as f:
            f.seek(offset)
            for line in iter(f.readline, b""):
                start, offset = offset, offset + len(line)
                if not line.endswith(b"\n"):
                    record = _parse(line)
                    if record is None:
                        log.warning("%s: dropping a record cut short by an interrupted run (%d bytes at the end)",
                                    self.out.name, len(line))
                        os.ftruncate(fd, start)
                        break
                    os.write(fd, b"\n")  # a whole record that lacked only its newline
                    offset += 1
                else:
                    record = _parse(line)
                if record is None:
                    if line.strip():
                        log.warning("%s: the line at byte %d is not a whole record (torn by an earlier crash?): "
                                    "skipped", self.out.name, start)
                    continue
                self.add(record, start, offset)
        self.changed = True

    # --- reading and writing rows ---

    def get(self, key: str) -> Optional[Row]:
        row = self.db.execute("SELECT sha256, size, mtime_ns, is_error FROM records WHERE key = ?", (key,)).fetchone()
        return Row(row[0], row[1], row[2], bool(row[3])) if row else None

    def add(self, record: dict[str, Any], start: int, end: int, size: Optional[int] = None,
            mtime_ns: Optional[int] = None) -> None:
        """Index the record whose line spans [start, end) of the JSONL (the live record of its key)."""
        source = record.get("source") or {}
        key = source.get("path")
        if not isinstance(key, str):
            return
        facts = facts_of_record(record)
        agency = agency_key((record.get("meta") or {}).get("agency"))
        self.db.execute("INSERT OR REPLACE INTO records VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                        (key, source.get("sha256") or "", size, mtime_ns, int(bool(record.get("errors"))), agency,
                         facts.year, facts.era, int((source.get("chars") or 0) > 0), json.dumps(facts.values), start))
        self.indexed, self.tail_at, self.changed = end, start, True
        self._pending += 1
        if self._pending >= _COMMIT_EVERY:
            self.commit()

    def rows(self) -> dict[str, Row]:
        """Every row by key, in one query (a lookup per input costs more than holding ~400 bytes each)."""
        return {key: Row(sha, size, mtime, bool(err)) for key, sha, size, mtime, err in
                self.db.execute("SELECT key, sha256, size, mtime_ns, is_error FROM records")}

    def set_stat(self, key: str, size: int, mtime_ns: int) -> None:
        """The input was hashed and found unchanged: remember its stat so the next run need not hash it."""
        self.db.execute("UPDATE records SET size = ?, mtime_ns = ? WHERE key = ?", (size, mtime_ns, key))
        self._pending += 1
        if self._pending >= _COMMIT_EVERY:
            self.commit()

    def commit(self) -> None:
        fd_stat = os.stat(self.out)
        values = {"version": VERSION, "file": f"{fd_stat.st_dev}:{fd_stat.st_ino}",
                  "indexed_bytes": str(self.indexed), "tail_offset": str(self.tail_at)}
        if self.indexed:
            with self.out.open("rb") as f:
                head = f.read(min(self.indexed, 4096))
                f.seek(self.tail_at)
                tail = f.read(self.indexed - self.tail_at)
            values["head"] = hashlib.sha256(head).hexdigest()
            values["tail"] = hashlib.sha256(tail).hexdigest()
        self.db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", values.items())
        self.db.commit()
        self._pending = 0

    def close(self) -> None:
        self.commit()
        self.db.close()

    # --- cross-year ---

    def agencies(self) -> Iterator[list[tuple[str, Facts]]]:
        """The reports of each agency (with text, a year), in file order; one agency in memory at a time."""
        rows = self.db.execute("SELECT key, agency, year, era, facts FROM records WHERE agency IS NOT NULL "
                               "AND year IS NOT NULL AND has_text = 1 ORDER BY agency, offset")
        group: list[tuple[str, Facts]] = []
        current = None
        for key, agency, year, era, facts in rows:
            if agency != current and group:
                yield group
                group = []
            current = agency
            group.append((key, Facts(year, era, json.loads(facts))))
        if group:
            yield group

    def crossyear_is_current(self) -> bool:
        return self._meta("crossyear_at") == str(self.indexed)

    def mark_crossyear(self) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta VALUES ('crossyear_at', ?)", (str(self.indexed),))
        self.db.commit()


def _parse(line: bytes) -> Optional[dict[str, Any]]:
    try:
        record = json.loads(line)
    except ValueError:
        return None
    return record if isinstance(record, dict) and isinstance(record.get("source"), dict) else None


def live_offsets(out: Path) -> Optional[tuple[set[int], int]]:
    """(offsets of the live line of each key, bytes covered) from a valid index of ``out``, read-only;
    None when there is none."""
    path = sidecar(out, ".index.sqlite")
    if not path.exists():
        return None
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            meta = dict(db.execute("SELECT k, v FROM meta").fetchall())
            st = os.stat(out)
            indexed = int(meta.get("indexed_bytes") or 0)
            if meta.get("version") != VERSION or meta.get("file") != f"{st.st_dev}:{st.st_ino}" or indexed > st.st_size:
                return None
            return {o for (o,) in db.execute("SELECT offset FROM records")}, indexed
        finally:
            db.close()
    except (sqlite3.Error, OSError, ValueError):
        return None
