"""A report as blocks and tables of cells, built from one gold JSON; every layout renders this model.

The official row labels and sub-table headings come from ``giextract.templates``; the column headers
below are the 2019/2021 templates' (the templates module keeps keys only for columns). The truth of a
rendered file is what this model printed: an ambiguous gold cell is printed as one of its candidates
(a reading of the whole row where one exists), a ``null`` cell blank, ``"n/a"`` as ``/`` or ``—``.
"""
from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field
from typing import Any, Optional

from giextract.templates import tables as template
from giextract.templates.tables import (
    ACTIVE_DISCLOSURE,
    APPLICANT_COLUMNS,
    APPLICATION_COLUMNS,
    APPLICATIONS,
    COLUMN_LABELS,
    COLUMN_LABELS_2021,
    REVIEW_COLUMNS,
    REVIEW_GROUPS,
    RowSpec,
)

APPLICANT_LABELS = tuple(template.APPLICANT_LABELS[c] for c in APPLICATION_COLUMNS)
REVIEW_LABELS = tuple(template.REVIEW_LABELS[c] for c in REVIEW_COLUMNS)
# Group headings of table 三's results (rows with no cells of their own), by the key of their first row.
GROUP_HEADINGS = {k: v for k, v in template.ROW_GROUPS.items() if k != "granted"}


@dataclass
class Cell:
    text: str
    rowspan: int = 1
    colspan: int = 1
    header: bool = False
    path: Optional[str] = None  # the truth cell this prints, if any


@dataclass
class Table:
    kind: str  # active_disclosure | applications | review_litigation | statistics_table
    rows: list[list[Cell]]
    ncols: int
    caption: str = ""


@dataclass
class Block:
    kind: str  # title | meta | heading | subheading | para | table
    text: str = ""
    table: Optional[Table] = None


@dataclass
class Style:
    """How a layout prints what the gold says; drawn from the seed unless a layout fixes it."""
    blank: str = ""            # a null cell: "" | "&nbsp;" | "—"
    na: str = "/"              # an "n/a" cell: "/" | "—"
    blank_zero_rows: bool = False  # print rows that are all 0 as blanks (their truth becomes blank)
    heading_noise: bool = False    # typos, misnumbering, a missing heading, section 五 reworded
    label_variants: bool = False   # older row names, a dropped word, 2019-style （六）其他处理 in 2021


@dataclass
class Document:
    name: str
    era: str
    blocks: list[Block] = field(default_factory=list)
    truth: dict[str, Any] = field(default_factory=dict)  # cell path → int | float | None (blank) | "n/a"

    def tables(self) -> list[Table]:
        return [b.table for b in self.blocks if b.table is not None]


def fmt_number(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6f}".rstrip("0").rstrip(".")
    return str(value)


class _Printer:
    """Decides each cell's printed text and records the truth it stands for."""

    def __init__(self, doc: Document, style: Style, rng: random.Random) -> None:
        self.doc, self.style, self.rng = doc, style, rng

    def cell(self, path: str, value: Any) -> Cell:
        if value is None:
            self.doc.truth[path] = None
            return Cell(self.style.blank, path=path)
        if value == "n/a":
            self.doc.truth[path] = "n/a"
            return Cell(self.style.na, path=path)
        self.doc.truth[path] = value
        return Cell(fmt_number(value), path=path)


def resolve_row(cells: dict[str, Any], rng: random.Random, equation: Optional[str] = None) -> dict[str, Any]:
    """One definite reading of a gold row: ambiguous cells take candidates that belong to one reading of
    the printed digits (the concatenation most readings share), under R2 (applications) or R4 (review)."""
    keys = list(cells)
    options = [c["ambiguous"] if isinstance(c, dict) else [c] for c in cells.values()]
    if all(len(o) == 1 for o in options):
        return dict(cells)
    combos = list(itertools.islice(itertools.product(*options), 20000))

    def holds(combo: tuple) -> bool:
        row = dict(zip(keys, combo))
        if equation == "R2" and all(isinstance(row.get(k), int) for k in APPLICATION_COLUMNS):
            return row["total"] == sum(row[k] for k in APPLICANT_COLUMNS)
        if equation == "R4" and all(isinstance(row.get(k), int) for k in REVIEW_COLUMNS):
            return row["total"] == sum(row[k] for k in REVIEW_COLUMNS[:-1])
        return True

    combos = [c for c in combos if holds(c)] or combos
    groups: dict[str, list[tuple]] = {}
    for combo in combos:
        groups.setdefault("".join(fmt_number(v) for v in combo if v is not None), []).append(combo)
    best = max(groups.values(), key=len)
    return dict(zip(keys, rng.choice(best)))


