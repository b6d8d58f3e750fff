"""Invented 项目支出绩效自评表 forms (docs: forms.md), and the files archives would hold them in.

`make_form(seed, variant=...)` draws a form: header, funds block, goals, indicator rows and 总分.
A `consistent` form obeys every rule of the form checks (Decimal arithmetic throughout):

- each funds row's 执行率 is 全年执行数 / 全年预算数 × 100 rounded half-up to 2 decimals;
- 年度资金总额 is the sum of its three parts, column by column;
- the weights are funds 10 + indicators 90 = 100, each 一级 block's items add up to its weight;
- no score exceeds its weight; 总分 is the sum of all scores, funds row included;
- the funds score is 执行率 × 分值; a met target has full marks; a missed one has points taken off
  and a 偏差原因;
- 自评等级 follows 总分 (优 ≥ 90, 良 80–90, 中 60–80, 差 < 60).

Every other variant injects exactly one inconsistency, named as its check (`expected_flags`).

`render(form, layout)` gives the file's content: `str` for the text layouts and html, `bytes` for
xlsx, docx and pdf. `expected_rows(form)` gives the rows `indicators.csv` should hold for it.

Every name, unit and number here is invented; every cell text is free of spaces, so the
whitespace-separated layouts are unambiguous about where a cell ends.
"""
from __future__ import annotations

import html as _html
import io
import random
import shutil
import subprocess
import zlib
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

VARIANTS = ("consistent", "rate_mismatch", "sum_mismatch", "score_over_weight",
            "score_total_mismatch", "target_unmet")
CHECKS = VARIANTS[1:]
TEXT_LAYOUTS = ("pipes", "spaces", "one_cell_per_line", "blank_line_cells", "one_line",
                "merged_once", "split_target")
FILE_LAYOUTS = ("html", "xlsx", "docx", "pdf")
LAYOUTS = TEXT_LAYOUTS + FILE_LAYOUTS

FUNDS_LABELS = ("年度资金总额", "其中：当年财政拨款", "上年结转资金", "其他资金")
FUNDS_COLUMNS = ("年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分")
INDICATOR_COLUMNS = ("一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分",
                     "偏差原因分析及改进措施")
SPLIT_COLUMNS = ("指标性质", "指标值", "度量单位")
LEVEL1 = ("产出指标", "效益指标", "满意度指标")
LEVEL2 = {"产出指标": ("数量指标", "质量指标", "时效指标", "成本指标"),
          "效益指标": ("社会效益指标", "可持续影响指标"),
          "满意度指标": ("服务对象满意度指标",)}
TITLE = "项目支出绩效自评表"
FUNDS_WEIGHT = Decimal(10)
FULL_MARK = Decimal(100)

Q2 = Decimal("0.01")
HUNDRED = Decimal(100)


