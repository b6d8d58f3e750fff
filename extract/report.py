"""The HTML review report: one self-contained file built from an output folder.

`render(text, figures, flags)` is a pure function: the document's text with every located
figure highlighted, its flags with their operands and interval arithmetic, and the figures that
could not be located. Every slice of text goes through `html.escape`; highlights are opened and
closed at sorted boundaries, so marks never overlap or nest wrongly.

`page(batch)` is the whole report. A batch of hundreds of documents would be slow to open if
every text were in the DOM, so each document's rendered view is kept as a JSON string in a
`<script type="application/json">` block (every `<` written as `\\u003c`, so no text can close
the block) and put into the page by a few lines of inline JS when the reader opens it.
`write_report(outdir)` reads the folder's tables and texts and writes `report.html` atomically.
"""
from __future__ import annotations

import base64
import csv
import hashlib
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from html import escape
from pathlib import Path
from typing import Iterable, Mapping

from . import output

REPORT_NAME = "report.html"
SEVERITIES = ("error", "warning", "notice")
KINDS = ("money", "count", "length", "area", "percent", "percentage_point", "score", "other")


# ---------------------------------------------------------------- rows and the batch

def _row(item) -> Mapping:
    """A figures.csv / flags.csv row, from a row or from a Figure / CheckResult."""
    if isinstance(item, Mapping):
        return item
    if hasattr(item, "figure_id"):
        return output.figure_row(item)
    return output.flag_row(item)


def _s(v) -> str:
    return "" if v is None else str(v)


def _int(v) -> int | None:
    try:
        return int(str(v).strip())
    except (TypeError, ValueError):
        return None


def _ids(v) -> list[str]:
    return _s(v).split()


_UNGUARD = getattr(output, "unsafe_text", None)          # undoes the CSV formula guard, if any
_NUMERIC = getattr(output, "NUMERIC_COLUMNS", frozenset())


