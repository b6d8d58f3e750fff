"""jixiao: figures and contradictions in Chinese performance self-evaluation reports."""
from .errors import InputError, JixiaoError, PatternError
from .model import Document, Figure
from .patterns import load_patterns
from .pipeline import Report, analyse, find_figures, read_report, run
from .segment import nlp

__version__ = "0.1.0"
__all__ = ["Document", "Figure", "InputError", "JixiaoError", "PatternError", "Report", "analyse",
           "find_figures", "load_patterns", "nlp", "read_report", "run", "__version__"]
