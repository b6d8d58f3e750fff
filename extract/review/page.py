"""The whole batch's review page: one self-contained HTML file built from an output folder.

A batch of hundreds of documents would be slow to open if every text were in the DOM, so each
document's rendered view is kept as a JSON string in a `<script type="application/json">`
block (every `<` written as `\\u003c`, so no text can close the block) and put into the page by
the page's script (`static/report.js`) when the reader opens it. The page is the template
templates/page.html with static/report.css and static/report.js inlined.

Renderings and copies of one report (documents.csv `duplicate_of`) are listed together; a
flag found in several of them is shown once, on the first, with the others named.
`write_report(outdir)` reads the folder's tables and texts and writes `report.html` atomically.
"""
from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from html import escape
from importlib import resources
from pathlib import Path
from typing import Mapping

from markupsafe import Markup

from ..core.errors import InputError
from ..outputs.csvio import read_rows
from ..outputs.files import write_text
from ..outputs.paths import text_path
from . import labels
from .html import SEVERITIES, _int, _s, flag_view, locate, render_document, templates
from .pages import DPI, REPORT_BUDGET, SCALE, data_uri, render_page, scanned_pages

REPORT_NAME = "report.html"
_STATIC = resources.files(__package__) / "static"
STYLE = "\n" + (_STATIC / "report.css").read_text(encoding="utf-8")
SCRIPT = "\n" + (_STATIC / "report.js").read_text(encoding="utf-8")


@dataclass(frozen=True)
class Batch:
    """Everything the report shows: the folder's tables and each document's text."""
    name: str
    documents: list[dict]
    figures: list[dict]
    flags: list[dict]
    texts: dict[str, str | None] = field(default_factory=dict)
    failed: list[dict] = field(default_factory=list)      # checks.csv rows with status fail


def _text(outdir: Path, doc_id: str) -> str | None:
    try:
        return text_path(outdir, doc_id).read_text(encoding="utf-8")
    except (InputError, FileNotFoundError, UnicodeDecodeError):
        return None


def load_batch(outdir: str | Path) -> Batch:
    outdir = Path(outdir)
    documents = read_rows(outdir / "documents.csv")
    figures = read_rows(outdir / "figures.csv")
    flags = read_rows(outdir / "flags.csv")
    failed = [{k: r.get(k, "") for k in ("check_id", "doc_id", "figure_ids")}
              for r in read_rows(outdir / "checks.csv") if r.get("status") == "fail"]
    known = {d.get("doc_id", "") for d in documents}
    for row in (*figures, *flags):        # a figure or flag of a document not in the index
        doc_id = row.get("doc_id", "")
        if doc_id not in known:
            known.add(doc_id)
            documents.append({"doc_id": doc_id, "status": "", "error": "不在documents.csv中"})
    texts = {d["doc_id"]: _text(outdir, d.get("doc_id", "")) for d in documents}
    return Batch(outdir.resolve().name, documents, figures, flags, texts, failed)


def json_block(element_id: str, value) -> Markup:
    """A JSON data block that no content can break out of (every < is \\u003c)."""
    data = json.dumps(value, ensure_ascii=False).replace("<", "\\u003c")
    return Markup(f'<script type="application/json" id="{escape(element_id)}">{data}</script>')


def _sev_order(flag: Mapping) -> int:
    sev = flag.get("severity")
    return SEVERITIES.index(sev) if sev in SEVERITIES else len(SEVERITIES)