def _label(spec: RowSpec, variants: dict[str, str]) -> str:
    label = variants.get(spec.key) or spec.label
    return label.replace('"三安全一稳定"', "“三安全一稳定”")


def label_variants(era: str, rng: random.Random) -> dict[str, str]:
    """Older names and dropped words seen in the wild (a few per file, drawn from the seed)."""
    pool = {
        "partially_granted": "部分公开",
        "new_received": "本年新收政府信息公开申请数",
        "denied_prohibited_by_law": "其他法律法规禁止公开",
        "unavailable_not_held": "本机关不掌握相关信息",
        "not_processed_confirmation": "要求行政机关确认或重新出具已获取的信息",
        "carried_forward": "结转下年度继续办理的",
    }
    if era == "2021":
        pool["normative_documents"] = "规范性文件"
    keys = rng.sample(sorted(pool), k=min(3, len(pool)))
    return {k: pool[k] for k in keys}


def active_table(gold: dict[str, Any], era: str, pr: _Printer, variants: dict[str, str]) -> Table:
    rows: list[list[Cell]] = []
    for sub in ACTIVE_DISCLOSURE[era]:
        got = (gold.get("active_disclosure") or {}).get(sub.key)
        if got is None:
            continue
        rows.append([Cell(sub.heading, colspan=4, header=True)])
        labels = [COLUMN_LABELS_2021.get(c, COLUMN_LABELS[c]) if era == "2021" else COLUMN_LABELS[c] for c in sub.columns]
        head = [Cell("信息内容", header=True)] + [Cell(t, header=True) for t in labels]
        head[-1].colspan = 4 - len(sub.columns)
        rows.append(head)
        for spec in sub.rows:
            if spec.key not in got:
                continue
            values = resolve_row(got[spec.key], pr.rng)
            label = variants.get(spec.key, spec.label)
            row = [Cell(label)] + [pr.cell(f"active_disclosure.{sub.key}.{spec.key}.{c}", values.get(c))
                                   for c in sub.columns if c in values]
            row[-1].colspan = 5 - len(row)
            rows.append(row)
    return Table("active_disclosure", rows, 4)


def applications_table(gold: dict[str, Any], era: str, pr: _Printer, variants: dict[str, str]) -> Table:
    """Table 三 in the template's shape: 3 label columns, 申请人情况 over 7, 法人或其他组织 over 5."""
    apps = gold["applications"]
    specs = list(APPLICATIONS[era].rows)
    single_other = era == "2021" and (_is_2019_style(apps) or (pr.style.label_variants and pr.rng.random() < 0.5))
    if single_other:
        specs = _with_single_other_row(specs)
    rows: list[list[Cell]] = [
        [Cell("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", rowspan=3, colspan=3, header=True),
         Cell("申请人情况", colspan=7, header=True)],
        [Cell(APPLICANT_LABELS[0], rowspan=2, header=True), Cell(template.APPLICANT_GROUP_LABEL, colspan=5, header=True),
         Cell(APPLICANT_LABELS[-1], rowspan=2, header=True)],
        [Cell(t, header=True) for t in APPLICANT_LABELS[1:-1]],
    ]
    results = [s for s in specs if s.key not in ("new_received", "carried_over", "carried_forward")]
    groups: list[list[RowSpec]] = []
    for spec in results:
        if spec.key in GROUP_HEADINGS or not spec.ordinal.endswith(".") or not groups:
            groups.append([spec])
        else:
            groups[-1].append(spec)
    for spec in specs:
        row: list[Cell] = []
        label = _label(spec, variants)
        if spec.key in ("new_received", "carried_over", "carried_forward"):
            row.append(Cell(spec.ordinal + label, colspan=3))
        else:
            if spec is results[0]:
                row.append(Cell("三、本年度办理结果", rowspan=len(results)))
            group = next(g for g in groups if spec in g)
            if len(group) == 1:
                row.append(Cell(spec.ordinal + label, colspan=2))
            else:
                if spec is group[0]:
                    row.append(Cell(GROUP_HEADINGS[spec.key], rowspan=len(group)))
                row.append(Cell(spec.ordinal + label))
        values = _row_values(apps, spec.key, era, pr)
        row += [pr.cell(f"applications.{spec.key}.{c}", values.get(c)) for c in APPLICATION_COLUMNS]
        rows.append(row)
    if single_other:
        for key in ("other_no_correction", "other_fee_unpaid", "other_other"):
            if key in apps and not any(s.key == key for s in specs):
                for c in APPLICATION_COLUMNS:
                    pr.doc.truth[f"applications.{key}.{c}"] = None
    return Table("applications", rows, 10)


