"""The finding lexicon, read from the knowledge base: every finding's synonyms and wording.

Nothing here names a finding: new findings (with synonyms) are matched as soon as they are in
the knowledge base. Boolean findings become match phrases; numeric findings become *cues* that
tie a number in the text to them. A phrase names one finding (the first that lists it), unless
``resources/lexicon.yaml`` shares it among several ("amenorrhoea": a possible pregnancy and
low energy availability).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml
from pydantic import BaseModel, ConfigDict, Field

from hipdx.issues import Issue, warning
from hipdx.kb.compiled import CompiledKB
from hipdx.kb.schema import Finding

_PARENTHESES = re.compile(r"\s*\([^)]*\)")
#: In a phrase, stands for a number in the text, in digits or words ("runs <n> miles" matches
#: "runs 40 miles" and "runs sixty-five miles").
NUMBER = "<n>"
#: In a phrase, stands for up to five words of the same clause ("can cycle <...> but cannot walk
#: far" matches "can cycle for an hour but cannot walk far").
GAP = "<...>"


@dataclass(frozen=True)
class Term:
    """A phrase that names a boolean finding. ``only``: the one status in which it does
    ("absent": "no rash" says there is no dermatomal rash, "a rash" says nothing about one;
    "present": "liver metastases" is a cancer, "no liver metastases" says nothing about one)."""

    phrase: str
    finding: str
    only: str | None = None


class AnalyteTest(BaseModel):
    """The test phrases of one finding and the analytes it reports."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    tests: list[str]
    analytes: list[str]


class AnalyteRules(BaseModel):
    """``test_analytes`` in ``resources/lexicon.yaml``: a test named with what it looks for
    ("urine dipstick negative for blood") names the test's finding, read from its result words."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    findings: dict[str, AnalyteTest] = Field(default_factory=dict)
    between: list[str] = Field(default_factory=list)
    max_between: int = 8
    absent_words: list[str] = Field(default_factory=list)
    shows: list[str] = Field(default_factory=list)
    not_after: list[str] = Field(default_factory=list)


class WorkupDiagnoses(BaseModel):
    """``workup_diagnoses`` in ``resources/lexicon.yaml``: a history finding named after a
    work-up word ("biopsy confirmed adenocarcinoma") is this presentation's diagnosis."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    findings: list[str] = Field(default_factory=list)
    words: list[str] = Field(default_factory=list)


class LexiconRules(BaseModel):
    """``resources/lexicon.yaml``: phrases that name more than one finding, phrases that name a
    finding only when negated, and phrases that name no finding although a finding's phrase is
    inside them ("accident and emergency")."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    shared_phrases: dict[str, list[str]] = Field(default_factory=dict)
    absence_only: dict[str, list[str]] = Field(default_factory=dict)
    presence_only: dict[str, list[str]] = Field(default_factory=dict)
    not_findings: list[str] = Field(default_factory=list)
    overrides: dict[str, list[str]] = Field(default_factory=dict)
    result_required: list[str] = Field(default_factory=list)
    test_analytes: AnalyteRules = Field(default_factory=AnalyteRules)
    workup_diagnoses: WorkupDiagnoses = Field(default_factory=WorkupDiagnoses)

    def not_findings_pattern(self) -> re.Pattern[str] | None:
        """One case-insensitive pattern for the ``not_findings`` phrases (``<n>``: a number)."""
        if not self.not_findings:
            return None
        phrases = sorted(self.not_findings, key=len, reverse=True)
        alternatives = "|".join(
            r"\s+".join(re.escape(w) for w in p.split()).replace(re.escape(NUMBER), r"\d+")
            for p in phrases
        )
        return re.compile(r"(?<![A-Za-z])(?:" + alternatives + r")(?![A-Za-z])", re.IGNORECASE)


@lru_cache(maxsize=1)
def lexicon_rules() -> LexiconRules:
    """The packaged rules file, read once."""
    data = resources.files("hipdx.intake").joinpath("resources/lexicon.yaml").read_text()
    return LexiconRules.model_validate(yaml.safe_load(data))


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
                        "name an existing boolean finding in resources/lexicon.yaml",
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
