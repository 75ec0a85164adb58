"""The finding lexicon, read from the knowledge base: every finding's synonyms and wording.

Nothing here names a finding: new findings (with synonyms) are matched as soon as they are in
the knowledge base. Boolean findings become match phrases; numeric findings become *cues* that
tie a number in the text to them. A phrase names one finding (the first that lists it), unless
``knowledge/language/lexicon.yaml`` shares it among several ("amenorrhoea": a possible pregnancy and
low energy availability).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from hipdx.issues import Issue, warning
from hipdx.kb.compiled import CompiledKB
from hipdx.kb.language import GAP, NUMBER, AnalyteRules, LexiconRules, read_resource
from hipdx.kb.loader import packaged_language
from hipdx.kb.schema import Finding

__all__ = [
    "DENIAL",
    "GAP",
    "NUMBER",
    "AnalyteRules",
    "Lexicon",
    "LexiconRules",
    "Term",
    "build_lexicon",
    "lexicon_rules",
]

_PARENTHESES = re.compile(r"\s*\([^)]*\)")
#: A term's ``only`` for a phrase whose affirmation is its finding's absence ("postmenopausal").
DENIAL = "denial"


@dataclass(frozen=True)
class Term:
    """A phrase that names a boolean finding. ``only``: the one status in which it does
    ("absent": "no rash" says there is no dermatomal rash, "a rash" says nothing about one;
    "present": "liver metastases" is a cancer, "no liver metastases" says nothing about one)."""

    phrase: str
    finding: str
    only: str | None = None


@lru_cache(maxsize=1)
def lexicon_rules() -> LexiconRules:
    """The packaged rules file, read once."""
    return read_resource(packaged_language(), "lexicon.yaml", LexiconRules)


@dataclass(frozen=True)
class Lexicon:
    terms: tuple[Term, ...]
    cues: dict[str, tuple[str, ...]]  # numeric finding -> phrases that name it
    issues: tuple[Issue, ...]


def build_lexicon(
    kb: CompiledKB,
    extra_cues: dict[str, list[str]],
    strip_prefixes: tuple[str, ...] = (),
    shared: dict[str, list[str]] | None = None,
    only: dict[str, dict[str, list[str]]] | None = None,
) -> Lexicon:
    """Phrases for every boolean finding; cues for every numeric one. A ``shared`` phrase names
    each of its findings (that the knowledge base has as boolean findings); an ``only`` phrase
    (under "absent" or "present") names them in that status only."""
    owner: dict[str, str] = {}
    issues: list[Issue] = []
    for finding in kb.knowledge.findings:
        if finding.numeric is not None:
            continue
        for phrase in _phrases(finding, strip_prefixes):
            key = phrase.lower()
            if key in owner and owner[key] != finding.id:
                issues.append(_shared_phrase(phrase, owner[key], finding.id))
                continue
            owner.setdefault(key, finding.id)
    shared_terms, shared_issues = _shared_terms(kb, shared or {})
    for status, phrases in (only or {}).items():
        found, found_issues = _shared_terms(kb, phrases, only=status)
        shared_terms.extend(found)
        shared_issues.extend(found_issues)
    named = {term.phrase.lower() for term in shared_terms}
    terms = (
        *(Term(phrase, finding) for phrase, finding in owner.items() if phrase not in named),
        *shared_terms,
    )
    issues.extend(shared_issues)
    cues = {
        f.id: tuple(_cues(kb, f, extra_cues.get(f.id, [])))
        for f in kb.knowledge.findings
        if f.numeric is not None
    }
    return Lexicon(terms=terms, cues=cues, issues=tuple(issues))


def _shared_terms(
    kb: CompiledKB, shared: dict[str, list[str]], *, only: str | None = None
) -> tuple[list[Term], list[Issue]]:
    """One term per finding of each shared phrase; a finding the knowledge base lacks (or that
    takes a number) is reported and left out."""
    terms: list[Term] = []
    issues: list[Issue] = []
    for phrase, findings in shared.items():
        for finding in findings:
            if kb.has_finding(finding) and kb.finding(finding).numeric is None:
                terms.append(Term(" ".join(phrase.split()), finding, only))
            else:
                issues.append(
                    warning(
                        f"lexicon.{finding}",
                        f"the shared phrase '{phrase}' names '{finding}', which is not a "
                        "boolean finding of the knowledge base",
                        "name an existing boolean finding in knowledge/language/lexicon.yaml",
                    )
                )
    return terms, issues


def _phrases(finding: Finding, strip_prefixes: tuple[str, ...]) -> Iterator[str]:
    """The synonyms, the clinician wording and that wording without its parentheses, each
    without a leading context word ("History of cancer" -> "cancer")."""
    for phrase in (*finding.synonyms, finding.clinician, _PARENTHESES.sub("", finding.clinician)):
        cleaned = _strip(" ".join(phrase.split()), strip_prefixes)
        if len(cleaned) >= 2:
            yield cleaned


def _cues(kb: CompiledKB, finding: Finding, extra: list[str]) -> Iterator[str]:
    yield from finding.synonyms
    yield from extra
    assert finding.numeric is not None
    for threshold in finding.numeric.derive:
        if kb.has_finding(threshold.finding):
            yield from kb.finding(threshold.finding).synonyms


def _shared_phrase(phrase: str, first: str, second: str) -> Issue:
    return warning(
        f"lexicon.{second}",
        f"the phrase '{phrase}' already names '{first}'; it is matched to '{first}' only",
        "give each finding its own synonyms",
    )


def _strip(phrase: str, prefixes: tuple[str, ...]) -> str:
    for prefix in prefixes:
        if phrase.lower().startswith(f"{prefix} "):
            return phrase[len(prefix) + 1 :]
    return phrase
