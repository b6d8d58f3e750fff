"""OCR of a scanned PDF page: rendered at 200 dpi, read by RapidOCR or Tesseract, and put
back together as printed lines in reading order (`ocr_layout.py`); `pdf.py` then cleans and
joins them as it does a text layer's lines (spaces around Chinese, broken lines, footers).

Each engine is loaded once per process with the threads it may use (`Ocr.threads`: in a
batch, the machine's cores shared among its workers, so that workers do not fight over
cores); a missing one raises `OcrUnavailable`, which says what to install. A page has a time
budget (`Ocr.page_timeout`): past it the engine stops and the page is left unread
(`PageTimeout`), so one slow page costs one page, not the document.
"""
from __future__ import annotations

import io
import math
import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from functools import lru_cache

from ..core.errors import InputError
from .ocr_layout import Box, erase_rules, turn, find_grids, layout, skew

ENGINES = ("rapidocr", "tesseract")
CHOICES = (*ENGINES, "none")  # what `read_document(..., ocr=...)` takes
INSTALL = {"rapidocr": "pip install rapidocr-onnxruntime",
           "tesseract": "apt-get install tesseract-ocr tesseract-ocr-chi-sim"}
DPI = 200
# Boxes less sure than this are specks and smudges, not text (Tesseract is less sure of
# the words it gets right than RapidOCR is: its threshold is lower).
MIN_CONFIDENCE = {"rapidocr": 0.5, "tesseract": 0.2}


PAGE_TIMEOUT = 60.0  # seconds a scanned page may take by default (README, "Scanned PDFs")
# RapidOCR's settings where ours differ from its own, chosen by benchmarks/ocr_speed.py (and
# the README, "Scanned PDFs"): lines recognised one at a time, each padded to 160 px at least
# (it batches six, each padded to the widest and to 320 px), and the detector shown the page
# at 960 px on its longer side (its own: 2000). Together 2.5x cheaper, reading as well.
RAPIDOCR: tuple[tuple[str, object], ...] = (("rec_batch_num", 1), ("rec_img_shape", (3, 48, 160)),
                                            ("det_side", 960))


class OcrUnavailable(InputError):
    """The selected OCR engine is not installed; the message says how to install it."""


