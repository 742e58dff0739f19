"""`render(gold, layout, seed)`: a complete report file in one of the layouts met in the wild, and the
truth of that file (what it prints). The same gold, layout and seed always give the same bytes."""
from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, Callable, Optional

from giextract.evaluation.layouts import docx as docx_layout
from giextract.evaluation.layouts import html as html_layout
from giextract.evaluation.layouts import ocr as ocr_layout
from giextract.evaluation.layouts import pdf as pdf_layout
from giextract.evaluation.layouts import text as text_layout
from giextract.evaluation.layouts.build import build_document
from giextract.evaluation.layouts.document import Document, Style

Writer = Callable[[Document, random.Random], bytes]


@dataclass(frozen=True)
class Layout:
    name: str
    suffix: str
    writer: Writer
    blanks: tuple[str, ...] = ("", "—")  # how a blank cell may print in this layout
    blank_zero_rows: bool = False
    heading_noise: bool = False
    label_variants: bool = False
    description: str = ""


def _text(rows: text_layout.RowWriter, markdown: bool = False) -> Writer:
    return lambda doc, rng: text_layout.render_text(doc, rows, rng, markdown)


def _mixed_rows(table, rng):  # type: ignore[no-untyped-def]
    return (text_layout.tab_rows if rng.random() < 0.5 else text_layout.pipe_rows)(table, rng)


LAYOUTS: dict[str, Layout] = {layout.name: layout for layout in (
    Layout("html_official", ".html", html_layout.official_html, ("&nbsp;",),
           description="official template <table>, rowspan/colspan, <br> in headers, blanks &nbsp;"),
    Layout("html_word", ".html", html_layout.word_html, ("&nbsp;", ""),
           description="Word export: a tag per run, numbers split across tags, in a crawled page"),
    Layout("docx", ".docx", docx_layout.docx_bytes, ("",), description=".docx, merged cells"),
    Layout("pdf_ruled", ".pdf", pdf_layout.ruled_pdf, ("", "—"), description="PDF, ruled table"),
    Layout("pdf_shuffled", ".pdf", pdf_layout.shuffled_pdf, ("", "—"),
           description="PDF, no rules, text layer out of reading order"),
    Layout("markdown_pdf", ".md", _text(text_layout.markdown_rows, markdown=True),
           description="PDF-to-Markdown: table in pieces, split headers, stranded labels, footers"),
    Layout("pipe_rows", ".txt", _text(text_layout.pipe_rows), description="one |-flattened row per line"),
    Layout("cell_per_line", ".txt", _text(text_layout.cell_per_line), description="one cell per line"),
    Layout("run_on", ".txt", _text(text_layout.run_on_rows), ("",), description="cells run together"),
    Layout("tab_separated", ".txt", _text(text_layout.tab_rows), description="tab-separated rows"),
    Layout("blanks", ".txt", _text(_mixed_rows), ("", "&nbsp;", "—"), blank_zero_rows=True,
           description="all-zero rows printed blank (empty, &nbsp; or —)"),
    Layout("headings", ".txt", _text(_mixed_rows), heading_noise=True, label_variants=True,
           description="typo'd/misnumbered/missing headings, reworded 五, older row labels"),
)}


# Opt-in (eval --layouts --ocr): the ruled PDF scanned to a TIFF and read back by OCR.
OCR_LAYOUTS: dict[str, Layout] = {name: Layout(name, ".tif", ocr_layout.ruled_scan(dpi), ("", "—"),
                                               description=f"ruled PDF scanned at {dpi} dpi (≤1° turn, JPEG)")
                                  for name, dpi in ocr_layout.RULED_DPI.items()}


@dataclass
class Rendered:
    name: str
    layout: str
    seed: int
    suffix: str
    data: bytes
    truth: dict[str, Any]
    document: Document

    @property
    def filename(self) -> str:
        return f"{self.name}.{self.layout}.s{self.seed}{self.suffix}"


def render(gold: dict[str, Any], layout: str, seed: int = 0, name: Optional[str] = None) -> Rendered:
    """Render ``gold`` (a gold JSON of eval/gold) in ``layout`` (a key of LAYOUTS) with noise drawn from
    ``seed``."""
    spec = LAYOUTS.get(layout) or OCR_LAYOUTS.get(layout)
    if spec is None:
        raise ValueError(f"unknown layout {layout!r}; known: {', '.join(LAYOUTS)}, {', '.join(OCR_LAYOUTS)}")
    name = name or str(gold.get("file", "report")).rsplit(".", 1)[0]
    rng = random.Random(f"{name}|{layout}|{seed}")
    style = Style(blank=rng.choice(spec.blanks), na=rng.choice(("/", "—")), blank_zero_rows=spec.blank_zero_rows,
                  heading_noise=spec.heading_noise, label_variants=spec.label_variants)
    doc = build_document(name, gold, style, rng)
    data = spec.writer(doc, rng)
    return Rendered(name, layout, seed, spec.suffix, data, dict(doc.truth), doc)


def has_tables(gold: dict[str, Any]) -> bool:
    if gold["meta"]["era"] == "legacy":
        return bool(gold.get("statistics_table"))
    return any(gold.get(k) for k in ("active_disclosure", "applications", "review_litigation"))
