"""PDF pages as images for the page view: the flag's figures boxed where they are printed.

Pages are rendered from the source PDF named in documents.csv (the review server on demand;
report.html embeds the pages its flags cite, up to a size budget). Figures carry their boxes
in PDF points from the page's top-left corner (figures.csv `bbox`), so a box is drawn at
`points × SCALE` pixels on an image rendered at DPI.
"""
from __future__ import annotations

import base64
import io
import logging
from pathlib import Path

log = logging.getLogger(__name__)

DPI = 96
SCALE = DPI / 72
REPORT_BUDGET = 24 * 1024 * 1024    # bytes of page images report.html may hold


def render_page(source: str | Path, page: int, *, scanned: bool = False) -> tuple[bytes, str] | None:
    """Page `page` (1-based) of the PDF at `source` as (image bytes, MIME type): a scan as
    JPEG, a page with a text layer as a PNG of few greys; None when it cannot be rendered
    (the file moved, is no PDF, or has no such page)."""
    import pypdfium2 as pdfium

    path = Path(source)
    if path.suffix.lower() != ".pdf" or not path.is_file():
        return None
    try:
        pdf = pdfium.PdfDocument(str(path))
    except (pdfium.PdfiumError, OSError) as e:
        log.info("page image of %s: %s", path, e)
        return None
    try:
        if not 1 <= page <= len(pdf):
            return None
        p = pdf[page - 1]
        try:
            image = p.render(scale=SCALE, grayscale=True).to_pil().convert("L")
        finally:
            p.close()
    except pdfium.PdfiumError as e:
        log.info("page image of %s p.%d: %s", path, page, e)
        return None
    finally:
        pdf.close()
    out = io.BytesIO()
    if scanned:
        image.save(out, "JPEG", quality=70)
        return out.getvalue(), "image/jpeg"
    image.quantize(16).save(out, "PNG")
    return out.getvalue(), "image/png"


def data_uri(image: tuple[bytes, str]) -> str:
    data, mime = image
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def scanned_pages(ocr_pages: str) -> set[int]:
    """documents.csv `ocr_pages` (`1-3,5`) as a set of page numbers."""
    out: set[int] = set()
    for part in (ocr_pages or "").split(","):
        a, _, b = part.partition("-")
        if a.strip().isdigit():
            out.update(range(int(a), int(b if b.strip().isdigit() else a) + 1))
    return out
