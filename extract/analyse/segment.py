"""Word segmentation: one jieba tokenizer with the domain lexicon.

jieba is loaded once per process (it takes about a second); every caller shares the
same tokenizer (spaCy's pipeline too: `spacy_component.py`).
"""
from __future__ import annotations

from functools import lru_cache

import jieba

from ..core.patterns import Patterns, load_patterns


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
