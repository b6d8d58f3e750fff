"""jixiao: figures and contradictions in Chinese performance self-evaluation reports."""
from .batch import run
from .core.errors import InputError, JixiaoError, PatternError
from .core.model import Analysis, Document, Figure
from .core.patterns import load_patterns
from .pipeline import Report, analyse, find_figures, read_report
from .spacy_component import nlp

from .core.version import __version__
__all__ = ["Analysis", "Document", "Figure", "InputError", "JixiaoError", "PatternError", "Report",
           "analyse", "find_figures", "load_patterns", "nlp", "read_report", "run", "__version__"]
