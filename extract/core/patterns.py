"""Load, validate and compile the pattern data in `patterns/` into one immutable set.

Patterns are data so that a reviewer can read and extend them without reading code; this
module is the only place that knows their file layout. Six files hold named regex entries
(numbers, exclusions, cues, structure, tables, metadata): one namespace, so `{name}` in any
regex reuses any entry (and the generated `unit`, `prefix`, `inner`, `suffix`), and code
refers to an entry by its name (`patterns.rx["total"]`). Four files have shapes of their own
(units, qualifiers, lexicon, indicators).

Everything is checked before any document is read, and every problem is a `PatternError`
naming the file and the key: a duplicate key, an unknown field or section, an entry without
examples, an undefined or circular `{reference}`, a regex that does not compile.
"""
from __future__ import annotations

from decimal import Decimal

import os
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

import regex
import yaml

from .errors import PatternError

FLAGS = regex.VERBOSE | regex.V0
_REF = regex.compile(r"\{([a-z_][a-z0-9_]*)\}")  # technical: the `{name}` reference syntax itself
REGEX_FILES = ("numbers", "exclusions", "cues", "structure", "tables", "metadata", "forms")
FILES = (*REGEX_FILES, "units", "qualifiers", "lexicon", "indicators")
# An entry's examples must match it whole (`whole: true`, the default for numbers) or somewhere.
_ENTRY_FIELDS = {"doc", "regex", "examples", "counterexamples", "whole"}
_UNIT_FIELDS = {"kind", "base", "factor", "forms", "not_before", "only_before", "numerals", "counts_one",
                "needs", "examples", "counterexamples"}
_KINDS = {"money", "count", "length", "area", "percent", "percentage_point", "score", "other"}
_APPROX = {"approx", "more_than", "less_than", "at_least", "at_most"}
_INDICATOR_FIELDS = {"kind", "names", "roles", "sections", "not_sections", "section_names",
                     "table_columns", "examples", "counterexamples"}
_LEXICON_FIELDS = {"words", "examples", "lead_drop", "lead_drop_examples", "verbs",
                   "tail_words", "generic_heads", "after_stop", "max_indicator_chars"}


@dataclass(frozen=True)
class UnitSpec:
    unit: str
    kind: str
    base: str
    factor: Decimal
    numerals: str = "any"      # "arabic": Chinese numerals never take this unit
    counts_one: bool = False   # 一 + this measure word is a count of one (一辆, 一家企业)
    needs: str = ""            # "listed" | "duration" | ""


@dataclass(frozen=True)
class IndicatorSpec:
    """A panel column and the ways reports name it (patterns/indicators.yaml)."""

    column: str
    kind: str
    names: tuple[regex.Pattern, ...]
    roles: frozenset[str] = frozenset()
    sections: regex.Pattern | None = None
    not_sections: regex.Pattern | None = None
    section_names: tuple[regex.Pattern, ...] = ()
    table_columns: tuple[regex.Pattern, ...] = ()


@dataclass(frozen=True)
class Patterns:
    """Everything the pipeline needs of the language of reports, compiled once; read-only."""

    folder: Path
    figure: regex.Pattern
    rx: Mapping[str, regex.Pattern]          # every named entry of the regex files
    entries: Mapping[str, tuple[str, bool]]  # entry name -> (its file, whether examples match whole)
    units: Mapping[str, UnitSpec]            # surface form -> unit
    qualifiers: Mapping[str, Mapping]        # position -> word -> approx; not_after -> word -> regex
    exclusion: regex.Pattern
    words: tuple[str, ...]
    lead_drop: regex.Pattern
    after_stop: regex.Pattern
    verbs: frozenset[str]
    tail_words: frozenset[str]
    generic_heads: frozenset[str]
    max_indicator_chars: int
    indicators: Mapping[str, IndicatorSpec]  # panel column -> how reports name it
    indicator_ignore: regex.Pattern
    derived: Mapping[str, tuple[str, ...]]   # panel column -> the columns that sum to it
    raw: Mapping[str, Mapping]               # file -> parsed YAML, for the example tests


def patterns_dir(override: str | os.PathLike | None = None) -> Path:
    """The `patterns/` folder: a flag or $JIXIAO_PATTERNS, else beside the package, else installed data."""
    chosen = override or os.environ.get("JIXIAO_PATTERNS")
    candidates = [chosen] if chosen else [Path(__file__).resolve().parents[2] / "patterns",
                                          Path(sys.prefix) / "share" / "jixiao" / "patterns"]
    for c in candidates:
        if (Path(c) / "numbers.yaml").is_file():
            return Path(c)
    where = chosen or "beside the package"
    raise PatternError("patterns/", "folder", f"not found ({where}); pass --patterns DIR or set JIXIAO_PATTERNS")


# ---------------------------------------------------------------- reading

class _Loader(yaml.SafeLoader):
    """YAML that refuses a key written twice in one mapping (the later one would win silently)."""


