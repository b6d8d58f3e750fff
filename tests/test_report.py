"""The HTML report: pure rendering from offsets, escaping, data blocks, and report.html of a run."""
from __future__ import annotations

import base64
import hashlib
import html
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

from hypothesis import given, settings, strategies as st

from extract import run
from extract.review.html import arithmetic, locate, render, render_text
from extract.review.page import SCRIPT, json_block, load_batch, page, write_report

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpora"

EVIL = ("某单位2023年度部门整体支出绩效自评报告\n一、基本情况\n"
        "<script>alert(1)</script>本单位</script>2023年项目支出合计100万元，其中人员经费60万元"
        '<img src=x onerror="window.__pwned=1">，公用经费50万元。\n'
        "二、绩效情况\n<b>满意度</b>达到105%。\n")


def fig(fid, text, surface, nth=1, **kw):
    start = -1
    for _ in range(nth):
        start = text.index(surface, start + 1)
    return {"figure_id": fid, "doc_id": "d.txt", "start": str(start), "end": str(start + len(surface)),
            "surface": surface, "value": "1", "unit": "万元", "value_base": "10000", "base_unit": "元",
            "kind": kw.pop("kind", "money"), "indicator": kw.pop("indicator", "经费"), "role": "", **kw}


class Tags(HTMLParser):
    """Collects the text and checks that every opened element is closed in order."""

    VOID = {"br", "img", "input", "meta", "hr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.text, self.marks, self.tags = [], [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag not in self.VOID:
            self.stack.append((tag, dict(attrs), len("".join(self.text))))

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1][0] == tag, (tag, self.stack)
        name, attrs, start = self.stack.pop()
        if name == "mark":
            self.marks.append((attrs, start, len("".join(self.text))))

    def handle_data(self, data):
        self.text.append(data)


def parse(fragment: str) -> Tags:
    p = Tags()
    p.feed(fragment)
    p.close()
    assert not p.stack, p.stack
    return p


def test_highlights_sit_exactly_on_the_figures():
    text = "公务接待费8万元，与上年相比增加0.03万元，增长0.4%。"
    figs = [fig("a", text, "8万元"), fig("b", text, "0.03万元"), fig("c", text, "0.4%", kind="percent")]
    p = parse(render_text(text, figs))
    assert "".join(p.text) == text
    got = {a["data-f"]: text[s:e] for a, s, e in p.marks}
    assert got == {"a": "8万元", "b": "0.03万元", "c": "0.4%"}
    assert {a["class"] for a, _, _ in p.marks} == {"f k-money", "f k-percent"}


def test_hover_names_value_unit_base_indicator_and_role():
    text = "收入合计1773.84万元。"
    f = fig("a", text, "1773.84万元", indicator="收入合计", role="total", value="1773.84",
            value_base="17738400", page="2")
    title = parse(render_text(text, [f])).marks[0][0]["title"]
    for part in ("1773.84 万元", "17738400 元", "指标：收入合计", "角色：合计", "第2页"):
        assert part in title


def test_overlapping_figures_are_well_formed_and_each_marked():
    text = "总分100分，其中产出指标50分"
    a = {**fig("a", text, "100分"), "start": "2", "end": "6"}      # 100分
    b = {**fig("b", text, "100"), "start": "2", "end": "5"}        # nested in a
    c = {**fig("c", text, "分，其中"), "start": "5", "end": "9"}    # crosses a's end
    p = parse(render_text(text, [a, b, c]))
    assert "".join(p.text) == text
    covered = {fid: "".join(text[s:e] for at, s, e in p.marks if fid in at["data-f"].split())
               for fid in "abc"}
    assert covered == {"a": "100分", "b": "100", "c": "分，其中"}


def test_text_is_escaped_and_nothing_in_it_becomes_markup():
    text = EVIL
    f = fig("s", text, "100万元")
    out = render_text(text, [f])
    p = parse(out)
    assert "".join(p.text) == text
    assert set(p.tags) == {"mark"}
    assert "<script" not in out and "<img" not in out and "<b>" not in out


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet="<>&\"'/ab 万元12\n\u2028", max_size=60),
       st.lists(st.tuples(st.integers(0, 60), st.integers(1, 8)), max_size=6))
