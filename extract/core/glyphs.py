"""Where each character of a PDF's text was printed, and how sure OCR was of it.

The reader (ingest/pdf.py, ingest/ocr.py) knows every printed character's box; the review
shows a flag's figures boxed on the page image, and a figure read by OCR carries the
recognizer's confidence in the very characters it was read from, not the page's mean.
Boxes are in PDF points from the page's top-left corner (as a rendered image is, at any
scale); a character the reader inserted (a joined line, a cell separator) has none.
"""
from __future__ import annotations

import math
from array import array
from dataclasses import dataclass

NONE = float("nan")
Glyph = tuple[float, float, float, float, float]   # x0, top, x1, bottom, confidence (nan: none)
Rect = tuple[float, float, float, float]           # x0, top, x1, bottom


@dataclass(frozen=True, slots=True)
class Glyphs:
    """One box (and OCR confidence) per character of a document's text, in five arrays."""

    x0: array
    top: array
    x1: array
    bottom: array
    conf: array

    @classmethod
    def build(cls, glyphs) -> "Glyphs":
        """From one (x0, top, x1, bottom, conf) or None per character."""
        empty = (NONE,) * 5
        cols = list(zip(*(g or empty for g in glyphs))) or [()] * 5
        return cls(*(array("f", c) for c in cols))

    def __len__(self) -> int:
        return len(self.x0)

    def rects(self, start: int, end: int) -> tuple[Rect, ...]:
        """The boxes of text[start:end], one per printed line it spans (characters whose
        boxes share most of their height are on one line)."""
        out: list[list[float]] = []
        for i in range(max(start, 0), min(end, len(self))):
            x0, top, x1, bottom = self.x0[i], self.top[i], self.x1[i], self.bottom[i]
            if math.isnan(x0):
                continue
            if out:
                r = out[-1]
                overlap = min(r[3], bottom) - max(r[1], top)
                if overlap >= 0.5 * min(r[3] - r[1], bottom - top) and x0 >= r[0] - 1:
                    r[0], r[1], r[2], r[3] = min(r[0], x0), min(r[1], top), max(r[2], x1), max(r[3], bottom)
                    continue
            out.append([x0, top, x1, bottom])
        return tuple((round(a, 1), round(b, 1), round(c, 1), round(d, 1)) for a, b, c, d in out)

    def confidence(self, start: int, end: int) -> float | None:
        """The least OCR confidence among text[start:end]'s characters; None if OCR read none."""
        values = [v for v in self.conf[max(start, 0):min(end, len(self))] if not math.isnan(v)]
        return round(min(values), 3) if values else None
