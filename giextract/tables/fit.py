"""The template fitter: printed rows (from any grid) → the official table's cells.

A grid's rows are read as (label, value cells). Labelled rows are aligned to the template's rows in
order by fuzzy label similarity (labels split over cells, truncated, reworded, prefixed by an ordinal);
rows whose label was lost are placed by position, but only where the gap between two aligned rows has
exactly as many printed rows as the template has — anything else stays unread, with a finding. The
table is found by content: every grid of the document is a candidate, whatever heading stands above it.
The arithmetic (R1–R4) then checks the result like any other reading.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable, Optional, Sequence, cast

from giextract.core.grid import Grid, GridCell
from giextract.core.model import Cell, Finding, Number
from giextract.ingest.normalize import Document
from giextract.tables.tokens import NOT_APPLICABLE, parse_count, parse_money_wan_yuan, parse_signed
from giextract.templates.tables import (
    ACTIVE_DISCLOSURE,
    APPLICATION_COLUMNS,
    APPLICATIONS,
    REVIEW_COLUMNS,
    REVIEW_GROUPS,
    RowSpec,
)

TableValues = dict[str, dict[str, Cell]]
CellParser = Callable[[str], Optional[Number]]
MIN_LABEL_SCORE = 0.55
_ORDINAL = re.compile(r"^\s*(?:[一二三四五六七八九十]+\s*[、.．]|[(（]\s*[一二三四五六七八九十\d]+\s*[)）]|\d+\s*[.、．](?!\d))\s*")
_NOISE = re.compile(r"[\s\"'“”‘’、，,。:：;；()（）\[\]【】<>《》|/]")
_NUMBER = re.compile(r"[-+−]?\d+(?:\.\d+)?")
_BLANK = {"", "&nbsp;"}


@lru_cache(maxsize=8192)
def _plain(text: str) -> str:
    """A label for comparison: NFKC, no leading ordinal, no punctuation or spaces."""
    text = unicodedata.normalize("NFKC", text)
    return _NOISE.sub("", _ORDINAL.sub("", text))


@lru_cache(maxsize=8192)
def _bigrams(s: str) -> frozenset[str]:
    return frozenset(s[i:i + 2] for i in range(len(s) - 1)) if len(s) > 1 else frozenset((s,))


@lru_cache(maxsize=65536)
def label_score(printed: str, template: str) -> float:
    """0..1: how well a printed label names a template label (containment, else bigram overlap)."""
    a, b = _plain(printed), _plain(template)
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    short, long_ = sorted((a, b), key=len)
    if len(short) >= 2 and short in long_:
        return 0.75 + 0.25 * len(short) / len(long_)
    x, y = _bigrams(a), _bigrams(b)
    return 2 * len(x & y) / (len(x) + len(y))


@dataclass(frozen=True)
class TemplateRow:
    path: str  # e.g. applications.granted / active_disclosure.art20_1.regulations
    spec: RowSpec
    columns: tuple[str, ...]
    parsers: tuple[CellParser, ...]

    def score(self, labels: Sequence[str]) -> float:
        names = (self.spec.label,) + self.spec.aliases
        return max((label_score(p, n) for p in labels for n in names), default=0.0)


@dataclass
class PrintedRow:
    """One row of a grid: its label texts and its value cells (None where the grid has no cell)."""

    labels: list[str]
    values: list[Optional[GridCell]]
    grid: int
    row: int
    n_cols: int = 0
    matched: Optional[str] = None
    kind: str = ""

    def values_for(self, width: int) -> Optional[list[Optional[GridCell]]]:
        """The row's ``width`` value cells: as printed when the count matches; else by grid column when
        every value cell sits in one of the grid's last ``width`` columns (a row that leaves trailing
        cells out); extra leading blank cells are dropped. None when the row cannot hold the template's
        row."""
        vals = self.values
        if len(vals) == width:
            return vals
        if len(vals) > width and all(v is None or v.blank for v in vals[:len(vals) - width]):
            return vals[len(vals) - width:]
        first = self.n_cols - width
        if 0 < len(vals) < width and all(v is not None and v.col_span == 1 and v.col >= first for v in vals):
            placed: list[Optional[GridCell]] = [None] * width
            for v in vals:
                placed[v.col - first] = v  # type: ignore[union-attr]
            return placed
        return None


@dataclass
class Fit:
    values: TableValues
    findings: list[Finding] = field(default_factory=list)
    rows_read: int = 0
    score: float = 0.0
    template_name: str = ""


def _is_value_text(text: str) -> bool:
    t = unicodedata.normalize("NFKC", text).strip()
    return t in _BLANK or t in NOT_APPLICABLE or bool(re.fullmatch(
        r"(?:减少?|增加?|[-+−])?\s*\d+(?:\.\d+)?\s*(?:万元|元|项|个|件|条)?", t))


# Readers whose empty positions may be cells they missed (an OCR box not found), never known blanks.
BLANK_UNKNOWN = {"ocr"}
_NOT_A_LABEL = re.compile(r"\s*(?:#|[—\-–\s\d第页/]+$|表)")  # a heading, a page footer, a table title


def could_be_label(text: str) -> bool:
    """A loose line that may be a row label stranded above its cells (not a heading or a footer)."""
    return not _NOT_A_LABEL.match(text)


def printed_rows(grids: Sequence[Grid]) -> list[PrintedRow]:
    """Every row of every grid as (labels, trailing value cells). Merged cells that started in an
    earlier row (a row-group label) are context, not this row's label."""
    out: list[PrintedRow] = []
    for g_index, grid in enumerate(grids):
        for r in range(grid.n_rows):
            own = grid.own_cells(r)
            split = len(own)
            while split > 0 and _is_value_text(own[split - 1].text):
                split -= 1
            labels = [c.text for c in own[:split] if c.text.strip()]
            values: list[Optional[GridCell]] = list(own[split:])
            above = out[-1] if out and out[-1].grid == g_index and out[-1].row == r - 1 else None
            if not labels and values and above is not None and not above.values and len(above.labels) == 1 \
                    and could_be_label(above.labels[0]):
                labels = above.labels  # a label stranded on the line above its cells
            out.append(PrintedRow(labels, values, g_index, r, grid.n_cols, kind=grid.kind))
    return out


