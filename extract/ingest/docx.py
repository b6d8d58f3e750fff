"""Word (.docx): body paragraphs and tables in document order, one paragraph per line and
one table row per line as `cell | cell | cell`; headers and footers are left out."""
from __future__ import annotations

import io
import zipfile
import zlib

from ..core.errors import InputError

SAVE_AS = "save it as .docx or PDF"


def mb(n: int) -> str:
    return f"{n / 2**20:.1f}" if n >= 2**20 else f"{n / 2**20:.3g}"


def check_unpacked(data: bytes, max_bytes: int) -> None:
    """Refuse a zip archive (.docx, .xlsx) that unpacks to more than `max_bytes`: a zip bomb
    would exhaust memory before it fails. A bad archive raises zipfile's own errors."""
    unpacked = sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(data)).infolist())
    if unpacked > max_bytes:
        raise InputError(f"file too large: unpacks to {mb(unpacked)} MB > limit {mb(max_bytes)} MB")


def docx_text(data: bytes, max_bytes: int) -> str:
    """Body paragraphs and tables in document order; headers and footers (page numbers)
    are left out."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from lxml.etree import XMLSyntaxError

    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise InputError(f"not a .docx: an old binary Word/WPS file; {SAVE_AS}")
    try:
        check_unpacked(data, max_bytes)
        document = docx.Document(io.BytesIO(data))
        lines = list(_docx_blocks(document.element.body, document))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, NotImplementedError, KeyError,
            ValueError, EOFError, PackageNotFoundError, XMLSyntaxError) as e:
        raise InputError(f"corrupt .docx: {e or type(e).__name__}") from e
    text = "\n".join(lines)
    if not text.strip():
        raise InputError("no text: the document holds only whitespace")
    return text


def _docx_blocks(body, parent):
    from docx.oxml.ns import qn
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    for el in body.iterchildren():
        if el.tag == qn("w:p"):
            yield Paragraph(el, parent).text
        elif el.tag == qn("w:tbl"):
            for row in Table(el, parent).rows:
                yield " | ".join(_row_cells(row, parent))
        elif el.tag == qn("w:sdt"):  # content control: its paragraphs are body text too
            for content in el.iterchildren(qn("w:sdtContent")):
                yield from _docx_blocks(content, parent)


def _row_cells(row, parent) -> list[str]:
    """A table row's cells' text, a cell spanning columns once (python-docx gives it once per
    column it spans)."""
    cells, last = [], None
    for cell in row.cells:
        if cell._tc is not last:
            cells.append(_cell_text(cell._tc, parent))
        last = cell._tc
    return cells


def _cell_text(tc, parent) -> str:
    """A table cell's text on one line: its paragraphs, and a table nested in it (python-docx's
    `cell.text` leaves those out) as its rows — cells joined by ` / `, rows by `；` — so nothing
    of it is lost and the outer row stays one line of `cell | cell`."""
    from docx.oxml.ns import qn
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    parts = []
    for el in tc.iterchildren():
        if el.tag == qn("w:p"):
            parts.append(Paragraph(el, parent).text.replace("\n", " "))
        elif el.tag == qn("w:tbl"):
            rows = (" / ".join(c for c in _row_cells(row, parent) if c) for row in Table(el, parent).rows)
            parts.append("；".join(r for r in rows if r))
        elif el.tag == qn("w:sdt"):
            for content in el.iterchildren(qn("w:sdtContent")):
                parts.append(_cell_text(content, parent))
    return " ".join(p for p in parts if p)