def read_rows(path: Path) -> list[dict]:
    """A table of the output folder, its cells as they were before being written (no formula
    guard); a table that is not there has no rows."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.DictReader(fh))
    except FileNotFoundError:
        return []
    if _UNGUARD is None:
        return rows
    return [{k: v if k in _NUMERIC or not isinstance(v, str) else _UNGUARD(v) for k, v in r.items()}
            for r in rows]


@dataclass(frozen=True)
class Batch:
    """Everything the report shows: the folder's tables and each document's text."""
    name: str
    documents: list[dict]
    figures: list[dict]
    flags: list[dict]
    texts: dict[str, str | None] = field(default_factory=dict)


def text_path(outdir: Path, doc_id: str) -> Path | None:
    """text/<doc_id>.txt, or None for an id that would leave the folder."""
    root = (Path(outdir) / "text").resolve()
    target = (root / f"{doc_id}.txt").resolve()
    return target if root in target.parents else None


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
    texts: dict[str, str | None] = {}
    for d in documents:
        path = text_path(outdir, d.get("doc_id", ""))
        try:
            texts[d["doc_id"]] = path.read_text(encoding="utf-8") if path else None
        except (FileNotFoundError, UnicodeDecodeError):
            texts[d["doc_id"]] = None
    return Batch(outdir.resolve().name, documents, figures, flags, texts)


# ---------------------------------------------------------------- one document

def locate(text: str | None, figures: Iterable) -> tuple[list[Mapping], list[tuple[Mapping, str]]]:
    """Split figures into those whose [start, end) holds their surface, and the rest with why."""
    located, unlocated = [], []
    for f in map(_row, figures):
        start, end = _int(f.get("start")), _int(f.get("end"))
        if text is None:
            unlocated.append((f, "no text for this document"))
        elif start is None or end is None:
            unlocated.append((f, "no offsets"))
        elif not 0 <= start < end <= len(text):
            unlocated.append((f, f"offsets [{start}, {end}) outside the text"))
        elif f.get("surface") and text[start:end] != f.get("surface"):
            unlocated.append((f, f"text at [{start}, {end}) is not the surface"))
        else:
            located.append(f)
    return located, unlocated


def tooltip(f: Mapping) -> str:
    value = " ".join(x for x in (_s(f.get("value")), _s(f.get("unit"))) if x)
    base = " ".join(x for x in (_s(f.get("value_base")), _s(f.get("base_unit"))) if x)
    lines = [f"{_s(f.get('surface'))}  [{_s(f.get('kind'))}]",
             f"value: {value}" + (f" ({f.get('approx')})" if f.get("approx") not in ("", "exact", None) else ""),
             f"base value: {base}",
             f"indicator: {_s(f.get('indicator')) or '—'}",
             f"role: {(_s(f.get('role')) + ' ' + _s(f.get('direction'))).strip() or '—'}"]
    if f.get("page"):
        lines.append(f"page: {f.get('page')}")
    return "\n".join(lines)


def _kind(f: Mapping) -> str:
    k = _s(f.get("kind"))
    return k if k in KINDS else "other"


def render_text(text: str, figures: Iterable) -> str:
    """The text with each located figure in a <mark>, from the sorted set of boundaries.

    Between two consecutive boundaries the set of covering figures is constant, so each
    stretch is one escaped slice, wrapped in one mark naming all the figures that cover it.
    """
    figs = list(figures)
    opens: dict[int, list[Mapping]] = {}
    closes: dict[int, list[Mapping]] = {}
    for f in figs:
        opens.setdefault(int(f["start"]), []).append(f)
        closes.setdefault(int(f["end"]), []).append(f)
    bounds = sorted({0, len(text), *opens, *closes})
    active: dict[str, Mapping] = {}
    out = []
    for a, b in zip(bounds, bounds[1:]):
        for f in closes.get(a, ()):
            active.pop(f["figure_id"], None)
        for f in opens.get(a, ()):
            active[f["figure_id"]] = f
        piece = escape(text[a:b], quote=False)
        if not active:
            out.append(piece)
            continue
        covering = sorted(active.values(), key=lambda f: (int(f["start"]), -int(f["end"])))
        cls = f"f k-{_kind(covering[0])}" + (" ov" if len(covering) > 1 else "")
        ids = " ".join(_s(f.get("figure_id")) for f in covering)
        inds = "\n".join(_s(f.get("indicator")) for f in covering)
        tip = "\n\n".join(tooltip(f) for f in covering)
        out.append(f'<mark class="{cls}" data-f="{escape(ids)}" data-i="{escape(inds)}" '
                   f'title="{escape(tip)}">{piece}</mark>')
    return "".join(out)


_INTERVAL = re.compile(r"^\s*\[\s*([^,\]]+?)\s*,\s*([^,\]]+?)\s*\]\s*$")


def _interval(s: str) -> tuple[Decimal, Decimal] | None:
    m = _INTERVAL.match(s or "")
    try:
        if m:
            return Decimal(m.group(1)), Decimal(m.group(2))
        d = Decimal(s.strip())
        return (d, d) if d.is_finite() else None
    except (InvalidOperation, AttributeError, ValueError):
        return None


def arithmetic(flag: Mapping) -> str:
    """The flag's stated / expected / tolerance, and whether the two intervals meet."""
    stated, expected, tol = (_s(flag.get(k)) for k in ("stated", "expected", "tolerance"))
    if not (stated or expected or tol):
        return ""
    parts = [f'{label} <code>{escape(v)}</code>'
             for label, v in (("stated", stated), ("expected", expected), ("tolerance", tol)) if v]
    a, b = _interval(stated), _interval(expected)
    if a and b:
        gap = max(b[0] - a[1], a[0] - b[1])
        parts.append(f'<span class="gap">no overlap, gap {escape(output.plain(gap))}</span>'
                     if gap > 0 else '<span class="gap">the intervals overlap</span>')
    return '<div class="arith">' + " · ".join(parts) + "</div>"


def _operand(fid: str, figs: Mapping[str, Mapping], located: set[str]) -> str:
    f = figs.get(fid)
    if f is None:
        return f'<li class="op missing">{escape(fid)} <em>not in figures.csv</em></li>'
    value = " ".join(x for x in (_s(f.get("value")), _s(f.get("unit"))) if x)
    base = " ".join(x for x in (_s(f.get("value_base")), _s(f.get("base_unit"))) if x)
    bits = [f'<b>{escape(_s(f.get("surface")))}</b>', escape(value)]
    if base and base != value:
        bits.append("= " + escape(base))
    if f.get("indicator"):
        bits.append("· " + escape(_s(f.get("indicator"))))
    if f.get("role"):
        bits.append(f'<i>{escape(_s(f.get("role")) + _s(f.get("direction")))}</i>')
    if f.get("page"):
        bits.append(f'p.{escape(_s(f.get("page")))}')
    if fid not in located:
        bits.append("<em>not located in the text</em>")
    return (f'<li class="op k-{_kind(f)}" data-fig="{escape(fid)}" title="{escape(tooltip(f))}">'
            + " ".join(bits) + "</li>")


