"""A synthetic archive of N reports, varied from the corpus, with gold files.

    python benchmarks/make_archive.py N OUTDIR [--seed 0] [--pdf 0.08] [--docx 0.04]
                                               [--broken 0.03] [--plant 0.3]

Most documents are corpus `.txt` reports whose money figures are all multiplied by one
power of ten (10, 100 or 0.1; a shift of the decimal point, so every sum, change and rate
of the original still holds, within the same rounding). A share of them gets one planted
inconsistency: a satisfaction or coverage rate pushed over 100 % (`percent_out_of_range`).
Shares of the archive are copies of the corpus PDFs and Word files, and broken files: empty,
binary junk, a truncated PDF. Files go to OUTDIR/dNN/ (500 a folder); every document that
has a meaning gets OUTDIR/gold/<name>.json (spec/figures.md), so `jixiao eval OUTDIR OUT`
scores a run over it.
"""
from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import sys
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from extract.evaluate.gold import locate  # noqa: E402

CORPUS = ROOT / "corpora"
NUMBER = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?")
RATES = ("满意度", "覆盖率", "知晓率")


def _plain(d: Decimal) -> str:
    text = format(d, "f")
    return text


def _scaled(number: str, power: int) -> str:
    """`number` (maybe with thousands commas) times 10**power, written as exactly."""
    digits = number.replace(",", "")
    decimals = len(digits.split(".")[1]) if "." in digits else 0
    value = Decimal(digits).scaleb(power).quantize(Decimal(1).scaleb(-max(0, decimals - power)))
    text = _plain(value)
    if "," in number:
        whole, _, frac = text.partition(".")
        text = f"{int(whole):,}" + (f".{frac}" if frac else "")
    return text


def _occurrence(text: str, surface: str, start: int) -> int:
    """The nth (1-based, overlapping counted) of `surface` in `text` that starts at `start`."""
    n, at = 0, -1
    while True:
        at = text.find(surface, at + 1)
        n += 1
        if at == start:
            return n
        if at < 0 or at > start:
            raise ValueError(f"{surface!r} not at {start}")


