"""Spreadsheets (.xlsx by openpyxl, .xls by xlrd): each sheet one page, each row holding a
value one line `cell | cell | …`.

A cell shows the value the workbook saved (a formula's last result, never the formula);
empty cells inside a row are kept as empty cells so the columns line up, empty cells at its
end are dropped; a merged range shows its value in its top-left cell only. Numbers are
written as stored, through `Decimal`: 1773.84, 12 (never 12.0), 1E+20 as 100000000000000000000;
a cell formatted as a percentage (its number format ends in `%`) as 95% for 0.95; dates as
YYYY-MM-DD (with the time of day when there is one). Line breaks inside a cell become spaces.

Which reader is chosen by the bytes, not the suffix: a zip archive is read as .xlsx, an OLE
compound file as .xls (or refused as a password-protected .xlsx), and a web page named .xls
or .xlsx is for `html.py` (`__init__.py` asks `looks_like_html` first).
"""
from __future__ import annotations

import io
import math
import warnings
import zipfile
import zlib
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

from ..core.errors import InputError
from .docx import check_unpacked
from .html import XML_SPREADSHEET

_ZIP, _OLE = b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")   # the stream of a protected OOXML file
ENCRYPTED = "encrypted spreadsheet: password-protected; save it without a password"

Page = list[str]


def sheet_pages(data: bytes, max_bytes: int) -> list[Page]:
    """Every sheet's lines, in the workbook's order; an `InputError` for a bad workbook."""
    if data.startswith(_ZIP):
        pages = _xlsx_pages(data, max_bytes)
    elif data.startswith(_OLE):
        if _ENCRYPTED in data:
            raise InputError(ENCRYPTED)
        pages = _xls_pages(data)
    else:
        head = data[:4096].lower()
        if XML_SPREADSHEET.encode() in head and b"<workbook" in head:
            raise InputError("unsupported format: XML Spreadsheet 2003; "
                             "open it in Excel or WPS and save it as .xlsx")
        raise InputError("not a spreadsheet: neither an Excel workbook (.xlsx/.xls) "
                         "nor a web page")
    if not any(line.strip() for page in pages for line in page):
        raise InputError("no text: every sheet of the workbook is empty")
    return pages


def cell_text(value, number_format: str | None = None) -> str:
    """A cell's value as the sheet shows it (see the module's docstring)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float, Decimal)):
        if isinstance(value, float) and not math.isfinite(value):
            return str(value)
        d = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        if number_format and number_format.rstrip().endswith("%"):
            return _plain(d * 100) + "%"
        return _plain(d)
    if isinstance(value, datetime):
        if value.time() == time(0):
            return value.date().isoformat()
        return f"{value.date().isoformat()} {_clock(value.time())}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return _clock(value)
    if isinstance(value, timedelta):
        return str(value)
    return str(value).replace("\r\n", " ").replace("\n", " ").replace("\r", " ")


def _plain(d: Decimal) -> str:
    """A number without exponent or trailing zeros: 12, 1773.84, 0.0005."""
    try:
        d = d.normalize()
    except InvalidOperation:
        return str(d)
    return format(d, "f") if d != 0 else "0"


def _clock(t: time) -> str:
    return t.strftime("%H:%M:%S" if t.second or t.microsecond else "%H:%M")


def _line(cells: list[str]) -> str | None:
    """One row: empty cells at its end dropped; None for a row without a value."""
    while cells and not cells[-1].strip():
        cells.pop()
    return " | ".join(cells) if cells else None


class _Merged:
    """The cells a merged range covers beyond its top-left one, looked up row by row (rows
    come in order; a range may span a whole sheet, so cells are never listed)."""

    def __init__(self, ranges: list[tuple[int, int, int, int]]):   # row0, col0, row1, col1
        self.pending = sorted(ranges, reverse=True)
        self.active: list[tuple[int, int, int, int]] = []
        self.row = -1

    def at(self, row: int) -> list[tuple[int, int, int, int]]:
        while self.pending and self.pending[-1][0] <= row:
            self.active.append(self.pending.pop())
        self.active = [r for r in self.active if r[2] >= row]
        self.row = row
        return self.active

    def covered(self, col: int) -> bool:
        return any(c0 <= col <= c1 and (self.row, col) != (r0, c0)
                   for r0, c0, r1, c1 in self.active)


# ---------------------------------------------------------------- .xlsx

def _xlsx_pages(data: bytes, max_bytes: int) -> list[Page]:
    import openpyxl
    from lxml.etree import XMLSyntaxError

    try:
        check_unpacked(data, max_bytes)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")     # "no default style" and the like
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True,
                                          keep_links=False)
        try:
            return [_xlsx_sheet(ws) for ws in book.worksheets if hasattr(ws, "iter_rows")]
        finally:
            book.close()
    except InputError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, NotImplementedError, KeyError,
            ValueError, TypeError, IndexError, AttributeError, EOFError, OSError, SyntaxError,
            XMLSyntaxError) as e:   # ElementTree's ParseError is a SyntaxError
        raise InputError(f"corrupt .xlsx: {e or type(e).__name__}") from e


def _xlsx_sheet(ws) -> Page:
    ws.reset_dimensions()           # a wrong <dimension> would pad every row to XFD
    merged = _Merged(_xlsx_merges(ws))
    lines = []
    for r, row in enumerate(ws.iter_rows(), start=1):
        merged.at(r)
        cells = []
        for c, cell in enumerate(row, start=1):
            value = cell.value
            if value is None or (merged.active and merged.covered(c)):
                cells.append("")
            else:
                cells.append(cell_text(value, getattr(cell, "number_format", None)))
        line = _line(cells)
        if line is not None:
            lines.append(line)
    return lines


def _xlsx_merges(ws) -> list[tuple[int, int, int, int]]:
    """The merged ranges of a read-only sheet (openpyxl reads them only when not read-only),
    picked from the sheet's XML as it streams past: no tree of the sheet is built."""
    from lxml import etree
    from openpyxl.utils.cell import range_boundaries

    class Refs:
        def __init__(self):
            self.refs: list[str] = []

        def start(self, tag, attrib):
            if tag.rpartition("}")[2] == "mergeCell":
                self.refs.append(attrib.get("ref", ""))

        def end(self, tag):
            pass

        def data(self, data):
            pass

        def close(self):
            return self.refs

    parser = etree.XMLParser(target=Refs(), resolve_entities=False, no_network=True,
                             huge_tree=True)
    with ws._get_source() as src:
        while chunk := src.read(1 << 20):
            parser.feed(chunk)
    out = []
    for ref in parser.close():
        try:
            c0, r0, c1, r1 = range_boundaries(ref)
        except (ValueError, TypeError):
            continue
        if None not in (c0, r0, c1, r1):
            out.append((r0, c0, r1, c1))
    return out


