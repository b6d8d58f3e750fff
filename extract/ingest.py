"""Turn one input file (.txt, .docx, .pdf) into a `Document`, or raise `InputError`.

Text files are kept exactly as decoded, so offsets index the file itself. Word and PDF
files are rendered to lines: one paragraph per line, one table row per line as
`cell | cell | cell`. PDF reading (text layer, tables, OCR of scanned pages) is in `pdf.py`.
"""
from __future__ import annotations

import codecs
import io
import logging
import re
import time
import zipfile
import zlib
from pathlib import Path

from .errors import InputError
from .model import Document
from .ocr import CHOICES as OCR_CHOICES
from .pdf import read_pdf

log = logging.getLogger(__name__)

FORMATS: dict[str, str] = {".txt": "txt", ".pdf": "pdf", ".docx": "docx"}

_SAVE_AS = "save it as .docx or PDF"
_ADVICE = {
    ".doc": f"old binary Word file (.doc): {_SAVE_AS}",
    ".wps": f"WPS document (.wps): {_SAVE_AS}",
    ".rtf": f"RTF file: {_SAVE_AS}",
    ".odt": f"OpenDocument text (.odt): {_SAVE_AS}",
    ".docm": f"macro-enabled Word file (.docm): {_SAVE_AS}",
    ".ofd": "OFD file: export it as PDF",
    ".xls": "spreadsheet: export it as PDF", ".xlsx": "spreadsheet: export it as PDF",
    ".et": "spreadsheet: export it as PDF",
}
_IMAGES = (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp", ".gif")
_MAGIC = ((b"%PDF-", "a PDF"), (b"PK\x03\x04", "a zip archive (.docx?)"),
          (b"\xd0\xcf\x11\xe0", "an old Word/WPS file (.doc/.wps)"), (b"{\\rtf", "an RTF file"))


def read_document(path, doc_id: str, *, max_bytes: int = 200 * 1024 * 1024,
                  ocr: str = "rapidocr", timeout: float | None = 120.0) -> Document:
    """Read `path` by its suffix; every problem with the file itself is an `InputError`.

    `ocr` is the engine for PDF pages without a text layer ("rapidocr", "tesseract" or
    "none"); reading one document may take at most `timeout` seconds (None: no limit here,
    as when the batch enforces its own per-document limit)."""
    if ocr not in OCR_CHOICES:
        raise ValueError(f"ocr must be one of {', '.join(OCR_CHOICES)}, not {ocr!r}")
    deadline = None if timeout is None else time.monotonic() + timeout
    path = Path(path)
    suffix = path.suffix.lower()
    fmt = FORMATS.get(suffix)
    if fmt is None:
        if suffix in _ADVICE:
            raise InputError(f"unsupported format: {_ADVICE[suffix]}")
        if suffix in _IMAGES:
            raise InputError("image file: OCR reads scanned PDFs only; put the image in a PDF "
                             "or supply the PDF/docx")
        raise InputError(f"unsupported file type {suffix or '(none)'!r}: "
                         "expected .txt, .docx or .pdf")
    data = _read_bytes(path, max_bytes)
    if fmt == "txt":
        text, encoding = decode_text(data)
        doc = Document(doc_id, str(path), fmt, text, encoding)
    elif fmt == "docx":
        doc = Document(doc_id, str(path), fmt, _docx_text(data, max_bytes))
    else:
        pdf = read_pdf(data, ocr=ocr, timeout=timeout)
        return Document(doc_id, str(path), fmt, pdf.text, "", tuple(pdf.page_starts),
                        frozenset(pdf.synthetic), pdf.ocr_confidence)
    if deadline is not None and time.monotonic() > deadline:
        raise InputError(f"timeout: reading took more than {timeout:g} s")
    return doc


def _mb(n: int) -> str:
    return f"{n / 2**20:.1f}" if n >= 2**20 else f"{n / 2**20:.3g}"


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise InputError(f"file too large: {_mb(size)} MB > limit {_mb(max_bytes)} MB")
        data = path.read_bytes()
    except OSError as e:
        raise InputError(f"cannot read file: {e.strerror or e}") from e
    if not data:
        raise InputError("empty file")
    return data


# ---------------------------------------------------------------- plain text

_BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
         (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16-le"),
         (codecs.BOM_UTF16_BE, "utf-16-be"))
_GB = {"gb18030", "gbk", "gb2312", "hz", "cp936"}
_BIG5 = {"big5", "big5hkscs", "cp950"}
_CONTROL_BYTES = re.compile(rb"[\x01-\x08\x0e-\x1f\x7f]")
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")  # tab, newlines and form feed are text
_CANNOT = "cannot decode: not UTF-8, GB18030 or UTF-16"


def decode_text(data: bytes) -> tuple[str, str]:
    """Bytes -> (text, encoding): a BOM decides, else strict UTF-8, else the detector."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom):].decode("utf-8" if enc == "utf-8-sig" else enc)
            except UnicodeDecodeError as e:
                raise InputError(f"cannot decode: a {enc} byte-order mark, but invalid {enc} "
                                 f"at byte {e.start + len(bom)}") from e
            return _check_text(text, enc), enc
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise InputError(f"binary data, not text: the file is {what}")
    try:
        return _check_text(data.decode("utf-8"), "utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    controls = len(_CONTROL_BYTES.findall(data))
    if b"\x00" not in data and controls > len(data) // 100:
        raise InputError(f"binary data, not text: {controls} control bytes in {len(data)}")
    enc = _guess_encoding(data)
    if enc is None:
        raise InputError("binary data, not text: NUL bytes" if b"\x00" in data else _CANNOT)
    try:
        return _check_text(data.decode(enc), enc), enc
    except UnicodeDecodeError as e:
        raise InputError(f"{_CANNOT} (looked like {enc}, invalid at byte {e.start})") from e


def _guess_encoding(data: bytes) -> str | None:
    """charset-normalizer's guess, folded onto the encodings a Chinese report may use."""
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        return None
    name = best.encoding.lower().replace("_", "-")
    if name.replace("-", "") in _GB:
        return "gb18030"  # a superset of GBK and GB2312: never worse
    if name.replace("-", "") in _BIG5:
        return name
    if name.startswith(("utf-16", "utf-32")) and best.chaos <= 0.1:
        return name  # no BOM: only when the detector is sure
    return None


def _check_text(text: str, encoding: str) -> str:
    if not text:
        raise InputError("empty file")
    if not text.strip():
        raise InputError("no text: the file holds only whitespace")
    if "\x00" in text:
        raise InputError(f"binary data, not text: NUL characters after decoding as {encoding}")
    controls = len(_CONTROLS.findall(text))
    if controls > max(2, len(text) // 100):
        raise InputError(f"binary data, not text: {controls} control characters")
    return text


# ---------------------------------------------------------------- Word

def _docx_text(data: bytes, max_bytes: int) -> str:
    """Body paragraphs and tables in document order; headers and footers (page numbers)
    are left out."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from lxml.etree import XMLSyntaxError

    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise InputError(f"not a .docx: an old binary Word/WPS file; {_SAVE_AS}")
    try:
        unpacked = sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(data)).infolist())
        if unpacked > max_bytes:  # a zip bomb would exhaust memory before it fails
            raise InputError(f"file too large: unpacks to {_mb(unpacked)} MB "
                             f"> limit {_mb(max_bytes)} MB")
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
                cells, last = [], None
                for cell in row.cells:  # a cell spanning columns comes back once per column
                    if cell._tc is not last:
                        cells.append(cell.text.replace("\n", " "))
                    last = cell._tc
                yield " | ".join(cells)
        elif el.tag == qn("w:sdt"):  # content control: its paragraphs are body text too
            for content in el.iterchildren(qn("w:sdtContent")):
                yield from _docx_blocks(content, parent)