def flag_card(flag: Mapping, figs: Mapping[str, Mapping], located: set[str], doc: str = "") -> str:
    """One flag: severity, check, message, evidence, operands and arithmetic, as a clickable card."""
    ids = _ids(flag.get("figure_ids"))
    pages = sorted({_s(figs[i].get("page")) for i in ids if i in figs and figs[i].get("page")},
                   key=lambda p: (len(p), p))
    if flag.get("page") and _s(flag.get("page")) not in pages:
        pages.insert(0, _s(flag.get("page")))
    indicators = "\n".join(_s(figs[i].get("indicator")) for i in ids if i in figs)
    sev = _s(flag.get("severity"))
    sev_cls = sev if sev in SEVERITIES else "other"
    where = " · ".join(x for x in (_s(flag.get("doc_id")),
                                   ("p." + ",".join(pages)) if pages else "",
                                   _s(flag.get("section"))) if x)
    ops = "".join(_operand(i, figs, located) for i in ids)
    evidence = _s(flag.get("evidence"))
    return (
        f'<div class="flag s-{sev_cls}" tabindex="0" data-flag="{escape(_s(flag.get("flag_id")))}" '
        f'data-doc="{escape(doc)}" data-sev="{escape(sev)}" data-check="{escape(_s(flag.get("check")))}" '
        f'data-figs="{escape(" ".join(ids))}" data-pages="{escape(",".join(pages))}" '
        f'data-ind="{escape(indicators)}">'
        f'<div class="fh"><span class="sev">{escape(sev)}</span> <b class="chk">{escape(_s(flag.get("check")))}</b> '
        f'<span class="where">{escape(where)}</span></div>'
        f'<div class="msg">{escape(_s(flag.get("message")))}</div>'
        + arithmetic(flag)
        + (f'<ol class="ops">{ops}</ol>' if ops else "")
        + (f'<blockquote class="ev">{escape(evidence)}</blockquote>' if evidence else "")
        + f'<div class="fid">{escape(_s(flag.get("flag_id")))}</div></div>')


def render(text: str | None, figures: Iterable, flags: Iterable, *, doc: str = "") -> str:
    """One document's view: its flags, its text with figures highlighted, the unlocated figures."""
    figures = [_row(f) for f in figures]
    flags = [_row(f) for f in flags]
    located, unlocated = locate(text, figures)
    figs = {_s(f.get("figure_id")): f for f in figures}
    located_ids = {_s(f.get("figure_id")) for f in located}
    parts = [f'<h3>Flags ({len(flags)})</h3>']
    parts.append('<div class="flags">' + "".join(flag_card(fl, figs, located_ids, doc) for fl in flags)
                 + "</div>" if flags else '<p class="none">No flags.</p>')
    parts.append(f'<h3>Text ({len(located)} figures highlighted)</h3>')
    parts.append('<div class="text">' + render_text(text, located) + "</div>" if text is not None
                 else '<p class="none">No text for this document.</p>')
    parts.append(f'<h3 class="unloc">Figures not located in the text ({len(unlocated)})</h3>')
    if unlocated:
        rows = "".join(
            f'<tr data-fig="{escape(_s(f.get("figure_id")))}"><td>{escape(_s(f.get("figure_id")))}</td>'
            f'<td>{escape(_s(f.get("surface")))}</td><td>{escape(_s(f.get("value")))} {escape(_s(f.get("unit")))}</td>'
            f'<td>{escape(_s(f.get("indicator")))}</td><td>{escape(_s(f.get("role")))}</td>'
            f'<td>{escape(_s(f.get("page")))}</td><td>{escape(why)}</td></tr>' for f, why in unlocated)
        parts.append('<table class="unlocated"><tr><th>figure</th><th>surface</th><th>value</th>'
                     '<th>indicator</th><th>role</th><th>page</th><th>why</th></tr>' + rows + "</table>")
    return "".join(parts)