def num(d: Decimal) -> str:
    """A figure as a form writes a count, percent or score: no exponent, no trailing zeros."""
    s = format(d, "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s or "0"


def money(d: Decimal) -> str:
    return format(d.quantize(Q2, ROUND_HALF_UP), "f")


def rate_of(executed: Decimal, budget: Decimal) -> Decimal:
    """执行率 in percent, rounded half-up to 2 decimals."""
    return (executed / budget * HUNDRED).quantize(Q2, ROUND_HALF_UP)


def grade_of(total: Decimal) -> str:
    return "优" if total >= 90 else "良" if total >= 80 else "中" if total >= 60 else "差"


# --------------------------------------------------------------------------- the form

@dataclass(frozen=True)
class FundsRow:
    """One row of the funds block. None is a cell left blank (written as the form's `blank`)."""

    label: str
    initial_budget: Decimal | None
    budget: Decimal | None
    executed: Decimal | None
    rate: Decimal | None             # percent, as written
    weight: Decimal | None = None
    score: Decimal | None = None
    blank: str = ""

    def money_cell(self, v: Decimal | None) -> str:
        return self.blank if v is None else money(v)

    def cells(self) -> dict[str, str]:
        """The row's cells as written, by column."""
        return {"年初预算数": self.money_cell(self.initial_budget),
                "全年预算数": self.money_cell(self.budget),
                "全年执行数": self.money_cell(self.executed),
                "分值": "" if self.weight is None else num(self.weight),
                "执行率": (self.blank if self.blank != "0.00" else "") if self.rate is None
                else f"{money(self.rate)}%",
                "得分": "" if self.score is None else num(self.score)}


@dataclass(frozen=True)
class Indicator:
    level1: str
    level2: str
    level3: str
    comparator: str                  # ≥ ≤ =
    value: Decimal
    unit: str
    actual: Decimal
    weight: Decimal
    score: Decimal
    reason: str = ""

    @property
    def target(self) -> str:
        return f"{self.comparator}{num(self.value)}{self.unit}"

    @property
    def actual_text(self) -> str:
        return f"{num(self.actual)}{self.unit}"

    @property
    def met(self) -> bool:
        if self.comparator == "≥":
            return self.actual >= self.value
        if self.comparator == "≤":
            return self.actual <= self.value
        return self.actual == self.value


@dataclass(frozen=True)
class Form:
    seed: int
    variant: str
    project: str
    department: str
    unit_name: str
    year: int
    money_unit: str                  # 万元 | 元
    funds_label: str                 # 项目资金（万元）…
    funds: tuple[FundsRow, ...]      # in FUNDS_LABELS order
    goal: str
    result: str
    indicators: tuple[Indicator, ...]
    block_weights: tuple[tuple[str, Decimal], ...]   # 一级 → weight stated in its cell
    show_block_weights: bool         # `产出指标（50分）` rather than `产出指标`
    total_weight: Decimal
    total_score: Decimal
    grade: str

    def level1_cell(self, level1: str) -> str:
        if not self.show_block_weights:
            return level1
        return f"{level1}（{num(dict(self.block_weights)[level1])}分）"


# --------------------------------------------------------------------------- invented content

PLACES = ("青禾县", "云溪县", "石湾区", "柳岸县", "丰河市", "白鹭湾区", "南屏县", "松岭县", "明川县", "雁湖区")
TOWNS = ("禾丰镇", "溪口乡", "桐林镇", "沙坪镇", "望岗乡", "清源镇")
THEMES = (
    dict(project="村级文化活动室提质项目", dept="文化和旅游局", unit="文化馆", obj="村级文化活动室",
         act="送戏下乡演出", who="群众"),
    dict(project="小型农田水利设施维修项目", dept="水利局", unit="农村水利服务站", obj="小型灌溉泵站",
         act="渠道清淤", who="农户"),
    dict(project="中小学校园图书角建设项目", dept="教育局", unit="第二实验小学", obj="校园图书角",
         act="教师专题轮训", who="学生"),
    dict(project="村卫生室服务能力提升项目", dept="卫生健康局", unit="基层卫生服务中心", obj="村卫生室",
         act="健康巡诊", who="就诊群众"),
    dict(project="农村生活垃圾收运体系建设项目", dept="住房和城乡建设局", unit="环境卫生管理所",
         obj="垃圾收集点", act="河道保洁巡查", who="居民"),
    dict(project="农村公路安全提升项目", dept="交通运输局", unit="公路养护中心", obj="村道错车台",
         act="路面修补", who="沿线群众"),
)
# (三级指标, comparators, unit, kind, lo, hi); kind: pct | count | money | dur
TEMPLATES = {
    "数量指标": (("新建{obj}数量", "≥=", "处", "count", 3, 40),
               ("开展{act}场次", "≥", "场", "count", 10, 120),
               ("覆盖{who}户数", "≥", "户", "count", 200, 3000),
               ("配备设备台套数", "=", "台", "count", 5, 60),
               ("完成{act}次数", "≥", "次", "count", 12, 200),
               ("维修改造面积", "≥", "平方米", "count", 300, 5000)),
    "质量指标": (("{obj}验收合格率", "≥=", "%", "pct", 0, 0),
               ("{act}任务达标率", "≥", "%", "pct", 0, 0),
               ("设备完好率", "≥", "%", "pct", 0, 0),
               ("档案资料完整率", "=", "%", "pct", 0, 0),
               ("问题整改完成率", "≥", "%", "pct", 0, 0)),
    "时效指标": (("补助资金发放及时率", "≥=", "%", "pct", 0, 0),
               ("{obj}建设完工时限", "≤", "个月", "dur", 6, 12),
               ("问题响应平均时长", "≤", "小时", "dur", 12, 72),
               ("年度任务按期完成率", "≥", "%", "pct", 0, 0)),
    "成本指标": (("{obj}单位建设成本", "≤", "万元", "money", 2, 50),
               ("{act}人均费用", "≤", "元", "dur", 50, 800),
               ("设备采购单价", "≤", "元", "dur", 800, 6000)),
    "社会效益指标": (("受益{who}人数", "≥", "人", "count", 500, 20000),
                 ("{act}覆盖率", "≥", "%", "pct", 0, 0),
                 ("带动当地就业人数", "≥", "人", "count", 5, 80),
                 ("{who}投诉件数", "≤", "件", "dur", 2, 10)),
    "可持续影响指标": (("{obj}持续使用年限", "≥", "年", "count", 3, 15),
                  ("长效管护制度覆盖率", "≥", "%", "pct", 0, 0),
                  ("设施正常运行率", "≥", "%", "pct", 0, 0)),
    "服务对象满意度指标": (("{who}满意度", "≥", "%", "pct", 80, 95),
                    ("受益{who}满意率", "≥", "%", "pct", 80, 95),
                    ("基层经办人员满意度", "≥", "%", "pct", 80, 95)),
}
REASONS = (
    "受汛期持续降雨影响部分施工延后，已督促施工单位加快进度并纳入次年计划",
    "部分采购设备到货延迟，下一步将提前开展采购并加强合同履约管理",
    "宣传覆盖不够深入，将通过入户走访和线上推送扩大知晓范围",
    "个别点位选址调整导致工期顺延，已完成新址勘察，次年一季度完工",
    "服务对象需求变化较快，将建立定期回访机制及时改进服务",
    "年中人员调整影响任务推进，已明确专人负责并建立周调度制度",
)
BLOCK_SPLITS = ((50, 30, 10), (40, 30, 20), (60, 20, 10), (40, 40, 10), (50, 20, 20))


def _dec(rng: random.Random, lo: float, hi: float, places: int = 2) -> Decimal:
    return Decimal(str(round(rng.uniform(lo, hi), places)))


def _split_weight(rng: random.Random, total: int, n: int) -> list[Decimal]:
    if total % n == 0 and rng.random() < 0.5:
        return [Decimal(total // n)] * n
    parts = [2] * n
    for _ in range(total - 2 * n):
        parts[rng.randrange(n)] += 1
    return [Decimal(p) for p in parts]


def _target(rng: random.Random, comparator: str, kind: str, lo: int, hi: int) -> Decimal:
    if kind == "pct":
        if comparator == "=":
            return HUNDRED
        choices = [80, 85, 90, 95] if hi else [85, 90, 95, 98, 100]
        return Decimal(rng.choice(choices))
    if kind == "money":
        return Decimal(rng.randint(lo, hi)) if rng.random() < 0.6 else _dec(rng, lo, hi, 1)
    return Decimal(rng.randint(lo, hi))


def _met_actual(rng: random.Random, comparator: str, kind: str, target: Decimal) -> Decimal:
    if comparator == "=":
        return target
    if comparator == "≥":
        if kind == "pct":
            if target == HUNDRED or rng.random() < 0.3:
                return target
            return rng.choice([HUNDRED, _dec(rng, float(target), 100, 1)])
        return target + rng.randint(0, max(1, int(target) // 5))
    # ≤: at most the target
    if kind == "money":
        return (target * _dec(rng, 0.85, 1.0)).quantize(Q2, ROUND_HALF_UP)
    return Decimal(rng.randint(max(0, int(target) // 2), int(target)))


def _unmet_actual(rng: random.Random, comparator: str, kind: str, target: Decimal) -> Decimal:
    if comparator == "≤":
        if kind == "money":
            return (target * _dec(rng, 1.03, 1.2)).quantize(Q2, ROUND_HALF_UP)
        return target + rng.randint(1, max(1, int(target) // 5))
    # ≥ or =: below the target
    if kind == "pct":
        return target - _dec(rng, 0.5, 5, 1)
    return target - rng.randint(1, max(1, int(target) // 5))


def _indicators(rng: random.Random, theme: dict, split: tuple[int, int, int], consistent_misses: int):
    counts = {"产出指标": rng.randint(4, 7), "效益指标": rng.randint(2, 4), "满意度指标": rng.randint(1, 2)}
    rows, kinds = [], {}
    for level1, block_weight in zip(LEVEL1, split):
        n = counts[level1]
        level2s = LEVEL2[level1]
        per = {k: 1 for k in level2s}
        for _ in range(n - len(level2s)):
            per[rng.choice(level2s[:2])] += 1
        weights = iter(_split_weight(rng, block_weight, n))
        for level2 in level2s:
            pool = list(TEMPLATES[level2])
            rng.shuffle(pool)
            for name, comps, unit, kind, lo, hi in pool[:per[level2]]:
                comparator = rng.choice(comps)
                target = _target(rng, comparator, kind, lo, hi)
                weight = next(weights)
                kinds[name.format(**theme)] = kind
                rows.append(Indicator(level1, level2, name.format(**theme), comparator, target, unit,
                                      _met_actual(rng, comparator, kind, target), weight, weight))
    # a few targets missed, with points taken off and a reason: still consistent
    for i in rng.sample(range(len(rows)), consistent_misses):
        r = rows[i]
        off = max(Decimal("0.5"), (r.weight * Decimal(rng.choice((10, 20, 30))) / 50).quantize(Decimal(1)) / 2)
        rows[i] = replace(r, actual=_unmet_actual(rng, r.comparator, kinds[r.level3], r.value),
                          score=r.weight - off, reason=rng.choice(REASONS))
    return rows, kinds


def _funds(rng: random.Random, money_unit: str, blank: str) -> list[FundsRow]:
    scale = 1 if money_unit == "万元" else 10000
    total = _dec(rng, 20, 1500) * scale
    shares = [Decimal(1), _dec(rng, 0.05, 0.3) if rng.random() < 0.4 else None,
              _dec(rng, 0.03, 0.2) if rng.random() < 0.25 else None]
    parts = []
    for label, share in zip(FUNDS_LABELS[1:], shares):
        if share is None:
            parts.append(FundsRow(label, None, None, None, None, blank=blank))
            continue
        budget = (total * share).quantize(Q2, ROUND_HALF_UP)
        initial = budget if rng.random() < 0.6 else (budget * _dec(rng, 0.85, 1.15)).quantize(Q2)
        executed = budget if rng.random() < 0.3 else (budget * _dec(rng, 0.8, 1.0, 4)).quantize(Q2)
        parts.append(FundsRow(label, initial, budget, executed, rate_of(executed, budget), blank=blank))
    present = [p for p in parts if p.budget is not None]
    ib = sum(p.initial_budget for p in present)
    b = sum(p.budget for p in present)
    e = sum(p.executed for p in present)
    rate = rate_of(e, b)
    score = (min(rate, HUNDRED) * FUNDS_WEIGHT / HUNDRED).quantize(Q2, ROUND_HALF_UP)
    return [FundsRow(FUNDS_LABELS[0], ib, b, e, rate, FUNDS_WEIGHT, score, blank=blank)] + parts


def _totals(form: Form) -> Form:
    total = form.funds[0].score + sum(r.score for r in form.indicators)
    return replace(form, total_score=total, grade=grade_of(total))


def make_form(seed: int, *, variant: str = "consistent") -> Form:
    """A random form, the same for the same seed and variant (the variant only adds its fault)."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}; one of {', '.join(VARIANTS)}")
    rng = random.Random(seed)
    place, theme = rng.choice(PLACES), rng.choice(THEMES)
    year = rng.randint(2019, 2024)
    money_unit = rng.choice(("万元", "万元", "元"))
    paren = rng.choice((("（", "）"), ("(", ")")))
    funds_label = f"{rng.choice(('项目资金', '资金情况'))}{paren[0]}{money_unit}{paren[1]}"
    unit_name = rng.choice((f"{place}{theme['unit']}", f"{place}{rng.choice(TOWNS)}人民政府"))
    funds = _funds(rng, money_unit, rng.choice(("", "—", "-", "0.00")))
    split = rng.choice(BLOCK_SPLITS)
    rows, kinds = _indicators(rng, theme, split, rng.choice((0, 0, 1, 2)))
    n_obj = rng.randint(3, 30)
    goal = f"{year}年计划完成{theme['obj']}建设{n_obj}处，开展{theme['act']}，惠及{theme['who']}，提升基层公共服务水平。"
    result = f"全年完成{theme['obj']}建设{n_obj}处，{theme['act']}按计划推进，项目资金按规定使用。"
    if rng.random() < 0.3:
        rows = [r if r.reason else replace(r, reason="无") for r in rows]
    form = _totals(Form(
        seed=seed, variant=variant, project=f"{place}{theme['project']}",
        department=f"{place}{theme['dept']}", unit_name=unit_name, year=year,
        money_unit=money_unit, funds_label=funds_label, funds=tuple(funds), goal=goal, result=result,
        indicators=tuple(rows), block_weights=tuple(zip(LEVEL1, map(Decimal, split))),
        show_block_weights=rng.random() < 0.5, total_weight=FULL_MARK,
        total_score=Decimal(0), grade=""))
    if variant == "consistent":
        return form
    return _inject(form, variant, random.Random(f"{seed}:{variant}"), kinds)


def _full_marks(form: Form, kinds: dict, min_weight: int = 0) -> list[int]:
    return [i for i, r in enumerate(form.indicators)
            if r.met and r.score == r.weight and r.weight >= min_weight and r.level3 in kinds]


def _inject(form: Form, variant: str, rng: random.Random, kinds: dict) -> Form:
    funds, rows = list(form.funds), list(form.indicators)
    if variant == "rate_mismatch":
        # the 当年财政拨款 row (always present, never scored): its rate off by 1–8 points
        r = funds[1]
        delta = _dec(rng, 1, 8)
        wrong = r.rate + delta if r.rate + delta <= HUNDRED else r.rate - delta
        funds[1] = replace(r, rate=wrong)
        return replace(form, funds=tuple(funds))
    if variant == "sum_mismatch":
        empty = [i for i in (2, 3) if funds[i].budget is None]
        mode = rng.choice(("initial", "part", "new_part") if empty else ("initial", "part"))
        if mode == "initial":        # the total's 年初预算数 off
            t = funds[0]
            delta = max(Q2, (t.initial_budget * _dec(rng, 0.02, 0.1)).quantize(Q2))
            funds[0] = replace(t, initial_budget=t.initial_budget + rng.choice((delta, -delta)))
        elif mode == "part":         # a part's 全年预算数/执行数 grown, its own rate kept right
            i = rng.choice([i for i in (1, 2, 3) if funds[i].budget is not None])
            p, k = funds[i], _dec(rng, 1.05, 1.3)
            b, e = (p.budget * k).quantize(Q2), (p.executed * k).quantize(Q2)
            funds[i] = replace(p, budget=b, executed=e, rate=rate_of(e, b))
        else:                        # a part filled in that the total leaves out
            i = rng.choice(empty)
            b = (funds[0].budget * _dec(rng, 0.05, 0.2)).quantize(Q2)
            e = (b * _dec(rng, 0.8, 1.0)).quantize(Q2)
            funds[i] = replace(funds[i], initial_budget=b, budget=b, executed=e, rate=rate_of(e, b))
        return replace(form, funds=tuple(funds))
    if variant == "score_over_weight":
        i = rng.choice(_full_marks(form, kinds))
        rows[i] = replace(rows[i], score=rows[i].weight + rng.choice((Decimal("0.5"), 1, 2, 3)))
        return _totals(replace(form, indicators=tuple(rows)))
    if variant == "score_total_mismatch":
        choices = _full_marks(form, kinds, 4)
        if choices and rng.random() < 0.5:   # an item's weight (and full score) lowered: Σ weights < 100
            i = rng.choice(choices)
            d = Decimal(rng.randint(1, int(rows[i].weight) - 2))
            rows[i] = replace(rows[i], weight=rows[i].weight - d, score=rows[i].score - d)
            return _totals(replace(form, indicators=tuple(rows)))
        delta = Decimal(rng.choice((1, 2, 3, 5)))
        total = form.total_score + delta if form.total_score + delta <= FULL_MARK else form.total_score - delta
        return replace(form, total_score=total, grade=grade_of(total))
    if variant == "target_unmet":            # missed, yet full marks and no reason
        i = rng.choice(_full_marks(form, kinds))
        r = rows[i]
        rows[i] = replace(r, actual=_unmet_actual(rng, r.comparator, kinds[r.level3], r.value), reason="")
        return replace(form, indicators=tuple(rows))
    raise AssertionError(variant)


def expected_flags(form: Form) -> tuple[str, ...]:
    """The checks the form should raise: its variant's, or none."""
    return () if form.variant == "consistent" else (form.variant,)


def expected_rows(form: Form) -> list[dict]:
    """The rows `indicators.csv` holds for the form (funds rows first), cells as written.

    A funds row's `level1` is the block's label as written (`项目资金（万元）`), its `level3` the
    row label, `target`/`actual` its 全年预算数/全年执行数. An indicator row's `level1` is the bare
    一级 name (`产出指标`), without the block weight its cell may state (`产出指标（50分）`)."""
    out = []
    for f in form.funds:
        c = f.cells()
        out.append({"row_type": "funds", "level1": form.funds_label, "level2": "", "level3": f.label,
                    "target": c["全年预算数"], "actual": c["全年执行数"], "weight": c["分值"],
                    "score": c["得分"], "reason": "", "initial_budget": c["年初预算数"], "rate": c["执行率"]})
    for r in form.indicators:
        out.append({"row_type": "indicator", "level1": r.level1, "level2": r.level2, "level3": r.level3,
                    "target": r.target, "actual": r.actual_text, "weight": num(r.weight),
                    "score": num(r.score), "reason": r.reason, "initial_budget": "", "rate": ""})
    return out


# --------------------------------------------------------------------------- the grid

@dataclass
class Grid:
    """The form as drawn: `cells[r][c]` ('' where blank or covered), merges as (r0, c0, r1, c1)
    inclusive, tagged `level` for the merged 一级/二级 cells of the indicator rows."""

    cells: list[list[str]]
    merges: list[tuple[int, int, int, int, str]]

    @property
    def ncols(self) -> int:
        return len(self.cells[0])

    def covered(self) -> dict[tuple[int, int], str]:
        out = {}
        for r0, c0, r1, c1, tag in self.merges:
            for r in range(r0, r1 + 1):
                for c in range(c0, c1 + 1):
                    if (r, c) != (r0, c0):
                        out[r, c] = tag
        return out


def grid(form: Form, *, split: bool = False, merge_levels: bool = True) -> Grid:
    """The form's table. With `merge_levels` false, 一级/二级 are written on every row."""
    w = 10 if split else 8
    cells: list[list[str]] = []
    merges: list[tuple[int, int, int, int, str]] = []

    def row(values=(), spans=()):
        r = len(cells)
        cells.append([""] * w)
        c = 0
        for v, s in zip(values, spans or [1] * len(values)):
            cells[r][c] = v
            if s > 1:
                merges.append((r, c, r, c + s - 1, "span"))
            c += s
        return r

    row([TITLE], [w])
    row([f"（{form.year}年度）"], [w])
    row(["项目名称", form.project], [1, w - 1])
    row(["主管部门", form.department, "实施单位", form.unit_name], [1, 3, 1, w - 5])
    first = row([form.funds_label, "", *FUNDS_COLUMNS], [1, 1, 1, 1, 1, 1, 1, w - 7])
    for f in form.funds:
        c = f.cells()
        row(["", f.label, *(c[k] for k in FUNDS_COLUMNS)], [1, 1, 1, 1, 1, 1, 1, w - 7])
    merges.append((first, 0, len(cells) - 1, 0, "funds"))
    g = row(["年度总体目标", "预期目标", "实际完成情况"], [1, 3, w - 4])
    row(["", form.goal, form.result], [1, 3, w - 4])
    merges.append((g, 0, g + 1, 0, "goal"))
    row(["绩效指标"], [w])
    head = list(INDICATOR_COLUMNS)
    if split:
        head[3:4] = SPLIT_COLUMNS
    row(head)
    start = len(cells)
    for r in form.indicators:
        target = [r.comparator, num(r.value), r.unit] if split else [r.target]
        row([form.level1_cell(r.level1), r.level2, r.level3, *target, r.actual_text, num(r.weight),
             num(r.score), r.reason])
    if merge_levels:
        end = len(cells)
        for col in (0, 1):
            r0 = start
            for r in range(start + 1, end + 1):
                if r == end or cells[r][:col + 1] != cells[r0][:col + 1]:
                    if r - 1 > r0:
                        merges.append((r0, col, r - 1, col, "level"))
                    r0 = r
        for r0, c0, r1, c1, tag in merges:
            if tag == "level":
                for r in range(r0 + 1, r1 + 1):
                    cells[r][c0] = ""
    wcol = w - 3
    row(["总分", num(form.total_weight), num(form.total_score), form.grade], [wcol, 1, 1, 1])
    return Grid(cells, merges)


def _text_rows(g: Grid, keep_level_gaps: bool = False) -> list[list[str]]:
    covered = g.covered()
    rows = []
    for r, line in enumerate(g.cells):
        out = [t for c, t in enumerate(line)
               if (r, c) not in covered or (keep_level_gaps and covered[r, c] == "level")]
        while out and not out[-1]:
            out.pop()
        rows.append(out)
    return rows


# --------------------------------------------------------------------------- renderers

def _style(form: Form, layout: str) -> random.Random:
    return random.Random(zlib.crc32(f"{form.seed}:{form.variant}:{layout}".encode()))


def render_pipes(form: Form) -> str:
    rng = _style(form, "pipes")
    framed = rng.random() < 0.5
    lines = []
    for cells in _text_rows(grid(form, merge_levels=False)):
        s = " | ".join(cells)
        lines.append(f"| {s} |" if framed else s)
    return "\n".join(lines) + "\n"


def render_spaces(form: Form) -> str:
    rng = _style(form, "spaces")
    single = rng.random() < 0.3
    lines = []
    for cells in _text_rows(grid(form, merge_levels=False)):
        cells = [c for c in cells if c]
        lines.append(cells[0] if cells else "")
        for c in cells[1:]:
            lines[-1] += (" " if single else " " * rng.randint(2, 6)) + c
    return "\n".join(lines) + "\n"


def _flat_cells(form: Form) -> list[str]:
    return [c for cells in _text_rows(grid(form, merge_levels=False)) for c in cells if c]


def render_one_cell_per_line(form: Form) -> str:
    return "\n".join(_flat_cells(form)) + "\n"


def render_blank_line_cells(form: Form) -> str:
    return "\n\n".join(_flat_cells(form)) + "\n"


def render_one_line(form: Form) -> str:
    return " ".join(_flat_cells(form)) + "\n"


def render_merged_once(form: Form) -> str:
    """Pipes, 一级/二级 written on the first row of their block and left empty below."""
    return "\n".join(" | ".join(cells) for cells in _text_rows(grid(form), keep_level_gaps=True)) + "\n"


def render_split_target(form: Form) -> str:
    """Pipes, the target over 指标性质 · 指标值 · 度量单位 cells."""
    return "\n".join(" | ".join(cells) for cells in _text_rows(grid(form, split=True, merge_levels=False))) + "\n"


SCRIPT = ("var cells = ['总分', '999.99', '≥1000%', '虚构指标'];\n"
          "document.write('<td>999.99</td>');\n")


def render_html(form: Form) -> str:
    """A page with a <table> (rowspan/colspan for merged cells) and a <script> to be ignored."""
    g = grid(form)
    covered = g.covered()
    spans = {(r0, c0): (r1 - r0 + 1, c1 - c0 + 1) for r0, c0, r1, c1, _ in g.merges}
    out = ["<!DOCTYPE html>", "<html><head><meta charset=\"utf-8\">",
           f"<title>{_html.escape(form.project)}{TITLE}</title>",
           f"<script type=\"text/javascript\">\n{SCRIPT}</script>", "</head><body>",
           "<div class=\"content\">", "<table border=\"1\" cellspacing=\"0\">"]
    for r, line in enumerate(g.cells):
        tds = []
        for c, t in enumerate(line):
            if (r, c) in covered:
                continue
            rs, cs = spans.get((r, c), (1, 1))
            attrs = (f" rowspan=\"{rs}\"" if rs > 1 else "") + (f" colspan=\"{cs}\"" if cs > 1 else "")
            tds.append(f"<td{attrs}>{_html.escape(t)}</td>")
        out.append("<tr>" + "".join(tds) + "</tr>")
    out += ["</table>", "</div>", "</body></html>"]
    return "\n".join(out) + "\n"


def render_xlsx(form: Form) -> bytes:
    """A workbook (openpyxl): every cell a string as written, merged cells merged."""
    from openpyxl import Workbook

    g = grid(form)
    wb = Workbook()
    ws = wb.active
    ws.title = "自评表"
    covered = g.covered()
    for r, line in enumerate(g.cells):
        for c, t in enumerate(line):
            if t and (r, c) not in covered:
                cell = ws.cell(r + 1, c + 1)
                cell.value = t
                cell.data_type = "s"         # `=12个` is text, not a formula
    for r0, c0, r1, c1, _ in g.merges:
        ws.merge_cells(start_row=r0 + 1, start_column=c0 + 1, end_row=r1 + 1, end_column=c1 + 1)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def render_docx(form: Form) -> bytes:
    """A Word document (python-docx) holding the form as one table, merged cells merged."""
    from docx import Document

    g = grid(form)
    doc = Document()
    table = doc.add_table(rows=len(g.cells), cols=g.ncols)
    table.style = "Table Grid"
    for r0, c0, r1, c1, _ in g.merges:
        table.cell(r0, c0).merge(table.cell(r1, c1))
    covered = g.covered()
    for r, line in enumerate(g.cells):
        for c, t in enumerate(line):
            if t and (r, c) not in covered:
                table.cell(r, c).text = t
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


FONT_CANDIDATES = ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
                   "/usr/share/fonts/wqy-microhei/wqy-microhei.ttc")


def cjk_font() -> str | None:
    """The path of WenQuanYi Micro Hei, or None."""
    for p in FONT_CANDIDATES:
        if Path(p).exists():
            return p
    if shutil.which("fc-match"):
        p = subprocess.run(["fc-match", "-f", "%{file}", "WenQuanYi Micro Hei"],
                           capture_output=True, text=True).stdout.strip()
        if p and "wqy" in p.lower() and Path(p).exists():
            return p
    return None


def render_pdf(form: Form) -> bytes:
    """A ruled table on one landscape page (fpdf2, WenQuanYi Micro Hei)."""
    from fpdf import FPDF
    from fpdf.enums import WrapMode

    font = cjk_font()
    if font is None:
        raise RuntimeError("no CJK font (fonts-wqy-microhei) to draw the form with")
    g = grid(form)
    widths = [30, 30, 48, 26, 26, 14, 16, 87]          # mm, 277 in all
    size, line_h, pad = 8, 4.2, 1.0
    covered = g.covered()
    spans = {(r0, c0): (r1 - r0 + 1, c1 - c0 + 1) for r0, c0, r1, c1, _ in g.merges}
    x0s = [10 + sum(widths[:c]) for c in range(len(widths))]

    pdf = FPDF(orientation="P", unit="mm", format=(297, 210))
    pdf.set_auto_page_break(False)
    pdf.add_font("wqy", fname=font)
    pdf.set_font("wqy", size=size)
    pdf.set_line_width(0.2)

    def lines_of(text: str, width: float) -> int:
        n, used = 1, 0.0
        for ch in text:
            cw = pdf.get_string_width(ch)
            if used + cw > width - 2 * pad - 0.5:
                n, used = n + 1, 0.0
            used += cw
        return n

    heights = []
    for r, line in enumerate(g.cells):
        n = 1
        for c, t in enumerate(line):
            if (r, c) in covered:
                continue
            rs, cs = spans.get((r, c), (1, 1))
            if rs == 1:
                n = max(n, lines_of(t, sum(widths[c:c + cs])))
        heights.append(n * line_h + 2 * pad)
    page_h = max(210.0, sum(heights) + 20)

    pdf.add_page(format=(297, page_h))
    y0s = [10 + sum(heights[:r]) for r in range(len(heights))]
    for r, line in enumerate(g.cells):
        for c, t in enumerate(line):
            if (r, c) in covered:
                continue
            rs, cs = spans.get((r, c), (1, 1))
            w, h = sum(widths[c:c + cs]), sum(heights[r:r + rs])
            pdf.rect(x0s[c], y0s[r], w, h)
            if t:
                pdf.set_xy(x0s[c] + pad, y0s[r] + pad)
                pdf.multi_cell(w - 2 * pad, line_h, t, border=0, wrapmode=WrapMode.CHAR,
                               align="C" if r < 2 else "L")
    return bytes(pdf.output())


RENDERERS = {
    "pipes": render_pipes, "spaces": render_spaces, "one_cell_per_line": render_one_cell_per_line,
    "blank_line_cells": render_blank_line_cells, "one_line": render_one_line,
    "merged_once": render_merged_once, "split_target": render_split_target,
    "html": render_html, "xlsx": render_xlsx, "docx": render_docx, "pdf": render_pdf,
}
SUFFIX = {**{k: ".txt" for k in TEXT_LAYOUTS}, "html": ".html", "xlsx": ".xlsx", "docx": ".docx", "pdf": ".pdf"}


def render(form: Form, layout: str) -> str | bytes:
    """The content of the form's file in `layout` (str for text and html, bytes otherwise)."""
    try:
        return RENDERERS[layout](form)
    except KeyError:
        if layout not in RENDERERS:
            raise ValueError(f"unknown layout {layout!r}; one of {', '.join(LAYOUTS)}") from None
        raise


def write_file(form: Form, layout: str, directory: Path | str, stem: str | None = None) -> Path:
    """Writes the form's file in `layout` into `directory` (`form-<seed>-<variant>-<layout>.<ext>`)."""
    out = render(form, layout)
    path = Path(directory) / f"{stem or f'form-{form.seed}-{form.variant}-{layout}'}{SUFFIX[layout]}"
    if isinstance(out, str):
        path.write_text(out, encoding="utf-8")
    else:
        path.write_bytes(out)
    return path