def _mapping(loader: _Loader, node: yaml.MappingNode, deep: bool = False):
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            raise _Duplicate(str(key), key_node.start_mark.line + 1)
        seen.add(key)
    return yaml.SafeLoader.construct_mapping(loader, node, deep)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


class _Duplicate(Exception):
    def __init__(self, key: str, line: int):
        super().__init__(key, line)
        self.key, self.line = key, line


def _read(folder: Path, name: str) -> dict:
    path = folder / f"{name}.yaml"
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    except _Duplicate as e:
        raise PatternError(path.name, e.key, f"duplicate key (again on line {e.line})") from e
    except (OSError, yaml.YAMLError) as e:
        raise PatternError(path.name, "-", f"cannot read: {e}") from e
    if not isinstance(data, dict):
        raise PatternError(path.name, "-", "expected a mapping at top level")
    return data


# ---------------------------------------------------------------- checking and compiling

def _compile(file: str, key: str, source: str) -> regex.Pattern:
    try:
        return regex.compile(source, FLAGS)
    except (regex.error, TypeError) as e:
        raise PatternError(file, key, f"regex does not compile: {e}") from e


def _check_fields(file: str, key: str, entry, allowed: set[str]) -> None:
    if not isinstance(entry, dict):
        raise PatternError(file, key, "expected a mapping")
    unknown = set(entry) - allowed
    if unknown:
        raise PatternError(file, key, f"unknown field(s) {sorted(unknown)}")


def _needs_examples(file: str, key: str, entry: dict, field: str = "examples") -> None:
    if not entry.get(field):
        raise PatternError(file, key, f"no {field}: every entry shows what it matches")


def _alternation(words) -> str:
    return "(?:" + "|".join(regex.escape(w) for w in sorted(words, key=len, reverse=True)) + ")"


def _units(data: dict) -> tuple[dict[str, UnitSpec], str]:
    forms: dict[str, UnitSpec] = {}
    alternatives = []
    for unit, e in data.items():
        unit = str(unit)
        _check_fields("units.yaml", unit, e, _UNIT_FIELDS)
        _needs_examples("units.yaml", unit, e)
        if e.get("kind") not in _KINDS:
            raise PatternError("units.yaml", unit, f"kind must be one of {sorted(_KINDS)}")
        if e.get("needs", "") not in ("", "listed", "duration"):
            raise PatternError("units.yaml", unit, "needs must be listed or duration")
        spec = UnitSpec(unit=unit, kind=e["kind"], base=str(e.get("base", unit)),
                        factor=Decimal(str(e.get("factor", 1))), numerals=e.get("numerals", "any"),
                        needs=e.get("needs", ""), counts_one=bool(e.get("counts_one", False)))
        guard = ""
        if "not_before" in e:
            _compile("units.yaml", unit, e["not_before"])
            guard += f"(?!{e['not_before']})"
        if "only_before" in e:
            _compile("units.yaml", unit, e["only_before"])
            guard += f"(?={e['only_before']})"
        for form in e.get("forms", [unit]):
            if form in forms:
                raise PatternError("units.yaml", unit, f"form {form!r} already belongs to {forms[form].unit}")
            forms[form] = spec
            alternatives.append((form, regex.escape(form) + guard))
    alternatives.sort(key=lambda a: len(a[0]), reverse=True)
    return forms, "(?:" + "|".join(a for _, a in alternatives) + ")"


def _qualifiers(data: dict) -> tuple[dict[str, Mapping], dict[str, str]]:
    unknown = set(data) - {"prefix", "inner", "suffix", "examples", "not_after"}
    if unknown:
        raise PatternError("qualifiers.yaml", ",".join(sorted(unknown)), "unknown section")
    table: dict[str, Mapping] = {}
    fragments = {}
    for position in ("prefix", "inner", "suffix"):
        words: dict[str, str] = {}
        for approx, listed in (data.get(position) or {}).items():
            if approx not in _APPROX:
                raise PatternError("qualifiers.yaml", f"{position}.{approx}", "unknown approx value")
            for w in listed:
                words[str(w)] = approx
        table[position] = MappingProxyType(words)
        fragments[position] = _alternation(words)
    for approx in _APPROX:
        if approx not in (data.get("examples") or {}):
            raise PatternError("qualifiers.yaml", f"examples.{approx}", "no examples")
    not_after = {str(w): _compile("qualifiers.yaml", f"not_after.{w}", rx)
                 for w, rx in (data.get("not_after") or {}).items()}
    table["not_after"] = MappingProxyType(not_after)
    return table, fragments


