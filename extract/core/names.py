"""File names as text. A name that is not valid UTF-8 — the GBK bytes an archive unzipped from
a Windows machine gives — reaches Python as a str with lone surrogates, which no UTF-8 table
can hold. Such a name is shown decoded as GB18030 (a superset of GBK) when its bytes are valid
there, else with each undecodable byte as `\\xNN`; the file itself is still opened by its real
name."""
from __future__ import annotations

import os


def encodable(text: str) -> bool:
    """Whether UTF-8 can hold `text` (a name read from the file system may not)."""
    try:
        text.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


def shown(name: str | os.PathLike) -> str:
    """`name` as text that any UTF-8 output can hold."""
    text = os.fspath(name)
    if encodable(text):
        return text
    raw = os.fsencode(text)
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", errors="backslashreplace")
