"""The template fitter: what a reader printed, as rows → the official table's cells.

Every source of a table ends here. A grid (HTML, .docx, PDF, OCR, or text recovered into a grid) gives
printed rows (``rows``) that are aligned to the template's rows in order by fuzzy label similarity
(labels split over cells, truncated, reworded, prefixed by an ordinal); rows whose label was lost are
placed by position, but only where the gap between two aligned rows has exactly as many printed rows
as the template has. A token stream (text where no grid could be recovered: run-on rows, labels and
numbers out of line) gives its rows' readings by label search (``text_rows``). Either way the source
hands ``fill`` a ``RowsRead``: per template row, one reading (a grid) or several (run-on digits). ``fill``
keeps the readings the table's equations allow (R1/R3 across table 三), makes every template cell
(``ambiguous`` with its candidates where readings still disagree, ``unread`` with a finding where no row
was read), and notes the template format the rows follow. ``pick`` then chooses among the sources.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Optional, Sequence

from giextract.core.grid import Grid, GridCell
from giextract.core.model import Cell, Finding
from giextract.ingest.normalize import Document
from giextract.rules.equations import applications_consistent
from giextract.tables.resolve import Option, TableCheck, ambiguity_finding, choose, merge_options
from giextract.tables.rows import BLANK_UNKNOWN, CellParser, PrintedRow, grid_cell, label_score, printed_rows
from giextract.tables.tokens import parse_count, parse_money_wan_yuan, parse_signed
from giextract.templates.tables import (
    ACTIVE_DISCLOSURE,
    APPLICATION_COLUMNS,
    APPLICATIONS,
    RESULT_ROWS,
    REVIEW_COLUMNS,
    REVIEW_GROUPS,
    RowSpec,
)

TableValues = dict[str, dict[str, Cell]]
MIN_LABEL_SCORE = 0.55
_REVIEW_HEADER = re.compile(r"结果\s*维持|尚未\s*审结|复议后\s*起诉")
TABLE_NAMES = {"active_disclosure": "table 二", "applications": "table 三", "review_litigation": "table 四"}


@dataclass(frozen=True)
class TemplateRow:
    path: str  # e.g. applications.granted / active_disclosure.art20_1.regulations / review_litigation
    spec: RowSpec
    columns: tuple[str, ...]
    parsers: tuple[CellParser, ...]

    def score(self, labels: Sequence[str]) -> float:
        names = (self.spec.label,) + self.spec.aliases
        return max((label_score(p, n) for p in labels for n in names), default=0.0)


@dataclass
class RowsRead:
    """What one source read of a table: per template row path, the readings of its printed row (each a
    cell per column), why rows it saw were not read, and the template format its rows follow."""

    options: dict[str, list[Option]]
    notes: dict[str, str] = field(default_factory=dict)
    layout: str = ""  # "" or the era: the era's own rows; else the other format's (a 2021 report printing 2019 rows)
    findings: list[Finding] = field(default_factory=list)
    score: float = 0.0
    found: bool = False  # the source found the table even where it read none of its rows

    @property
    def table(self) -> bool:
        return bool(self.options) or self.found


@dataclass
class Fit:
    values: TableValues
    findings: list[Finding] = field(default_factory=list)
    rows_read: int = 0
    score: float = 0.0
    template_name: str = ""


def _money(raw: str) -> Optional[float]:
    parsed = parse_money_wan_yuan(raw)
    return parsed.value if parsed else None


def template(table: str, layout: str) -> list[TemplateRow]:
    """The template rows of ``table`` in the ``layout`` format (2019/2021). Table 四 is one printed row
    of 15 cells (three groups of five), so that a run-on reading of it is one reading of the whole row."""
    if table == "applications":
        parsers = (parse_count,) * len(APPLICATION_COLUMNS)
        return [TemplateRow(f"applications.{r.key}", r, APPLICATION_COLUMNS, parsers) for r in APPLICATIONS[layout].rows]
    if table == "active_disclosure":
        out = []
        for sub in ACTIVE_DISCLOSURE[layout]:
            cell_parsers: tuple[CellParser, ...] = tuple(
                _money if c in sub.money_columns else parse_signed if c in sub.signed_columns else parse_count
                for c in sub.columns)
            out += [TemplateRow(f"active_disclosure.{sub.key}.{r.key}", r, sub.columns, cell_parsers) for r in sub.rows]
        return out
    if table == "review_litigation":
        columns = tuple(f"{g}.{c}" for g in REVIEW_GROUPS for c in REVIEW_COLUMNS)
        spec = RowSpec("review_litigation", "行政复议、行政诉讼情况")
        return [TemplateRow("review_litigation", spec, columns, (parse_count,) * len(columns))]
    raise ValueError(f"no template table {table!r}")


def _check(table: str, layout: str) -> Optional[TableCheck]:
    """The table-wide equations that choose among run-on readings (table 三: R1 and R3)."""
    if table != "applications":
        return None
    result_rows = RESULT_ROWS[layout]
    return lambda rows: applications_consistent({k.split(".", 1)[1]: v for k, v in rows.items()}, result_rows)


def template_finding(layout: str, era: str) -> Finding:
    return Finding(rule="template", severity="warning",
                   message=f"table 三 has the {layout} format's rows in a {era}-format report "
                           "(（六）其他处理 printed as one row, or its three rows); keys follow the rows printed")


def fill(doc: Document, table: str, era: str, read: RowsRead) -> Fit:
    """Every template cell of ``table`` from a source's rows: readings narrowed by the table's equations,
    cells ``ambiguous`` where they still disagree, rows no source row gave ``unread`` (a finding each)."""
    layout = read.layout or era
    rows = template(table, layout)
    name = TABLE_NAMES[table]
    options = choose(read.options, _check(table, layout))
    findings = list(read.findings)
    if layout != era:
        findings.append(template_finding(layout, era))
    flat: dict[str, dict[str, Cell]] = {}
    for t in rows:
        paths = [f"{t.path}.{c}" for c in t.columns]
        if t.path in options:
            cells: list[Cell] = merge_options(doc, options[t.path])
            note = ambiguity_finding(paths, options[t.path])
            findings += [note] if note else []
        else:
            cells = [Cell.unread() for _ in t.columns]
            why = read.notes.get(t.path, "not found or has no values")
            findings.append(Finding(rule="missing_row", severity="error", cells=paths,
                                    message=f"{name}: row {t.spec.key} ({t.spec.label}) {why}"))
        for column, cell in zip(t.columns, cells):
            if column.endswith("_wan_yuan") and cell.status == "ok" and cell.raw:
                parsed = parse_money_wan_yuan(unicodedata.normalize("NFKC", cell.raw))
                cell.unit = parsed.unit if parsed else "万元"  # the unit the source printed
        flat[t.path] = dict(zip(t.columns, cells))
    values: dict = {}  # type: ignore[type-arg]
    for path, row in flat.items():
        keys = path.split(".")[1:]
        if not keys:  # table 四: its groups
            for column, cell in row.items():
                group, col = column.split(".")
                values.setdefault(group, {})[col] = cell
        elif len(keys) == 1:
            values[keys[0]] = row
        else:
            values.setdefault(keys[0], {})[keys[1]] = row
    return Fit(values, findings, rows_read=len(read.options), score=read.score, template_name=layout)


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


def _grid_rows(rows: Sequence[PrintedRow], template_rows: Sequence[TemplateRow],
               pairs: dict[int, int]) -> dict[str, list[Option]]:
    """The aligned printed rows as one reading each."""
    out: dict[str, list[Option]] = {}
    for i, j in sorted(pairs.items(), key=lambda p: p[1]):
        t = template_rows[j]
        rows[i].matched = t.path
        blank = "unread" if rows[i].kind in BLANK_UNKNOWN else "missing"
        out[t.path] = [[grid_cell(v, p, blank) for v, p in zip(rows[i].values_for(len(t.columns)) or [], t.parsers)]]
    return out


def grid_read(doc: Document, grids: Sequence[Grid], table: str, era: str) -> Optional[RowsRead]:
    """A table's rows from grids. Table 三 tries the era's rows and the other format's (a 2021 report
    printing the 2019 rows): the better-aligned template wins."""
    rows = printed_rows(grids)
    if table == "review_litigation":
        return _review_row(doc, grids, rows)
    best: Optional[tuple[float, str, dict[int, int], list[TemplateRow]]] = None
    layouts = dict.fromkeys((era, "2019", "2021")) if table == "applications" else (era,)
    least = 4 if table == "applications" else 2
    for layout in layouts:
        template_rows = template(table, layout)
        pairs, score = _align(rows, template_rows)
        if len(pairs) >= least and (best is None or score > best[0] + 1e-9):
            best = (score, layout, pairs, template_rows)
    if best is None:
        return None
    score, layout, pairs, template_rows = best
    return RowsRead(_grid_rows(rows, template_rows, pairs), layout=layout, score=score,
                    notes={t.path: "not found in the table grid" for t in template_rows})


def _under_review_header(doc: Document, values: Sequence[Optional[GridCell]]) -> bool:
    first = next((v.span for v in values if v is not None and v.span is not None), None)
    if first is None:
        return False
    return bool(_REVIEW_HEADER.search(doc.original, max(0, first[0] - 300), first[0]))


def _review_row(doc: Document, grids: Sequence[Grid], rows: Sequence[PrintedRow]) -> Optional[RowsRead]:
    """Table 四: the one printed row of 15 values (three groups of five, in the template's order)."""
    width = len(REVIEW_COLUMNS) * len(REVIEW_GROUPS)
    held = [(r, vals) for r in rows if (vals := r.values_for(width))]
    candidates = [vals for _, vals in held if sum(1 for v in vals if v is not None and not v.blank) >= width - 3]
    if not candidates:
        # A row printed all blank still is the table when the review header stands right above it.
        candidates = [vals for _, vals in held if _under_review_header(doc, vals)]
    if len(candidates) != 1:
        return None
    return RowsRead({"review_litigation": [[grid_cell(v, parse_count) for v in candidates[0]]]}, score=1.0)


def _fit_grids(doc: Document, grids: Sequence[Grid], table: str, era: str) -> Optional[Fit]:
    read = grid_read(doc, grids, table, era)
    return fill(doc, table, era, read) if read is not None else None


def fit_applications(doc: Document, grids: Sequence[Grid], era: str) -> Optional[Fit]:
    return _fit_grids(doc, grids, "applications", era)


def fit_active(doc: Document, grids: Sequence[Grid], era: str) -> Optional[Fit]:
    return _fit_grids(doc, grids, "active_disclosure", era)


def fit_review(doc: Document, grids: Sequence[Grid]) -> Optional[Fit]:
    return _fit_grids(doc, grids, "review_litigation", "2021")


__all__ = ["Fit", "RowsRead", "TemplateRow", "fill", "fit_active", "fit_applications", "fit_review", "grid_read",
           "template"]
