"""Plain text: bytes to text, by BOM, strict UTF-8 or the detector, refusing binary data.

Text files are kept exactly as decoded, so offsets index the file itself.
"""
from __future__ import annotations

import codecs
import re

from ..core.errors import InputError

_MAGIC = ((b"%PDF-", "a PDF"), (b"PK\x03\x04", "a zip archive (.docx?)"),
          (b"\xd0\xcf\x11\xe0", "an old Word/WPS file (.doc/.wps)"), (b"{\\rtf", "an RTF file"))

_BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
         (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16-le"),
         (codecs.BOM_UTF16_BE, "utf-16-be"))
_GB = {"gb18030", "gbk", "gb2312", "hz", "cp936"}
_BIG5 = {"big5", "big5hkscs", "cp950"}
_CONTROL_BYTES = re.compile(rb"[\x01-\x08\x0e-\x1f\x7f]")  # technical: bytes no text holds
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
            return check_text(text, enc), enc
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise InputError(f"binary data, not text: the file is {what}")
    try:
        return check_text(data.decode("utf-8"), "utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    controls = len(_CONTROL_BYTES.findall(data))
    if b"\x00" not in data and controls > len(data) // 100:
        raise InputError(f"binary data, not text: {controls} control bytes in {len(data)}")
    enc = _guess_encoding(data)
    if enc is None:
        raise InputError("binary data, not text: NUL bytes" if b"\x00" in data else _CANNOT)
    try:
        return check_text(data.decode(enc), enc), enc
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


def check_text(text: str, encoding: str) -> str:
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


