"""The whole batch's review page: one self-contained HTML file built from an output folder.

A batch of hundreds of documents would be slow to open if every text were in the DOM, so each
document's rendered view is kept as a JSON string in a `<script type="application/json">`
block (every `<` written as `\\u003c`, so no text can close the block) and put into the page by
a few lines of inline JS (`static/report.js`) when the reader opens it.
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
from typing import Iterable, Mapping

from ..core.errors import InputError
from ..outputs.csvio import read_rows
from ..outputs.files import write_text
from ..outputs.paths import text_path
from .html import SEVERITIES, _int, _s, flag_card, locate, render_document

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
    known = {d.get("doc_id", "") for d in documents}
    for row in (*figures, *flags):        # a figure or flag of a document not in the index
        doc_id = row.get("doc_id", "")
        if doc_id not in known:
            known.add(doc_id)
            documents.append({"doc_id": doc_id, "status": "", "error": "not in documents.csv"})
    texts = {d["doc_id"]: _text(outdir, d.get("doc_id", "")) for d in documents}
    return Batch(outdir.resolve().name, documents, figures, flags, texts)



def json_block(element_id: str, value) -> str:
    """A JSON data block that no content can break out of (every < is \\u003c)."""
    data = json.dumps(value, ensure_ascii=False).replace("<", "\\u003c")
    return f'<script type="application/json" id="{escape(element_id)}">{data}</script>'


def _sev_order(flag: Mapping) -> int:
    sev = flag.get("severity")
    return SEVERITIES.index(sev) if sev in SEVERITIES else len(SEVERITIES)


def _options(values: Iterable[tuple[str, str]], all_label: str) -> str:
    return (f'<option value="">{escape(all_label)}</option>'
            + "".join(f'<option value="{escape(v)}">{escape(label)}</option>' for v, label in values))


def overview(batch: Batch, docs: list[dict], located_count: int) -> str:
    status: dict[str, int] = {}
    for d in batch.documents:
        status[_s(d.get("status")) or "?"] = status.get(_s(d.get("status")) or "?", 0) + 1
    by_sev = {s: 0 for s in SEVERITIES}
    by_check: dict[tuple[str, str], int] = {}
    for f in batch.flags:
        by_sev[_s(f.get("severity"))] = by_sev.get(_s(f.get("severity")), 0) + 1
        key = (_s(f.get("check")), _s(f.get("severity")))
        by_check[key] = by_check.get(key, 0) + 1
    cards = [
        f'<div class="card"><b>{len(batch.documents)}</b> documents<br>'
        + ", ".join(f"{n} {escape(s)}" for s, n in sorted(status.items())) + "</div>",
        f'<div class="card"><b>{len(batch.figures)}</b> figures<br>'
        f'{len(batch.figures) - located_count} not located in the text</div>',
        f'<div class="card"><b>{len(batch.flags)}</b> flags<br>'
        + ", ".join(f'<a href="#" class="setf s-{escape(s)}" data-k="f-sev" data-v="{escape(s)}">{n} {escape(s)}</a>'
                    for s, n in by_sev.items()) + "</div>"]
    rows = "".join(
        f'<tr><td><a href="#" class="setf" data-k="f-check" data-v="{escape(c)}">{escape(c)}</a></td>'
        f'<td class="s-{escape(s)}"><span class="sev">{escape(s)}</span></td><td>{n}</td></tr>'
        for (c, s), n in sorted(by_check.items(), key=lambda kv: (_sev_order({"severity": kv[0][1]}), kv[0][0])))
    errors = [d for d in docs if d.get("status") != "ok"]
    err_list = "".join(f'<li><a href="#" class="opendoc" data-doc="{escape(_s(d.get("_i")))}">'
                       f'{escape(_s(d.get("doc_id")))}</a> <span class="sev">{escape(_s(d.get("status")))}</span> '
                       f'{escape(_s(d.get("error")))}</li>' for d in errors)
    return ('<section id="overview"><h2>Batch overview</h2><div class="cards">' + "".join(cards) + "</div>"
            + (f'<table class="bycheck"><tr><th>check</th><th>severity</th><th>flags</th></tr>{rows}</table>'
               if rows else "")
            + f'<h3>Documents with errors ({len(errors)})</h3>'
            + (f"<ul class=\"errdocs\">{err_list}</ul>" if errors else '<p class="none">None.</p>')
            + "</section>")


def page(batch: Batch, *, review: bool = False) -> str:
    """The whole report (review=True adds the decision controls of `jixiao review`)."""
    docs = [dict(d, _i=str(i)) for i, d in enumerate(batch.documents)]
    index = {d.get("doc_id", ""): d["_i"] for d in docs}
    figs_by_doc: dict[str, list[dict]] = {}
    for f in batch.figures:
        figs_by_doc.setdefault(f.get("doc_id", ""), []).append(f)
    flags_by_doc: dict[str, list[dict]] = {}
    for fl in batch.flags:
        flags_by_doc.setdefault(fl.get("doc_id", ""), []).append(fl)
    figs = {_s(f.get("figure_id")): f for f in batch.figures}
    located: set[str] = set()
    blocks, doc_rows = [], []
    for d in docs:
        doc_id = d.get("doc_id", "")
        text = batch.texts.get(doc_id)
        dfigs = figs_by_doc.get(doc_id, [])
        ok, _ = locate(text, dfigs)
        located.update(_s(f.get("figure_id")) for f in ok)
        dflags = sorted(flags_by_doc.get(doc_id, []), key=_sev_order)
        blocks.append(json_block(f"doc-{d['_i']}", render_document(d, text, dfigs, dflags, d["_i"])))
        counts = {s: sum(1 for fl in dflags if fl.get("severity") == s) for s in SEVERITIES}
        inds = "\n".join(sorted({_s(f.get("indicator")) for f in dfigs if f.get("indicator")}))
        doc_rows.append(
            f'<tr class="docrow" tabindex="0" data-doc="{d["_i"]}" data-ind="{escape(inds)}">'
            f'<td>{escape(doc_id)}</td><td>{escape(_s(d.get("format")))}</td>'
            f'<td>{escape(_s(d.get("status")))}</td><td>{escape(_s(d.get("pages")))}</td>'
            f'<td>{len(dfigs)}</td><td>' + " ".join(
                f'<span class="n s-{s}">{n} {s}</span>' for s, n in counts.items() if n)
            + f'</td><td>{escape(_s(d.get("error")))}</td></tr>')
    flags = sorted(batch.flags, key=lambda fl: (_sev_order(fl), _int(index.get(fl.get("doc_id", ""))) or 0))
    cards = "".join(flag_card(fl, figs, located, index.get(fl.get("doc_id", ""), "")) for fl in flags)
    checks = sorted({_s(fl.get("check")) for fl in batch.flags})
    filters = (
        '<section id="filters"><label>severity <select id="f-sev">'
        + _options(((s, s) for s in SEVERITIES), "all") + '</select></label> '
        '<label>check <select id="f-check">' + _options(((c, c) for c in checks), "all") + "</select></label> "
        '<label>document <select id="f-doc">'
        + _options(((d["_i"], _s(d.get("doc_id"))) for d in docs), "all") + "</select></label> "
        '<label>indicator <input id="f-ind" type="search" placeholder="search 指标"></label> '
        '<label class="rvonly">review <select id="f-rv">' + _options(
            (("open", "undecided"), ("decided", "decided"), ("new", "new"), ("confirmed", "confirmed"),
             ("dismissed", "dismissed")), "all") + '</select></label> '
        '<label class="rvonly">reviewer <input id="reviewer" size="10"></label> '
        '<span id="shown"></span></section>')
    body = (
        f'<body data-review="{1 if review else 0}"><header><h1>jixiao · {escape(batch.name)}</h1>'
        + ('<span class="rvonly">review · <a href="export/decisions.csv">decisions.csv</a> · '
           '<a href="export/review.xlsx">review.xlsx</a></span>' if review else "")
        + '</header><main><div id="side">' + overview(batch, docs, len(located)) + filters
        + f'<section id="flags"><h2>Flags ({len(flags)})</h2><div class="flags">{cards}</div></section>'
        + '<section id="gone" class="rvonly" hidden><h2>Flags that disappeared</h2><div class="flags"></div></section>'
        + '<section id="docs"><h2>Documents</h2><table><tr><th>document</th><th>format</th><th>status</th>'
          '<th>pages</th><th>figures</th><th>flags</th><th>error</th></tr>' + "".join(doc_rows) + "</table></section>"
        + '</div><div id="view"><p id="status" class="none">Click a flag or a document.</p>'
          '<div id="docview"></div></div></main>' + "".join(blocks) + f"<script>{SCRIPT}</script></body>")
    script_hash = base64.b64encode(hashlib.sha256(SCRIPT.encode("utf-8")).digest()).decode("ascii")
    csp = (f"default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{script_hash}'; "
           "connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'")
    return ('<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
            f'<meta http-equiv="Content-Security-Policy" content="{csp}">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<title>jixiao report · {escape(batch.name)}</title><style>{STYLE}</style></head>' + body + "</html>")


def write_report(outdir: str | Path) -> Path:
    """Write OUTDIR/report.html from the folder's tables and texts (atomically); return its path."""
    outdir = Path(outdir)
    path = outdir / REPORT_NAME
    write_text(path, page(load_batch(outdir)))
    return path