def render_document(doc: Mapping, text: str | None, figures: Iterable, flags: Iterable,
                    index: str = "") -> str:
    meta = " · ".join(f"{k} {escape(_s(doc.get(k)))}" for k in ("format", "status", "pages", "chars")
                      if doc.get(k))
    head = f'<h2 class="docid">{escape(_s(doc.get("doc_id")))}</h2><p class="meta">{meta}</p>'
    if doc.get("error"):
        head += f'<p class="err">{escape(_s(doc.get("error")))}</p>'
    return (f'<article class="doc" data-doc="{escape(index)}">' + head
            + render(text, figures, flags, doc=index) + "</article>")


# ---------------------------------------------------------------- the page

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
    output.write_text(path, page(load_batch(outdir)))
    return path


STYLE = """
*{box-sizing:border-box}body{margin:0;font:14px/1.5 system-ui,"Noto Sans CJK SC","Microsoft YaHei",sans-serif;color:#222}
header{padding:6px 12px;background:#234;color:#fff;display:flex;gap:16px;align-items:baseline}
header h1{font-size:17px;margin:0}header a{color:#cde}
main{display:grid;grid-template-columns:minmax(360px,44%) 1fr;height:calc(100vh - 38px)}
#side,#view{overflow:auto;padding:8px 12px}#view{border-left:1px solid #ccc}
h2{font-size:16px;margin:12px 0 6px}h3{font-size:14px;margin:10px 0 4px}
.cards{display:flex;gap:8px;flex-wrap:wrap}.card{border:1px solid #ccc;border-radius:4px;padding:4px 8px}
table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ddd;padding:2px 5px;text-align:left;vertical-align:top}
#filters{position:sticky;top:-8px;background:#f6f6f6;padding:6px;border:1px solid #ddd;z-index:2}
#filters label{margin-right:6px;white-space:nowrap}
.flag{border:1px solid #ccc;border-left:5px solid #999;margin:5px 0;padding:4px 6px;cursor:pointer;background:#fff}
.flag.cur{outline:2px solid #06c}.s-error{border-left-color:#c00}.s-warning{border-left-color:#e90}.s-notice{border-left-color:#69c}
.sev{font-size:11px;text-transform:uppercase;padding:0 4px;border-radius:3px;background:#eee}
.s-error .sev,.sev.s-error{background:#fdd}.s-warning .sev{background:#fed}.s-notice .sev{background:#def}
.where,.fid{color:#666;font-size:12px}.msg{margin:2px 0}.arith{font-size:12px}.gap{color:#a00}
.ops{margin:2px 0;padding-left:22px;font-size:12px}.op{cursor:pointer}.op.missing,.op em{color:#a00}
.ev{margin:2px 0 2px 8px;padding-left:6px;border-left:3px solid #ddd;color:#555;font-size:12px}
.text{white-space:pre-wrap;word-break:break-all;font-size:15px;line-height:1.8;border:1px solid #eee;padding:8px}
mark.f{background:#ffef9a;border-radius:2px}mark.k-money{background:#ffe08a}mark.k-count{background:#cfe8ff}
mark.k-length,mark.k-area{background:#d7f5d0}mark.k-percent,mark.k-percentage_point{background:#f5d7f0}
mark.k-score{background:#e3dcff}mark.k-other{background:#e8e8e8}mark.ov{text-decoration:underline dotted}
mark.sel{outline:3px solid #d00;background:#ffb3b3}mark.hit{box-shadow:0 0 0 2px #06c}
.docrow{cursor:pointer}.docrow:hover,.flag:hover{background:#f3f8ff}.n{padding:0 4px;margin-right:2px}
.err{color:#a00}.none{color:#777}[hidden]{display:none!important}body[data-review="0"] .rvonly{display:none}
.rv{margin-top:4px;padding-top:3px;border-top:1px dashed #ccc;font-size:12px;cursor:default}
.rv .badge{padding:0 4px;border-radius:3px;background:#eee;margin-right:4px}.rv .b-new{background:#ffd}
.rv .b-confirmed{background:#fcc}.rv .b-dismissed{background:#cfc}.rv textarea{width:100%;height:2.6em}
.rv button.on{font-weight:bold;outline:2px solid #06c}
@media (max-width:800px){main{display:block;height:auto}#view{border:0}}
"""