# ---------------------------------------------------------------- .xls

def _xls_pages(data: bytes) -> list[Page]:
    import struct

    import xlrd
    from xlrd.compdoc import CompDocError

    log = io.StringIO()
    try:
        try:
            book = xlrd.open_workbook(file_contents=data, formatting_info=True, on_demand=True,
                                      logfile=log, ignore_workbook_corruption=True)
        except NotImplementedError:    # formatting of older BIFF versions
            book = xlrd.open_workbook(file_contents=data, on_demand=True, logfile=log,
                                      ignore_workbook_corruption=True)
        try:
            pages = []
            for i in range(book.nsheets):
                pages.append(_xls_sheet(book, book.sheet_by_index(i)))
                book.unload_sheet(i)
            return pages
        finally:
            book.release_resources()
    except xlrd.XLRDError as e:
        if "encrypt" in str(e).lower():
            raise InputError(ENCRYPTED) from e
        raise InputError(f"corrupt .xls: {e}") from e
    except (CompDocError, struct.error, AssertionError, IndexError, KeyError, ValueError,
            TypeError, EOFError, UnicodeDecodeError, OverflowError, AttributeError) as e:
        raise InputError(f"corrupt .xls: {e or type(e).__name__}") from e


def _xls_sheet(book, sh) -> Page:
    import xlrd
    from xlrd.biffh import error_text_from_code

    merged = _Merged([(r0 + 1, c0 + 1, r1, c1) for r0, r1, c0, c1 in sh.merged_cells])
    lines = []
    for r in range(sh.nrows):
        merged.at(r + 1)
        cells = []
        for c, cell in enumerate(sh.row(r)):
            kind, value = cell.ctype, cell.value
            if kind in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK) or \
                    (merged.active and merged.covered(c + 1)):
                cells.append("")
            elif kind == xlrd.XL_CELL_DATE:
                cells.append(_xls_date(value, book.datemode))
            elif kind == xlrd.XL_CELL_BOOLEAN:
                cells.append(cell_text(bool(value)))
            elif kind == xlrd.XL_CELL_ERROR:
                cells.append(error_text_from_code.get(value, "#ERR"))
            elif kind == xlrd.XL_CELL_NUMBER:
                cells.append(cell_text(value, _xls_format(book, cell.xf_index)))
            else:
                cells.append(cell_text(value))
        line = _line(cells)
        if line is not None:
            lines.append(line)
    return lines


def _xls_date(value: float, datemode: int) -> str:
    import xlrd

    try:
        moment = xlrd.xldate.xldate_as_datetime(value, datemode)
    except (xlrd.xldate.XLDateError, ValueError, OverflowError):
        return cell_text(value)
    return cell_text(moment.time() if 0 <= value < 1 else moment)


def _xls_format(book, xf_index: int | None) -> str | None:
    if xf_index is None or not book.xf_list or xf_index >= len(book.xf_list):
        return None
    fmt = book.format_map.get(book.xf_list[xf_index].format_key)
    return fmt.format_str if fmt is not None else None