def _is_2019_style(apps: dict[str, Any]) -> bool:
    other = apps.get("other_handling") or {}
    return any(v is not None for v in other.values())


def _with_single_other_row(specs: list[RowSpec]) -> list[RowSpec]:
    from giextract.templates.tables import APPLICATIONS_2019

    single = next(s for s in APPLICATIONS_2019.rows if s.key == "other_handling")
    out = [s for s in specs if s.key not in ("other_no_correction", "other_fee_unpaid", "other_other")]
    out.insert(len(out) - 2, single)
    return out


def _row_values(apps: dict[str, Any], key: str, era: str, pr: _Printer) -> dict[str, Any]:
    if key == "other_handling" and era == "2021" and not _is_2019_style(apps):
        parts = [resolve_row(apps[k], pr.rng, "R2") for k in ("other_no_correction", "other_fee_unpaid", "other_other")
                 if k in apps]
        return {c: sum(p[c] for p in parts) if all(isinstance(p.get(c), int) for p in parts) else None
                for c in APPLICATION_COLUMNS}
    return resolve_row(apps.get(key) or {}, pr.rng, "R2")


def review_table(gold: dict[str, Any], pr: _Printer) -> Table:
    rl = gold["review_litigation"]
    rows = [
        [Cell(template.GROUP_LABELS["administrative_review"], colspan=5, header=True), Cell("行政诉讼", colspan=10, header=True)],
        [Cell(t, rowspan=2, header=True) for t in REVIEW_LABELS]
        + [Cell(template.GROUP_LABELS[g], colspan=5, header=True) for g in REVIEW_GROUPS[1:]],
        [Cell(t, header=True) for t in REVIEW_LABELS * 2],
    ]
    values: list[Cell] = []
    for group in REVIEW_GROUPS:
        row = resolve_row(rl.get(group) or {}, pr.rng, "R4")
        values += [pr.cell(f"review_litigation.{group}.{c}", row.get(c)) for c in REVIEW_COLUMNS]
    rows.append(values)
    return Table("review_litigation", rows, 15)


def statistics_table(gold: dict[str, Any], pr: _Printer) -> Table:
    items = gold["statistics_table"]
    cumulative = any(r.get("cumulative") is not None for r in items)
    year = gold["meta"].get("report_year")
    head = ["指标名称", "计量单位", f"{year}年度" if year else "统计数"] + (["历年累计"] if cumulative else [])
    rows = [[Cell(t, header=True) for t in head]]
    for i, item in enumerate(items):
        value = resolve_row({"v": item.get("value")}, pr.rng)["v"]
        row = [Cell(item["label"]), Cell(item.get("unit") or ""), pr.cell(f"statistics_table.{i}.value", value)]
        if cumulative:
            if item.get("cumulative") is None:
                row.append(Cell(pr.style.blank))
            else:
                row.append(pr.cell(f"statistics_table.{i}.cumulative", item["cumulative"]))
        rows.append(row)
    return Table("statistics_table", rows, len(head), caption="政府信息公开情况统计表")


def blank_zero_rows(table: Table, doc: Document, style: Style) -> None:
    """Rows whose printed numbers are all 0 are printed blank (as many agencies do): their truth is blank."""
    for row in table.rows:
        cells = [c for c in row if c.path]
        if len(cells) > 1 and all(c.text == "0" for c in cells):
            for c in cells:
                c.text = style.blank
                doc.truth[c.path] = None  # type: ignore[index]


def place(table: Table) -> list[tuple[int, int, Cell]]:
    """(grid row, grid column, cell) for every cell, rowspans and colspans taken into account."""
    taken: set[tuple[int, int]] = set()
    out = []
    for r, row in enumerate(table.rows):
        c = 0
        for cell in row:
            while (r, c) in taken:
                c += 1
            out.append((r, c, cell))
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    taken.add((r + dr, c + dc))
            c += cell.colspan
    return out
