"""What the reader did not understand: the clinical vocabulary and the clause report."""

from __future__ import annotations

import pytest

import hipdx
from hipdx.intake._understood import ClinicalVocabulary, clauses


@pytest.fixture(scope="module")
def vocabulary() -> ClinicalVocabulary:
    return hipdx.default_engine().parser.vocabulary


@pytest.mark.parametrize(
    "word", ["swelling", "tender", "erythematous", "lightheaded", "INR", "oedema", "palpation"]
)
def test_clinical_words_come_from_the_stems_and_the_lexicon(
    vocabulary: ClinicalVocabulary, word: str
) -> None:
    assert vocabulary.is_clinical(word)


@pytest.mark.parametrize("word", ["patient", "returned", "wife", "history", "presented", "the"])
def test_everyday_words_are_not_clinical(vocabulary: ClinicalVocabulary, word: str) -> None:
    assert not vocabulary.is_clinical(word)


def test_a_sentence_is_cut_into_clauses_at_punctuation_and_clause_words() -> None:
    text = "Sudden onset, no swelling; warm but not erythematous."
    assert [text[s:e] for s, e in clauses(text, 0, len(text))] == [
        "Sudden onset",
        "no swelling",
        "warm",
        "not erythematous",
    ]


def test_clauses_missed_inside_an_understood_sentence_are_reported() -> None:
    parsed = hipdx.parse("Left hip pain for 5 days, no swelling, warm but not erythematous.")
    assert parsed.case.findings["pain_duration_weeks"] == pytest.approx(5 / 7, abs=1e-3)
    assert [s.text for s in parsed.not_understood] == ["no swelling", "not erythematous"]


def test_every_reported_clause_points_at_its_words() -> None:
    text = "Fever. The knee was swollen and hot; she feels unwell with URTI symptoms."
    parsed = hipdx.parse(text)
    assert parsed.not_understood
    for span in parsed.not_understood:
        assert text[span.start : span.end] == span.text


def test_a_note_read_in_full_reports_nothing() -> None:
    assert (
        hipdx.parse("A 40-year-old man with groin pain for 3 weeks. No fever.").not_understood == ()
    )
