"""Every example and counterexample in patterns/*.yaml, and the loader's error reports."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from extract import find_figures
from extract.core.errors import PatternError
from extract.core.numbers import normalise
from extract.core.patterns import build, load_patterns, patterns_dir
from extract.analyse.segment import words

P = load_patterns()
RAW = P.raw


def _cases(file: str, field: str):
    for key, entry in RAW[file].items():
        if isinstance(entry, dict):
            for example in entry.get(field, []) or []:
                yield pytest.param(key, example, id=f"{file}:{key}:{example}")


REGEX_FILES = ("numbers", "cues", "structure", "tables", "metadata")


def _entry_cases(field: str):
    for file in REGEX_FILES:
        yield from _cases(file, field)


def _finds(key: str, example: str) -> bool:
    """An entry's example is matched whole (`whole: true`, numbers) or found somewhere."""
    _, whole = P.entries[key]
    text = normalise(example) if whole else example
    return bool(P.rx[key].fullmatch(text) if whole else P.rx[key].search(text))


@pytest.mark.parametrize("key,example", list(_entry_cases("examples")))
def test_entry_examples_match(key, example):
    assert _finds(key, example), f"{key} should match {example!r}"


@pytest.mark.parametrize("key,example", list(_entry_cases("counterexamples")))
def test_entry_counterexamples_do_not_match(key, example):
    assert not _finds(key, example), f"{key} should not match {example!r}"


def _units_of(text: str) -> set[str]:
    return {f.unit.lstrip("万亿") for f in find_figures(text)}


@pytest.mark.parametrize("key,example", list(_cases("units", "examples")))
def test_unit_examples_give_a_figure_with_the_unit(key, example):
    assert key in _units_of(example), f"{example!r} should give a figure in {key}"


@pytest.mark.parametrize("key,example", list(_cases("units", "counterexamples")))
def test_unit_counterexamples_give_no_figure_with_the_unit(key, example):
    assert key not in _units_of(example)


@pytest.mark.parametrize("approx,example", [
    pytest.param(a, e, id=f"{a}:{e}") for a, es in RAW["qualifiers"]["examples"].items() for e in es])
def test_qualifier_examples(approx, example):
    figures = find_figures(example)
    assert [f.approx for f in figures] == [approx], (example, figures)
    assert figures[0].surface in example


@pytest.mark.parametrize("key,example", list(_cases("exclusions", "examples")))
def test_exclusion_examples_leave_no_figure_inside_the_match(key, example):
    import regex

    rx = regex.compile(RAW["exclusions"][key]["regex"], regex.VERBOSE)
    matches = [m.span() for m in rx.finditer(normalise(example))]
    assert matches, f"{key} should match in {example!r}"
    for f in find_figures(example):
        assert all(f.end <= s or f.start >= e for s, e in matches), (example, f.surface)


@pytest.mark.parametrize("key,example", list(_cases("exclusions", "counterexamples")))
def test_exclusion_counterexamples_keep_their_figures(key, example):
    import regex

    rx = regex.compile(RAW["exclusions"][key]["regex"], regex.VERBOSE)
    spans = [m.span() for m in rx.finditer(normalise(example))]
    figures = find_figures(example)
    assert figures, f"{example!r} states a figure"
    assert not any(s < f.end and f.start < e for f in figures for s, e in spans)


@pytest.mark.parametrize("text,kept", RAW["lexicon"]["examples"])
def test_lexicon_keeps_domain_words_whole(text, kept):
    segmented = words(text)
    for w in kept:
        assert w in segmented, (text, segmented)


@pytest.mark.parametrize("example", RAW["lexicon"]["lead_drop_examples"])
def test_lead_drop_examples(example):
    assert P.lead_drop.fullmatch(example)


# -- the loader rejects bad data, naming file and key --------------------------------
@pytest.fixture
def pattern_copy(tmp_path):
    target = tmp_path / "patterns"
    shutil.copytree(patterns_dir(), target)
    return target


def _edit(folder: Path, name: str, change):
    path = folder / f"{name}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def test_bundled_patterns_build(pattern_copy):
    assert build(pattern_copy).figure.search("合计12.5万元")


def test_unknown_field_is_named(pattern_copy):
    _edit(pattern_copy, "units", lambda d: d["元"].update(colour="red"))
    with pytest.raises(PatternError, match=r"units.yaml: 元: unknown field"):
        build(pattern_copy)


def test_undefined_reference_is_named(pattern_copy):
    _edit(pattern_copy, "numbers", lambda d: d["number"].update(regex="{nonesuch}"))
    with pytest.raises(PatternError, match=r"numbers.yaml: number: \{nonesuch\}: undefined reference"):
        build(pattern_copy)


def test_duplicate_key_is_named(pattern_copy):
    path = pattern_copy / "cues.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\ntotal:\n  regex: '总计'\n  examples: [总计]\n",
                    encoding="utf-8")
    with pytest.raises(PatternError, match=r"cues.yaml: total: duplicate key"):
        build(pattern_copy)


def test_a_name_used_in_two_files_is_named(pattern_copy):
    _edit(pattern_copy, "structure", lambda d: d.update(total={"regex": "合计", "examples": ["合计"]}))
    with pytest.raises(PatternError, match=r"structure.yaml: total: name already used in cues.yaml"):
        build(pattern_copy)


def test_undefined_reference_in_any_file_is_named(pattern_copy):
    _edit(pattern_copy, "cues", lambda d: d["total"].update(regex="合计|{nonesuch}"))
    with pytest.raises(PatternError, match=r"cues.yaml: total: \{nonesuch\}: undefined reference"):
        build(pattern_copy)


def test_reference_reuses_an_entry_of_another_file(pattern_copy):
    _edit(pattern_copy, "cues", lambda d: d["total"].update(regex="合计{arabic}"))
    assert build(pattern_copy).rx["total"].fullmatch("合计12.5")


def test_entry_without_examples_is_named(pattern_copy):
    _edit(pattern_copy, "tables", lambda d: d["whole_fund"].pop("examples"))
    with pytest.raises(PatternError, match=r"tables.yaml: whole_fund: no examples"):
        build(pattern_copy)


def test_unknown_field_of_an_entry_is_named(pattern_copy):
    _edit(pattern_copy, "structure", lambda d: d["caption"].update(flags="i"))
    with pytest.raises(PatternError, match=r"structure.yaml: caption: unknown field"):
        build(pattern_copy)


def test_circular_reference_is_named(pattern_copy):
    def loop(d):
        d["nesting"]["regex"] = "{other_part}"
        d["other_part"]["regex"] = "{nesting}"
    _edit(pattern_copy, "cues", loop)
    with pytest.raises(PatternError, match=r"circular reference"):
        build(pattern_copy)


def test_bad_regex_is_named(pattern_copy):
    _edit(pattern_copy, "exclusions", lambda d: d["codes"].update(regex="([A-Z"))
    with pytest.raises(PatternError, match=r"exclusions.yaml: codes: regex does not compile"):
        build(pattern_copy)


def test_bad_kind_is_named(pattern_copy):
    _edit(pattern_copy, "units", lambda d: d["米"].update(kind="distance"))
    with pytest.raises(PatternError, match=r"units.yaml: 米: kind must be"):
        build(pattern_copy)


def test_missing_folder_says_how_to_fix(tmp_path):
    with pytest.raises(PatternError, match="not found"):
        patterns_dir(tmp_path / "nowhere")
