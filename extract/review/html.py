"""One document's review view, a pure function: `render(text, figures, flags) -> str`.

The document's text with every located figure highlighted, its flags with their operands and
interval arithmetic, and the figures that could not be located. Every slice of text goes
through `html.escape`; highlights are opened and closed at sorted boundaries, so marks never
overlap or nest wrongly. Figures and flags are rows of figures.csv / flags.csv (or the core
types, turned into rows by `core.rows`).
"""
from __future__ import annotations

from html import escape
from typing import Iterable, Mapping

from ..core import rows
from ..core.interval import Interval
from ..core.model import KINDS

SEVERITIES = ("error", "warning", "notice")


def _row(item) -> Mapping:
    """A figures.csv / flags.csv row, from a row or from a Figure / CheckResult."""
    if isinstance(item, Mapping):
        return item
    if hasattr(item, "figure_id"):
        return rows.figure_row(item)
    return rows.flag_row(item)


def _s(v) -> str:
    return "" if v is None else str(v)


def _int(v) -> int | None:
    try:
        return int(str(v).strip())
    except (TypeError, ValueError):
        return None


def _ids(v) -> list[str]:
    return _s(v).split()



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


def _interval(s: str) -> Interval | None:
    """A side of a check as checks.csv writes it, when both its ends are finite."""
    try:
        iv = Interval.parse(s or "")
    except ValueError:
        return None
    return iv if iv.lo.is_finite() and iv.hi.is_finite() else None


def arithmetic(flag: Mapping) -> str:
    """The flag's stated / expected / tolerance, and whether the two intervals meet."""
    stated, expected, tol = (_s(flag.get(k)) for k in ("stated", "expected", "tolerance"))
    if not (stated or expected or tol):
        return ""
    parts = [f'{label} <code>{escape(v)}</code>'
             for label, v in (("stated", stated), ("expected", expected), ("tolerance", tol)) if v]
    a, b = _interval(stated), _interval(expected)
    if a and b:
        gap = max(b.lo - a.hi, a.lo - b.hi)
        parts.append(f'<span class="gap">no overlap, gap {escape(rows.plain(gap))}</span>'
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


