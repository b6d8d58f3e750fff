"""One document's review view, a pure function: `render(text, figures, flags) -> str`.

The document's text with every located figure highlighted, its flags with their operands and
arithmetic in words, and the figures that could not be located. The views are Jinja2
templates (templates/, escaping on); the highlighted text alone is built here, from the
sorted set of span boundaries, every slice through `html.escape`, so marks never overlap or
nest wrongly. Figures and flags are rows of figures.csv / flags.csv (or the core types,
turned into rows by `core.rows`).
"""
from __future__ import annotations

from functools import lru_cache
from html import escape
from importlib import resources
from typing import Iterable, Mapping

from jinja2 import Environment, FunctionLoader
from markupsafe import Markup

from ..checks import OCR_SURE
from ..core import rows
from ..core.model import KINDS
from . import labels
from .sentences import sentence

SEVERITIES = ("error", "warning", "notice")
_TEMPLATES = resources.files(__package__) / "templates"


@lru_cache(maxsize=1)
def templates() -> Environment:
    """The desk's templates, loaded once; every value is escaped unless marked as markup."""
    env = Environment(loader=FunctionLoader(lambda name: (_TEMPLATES / name).read_text(encoding="utf-8")),
                      autoescape=True, trim_blocks=True, lstrip_blocks=True,
                      keep_trailing_newline=False)
    env.globals.update(labels=labels, severities=SEVERITIES)
    return env


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
            unlocated.append((f, "没有此文件的文本"))
        elif start is None or end is None:
            unlocated.append((f, "没有位置"))
        elif not 0 <= start < end <= len(text):
            unlocated.append((f, f"位置[{start}, {end})超出文本"))
        elif f.get("surface") and text[start:end] != f.get("surface"):
            unlocated.append((f, f"[{start}, {end})处的文字与该数字不符"))
        else:
            located.append(f)
    return located, unlocated


def _conf(f: Mapping) -> float | None:
    if _s(f.get("source_method")) != "ocr":
        return None
    try:
        return float(_s(f.get("confidence")))
    except ValueError:
        return None


def tooltip(f: Mapping) -> str:
    """What hovering a figure says: its value, base value, indicator, role, page, OCR."""
    value = " ".join(x for x in (_s(f.get("value")), _s(f.get("unit"))) if x)
    base = " ".join(x for x in (_s(f.get("value_base")), _s(f.get("base_unit"))) if x)
    approx = labels.APPROX.get(_s(f.get("approx")), "")
    lines = [f"{_s(f.get('surface'))}  [{labels.KIND.get(_s(f.get('kind')), _s(f.get('kind')))}]",
             f"数值：{value}" + (f"（{approx}）" if approx else ""),
             f"折合：{base}",
             f"指标：{_s(f.get('indicator')) or '—'}",
             f"角色：{labels.role(_s(f.get('role')), _s(f.get('direction'))) or '—'}"]
    if f.get("page"):
        lines.append(f"第{f.get('page')}页")
    conf = _conf(f)
    if conf is not None:
        lines.append(f"OCR识别，置信度{conf:.2f}" + ("（存疑）" if conf < OCR_SURE else ""))
    return "\n".join(lines)


def _kind(f: Mapping) -> str:
    k = _s(f.get("kind"))
    return k if k in KINDS else "other"


def _where(f: Mapping) -> str:
    """A figure's place on its page for the page view: `page|x0 top x1 bottom;…`."""
    return f"{_s(f.get('page'))}|{_s(f.get('bbox'))}" if f.get("bbox") and f.get("page") else ""


def render_text(text: str, figures: Iterable) -> Markup:
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
        doubtful = any((c := _conf(f)) is not None and c < OCR_SURE for f in covering)
        cls = (f"f k-{_kind(covering[0])}" + (" ov" if len(covering) > 1 else "")
               + (" ocr" if any(_conf(f) is not None for f in covering) else "") + (" low" if doubtful else ""))
        ids = " ".join(_s(f.get("figure_id")) for f in covering)
        inds = "\n".join(_s(f.get("indicator")) for f in covering)
        tip = "\n\n".join(tooltip(f) for f in covering)
        where = _where(covering[0])
        out.append(f'<mark class="{cls}" data-f="{escape(ids)}" data-i="{escape(inds)}"'
                   + (f' data-b="{escape(where)}"' if where else "")
                   + f' title="{escape(tip)}">{piece}</mark>')
    return Markup("".join(out))


def sides(flag: Mapping) -> str:
    """The two sides as checks.csv has them (base units), for an auditor's hover."""
    parts = [f"{label}{_s(flag.get(k))}" for label, k in (("报告：", "stated"), ("算得：", "expected"),
                                                         ("容差：", "tolerance")) if flag.get(k)]
    return "核查区间（基本单位）" + " · ".join(parts) if parts else ""