class _Index:
    """The batch's documents by position, their report groups and where each flag also is."""

    def __init__(self, batch: Batch):
        self.docs = [dict(d, _i=str(i)) for i, d in enumerate(batch.documents)]
        self.index = {d.get("doc_id", ""): d["_i"] for d in self.docs}
        self.groups: dict[str, list[dict]] = {}
        for d in self.docs:
            first = d.get("duplicate_of") or d.get("doc_id", "")
            self.groups.setdefault(first, []).append(d)
        figs_by_doc: dict[str, list[dict]] = {}
        for f in batch.figures:
            figs_by_doc.setdefault(f.get("doc_id", ""), []).append(f)
        self.figures = figs_by_doc
        self.figs = {_s(f.get("figure_id")): f for f in batch.figures}
        shown = {(fl.get("flag_id"), fl.get("doc_id")) for fl in batch.flags}
        self.also: dict[tuple[str, str], list[dict]] = {}       # (flag_id, doc) -> other renderings
        first_of = {d.get("doc_id", ""): d.get("duplicate_of") or d.get("doc_id", "") for d in self.docs}
        flag_doc = {fl.get("flag_id"): fl.get("doc_id") for fl in batch.flags}
        for r in batch.failed:
            fid, doc = r["check_id"], r["doc_id"]
            home = flag_doc.get(fid)
            if home is None or (fid, doc) in shown or first_of.get(doc) != first_of.get(home):
                continue
            ids = r["figure_ids"].split()
            pages = sorted({_s(self.figs[i].get("page")) for i in ids if i in self.figs and self.figs[i].get("page")},
                           key=lambda p: (len(p), p))
            self.also.setdefault((fid, home), []).append(
                {"doc": self.index.get(doc, ""), "name": doc, "figs": " ".join(ids), "pages": "、".join(pages)})

    def copies(self, d: Mapping) -> list[dict]:
        group = self.groups.get(d.get("duplicate_of") or d.get("doc_id", ""), [])
        return [{"index": c["_i"], "doc_id": c.get("doc_id", "")} for c in group if c is not d]


def overview(batch: Batch, idx: _Index, located_count: int) -> dict:
    status: dict[str, int] = {}
    for d in batch.documents:
        key = labels.STATUS.get(_s(d.get("status")), _s(d.get("status")) or "?")
        status[key] = status.get(key, 0) + 1
    by_sev = {s: 0 for s in SEVERITIES}
    by_check: dict[tuple[str, str], int] = {}
    for f in batch.flags:
        by_sev[_s(f.get("severity"))] = by_sev.get(_s(f.get("severity")), 0) + 1
        key = (_s(f.get("check")), _s(f.get("severity")))
        by_check[key] = by_check.get(key, 0) + 1
    reports = len(idx.groups)
    return {"documents": len(batch.documents), "status": sorted(status.items()), "reports": reports,
            "figures": len(batch.figures), "unlocated": len(batch.figures) - located_count,
            "ocr": sum(1 for d in batch.documents if d.get("ocr_pages")),
            "flags": len(batch.flags), "by_sev": by_sev,
            "by_check": sorted(by_check.items(), key=lambda kv: (_sev_order({"severity": kv[0][1]}), kv[0][0])),
            "errors": [d for d in idx.docs if d.get("status") not in ("ok", None, "")
                       or (d.get("status") == "" and d.get("error"))]}


def _page_images(idx: _Index, flags: list[dict], budget: int) -> tuple[dict[str, dict[str, str]], int]:
    """report.html's page images: the pages of PDF documents that flags cite, most severe
    first, while they fit in `budget` bytes; and how many pages did not fit."""
    wanted: list[tuple[str, int]] = []
    for fl in flags:
        docs = [(fl.get("doc_id", ""), _s(fl.get("figure_ids")).split())]
        docs += [(a["name"], a["figs"].split()) for a in idx.also.get((fl.get("flag_id"), fl.get("doc_id")), ())]
        for doc_id, ids in docs:
            for i in ids:
                p = _int(idx.figs.get(i, {}).get("page"))
                if p and (doc_id, p) not in wanted:
                    wanted.append((doc_id, p))
    by_id = {d.get("doc_id", ""): d for d in idx.docs}
    out: dict[str, dict[str, str]] = {}
    used = left = 0
    for doc_id, p in wanted:
        d = by_id.get(doc_id)
        if d is None or d.get("format") != "pdf":
            continue
        if used >= budget:
            left += 1
            continue
        image = render_page(_s(d.get("source")), p, scanned=p in scanned_pages(_s(d.get("ocr_pages"))))
        if image is not None:
            used += len(image[0]) * 4 // 3
            out.setdefault(d["_i"], {})[str(p)] = data_uri(image)
    return out, left