def test_rendering_any_text_with_any_spans_keeps_the_text_and_balances_tags(text, spans):
    figs = []
    for i, (s, n) in enumerate(spans):
        if s < len(text):
            e = min(len(text), s + n)
            figs.append({"figure_id": f"f{i}", "start": str(s), "end": str(e), "surface": text[s:e],
                         "kind": "count", "indicator": "<x>"})
    located, unlocated = locate(text, figs)
    assert not unlocated
    p = parse(render_text(text, located))
    assert "".join(p.text) == text
    for f in figs:
        covered = "".join(text[s:e] for at, s, e in p.marks if f["figure_id"] in at["data-f"].split())
        assert covered == f["surface"]


def test_figures_that_cannot_be_located_are_listed_with_why():
    text = "项目支出100万元。"
    good = fig("ok", text, "100万元")
    bad = [{**good, "figure_id": "off", "start": "50", "end": "55"},
           {**good, "figure_id": "moved", "start": "0", "end": "6"},
           {**good, "figure_id": "none", "start": "", "end": ""}]
    located, unlocated = locate(text, [good, *bad])
    assert [f["figure_id"] for f in located] == ["ok"]
    assert {f["figure_id"] for f, _ in unlocated} == {"off", "moved", "none"}
    out = render(text, [good, *bad], [])
    assert "未能在文中定位的数字（3）" in out
    for fid in ("off", "moved", "none"):
        assert f'data-fig="{fid}"' in out
    assert "未能在文中定位的数字（1）" in render(None, [good], [])


def test_flag_lists_operands_evidence_and_interval_arithmetic():
    text = "收入合计100万元，其中甲60万元，乙50万元。"
    figs = [fig("t", text, "100万元", role="total", indicator="收入合计"), fig("p1", text, "60万元"),
            fig("p2", text, "50万元")]
    flag = {"flag_id": "sum_mismatch-1", "doc_id": "d.txt", "check": "sum_mismatch", "severity": "error",
            "message": "合计 ≠ 各项之和 <b>", "figure_ids": "t p1 p2 gone", "evidence": text + "<i>",
            "stated": "[995000, 1005000]", "expected": "[1090000, 1110000]", "tolerance": "±10000"}
    out = render(text, figs, [flag], doc="0")
    p = parse(out)
    assert 'data-flag="sum_mismatch-1"' in out and 'data-figs="t p1 p2 gone"' in out
    assert "合计 ≠ 各项之和 <b>" in "".join(p.text) and "各项之和 &lt;b&gt;" in out
    assert p.tags.count("i") == 1 and "乙50万元。&lt;i&gt;" in out      # only the role "total" is <i>
    assert "gone 不在figures.csv中" in html.unescape(re.sub("<[^>]+>", "", out))
    assert "各项之和110万元，比收入合计100万元多10万元；按各数的书写精度，误差至多±2万元" in out
    assert "[995000, 1005000]" in out and "±10000" in out          # the intervals, for auditors


def test_arithmetic_is_a_sentence_and_tolerates_odd_values():
    assert "比报告5少1；各数均为精确值" in arithmetic({"stated": "5", "expected": "4"})
    assert arithmetic({"stated": "abc", "expected": "[1, x]"}) == ""
    assert arithmetic({}) == ""


def test_json_block_cannot_be_broken_out_of():
    value = '</script><script>alert(1)</script><!-- </SCRIPT >'
    block = json_block("doc-1", value)
    inner = block[block.index(">") + 1: block.rindex("</script>")]
    assert "<" not in inner
    assert json.loads(inner) == value
    assert block.lower().count("</script") == 1