def grid_cell(cell: Optional[GridCell], parse: CellParser, blank: str = "missing") -> Cell:
    """A printed grid cell as an output cell: blank stays blank (missing; ``blank="unread"`` where the
    reader cannot tell a blank from a cell it missed, as OCR), / — 无 are not applicable, a number the
    column's parser reads is ok with the span of its digits, anything else is unread."""
    if cell is None or cell.span is None:
        return Cell(value=None, raw="", status=blank)  # type: ignore[arg-type]
    text = unicodedata.normalize("NFKC", cell.text).replace("\u00a0", " ").strip()
    span = cell.span
    if text in _BLANK:
        return Cell(value=None, raw=cell.text, span=span, status=blank)  # type: ignore[arg-type]
    if text in NOT_APPLICABLE:
        return Cell(value=None, raw=cell.text, span=span, status="not_applicable")
    value = parse(text)
    if value is None:  # printed, but not as one number of this column
        return Cell(value=None, raw=cell.text, span=span, status="unread")
    m = _NUMBER.search(cell.text) or _NUMBER.search(text)
    if m and cell.text[m.start():m.end()] == m.group(0):
        span = (cell.span[0] + m.start(), cell.span[0] + m.end())
        return Cell(value=value, raw=m.group(0), span=span, status="ok")
    return Cell(value=value, raw=cell.text, span=span, status="ok")