def vary(text: str, gold: dict, power: int, plant: bool) -> tuple[str, dict]:
    """The text with every money figure times 10**power (and maybe one planted flag), its gold."""
    figures = gold["figures"]
    edits = {}                                          # index -> (start, end, new surface, new value)
    for i, f in enumerate(figures):
        span = locate(text, f["surface"], f["nth"])
        if span is None:
            raise ValueError(f"gold figure {f['surface']!r} #{f['nth']} not in the text")
        m = NUMBER.search(f["surface"])
        if f["kind"] == "money" and m and power:
            surface = f["surface"][:m.start()] + _scaled(m.group(), power) + f["surface"][m.end():]
            edits[i] = (span, surface, power)
        else:
            edits[i] = (span, f["surface"], 0)
    planted = None
    if plant:
        for i, f in enumerate(figures):
            m = NUMBER.search(f["surface"])
            if (f["kind"] == "percent" and m and any(r in f.get("indicator", "") for r in RATES)
                    and Decimal(m.group().replace(",", "")) < 100):
                value = Decimal(m.group().replace(",", ""))
                new = value + 10 if value + 10 > 100 else value + 100
                edits[i] = (edits[i][0], f["surface"][:m.start()] + _plain(new) + f["surface"][m.end():],
                            ("set", new))
                planted = i
                break
    # rewrite from the end, so earlier offsets hold; overlapping spans (nested) keep the outer edit
    out, last, starts = [], len(text), {}
    for i in sorted(edits, key=lambda i: edits[i][0][0], reverse=True):
        (start, end), surface, _ = edits[i]
        if end > last:
            edits[i] = ((start, end), figures[i]["surface"], 0)
            continue
        out.append(text[end:last])
        out.append(surface)
        last = start
    out.append(text[:last])
    new_text = "".join(reversed(out))
    # new offsets: shift each start by the length changes of edits before it
    order = sorted(edits, key=lambda i: edits[i][0][0])
    shift, prev_end = 0, -1
    for i in order:
        (start, end), surface, _ = edits[i]
        starts[i] = start + shift
        if start >= prev_end:
            shift += len(surface) - (end - start)
            prev_end = end
    renamed, new_figures = {}, []
    for i, f in enumerate(figures):
        (_, _), surface, change = edits[i]
        g = dict(f, surface=surface, nth=_occurrence(new_text, surface, starts[i]))
        if isinstance(change, tuple):
            g["value"] = _plain(change[1])
            g["value_base"] = _plain(change[1])
        elif change:
            for key in ("value", "value_base"):
                if g.get(key) not in (None, ""):
                    g[key] = _plain(Decimal(str(g[key])).scaleb(change))
        renamed[(f["surface"], f["nth"])] = [g["surface"], g["nth"]]
        new_figures.append(g)

    def ref(cell):
        return renamed.get(tuple(cell), cell)

    new_gold = dict(gold, figures=new_figures)
    new_gold["flags"] = [dict(fl, figures=[ref(c) for c in fl.get("figures", ())]) for fl in gold.get("flags", ())]
    if planted is not None:
        new_gold["flags"].append({"check": "percent_out_of_range", "figures": [ref([figures[planted]["surface"],
                                                                                    figures[planted]["nth"]])],
                                  "note": "planted by benchmarks/make_archive.py"})
    if "panel" in gold:
        panel = {}
        for key, cell in gold["panel"].items():
            if isinstance(cell, list):
                panel[key] = ref(cell)
            elif isinstance(cell, dict):
                cell = dict(cell, **({"from": [ref(c) for c in cell["from"]]} if "from" in cell else {}))
                if power and "元" in str(cell.get("unit", "")) and "value" in cell:
                    cell["value"] = _plain(Decimal(str(cell["value"])).scaleb(power))
                panel[key] = cell
            else:
                panel[key] = cell
        new_gold["panel"] = panel
    return new_text, new_gold


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("n", type=int)
    ap.add_argument("outdir")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--pdf", type=float, default=0.08, help="share of corpus PDF copies")
    ap.add_argument("--docx", type=float, default=0.04, help="share of corpus Word copies")
    ap.add_argument("--broken", type=float, default=0.03, help="share of broken files")
    ap.add_argument("--plant", type=float, default=0.3, help="share of text reports with a planted flag")
    args = ap.parse_args(argv)

    rng = random.Random(args.seed)
    out = Path(args.outdir)
    (out / "gold").mkdir(parents=True, exist_ok=True)
    names = sorted(p.stem for p in CORPUS.glob("*.txt") if (CORPUS / "gold" / f"{p.stem}.json").is_file())
    texts = {n: (CORPUS / f"{n}.txt").read_text(encoding="utf-8") for n in names}
    golds = {n: json.loads((CORPUS / "gold" / f"{n}.json").read_text(encoding="utf-8")) for n in names}
    pdf = CORPUS / f"{names[0]}.pdf"
    counts = {"txt": 0, "pdf": 0, "docx": 0, "broken": 0, "planted": 0}
    for i in range(args.n):
        folder = out / f"d{i // 500:02d}"
        folder.mkdir(exist_ok=True)
        name = rng.choice(names)
        stem = f"r{i:05d}-{name}"
        r = rng.random()
        if r < args.broken:
            kind = i % 3
            if kind == 0:
                (folder / f"{stem}.txt").write_bytes(b"")
            elif kind == 1:
                (folder / f"{stem}.txt").write_bytes(bytes(rng.randrange(256) for _ in range(4096)))
            else:
                data = pdf.read_bytes()
                (folder / f"{stem}.pdf").write_bytes(data[: len(data) // 3])
            counts["broken"] += 1
            continue
        if r < args.broken + args.pdf or r < args.broken + args.pdf + args.docx:
            ext = "pdf" if r < args.broken + args.pdf else "docx"
            shutil.copy(CORPUS / f"{name}.{ext}", folder / f"{stem}.{ext}")
            gold = dict(golds[name], doc=stem)
            counts[ext] += 1
        else:
            plant = rng.random() < args.plant
            text, gold = vary(texts[name], golds[name], rng.choice((1, 2, -1)), plant)
            gold["doc"] = stem
            (folder / f"{stem}.txt").write_text(text, encoding="utf-8")
            counts["txt"] += 1
            counts["planted"] += any(f.get("note", "").startswith("planted") for f in gold["flags"])
        (out / "gold" / f"{stem}.json").write_text(json.dumps(gold, ensure_ascii=False, indent=1),
                                                   encoding="utf-8")
    print(f"{args.n} documents in {out}: " + ", ".join(f"{v} {k}" for k, v in counts.items()))


if __name__ == "__main__":
    main()
