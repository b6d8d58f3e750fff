"""Load, validate and compile the pattern data in `patterns/` into one immutable set.

Patterns are data so that a reviewer can read and extend them without reading code;
this module is the only place that knows their file layout. Everything is checked
before any document is read: an unknown field, an undefined `{reference}` or a regex
that does not compile is a `PatternError` naming the file and the key.
"""
from __future__ import annotations

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
_REF = regex.compile(r"\{([a-z_]+)\}")
FILES = ("numbers", "units", "qualifiers", "exclusions", "cues", "lexicon", "indicators")
_ENTRY_FIELDS = {"doc", "regex", "examples", "counterexamples"}
_UNIT_FIELDS = {"kind", "base", "factor", "forms", "not_before", "only_before", "numerals",
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
    factor: int
    numerals: str = "any"      # "arabic": Chinese numerals never take this unit
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
    """Everything the recognizer needs, compiled once; read-only after loading."""

    folder: Path
    figure: regex.Pattern
    numbers: Mapping[str, regex.Pattern]     # every entry of numbers.yaml, references resolved
    units: Mapping[str, UnitSpec]            # surface form -> unit
    qualifiers: Mapping[str, Mapping]        # position -> word -> approx; not_after -> word -> regex
    exclusion: regex.Pattern
    cues: Mapping[str, regex.Pattern]
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


def _compile(file: str, key: str, source: str) -> regex.Pattern:
    try:
        return regex.compile(source, FLAGS)
    except regex.error as e:
        raise PatternError(file, key, f"regex does not compile: {e}") from e


def _check_fields(file: str, key: str, entry, allowed: set[str]) -> None:
    if not isinstance(entry, dict):
        raise PatternError(file, key, "expected a mapping")
    unknown = set(entry) - allowed
    if unknown:
        raise PatternError(file, key, f"unknown field(s) {sorted(unknown)}")


def _alternation(words) -> str:
    return "(?:" + "|".join(regex.escape(w) for w in sorted(words, key=len, reverse=True)) + ")"


def _units(data: dict) -> tuple[dict[str, UnitSpec], str]:
    forms: dict[str, UnitSpec] = {}
    alternatives = []
    for unit, e in data.items():
        unit = str(unit)
        _check_fields("units.yaml", unit, e, _UNIT_FIELDS)
        if e.get("kind") not in _KINDS:
            raise PatternError("units.yaml", unit, f"kind must be one of {sorted(_KINDS)}")
        if e.get("needs", "") not in ("", "listed", "duration"):
            raise PatternError("units.yaml", unit, "needs must be listed or duration")
        spec = UnitSpec(unit=unit, kind=e["kind"], base=str(e.get("base", unit)),
                        factor=int(e.get("factor", 1)), numerals=e.get("numerals", "any"),
                        needs=e.get("needs", ""))
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


def _qualifiers(data: dict) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    table: dict[str, dict[str, str]] = {}
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
    not_after = {}
    for word, rx in (data.get("not_after") or {}).items():
        not_after[str(word)] = _compile("qualifiers.yaml", f"not_after.{word}", rx)
    table["not_after"] = MappingProxyType(not_after)
    unknown = set(data) - {"prefix", "inner", "suffix", "examples", "not_after"}
    if unknown:
        raise PatternError("qualifiers.yaml", ",".join(sorted(unknown)), "unknown section")
    return table, fragments


def _indicators(data: dict):
    file = "indicators.yaml"
    unknown = set(data) - {"ignore", "columns", "derived"}
    if unknown:
        raise PatternError(file, ",".join(sorted(unknown)), "unknown section")
    specs = {}
    for column, e in (data.get("columns") or {}).items():
        _check_fields(file, column, e, _INDICATOR_FIELDS)
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


def _resolve(name: str, fragments: dict[str, str], seen: tuple[str, ...] = ()) -> str:
    if name in seen:
        raise PatternError("numbers.yaml", name, f"circular reference via {' -> '.join(seen)}")
    if name not in fragments:
        raise PatternError("numbers.yaml", name, "undefined reference")
    return _REF.sub(lambda m: "(?:" + _resolve(m.group(1), fragments, seen + (name,)) + ")",
                    fragments[name])


def _read(folder: Path, name: str) -> dict:
    path = folder / f"{name}.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as e:
        raise PatternError(path.name, "-", f"cannot read: {e}") from e
    if not isinstance(data, dict):
        raise PatternError(path.name, "-", "expected a mapping at top level")
    return data


def build(folder: Path) -> Patterns:
    raw = {name: _read(folder, name) for name in FILES}

    numbers = raw["numbers"]
    for key, e in numbers.items():
        _check_fields("numbers.yaml", key, e, _ENTRY_FIELDS)
        if "regex" not in e:
            raise PatternError("numbers.yaml", key, "missing regex")
    units, unit_regex = _units(raw["units"])
    qualifiers, qualifier_fragments = _qualifiers(raw["qualifiers"])
    fragments = {k: e["regex"] for k, e in numbers.items()}
    fragments.update(unit=unit_regex, **qualifier_fragments)
    resolved = {k: _resolve(k, fragments) for k in numbers}
    compiled_numbers = {k: _compile("numbers.yaml", k, v) for k, v in resolved.items()}
    if "figure" not in compiled_numbers:
        raise PatternError("numbers.yaml", "figure", "missing: the whole-figure pattern")

    exclusions = []
    for key, e in raw["exclusions"].items():
        _check_fields("exclusions.yaml", key, e, _ENTRY_FIELDS)
        exclusions.append(_compile("exclusions.yaml", key, e["regex"]).pattern)
    exclusion = _compile("exclusions.yaml", "*", "|".join(f"(?:{p})" for p in exclusions))

    cues = {}
    for key, e in raw["cues"].items():
        _check_fields("cues.yaml", key, e, _ENTRY_FIELDS)
        cues[key] = _compile("cues.yaml", key, e["regex"])

    indicators, indicator_ignore, derived = _indicators(raw["indicators"])
    lex = raw["lexicon"]
    _check_fields("lexicon.yaml", "-", lex, _LEXICON_FIELDS)
    for key in ("lead_drop", "after_stop"):
        if key not in lex:
            raise PatternError("lexicon.yaml", key, "missing")
    return Patterns(
        folder=folder,
        figure=compiled_numbers["figure"],
        numbers=MappingProxyType(compiled_numbers),
        units=MappingProxyType(units),
        qualifiers=MappingProxyType(qualifiers),
        exclusion=exclusion,
        cues=MappingProxyType(cues),
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