def arithmetic(flag: Mapping, operands: Iterable[Mapping] = ()) -> str:
    """The flag's arithmetic as a sentence (sentences.py), as HTML; "" when it has none."""
    text = sentence(flag, list(operands))
    return templates().get_template("parts.html").module.arithmetic(text, sides(flag)) if text else ""


def operand(fid: str, f: Mapping | None, located: bool) -> dict:
    """What a flag card says about one of its figures."""
    if f is None:
        return {"fid": fid, "missing": True}
    conf = _conf(f)
    value = " ".join(x for x in (_s(f.get("value")), _s(f.get("unit"))) if x)
    base = " ".join(x for x in (_s(f.get("value_base")), _s(f.get("base_unit"))) if x)
    return {"fid": fid, "missing": False, "surface": _s(f.get("surface")), "value": value,
            "base": base if base != value else "", "indicator": _s(f.get("indicator")),
            "role": labels.role(_s(f.get("role")), _s(f.get("direction"))), "page": _s(f.get("page")),
            "kind": _kind(f), "located": located, "tooltip": tooltip(f), "where": _where(f),
            "ocr": "" if conf is None else f"{conf:.2f}", "doubtful": conf is not None and conf < OCR_SURE}


def flag_view(flag: Mapping, figs: Mapping[str, Mapping], located: set[str], doc: str = "",
              also: Iterable[Mapping] = ()) -> dict:
    """A flag as its card shows it: severity, check, where, message, arithmetic, operands."""
    ids = _ids(flag.get("figure_ids"))
    pages = sorted({_s(figs[i].get("page")) for i in ids if i in figs and figs[i].get("page")},
                   key=lambda p: (len(p), p))
    if flag.get("page") and _s(flag.get("page")) not in pages:
        pages.insert(0, _s(flag.get("page")))
    ops = [operand(i, figs.get(i), i in located) for i in ids]
    sev = _s(flag.get("severity"))
    check = _s(flag.get("check"))
    return {"flag_id": _s(flag.get("flag_id")), "subject_id": _s(flag.get("subject_id")), "doc": doc,
            "doc_id": _s(flag.get("doc_id")), "sev": sev if sev in SEVERITIES else "other", "severity": sev,
            "check": check, "pages": pages, "section": _s(flag.get("section")),
            "message": _s(flag.get("message")), "evidence": _s(flag.get("evidence")),
            "sentence": sentence(flag, [figs[i] for i in ids if i in figs]), "sides": sides(flag), "operands": ops,
            "figs": " ".join(ids), "ind": "\n".join(_s(figs[i].get("indicator")) for i in ids if i in figs),
            "ocr": any(o.get("ocr") for o in ops), "also": list(also)}


def flag_card(flag: Mapping, figs: Mapping[str, Mapping], located: set[str], doc: str = "",
              also: Iterable[Mapping] = ()) -> str:
    """One flag as a clickable card (templates/parts.html)."""
    return templates().get_template("parts.html").module.flag_card(flag_view(flag, figs, located, doc, also))


def render(text: str | None, figures: Iterable, flags: Iterable, *, doc: str = "") -> str:
    """One document's view: its flags, its text with figures highlighted, the unlocated figures."""
    return templates().get_template("parts.html").module.body(**_document(text, figures, flags, doc))


def _document(text, figures, flags, doc: str, also: Mapping[str, list] | None = None) -> dict:
    figures = [_row(f) for f in figures]
    flags = [_row(f) for f in flags]
    located, unlocated = locate(text, figures)
    figs = {_s(f.get("figure_id")): f for f in figures}
    located_ids = {_s(f.get("figure_id")) for f in located}
    views = [flag_view(fl, figs, located_ids, doc, (also or {}).get(_s(fl.get("flag_id")), ())) for fl in flags]
    return {"flags": views, "text": None if text is None else render_text(text, located),
            "located": len(located),
            "unlocated": [{"fid": _s(f.get("figure_id")), "surface": _s(f.get("surface")),
                           "value": f"{_s(f.get('value'))} {_s(f.get('unit'))}".strip(),
                           "indicator": _s(f.get("indicator")), "role": labels.role(_s(f.get("role"))),
                           "page": _s(f.get("page")), "why": why} for f, why in unlocated]}


def render_document(doc: Mapping, text: str | None, figures: Iterable, flags: Iterable,
                    index: str = "", *, copies: Iterable[Mapping] = (), also: Mapping[str, list] | None = None,
                    pages: int = 0) -> str:
    """The view of one document: its head (format, pages, OCR, the other files of the same
    report) and `render`'s body."""
    return templates().get_template("document.html").render(
        doc=doc, index=index, copies=list(copies), pages=pages, **_document(text, figures, flags, index, also))
