"""What the reader did not understand: every clause with a clinical word that set nothing.

A sentence is cut into clauses at punctuation (, ; : and brackets) and at clause words ("and",
"but", "while", ...). A clause that no mention and no number touches, and that holds a clinical
word, is reported, whether the rest of its sentence was understood or not: in "Sudden onset, no
swelling, no history of trauma" the clause "no swelling" is reported although the sentence named
two findings.

A word is clinical when it begins with one of the clinical stems of
``knowledge/language/lexicon.yaml`` (``clinical_stems``: "pain", "tender", "fractur", "oedem",
...) or is a word of the knowledge base's own wordings (every phrase of the lexicon) of at least
five letters that is not an everyday word (``not_clinical``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from hipdx.intake._lexicon import Lexicon
from hipdx.intake._models import Measurement, Mention, Span
from hipdx.kb.language import LexiconRules

_WORD = re.compile(r"[A-Za-zÀ-ÿ][A-Za-zÀ-ÿ'-]*")
_CLAUSE_BREAK = re.compile(
    r"[,;:()\[\]]|\s(?:and|but|or|while|whereas|although|though|however|with|without)\s",
    re.IGNORECASE,
)
#: The shortest lexicon word that counts as clinical on its own.
_MIN_LEXICON_WORD = 5


class ClinicalVocabulary:
    """Decides whether a word is clinical: a stem from the rules file, or a word of the
    lexicon's phrases that is not an everyday word."""

    def __init__(self, lexicon: Lexicon, rules: LexiconRules) -> None:
        everyday = {w.lower() for w in rules.not_clinical}
        self._stems = tuple(sorted({s.lower() for s in rules.clinical_stems}))
        self._words = frozenset(
            word
            for term in lexicon.terms
            for word in (w.lower() for w in _WORD.findall(term.phrase))
            if len(word) >= _MIN_LEXICON_WORD and word not in everyday
        )
        self._everyday = frozenset(everyday)

    def is_clinical(self, word: str) -> bool:
        lower = word.lower()
        if lower in self._everyday:
            return False
        return lower in self._words or lower.startswith(self._stems)

    def clinical_words(self, text: str) -> list[str]:
        return [w for w in _WORD.findall(text) if self.is_clinical(w)]


def clauses(text: str, start: int, end: int) -> Iterable[tuple[int, int]]:
    """The clauses of ``text[start:end]``, as character ranges without surrounding spaces."""
    position = start
    for match in _CLAUSE_BREAK.finditer(text, start, end):
        yield from _trimmed(text, position, match.start())
        position = match.end()
    yield from _trimmed(text, position, end)


def _trimmed(text: str, start: int, end: int) -> Iterable[tuple[int, int]]:
    piece = text[start:end]
    stripped = piece.strip(" \t\n.!?\"'")
    if stripped:
        offset = start + piece.index(stripped)
        yield offset, offset + len(stripped)


def not_understood(
    text: str,
    sentences: Iterable[tuple[int, int]],
    mentions: Iterable[Mention],
    measurements: Iterable[Measurement],
    vocabulary: ClinicalVocabulary,
    reported: Iterable[Span] = (),
) -> list[Span]:
    """The clauses of ``sentences`` with a clinical word that no mention, number or already
    reported span (``reported``: pain phrases that named no finding) touches."""
    touched = [(m.span.start, m.span.end) for m in mentions]
    touched += [(m.span.start, m.span.end) for m in measurements]
    touched += [(m.cue.start, m.cue.end) for m in measurements if m.cue is not None]
    touched += [(s.start, s.end) for s in reported]
    found: list[Span] = []
    for sentence_start, sentence_end in sentences:
        for start, end in clauses(text, sentence_start, sentence_end):
            if any(start < t_end and t_start < end for t_start, t_end in touched):
                continue
            if vocabulary.clinical_words(text[start:end]):
                found.append(Span.within(text, start, end))
    return found
