"""jieba with the domain lexicon, and the spaCy pipeline with the figures component."""
from __future__ import annotations

from decimal import Decimal

from extract import nlp
from extract.analyse.segment import tokenize


def test_tokenize_gives_offsets_into_the_text():
    text = "2023年“三公”经费支出合计10.4万元，公务用车运行维护费2.4万元。"
    tokens = tokenize(text)
    assert all(text[s:e] == w for w, s, e in tokens)
    assert "公务用车运行维护费" in [w for w, _, _ in tokens]


def test_spacy_pipeline_puts_figures_in_spans():
    pipeline = nlp()
    assert pipeline.lang == "zh" and "jixiao_figures" in pipeline.pipe_names
    doc = pipeline("项目支出951.2万元，比上年增长20%。")
    spans = doc.spans["figures"]
    assert [s.text for s in spans] == ["951.2万元", "20%"]
    assert spans[0]._.value == Decimal("951.2") and spans[0]._.unit == "万元"
    assert spans[0]._.value_base == Decimal("9512000") and spans[0].label_ == "money"
    assert spans[1]._.role == "growth_rate" and spans[1]._.direction == "+"
    assert spans[1]._.indicator == "项目支出"


def test_spacy_tokens_use_the_lexicon():
    doc = nlp()("财政拨款收入1301.27万元")
    assert "财政拨款收入" in [t.text for t in doc]