def _align(rows: Sequence[PrintedRow], template: Sequence[TemplateRow]) -> tuple[dict[int, int], float]:
    """Monotone alignment of labelled printed rows to template rows (dynamic programming on label
    similarity), then label-less rows placed by position where a gap's counts agree."""
    n, m = len(rows), len(template)
    widths = {len(t.columns) for t in template}
    can_hold = [{w: rows[i].values_for(w) is not None for w in widths} if rows[i].values else {} for i in range(n)]
    fits = [[can_hold[i].get(len(t.columns), False) for t in template] for i in range(n)]
    score = [[template[j].score(rows[i].labels) if rows[i].labels and fits[i][j] else 0.0 for j in range(m)]
             for i in range(n)]
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    move = [[0] * (m + 1) for _ in range(n + 1)]  # 0 skip printed, 1 skip template, 2 match
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            options = [(best[i + 1][j], 0), (best[i][j + 1], 1)]
            if score[i][j] >= MIN_LABEL_SCORE:
                options.append((best[i + 1][j + 1] + score[i][j], 2))
            best[i][j], move[i][j] = max(options, key=lambda o: (o[0], o[1]))
    pairs: dict[int, int] = {}
    i = j = 0
    while i < n and j < m:
        if move[i][j] == 2:
            pairs[i] = j
            i, j = i + 1, j + 1
        elif move[i][j] == 0:
            i += 1
        else:
            j += 1
    if not pairs:
        return pairs, 0.0
    _place_by_position(rows, template, pairs, fits)
    return pairs, best[0][0]


def _place_by_position(rows: Sequence[PrintedRow], template: Sequence[TemplateRow], pairs: dict[int, int],
                       fits: list[list[bool]]) -> None:
    """Between (and just around) aligned rows, label-less value rows take the template rows in order
    when their count equals the count of template rows the gap leaves unmatched."""
    anchors = sorted(pairs.items())
    bounds = [(-1, -1)] + anchors + [(len(rows), len(template))]
    for (pi, pj), (ni, nj) in zip(bounds, bounds[1:]):
        gap_rows = [i for i in range(pi + 1, ni) if not rows[i].labels and rows[i].values
                    and rows[i].grid in {rows[a].grid for a, _ in anchors}]
        gap_tmpl = list(range(pj + 1, nj))
        if pi == -1 or ni == len(rows):
            # Before the first / after the last aligned row: only label-less rows that run straight
            # up to (or on from) it, in its own grid, and exactly as many as the template rows left there.
            # The run may go on into the next piece of the table (same width), past header lines.
            edge = ni if pi == -1 else pi
            step = -1 if pi == -1 else 1
            width = rows[edge].n_cols
            run: list[int] = []
            i = edge + step
            while 0 <= i < len(rows) and rows[i].n_cols == width and not (rows[i].labels and rows[i].values):
                if rows[i].values:
                    run.append(i)
                i += step
            gap_rows = sorted(run)
            if 0 <= i < len(rows) and rows[i].n_cols == width and rows[i].values:
                continue  # bounded by another data row that no template row took: no position to trust
        if gap_rows and len(gap_rows) == len(gap_tmpl) and all(fits[i][j] for i, j in zip(gap_rows, gap_tmpl)):
            pairs.update(zip(gap_rows, gap_tmpl))


def _template(rows: Sequence[tuple[str, RowSpec, tuple[str, ...], tuple[CellParser, ...]]]) -> list[TemplateRow]:
    return [TemplateRow(path, spec, cols, parsers) for path, spec, cols, parsers in rows]


def applications_template(era: str) -> list[TemplateRow]:
    parsers = (parse_count,) * len(APPLICATION_COLUMNS)
    return _template([(f"applications.{r.key}", r, APPLICATION_COLUMNS, parsers) for r in APPLICATIONS[era].rows])


def _money(raw: str) -> Optional[Number]:
    parsed = parse_money_wan_yuan(raw)
    return parsed.value if parsed else None


def active_template(era: str) -> list[TemplateRow]:
    out = []
    for sub in ACTIVE_DISCLOSURE[era]:
        parsers = tuple(_money if c in sub.money_columns else parse_signed if c in sub.signed_columns
                        else parse_count for c in sub.columns)
        out += [(f"active_disclosure.{sub.key}.{r.key}", r, sub.columns, parsers) for r in sub.rows]
    return _template(out)