def test_page_is_self_contained_and_its_script_is_the_one_allowed():
    doc = {"doc_id": "a/<b>.txt", "status": "ok", "format": "txt"}
    text = "项目支出100万元。"
    f = {**fig("x", text, "100万元"), "doc_id": doc["doc_id"]}
    from extract.review.page import Batch
    out = page(Batch("out", [doc], [f], [], {doc["doc_id"]: text}))
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", out)
    assert "<link" not in out and "@import" not in out
    digest = base64.b64encode(hashlib.sha256(SCRIPT.encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in out
    assert "a/&lt;b&gt;.txt" in out and "a/<b>.txt" not in out


def test_write_report_of_a_run(tmp_path):
    inputs = tmp_path / "in"
    (inputs / "2023").mkdir(parents=True)
    for name in ("xiang-errors-2023.txt", "zhongxue-2023.txt"):
        shutil.copy(CORPUS / name, inputs / "2023" / name)
    (inputs / "evil.txt").write_text(EVIL, encoding="utf-8")
    out = tmp_path / "out"
    run([inputs], out)
    path = write_report(out)
    assert path == out / "report.html"
    assert not list(out.glob(".*.tmp"))       # atomic: no temp file left
    body = path.read_text(encoding="utf-8")
    batch = load_batch(out)
    assert {d["doc_id"] for d in batch.documents} == {"2023/xiang-errors-2023.txt",
                                                       "2023/zhongxue-2023.txt", "evil.txt"}
    assert batch.flags and all(f"data-flag=\"{f['flag_id']}\"" in body for f in batch.flags)
    for i in range(3):
        assert f'id="doc-{i}"' in body
    located = sum(len(locate(batch.texts[d["doc_id"]],
                             [f for f in batch.figures if f["doc_id"] == d["doc_id"]])[0])
                  for d in batch.documents)
    assert located == len(batch.figures)          # every corpus figure is highlighted
    assert "<script>alert(1)" not in body and "<img src=x" not in body
    # a block per document, the figures' places, the documents' index, and the one script
    assert body.lower().count("<script") == body.lower().count("</script>") == 3 + 2 + 1


def test_a_hand_made_folder_guarded_cells_missing_text_and_strays(tmp_path):
    from extract.core import rows as output
    from extract.outputs.files import write_csv, write_text
    text = "气温-5%下降，项目支出100万元。"
    docs = [{"doc_id": "a/b.txt", "status": "ok", "format": "txt"},
            {"doc_id": "gone.pdf", "status": "error", "error": "encrypted PDF"}]
    figs = [{**fig("neg", text, "-5%", kind="percent"), "doc_id": "a/b.txt"},
            {**fig("m", text, "100万元"), "doc_id": "a/b.txt"},
            {**fig("stray", text, "100万元"), "doc_id": "other.txt"}]
    flags = [{"flag_id": "percent_out_of_range-1", "doc_id": "a/b.txt", "check": "percent_out_of_range",
              "severity": "warning", "message": "-5% 为负", "figure_ids": "neg", "evidence": "-5%"}]
    write_csv(tmp_path / "documents.csv", output.DOCUMENT_COLUMNS, docs)
    write_csv(tmp_path / "figures.csv", output.FIGURE_COLUMNS, figs)
    write_csv(tmp_path / "flags.csv", output.FLAG_COLUMNS, flags)
    write_text(tmp_path / "text" / "a" / "b.txt.txt", text)
    batch = load_batch(tmp_path)
    assert batch.figures[0]["surface"] == "-5%" and batch.flags[0]["message"] == "-5% 为负"
    assert [d["doc_id"] for d in batch.documents] == ["a/b.txt", "gone.pdf", "other.txt"]
    body = write_report(tmp_path).read_text(encoding="utf-8")
    assert "出错的文件（2）" in body and "encrypted PDF" in body
    assert "1 个未能在文中定位" in body                          # the stray figure, not dropped
    start = body.index('id="doc-0">') + len('id="doc-0">')
    fragment = json.loads(body[start: body.index("</script>", start)])
    assert 'data-f="neg"' in fragment and 'data-f="m"' in fragment
