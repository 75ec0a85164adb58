"""The reader's prefiltered matcher, as specifications: a note is matched only against the rules
whose required word it contains, and that finds exactly what one matcher holding every rule
finds; the batched path reads as the single one.

The reference here is the previous design: one spaCy `Matcher` with every rule, validated as
it is built (the reader itself adds its patterns unvalidated, so this is where they are
validated). ``bench/bench_reader.py --check`` compares full outputs with the previous tree on
every gold set and vignette.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

import hipdx
from hipdx.exceptions import InvalidCaseError
from hipdx.intake import ParsedCase, Parser
from hipdx.intake._matcher import ALWAYS, PrefilteredMatcher, required_words, with_glosses

FIXTURES = Path(__file__).parent / "fixtures"
GOLD = sorted((FIXTURES / "gold").glob("*.jsonl"))


def _gold_passages() -> list[str]:
    return [
        json.loads(line)["text"]
        for path in GOLD
        for line in path.read_text().splitlines()
        if line.strip()
    ]


def _sentences() -> list[str]:
    cases = yaml.safe_load((FIXTURES / "intake_cases.yaml").read_text())
    return [str(case["text"]) for case in cases]


@pytest.fixture(scope="module")
def parser(engine: hipdx.Engine) -> Parser:
    return engine.parser


@pytest.fixture(scope="module")
def matcher(parser: Parser) -> PrefilteredMatcher:
    return parser.matcher


@pytest.fixture(scope="module")
def every_rule(matcher: PrefilteredMatcher) -> Any:
    """One spaCy matcher holding every rule, each pattern validated as it is added."""
    from spacy.matcher import Matcher

    full = Matcher(matcher.make_doc("").vocab, validate=True)
    for position, rule in enumerate(matcher.rules):
        full.add(f"hipdx_rule_{position}", [rule.pattern])
    return full


def _full_matches(full: Any, doc: Any) -> list[tuple[int, int, int]]:
    """The one matcher's matches, with the reader's handling of glosses in brackets."""
    strings = doc.vocab.strings

    def every_match(d: Any) -> list[tuple[int, int, int]]:
        return sorted(
            (start, end, int(strings[key].rsplit("_", 1)[1])) for key, start, end in full(d)
        )

    return with_glosses(doc, every_match)


# --- the required word of a pattern -------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "words"),
    [
        ([{"LOWER": "groin"}, {"LOWER": "pain"}], {"groin"}),
        ([{"LOWER": "the", "OP": "?"}, {"LOWER": "groin"}], {"groin"}),
        ([{"LOWER": {"IN": ["pain", "pains"]}}], {"pain", "pains"}),
        ([{"LOWER": {"NOT_IN": ["."]}, "OP": "{1,5}"}, {"LOWER": "ache"}], {"ache"}),
        ([{"LOWER": "stiff"}, {"LOWER": {"IN": ["a", "b"]}, "OP": "{0,2}"}], {"stiff"}),
        ([{"LOWER": "the"}, {"LOWER": "trochanter"}], {"trochanter"}),
        ([{"ORTH": "FABER"}], {"faber"}),
        ([{"LOWER": "walks"}, {"LOWER": "slowly", "OP": "{2}"}], {"slowly"}),
    ],
)
def test_a_pattern_is_filed_under_a_word_every_match_of_it_contains(
    pattern: list[dict[str, Any]], words: set[str]
) -> None:
    assert required_words(pattern) == words


@pytest.mark.parametrize(
    "pattern",
    [
        [{"LIKE_NUM": True}, {"ORTH": "-", "OP": "?"}],
        [{"LOWER": "left", "OP": "?"}, {"LOWER": {"REGEX": "^l[1-5]$"}}],
        [{"LOWER": "no", "OP": "!"}, {"IS_PUNCT": True}],
    ],
)
def test_a_pattern_that_requires_no_literal_word_is_matched_against_every_note(
    pattern: list[dict[str, Any]],
) -> None:
    assert required_words(pattern) == ALWAYS


# --- the prefilter against one matcher holding every rule ----------------------------------


def test_every_pattern_the_reader_adds_is_a_valid_spacy_token_pattern(
    matcher: PrefilteredMatcher, every_rule: Any
) -> None:
    """The reader adds its patterns unvalidated; building the reference with validation on
    raises `MatchPatternError` on any invalid one."""
    assert len(every_rule) == len(matcher.rules) > 4000


def test_the_prefiltered_reader_finds_what_every_rule_finds_on_every_gold_passage(
    matcher: PrefilteredMatcher, every_rule: Any
) -> None:
    for text in _gold_passages():
        doc = matcher.make_doc(text)
        assert matcher.matches(doc) == _full_matches(every_rule, doc), text[:80]


def test_the_prefiltered_reader_finds_what_every_rule_finds_in_every_intake_sentence(
    matcher: PrefilteredMatcher, every_rule: Any
) -> None:
    for text in _sentences():
        doc = matcher.make_doc(text)
        assert matcher.matches(doc) == _full_matches(every_rule, doc), text


def test_a_note_that_mentions_no_lexicon_word_is_matched_against_no_rule(
    matcher: PrefilteredMatcher,
) -> None:
    assert matcher.considered(matcher.make_doc("Lovely weather today.")) == []


def test_a_short_note_is_matched_against_a_small_part_of_the_lexicon(
    matcher: PrefilteredMatcher,
) -> None:
    considered = matcher.considered(matcher.make_doc("Denies fever. FADIR was positive."))
    assert 0 < len(considered) < len(matcher.rules) / 10


def test_a_rule_is_considered_whatever_the_case_of_its_word_in_the_note(
    matcher: PrefilteredMatcher,
) -> None:
    lower = matcher.considered(matcher.make_doc("right groin pain"))
    assert matcher.considered(matcher.make_doc("RIGHT GROIN PAIN")) == lower != []


def test_matches_come_in_order_of_start_end_and_rule(parser: Parser) -> None:
    doc = parser.matcher.make_doc("Reduced left hip flexion and internal rotation; groin pain.")
    found = parser.matcher.matches(doc)
    assert found == sorted(found) and found


# --- the batched path --------------------------------------------------------------------


def test_reading_many_notes_gives_what_reading_each_gives(engine: hipdx.Engine) -> None:
    texts = _gold_passages()
    many = list(engine.parse_many(texts, batch_size=16))
    assert [p.model_dump_json() for p in many if isinstance(p, ParsedCase)] == [
        engine.parse(text).model_dump_json() for text in texts
    ]


def test_a_note_that_cannot_be_read_gives_its_error_in_its_place(engine: hipdx.Engine) -> None:
    texts = ["Denies fever.", "   ", "x" * 200_000, "FADIR was positive.", "Groin pain."]
    settings = ["emergency", "sports", "sports", "nowhere", "sports"]
    read = list(engine.parse_many(texts, settings=settings, batch_size=2))
    assert [type(r) for r in read] == [
        ParsedCase,
        InvalidCaseError,
        InvalidCaseError,
        InvalidCaseError,
        ParsedCase,
    ]
    first, last = read[0], read[-1]
    assert isinstance(first, ParsedCase) and first.case.setting == "emergency"
    assert isinstance(last, ParsedCase) and last.case.setting == "sports"


def test_many_notes_need_one_setting_each(engine: hipdx.Engine) -> None:
    with pytest.raises(ValueError, match="zip"):
        list(engine.parse_many(["Groin pain.", "Denies fever."], settings=["sports"]))


# --- ConText's modifiers, prefiltered the same way ------------------------------------------


@pytest.fixture(scope="module")
def medspacy_modifiers(parser: Parser) -> Any:
    """medspaCy's own matcher of the ConText rules (phrases, patterns, pruning), on copies of
    the rules (adding a rule to a matcher names it)."""
    import copy

    from medspacy.common.medspacy_matcher import MedspacyMatcher

    reference = MedspacyMatcher(parser.context.nlp, name="reference", prune=True)
    reference.add(copy.deepcopy(parser.context.rules))
    return reference


def _described(rule: Any, start: int, end: int) -> tuple[str, str, str, int, int]:
    return rule.literal, rule.category, rule.direction, start, end


def test_context_reads_the_modifiers_medspacy_reads_in_every_gold_passage_and_sentence(
    parser: Parser, medspacy_modifiers: Any
) -> None:
    strings = parser.context.nlp.vocab.strings
    for text in [*_gold_passages(), *_sentences()]:
        doc = parser.matcher.make_doc(text)
        expected = [
            _described(medspacy_modifiers.rule_map[strings[key]], start, end)
            for key, start, end in medspacy_modifiers(doc)
        ]
        found = [_described(*match) for match in parser.context.modifier_matches(doc)]
        assert found == expected, text[:80]


def test_a_context_phrase_rule_matches_in_any_case(parser: Parser) -> None:
    """ "history of" is a phrase rule (no token pattern)."""
    doc = parser.matcher.make_doc("HISTORY OF hip pain")
    assert [rule.literal for rule, *_ in parser.context.modifier_matches(doc)] == ["history of"]
