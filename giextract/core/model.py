"""The output contract as pydantic models (see DATA_DICTIONARY.md). No I/O here."""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field

Number = Union[int, float]
# ok: read and unique; missing: blank in the report; not_applicable: printed / — 无; ambiguous: several
# readings fit (candidates); unread: printed (or expected by the template) but not read by the extractor;
# unverified: a model's value the rules could not confirm.
Status = Literal["ok", "missing", "not_applicable", "ambiguous", "unread", "unverified"]
Source = Literal["rules", "llm"]
Era = Literal["legacy", "2019", "2021"]


class Cell(BaseModel):
    """One table value with the evidence it came from."""

    model_config = ConfigDict(extra="forbid")

    value: Optional[Number] = None
    raw: str = ""
    span: Optional[tuple[int, int]] = None
    source: Source = "rules"
    status: Status = "ok"
    candidates: list[Number] = Field(default_factory=list)
    unit: Optional[str] = None

    @classmethod
    def missing(cls, raw: str = "", span: Optional[tuple[int, int]] = None) -> "Cell":
        return cls(value=None, raw=raw, span=span, status="missing")

    @classmethod
    def unread(cls, raw: str = "", span: Optional[tuple[int, int]] = None) -> "Cell":
        """A cell the extractor could not read: never the same as a blank one."""
        return cls(value=None, raw=raw, span=span, status="unread")

    @property
    def is_number(self) -> bool:
        return self.status == "ok" and self.value is not None


class Item(BaseModel):
    """One narrative item (a problem or an improvement) with its span in the original text."""

    text: str
    span: tuple[int, int]
    source: Source = "rules"


class Finding(BaseModel):
    rule: str
    severity: Literal["error", "warning", "info"]
    message: str
    cells: list[str] = Field(default_factory=list)
    # For an ambiguous run-on row: every reading of the row that the rules allow, cell values in order.
    readings: Optional[list[list[Optional[Number]]]] = None


class ErrorRecord(BaseModel):
    stage: str
    message: str


class SourceInfo(BaseModel):
    path: Optional[str] = None
    sha256: str  # of the input file's bytes when read from a file, else of the text
    chars: int
    encoding: Optional[str] = None
    # "text", or the reader that turned a PDF/HTML/.docx into the text that spans point into.
    extracted_with: Optional[str] = None


class Meta(BaseModel):
    agency: Optional[str] = None
    report_year: Optional[int] = None
    era: Optional[Era] = None
    published_date: Optional[str] = None
    title: Optional[str] = None
    admin_level: Optional[str] = None


class Section(BaseModel):
    key: str
    heading: str
    span: tuple[int, int]


class StatisticsRow(BaseModel):
    label: str
    key: Optional[str] = None
    unit: Optional[str] = None
    value: Cell
    cumulative: Optional[Cell] = None
    span: Optional[tuple[int, int]] = None


class ProseFact(BaseModel):
    """A national indicator (legacy statistics key) stated in a legacy report's running text."""

    key: str
    value: Cell


class Narrative(BaseModel):
    problems: list[Item] = Field(default_factory=list)
    improvements: list[Item] = Field(default_factory=list)
    # How the items were found: "markers" (一是/（一）/1.), "sentences" (fallback split) or "llm".
    method: Optional[str] = None


class ProcessingFee(BaseModel):
    charged: Optional[bool] = None
    amount_yuan: Optional[Number] = None
    text: Optional[str] = None


class OtherMatters(BaseModel):
    text: Optional[str] = None
    information_processing_fee: Optional[ProcessingFee] = None


# Tables are nested dicts keyed exactly as the data dictionary says:
# active_disclosure[sub_table][row][column], applications[row][column], review_litigation[group][column].
TableValues = dict[str, dict[str, Cell]]


class Report(BaseModel):
    source: SourceInfo
    meta: Meta = Field(default_factory=Meta)
    sections: list[Section] = Field(default_factory=list)
    active_disclosure: Optional[dict[str, TableValues]] = None
    applications: Optional[TableValues] = None
    review_litigation: Optional[TableValues] = None
    statistics_table: Optional[list[StatisticsRow]] = None
    prose_facts: Optional[list[ProseFact]] = None  # legacy only
    problems_improvements: Optional[Narrative] = None
    other_matters: Optional[OtherMatters] = None
    findings: list[Finding] = Field(default_factory=list)
    errors: list[ErrorRecord] = Field(default_factory=list)
    # LLM calls and tokens spent on this report (absent in rules mode).
    usage: Optional[dict[str, int]] = None

    def set_cell(self, path: str, cell: Cell) -> None:
        """Put ``cell`` at a dotted table path (the table and its rows must exist)."""
        *parents, last = path.split(".")
        node: Any = getattr(self, parents[0])
        for part in parents[1:]:
            node = node.setdefault(part, {}) if isinstance(node, dict) else node[int(part)]
        node[last] = cell

    def cell(self, path: str) -> Optional[Cell]:
        """Look a cell up by its dotted path, e.g. ``applications.new_received.total``."""
        node: Any = self
        for part in path.split("."):
            if node is None:
                return None
            if isinstance(node, BaseModel):
                node = getattr(node, part, None)
            elif isinstance(node, dict):
                node = node.get(part)
            elif isinstance(node, list) and part.isdigit():
                node = node[int(part)] if int(part) < len(node) else None
            else:
                return None
        return node if isinstance(node, Cell) else None

    def iter_cells(self) -> "list[tuple[str, Cell]]":
        """Every numeric cell with its dotted path, in a stable order."""
        out: list[tuple[str, Cell]] = []
        if self.active_disclosure:
            for sub, rows in self.active_disclosure.items():
                for row, cols in rows.items():
                    out += [(f"active_disclosure.{sub}.{row}.{c}", cell) for c, cell in cols.items()]
        for name in ("applications", "review_litigation"):
            grid = getattr(self, name)
            if grid:
                for row, cols in grid.items():
                    out += [(f"{name}.{row}.{c}", cell) for c, cell in cols.items()]
        for i, row in enumerate(self.statistics_table or []):
            out.append((f"statistics_table.{i}.value", row.value))
            if row.cumulative is not None:
                out.append((f"statistics_table.{i}.cumulative", row.cumulative))
        return out

    def to_json(self, **kwargs: Any) -> str:
        return self.model_dump_json(**kwargs)


def as_number(value: Decimal | float | int) -> Number:
    """Money keeps its decimals; whole numbers become ints."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value
