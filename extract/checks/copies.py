"""copy_mismatch: renderings and copies of one report (the same report_id) that do not state
the same figures. Archives hold one report as .txt, .docx, .pdf and a scan; their flags are
shown once, and where a copy reads differently — an OCR misreading `≥60%` as `260%`, a PDF
that lost a table, an edited copy — that difference is a finding of its own.

It reads figure rows (figures.csv) of the documents of one report only, so the batch's merge
runs it on the groups it finds, never on all figures at once."""
from __future__ import annotations

from difflib import SequenceMatcher
from typing import Iterable, Mapping, Sequence

from ..core.model import CheckResult
from .identity import cross_ids

CHECK = "copy_mismatch"
SHOWN = 5                   # differences a message names; the figure ids cite them all


def first_copies(documents: Iterable[Mapping]) -> dict[str, str]:
    """doc_id -> doc_id of the first document (in the batch's order) of the same report, for
    every document that is a rendering or copy of an earlier one."""
    first: dict[str, str] = {}
    out = {}
    for d in documents:
        rid = d.get("report_id") or ""
        if d.get("status") != "ok" or not rid:
            continue
        if rid in first:
            out[d["doc_id"]] = first[rid]
        else:
            first[rid] = d["doc_id"]
    return out


def _key(f: Mapping) -> tuple[str, str, str]:
    return (f.get("kind", ""), f.get("value_base", ""), f.get("base_unit", ""))


def _order(f: Mapping) -> int:
    try:
        return int(f.get("start") or 0)
    except ValueError:
        return 0


SAME = 0.5      # a copy states at least this share of its twin's figures (SequenceMatcher.ratio)


def _matcher(figures: Sequence[Mapping], first_figures: Sequence[Mapping]):
    mine, theirs = sorted(figures, key=_order), sorted(first_figures, key=_order)
    return mine, theirs, SequenceMatcher(None, [_key(f) for f in mine], [_key(f) for f in theirs],
                                         autojunk=False)


def is_copy(figures: Sequence[Mapping], first_figures: Sequence[Mapping]) -> bool:
    """Whether two documents of one report_id state mostly the same figures: two reports
    without metadata whose texts happen to share a fingerprint do not."""
    if not figures and not first_figures:
        return True
    return _matcher(figures, first_figures)[2].ratio() >= SAME


def copy_mismatch(doc: Mapping, first: Mapping, figures: Sequence[Mapping],
                  first_figures: Sequence[Mapping]) -> CheckResult:
    """Pass when the copy `doc` states the figures of `first` (values and units, in order);
    else a warning naming the figures that differ, each beside its counterpart."""
    mine, theirs, matcher = _matcher(figures, first_figures)
    pairs, ids = [], []
    for op, a0, a1, b0, b1 in matcher.get_opcodes():
        if op == "equal":
            continue
        here, there = mine[a0:a1], theirs[b0:b1]
        ids += [f["figure_id"] for f in here] + [f["figure_id"] for f in there]
        for k in range(max(len(here), len(there))):
            pairs.append((here[k]["surface"] if k < len(here) else "（无）",
                          there[k]["surface"] if k < len(there) else "（无）"))
    status = "fail" if pairs else "pass"
    if pairs:
        shown = "；".join(f"本文件“{a}”，对应处为“{b}”" for a, b in pairs[:SHOWN])
        more = f"；另有{len(pairs) - SHOWN}处" if len(pairs) > SHOWN else ""
        message = (f"与{first['doc_id']}是同一报告，但有{len(pairs)}处数字不同：{shown}{more}"
                   + ("（本文件由OCR识别，请对照原件）" if doc.get("ocr_pages") else ""))
    else:
        message = f"与{first['doc_id']}是同一报告，所载{len(mine)}个数字一致"
    result = CheckResult(doc_id=doc["doc_id"], check=CHECK, status=status, severity="warning",
                         figure_ids=tuple(ids), message=message,
                         evidence=f"{doc['doc_id']} ↔ {first['doc_id']}", key=first["doc_id"])
    # named by the report, the kind of copy and what differs: not by file names or folders
    copy = (str(doc.get("format", "")), "ocr" if doc.get("ocr_pages") else "")
    return cross_ids(result, doc.get("report_id") or doc["doc_id"], copy,
                     tuple(f"{a}>{b}" for a, b in pairs))
