"""spaCy: a blank Chinese pipeline segmenting with our jieba tokenizer, and the
`jixiao_figures` component, which puts a document's figures in `doc.spans["figures"]`."""
from __future__ import annotations

from .analyse.segment import tokenizer
from .pipeline import find_figures

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