SCRIPT = r"""
(function(){
'use strict';
var $=function(s,r){return (r||document).querySelector(s);};
var $$=function(s,r){return Array.prototype.slice.call((r||document).querySelectorAll(s));};
var REVIEW=document.body.dataset.review==='1';
var view=$('#docview'),status=$('#status'),current=null,marks={};
function openDoc(i){
  if(current===i)return;
  var block=document.getElementById('doc-'+i);
  if(!block)return;
  view.innerHTML=JSON.parse(block.textContent);
  current=i;marks={};
  $$('mark[data-f]',view).forEach(function(m){m.dataset.f.split(' ').forEach(function(id){(marks[id]=marks[id]||[]).push(m);});});
  if(REVIEW)paint();
  search();
}
function clearSel(){$$('mark.sel',view).forEach(function(m){m.classList.remove('sel');});$$('.flag.cur').forEach(function(c){c.classList.remove('cur');});}
function markFigures(ids,label,pages){
  clearSel();var first=null,found=0,missing=0;
  ids.forEach(function(id){var ms=marks[id];if(ms&&ms.length){found++;ms.forEach(function(m){m.classList.add('sel');});first=first||ms[0];}else missing++;});
  status.textContent=label+': '+found+' figure(s) marked in the text'+(missing?', '+missing+' not located':'')+(pages?' · page '+pages:'');
  if(first)first.scrollIntoView({block:'center'});
}
function selectFlag(card){
  openDoc(card.dataset.doc);
  var ids=card.dataset.figs?card.dataset.figs.split(' '):[];
  markFigures(ids,card.dataset.check+' '+card.dataset.flag,card.dataset.pages);
  $$('.flag').forEach(function(c){if(c.dataset.flag===card.dataset.flag)c.classList.add('cur');});
  if(history.replaceState)history.replaceState(null,'','#flag='+encodeURIComponent(card.dataset.flag));
}
document.addEventListener('click',function(e){
  var t=e.target;
  if(t.closest('.rv'))return;
  var s=t.closest('.setf');
  if(s){e.preventDefault();var el=document.getElementById(s.dataset.k);el.value=s.dataset.v;filter();return;}
  var o=t.closest('.opendoc,.docrow');
  if(o){e.preventDefault();openDoc(o.dataset.doc);status.textContent='document opened';
    if(history.replaceState)history.replaceState(null,'','#doc='+o.dataset.doc);return;}
  var op=t.closest('.op[data-fig]'),card=t.closest('.flag');
  if(op&&card){openDoc(card.dataset.doc);markFigures([op.dataset.fig],'figure '+op.dataset.fig,'');return;}
  if(card)selectFlag(card);
});
document.addEventListener('keydown',function(e){
  if(e.key!=='Enter'||e.target.closest('.rv'))return;
  var c=e.target.closest('.flag');if(c){selectFlag(c);return;}
  var r=e.target.closest('.docrow');if(r)openDoc(r.dataset.doc);
});
var cards=$$('#flags .flag'),rows=$$('.docrow');
function rvState(id){return REVIEW?(state.status[id]||{}):{};}
function filter(){
  var sev=$('#f-sev').value,chk=$('#f-check').value,doc=$('#f-doc').value,rv=$('#f-rv').value;
  var q=$('#f-ind').value.trim().toLowerCase(),n=0;
  cards.forEach(function(c){
    var ok=(!sev||c.dataset.sev===sev)&&(!chk||c.dataset.check===chk)&&(!doc||c.dataset.doc===doc)&&
      (!q||c.dataset.ind.toLowerCase().indexOf(q)>=0);
    if(ok&&rv){var d=(state.decisions[c.dataset.flag]||{}).decision||'',st=rvState(c.dataset.flag);
      ok=rv==='open'?!d:rv==='decided'?!!d:rv==='new'?!!st.new:d===rv;}
    c.hidden=!ok;if(ok)n++;
  });
  rows.forEach(function(r){r.hidden=!((!doc||r.dataset.doc===doc)&&(!q||r.dataset.ind.toLowerCase().indexOf(q)>=0));});
  $('#shown').textContent=n+' of '+cards.length+' flags shown';
  if(doc)openDoc(doc);
  search();
}
function search(){
  var q=$('#f-ind').value.trim().toLowerCase();
  $$('mark.hit',view).forEach(function(m){m.classList.remove('hit');});
  if(q)$$('mark[data-i]',view).forEach(function(m){if(m.dataset.i.toLowerCase().indexOf(q)>=0)m.classList.add('hit');});
}
['#f-sev','#f-check','#f-doc','#f-rv'].forEach(function(s){$(s).addEventListener('change',filter);});
$('#f-ind').addEventListener('input',filter);
/* review mode: decisions from the local server */
var state={decisions:{},status:{},gone:[]};
function req(method,url,body){
  return fetch(url,{method:method,headers:body?{'Content-Type':'application/json'}:{},body:body?JSON.stringify(body):undefined})
    .then(function(r){return r.json().then(function(j){return {status:r.status,body:j};});});
}
function load(){return req('GET','api/state').then(function(r){state=r.body;paint();filter();});}
function decide(card,decision){
  var id=card.dataset.flag,d=state.decisions[id]||{},note=$('textarea',card).value;
  var who=$('#reviewer').value;try{localStorage.setItem('jixiao-reviewer',who);}catch(e){}
  req('POST','api/decision',{flag_id:id,decision:decision===undefined?(d.decision||''):decision,note:note,reviewer:who,base_version:d.version||0})
    .then(function(r){
      if(r.status===200){state.decisions[id]=r.body;paint();filter();}
      else if(r.status===409){state.decisions[id]=r.body.current;paint();
        $('.rvmsg',card).textContent='changed by another reviewer meanwhile: shown above, decide again';}
      else $('.rvmsg',card).textContent='not saved: '+(r.body.error||r.status);
    }).catch(function(e){$('.rvmsg',card).textContent='not saved: '+e;});
}
function paintCard(c){
  var id=c.dataset.flag,box=$('.rv',c),d=state.decisions[id]||{},st=state.status[id]||{};
  if(!box){
    box=document.createElement('div');box.className='rv';
    box.innerHTML='<span class="badges"></span><button class="b-conf" data-d="confirmed">confirm</button> '+
      '<button class="b-dism" data-d="dismissed">dismiss</button> <button class="b-clear" data-d="">undecide</button> '+
      '<button class="b-note">save note</button><textarea placeholder="note"></textarea><span class="rvmsg"></span>';
    $$('button',box).forEach(function(b){b.addEventListener('click',function(){decide(c,b.classList.contains('b-note')?undefined:b.dataset.d);});});
    c.appendChild(box);
  }
  var badges=$('.badges',box);badges.textContent='';
  function badge(t,cls){var s=document.createElement('span');s.className='badge '+cls;s.textContent=t;badges.appendChild(s);badges.appendChild(document.createTextNode(' '));}
  if(st.new)badge('new','b-new');
  badge(d.decision||'undecided','b-'+(d.decision||'open'));
  if(d.decision&&(d.reviewer||d.decided_at))badge((d.reviewer?d.reviewer+' ':'')+(d.decided_at||''),'b-who');
  $$('button[data-d]',box).forEach(function(b){b.classList.toggle('on',b.dataset.d!==''&&b.dataset.d===d.decision);});
  var ta=$('textarea',box);if(document.activeElement!==ta)ta.value=d.note||'';
  $('.rvmsg',box).textContent='';
}
function paint(){
  if(!REVIEW)return;
  $$('.flag[data-flag]').forEach(paintCard);
  var gone=$('#gone');gone.hidden=!state.gone.length;var list=$('.flags',gone);list.textContent='';
  state.gone.forEach(function(g){
    var div=document.createElement('div');div.className='flag gone';div.dataset.flag=g.flag_id;
    var head=document.createElement('div');head.textContent=g.severity+' '+g.check+' · '+g.doc_id+' · '+g.flag_id;
    var msg=document.createElement('div');msg.className='msg';msg.textContent=g.message;
    var dec=document.createElement('div');dec.className='where';
    dec.textContent='decision: '+(g.decision||'none')+(g.note?' · note: '+g.note:'');
    div.appendChild(head);div.appendChild(msg);div.appendChild(dec);list.appendChild(div);
  });
}
if(REVIEW){try{$('#reviewer').value=localStorage.getItem('jixiao-reviewer')||'';}catch(e){}load();}
filter();
var h=decodeURIComponent(location.hash.slice(1));
if(h.indexOf('flag=')===0){var c=cards.filter(function(x){return x.dataset.flag===h.slice(5);})[0];if(c)selectFlag(c);}
else if(h.indexOf('doc=')===0)openDoc(h.slice(4));
window.jixiao={openDoc:openDoc,filter:filter,state:function(){return state;},reload:load};
})();
"""
