"""One tree of errors: a bad document, bad pattern data, or a bug (anything else)."""


class JixiaoError(Exception):
    """Base of every error this package raises on purpose."""


class InputError(JixiaoError):
    """A document cannot be read; it becomes one `error` row and the batch goes on."""


class NotAReport(InputError):
    """A file of the inputs that holds no report text to read (an image): listed as one
    `skipped` row saying why, not an error of the batch."""


class PatternError(JixiaoError):
    """The data in `patterns/` is malformed; raised before any document is read."""

    def __init__(self, file: str, key: str, problem: str):
        super().__init__(f"{file}: {key}: {problem}")
        self.file, self.key, self.problem = file, key, problem


class GoldError(JixiaoError):
    """A gold annotation file does not fit the format of docs/figures.md."""
