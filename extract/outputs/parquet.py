"""`<table>.parquet` beside `<table>.csv`: the same rows, typed, streamed, written atomically."""
from __future__ import annotations

import csv
from pathlib import Path
from typing import Iterable, Mapping

from ..core.rows import NUMERIC_COLUMNS, TABLES
from .files import atomic, atomic_path

# files.safe_text's apostrophe, in RE2 syntax (pyarrow's regex engine): undone in Parquet
_UNGUARD = r"^'([=+\-@\t\r])"


def _arrow_type(column: str, kinds: Iterable[str]):
    """int64, float64 or bool for a numeric column that only ever held those; else text."""
    import pyarrow as pa

    kinds = set(kinds)
    if column in NUMERIC_COLUMNS:
        if kinds == {"int"}:
            return pa.int64()
        if kinds and kinds <= {"int", "float"}:
            return pa.float64()
        if kinds == {"bool"}:
            return pa.bool_()
    return pa.string()      # text, decimals (exact, as written) and columns never filled


_BLOCK = 1 << 18               # bytes of CSV parsed at a time: flat memory on long tables
_MAX_BLOCK = (1 << 31) - 1     # the reader's limit (int32)


def write_parquet(csv_path: Path, columns: tuple[str, ...], kinds: Mapping[str, Iterable[str]]) -> Path:
    """The CSV's rows as Parquet: text cells lose the apostrophe that guards them against
    spreadsheet formulas in the CSV; numbers are typed, decimals stay exact text.

    The CSV is parsed in blocks of 256 KB; a row longer than a block (one sentence of a
    megabyte, a check citing 40,000 figures) cannot be parsed across two, so the block grows
    to hold the longest row — memory then follows that row, never the table."""
    import pyarrow as pa

    block, size = _BLOCK, Path(csv_path).stat().st_size
    while True:
        try:
            return _write_parquet(csv_path, columns, kinds, block)
        except pa.ArrowInvalid as e:
            if "straddl" not in str(e) or block >= min(size + 1, _MAX_BLOCK):
                raise
            block = min(block * 8, size + 1, _MAX_BLOCK)


def _write_parquet(csv_path: Path, columns: tuple[str, ...], kinds: Mapping[str, Iterable[str]],
                   block: int) -> Path:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    types = {c: _arrow_type(c, kinds.get(c, ())) for c in columns}
    guarded = [i for i, c in enumerate(columns) if c not in NUMERIC_COLUMNS]
    reader = pacsv.open_csv(csv_path, read_options=pacsv.ReadOptions(block_size=block, use_threads=False),
                            parse_options=pacsv.ParseOptions(newlines_in_values=True),
                            convert_options=pacsv.ConvertOptions(column_types=types,
                                                                 strings_can_be_null=False))
    schema = pa.schema([(c, types[c]) for c in columns])
    target = csv_path.with_suffix(".parquet")
    with atomic_path(target) as tmp:
        with pq.ParquetWriter(tmp, schema) as writer:
            for batch in reader:
                arrays = list(batch.columns)
                for i in guarded:
                    arrays[i] = pc.replace_substring_regex(arrays[i], _UNGUARD, r"\1", max_replacements=1)
                writer.write_batch(pa.RecordBatch.from_arrays(arrays, schema=schema))
                pa.default_memory_pool().release_unused()     # flat memory, however long the table
    return target


def write_table(outdir: Path, name: str, chunks: Iterable[str], kinds: Mapping[str, Iterable[str]]) -> None:
    """`<name>.csv` from CSV slices (csvio.csv_body), atomically, as files.write_csv would write
    the rows; then `<name>.parquet` from it."""
    columns = TABLES[name]
    path = Path(outdir) / f"{name}.csv"
    with atomic(path, "utf-8-sig") as fh:
        csv.writer(fh).writerow(columns)
        for chunk in chunks:
            fh.write(chunk)
    write_parquet(path, columns, kinds)
