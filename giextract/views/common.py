"""What the review page, the audit report and the panel share: the status set (as data), loading
records, finding the text a record's spans point into, and safe embedding in HTML."""
from __future__ import annotations

import html
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Optional, Union

from giextract.core.model import Report

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StatusStyle:
    label: str  # what a reader sees (the index column header, the legend)
    colour: str  # highlight background
    meaning: str


# Cell statuses, in the order the index shows them. A status not listed here is drawn with
# ``UNKNOWN_STATUS`` (a newer extractor may add one before this table is updated).
STATUSES: dict[str, StatusStyle] = {
    "ok": StatusStyle("ok", "#c8f0c8", "read, and the only reading the rules allow"),
    "ambiguous": StatusStyle("ambiguous", "#ffd27f", "several readings fit; see the candidates"),
    "unverified": StatusStyle("unverified", "#e3c8ff", "from the model, not confirmed by the rules"),
    "unread": StatusStyle("unread", "#ffb0b0", "in the report but not read by the extractor"),
    "missing": StatusStyle("blank", "#e0e0e0", "blank in the report"),
    "not_applicable": StatusStyle("n/a", "#d8e8ff", "printed as / — or 无"),
}
UNKNOWN_STATUS = StatusStyle("other", "#f0f0a0", "a status this page does not know")
# Index columns that are always shown (others only when some report has them, e.g. ``unread``).
ALWAYS_SHOWN = ("ok", "ambiguous", "unread", "missing")
SOURCES = {"rules": "solid", "llm": "dashed"}  # underline style of a highlight, by the cell's source


def style_of(status: str) -> StatusStyle:
    return STATUSES.get(status, UNKNOWN_STATUS)


def load_reports(source: Union[str, Path, Iterable[Report]]) -> list[Report]:
    """Reports from a JSONL batch output (or a single-record JSON file), or as given."""
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.is_file():
            raise FileNotFoundError(f"no such results file: {path}")
        if path.suffix == ".json":  # `extract FILE --out x.json`: one indented record
            return [Report.model_validate_json(path.read_bytes())]
        from giextract.batch import iter_records

        return list(iter_records(path))
    return list(source)


@dataclass
class SourceText:
    text: Optional[str]
    note: str  # why the text is missing, or how it was read


def source_text(report: Report, root: Optional[Path] = None) -> SourceText:
    """The text this record's spans point into, re-read from its source file with the same reader.
    Refused (``text`` None, with the reason) when the file is gone or is no longer the file the record
    was made from (sha256 or length differ): highlights on another text would point at wrong words."""
    from giextract.batch_inputs import record_path
    from giextract.ingest.decode import InputError
    from giextract.ingest.documents import read_document

    if not report.source.path:
        return SourceText(None, "the record names no source file")
    path = Path(record_path(report.source.path))
    if root is not None and not path.is_absolute():
        path = root / path
    try:
        read = read_document(path)
    except InputError as exc:
        return SourceText(None, f"source not readable: {exc}")
    except Exception as exc:  # noqa: BLE001 - a reader failing on one file must not stop a batch of pages
        log.warning("cannot re-read %s: %s", report.source.path, exc)
        return SourceText(None, f"source not readable: {type(exc).__name__}: {exc}")
    if report.source.sha256 and read.sha256 != report.source.sha256:
        return SourceText(None, "the source file changed since it was extracted (sha256 differs)")
    if len(read.text) != report.source.chars:
        return SourceText(None, f"the reader now gives {len(read.text)} characters, the record says "
                                f"{report.source.chars}: spans would not line up")
    return SourceText(read.text, read.how)


def esc(value: Any) -> str:
    """Text for an HTML element or attribute: nothing in a report can become markup."""
    return html.escape("" if value is None else str(value), quote=True)


def json_for_script(data: Any) -> str:
    """JSON safe inside ``<script type="application/json">`` (no ``</script>``, no ``<!--``)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026") \
        .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def status_counts(report: Report) -> dict[str, int]:
    counts: dict[str, int] = {}
    for _, cell in report.iter_cells():
        counts[cell.status] = counts.get(cell.status, 0) + 1
    return counts


def severity_counts(report: Report) -> dict[str, int]:
    counts = {"error": 0, "warning": 0, "info": 0}
    for finding in report.findings:
        counts[finding.severity] = counts.get(finding.severity, 0) + 1
    return counts


def page_name(index: int, report: Report) -> str:
    """A file name for a report's page: its position in the batch and its file stem (ASCII-safe)."""
    stem = Path(report.source.path or "report").stem
    safe = "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "_" for c in stem)[:60].strip("_")
    return f"{index:04d}_{safe or 'report'}.html"