def _fill(doc: Document, rows: Sequence[PrintedRow], template: Sequence[TemplateRow], pairs: dict[int, int],
          table: str) -> tuple[dict[str, dict[str, Cell]], list[Finding]]:
    by_template = {j: i for i, j in pairs.items()}
    out: dict[str, dict[str, Cell]] = {}
    findings: list[Finding] = []
    for j, t in enumerate(template):
        i = by_template.get(j)
        if i is None:
            cells = [Cell.unread() for _ in t.columns]
            findings.append(Finding(rule="missing_row", severity="error", cells=[f"{t.path}.{c}" for c in t.columns],
                                    message=f"{table}: row {t.spec.key} ({t.spec.label}) not found in the table grid"))
        else:
            rows[i].matched = t.path
            blank = "unread" if rows[i].kind in BLANK_UNKNOWN else "missing"
            cells = [grid_cell(v, p, blank) for v, p in zip(rows[i].values_for(len(t.columns)) or [], t.parsers)]
        out[t.path] = dict(zip(t.columns, cells))
    return out, findings


def fit_applications(doc: Document, grids: Sequence[Grid], era: str) -> Optional[Fit]:
    """Table 三 from grids, trying the era's rows and the other format's (a 2021 report printing the
    2019 rows); the better-aligned template wins and a mismatch with the era is a finding."""
    rows = printed_rows(grids)
    best: Optional[tuple[float, str, dict[int, int], list[TemplateRow]]] = None
    for layout in dict.fromkeys((era, "2019", "2021")):
        template = applications_template(layout)
        pairs, score = _align(rows, template)
        if len(pairs) >= 4 and (best is None or score > best[0] + 1e-9):
            best = (score, layout, pairs, template)
    if best is None:
        return None
    score, layout, pairs, template = best
    flat, findings = _fill(doc, rows, template, pairs, "table 三")
    values = {path.split(".", 1)[1]: cells for path, cells in flat.items()}
    if layout != era:
        findings.append(Finding(rule="template", severity="warning",
                                message=f"table 三 has the {layout} format's rows in a {era}-format report "
                                        "(（六）其他处理 printed as one row); keys follow the rows printed"))
    return Fit(values, findings, rows_read=len(pairs), score=score, template_name=layout)


def fit_active(doc: Document, grids: Sequence[Grid], era: str) -> Optional[Fit]:
    """Table 二: its sub-tables' rows aligned as one sequence (each row with its sub-table's width)."""
    rows = printed_rows(grids)
    template = active_template(era)
    pairs, score = _align(rows, template)
    if len(pairs) < 2:
        return None
    flat, findings = _fill(doc, rows, template, pairs, "table 二")
    values: dict[str, TableValues] = {}
    for path, cells in flat.items():
        _, sub, row = path.split(".")
        values.setdefault(sub, {})[row] = cells
        for column, cell in cells.items():
            if column.endswith("_wan_yuan") and cell.status == "ok":
                parsed = parse_money_wan_yuan(unicodedata.normalize("NFKC", cell.raw))
                cell.unit = parsed.unit if parsed else "万元"
    return Fit(values, findings, rows_read=len(pairs), score=score)  # type: ignore[arg-type]


_REVIEW_HEADER = re.compile(r"结果\s*维持|尚未\s*审结|复议后\s*起诉")


def _under_review_header(doc: Document, grid: Grid, values: Sequence[Optional[GridCell]]) -> bool:
    first = next((v.span for v in values if v is not None and v.span is not None), None)
    if first is None:
        return False
    return bool(_REVIEW_HEADER.search(doc.original, max(0, first[0] - 300), first[0]))


def fit_review(doc: Document, grids: Sequence[Grid]) -> Optional[Fit]:
    """Table 四: the one printed row of 15 values (three groups of five, in the template's order)."""
    width = len(REVIEW_COLUMNS) * len(REVIEW_GROUPS)
    rows = [(r, vals) for r in printed_rows(grids) if (vals := r.values_for(width))]
    candidates = [vals for _, vals in rows if sum(1 for v in vals if v is not None and not v.blank) >= width - 3]
    if not candidates:
        # A row printed all blank still is the table when the review header stands right above it.
        candidates = [vals for r, vals in rows if _under_review_header(doc, grids[r.grid], vals)]
    if len(candidates) != 1:
        return None
    cells = [grid_cell(v, parse_count) for v in candidates[0]]
    values = {g: dict(zip(REVIEW_COLUMNS, cells[k * 5:(k + 1) * 5])) for k, g in enumerate(REVIEW_GROUPS)}
    return Fit(values, [], rows_read=1, score=1.0)


