"""What each figure in running text measures: indicator, role and direction.

A figure's *lead* is the text between the start of its clause (or the previous figure
in the clause) and the figure. The lead names the indicator (收入合计1773.84万元), says
the role (比上年减少 -> a delta downwards) or is empty, in which case the figure speaks
of the same thing as the figure before it (…，增长20%). A count may instead name what
it counts after it (54个屋场党小组). Table cells are handled by `tables.py`.
"""
from __future__ import annotations

from bisect import bisect_left
from dataclasses import replace

import regex

from ..core.model import Figure
from ..core.patterns import Patterns
from .structure import Layout

_EDGE_PUNCT = "、，,：:；;。（(）)—-－·. \u3000\t"
_DE = "的"


def _strip_edges(s: str) -> str:
    s = s.strip(_EDGE_PUNCT)
    if s.endswith("“") or s.endswith("‘"):
        s = s[:-1]
    if s.count("“") > s.count("”") and s.startswith("“"):
        s = s[1:]
    if s.count("”") > s.count("“") and s.endswith("”"):
        s = s[:-1]
    return s.strip(_EDGE_PUNCT)


class Context:
    """Indicators and roles for the figures of one text."""

    def __init__(self, patterns: Patterns, text: str, scan: str, layout: Layout, tokenizer):
        self.p = patterns
        self.text = text
        self.scan = scan
        self.layout = layout
        self.tk = tokenizer
        self.rx = patterns.rx
        self._boundaries = [m.start() for m in self.rx["clause_boundary"].finditer(scan)]

    # -- entry point -------------------------------------------------------------
    def annotate(self, figures: list[Figure]) -> list[Figure]:
        self._all = figures
        self._starts = [f.start for f in figures]
        out: list[Figure] = []
        anchors: list[Figure] = []            # figures of the sentence that named their indicator
        prev: Figure | None = None
        for f in figures:
            s_start, s_end = self.layout.sentence_at(f.start)
            if prev is None or prev.end <= s_start:
                anchors = []
                prev_end = s_start
            else:
                prev_end = prev.end
            clause_start = self._clause_start(f.start, s_start)
            lead_start = max(clause_start, prev_end)
            lead = self.scan[lead_start:f.start]
            role, direction, subject = self._role(f, lead, s_start, clause_start, prev)
            anchor = _anchor(anchors, f, role)
            indicator, own = self._indicator(f, role, subject, lead, anchor, clause_start, prev_end, s_start)
            g = replace(f, indicator=indicator, role=role, direction=direction,
                        sentence=self.layout.sentence_text(self.text, f.start, f.end))
            if own:
                anchors.append(g)
            out.append(g)
            prev = f
        return out

    def _clause_start(self, pos: int, floor: int) -> int:
        """Just after the last clause boundary before `pos`, but not before `floor`."""
        i = bisect_left(self._boundaries, pos) - 1
        return max(floor, self._boundaries[i] + 1) if i >= 0 else floor

    # -- role and direction --------------------------------------------------------
    def _role(self, f: Figure, lead: str, s_start: int, clause_start: int, prev: Figure | None):
        """(role, direction, the part of the lead that names the subject)."""
        cues = self.rx
        up, down = cues["change_up"].search(lead), cues["change_down"].search(lead)
        if up or down:
            m = up or down
            role = "growth_rate" if f.kind == "percent" else "delta"
            subject = cues["comparison"].sub("", lead[: m.start()])
            return role, "+" if up else "-", subject
        if cues["saving"].search(lead) and f.kind != "percent":
            return "delta", "-", cues["saving"].sub("", lead)
        prior = cues["prior"].search(lead)
        if prior and not cues["comparison"].search(lead[prior.end():]):
            inside = cues["prior_words"].sub("", lead[prior.start():])
            return "prior", "", inside or lead[: prior.start()]
        sentence_before = self.scan[s_start:f.start]
        after = self.scan[f.end: f.end + 4]
        if cues["total"].search(lead) or (f.kind != "percent" and cues["nesting"].match(after.lstrip("，,：:（("))):
            return "total", "", lead
        if cues["weight"].search(lead):
            return "weight", "", lead
        if f.kind == "score" and cues["score"].search(lead):
            return "score", "", lead
        for role in ("execution_rate", "executed", "budget"):
            wanted = "percent" if role == "execution_rate" else "money"
            if cues[role].search(lead) and f.kind == wanted:
                return role, "", lead
        if f.kind == "score" and self.scan[f.start - 1: f.start] in ("（", "("):
            return "weight", "", lead
        if self._in_parentheses_after(prev, f) or (
                cues["parts_follow"].search(sentence_before) and self._after_total_like(f, s_start)):
            return "part", "", lead
        heading = self.layout.heading_at(f.start)
        if cues["target"].search(lead) or (heading and cues["target_section"].search(heading.title)):
            return "target", "", lead
        if cues["actual"].search(lead):
            return "actual", "", lead
        return "", "", lead

    def _in_parentheses_after(self, prev: Figure | None, f: Figure) -> bool:
        """基本支出2,418.65万元（人员经费2,106.37万元、…）: parts in parentheses after a total."""
        if prev is None or prev.end >= len(self.scan) or self.scan[prev.end] not in "（(":
            return False
        return not regex.search(r"[)）]", self.scan[prev.end:f.start])  # technical: a bracket closed

    def _after_total_like(self, f: Figure, s_start: int) -> bool:
        """A part follows a figure of the same kind earlier in the sentence (the total)."""
        cue = None
        for cue in self.rx["parts_follow"].finditer(self.scan, s_start, f.start):
            pass
        if cue is None:
            return False
        for g in self._all[bisect_left(self._starts, s_start):]:
            if g.start >= cue.start():
                return False
            if g.kind == f.kind:
                return True
        return False

    # -- indicator -------------------------------------------------------------------
    def _indicator(self, f: Figure, role: str, subject: str, lead: str, anchor: Figure | None,
                   clause_start: int, prev_end: int, s_start: int) -> tuple[str, bool]:
        """(indicator, whether the figure named it itself rather than inheriting it)."""
        share = self.rx["share"].search(lead.strip())
        if share and anchor is not None and f.kind == "percent":
            whole = _strip_edges(share.group("whole")).removesuffix(_DE)
            return (f"{anchor.indicator}占{whole}比例" if whole else f"{anchor.indicator}占比"), False
        listed = self._listed_before(f)
        if listed:
            return listed, True
        if f.kind == "count":
            counted = self._counted_after(f)
            if counted:
                return counted, True
        respective = self._respective(f, s_start)
        if respective:
            return respective, True
        name = self._role_words_off(self._clean(subject), f, role)
        if name:
            return name, True
        earlier = self._previous_clause(clause_start, prev_end, s_start)
        if earlier:
            return earlier, True
        if anchor is not None:
            return anchor.indicator, False
        return "", False

    def _role_words_off(self, name: str, f: Figure, role: str) -> str:
        """年初目标2.3万亩 / 得分14.5分: a role word alone names nothing (自评得分 does)."""
        stripped = self.rx["role_prefix"].sub("", name)
        if f.kind == "score" and role != "total":
            stripped = self.rx["score_suffix"].sub("", stripped)
        return stripped if len(stripped) >= 2 else ""

    def _previous_clause(self, clause_start: int, prev_end: int, s_start: int) -> str:
        """实施高标准农田建设项目，年初目标2.3万亩: the subject may stand in the clause before."""
        if clause_start <= s_start:
            return ""
        start = self._clause_start(clause_start - 1, s_start)
        if prev_end > start:
            return ""
        return self._clean(self.scan[start:clause_start - 1])

    def _clean(self, lead: str) -> str:
        """Trim a lead to the words naming what is measured."""
        p = self.p
        s = lead
        for _ in range(3):
            before = s
            s = _strip_edges(s)
            dated = self.rx["dated_prefix"].match(s)
            if dated and len(s) - dated.end() >= 2:
                s = s[dated.end():]
            s = p.lead_drop.sub("", s)
            s = self.rx["comparison"].sub("", s)
            if _DE in s:
                head, _, tail = s.rpartition(_DE)
                s = tail if len(_strip_edges(tail)) >= 2 else head
            s = self.rx["change_up"].sub("", self.rx["change_down"].sub("", s))
            s = self._trim_words(_strip_edges(s))
            if s == before:
                break
        if len(s) > p.max_indicator_chars:
            s = self._keep_tail(s, p.max_indicator_chars)
        return _strip_edges(s)

    def _trim_words(self, s: str) -> str:
        """Drop filler words at the end (为, 达到) and everything up to the last verb
        that still leaves a noun (湾场内安装照明路灯 -> 照明路灯)."""
        if not s:
            return s
        tokens = list(self.tk.tokenize(s, HMM=False))
        while tokens and tokens[-1][0] in self.p.tail_words:
            tokens.pop()
        if not tokens:
            return ""
        end = tokens[-1][2]
        start = 0
        for word, w_start, w_end in tokens[:-1]:
            rest = s[w_end:end]
            if word in self.p.verbs and len(rest) >= 2 and rest not in self.p.generic_heads:
                start = w_end
        return self.rx["copula_end"].sub("", s[start:end])

    def _keep_tail(self, s: str, limit: int) -> str:
        for word, start, _ in self.tk.tokenize(s, HMM=False):
            if len(s) - start <= limit:
                return s[start:]
        return s[-limit:]

    def _counted_after(self, f: Figure) -> str:
        """54个屋场党小组: the noun right after a count names what is counted; in
        五位眼界宽、思路活的乡贤能人 it is the noun after the last 的."""
        window = self.scan[f.end: f.end + 30]
        hard = self.rx["clause_stop"].search(window)
        window = window[: hard.start()] if hard else window
        digit = regex.search(r"\d", window)  # technical: the next number ends the noun
        window = window[: digit.start()] if digit else window
        if _DE in window:
            before, _, after = window.partition(_DE)
            simple = "、" not in before and len(list(self.tk.tokenize(before, HMM=False))) <= 2
            window = before if simple else window.rpartition(_DE)[2]
        kept = []
        for word, start, end in self.tk.tokenize(window[:16], HMM=False):
            if word in self.p.verbs or self.p.after_stop.fullmatch(word) or len(kept) == 3:
                break
            kept.append(word)
        return "".join(kept)

    def _listed_before(self, f: Figure) -> str:
        """镇、村两级; 白沙、仁义两镇: a count of a listed set is indicated by the list."""
        unit = self.p.units.get(f.unit)
        if unit is None or unit.needs != "listed":
            return ""
        m = self.rx["listed_set"].search(self.scan[max(0, f.start - 40):f.start])
        return self._clean(m.group(1)) if m else ""

    def _respective(self, f: Figure, s_start: int) -> str:
        """A、B和C分别为x、y和z: the i-th number belongs to the i-th subject."""
        s_start = max(s_start, f.start - 300)
        window = self.scan[s_start:f.start]
        m = None
        for m in self.rx["respectively"].finditer(window):
            pass
        if m is None:
            return ""
        run = self._run_after(s_start + m.end())
        if f not in run:
            return ""
        head = self.rx["clause_split"].split(window[: m.start()])
        subject_text = head[-1] if head[-1].strip() else (head[-2] if len(head) > 1 else "")
        subject_text = self.rx["subject_lead"].sub("", subject_text)
        items = subject_text.split("、")
        if len(items) < len(run):
            items[-1:] = self.rx["subject_list"].split(items[-1])
        subjects = [self._clean(x) for x in items]
        if len(subjects) != len(run) or not all(subjects):
            return ""
        return subjects[run.index(f)]

    def _run_after(self, start: int) -> list[Figure]:
        """The figures listed one after another from `start` (x、y和z万元)."""
        run, pos = [], start
        for g in self._all[bisect_left(self._starts, start):]:
            if self.scan[pos:g.start].strip(" 、和及与"):
                break
            run.append(g)
            pos = g.end
        return run


def _anchor(anchors: list[Figure], f: Figure, role: str) -> Figure | None:
    """The figure this one speaks of: a change or a prior value refers to a value of its
    own kind, a growth rate to the latest value that is not itself a rate."""
    if role in ("delta", "prior") and f.kind != "percentage_point":
        same = [a for a in anchors if a.kind == f.kind]
    elif role in ("growth_rate", "delta"):
        same = [a for a in anchors if a.kind != "percent" or f.kind == "percentage_point"]
    else:
        same = []
    pool = same or anchors
    return pool[-1] if pool else None


def annotate(figures: list[Figure], text: str, scan: str, layout: Layout, patterns: Patterns,
             tokenizer) -> list[Figure]:
    return Context(patterns, text, scan, layout, tokenizer).annotate(figures)
