"""Word segmentation: one jieba tokenizer with the domain lexicon, and spaCy on top of it.

jieba is loaded once per process (it takes about a second); every caller shares the
same tokenizer. `nlp()` gives spaCy users a blank Chinese pipeline with the jieba
segmenter and our `jixiao_figures` component, which puts the figures in
`doc.spans["figures"]`.
"""
from __future__ import annotations

from functools import lru_cache

import jieba

from .patterns import Patterns, load_patterns


@lru_cache(maxsize=4)
def _tokenizer(words: tuple[str, ...]) -> jieba.Tokenizer:
    tk = jieba.Tokenizer()
    tk.initialize()
    for w in words:
        tk.add_word(w, freq=max(tk.suggest_freq(w), 2000))
    return tk


def tokenizer(patterns: Patterns | None = None) -> jieba.Tokenizer:
    """The shared jieba tokenizer with the lexicon of `patterns/lexicon.yaml`."""
    return _tokenizer((patterns or load_patterns()).words)


def tokenize(text: str, patterns: Patterns | None = None) -> list[tuple[str, int, int]]:
    """(word, start, end) for every word of `text`, offsets into `text`."""
    return list(tokenizer(patterns).tokenize(text, HMM=False))


def words(text: str, patterns: Patterns | None = None) -> list[str]:
    return tokenizer(patterns).lcut(text, HMM=False)


# -- spaCy ------------------------------------------------------------------------
_COMPONENT = "jixiao_figures"


def _register() -> None:
    from spacy.language import Language
    from spacy.tokens import Span

    for name, default in (("value", None), ("unit", ""), ("value_base", None), ("base_unit", ""),
                          ("kind", ""), ("approx", "exact"), ("indicator", ""), ("role", ""),
                          ("direction", "")):
        if not Span.has_extension(name):
            Span.set_extension(name, default=default)

    if _COMPONENT in Language.factories:
        return

    @Language.component(_COMPONENT)
    def jixiao_figures(doc):
        """Figures of the doc as character-aligned spans with their values as extensions."""
        from .pipeline import find_figures

        spans = []
        for f in find_figures(doc.text):
            span = doc.char_span(f.start, f.end, label=f.kind, alignment_mode="expand")
            if span is None:
                continue
            span._.value, span._.unit = f.value, f.unit
            span._.value_base, span._.base_unit = f.value_base, f.base_unit
            span._.kind, span._.approx, span._.indicator = f.kind, f.approx, f.indicator
            span._.role, span._.direction = f.role, f.direction
            spans.append(span)
        doc.spans["figures"] = spans
        return doc


def nlp():
    """A blank spaCy `zh` pipeline segmenting with our jieba tokenizer, figures component added.

    No model is downloaded: the blank pipeline only needs jieba, which we already load.
    """
    import spacy

    _register()
    pipeline = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
    pipeline.tokenizer.jieba_seg = tokenizer()
    pipeline.add_pipe(_COMPONENT)
    return pipeline
