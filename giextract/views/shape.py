"""The official tables' shape (rows, columns, labels, group headings) as grids of cells for drawing,
built from ``giextract.templates``. A grid cell either is a heading or names the record cell it shows."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from giextract.core.model import Report
from giextract.templates.tables import (
    ACTIVE_DISCLOSURE,
    APPLICANT_COLUMNS,
    APPLICANT_GROUP_LABEL,
    APPLICANT_LABELS,
    APPLICATIONS,
    COLUMN_LABELS,
    COLUMN_LABELS_2021,
    GROUP_LABELS,
    REVIEW_COLUMNS,
    REVIEW_GROUPS,
    REVIEW_LABELS,
    ROW_GROUPS,
)

TABLE_TITLES = {"active_disclosure": "二、主动公开政府信息情况", "applications": "三、收到和处理政府信息公开申请情况",
                "review_litigation": "四、政府信息公开行政复议、行政诉讼情况", "statistics_table": "统计表（附表）"}


@dataclass
class GridCell:
    text: str = ""
    path: Optional[str] = None  # the record cell shown here (dotted path), if it is a value
    header: bool = False
    colspan: int = 1
    rowspan: int = 1


@dataclass
class Drawn:
    key: str  # active_disclosure | applications | review_litigation | statistics_table
    title: str
    rows: list[list[GridCell]] = field(default_factory=list)

    def paths(self) -> list[str]:
        return [c.path for row in self.rows for c in row if c.path]


def _h(text: str, colspan: int = 1, rowspan: int = 1) -> GridCell:
    return GridCell(text, header=True, colspan=colspan, rowspan=rowspan)


def column_label(era: str, column: str) -> str:
    if era == "2021" and column in COLUMN_LABELS_2021:
        return COLUMN_LABELS_2021[column]
    return COLUMN_LABELS.get(column, column)


def active_disclosure(era: str) -> Drawn:
    drawn = Drawn("active_disclosure", TABLE_TITLES["active_disclosure"])
    for sub in ACTIVE_DISCLOSURE[era]:
        drawn.rows.append([_h(sub.heading, colspan=1 + len(sub.columns))])
        drawn.rows.append([_h("信息内容")] + [_h(column_label(era, c)) for c in sub.columns])
        for row in sub.rows:
            drawn.rows.append([_h(row.label)] + [GridCell(path=f"active_disclosure.{sub.key}.{row.key}.{c}")
                                                 for c in sub.columns])
    return drawn


def applications(era: str) -> Drawn:
    spec = APPLICATIONS[era]
    drawn = Drawn("applications", TABLE_TITLES["applications"])
    drawn.rows.append([_h("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", rowspan=3),
                       _h("申请人情况", colspan=7)])
    drawn.rows.append([_h(APPLICANT_LABELS["natural_person"], rowspan=2), _h(APPLICANT_GROUP_LABEL, colspan=5),
                       _h(APPLICANT_LABELS["total"], rowspan=2)])
    drawn.rows.append([_h(APPLICANT_LABELS[c]) for c in APPLICANT_COLUMNS[1:]])
    for row in spec.rows:
        if row.key in ROW_GROUPS:
            drawn.rows.append([_h(ROW_GROUPS[row.key], colspan=8)])
        label = f"{row.ordinal}{row.label}"
        drawn.rows.append([_h(label)] + [GridCell(path=f"applications.{row.key}.{c}") for c in spec.columns])
    return drawn


def review_litigation() -> Drawn:
    drawn = Drawn("review_litigation", TABLE_TITLES["review_litigation"])
    drawn.rows.append([_h("行政复议", colspan=5, rowspan=2), _h("行政诉讼", colspan=10)])
    drawn.rows.append([_h(GROUP_LABELS[g], colspan=5) for g in REVIEW_GROUPS[1:]])
    drawn.rows.append([_h(REVIEW_LABELS[c]) for _ in REVIEW_GROUPS for c in REVIEW_COLUMNS])
    drawn.rows.append([GridCell(path=f"review_litigation.{g}.{c}") for g in REVIEW_GROUPS for c in REVIEW_COLUMNS])
    return drawn


def statistics_table(report: Report) -> Drawn:
    """The legacy 统计表 has no national shape before 2014 and provincial variants after: drawn as the
    report printed it (indicator, unit, value, cumulative), the national key shown where known."""
    drawn = Drawn("statistics_table", TABLE_TITLES["statistics_table"])
    rows = report.statistics_table or []
    has_cumulative = any(r.cumulative is not None for r in rows)
    drawn.rows.append([_h("统计指标"), _h("单位"), _h("本年")] + ([_h("历年累计")] if has_cumulative else []))
    for i, row in enumerate(rows):
        label = row.label + (f" ({row.key})" if row.key else "")
        cells = [_h(label), GridCell(row.unit or "", header=True), GridCell(path=f"statistics_table.{i}.value")]
        if has_cumulative:
            cells.append(GridCell(path=f"statistics_table.{i}.cumulative") if row.cumulative is not None
                         else GridCell(""))
        drawn.rows.append(cells)
    return drawn


def tables_of(report: Report) -> list[Drawn]:
    """The tables a report of this era has, in the template's shape (a table the report lacks is
    still drawn for 2019/2021, its cells empty, so that a reader sees what is missing)."""
    era = report.meta.era
    out = []
    if era in ("2019", "2021"):
        out += [active_disclosure(era), applications(era), review_litigation()]
    elif report.active_disclosure or report.applications or report.review_litigation:
        # No era but tables: draw in the format whose rows the record uses.
        guess = "2021" if report.applications and "other_other" in report.applications else "2019"
        out += [active_disclosure(guess), applications(guess), review_litigation()]
    if report.statistics_table:
        out.append(statistics_table(report))
    return out


def drawn_paths(report: Report) -> set[str]:
    return {p for t in tables_of(report) for p in t.paths()}