__all__ = ["Fit", "PrintedRow", "TemplateRow", "fit_active", "fit_applications", "could_be_label", "fit_review", "grid_cell", "label_score", "merge_fit",
           "printed_rows"]


def _violations(name: str, values: TableValues | dict[str, TableValues], era: str) -> int:
    from giextract.rules.equations import applications_consistent, r2_row, r4_group
    from giextract.templates.tables import RESULT_ROWS

    def nums(row: dict[str, Cell]) -> list[Optional[Number]]:
        return [c.value if c.status == "ok" else None for c in row.values()]

    if name == "applications":
        rows = {k: nums(v) for k, v in values.items()}  # type: ignore[arg-type]
        bad = sum(1 for r in rows.values() if r2_row(r) is False)
        return bad + (0 if applications_consistent(rows, RESULT_ROWS[era]) else 1)
    if name == "review_litigation":
        groups = cast(TableValues, values)
        return sum(1 for g in groups.values() if r4_group(nums(g)) is False)
    return 0


_READ = ("ok", "not_applicable", "missing")  # a blank cell the grid shows is read too


def _cells(values: TableValues | dict[str, TableValues]) -> list[Cell]:
    out: list[Cell] = []
    for row in values.values():
        for cell in row.values():
            out += [cell] if isinstance(cell, Cell) else list(cell.values())  # type: ignore[union-attr]
    return out


def _quality(name: str, values: TableValues | dict[str, TableValues], era: str) -> tuple[int, int, int]:
    """(−broken equations, cells read, −cells unread): higher is better."""
    cells = _cells(values)
    return (-_violations(name, values, era), sum(c.status in _READ for c in cells),
            -sum(c.status == "unread" for c in cells))


def merge_fit(name: str, fit: Optional[Fit], text_values: object, text_findings: Sequence[Finding],
              era: str) -> Optional[Fit]:
    """The grid fit, with the rows it could not read taken from the text readers' reading (same
    template only): a table whose grid lost some rows (a line the grid recovery could not split) keeps
    the text reading of those rows. None when there is no fit."""
    if fit is None or not text_values or fit.template_name not in ("", era):
        return fit
    values: dict = {}  # type: ignore[type-arg]
    for key, row in fit.values.items():
        text_row = text_values.get(key) if isinstance(text_values, dict) else None
        if text_row is not None and _unread_row(row) and not _unread_row(text_row):
            values[key] = text_row
        else:
            values[key] = row
    kept = {c for key, row in values.items() if row is not fit.values.get(key) for c in _row_paths(name, key, row)}
    findings = [f for f in fit.findings if not (f.rule == "missing_row" and set(f.cells) <= kept)]
    findings += [f for f in text_findings if f.cells and set(f.cells) <= kept]
    return Fit(values, findings, fit.rows_read, fit.score, fit.template_name)


def _unread_row(row: object) -> bool:
    cells = list(row.values()) if isinstance(row, dict) else []
    flat = [c for c in cells if isinstance(c, Cell)] + [x for c in cells if isinstance(c, dict) for x in c.values()]
    return bool(flat) and all(c.status == "unread" for c in flat)


def _row_paths(name: str, key: str, row: object) -> list[str]:
    out = []
    for col, cell in (row.items() if isinstance(row, dict) else []):
        if isinstance(cell, dict):
            out += [f"{name}.{key}.{col}.{c}" for c in cell]
        else:
            out.append(f"{name}.{key}.{col}")
    return out


def prefer_fit(name: str, fit: Optional[Fit], text_values: object, era: str) -> bool:
    """Whether the grid fit reads the table better than the text readers: fewer broken equations, then
    more cells read, then fewer left unread. On a tie the text reading stays (it may carry run-on
    candidates)."""
    if fit is None:
        return False
    if not text_values:
        return True
    return _quality(name, fit.values, fit.template_name or era) > _quality(name, text_values, era)  # type: ignore[arg-type]