class PageTimeout(InputError):
    """The page took longer than its budget; the engine was stopped."""


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def threads_for(workers: int) -> int:
    """Engine threads per process when `workers` processes share this machine's cores."""
    return max(1, cores() // max(1, workers))


@dataclass(frozen=True)
class Ocr:
    """How scanned pages are read: the engine ("rapidocr", "tesseract" or "none"), the
    threads it may use, and the seconds each page may take (None: no limit)."""

    engine: str = "rapidocr"
    threads: int = 1
    page_timeout: float | None = PAGE_TIMEOUT

    def __post_init__(self):
        if self.engine not in CHOICES:
            raise ValueError(f"ocr must be one of {', '.join(CHOICES)}, not {self.engine!r}")


@dataclass(frozen=True, slots=True)
class OcrLine:
    """One printed line as the engine read it, in PDF points (y up, as pypdfium2 gives
    them); `row` is its index within a ruled table, -1 for running text; `glyphs`: each
    character's box on the page as rendered (points from the top-left) and confidence."""

    text: str
    x0: float
    x1: float
    y: float
    h: float
    row: int = -1
    glyphs: tuple = ()


@dataclass(frozen=True, slots=True)
class OcrPage:
    lines: list[OcrLine]
    confidence: float  # mean recognizer confidence over the boxes kept, 0..1


def is_scan(page) -> bool:
    """Whether an image covers a good part of the pypdfium2 page, as a scanned page's does."""
    import pypdfium2.raw as raw

    area = page.get_width() * page.get_height()
    for obj in page.get_objects([raw.FPDF_PAGEOBJ_IMAGE], max_depth=3):
        x0, y0, x1, y1 = obj.get_bounds()
        if (x1 - x0) * (y1 - y0) >= 0.25 * area:
            return True
    return False


def read_page(page, engine: str, *, threads: int = 1, deadline: float | None = None) -> OcrPage:
    """OCR one pypdfium2 page: render, straighten, find ruled tables, recognise, rebuild
    lines. Past `deadline` (time.monotonic()) the engine stops with PageTimeout.

    RapidOCR reads the page as rendered (it reads a turned copy worse: `4,800` as `4.800`)
    and its boxes are turned by the page's skew; Tesseract reads the straightened copy with
    the table rules erased (it takes rules for characters and loses whole cells)."""
    recognise = _engine(engine, threads)  # before rendering: a missing engine costs nothing
    scale = DPI / 72
    image = page.render(scale=scale, grayscale=True).to_pil().convert("L")
    angle = skew(image)
    straight = image
    if angle:
        from PIL import Image

        straight = image.rotate(angle, resample=Image.BILINEAR, fillcolor=255)
    grids = find_grids(straight)
    if engine == "tesseract":
        found = recognise(erase_rules(straight, grids), deadline)
    else:
        found = [turn(b, angle, image.size) for b in recognise(image, deadline)]
    boxes = [Box(b.text.strip(), b.x0, b.y0, b.x1, b.y1, b.conf) for b in found
             if b.conf >= MIN_CONFIDENCE[engine] and b.text.strip()]
    confidence = sum(b.conf for b in boxes) / len(boxes) if boxes else 0.0
    height = page.get_height()

    def on_page(g):  # straightened pixels -> the page as printed, in points from the top-left
        if g is None:
            return None
        b = turn(Box("", *g), -angle, image.size)
        return (b.x0 / scale, b.y0 / scale, b.x1 / scale, b.y1 / scale, g[4])

    lines = [OcrLine(ln.text, ln.x0 / scale, ln.x1 / scale, height - ln.y / scale, ln.h / scale, ln.row,
                     tuple(map(on_page, ln.glyphs)))
             for ln in layout(boxes, grids)]
    return OcrPage(lines, confidence)


# ---------------------------------------------------------------- engines

def _engine(name: str, threads: int):
    if name == "rapidocr":
        engine = _rapidocr(threads, RAPIDOCR)
        return lambda image, deadline: _rapidocr_boxes(engine, image, deadline)
    if name == "tesseract":
        exe = _tesseract()
        return lambda image, deadline: _tesseract_boxes(exe, image, deadline)
    raise ValueError(f"unknown OCR engine {name!r}: one of {', '.join(ENGINES)}")


class _Budgeted:
    """An onnxruntime session that will not start past the page's deadline. RapidOCR runs
    its detector once a page and its recogniser once per six lines, so a page over its
    budget stops within one of those runs."""

    def __init__(self, session):
        self.session, self.deadline = session, None

    def __call__(self, *args, **kwargs):
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise PageTimeout("OCR stopped at the page's time budget")
        return self.session(*args, **kwargs)


@lru_cache(maxsize=None)
def _rapidocr(threads: int, options: tuple[tuple[str, object], ...] = ()):
    try:
        from rapidocr_onnxruntime import RapidOCR
    except (ImportError, OSError) as e:  # OSError: onnxruntime without its shared libraries
        raise OcrUnavailable(f"OCR engine rapidocr is not installed: {INSTALL['rapidocr']}") from e
    settings = dict(options)
    det_side = settings.pop("det_side", None)
    engine = RapidOCR(intra_op_num_threads=threads, inter_op_num_threads=1, **settings)
    if det_side:
        _detector_side(engine, det_side)
    # where a RapidOCR release names its sessions otherwise, pages are timed between calls only
    if hasattr(getattr(engine, "text_det", None), "infer"):
        engine.text_det.infer = _Budgeted(engine.text_det.infer)
    if hasattr(getattr(engine, "text_rec", None), "session"):
        engine.text_rec.session = _Budgeted(engine.text_rec.session)
    return engine


def _detector_side(engine, side: int) -> None:
    """The detector shown the page at `side` px on its longer side. RapidOCR 1.4 takes no
    setting for it (with `det_limit_type: max` it picks 960, 1500 or 2000 by the image's
    size), so its choice is replaced; a release without that hook keeps its own."""
    try:
        from rapidocr_onnxruntime.ch_ppocr_det.utils import DetPreProcess
    except ImportError:
        return
    det = getattr(engine, "text_det", None)
    if det is not None and hasattr(det, "get_preprocess"):
        det.get_preprocess = lambda longest: DetPreProcess(side, "max", det.mean, det.std)


def _rapidocr_boxes(engine, image, deadline: float | None) -> list[Box]:
    import numpy as np

    budgeted = [s for s in (getattr(engine.text_det, "infer", None),
                            getattr(engine.text_rec, "session", None)) if isinstance(s, _Budgeted)]
    for s in budgeted:
        s.deadline = deadline
    try:
        result, _ = engine(np.asarray(image.convert("RGB")), use_cls=False)
    finally:
        for s in budgeted:
            s.deadline = None
    if deadline is not None and time.monotonic() > deadline:
        raise PageTimeout("OCR went past the page's time budget")
    out = []
    for quad, text, score in result or ():  # corners clockwise from the text's top left
        (x0, y0), (x1, y1), _, (x3, y3) = quad
        w, h = math.hypot(x1 - x0, y1 - y0), math.hypot(x3 - x0, y3 - y0)
        cx, cy = sum(p[0] for p in quad) / 4, sum(p[1] for p in quad) / 4
        out.append(Box(text, cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2, float(score)))
    return out


@lru_cache(maxsize=None)
def _tesseract() -> str:
    exe = shutil.which("tesseract")
    if exe is None:
        raise OcrUnavailable(f"OCR engine tesseract is not installed: {INSTALL['tesseract']}")
    langs = subprocess.run([exe, "--list-langs"], capture_output=True, text=True).stdout.split()
    if "chi_sim" not in langs:
        raise OcrUnavailable("tesseract has no Chinese model (chi_sim): "
                             "apt-get install tesseract-ocr-chi-sim")
    return exe


def _tesseract_boxes(exe: str, image, deadline: float | None) -> list[Box]:
    """Words from Tesseract's TSV output (one thread: faster than its default threading
    on a shared machine); the process is killed at the page's deadline."""
    png = io.BytesIO()
    image.save(png, format="PNG")
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    left = None if deadline is None else max(0.01, deadline - time.monotonic())
    try:
        run = subprocess.run([exe, "stdin", "stdout", "-l", "chi_sim", "--psm", "3", "tsv"],
                             input=png.getvalue(), capture_output=True, env=env, timeout=left)
    except subprocess.TimeoutExpired as e:
        raise PageTimeout("tesseract stopped at the page's time budget") from e
    if run.returncode != 0:
        raise InputError(f"tesseract failed: {run.stderr.decode(errors='replace').strip()[:200]}")
    out = []
    for row in run.stdout.decode("utf-8", errors="replace").splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) == 12 and cols[0] == "5" and cols[11].strip() and float(cols[10]) >= 0:
            x, y, w, h = map(float, cols[6:10])
            out.append(Box(cols[11].strip(), x, y, x + w, y + h, float(cols[10]) / 100))
    return out