def page(batch: Batch, *, review: bool = False, images: bool | None = None) -> str:
    """The whole report (review=True: the review app's page, with the decision controls, whose
    page images come from the server; else page images are embedded, unless images=False)."""
    idx = _Index(batch)
    flags_by_doc: dict[str, list[dict]] = {}
    for fl in batch.flags:
        flags_by_doc.setdefault(fl.get("doc_id", ""), []).append(fl)
    located: set[str] = set()
    blocks, doc_rows = [], []
    for d in idx.docs:
        doc_id = d.get("doc_id", "")
        text = batch.texts.get(doc_id)
        dfigs = idx.figures.get(doc_id, [])
        ok, _ = locate(text, dfigs)
        located.update(_s(f.get("figure_id")) for f in ok)
        dflags = sorted(flags_by_doc.get(doc_id, []), key=_sev_order)
        also = {_s(fl.get("flag_id")): idx.also.get((fl.get("flag_id"), doc_id), []) for fl in dflags}
        blocks.append(json_block(f"doc-{d['_i']}", render_document(
            d, text, dfigs, dflags, d["_i"], copies=idx.copies(d), also=also, pages=_int(d.get("pages")) or 0)))
        counts = {s: sum(1 for fl in dflags if fl.get("severity") == s) for s in SEVERITIES}
        inds = "\n".join(sorted({_s(f.get("indicator")) for f in dfigs if f.get("indicator")}))
        doc_rows.append({"d": d, "figures": len(dfigs), "counts": counts, "ind": inds})
    flags = sorted(batch.flags, key=lambda fl: (_sev_order(fl), _int(idx.index.get(fl.get("doc_id", ""))) or 0))
    cards = [flag_view(fl, idx.figs, located, idx.index.get(fl.get("doc_id", ""), ""),
                       idx.also.get((fl.get("flag_id"), fl.get("doc_id")), [])) for fl in flags]
    geo = {}
    for card in cards:
        for ids in [card["figs"], *(a["figs"] for a in card["also"])]:
            for i in ids.split():
                f = idx.figs.get(i)
                if f is not None and f.get("bbox") and f.get("page"):
                    geo[i] = f"{f['page']}|{f['bbox']}"
    embedded, left = ({}, 0) if review or images is False else _page_images(idx, flags, REPORT_BUDGET)
    for i, pages in embedded.items():
        blocks.append(json_block(f"img-{i}", pages))
    blocks.append(json_block("data-geo", geo))
    sources = {d["_i"]: {"pdf": d.get("format") == "pdf", "pages": _int(d.get("pages")) or 0,
                         "name": d.get("doc_id", ""), "scan": _s(d.get("ocr_pages"))} for d in idx.docs}
    blocks.append(json_block("data-docs", sources))
    checks = sorted({_s(fl.get("check")) for fl in batch.flags})
    html = templates().get_template("page.html").render(
        name=batch.name, review=review, overview=overview(batch, idx, len(located)), cards=cards,
        checks=checks, docs=idx.docs, doc_rows=doc_rows, blocks=blocks, style=Markup(STYLE),
        script=Markup(SCRIPT), csp=Markup(_csp(review)), scale=SCALE, dpi=DPI, left=left, groups=idx.groups)
    return html


def _csp(review: bool) -> str:
    script_hash = base64.b64encode(hashlib.sha256(SCRIPT.encode("utf-8")).digest()).decode("ascii")
    images = "data: 'self'" if review else "data:"     # the review server serves page images
    return (f"default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{script_hash}'; "
            f"connect-src 'self'; img-src {images}; "
            "base-uri 'none'; form-action 'none'")


def write_report(outdir: str | Path) -> Path:
    """Write OUTDIR/report.html from the folder's tables and texts (atomically); return its path."""
    outdir = Path(outdir)
    path = outdir / REPORT_NAME
    write_text(path, page(load_batch(outdir)))
    return path