def _indicators(data: dict):
    file = "indicators.yaml"
    unknown = set(data) - {"ignore", "columns", "derived"}
    if unknown:
        raise PatternError(file, ",".join(sorted(unknown)), "unknown section")
    specs = {}
    for column, e in (data.get("columns") or {}).items():
        _check_fields(file, column, e, _INDICATOR_FIELDS)
        _needs_examples(file, column, e)
        if e.get("kind") not in _KINDS:
            raise PatternError(file, column, f"kind must be one of {sorted(_KINDS)}")
        rx = lambda key: tuple(_compile(file, f"{column}.{key}", n) for n in e.get(key, ()))
        one = lambda key: _compile(file, f"{column}.{key}", e[key]) if key in e else None
        specs[str(column)] = IndicatorSpec(
            column=str(column), kind=e["kind"], names=rx("names"), roles=frozenset(e.get("roles", ())),
            sections=one("sections"), not_sections=one("not_sections"),
            section_names=rx("section_names"), table_columns=rx("table_columns"))
    derived = {}
    for column, parts in (data.get("derived") or {}).items():
        missing = [p for p in [column, *parts] if p not in specs]
        if missing:
            raise PatternError(file, f"derived.{column}", f"unknown column(s) {missing}")
        derived[str(column)] = tuple(parts)
    return specs, _compile(file, "ignore", data.get("ignore", "(?!)")), derived


def _entries(raw: dict) -> tuple[dict[str, str], dict[str, tuple[str, bool]]]:
    """name -> regex source and name -> (file, whole) over every regex file; names are unique."""
    sources, where = {}, {}
    for file in REGEX_FILES:
        for key, e in raw[file].items():
            key = str(key)
            _check_fields(f"{file}.yaml", key, e, _ENTRY_FIELDS)
            if "regex" not in e:
                raise PatternError(f"{file}.yaml", key, "missing regex")
            _needs_examples(f"{file}.yaml", key, e)
            if key in where:
                raise PatternError(f"{file}.yaml", key, f"name already used in {where[key][0]}.yaml")
            sources[key] = str(e["regex"])
            where[key] = (file, bool(e.get("whole", file == "numbers")))
    return sources, where


def _resolve(name: str, fragments: dict[str, str], where: dict, seen: tuple[str, ...] = ()) -> str:
    file = f"{where[name][0]}.yaml" if name in where else "patterns"
    if name in seen:
        raise PatternError(file, name, f"circular reference via {' -> '.join(seen)}")

    def ref(m: regex.Match) -> str:
        target = m.group(1)
        if target not in fragments:
            raise PatternError(file, name, f"{{{target}}}: undefined reference")
        return "(?:" + _resolve(target, fragments, where, seen + (name,)) + ")"

    return _REF.sub(ref, fragments[name])


def build(folder: Path) -> Patterns:
    raw = {name: _read(folder, name) for name in FILES}
    units, unit_regex = _units(raw["units"])
    qualifiers, qualifier_fragments = _qualifiers(raw["qualifiers"])
    sources, where = _entries(raw)
    generated = {"unit": unit_regex, **qualifier_fragments}
    clash = set(generated) & set(sources)
    if clash:
        name = sorted(clash)[0]
        raise PatternError(f"{where[name][0]}.yaml", name, "name is reserved for a generated fragment")
    fragments = {**sources, **generated}
    rx = {k: _compile(f"{where[k][0]}.yaml", k, _resolve(k, fragments, where)) for k in sources}
    if "figure" not in rx:
        raise PatternError("numbers.yaml", "figure", "missing: the whole-figure pattern")
    exclusion = _compile("exclusions.yaml", "*", "|".join(
        f"(?:{rx[k].pattern})" for k in raw["exclusions"]))

    indicators, indicator_ignore, derived = _indicators(raw["indicators"])
    lex = raw["lexicon"]
    _check_fields("lexicon.yaml", "-", lex, _LEXICON_FIELDS)
    for key in ("lead_drop", "after_stop"):
        if key not in lex:
            raise PatternError("lexicon.yaml", key, "missing")
    _needs_examples("lexicon.yaml", "words", lex)
    _needs_examples("lexicon.yaml", "lead_drop", lex, "lead_drop_examples")
    return Patterns(
        folder=folder,
        figure=rx["figure"],
        rx=MappingProxyType(rx),
        entries=MappingProxyType(where),
        units=MappingProxyType(units),
        qualifiers=MappingProxyType(qualifiers),
        exclusion=exclusion,
        words=tuple(str(w) for w in lex.get("words", ())),
        lead_drop=_compile("lexicon.yaml", "lead_drop", lex["lead_drop"]),
        after_stop=_compile("lexicon.yaml", "after_stop", lex["after_stop"]),
        verbs=frozenset(str(v) for v in lex.get("verbs", ())),
        tail_words=frozenset(str(v) for v in lex.get("tail_words", ())),
        generic_heads=frozenset(str(v) for v in lex.get("generic_heads", ())),
        max_indicator_chars=int(lex.get("max_indicator_chars", 18)),
        indicators=MappingProxyType(indicators),
        indicator_ignore=indicator_ignore,
        derived=MappingProxyType(derived),
        raw=MappingProxyType(raw),
    )


@lru_cache(maxsize=4)
def _load(folder: str) -> Patterns:
    return build(Path(folder))


def load_patterns(folder: str | os.PathLike | None = None) -> Patterns:
    """The compiled patterns, built once per process and folder."""
    return _load(str(patterns_dir(folder)))
