"""What a batch reads: every entry named or found under a named folder becomes one input with a stable
key (its absolute path, parent folders resolved), or the specific reason it cannot be read. Nothing but
regular files is ever opened: FIFOs, sockets and devices, symbolic-link loops, dangling links and links
to folders become error inputs, and an unlistable folder is one too.

File names are bytes on POSIX. A name that is not UTF-8 reaches Python with surrogate escapes, which JSON
cannot carry, so the path stored in a record (``source.path``) is written in an escaped form: each byte
that is not UTF-8 as ``\\xHH`` and a literal backslash doubled. ``record_path`` reverses it losslessly."""
from __future__ import annotations

import errno
import hashlib
import os
import re
import stat
from dataclasses import dataclass
from typing import Iterable, Optional

_SURROGATE_OR_BACKSLASH = re.compile("[\\\\\udc80-\udcff]")
_ESCAPE = re.compile(r"\\(\\|x[0-9a-fA-F]{2})")


def escape_path(path: str) -> str:
    """A file-system path (surrogate escapes allowed) → the form stored in records: valid Unicode."""
    return _SURROGATE_OR_BACKSLASH.sub(lambda m: "\\\\" if m.group() == "\\" else f"\\x{ord(m.group()) - 0xDC00:02x}", path)


def record_path(stored: str) -> str:
    """The form stored in records → the path to open (``open``/``os.fsencode`` accept it as it is)."""
    return _ESCAPE.sub(lambda m: "\\" if m.group(1) == "\\" else chr(0xDC00 + int(m.group(1)[1:], 16)), stored)


def safe_text(text: str) -> str:
    """Free text (a message naming a path) with any undecodable byte as ``\\xHH``: valid Unicode."""
    return re.sub("[\udc80-\udcff]", lambda m: f"\\x{ord(m.group()) - 0xDC00:02x}", text)


def shown(path: str) -> str:
    """A path for messages and logs (never raises on undecodable names)."""
    return escape_path(path)


@dataclass
class Input:
    path: str  # to open
    key: str  # escaped absolute path: source.path of its record, and the resume key
    problem: Optional[str] = None  # why it is not read, if it is not
    size: int = -1
    mtime_ns: int = -1


def absolute(path: str) -> str:
    """Absolute path with the parent folders resolved (the last component is kept as named, so that each
    link in a folder stays its own input)."""
    full = os.path.abspath(path)
    head, tail = os.path.split(full)
    return os.path.join(os.path.realpath(head), tail) if tail else full


def _kind(mode: int) -> Optional[str]:
    for test, name in ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISDIR, "a folder")):
        if test(mode):
            return name
    return None if stat.S_ISREG(mode) else "not a regular file"


def classify(path: str, key: Optional[str] = None) -> Input:
    """An input for ``path`` without opening it: regular file (with its size and mtime) or the reason."""
    key = key or escape_path(absolute(path))
    name = shown(path)
    try:
        st = os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return Input(path, key, f"cannot read {name}: a symbolic link loop")
        if os.path.islink(path):
            try:
                target = os.readlink(path)
            except OSError:
                target = "?"
            return Input(path, key, f"cannot read {name}: a dangling symbolic link (its target {shown(target)} does not exist)")
        if exc.errno == errno.ENOENT:
            return Input(path, key, f"cannot read {name}: no such file")
        return Input(path, key, f"cannot read {name}: {exc.strerror}")
    kind = _kind(st.st_mode)
    if kind == "a folder":
        return Input(path, key, f"not read: {name} is a symbolic link to a folder (links to folders are not followed)")
    if kind:
        return Input(path, key, f"not read: {name} is {kind}, not a regular file")
    return Input(path, key, None, st.st_size, st.st_mtime_ns)


def _walk_folder(root: str) -> list[Input]:
    found: list[Input] = []

    def unlistable(exc: OSError) -> None:
        where = exc.filename if isinstance(exc.filename, str) else root
        found.append(Input(where, escape_path(where), f"cannot list folder {shown(where)}: {exc.strerror}"))

    for folder, dirs, files in os.walk(root, onerror=unlistable, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files) + [d for d in dirs if os.path.islink(os.path.join(folder, d))]:
            if not name.startswith("."):
                path = os.path.join(folder, name)
                found.append(classify(path, escape_path(path)))
    return sorted(found, key=lambda i: i.key)


def walk_inputs(paths: Iterable[str]) -> list[Input]:
    """Every input named or under a named folder (hidden entries skipped), one per key, in order."""
    out: list[Input] = []
    seen: set[str] = set()
    for p in paths:
        if os.path.isdir(p):
            items = _walk_folder(os.path.realpath(p))
        else:
            items = [classify(p)]
        for item in items:
            if item.key not in seen:
                seen.add(item.key)
                out.append(item)
    return out


def file_digest(path: str) -> tuple[Optional[str], Optional[str]]:
    """(sha256, None) of a regular file, or (None, reason). Opened non-blocking and checked again after
    opening, so an entry swapped for a FIFO meanwhile is never read."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        return None, f"cannot read {shown(path)}: {exc.strerror}"
    with os.fdopen(fd, "rb") as f:
        kind = _kind(os.fstat(fd).st_mode)
        if kind:
            return None, f"not read: {shown(path)} is {kind}, not a regular file"
        try:
            return hashlib.file_digest(f, "sha256").hexdigest(), None
        except OSError as exc:
            return None, f"cannot read {shown(path)}: {exc.strerror}"
