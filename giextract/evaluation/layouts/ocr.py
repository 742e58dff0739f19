"""Scanned layouts for ``eval --layouts --ocr``: a PDF rasterized as a scanner would (pypdfium2 render at
150 or 300 dpi, a rotation of at most 1°, JPEG compression), saved as a multi-page TIFF and read back by
the OCR reader. Two sources: the generator's ruled PDF (``ocr_ruled_*``) and the eval set's own corpus
PDFs (``ocr_corpus_*``, whose truth is their gold). OCR costs seconds a page, so these layouts are opt-in
and run on :data:`OCR_REPORTS` only."""
from __future__ import annotations

import io
import random
from pathlib import Path
from typing import Any, Optional

from giextract.evaluation.gold import DEFAULT_EVAL_DIR, gold_cells

MAX_ROTATION = 1.0  # degrees
JPEG_QUALITY = (60, 85)
# Both corpus PDFs (2019/2024 templates), a 2021-template and a legacy statistics-table report.
OCR_REPORTS = ("001_huaian-city-2024", "002_huaian-hongze-district-2023", "009_pingtan-zone-2021",
               "004_pingtan-county-2011")
CORPUS_DPI = {"ocr_corpus_150": 150, "ocr_corpus_300": 300}
RULED_DPI = {"ocr_ruled_150": 150, "ocr_ruled_300": 300}
OCR_LAYOUT_NAMES = tuple(RULED_DPI) + tuple(CORPUS_DPI)


def scan(pdf: bytes, dpi: int, rng: random.Random) -> bytes:
    """A PDF as a scanned multi-page TIFF: each page rendered at ``dpi`` in grey, turned by up to 1°,
    JPEG-compressed (quality 60–85) and decoded again."""
    import pypdfium2 as pdfium
    from PIL import Image

    document = pdfium.PdfDocument(pdf)
    pages = []
    try:
        for index in range(len(document)):
            image = document[index].render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
            image = image.rotate(rng.uniform(-MAX_ROTATION, MAX_ROTATION), resample=Image.BILINEAR, fillcolor=255)
            buffer = io.BytesIO()
            image.save(buffer, "JPEG", quality=rng.randint(*JPEG_QUALITY))
            pages.append(Image.open(io.BytesIO(buffer.getvalue())).convert("L"))
    finally:
        document.close()
    out = io.BytesIO()
    pages[0].save(out, "TIFF", save_all=True, append_images=pages[1:], compression="tiff_deflate")
    return out.getvalue()


def page_count(data: bytes) -> int:
    from PIL import Image

    return int(getattr(Image.open(io.BytesIO(data)), "n_frames", 1))


def ruled_scan(dpi: int):  # type: ignore[no-untyped-def]
    """A layout writer: the generator's ruled PDF, scanned at ``dpi``."""
    from giextract.evaluation.layouts import pdf as pdf_layout

    return lambda doc, rng: scan(pdf_layout.ruled_pdf(doc, rng), dpi, rng)


def corpus_pdf(gold: dict[str, Any], eval_dir: Path = DEFAULT_EVAL_DIR) -> Optional[Path]:
    stem = str(gold["file"]).rsplit(".", 1)[0]
    path = eval_dir / "sources" / f"{stem}.pdf"
    return path if path.exists() else None


def corpus_scan(gold: dict[str, Any], layout: str, seed: int,
                eval_dir: Path = DEFAULT_EVAL_DIR) -> Optional[tuple[bytes, dict[str, Any]]]:
    """(scanned TIFF, truth) of a report's corpus PDF, or None when it has none. The truth is the gold:
    the hand-read values of what that PDF prints."""
    path = corpus_pdf(gold, eval_dir)
    if path is None:
        return None
    rng = random.Random(f"{path.name}|{layout}|{seed}")
    truth = {p: v for p, v in gold_cells(gold) if v is None or isinstance(v, (int, float))}
    return scan(path.read_bytes(), CORPUS_DPI[layout], rng), truth


__all__ = ["CORPUS_DPI", "OCR_LAYOUT_NAMES", "OCR_REPORTS", "RULED_DPI", "corpus_scan", "page_count",
           "ruled_scan", "scan"]
